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
  const n = nx * ny * nz;
  const bin = new Float32Array(n);
  for (let i = 0; i < n; i++) bin[i] = mask[i] > 0.5 ? 1 : 0;
  const spec = rfft3d(bin, shape);
  // exp(−k·(fx² + fy² + fz²)) = gx·gy·gz: one table per axis
  const k = 2 * Math.PI * Math.PI * sigmaVoxels * sigmaVoxels;
  const table = (len: number, m: number) => Float64Array.from({ length: len }, (_, i) => {
    const f = (i <= m - i ? i : i - m) / m;
    return Math.exp(-k * f * f);
  });
  const gx = table(hx, nx);
  const gy = table(ny, ny);
  const gz = table(nz, nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const gzy = gz[z] * gy[y];
      const o = 2 * (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const g = gzy * gx[x];
        spec[o + 2 * x] *= g;
        spec[o + 2 * x + 1] *= g;
      }
    }
  }
  const out = irfft3d(spec, shape);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, 2 * out[i]));
  return out;
}
