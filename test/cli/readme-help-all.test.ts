/**
 * The README against `occupy --help-all`, the other way round from `test/occupancy/options.test.ts`
 * (which checks the estimate's option table): every subcommand of `occupy --help` is in the
 * Subcommands line of the README's *Options* section, and every long option of every command is
 * named somewhere in the README. Session 55 found `occupy decompose` and `occupy check` missing
 * from that line and `decompose --bands`, `pixel-size from-cs --cs-true` and `pixel-size ctf-plot
 * --amplitude-contrast` named nowhere; and `--help` said less than the README's option table (and
 * the run) about `--save-all-maps` (also the factor maps of a modification), `--seed` (--sigmoid
 * adds the noise too) and `--retain-solvent` (refused without a modification).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runInProcess } from '../helpers/cli-run.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The `occupy --help-all` text, one section per command (`=== occupy X ===` headings). */
async function helpAll(): Promise<string> {
  const { stdout } = await runInProcess(['--help-all']);
  assert.ok(stdout.includes('=== occupy decompose ==='), 'occupy --help-all prints every command');
  return stdout;
}

describe('README against occupy --help-all', () => {
  it('the Subcommands line of ## Options names every subcommand', async () => {
    const text = await helpAll();
    const top = text.slice(text.indexOf('Commands:'), text.indexOf('\n=== '));
    const commands = [...top.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]);
    assert.ok(commands.length >= 10 && commands.includes('locres'), commands.join(' '));
    const start = readme.indexOf('## Options');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const line = section.slice(section.indexOf('Subcommands:'), section.indexOf('Environment:'));
    const missing = commands.filter((c) => !line.includes(`\`occupy ${c}`));
    assert.deepEqual(missing, [], `the README's Subcommands line does not name occupy ${missing.join(', occupy ')}`);
  });

  it('every long option of every command is named in the README', async () => {
    const text = await helpAll();
    const flags = new Set<string>();
    for (const section of text.split('\n=== ')) {
      const options = section.slice(section.indexOf('Options:'), section.includes('Commands:') ? section.indexOf('Commands:') : undefined);
      for (const m of options.matchAll(/^ {2}(?:(-\w+), )?(--[\w-]+)/gm)) {
        if (['--help', '--help-all', '--version'].includes(m[2])) continue;
        // an option the README names only by its short form (-d) counts as named
        if (m[1] && /^-\w$/.test(m[1]) && new RegExp(`\\s${m[1]} `).test(readme)) continue;
        flags.add(m[2]);
      }
    }
    assert.ok(flags.size > 80, `${flags.size} options`);
    const missing = [...flags].filter((f) => !new RegExp(`${f}(?![\\w-])`).test(readme));
    assert.deepEqual(missing, [], `the README never names ${missing.join(', ')}`);
  });

  it('--help says what --save-all-maps, --seed and --retain-solvent do, as the README and the run do', async () => {
    const { stdout } = await runInProcess(['--help']);
    const help = stdout.replace(/\s+/g, ' ');
    // a run with --save-all-maps and a modification writes factor_ampl_2.0_<stem>.mrc beside lowpass_<stem>.mrc
    assert.match(help, /--save-all-maps also write the low-passed \(and down-sampled\) input and, when modifying, each modification's factor map \(factor_<modified map>\.mrc\)/);
    assert.match(help, /--seed <n> seed of the synthetic solvent noise that --attenuate and --sigmoid add where they removed signal \(not with --exclude-solvent\)/);
    assert.match(help, /--retain-solvent keep the input solvent in modified maps \(the default; only with a modification\)/);
  });

  it('decompose --help gives --noise-draws its range and --noise-draw-seed its default, as the README and the run', async () => {
    const { stdout } = await runInProcess(['decompose', '--help']);
    const help = stdout.replace(/\s+/g, ' ');
    // the run refuses --noise-draws 1 and 101 ('must be 0 or an integer in 2..100') and logs seed 1 when none is given
    assert.match(help, /--noise-draws <N> with --half-maps: .*; N in 2\.\.100 \(0 = off, the default\)/);
    assert.match(help, /--noise-draw-seed <S> with --noise-draws: seed of the noise redraws \(default 1; recorded in the log\)/);
  });
});
