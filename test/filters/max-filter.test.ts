/**
 * Grey-scale dilation over the spherical kernel with mirrored borders (spec §6.2), against the
 * brute-force reference and an independent reference using scipy's `reflect` rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reflectIndex, sphericalMaxFilter, sphericalMaxFilterBruteForce } from '../../src/filters/max-filter.js';
import { sphericalKernel, type SphericalKernel } from '../../src/filters/spherical-kernel.js';
import type { Shape3 } from '../../src/core/volume.js';
import { uniformRandomMap } from '../helpers/fixtures.js';

/** scipy.ndimage 'reflect' (half-sample symmetric, period 2n): d c b a | a b c d | d c b a. */
function scipyReflect(i: number, n: number): number {
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** Values uniform in [-2, 2). */
const randomMap = (shape: Shape3, seed: number): Float32Array => uniformRandomMap(shape, seed, -2, 2);

/** Independent reference: max over kernel offsets with scipyReflect at the borders. */
function referenceMax(data: Float32Array, shape: Shape3, k: SphericalKernel): Float32Array {
  const [nx, ny, nz] = shape;
  const h = (k.size - 1) / 2;
  const offs: [number, number, number][] = [];
  for (let l = 0; l < k.size; l++) for (let j = 0; j < k.size; j++) for (let i = 0; i < k.size; i++) {
    if (k.mask[(l * k.size + j) * k.size + i]) offs.push([i - h, j - h, l - h]);
  }
  const out = new Float32Array(data.length);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    let m = -Infinity;
    for (const [dx, dy, dz] of offs) {
      const v = data[(scipyReflect(z + dz, nz) * ny + scipyReflect(y + dy, ny)) * nx + scipyReflect(x + dx, nx)];
      if (v > m) m = v;
    }
    out[(z * ny + y) * nx + x] = m;
  }
  return out;
}

/** Index and values of the first difference, for a readable failure. */
function firstDiff(a: Float32Array, b: Float32Array): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `first difference at index ${i}: ${a[i]} vs ${b[i]}`;
  return 'equal';
}

describe('reflectIndex: scipy reflect (d c b a | a b c d | d c b a)', () => {
  it('matches the reflect rule for every index in [-n, 2n) for n = 1..12', () => {
    for (let n = 1; n <= 12; n++) {
      for (let i = -n; i < 2 * n; i++) assert.equal(reflectIndex(i, n), scipyReflect(i, n), `i ${i}, n ${n}`);
    }
  });
  it('concrete values for n = 4: -4..-1 → 3 2 1 0, 4..7 → 3 2 1 0', () => {
    assert.deepEqual([-4, -3, -2, -1].map((i) => reflectIndex(i, 4)), [3, 2, 1, 0]);
    assert.deepEqual([4, 5, 6, 7].map((i) => reflectIndex(i, 4)), [3, 2, 1, 0]);
    assert.deepEqual([0, 1, 2, 3].map((i) => reflectIndex(i, 4)), [0, 1, 2, 3]);
  });
  it('also folds indices beyond one period (kernel wider than the box), e.g. n = 1..3, i in [-9, 12)', () => {
    for (let n = 1; n <= 3; n++) {
      for (let i = -9; i < 12; i++) assert.equal(reflectIndex(i, n), scipyReflect(i, n), `i ${i}, n ${n}`);
    }
  });
});

describe('sphericalMaxFilter equals the brute-force reference exactly', () => {
  const shapes: Shape3[] = [[16, 16, 16], [10, 13, 17], [9, 11, 7], [3, 4, 5], [1, 6, 2]];
  const kernels: [number, number][] = [
    [3, 1], [3, 1.5], [3, 2],
    [5, 1], [5, 1.5], [5, 2.3], [5, 3],
    [7, 2.3], [7, 3], [7, 4],
    [9, 1.5], [9, 3], [9, 4], [9, 6],
  ];
  for (const shape of shapes) {
    it(`box ${shape.join('x')}, kernels ${kernels.map(([k, r]) => `${k}/${r}`).join(' ')}`, () => {
      const data = randomMap(shape, 1000 + shape[0] * 31 + shape[1] * 7 + shape[2]);
      const copy = Float32Array.from(data);
      for (const [size, r] of kernels) {
        const kernel = sphericalKernel(size, r);
        const fast = sphericalMaxFilter(data, shape, kernel);
        const brute = sphericalMaxFilterBruteForce(data, shape, kernel);
        const ref = referenceMax(data, shape, kernel);
        assert.equal(firstDiff(fast, brute), 'equal', `k ${size} r ${r} vs brute force`);
        assert.equal(firstDiff(fast, ref), 'equal', `k ${size} r ${r} vs scipy-reflect reference`);
      }
      assert.deepEqual(data, copy, 'input modified');
    });
  }

  it('box 3x4x5 with a 7-voxel kernel (kernel larger than the box)', () => {
    const shape: Shape3 = [3, 4, 5];
    const data = randomMap(shape, 77);
    for (const r of [1.5, 2.3, 3]) {
      const kernel = sphericalKernel(7, r);
      assert.equal(firstDiff(sphericalMaxFilter(data, shape, kernel), referenceMax(data, shape, kernel)), 'equal', `r ${r}`);
    }
  });

  it('writes into a given output array', () => {
    const shape: Shape3 = [8, 9, 10];
    const data = randomMap(shape, 5);
    const kernel = sphericalKernel(5, 2.3);
    const out = new Float32Array(data.length).fill(123);
    const ret = sphericalMaxFilter(data, shape, kernel, out);
    assert.equal(ret, out);
    assert.equal(firstDiff(out, referenceMax(data, shape, kernel)), 'equal');
  });

  it('the result is >= the input everywhere and a constant map is unchanged', () => {
    const shape: Shape3 = [12, 12, 12];
    const data = randomMap(shape, 9);
    const m = sphericalMaxFilter(data, shape, sphericalKernel(7, 3));
    for (let i = 0; i < data.length; i++) assert.ok(m[i] >= data[i]);
    const c = new Float32Array(data.length).fill(-0.75);
    assert.ok(sphericalMaxFilter(c, shape, sphericalKernel(7, 3)).every((v) => v === -0.75));
  });
});

describe('a single bright voxel dilates to exactly the kernel', () => {
  for (const [size, r] of [[3, 1.5], [5, 2.296], [7, 3], [9, 4]] as const) {
    it(`kernel ${size}/${r} in a 15x17x19 box`, () => {
      const shape: Shape3 = [15, 17, 19];
      const [nx, ny] = shape;
      const data = new Float32Array(15 * 17 * 19).fill(-1);
      const [px, py, pz] = [7, 8, 9];
      data[(pz * ny + py) * nx + px] = 5;
      const kernel = sphericalKernel(size, r);
      const out = sphericalMaxFilter(data, shape, kernel);
      const h = (size - 1) / 2;
      let n = 0;
      for (let z = 0; z < 19; z++) for (let y = 0; y < 17; y++) for (let x = 0; x < 15; x++) {
        const dx = px - x + h;
        const dy = py - y + h;
        const dz = pz - z + h;
        const inK = dx >= 0 && dx < size && dy >= 0 && dy < size && dz >= 0 && dz < size && kernel.mask[(dz * size + dy) * size + dx] === 1;
        const v = out[(z * ny + y) * nx + x];
        assert.equal(v, inK ? 5 : -1, `(${x},${y},${z})`);
        if (v === 5) n++;
      }
      assert.equal(n, kernel.nSamples);
    });
  }

  it('a bright corner voxel under mirrored borders lights exactly the octant of the ball at that corner (no periodic wrap)', () => {
    const shape: Shape3 = [8, 8, 8];
    const data = new Float32Array(512);
    data[0] = 1;
    const kernel = sphericalKernel(5, 2.3);
    const out = sphericalMaxFilter(data, shape, kernel);
    assert.equal(firstDiff(out, referenceMax(data, shape, kernel)), 'equal');
    // Voxel (x,y,z) sees (0,0,0) iff some offset lands on index 0 or its mirror -1 on every axis;
    // the nearest such offset is (-x,-y,-z), so the lit set is the ball of radius r about the corner.
    for (let z = 0; z < 8; z++) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      const expected = x * x + y * y + z * z <= 2.3 * 2.3 ? 1 : 0;
      assert.equal(out[(z * 8 + y) * 8 + x], expected, `(${x},${y},${z})`);
    }
  });
});
