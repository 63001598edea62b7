/**
 * Boxes too small for what the commands do by default (session 51):
 * - the estimate's default low-pass, max(8 Å, 3 × voxel size), against the box: `occupy -i` on a
 *   7³ map at 1 Å (7 Å across) had stopped at "histogram: all 179 values equal 0.00354487; the
 *   map has no contrast" (the library: "the solvent region has no contrast …"); the session-50
 *   check of an explicit `--lowpass` against the box now covers the default too;
 * - `occupy locres` on 2³ half maps, with no `--window`, had said "--window must be an even
 *   integer >= 4 voxels, got 2".
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { OptionError, estimateLocalScale } from '../../src/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { RAW_SPECS, syntheticHalves } from '../diagnostics/variants.js';

/** The centre n³ (or nx×ny×nz) of a cubic volume. */
function centre(v: Volume, n: number | [number, number, number]): Volume {
  const [m] = v.shape;
  const [nx, ny, nz] = typeof n === 'number' ? [n, n, n] : n;
  const [ox, oy, oz] = [nx, ny, nz].map((k) => (m - k) >> 1);
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[(z * ny + y) * nx + x] = v.data[((z + oz) * m + y + oy) * m + x + ox];
  return { data, shape: [nx, ny, nz], voxelSizeA: [...v.voxelSizeA] };
}

describe('boxes too small for the default low-pass or local-FSC window', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-tiny-'));
  const p = (name: string) => join(dir, name);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const h = syntheticHalves(RAW_SPECS[0]); // 64³ at 1 Å
  before(async () => {
    await loadFft();
    writeFileSync(p('tt7.mrc'), encodeMrc(centre(h.half1, 7)));
    writeFileSync(p('tt10.mrc'), encodeMrc(centre(h.half1, 10)));
    writeFileSync(p('t2_half1.mrc'), encodeMrc(centre(h.half1, 2)));
    writeFileSync(p('t2_half2.mrc'), encodeMrc(centre(h.half2, 2)));
    writeFileSync(p('slab.mrc'), encodeMrc(centre(h.half1, [4, 32, 32])));
  });

  it('occupy -i on a 7³ map at 1 Å: one line naming the file, its box and the default low-pass, exit 1, nothing written; --lowpass 7 runs; a 10³ map runs', async () => {
    const r = await runInProcess(['-i', p('tt7.mrc'), '-o', p('o7/')]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^occupy: error: '.*tt7\.mrc' spans at most 7 Å along an edge \(box 7x7x7 voxels\), less than the default low-pass of 8 Å \(max\(8 Å, 3 × voxel size\)\): .*give --lowpass 7 Å or less/);
    assert.equal(existsSync(p('o7')), false);
    const lp = await runInProcess(['-i', p('tt7.mrc'), '--lowpass', '7', '-o', p('o7lp/')]);
    assert.equal(lp.code, 0, lp.stderr);
    const ten = await runInProcess(['-i', p('tt10.mrc'), '-o', p('o10/')]);
    assert.equal(ten.code, 0, ten.stderr);
  });

  it('the library: a 7³ map without lowpassA is refused naming lowpassA and the default', async () => {
    await assert.rejects(estimateLocalScale(centre(h.half1, 7)), (e: unknown) => e instanceof OptionError && e.option === 'lowpassA' && /spans at most 7 Å along an edge \(box 7x7x7 voxels\), less than the default low-pass of 8 Å/.test(e.message));
  });

  it('a typed low-pass follows the default\'s rule, the longest edge: on a 4×32×32 slab at 1 Å --lowpass 8 and 32 run as the default 8 Å does, 33 is refused naming that edge', async () => {
    // session 52: a typed value was held to the shortest edge (4 Å), the default to the longest, so
    // `--lowpass 8` was refused while the run without it used 8 Å; the estimate runs up to 32 Å here
    for (const extra of [[], ['--lowpass', '8'], ['--lowpass', '32'], ['-r', '20']]) {
      const r = await runInProcess(['-i', p('slab.mrc'), ...extra, '-o', p(`slab${extra.join('')}/`), '-q', '--no-chimerax']);
      assert.equal(r.code, 0, `${extra.join(' ')}: ${r.stderr}`);
    }
    const coarse = await runInProcess(['-i', p('slab.mrc'), '--lowpass', '33', '-o', p('slab33/'), '-q']);
    assert.equal(coarse.code, 2, coarse.stderr);
    assert.match(coarse.stderr.trim(), /^occupy: error: --lowpass 33 Å is coarser than the box \(32 Å along its longest edge, 4x32x32 voxels\): no frequency of the box but its mean is within it; give 32 Å or less$/);
    assert.equal(existsSync(p('slab33')), false);
    // the library: the same rule
    const slab = centre(h.half1, [4, 32, 32]);
    const ok = await estimateLocalScale(slab, { lowpassA: 8 });
    assert.equal(ok.scale.data.length, 4 * 32 * 32);
    await assert.rejects(estimateLocalScale(slab, { lowpassA: 33 }), (e: unknown) => e instanceof OptionError && e.option === 'lowpassA' && /to 32 \(the box's longest extent/.test(e.message));
  });

  it('the default kernel on the 4×32×32 slab follows the typed --kernel-size rule: 3 voxels (not 9), stated in the log, the summary and the library\'s warnings; --kernel-size 5 is refused', async () => {
    // session 57: the default 9 had reached across the mirrored borders of the 4-voxel edge, while
    // --kernel-size 9 (or 5) was refused for not fitting the box
    const r = await runInProcess(['-i', p('slab.mrc'), '-o', p('slabk/'), '--no-chimerax', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { kernelSize: number; warnings: string[] };
    assert.equal(summary.kernelSize, 3);
    const line = 'The default kernel size, 9 voxels (from the low-pass 8 Å at 1 Å per voxel), does not fit the processing box 4x32x32: 3 voxels is used, the largest odd size within its smallest edge (4 voxels), the limit of --kernel-size.';
    assert.ok(summary.warnings.includes(line), summary.warnings.join(' | '));
    const log = readFileSync(p('slabk/log_slab.txt'), 'utf8');
    assert.match(log, /Kernel size {2}\[vox\] : 3\n/);
    assert.ok(log.includes(`WARNING: ${line}`), log);
    const typed = await runInProcess(['-i', p('slab.mrc'), '--kernel-size', '5', '-o', p('slabk5/'), '-q']);
    assert.equal(typed.code, 2, typed.stderr);
    assert.match(typed.stderr.trim(), /^occupy: error: --kernel-size must be an odd integer in 1\.\.3 for this map \(processing box 4x32x32: the kernel must fit it\), got 5$/);
    const lib = await estimateLocalScale(centre(h.half1, [4, 32, 32]));
    assert.equal(lib.summary.kernelSize, 3);
    assert.ok(lib.summary.warnings.some((w) => /^The default kernel size, 9 voxels .* 3 voxels is used, .*, the limit of kernelSize\.$/.test(w)), lib.summary.warnings.join(' | '));
  });

  it('occupy locres on 2³ half maps without --window: the box is named as too small for a window, --window is not', async () => {
    const r = await runInProcess(['locres', p('t2_half1.mrc'), p('t2_half2.mrc'), '-o', p('loc/')]);
    assert.equal(r.code, 1, r.stderr);
    const err = r.stderr.split('\n').filter((l) => l.startsWith('occupy: error:'));
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0], /the box 2x2x2 is too small for a local-FSC window: a window needs at least 4 voxels along every edge/);
    assert.doesNotMatch(r.stderr, /--window/);
    assert.equal(existsSync(p('loc')), false);
  });
});
