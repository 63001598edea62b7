/**
 * The periodic Hann window over a box: multiplying a box cut from a larger map by it before the
 * Fourier transform takes away the step at the box's wrap-around edge, whose power would otherwise
 * reach every shell (a map low-passed and then cropped in real space shows 10⁻⁶–10⁻⁵ of its
 * strongest shell's power beyond the low-pass instead of float round-off).
 * @see F. J. Harris, "On the use of windows for harmonic analysis with the discrete Fourier
 *   transform", Proc. IEEE 66 (1978) 51–83, §IV.C.
 */
import type { Shape3 } from '../core/volume.js';

/**
 * The periodic Hann window of one axis, `sin²(π i / n)`, i = 0 … n − 1 (0 at i = 0, 1 at n/2).
 * @param n window length (samples, ≥ 1)
 * @returns new Float64Array of length n
 */
export function periodicHann(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin((Math.PI * i) / n) ** 2);
}

/**
 * Multiply a box by the separable periodic Hann window `w(x) w(y) w(z)`, in place.
 * @param data the box's values, length nx*ny*nz, index (z*ny + y)*nx + x; overwritten
 * @param shape box [nx, ny, nz] in voxels
 * @returns `data`
 */
export function applyPeriodicHann(data: Float32Array, shape: Shape3): Float32Array {
  const [nx, ny, nz] = shape;
  const [wx, wy, wz] = [nx, ny, nz].map(periodicHann);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const wzy = wz[z] * wy[y];
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) data[o + x] *= wzy * wx[x];
    }
  }
  return data;
}
