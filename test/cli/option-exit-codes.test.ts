/**
 * Option errors found only once the box is known, or by a method's own rule, exit 2 (usage), as the
 * README's table says for "a value out of range, contradictory or missing options": they had been
 * plain RangeErrors thrown by the library or the job, which the CLI reports as failures (exit 1):
 * `--shard abc` / `2/2`, `--window` larger than the box, `--centre` outside it and `--shell-width`
 * under a voxel with `--shells`, one map with `--shells` / monodir / monotomo, one map without
 * `--mask` with resmap. A bad input file (half maps of different boxes) still exits 1.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { OptionError } from '../../src/core/option-error.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { parseShard } from '../../src/batch/runner.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { radialShellResolution } from '../../src/resolution/radial-shells.js';
import { runInProcess } from '../helpers/cli-run.js';

let root = '';
const p = (f: string) => join(root, f);

function blob(shape: Shape3, seed: number): Volume {
  const g = gaussianSampler(mulberry32(seed));
  const [nx, ny, nz] = shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    data[(z * ny + y) * nx + x] = Math.exp(-((x - nx / 2) ** 2 + (y - ny / 2) ** 2 + (z - nz / 2) ** 2) / 40) + 0.1 * g();
  }
  return { data, shape, voxelSizeA: [1, 1, 1] };
}

before(async () => {
  await loadFft();
  root = mkdtempSync(join(tmpdir(), 'occupy-exit-codes-'));
  writeFileSync(p('h1.mrc'), encodeMrc(blob([32, 32, 32], 1)));
  writeFileSync(p('h2.mrc'), encodeMrc(blob([32, 32, 32], 2)));
  writeFileSync(p('flat.mrc'), encodeMrc(blob([32, 32, 30], 3)));
  writeFileSync(p('maps.txt'), `${p('h1.mrc')}\n`);
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('option errors found late exit 2 (usage), in one line naming the option', { concurrency: 1 }, () => {
  for (const [args, re] of [
    [['batch', 'maps.txt', '-d', 'bout', '--shard', 'abc'], /^occupy: error: --shard must be i\/N with 0 <= i < N, got 'abc'$/],
    [['batch', 'maps.txt', '-d', 'bout', '--shard', '2/2'], /^occupy: error: --shard must be i\/N with 0 <= i < N, got '2\/2'$/],
    [['locres', 'h1.mrc', 'h2.mrc', '--window', '34', '-o', 'w/'], /^occupy: error: --window 34 voxels is larger than the box 32x32x32$/],
    [['locres', 'h1.mrc', 'h2.mrc', '--shells', '--centre', '1,2,300', '-o', 'c/'], /^occupy: error: --centre 1,2,300 is outside the box 0\.\.31, 0\.\.31, 0\.\.31 \(voxels\)$/],
    [['locres', 'h1.mrc', 'h2.mrc', '--shells', '--shell-width', '0.5', '-o', 's/'], /^occupy: error: --shell-width must be at least one voxel \(1 Å\), got 0\.5$/],
    [['locres', 'h1.mrc', '--shells', '-o', 'o1/'], /^occupy: error: --shells needs two half maps/],
    [['locres', 'h1.mrc', '--method', 'monodir', '-o', 'o2/'], /^occupy: error: --method monodir needs two half maps/],
    [['locres', 'h1.mrc', '--method', 'monotomo', '-o', 'o3/'], /^occupy: error: --method monotomo needs two half tomograms/],
    [['locres', 'h1.mrc', '--method', 'resmap', '-o', 'o4/'], /^occupy: error: --method resmap with one map needs --mask/],
  ] as [string[], RegExp][]) {
    it(`occupy ${args.join(' ')}: exit 2`, async () => {
      const abs = args.map((a) => (/\.(mrc|txt)$/.test(a) || a === 'bout' || a.endsWith('/') ? p(a) : a));
      const r = await runInProcess([...abs, '-q']);
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('occupy: error:'));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(errors[0], re);
      assert.equal(r.code, 2, `exit ${r.code} (1 before): ${r.stderr}`);
      for (const out of ['bout', 'w', 'c', 's', 'o1', 'o2', 'o3', 'o4']) assert.equal(existsSync(p(out)), false, `${out} written`);
    });
  }

  it('a bad input file still exits 1: half maps of different boxes', async () => {
    const r = await runInProcess(['locres', p('h1.mrc'), p('flat.mrc'), '-o', p('x/'), '-q']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /half map 2 .* has a box of 32x32x30 voxels, half map 1 .* 32x32x32: the maps must be on one grid/);
  });

  it('the library throws OptionError (a RangeError) naming the option key and flag', () => {
    const h1 = blob([32, 32, 32], 1);
    const h2 = blob([32, 32, 32], 2);
    const check = (fn: () => unknown, option: string, flag: string) =>
      assert.throws(fn, (e: unknown) => e instanceof OptionError && e instanceof RangeError && e.option === option && e.flag === flag && e.message.startsWith(flag));
    check(() => parseShard('3/3'), 'shard', '--shard');
    check(() => localFsc(h1, h2, { windowVoxels: 34 }), 'window', '--window');
    check(() => radialShellResolution(h1, h2, { centreVoxel: [1, 2, 300] }), 'centre', '--centre');
    check(() => radialShellResolution(h1, h2, { shellWidthA: 0.5 }), 'shellWidth', '--shell-width');
  });
});
