/**
 * Fourier-shell methods need cubic voxels: half maps whose voxel sizes differ by more than 1 %
 * (`CUBIC_VOXEL_TOLERANCE`) are refused with one line naming the file and the fix, by
 * `occupy locres`, `occupy fsc` (also `--directional`) and the library, instead of reading every
 * shell at the largest voxel size (1.5 × 1.5 × 1.8 Å voxels: x and y resolutions 20 % off).
 * What `occupy pixel-size resample` makes of such a box (1.5 × 1.5 × 1.5033 Å) is accepted, and
 * `--angpix` (a wrong header cell) lets the run go on.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { CUBIC_VOXEL_TOLERANCE, nonCubicVoxelsError } from '../../src/core/voxel-size-limits.js';
import { fourDomainHalfMaps, type HalfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { fsc, localResolution, OptionError } from '../../src/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

describe('cubic voxels for Fourier-shell methods', () => {
  const tempFolder = tempFolders('occupy-cubic-');
  let p: HalfMapPhantom;
  let dir: string;
  const aniso: [number, number, number] = [1.5, 1.5, 1.8];
  before(async () => {
    await loadFft();
    p = fourDomainHalfMaps(1.5, [3.5, 5, 7, 10], 4, 5);
    dir = await tempFolder();
    const v = (data: Float32Array) => ({ data, shape: p.half1.shape, voxelSizeA: aniso });
    await writeMrc(join(dir, 'h1.mrc'), v(p.half1.data));
    await writeMrc(join(dir, 'h2.mrc'), v(p.half2.data));
    await writeMrc(join(dir, 'mask.mrc'), v(p.mask));
  });

  it('the limit: equal sizes and a 0.2 % spread pass, 1.5 × 1.5 × 1.8 Å does not, with the fix in the message', () => {
    assert.equal(CUBIC_VOXEL_TOLERANCE, 0.01);
    assert.equal(nonCubicVoxelsError([1.06, 1.06, 1.06]), undefined);
    assert.equal(nonCubicVoxelsError([1.5, 1.5, 1.5033]), undefined);
    assert.equal(nonCubicVoxelsError([1, 1.0099, 1]), undefined);
    assert.match(nonCubicVoxelsError([1, 1.0101, 1]) ?? '', /not cubic/);
    assert.equal(
      nonCubicVoxelsError(aniso),
      "its voxels are 1.5 × 1.5 × 1.8 Å, not cubic: Fourier shells need one voxel size (the resolutions along the other axes would be off by up to 20 %); resample it to cubic voxels first (occupy pixel-size resample MAP --angpix 1.5), or give --angpix if the header's cell is wrong",
    );
  });

  it('occupy locres, fsc and fsc --directional refuse such half maps in one line and write nothing; --angpix lets locres run', async () => {
    const h1 = join(dir, 'h1.mrc');
    const h2 = join(dir, 'h2.mrc');
    for (const args of [['locres', h1, h2, '--mask', join(dir, 'mask.mrc')], ['fsc', h1, h2], ['fsc', h1, h2, '--directional']]) {
      const out = join(dir, `out-${args[0]}-${args.length}`);
      const run = await runInProcess([...args, '-o', `${out}/`]);
      assert.notEqual(run.code, 0, args.join(' '));
      const lines = run.stderr.trim().split('\n').filter((l) => !l.startsWith('['));
      assert.deepEqual(lines, [`occupy: error: half map '${h1}': ${nonCubicVoxelsError(aniso)}`], args.join(' '));
      assert.ok(!existsSync(out) || readdirSync(out).length === 0, `${args.join(' ')} wrote ${existsSync(out) ? readdirSync(out).join(', ') : ''}`);
    }
    const ok = await runInProcess(['locres', h1, h2, '--mask', join(dir, 'mask.mrc'), '--angpix', '1.5', '-o', join(dir, 'lr.mrc'), '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(existsSync(join(dir, 'lr.mrc')));
  });

  it('the library refuses them naming half1.voxelSizeA', async () => {
    const v = (data: Float32Array) => ({ data, shape: p.half1.shape, voxelSizeA: aniso });
    for (const call of [() => localResolution(v(p.half1.data), v(p.half2.data), { mask: v(p.mask) }), () => fsc(v(p.half1.data), v(p.half2.data))]) {
      await assert.rejects(call(), (e: unknown) => e instanceof OptionError && e.option === 'half1.voxelSizeA' && /equal voxel sizes/.test(e.message));
    }
  });
});
