/**
 * `occupy star join A.star B.star ... -o OUT`: join particle STAR files keeping optics groups
 * distinct (RELION JoinStar / relion_star_handler --combine).
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { joinParticleStars, readStar, writeStar, getBlock, loopTable } from '../../io/star/index.js';

/** Description shown in `occupy --help`. */
export const summary = 'RELION STAR tools: join particle files keeping optics groups distinct';

/** Add `star join`. */
export function addStarCommands(cmd: Command): Command {
  cmd
    .command('join')
    .description('join particle STAR files: distinct optics groups stay distinct and rlnOpticsGroup is renumbered; the same group name with different optics values is refused')
    .argument('<files...>', 'particle STAR files (RELION 3.1+: data_optics and data_particles)')
    .requiredOption('-o, --output <file>', 'output STAR file')
    .option('--json', 'print a summary as one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (files: string[], o: { output: string; json?: boolean; quiet?: boolean }) => {
      if (files.length < 2) throw new RangeError('star join needs at least two STAR files');
      for (const f of files) if (!existsSync(f)) throw new Error(`cannot read STAR file '${f}': no such file`);
      if (files.some((f) => resolve(f) === resolve(o.output))) throw new Error(`refusing to overwrite input '${o.output}'`);
      const stars = await Promise.all(files.map((f) => readStar(f)));
      const joined = joinParticleStars(stars, files.map((f) => basename(f)));
      await writeStar(o.output, joined);
      const optics = loopTable(getBlock(joined, 'optics')!)!;
      const particles = loopTable(getBlock(joined, 'particles')!)!;
      const result = { output: o.output, inputs: files, opticsGroups: optics.rows.length, particles: particles.rows.length };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else if (!o.quiet) process.stdout.write(`Joined ${files.length} files: ${particles.rows.length} particles in ${optics.rows.length} optics groups → ${o.output}\n`);
    });
  return cmd;
}
