/**
 * The data's box of a map padded with zeros (src/math/non-zero-box.ts): against a brute-force scan
 * over seeded random sparse maps, and the whole box / all-zero cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../src/math/random.js';
import { nonZeroBounds, nonZeroContentBox, zeroFractionInside } from '../../src/math/non-zero-box.js';
import type { Shape3, Volume } from '../../src/core/volume.js';

function brute(shape: Shape3, arrays: Float32Array[]) {
  const [nx, ny, nz] = shape;
  const lo = [nx, ny, nz];
  const hi = [-1, -1, -1];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if (!arrays.some((a) => a[(z * ny + y) * nx + x] !== 0)) continue;
    [x, y, z].forEach((v, i) => {
      lo[i] = Math.min(lo[i], v);
      hi[i] = Math.max(hi[i], v);
    });
  }
  return hi[0] < 0 ? undefined : { lo, hi };
}

describe('nonZeroBounds / nonZeroContentBox', () => {
  it('equal a brute-force scan on random sparse maps (one to three arrays, odd boxes)', () => {
    const rand = mulberry32(7);
    for (let trial = 0; trial < 60; trial++) {
      const shape: Shape3 = [3 + Math.floor(rand() * 14), 3 + Math.floor(rand() * 14), 3 + Math.floor(rand() * 14)];
      const n = shape[0] * shape[1] * shape[2];
      const density = [0, 0.001, 0.01, 0.2][trial % 4];
      const arrays = Array.from({ length: 1 + (trial % 3) }, () => Float32Array.from({ length: n }, () => (rand() < density ? rand() - 0.5 : 0)));
      assert.deepEqual(nonZeroBounds(shape, ...arrays), brute(shape, arrays), `trial ${trial}, box ${shape.join('x')}`);
    }
  });
  it('the whole box and an all-zero box give undefined; a padded box its data', () => {
    const shape: Shape3 = [6, 5, 4];
    const full: Volume = { data: new Float32Array(120).fill(1), shape, voxelSizeA: [1, 1, 1] };
    assert.equal(nonZeroContentBox(full), undefined);
    assert.equal(nonZeroContentBox({ ...full, data: new Float32Array(120) }), undefined);
    const padded = new Float32Array(120);
    for (let z = 1; z < 3; z++) for (let y = 1; y < 4; y++) for (let x = 2; x < 5; x++) padded[(z * 5 + y) * 6 + x] = 0.5;
    const box = nonZeroContentBox({ ...full, data: padded });
    assert.deepEqual(box, { lo: [2, 1, 1], hi: [4, 3, 2] });
    assert.equal(zeroFractionInside({ ...full, data: padded }, box!), 0);
    padded[(1 * 5 + 2) * 6 + 3] = 0;
    assert.equal(zeroFractionInside({ ...full, data: padded }, box!), 1 / 18);
  });
});
