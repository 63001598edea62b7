/**
 * Real-space upsampling as users do it, for testing the input diagnostics: trilinear interpolation
 * onto a finer grid aligned with the first voxel (ChimeraX's `volume resample` style: the box
 * becomes floor((n − 1)·s) + 1), and cubic B-spline interpolation over the same extent (scipy's
 * `ndimage.zoom` with order 3: the box becomes round(n·s), ends on the first and last voxels).
 * Separable, mirror at the box ends; canonical layout (x fastest).
 */
import type { Shape3, Vec3, Volume } from '../../src/core/volume.js';

/** The interpolation and its grid. */
export type RealSpaceUpsampling = 'trilinear' | 'cubic-spline';

/** Cubic B-spline basis. */
function bspline3(t: number): number {
  const x = Math.abs(t);
  if (x < 1) return 2 / 3 - x * x + (x * x * x) / 2;
  if (x < 2) return (2 - x) ** 3 / 6;
  return 0;
}

/** B-spline coefficients of a line (interpolating cubic spline, mirror boundary), in place. */
function splineCoefficients(c: Float64Array): void {
  const z = Math.sqrt(3) - 2, n = c.length;
  if (n < 2) return;
  for (let i = 0; i < n; i++) c[i] *= (1 - z) * (1 - 1 / z);
  let s = c[0], zk = z;
  for (let k = 1; k < Math.min(n, 40); k++, zk *= z) s += zk * c[k];
  c[0] = s;
  for (let i = 1; i < n; i++) c[i] += z * c[i - 1];
  c[n - 1] = (z / (z * z - 1)) * (z * c[n - 2] + c[n - 1]);
  for (let i = n - 2; i >= 0; i--) c[i] = z * (c[i + 1] - c[i]);
}

function line(src: Float64Array, m: number, s: number, how: RealSpaceUpsampling): Float64Array {
  const n = src.length;
  const mirror = (j: number): number => {
    const p = 2 * (n - 1);
    const q = ((j % p) + p) % p;
    return q > n - 1 ? p - q : q;
  };
  const out = new Float64Array(m);
  if (how === 'trilinear') {
    for (let i = 0; i < m; i++) {
      const u = i / s, f = Math.floor(u), t = u - f;
      out[i] = (1 - t) * src[mirror(f)] + (t > 0 ? t * src[mirror(f + 1)] : 0);
    }
    return out;
  }
  const c = Float64Array.from(src);
  splineCoefficients(c);
  for (let i = 0; i < m; i++) {
    const u = (i * (n - 1)) / (m - 1), f = Math.floor(u);
    let v = 0;
    for (let j = f - 1; j <= f + 2; j++) v += c[mirror(j)] * bspline3(u - j);
    out[i] = v;
  }
  return out;
}

/**
 * Upsample `v` by `s` (> 1) along every axis in real space.
 * @returns a new volume; voxel size a/s (trilinear) or a·n/m (cubic spline)
 */
export function upsampleRealSpace(v: Volume, s: number, how: RealSpaceUpsampling): Volume {
  let shape: Shape3 = [...v.shape];
  let data = Float64Array.from(v.data);
  for (let ax = 0; ax < 3; ax++) {
    const n = shape[ax];
    const m = how === 'trilinear' ? Math.floor((n - 1) * s + 1e-9) + 1 : Math.round(n * s);
    const ns: Shape3 = [...shape];
    ns[ax] = m;
    const out = new Float64Array(ns[0] * ns[1] * ns[2]);
    const inStride = [1, shape[0], shape[0] * shape[1]], outStride = [1, ns[0], ns[0] * ns[1]];
    const [o1, o2] = [0, 1, 2].filter((a) => a !== ax);
    const src = new Float64Array(n);
    for (let p = 0; p < shape[o2]; p++) {
      for (let q = 0; q < shape[o1]; q++) {
        const base = p * inStride[o2] + q * inStride[o1], obase = p * outStride[o2] + q * outStride[o1];
        for (let i = 0; i < n; i++) src[i] = data[base + i * inStride[ax]];
        const r = line(src, m, s, how);
        for (let i = 0; i < m; i++) out[obase + i * outStride[ax]] = r[i];
      }
    }
    shape = ns;
    data = out;
  }
  const voxelSizeA = v.voxelSizeA.map((a, i) => (how === 'trilinear' ? a / s : (a * v.shape[i]) / shape[i])) as Vec3;
  return { data: Float32Array.from(data), shape, voxelSizeA };
}
