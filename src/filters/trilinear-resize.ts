/**
 * Trilinear resampling of a map between two samplings of the same periodic box (as the FFT sees
 * it): voxel i of an n-voxel axis sits at i·L/n for box length L, so index i of the output maps to
 * input coordinate i·n_in/n_out; neighbours wrap around the box.
 */
import type { Shape3 } from '../core/volume.js';

/**
 * Interpolation table of one axis for {@link trilinearResize}: output sample i sits at input
 * coordinate u = i·n/m (voxels, periodic), between input samples `i0[i]` and `i1[i]` = (i0 + 1) mod n
 * with weight `w[i]` = u − ⌊u⌋ on `i1`.
 * @param n input samples along the axis
 * @param m output samples along the axis
 * @returns i0, i1 (Int32Array, length m) and w (Float64Array, length m)
 */
export function trilinearAxis(n: number, m: number): { i0: Int32Array; i1: Int32Array; w: Float64Array } {
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const w = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const u = (i * n) / m;
    const f = Math.floor(u);
    i0[i] = f % n;
    i1[i] = (f + 1) % n;
    w[i] = u - f;
  }
  return { i0, i1, w };
}

/**
 * Resample `data` from `shapeIn` to `shapeOut` by trilinear interpolation with periodic wrap.
 * Suited to smooth fields (windowed energies, fitted maps) and to masks (threshold the result).
 *
 * @param data input map, length nx*ny*nz of `shapeIn`, index (z*ny + y)*nx + x; not modified
 *   (Float32Array only: one element kind keeps the voxel loop monomorphic)
 * @param shapeIn input box [nx, ny, nz]
 * @param shapeOut output box [mx, my, mz] (any positive sizes)
 * @returns new Float32Array, length mx*my*mz, index (z*my + y)*mx + x
 * @throws RangeError when `data.length` does not match `shapeIn` or a size is not a positive integer
 */
export function trilinearResize(data: Float32Array, shapeIn: Shape3, shapeOut: Shape3): Float32Array {
  for (const v of [...shapeIn, ...shapeOut]) if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`box sizes must be positive integers, got ${shapeIn.join('x')} -> ${shapeOut.join('x')}`);
  const [nx, ny, nz] = shapeIn;
  if (data.length !== nx * ny * nz) throw new RangeError(`data length must be ${nx * ny * nz} for box ${shapeIn.join('x')}, got ${data.length}`);
  const [mx, my, mz] = shapeOut;
  const out = new Float32Array(mx * my * mz);
  // per-axis lower index and weight tables (no allocation in the voxel loop)
  const ax = trilinearAxis(nx, mx), ay = trilinearAxis(ny, my), az = trilinearAxis(nz, mz);
  for (let z = 0; z < mz; z++) {
    const z0 = az.i0[z] * ny, z1 = az.i1[z] * ny, wz = az.w[z];
    for (let y = 0; y < my; y++) {
      const y0 = ay.i0[y], y1 = ay.i1[y], wy = ay.w[y];
      const r00 = (z0 + y0) * nx, r01 = (z0 + y1) * nx, r10 = (z1 + y0) * nx, r11 = (z1 + y1) * nx;
      const o = (z * my + y) * mx;
      for (let x = 0; x < mx; x++) {
        const x0 = ax.i0[x], x1 = ax.i1[x], wx = ax.w[x];
        const c00 = data[r00 + x0] + wx * (data[r00 + x1] - data[r00 + x0]);
        const c01 = data[r01 + x0] + wx * (data[r01 + x1] - data[r01 + x0]);
        const c10 = data[r10 + x0] + wx * (data[r10 + x1] - data[r10 + x0]);
        const c11 = data[r11 + x0] + wx * (data[r11 + x1] - data[r11 + x0]);
        const c0 = c00 + wy * (c01 - c00);
        const c1 = c10 + wy * (c11 - c10);
        out[o + x] = c0 + wz * (c1 - c0);
      }
    }
  }
  return out;
}
