/**
 * The exact Euclidean distance transform against brute force (seeded random features, anisotropic
 * voxels) and analytic cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { squaredDistanceTransform } from '../../src/math/distance-transform.js';
import { mulberry32 } from '../../src/math/random.js';

test('squared distances equal brute force on random sparse features, anisotropic voxels', () => {
  const shape = [9, 7, 6] as const;
  const spacing = [1.0, 1.3, 0.7] as const;
  const [nx, ny, nz] = shape;
  for (const density of [0.01, 0.05, 0.3]) {
    const rand = mulberry32(Math.round(density * 1000));
    const feat = Uint8Array.from({ length: nx * ny * nz }, () => (rand() < density ? 1 : 0));
    feat[17] = 1;
    const d = squaredDistanceTransform(feat, shape, spacing);
    for (let i = 0; i < feat.length; i++) {
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      let best = Infinity;
      for (let j = 0; j < feat.length; j++) if (feat[j]) {
        const dx = (j % nx - x) * spacing[0], dy = (Math.floor(j / nx) % ny - y) * spacing[1], dz = (Math.floor(j / (nx * ny)) - z) * spacing[2];
        best = Math.min(best, dx * dx + dy * dy + dz * dz);
      }
      assert.ok(Math.abs(d[i] - best) < 1e-9, `density ${density}, voxel ${i}: ${d[i]} vs ${best}`);
    }
  }
});

test('one feature voxel gives the squared radius; no feature gives Infinity; bad input throws', () => {
  const feat = new Uint8Array(5 * 5 * 5);
  feat[62] = 1; // (2, 2, 2)
  const d = squaredDistanceTransform(feat, [5, 5, 5], [2, 2, 2]);
  assert.equal(d[62], 0);
  assert.equal(d[0], 3 * 4 * 4); // (2,2,2) voxels of 2 Å away
  assert.equal(d[64], 4 * 4); // (4, 2, 2)
  assert.ok(squaredDistanceTransform(new Uint8Array(8), [2, 2, 2], [1, 1, 1]).every((v) => v === Infinity));
  assert.throws(() => squaredDistanceTransform(new Uint8Array(7), [2, 2, 2], [1, 1, 1]), /feature map has 7 voxels/);
  assert.throws(() => squaredDistanceTransform(new Uint8Array(8), [2, 2, 2], [1, 0, 1]), /voxel size must be positive/);
});
