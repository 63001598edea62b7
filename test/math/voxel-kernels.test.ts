/**
 * The SIMD voxel kernels equal their JavaScript references exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { densityHistogram, densityHistogramReference } from '../../src/math/histogram.js';
import { simdLookup, simdRange } from '../../src/math/voxel-kernels.js';
import { inscribedEllipsoidRows } from '../../src/math/inscribed-ellipsoid.js';
import { confidenceMap, confidenceMapReference, confidenceCurve } from '../../src/occupancy/confidence.js';
import { mulberry32 } from '../../src/math/random.js';
import type { Shape3 } from '../../src/core/volume.js';

function noisy(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (rand() - 0.3) * 7 + (i % 13 === 0 ? 40 * rand() : 0);
  return d;
}

test('simdRange equals a scalar min/max for every length mod 4 and across chunks; NaN propagates', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 33, 63, 64, 65537, 200003]) {
    const d = noisy(n, n);
    let lo = Infinity, hi = -Infinity;
    for (const v of d) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assert.deepEqual(simdRange(d), { min: lo, max: hi }, `n=${n}`);
  }
  const d = noisy(1000, 1);
  d[997] = Number.NaN;
  assert.ok(Number.isNaN(simdRange(d).min) && Number.isNaN(simdRange(d).max));
  d[997] = Number.POSITIVE_INFINITY;
  assert.equal(simdRange(d).max, Number.POSITIVE_INFINITY);
  // a NaN in each of the 16-float loop's four accumulators, and in the 4-float and scalar tails
  for (const at of [3, 20, 41, 62, 993, 999]) {
    const e = noisy(1000, 2);
    e[at] = Number.NaN;
    assert.ok(Number.isNaN(simdRange(e).min) && Number.isNaN(simdRange(e).max), `NaN at ${at}`);
  }
});

test('densityHistogram (SIMD) gives the same counts as the JavaScript reference, whole map and ellipsoid runs, incl. values on bin edges', () => {
  for (const shape of [[37, 29, 31], [64, 64, 64], [5, 1, 3]] as Shape3[]) {
    const n = shape[0] * shape[1] * shape[2];
    const d = noisy(n, 7 + n);
    // values exactly on bin edges of a 1000-bin histogram over [lo, hi]
    let lo = Infinity, hi = -Infinity;
    for (const v of d) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    for (let i = 0; i < n; i += 17) d[i] = Math.fround(lo + (Math.floor((i * 7) % 1000) * (hi - lo)) / 1000);
    for (const nBins of [1000, 37, 1]) {
      const a = densityHistogram(d, nBins);
      const b = densityHistogramReference(d, nBins);
      assert.deepEqual(a, b, `${shape.join('x')} ${nBins} bins`);
      const sel = { rowLength: shape[0], runs: inscribedEllipsoidRows(shape) };
      assert.deepEqual(densityHistogram(d, nBins, sel), densityHistogramReference(d, nBins, sel), `${shape.join('x')} runs`);
    }
  }
});

test('confidenceMap (SIMD lookup) equals the JavaScript reference voxel for voxel', () => {
  const d = noisy(100001, 3);
  const curve = confidenceCurve(d, { c: 0.05, mu: 0.5, sigma: 2 });
  assert.deepEqual(confidenceMap(d, curve), confidenceMapReference(d, curve));
  // in place: out may be the input
  const copy = d.slice();
  const table = new Float32Array([0.25, 0.5, 1]);
  simdLookup(copy, -2.1, 0.4, table, copy);
  for (let i = 0; i < d.length; i += 997) {
    const b = Math.min(2, Math.max(0, Math.floor((d[i] + 2.1) * 0.4)));
    assert.equal(copy[i], table[b]);
  }
});
