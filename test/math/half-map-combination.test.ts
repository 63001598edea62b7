import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfMapHalfDifference, halfMapMean } from '../../src/math/half-map-combination.js';

test('half-map mean and half difference: exact on small values, mean + difference gives the first half back, lengths checked', () => {
  const a = Float32Array.from([1, -2, 3.5, 0, 1e-3]);
  const b = Float32Array.from([3, 2, -0.5, 0, -1e-3]);
  assert.deepEqual(Array.from(halfMapMean(a, b)), [2, 0, 1.5, 0, 0]);
  assert.deepEqual(Array.from(halfMapHalfDifference(a, b)), [-1, -2, 2, 0, Math.fround(1e-3)]);
  const m = halfMapMean(a, b);
  const d = halfMapHalfDifference(a, b);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(m[i] + d[i] - a[i]) < 1e-6 && Math.abs(m[i] - d[i] - b[i]) < 1e-6);
  // inputs untouched, outputs new arrays
  assert.deepEqual(Array.from(a), [1, -2, 3.5, 0, Math.fround(1e-3)]);
  assert.notEqual(m, a);
  assert.throws(() => halfMapMean(a, new Float32Array(4)), /same number of voxels, got 5 and 4/);
  assert.throws(() => halfMapHalfDifference(new Float32Array(2), a), /same number of voxels/);
});
