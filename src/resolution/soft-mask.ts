/**
 * Soft-edged masks for FSC calculations.
 */
import type { Shape3 } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';

/**
 * Soften a binary mask: `min(1, 2 · (G_σ * M))` with G_σ a Gaussian of `sigmaVoxels` (default 2):
 * 1 inside and up to about σ outside the mask, falling smoothly to 0 over a few voxels. A hard
 * mask edge would correlate the two half maps' noise and inflate the FSC.
 *
 * @param mask 0/1 per voxel, length nx*ny*nz (canonical layout)
 * @returns soft mask in [0, 1], same layout
 */
export function softenMask(mask: Uint8Array | Float32Array, shape: Shape3, sigmaVoxels = 2): Float32Array {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const spec = rfft3d(Float32Array.from(mask, (v) => (v > 0.5 ? 1 : 0)), shape);
  const k = 2 * Math.PI * Math.PI * sigmaVoxels * sigmaVoxels;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / nz;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ny;
      for (let x = 0; x < hx; x++) {
        const fx = x / nx;
        const g = Math.exp(-k * (fx * fx + fy * fy + fz * fz));
        const i = 2 * ((z * ny + y) * hx + x);
        spec[i] *= g;
        spec[i + 1] *= g;
      }
    }
  }
  const out = irfft3d(spec, shape);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, 2 * out[i]));
  return out;
}
