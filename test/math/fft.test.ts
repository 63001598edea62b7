import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, rfft3d, irfft3d, clearFftCache } from '../../src/math/fft.js';
import type { Shape3 } from '../../src/core/volume.js';
import { naiveDft3d, randomMap } from './reference.js';

/** Complex value (re, im) of the half spectrum at X index kx, full Y/Z indices ky, kz. */
function bin(spec: Float32Array, shape: Shape3, kx: number, ky: number, kz: number): [number, number] {
  const hx = (shape[0] >> 1) + 1;
  const i = 2 * ((kz * shape[1] + ky) * hx + kx);
  return [spec[i], spec[i + 1]];
}

function sumAbs(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]);
  return s;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('loadFft', () => {
  test('throws a clear error before loading', () => {
    assert.throws(() => rfft3d(new Float32Array(8), [2, 2, 2]), /loadFft/);
    assert.throws(() => irfft3d(new Float32Array(16), [2, 2, 2]), /loadFft/);
  });

  test('loads idempotently, restores fetch and leaves no process-wide handlers behind', async () => {
    const fetchBefore = globalThis.fetch;
    const ue = process.listeners('uncaughtException').length;
    const ur = process.listeners('unhandledRejection').length;
    await Promise.all([loadFft(), loadFft()]);
    await loadFft();
    assert.equal(globalThis.fetch, fetchBefore);
    assert.equal(process.listeners('uncaughtException').length, ue);
    assert.equal(process.listeners('unhandledRejection').length, ur);
  });
});

describe('rfft3d / irfft3d', () => {
  before(async () => {
    await loadFft();
  });

  // float32 transform vs float64 naive DFT; measured error ~3e-8 * sum|x|, tolerance 1e-6 * sum|x|
  const shapes: Shape3[] = [
    [4, 4, 4], [5, 5, 5], [3, 4, 5], [6, 5, 4], [7, 6, 5],
    [4, 1, 1], [1, 1, 5], [1, 6, 4], [8, 3, 1], [1, 1, 1], [2, 2, 2],
  ];
  for (const shape of shapes) {
    test(`matches a naive float64 DFT on ${shape.join('x')} (max abs err <= 1e-6 * sum|x|)`, () => {
      const [nx, ny, nz] = shape;
      const x = randomMap(shape, 1000 + nx * 100 + ny * 10 + nz);
      const spec = rfft3d(x, shape);
      const hx = (nx >> 1) + 1;
      assert.equal(spec.length, 2 * nz * ny * hx);
      const ref = naiveDft3d(x, new Float64Array(x.length), shape, -1);
      let err = 0;
      for (let kz = 0; kz < nz; kz++) for (let ky = 0; ky < ny; ky++) for (let kx = 0; kx < hx; kx++) {
        const [re, im] = bin(spec, shape, kx, ky, kz);
        const r = (kz * ny + ky) * nx + kx;
        err = Math.max(err, Math.abs(re - ref.re[r]), Math.abs(im - ref.im[r]));
      }
      assert.ok(err <= 1e-6 * sumAbs(x), `max abs error ${err} > ${1e-6 * sumAbs(x)}`);
    });

    test(`irfft3d(rfft3d(x)) = x on ${shape.join('x')} (max abs err <= 1e-6)`, () => {
      const x = randomMap(shape, 7 + shape[0] + 3 * shape[1] + 11 * shape[2]);
      const back = irfft3d(rfft3d(x, shape), shape);
      assert.ok(maxAbsDiff(back, x) <= 1e-6, `round-trip error ${maxAbsDiff(back, x)}`);
    });
  }

  test('irfft3d matches a naive inverse DFT of a Hermitian-completed spectrum (odd and even nx)', () => {
    for (const shape of [[5, 4, 3], [6, 3, 5]] as Shape3[]) {
      const [nx, ny, nz] = shape;
      const x = randomMap(shape, 99);
      const full = naiveDft3d(x, new Float64Array(x.length), shape, -1);
      const hx = (nx >> 1) + 1;
      const half = new Float32Array(2 * nz * ny * hx);
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let k = 0; k < hx; k++) {
        half[2 * ((z * ny + y) * hx + k)] = full.re[(z * ny + y) * nx + k];
        half[2 * ((z * ny + y) * hx + k) + 1] = full.im[(z * ny + y) * nx + k];
      }
      assert.ok(maxAbsDiff(irfft3d(half, shape), x) <= 1e-5);
    }
  });

  test('an impulse at the origin gives a flat spectrum (all bins 1 + 0i)', () => {
    for (const shape of [[6, 5, 4], [7, 6, 5]] as Shape3[]) {
      const x = new Float32Array(shape[0] * shape[1] * shape[2]);
      x[0] = 1;
      const spec = rfft3d(x, shape);
      for (let i = 0; i < spec.length; i += 2) {
        assert.ok(Math.abs(spec[i] - 1) < 1e-6 && Math.abs(spec[i + 1]) < 1e-6, `bin ${i / 2}: ${spec[i]}, ${spec[i + 1]}`);
      }
    }
  });

  test('a constant c gives only DC = N*c', () => {
    for (const shape of [[6, 5, 4], [5, 7, 3]] as Shape3[]) {
      const n = shape[0] * shape[1] * shape[2];
      const c = 2.5;
      const spec = rfft3d(new Float32Array(n).fill(c), shape);
      assert.ok(Math.abs(spec[0] - n * c) <= 1e-5 * n * c);
      assert.ok(Math.abs(spec[1]) <= 1e-5 * n * c);
      for (let i = 2; i < spec.length; i++) assert.ok(Math.abs(spec[i]) <= 1e-5 * n * c, `bin value ${spec[i]} at ${i}`);
    }
  });

  test('a cosine along Y gives two conjugate peaks at +-k and nothing else', () => {
    const shape: Shape3 = [5, 8, 3];
    const [nx, ny, nz] = shape;
    const k = 3, phase = 0.7, n = nx * ny * nz;
    const x = new Float32Array(n);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++) {
      x[(z * ny + y) * nx + xx] = Math.cos((2 * Math.PI * k * y) / ny + phase);
    }
    const spec = rfft3d(x, shape);
    // cos(t + p) = (e^{i(t+p)} + e^{-i(t+p)})/2 -> F(+k) = N/2 e^{ip}, F(-k) = N/2 e^{-ip}
    const plus = bin(spec, shape, 0, k, 0);
    const minus = bin(spec, shape, 0, ny - k, 0);
    const tol = 1e-5 * n;
    assert.ok(Math.abs(plus[0] - (n / 2) * Math.cos(phase)) < tol && Math.abs(plus[1] - (n / 2) * Math.sin(phase)) < tol, `F(+k) = ${plus}`);
    assert.ok(Math.abs(minus[0] - plus[0]) < tol && Math.abs(minus[1] + plus[1]) < tol, `F(-k) = ${minus}`);
    const hx = (nx >> 1) + 1;
    for (let kz = 0; kz < nz; kz++) for (let ky = 0; ky < ny; ky++) for (let kx = 0; kx < hx; kx++) {
      if (kx === 0 && kz === 0 && (ky === k || ky === ny - k)) continue;
      const [re, im] = bin(spec, shape, kx, ky, kz);
      assert.ok(Math.abs(re) < tol && Math.abs(im) < tol, `unexpected bin (${kx},${ky},${kz}) = ${re}, ${im}`);
    }
  });

  test('a cosine along X (odd and even nx) gives its peak at +k in the half spectrum', () => {
    for (const nx of [9, 10]) {
      const shape: Shape3 = [nx, 3, 2];
      const n = nx * 6, k = 4;
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = Math.cos((2 * Math.PI * k * (i % nx)) / nx);
      const spec = rfft3d(x, shape);
      const [re, im] = bin(spec, shape, k, 0, 0);
      assert.ok(Math.abs(re - n / 2) < 1e-5 * n && Math.abs(im) < 1e-5 * n, `nx=${nx}: F(k) = ${re}, ${im}`);
      let other = 0;
      for (let i = 0; i < spec.length; i++) if (i !== 2 * k) other = Math.max(other, Math.abs(spec[i]));
      assert.ok(other < 1e-5 * n, `nx=${nx}: leakage ${other}`);
    }
  });

  test('inputs are not modified and repeated/alternating shapes give identical results', () => {
    const a: Shape3 = [6, 5, 4], b: Shape3 = [7, 6, 5];
    const xa = randomMap(a, 5), xb = randomMap(b, 6);
    const xaCopy = xa.slice();
    const sa1 = rfft3d(xa, a);
    const sb1 = rfft3d(xb, b);
    const saCopy = sa1.slice();
    irfft3d(sa1, a);
    assert.deepEqual(xa, xaCopy);
    assert.deepEqual(sa1, saCopy);
    for (const s of [[8, 8, 8], [9, 9, 9], [10, 4, 2], [3, 3, 3], [12, 2, 2]] as Shape3[]) rfft3d(randomMap(s, 1), s); // evict plans
    assert.deepEqual(rfft3d(xa, a), sa1);
    clearFftCache();
    assert.deepEqual(rfft3d(xb, b), sb1);
  });

  test('rejects a data length or spectrum length that does not match the shape', () => {
    assert.throws(() => rfft3d(new Float32Array(10), [2, 2, 2]), (e: unknown) => e instanceof TypeError && /length must be nx\*ny\*nz = 8/.test(e.message));
    assert.throws(() => irfft3d(new Float32Array(8), [3, 2, 2]), (e: unknown) => e instanceof TypeError && /spectrum length .* = 16/.test(e.message));
    assert.throws(() => rfft3d(new Float32Array(0), [0, 2, 2]), RangeError);
    assert.throws(() => rfft3d(new Float32Array(4), [2.5, 2, 1] as unknown as Shape3), RangeError);
  });
});
