import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Shape3 } from '../../src/core/volume.js';
import { inscribedEllipsoidMask, inscribedEllipsoidMaskBruteForce, inscribedEllipsoidRows } from '../../src/math/inscribed-ellipsoid.js';

const shapes: Shape3[] = [[1, 1, 1], [2, 2, 2], [3, 4, 5], [7, 9, 11], [64, 64, 64], [65, 63, 61], [10, 1, 1], [1, 10, 1], [1, 1, 10], [96, 112, 128], [101, 101, 101], [81, 95, 77], [2, 3, 1]];

test('the row runs and the mask equal the voxel-by-voxel predicate on odd, even, flat and non-cubic boxes', () => {
  for (const shape of shapes) {
    const brute = inscribedEllipsoidMaskBruteForce(shape);
    assert.deepEqual(inscribedEllipsoidMask(shape), brute, shape.join('x'));
    const runs = inscribedEllipsoidRows(shape);
    assert.equal(runs.length, 2 * shape[1] * shape[2]);
    let inside = 0;
    for (let r = 0; r < shape[1] * shape[2]; r++) inside += runs[2 * r + 1] - runs[2 * r];
    assert.equal(inside, brute.reduce((s, v) => s + v, 0), shape.join('x'));
  }
});

test('an even cubic box gives the sphere of radius n/2 about the box centre; it touches every face centre', () => {
  const n = 64;
  const mask = inscribedEllipsoidMask([n, n, n]);
  const c = (n - 1) / 2;
  for (let z = 0; z < n; z += 7) for (let y = 0; y < n; y += 5) for (let x = 0; x < n; x++) {
    const r2 = (x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2;
    assert.equal(mask[(z * n + y) * n + x], r2 <= (n / 2) ** 2 + 1e-9 ? 1 : 0);
  }
  assert.equal(mask[(32 * n + 32) * n + 0], 1);
  assert.equal(mask[(0 * n + 32) * n + 32], 1);
  assert.equal(mask[0], 0);
});
