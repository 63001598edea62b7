/**
 * A Debye–Waller blur of a test map: its spectrum multiplied by exp(−B s²/4), s the spatial
 * frequency in 1/Å. Needs `await loadFft()` first.
 */
import { irfft3d, rfft3d } from '../../src/math/fft.js';
import type { Volume } from '../../src/core/volume.js';

/**
 * The map blurred by `bA2` Å² (a new volume with the same grid and the other fields of `v`).
 * @param v the map: `data` length nx*ny*nz, x fastest; `voxelSizeA` Å
 */
export function blurByB<V extends Volume>(v: V, bA2: number): V {
  const [nx, ny, nz] = v.shape;
  const hx = (nx >> 1) + 1;
  const s = rfft3d(v.data, v.shape);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < hx; x++) {
    const kx = x / (nx * v.voxelSizeA[0]);
    const ky = (y <= ny / 2 ? y : y - ny) / (ny * v.voxelSizeA[1]);
    const kz = (z <= nz / 2 ? z : z - nz) / (nz * v.voxelSizeA[2]);
    const f = Math.exp((-bA2 * (kx * kx + ky * ky + kz * kz)) / 4);
    const p = 2 * ((z * ny + y) * hx + x);
    s[p] *= f;
    s[p + 1] *= f;
  }
  return { ...v, data: irfft3d(s, v.shape) };
}
