import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, rfft3d, irfft3d, clearFftCache, rfftRows, irfftRows, cfftAxis, pffftCan, cornerRfft3d, cornerWork } from '../../src/math/fft.js';
import { BLUESTEIN_MIN_PRIME, largestPrimeFactor, useBluestein } from '../../src/math/fft/bluestein.js';
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

  test('irfft3d into a given array: the same values as a new one, the array returned, its length checked (even and odd nx, and 1 voxel)', () => {
    for (const shape of [[6, 5, 4], [7, 6, 5], [1, 1, 1]] as Shape3[]) {
      const x = randomMap(shape, 77);
      const spec = rfft3d(x, shape);
      const fresh = irfft3d(spec, shape);
      const dst = new Float32Array(x.length).fill(Number.NaN);
      assert.equal(irfft3d(spec, shape, dst), dst);
      assert.deepEqual(dst, fresh);
    }
    assert.throws(() => irfft3d(rfft3d(randomMap([4, 4, 4], 1), [4, 4, 4]), [4, 4, 4], new Float32Array(63)), (e: unknown) => e instanceof TypeError && /out must have length nx\*ny\*nz = 64, got 63/.test(e.message));
  });
});

describe('whole-box transforms of large boxes (separable passes, SEPARABLE_MIN_VOXELS)', () => {
  before(async () => {
    await loadFft();
  });

  // boxes of 256³ voxels and more whose edges PFFFT takes run as separable passes instead of
  // kissfft's N-D transform: checked against the analytic spectrum of three impulses (a naive DFT
  // of 2^24 voxels would take hours) and by a round trip of a random map
  for (const shape of [[256, 256, 256], [288, 256, 240]] as Shape3[]) {
    test(`three impulses on ${shape.join('x')}: every coefficient equals sum_j a_j exp(-2 pi i k·x_j/n) to 1e-5, and irfft3d inverts rfft3d`, () => {
      const [nx, ny, nz] = shape;
      const hx = (nx >> 1) + 1;
      const impulses = [[0, 0, 0, 1], [5, 17, 3, -0.5], [nx - 3, 100, nz - 7, 0.25]];
      const data = new Float32Array(nx * ny * nz);
      for (const [x, y, z, a] of impulses) data[(z * ny + y) * nx + x] = a;
      const spec = rfft3d(data, shape);
      assert.equal(spec.length, 2 * nz * ny * hx);
      let worst = 0;
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < hx; x++) {
        let re = 0, im = 0;
        for (const [px, py, pz, a] of impulses) {
          const ph = -2 * Math.PI * ((x * px) / nx + (y * py) / ny + (z * pz) / nz);
          re += a * Math.cos(ph);
          im += a * Math.sin(ph);
        }
        const i = 2 * ((z * ny + y) * hx + x);
        worst = Math.max(worst, Math.abs(spec[i] - re), Math.abs(spec[i + 1] - im));
      }
      assert.ok(worst < 1e-5, `max |error| ${worst}`);
      const map = randomMap(shape, 3);
      const back = irfft3d(rfft3d(map, shape), shape);
      let err = 0;
      for (let i = 0; i < map.length; i++) err = Math.max(err, Math.abs(back[i] - map[i]));
      assert.ok(err < 1e-5, `round trip max |error| ${err}`);
    });
  }
});

describe('batched 1D transforms (pruned 3D building blocks)', () => {
  before(async () => {
    await loadFft();
  });

  /** Naive float64 1D DFT of complex input; sign -1 forward, +1 inverse, unnormalised. */
  function dft1(re: ArrayLike<number>, im: ArrayLike<number>, sign: number): { re: number[]; im: number[] } {
    const n = re.length;
    const ore: number[] = [], oim: number[] = [];
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let j = 0; j < n; j++) {
        const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
        sr += re[j] * Math.cos(a) - im[j] * Math.sin(a);
        si += re[j] * Math.sin(a) + im[j] * Math.cos(a);
      }
      ore.push(sr);
      oim.push(si);
    }
    return { re: ore, im: oim };
  }

  for (const n of [1, 2, 7, 12, 15, 64, 96]) {
    test(`rfftRows keeps the first bins of a naive DFT and irfftRows inverts them, n = ${n} (${pffftCan(n, true) ? 'PFFFT' : 'kissfft'})`, () => {
      const rows = 5;
      const x = randomMap([n, rows, 1], 40 + n);
      const hx = (n >> 1) + 1;
      for (const bins of [...new Set([1, Math.max(1, hx - 1), hx])]) {
        const spec = rfftRows(x, n, rows, bins);
        assert.equal(spec.length, 2 * rows * bins);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(r * n, (r + 1) * n);
          const ref = dft1(row, new Float64Array(n), -1);
          for (let h = 0; h < bins; h++) {
            assert.ok(Math.abs(spec[2 * (r * bins + h)] - ref.re[h]) < 1e-5 * n, `re n=${n} r=${r} h=${h}`);
            assert.ok(Math.abs(spec[2 * (r * bins + h) + 1] - ref.im[h]) < 1e-5 * n, `im n=${n} r=${r} h=${h}`);
          }
        }
        if (bins === hx) {
          const back = new Float32Array(rows * n);
          irfftRows(spec, n, rows, bins, back);
          const scaled = Array.from(back, (v) => v / n);
          assert.ok(maxAbsDiff(scaled, x) < 1e-5, `round trip n=${n}: ${maxAbsDiff(scaled, x)}`);
        }
      }
    });
  }

  test('irfftRows with fewer bins treats the others as zero (a single cosine comes back exactly)', () => {
    const n = 16, rows = 2;
    const spec = new Float32Array(2 * rows * 4);
    spec[2 * 3] = n / 2; // row 0: bin 3 = n/2 -> cos(2 pi 3 x / n)
    spec[2 * 4] = 5 * n; // row 1: DC = 5 n -> constant 5
    const out = new Float32Array(rows * n);
    irfftRows(spec, n, rows, 4, out);
    for (let x = 0; x < n; x++) {
      assert.ok(Math.abs(out[x] / n - Math.cos((2 * Math.PI * 3 * x) / n)) < 1e-6);
      assert.ok(Math.abs(out[n + x] / n - 5) < 1e-6);
    }
  });

  for (const n of [10, 32, 48]) test(`cfftAxis equals a naive DFT along the middle axis, pruned on input and output, forward and inverse (n = ${n}, ${pffftCan(n, false) ? 'PFFFT' : 'kissfft'})`, () => {
    const outer = 3, inner = 4;
    const indexIn = Int32Array.from([0, 1, 2, n - 2, n - 1]);
    const indexOut = Int32Array.from([0, 3, n - 1, 5]);
    const src = randomMap([2 * outer * indexIn.length * inner, 1, 1], 77);
    for (const inverse of [false, true]) {
      const out = cfftAxis(src, outer, inner, n, indexIn, indexOut, inverse);
      assert.equal(out.length, 2 * outer * indexOut.length * inner);
      for (let o = 0; o < outer; o++) for (let c = 0; c < inner; c++) {
        const re = new Float64Array(n), im = new Float64Array(n);
        indexIn.forEach((p, j) => {
          re[p] = src[2 * ((o * indexIn.length + j) * inner + c)];
          im[p] = src[2 * ((o * indexIn.length + j) * inner + c) + 1];
        });
        const ref = dft1(re, im, inverse ? 1 : -1);
        indexOut.forEach((q, i) => {
          const k = 2 * ((o * indexOut.length + i) * inner + c);
          assert.ok(Math.abs(out[k] - ref.re[q]) < 1e-5 && Math.abs(out[k + 1] - ref.im[q]) < 1e-5, `o=${o} c=${c} q=${q} inverse=${inverse}`);
        });
      }
    }
  });

  test('pffftCan: multiples of 32 (real) or 16 (complex) made of the factors 2, 3, 5 only', () => {
    for (const n of [32, 64, 96, 160, 256, 320, 384, 480, 512]) assert.equal(pffftCan(n, true), true, String(n));
    for (const n of [16, 48, 80, 360, 400]) assert.equal(pffftCan(n, true), false, String(n));
    for (const n of [16, 48, 80, 400]) assert.equal(pffftCan(n, false), true, String(n));
    for (const n of [8, 24, 112, 448, 0, -32, 32.5]) assert.equal(pffftCan(n, false), false, String(n));
  });

  test('irfftRows with fewer bins than n/2+1 on a PFFFT size drops the Nyquist bin and keeps the rest', () => {
    const n = 64;
    const x = randomMap([n, 3, 1], 9);
    const all = rfftRows(x, n, 3, n / 2 + 1);
    const cut = rfftRows(x, n, 3, 10);
    for (let r = 0; r < 3; r++) for (let i = 0; i < 20; i++) assert.equal(cut[20 * r + i], all[2 * (n / 2 + 1) * r + i]);
    const back = new Float32Array(3 * n);
    irfftRows(cut, n, 3, 10, back);
    // the reference: full spectrum with bins >= 10 zeroed, through the kissfft path of irfft3d on an [n, 3, 1] box
    const spec = rfft3d(x, [n, 3, 1]);
    for (let r = 0; r < 3; r++) for (let h = 10; h <= n / 2; h++) spec[2 * (r * (n / 2 + 1) + h)] = spec[2 * (r * (n / 2 + 1) + h) + 1] = 0;
    const ref = irfft3d(spec, [n, 3, 1]);
    assert.ok(maxAbsDiff(Array.from(back, (v) => v / n), ref) < 1e-6, `${maxAbsDiff(Array.from(back, (v) => v / n), ref)}`);
  });

  test('bad sizes are refused with the value in the message', () => {
    assert.throws(() => rfftRows(new Float32Array(8), 8, 1, 6), /bins must be in 1\.\.floor\(n\/2\)\+1 = 5, got 6/);
    assert.throws(() => rfftRows(new Float32Array(7), 8, 1, 2), /length >= rows\*n = 8, got 7/);
    assert.throws(() => cfftAxis(new Float32Array(8), 1, 1, 4, Int32Array.from([0, 4]), Int32Array.from([0]), false), /index 4 outside 0\.\.3/);
  });
});

describe('cornerRfft3d (a cube that is zero outside its corner)', () => {
  before(async () => {
    await loadFft();
  });

  for (const [p, l] of [[48, 21], [47, 19], [32, 32], [20, 1]] as const) {
    test(`equals rfft3d of the whole ${p}³ cube with a ${l}³ corner`, () => {
      const corner = new Float32Array(l * l * p);
      const cube = new Float32Array(p * p * p);
      const values = randomMap([l, l, l], 7 + p);
      for (let z = 0; z < l; z++) for (let y = 0; y < l; y++) for (let x = 0; x < l; x++) {
        const v = values[(z * l + y) * l + x];
        corner[(z * l + y) * p + x] = v;
        cube[(z * p + y) * p + x] = v;
      }
      const want = rfft3d(cube, [p, p, p]);
      const got = cornerRfft3d(corner, cornerWork(p, l));
      assert.equal(got.length, want.length);
      let err = 0, peak = 0;
      for (let i = 0; i < want.length; i++) {
        err = Math.max(err, Math.abs(got[i] - want[i]));
        peak = Math.max(peak, Math.abs(want[i]));
      }
      assert.ok(err <= 1e-5 * peak, `largest difference ${err} of ${peak}`);
    });
  }

  test('checks its sizes', () => {
    assert.throws(() => cornerWork(16, 17), /corner edge must be an integer in 1..16, got 17/);
    assert.throws(() => cornerRfft3d(new Float32Array(10), cornerWork(16, 4)), /corner length must be L\*L\*P = 256, got 10/);
  });
});

describe('Bluestein transforms for lengths with a large prime factor (94 = 2 × 47, 141, 188, 282)', () => {
  before(loadFft);

  /** Double-precision DFT along the axis of a `[n][inner]` complex block (s = -1 forward, +1 inverse). */
  function exactAxis(src: Float32Array, n: number, inner: number, s: number): Float64Array {
    const out = new Float64Array(2 * n * inner);
    for (let k = 0; k < n; k++) {
      for (let c = 0; c < inner; c++) {
        let re = 0, im = 0;
        for (let j = 0; j < n; j++) {
          const t = (s * 2 * Math.PI * ((j * k) % n)) / n;
          const xr = src[2 * (j * inner + c)], xi = src[2 * (j * inner + c) + 1];
          re += xr * Math.cos(t) - xi * Math.sin(t);
          im += xr * Math.sin(t) + xi * Math.cos(t);
        }
        out[2 * (k * inner + c)] = re;
        out[2 * (k * inner + c) + 1] = im;
      }
    }
    return out;
  }

  test('taken for a prime factor of at least 23, never for 2·3·5 sizes', () => {
    assert.equal(largestPrimeFactor(94), 47);
    assert.equal(largestPrimeFactor(282), 47);
    assert.equal(largestPrimeFactor(96), 3);
    for (const n of [46, 47, 94, 141, 188, 282, 106]) assert.equal(useBluestein(n), true, `${n}`);
    for (const n of [1, 2, 34, 38, 64, 96, 100, 120, 384]) assert.equal(useBluestein(n), false, `${n}`);
    assert.ok(BLUESTEIN_MIN_PRIME >= 17);
  });

  test('cfftAxis forward and inverse equal a double-precision DFT to 1e-6 of the largest coefficient', () => {
    const inner = 3;
    for (const n of [46, 47, 94, 141, 188, 282]) {
      const src = Float32Array.from({ length: 2 * n * inner }, (_, i) => Math.sin(0.37 * i) + 0.3 * Math.cos(1.9 * i * i));
      const all = Int32Array.from({ length: n }, (_, i) => i);
      for (const inverse of [false, true]) {
        const got = cfftAxis(src, 1, inner, n, all, all, inverse);
        const want = exactAxis(src, n, inner, inverse ? 1 : -1);
        let peak = 0;
        for (let i = 0; i < want.length; i += 2) peak = Math.max(peak, Math.hypot(want[i], want[i + 1]));
        const err = maxAbsDiff(got, want);
        assert.ok(err <= 1e-6 * peak, `n ${n} ${inverse ? 'inverse' : 'forward'}: max error ${err} of ${peak}`);
      }
    }
  });

  test('rows of odd (141 = 3 × 47) and, since session 60, even lengths (94, 166 = 2 × 83, 188, 282): rfftRows equals a double-precision DFT, irfftRows gives the rows back', () => {
    for (const n of [141, 94, 166, 188, 282]) realRowsAgainstDft(n);
  });

  test('irfftRows of even lengths with a large prime factor (94, 166) equals the double-precision inverse of the Hermitian row, the imaginary parts of DC and Nyquist ignored, also from the first bins only', () => {
    for (const n of [94, 166]) {
      for (const bins of [(n >> 1) + 1, 20]) {
        const rows = 3;
        const spec = Float32Array.from({ length: 2 * rows * bins }, (_, i) => Math.sin(0.7 * i) + 0.2 * Math.cos(0.05 * i * i));
        const got = new Float32Array(rows * n);
        irfftRows(spec, n, rows, bins, got);
        let err = 0, peak = 0;
        for (let r = 0; r < rows; r++) {
          for (let x = 0; x < n; x++) {
            let v = 0;
            for (let h = 0; h < bins; h++) {
              const c = h === 0 || 2 * h === n ? 1 : 2;
              const t = (2 * Math.PI * ((h * x) % n)) / n;
              v += c * (spec[2 * (r * bins + h)] * Math.cos(t) - (h === 0 || 2 * h === n ? 0 : spec[2 * (r * bins + h) + 1] * Math.sin(t)));
            }
            peak = Math.max(peak, Math.abs(v));
            err = Math.max(err, Math.abs(got[r * n + x] - v));
          }
        }
        assert.ok(err <= 1e-6 * peak, `n ${n} bins ${bins}: max error ${err} of ${peak}`);
      }
    }
  });

  function realRowsAgainstDft(n: number): void {
    const rows = 4, bins = (n >> 1) + 1;
    const data = Float32Array.from({ length: rows * n }, (_, i) => Math.cos(0.11 * i * i) + 0.5);
    const spec = rfftRows(data, n, rows, bins);
    const complexRows = new Float32Array(2 * rows * n);
    for (let i = 0; i < rows * n; i++) complexRows[2 * i] = data[i];
    let err = 0, peak = 0;
    for (let r = 0; r < rows; r++) {
      const want = exactAxis(complexRows.subarray(2 * r * n, 2 * (r + 1) * n), n, 1, -1);
      for (let h = 0; h < bins; h++) {
        peak = Math.max(peak, Math.hypot(want[2 * h], want[2 * h + 1]));
        err = Math.max(err, Math.abs(spec[2 * (r * bins + h)] - want[2 * h]), Math.abs(spec[2 * (r * bins + h) + 1] - want[2 * h + 1]));
      }
    }
    assert.ok(err <= 1e-6 * peak, `n ${n}: max error ${err} of ${peak}`);
    // the rows go through Bluestein's complex transform (kissfft's real one did the half length's
    // prime factor by its generic butterfly: 6× slower per row at 94): the same values bit for bit
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const viaComplex = cfftAxis(complexRows, rows, 1, n, all, all, false);
    for (let r = 0; r < rows; r++) assert.deepEqual(spec.subarray(2 * r * bins, 2 * (r + 1) * bins), viaComplex.subarray(2 * r * n, 2 * r * n + 2 * bins), `n ${n} row ${r}`);
    const back = new Float32Array(rows * n);
    irfftRows(spec, n, rows, bins, back);
    for (let i = 0; i < back.length; i++) back[i] /= n;
    assert.ok(maxAbsDiff(back, data) <= 1e-5, `n ${n} round trip: ${maxAbsDiff(back, data)}`);
  }

  /** Largest |error| of a half spectrum against the analytic spectrum of impulses `[x, y, z, a]`. */
  function impulseError(spec: Float32Array, shape: Shape3, impulses: number[][]): number {
    const [nx, ny, nz] = shape;
    const hx = (nx >> 1) + 1;
    let worst = 0;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < hx; x++) {
      let re = 0, im = 0;
      for (const [px, py, pz, a] of impulses) {
        const ph = -2 * Math.PI * (((x * px) % nx) / nx + ((y * py) % ny) / ny + ((z * pz) % nz) / nz);
        re += a * Math.cos(ph);
        im += a * Math.sin(ph);
      }
      const i = 2 * ((z * ny + y) * hx + x);
      worst = Math.max(worst, Math.abs(spec[i] - re), Math.abs(spec[i + 1] - im));
    }
    return worst;
  }

  test('cornerRfft3d of a 94³ cube (RELION\'s windows at 1.2 Å): the analytic spectrum of three impulses to 1e-5', () => {
    const p = 94, l = 25;
    const impulses = [[0, 0, 0, 1], [24, 3, 17, -0.5], [7, 24, 24, 0.25]];
    const corner = new Float32Array(l * l * p);
    for (const [x, y, z, a] of impulses) corner[(z * l + y) * p + x] = a;
    const err = impulseError(cornerRfft3d(corner, cornerWork(p, l)), [p, p, p], impulses);
    assert.ok(err < 1e-5, `max |error| ${err}`);
  });

  // boxes with such an edge take the separable passes at any size (transforms-3d.ts useSeparable)
  for (const shape of [[83, 83, 83], [94, 47, 30]] as Shape3[]) {
    test(`rfft3d on ${shape.join('x')}: the analytic spectrum of three impulses to 1e-5, and irfft3d inverts it`, () => {
      const [nx, ny, nz] = shape;
      const impulses = [[0, 0, 0, 1], [5, 17, 3, -0.5], [nx - 3, ny - 2, nz - 7, 0.25]];
      const data = new Float32Array(nx * ny * nz);
      for (const [x, y, z, a] of impulses) data[(z * ny + y) * nx + x] = a;
      const err = impulseError(rfft3d(data, shape), shape, impulses);
      assert.ok(err < 1e-5, `max |error| ${err}`);
      const map = randomMap(shape, 3);
      const back = irfft3d(rfft3d(map, shape), shape);
      assert.ok(maxAbsDiff(back, map) < 1e-5, `round trip max |error| ${maxAbsDiff(back, map)}`);
    });
  }
});
