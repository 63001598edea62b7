/**
 * A value option given twice with different values is refused in one line naming it and both
 * values (exit 2), before any work, on every command: commander kept the last silently, so
 * `occupy -i a.mrc -i b.mrc` estimated b.mrc (while `occupy a.mrc -i b.mrc` was refused as two
 * input maps), `-o out1/ -o out2/` wrote into out2/ only, `locres … --mask m1 --mask m2` used m2
 * (sweep, session 56). The same value twice, repeatable options (`--sbatch-arg`) and variadic ones
 * (`--half-maps A B`) are taken as before.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
const p = (f: string) => join(dir, f);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-repeated-'));
  const m = (seed: number) => occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [12, 12, 12], radiusA: 10, occupancy: 1 }] }).map;
  await writeMrc(p('a.mrc'), m(1));
  await writeMrc(p('b.mrc'), m(2));
  await writeMrc(p('m1.mrc'), { ...m(1), data: m(1).data.map((v) => (v > 0.3 ? 1 : 0)) });
  await writeMrc(p('m2.mrc'), { ...m(2), data: m(2).data.map((v) => (v > 0.5 ? 1 : 0)) });
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `name` in the temporary folder for arguments naming a map or an output. */
const inDir = (a: string) => (/^(\w+\.mrc|out\w*\/?)$/.test(a) ? p(a) : a);

describe('a value option given twice with different values: one line naming it, exit 2, nothing written', { concurrency: 1 }, () => {
  for (const [args, line] of [
    [['-i', 'a.mrc', '-i', 'b.mrc', '-o', 'out1/'], `-i/--input-map is given twice ('${p('a.mrc')}' and '${p('b.mrc')}'): give it once`],
    [['a.mrc', '-o', 'out2/', '-o', 'out3/'], `-o/--output-map is given twice ('${p('out2/')}' and '${p('out3/')}'): give it once`],
    [['a.mrc', '--angpix', '2', '--angpix', '2.5', '-o', 'out4/'], "--angpix is given twice ('2' and '2.5'): give it once"],
    [['a.mrc', '-lp', '8', '--lowpass', '9', '-o', 'out5/'], "--lowpass is given twice ('8' and '9'): give it once"],
    [['locres', 'a.mrc', 'b.mrc', '--mask', 'm1.mrc', '--mask', 'm2.mrc', '-o', 'out6/'], `--mask is given twice ('${p('m1.mrc')}' and '${p('m2.mrc')}'): give it once`],
    [['fsc', 'a.mrc', 'b.mrc', '-o', 'out7/x', '-o', 'out7/y'], `-o/--output is given twice ('${p('out7/x')}' and '${p('out7/y')}'): give it once`],
    [['decompose', 'a.mrc', '--bands', '3', '--bands', '4', '-o', 'out8/'], "--bands is given twice ('3' and '4'): give it once"],
    [['batch', 'a.mrc', '-d', 'out9', '-d', 'out10'], `-d/--output-dir is given twice ('${p('out9')}' and '${p('out10')}'): give it once`],
  ] as [string[], string][]) {
    it(`occupy ${args.join(' ')}`, async () => {
      const r = await runInProcess(args.map((a) => (a.startsWith('out7/') ? p(a) : inDir(a))));
      assert.equal(r.stderr, `occupy: error: ${line}\n`);
      assert.equal(r.code, 2);
      for (const f of readdirSync(dir)) assert.ok(!f.startsWith('out'), `${f} written`);
    });
  }

  it('the same value twice is taken; --sbatch-arg is repeatable', async () => {
    const r = await runInProcess(['-i', p('a.mrc'), '-i', p('a.mrc'), '-q', '--no-chimerax', '-o', p('same/')]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(p('same/scale_res_a.mrc')));
    rmSync(p('same'), { recursive: true });
    const s = await runInProcess(['batch', p('a.mrc'), '-d', p('slurm'), '--slurm', '--sbatch-arg=--mail-type=END', '--sbatch-arg=--nice=5', '-q']);
    assert.equal(s.code, 0, s.stderr);
    const script = readdirSync(p('slurm')).find((f) => f.endsWith('.sbatch'));
    assert.ok(script, 'no sbatch script');
    const text = readFileSync(p(`slurm/${script}`), 'utf8');
    assert.match(text, /#SBATCH --mail-type=END/);
    assert.match(text, /#SBATCH --nice=5/);
    rmSync(p('slurm'), { recursive: true });
  });
});
