/**
 * Test-only references: a seeded PRNG and naive float64 DFTs (O(N^2)), used to check the
 * kissfft wrapper and the Fourier filters. Not a test file itself (no `.test.ts` suffix).
 */

import assert from 'node:assert/strict';
import { uniformRandomMap } from '../helpers/fixtures.js';

/** Random map of length nx*ny*nz with values uniform in [-1, 1) plus `offset`. */
export function randomMap(shape: readonly [number, number, number], seed: number, offset = 0): Float32Array {
  return uniformRandomMap(shape, seed, offset - 1, offset + 1);
}

/** cos/sin tables of exp(sign*2*pi*i*j/n) for j = 0..n-1 (exact index reduction mod n). */
function twiddles(n: number, sign: number): { c: Float64Array; s: Float64Array } {
  const c = new Float64Array(n);
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    c[j] = Math.cos((2 * Math.PI * j) / n);
    s[j] = sign * Math.sin((2 * Math.PI * j) / n);
  }
  return { c, s };
}

/**
 * Naive full 3D DFT in float64 of complex data (re, im separate, index (z*ny+y)*nx+x).
 * sign = -1: forward, unnormalised; sign = +1: inverse, unnormalised.
 */
export function naiveDft3d(
  re: ArrayLike<number>, im: ArrayLike<number>, shape: readonly [number, number, number], sign: -1 | 1,
): { re: Float64Array; im: Float64Array } {
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const tx = twiddles(nx, sign), ty = twiddles(ny, sign), tz = twiddles(nz, sign);
  const ore = new Float64Array(n), oim = new Float64Array(n);
  for (let kz = 0; kz < nz; kz++) for (let ky = 0; ky < ny; ky++) for (let kx = 0; kx < nx; kx++) {
    let sr = 0, si = 0;
    for (let z = 0; z < nz; z++) {
      const iz = (kz * z) % nz;
      for (let y = 0; y < ny; y++) {
        const iy = (ky * y) % ny;
        // e^{i(a+b)} = (ca cb - sa sb) + i(sa cb + ca sb)
        const cyz = tz.c[iz] * ty.c[iy] - tz.s[iz] * ty.s[iy];
        const syz = tz.s[iz] * ty.c[iy] + tz.c[iz] * ty.s[iy];
        for (let x = 0; x < nx; x++) {
          const ix = (kx * x) % nx;
          const c = cyz * tx.c[ix] - syz * tx.s[ix];
          const s = syz * tx.c[ix] + cyz * tx.s[ix];
          const v = (z * ny + y) * nx + x;
          sr += re[v] * c - im[v] * s;
          si += re[v] * s + im[v] * c;
        }
      }
    }
    const k = (kz * ny + ky) * nx + kx;
    ore[k] = sr;
    oim[k] = si;
  }
  return { re: ore, im: oim };
}

/** Signed FFT frequency of index i on an axis of n samples (Nyquist of even n reported as +n/2). */
export function signedFrequency(i: number, n: number): number {
  return i <= n / 2 ? i : i - n;
}

/** Largest absolute difference of two equally long arrays (asserts equal length). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Arithmetic mean. */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
