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
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { OptionError, estimateLocalScale } from '../../src/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { RAW_SPECS, syntheticHalves } from '../diagnostics/variants.js';

/** The centre n³ of a cubic volume. */
function centre(v: Volume, n: number): Volume {
  const [m] = v.shape;
  const o = (m - n) >> 1;
  const data = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[(z * n + y) * n + x] = v.data[((z + o) * m + y + o) * m + x + o];
  return { data, shape: [n, n, n], voxelSizeA: [...v.voxelSizeA] };
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
