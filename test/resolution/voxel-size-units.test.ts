/**
 * Local resolution is a length in Å: the same voxel data read with a voxel size k times larger is
 * the same structure k times larger, so every reading (value and both interval ends) must
 * come out k times larger when every setting given in voxels stays in voxels and every setting
 * given in Å is scaled by k. A unit slip anywhere between the shell index and the written Å value
 * (a voxel size applied twice or not at all, a 1/Å frequency taken for Å) breaks this.
 * - local FSC with a fixed window (voxels) and threshold: exact up to float rounding;
 * - `--relion` (RELION 3.1's algorithm: sampling, mask radius, edge, phase randomisation and the
 *   coarsest value all in Å, scaled by k): exact up to float rounding.
 * (The calibrated defaults choose the window in Å and the threshold from it, and the MonoRes-style
 * estimate tests frequencies on a grid in Å, so those are equivariant only up to their grids.)
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import type { Volume } from '../../src/core/volume.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { relionLocalResolution } from '../../src/resolution/relion-locres.js';
import { fourDomainHalfMaps, type HalfMapPhantom } from '../../src/resolution/half-map-phantom.js';

const K = 1.25;
let p: HalfMapPhantom;
const relabel = (v: Volume, a: number): Volume => ({ data: v.data, shape: v.shape, voxelSizeA: [a, a, a] });

/** Largest |b − K·a| / (K·a) over the voxels where `mask` > 0.5. */
function worstRelative(a: Float32Array, b: Float32Array, mask: Float32Array): { worst: number; n: number } {
  let worst = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask[i] <= 0.5) continue;
    n++;
    const want = K * a[i];
    worst = Math.max(worst, Math.abs(b[i] - want) / want);
  }
  return { worst, n };
}

describe('local resolution scales with the voxel size (readings in Å)', () => {
  before(async () => {
    await loadFft();
    // 76³ at 1.5 Å, domains at 4 / 5 / 7 / 9 Å, SNR 3
    p = fourDomainHalfMaps(1.5, [4, 5, 7, 9], 3, 5);
  });

  it('local FSC (window 16 voxels, threshold 0.143): value and interval ends × 1.25', () => {
    const opts = { mask: p.mask, windowVoxels: 16, threshold: 0.143 };
    const a = localFsc(p.half1, p.half2, { ...opts, lowestResolutionA: 50 });
    const b = localFsc(relabel(p.half1, 1.5 * K), relabel(p.half2, 1.5 * K), { ...opts, lowestResolutionA: 50 * K });
    for (const key of ['resolution', 'low', 'high'] as const) {
      const { worst, n } = worstRelative(a[key].data, b[key].data, p.mask);
      assert.ok(n > 10000, `${n} mask voxels`);
      assert.ok(worst < 1e-4, `${key}: worst relative difference from 1.25 × the 1.5 Å run ${worst.toExponential(2)}`);
    }
    // the readings are not trivially constant: the four domains read apart
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < a.resolution.data.length; i++) if (p.mask[i] > 0.5) { lo = Math.min(lo, a.resolution.data[i]); hi = Math.max(hi, a.resolution.data[i]); }
    assert.ok(hi - lo > 2, `range of readings ${lo.toFixed(2)}–${hi.toFixed(2)} Å`);
  });

  it('--relion (sampling, radius, edge, randomisation and coarsest value scaled): × 1.25', () => {
    const a = relionLocalResolution(p.half1, p.half2, { samplingA: 12, randomizeAtA: 25, minResolutionA: 50, mask: p.mask });
    const b = relionLocalResolution(relabel(p.half1, 1.5 * K), relabel(p.half2, 1.5 * K), { samplingA: 12 * K, randomizeAtA: 25 * K, minResolutionA: 50 * K, mask: p.mask });
    assert.equal(b.samplingVoxels, a.samplingVoxels);
    assert.equal(b.randomizeShell, a.randomizeShell);
    const { worst, n } = worstRelative(a.resolution.data, b.resolution.data, p.mask);
    assert.ok(n > 10000);
    assert.ok(worst < 1e-4, `worst relative difference from 1.25 × the 1.5 Å run ${worst.toExponential(2)}`);
    assert.ok(Math.abs(b.medianA - K * a.medianA) < 1e-3 * a.medianA, `median ${b.medianA} against 1.25 × ${a.medianA}`);
  });
});
