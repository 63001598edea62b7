/**
 * `occupy star join A.star B.star ... -o OUT`: join particle STAR files keeping optics groups
 * distinct (RELION JoinStar / relion_star_handler --combine).
 */
import { Command } from 'commander';
import type { Stats } from 'node:fs';
import { sameIdentity, type FileIdentity } from '../../core/file-identity.js';
import { statRegularFile } from '../../core/regular-file.js';
import { checkOutputNames } from '../../core/output-set.js';
import { OptionRangeError } from '../options.js';
import { outputFile } from '../../jobs/output-path.js';
import { Reporter } from '../reporter.js';

/** Description shown in `occupy --help`. */
export const summary = 'RELION STAR tools: join particle files keeping optics groups distinct';

/**
 * Every input must exist and be a different real file (device + inode after resolving links), and
 * the output must not be one of them, nor a symbolic link, a folder or a special file.
 * @returns each input's `Stats` (the only time `star join` looks at its inputs: the sizes for the
 *   progress line and `readStar`'s check come from here)
 * @throws Error naming a missing file, a folder or a special file (the wording of
 *   {@link statRegularFile}), or OptionRangeError naming the two names of one file
 */
export async function checkDistinctFiles(files: readonly string[], output: string): Promise<Stats[]> {
  const seen: { id: FileIdentity; path: string }[] = [];
  const stats: Stats[] = [];
  for (const f of files) {
    const st = await statRegularFile(f, 'STAR file');
    stats.push(st);
    const id = { dev: st.dev, ino: st.ino };
    const before = seen.find((s) => sameIdentity(s.id, id))?.path;
    if (before !== undefined) throw new OptionRangeError(before === f ? `'${f}' is given twice: joining a file with itself would duplicate every particle; give each file once` : `'${before}' and '${f}' are the same file: joining it with itself would duplicate every particle; give each file once`);
    seen.push({ id, path: f });
  }
  // an output that is an input (exit 1, as every other command refuses it), a symbolic link or a folder
  await checkOutputNames([output], { protect: files });
  return stats;
}

/**
 * Add `star join`.
 * @param typed the arguments as typed after `occupy` (recorded in the joined file's header comments)
 */
export function addStarCommands(cmd: Command, typed: readonly string[] = []): Command {
  cmd
    .command('join')
    .description('join particle STAR files: distinct optics groups stay distinct and rlnOpticsGroup is renumbered; the same group name with different optics values is refused')
    .argument('<files...>', 'particle STAR files (RELION 3.1+: data_optics and data_particles)')
    .requiredOption('-o, --output <file>', 'output STAR file')
    .option('--json', 'print a summary as one JSON object on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (files: string[], o: { output: string; json?: boolean; quiet?: boolean }) => {
      o = { ...o, output: outputFile(o.output, 'joined.star') }; // -o DIR/ → DIR/joined.star
      if (files.length < 2) throw new OptionRangeError('star join needs at least two STAR files');
      const stats = await checkDistinctFiles(files, o.output);
      // the STAR modules are loaded by the command that runs them (start-up of the other commands)
      const [{ readStar, writeStar, getBlock, loopTable }, { joinParticleStars }] = await Promise.all([import('../../io/star/index.js'), import('../../io/star/join.js')]);
      // progress on stderr, one phase per file read, then join and write (two 145 MB files had been
      // read, joined and written in 17 s without a line; session 54): the files are read one after
      // the other, each phase's fraction the share of all the bytes read so far
      const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
      const sizes = stats.map((st) => st.size);
      const totalBytes = sizes.reduce((a, b) => a + b, 0) || 1;
      const stars = [];
      let before = 0;
      for (const [i, f] of files.entries()) {
        reporter.progress(`read ${f}`, before / totalBytes);
        stars.push(await readStar(f, { stats: stats[i], onProgress: (got) => reporter.progress(`read ${f}`, (before + got) / totalBytes) }));
        before += sizes[i];
      }
      // messages name each file as typed: RELION's files share names (job010/run_data.star and
      // job020/run_data.star), and by their base names a clash read 'in run_data.star and run_data.star'
      reporter.progress('join', 0);
      const joined = joinParticleStars(stars, files, { overlap: 'refuse', onProgress: (f) => reporter.progress('join', f) });
      // the record as comment lines before the first block (RELION skips them): the command as
      // typed, the rerun line, the folder, the version and each input's SHA-256 (the joined file
      // had recorded nothing of how it was made; session 54)
      reporter.progress('record', 0);
      const [{ jobRecord, JOB_VERSION }, { recordLines }] = await Promise.all([import('../../jobs/resolution-job-common.js'), import('../../occupancy/summary.js')]);
      const record = await jobRecord(typed, files, { overlap: 'refuse' });
      joined.preamble = [...(joined.preamble ?? []), `# occupy-ts ${JOB_VERSION}: star join of ${files.length} files`, ...recordLines(record).map((l) => `# ${l}`)];
      reporter.progress('write', 0);
      await writeStar(o.output, joined, (f) => reporter.progress('write', f));
      reporter.finish();
      const optics = loopTable(getBlock(joined, 'optics')!)!;
      const particles = loopTable(getBlock(joined, 'particles')!)!;
      const result = { output: o.output, inputs: files, opticsGroups: optics.rows.length, particles: particles.rows.length };
      if (o.json) process.stdout.write(JSON.stringify(result) + '\n');
      else if (!o.quiet) process.stdout.write(`Joined ${files.length} files: ${particles.rows.length} particles in ${optics.rows.length} optics groups → ${o.output}\n`);
    });
  return cmd;
}
