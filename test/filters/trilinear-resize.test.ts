import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trilinearAxis, trilinearResize } from '../../src/filters/trilinear-resize.js';
import { mulberry32 } from '../../src/math/random.js';
import type { Shape3 } from '../../src/core/volume.js';

/** Plain reference: the eight neighbours of every output voxel blended along x, then y, then z. */
function naive(data: Float32Array, [nx, ny, nz]: Shape3, [mx, my, mz]: Shape3): Float64Array {
  const ax = trilinearAxis(nx, mx), ay = trilinearAxis(ny, my), az = trilinearAxis(nz, mz);
  const out = new Float64Array(mx * my * mz);
  const at = (x: number, y: number, z: number) => data[(z * ny + y) * nx + x];
  for (let z = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++) {
        const lerp = (a: number, b: number, w: number) => a + w * (b - a);
        const c = (yy: number, zz: number) => lerp(at(ax.i0[x], yy, zz), at(ax.i1[x], yy, zz), ax.w[x]);
        const c0 = lerp(c(ay.i0[y], az.i0[z]), c(ay.i1[y], az.i0[z]), ay.w[y]);
        const c1 = lerp(c(ay.i0[y], az.i1[z]), c(ay.i1[y], az.i1[z]), ay.w[y]);
        out[(z * my + y) * mx + x] = lerp(c0, c1, az.w[z]);
      }
  return out;
}

test('trilinearResize equals the eight-neighbour blend on random maps (up-, down- and mixed sampling, non-cubic boxes)', () => {
  const rand = mulberry32(20261202);
  const cases: [Shape3, Shape3][] = [[[7, 5, 6], [16, 11, 13]], [[20, 18, 16], [9, 7, 5]], [[12, 9, 10], [12, 20, 4]], [[1, 4, 3], [3, 4, 7]], [[8, 8, 8], [8, 8, 8]]];
  for (const [si, so] of cases) {
    const data = new Float32Array(si[0] * si[1] * si[2]);
    for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
    const got = trilinearResize(data, si, so);
    const want = naive(data, si, so);
    assert.equal(got.length, want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    assert.ok(worst < 1e-6, `${si.join('x')} -> ${so.join('x')}: max |difference| ${worst}`);
  }
  // the same box: the identity; a constant stays constant; the periodic wrap blends the last sample with the first
  const id = new Float32Array(8 * 8 * 8).map(() => rand());
  assert.deepEqual(trilinearResize(id, [8, 8, 8], [8, 8, 8]), id);
  assert.ok(trilinearResize(new Float32Array(6 * 5 * 4).fill(2.5), [6, 5, 4], [13, 3, 9]).every((v) => v === 2.5));
  const ramp = Float32Array.from([0, 1, 2, 3]);
  assert.deepEqual(Array.from(trilinearResize(ramp, [4, 1, 1], [8, 1, 1])), [0, 0.5, 1, 1.5, 2, 2.5, 3, 1.5]);
});

test('trilinearResize into a target: the same values, written into (and returned as) the target; a wrong target is refused', () => {
  const rand = mulberry32(7);
  const si: Shape3 = [6, 5, 4];
  const so: Shape3 = [11, 9, 7];
  const data = Float32Array.from({ length: 120 }, () => rand());
  const target = new Float32Array(11 * 9 * 7).fill(Number.NaN);
  const got = trilinearResize(data, si, so, target);
  assert.equal(got, target);
  assert.deepEqual(Array.from(got), Array.from(trilinearResize(data, si, so)));
  assert.throws(() => trilinearResize(data, si, so, new Float32Array(10)), /target must be a new array of length 693, got length 10/);
  assert.throws(() => trilinearResize(data, si, si, data), /the input itself/);
});
