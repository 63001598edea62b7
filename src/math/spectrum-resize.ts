/**
 * Crop or zero-pad a half spectrum (layout of `rfft3d`) to another box of the same physical size:
 * the Fourier half of Fourier crop/pad resampling, for callers that already hold a spectrum.
 */
import type { Shape3 } from '../core/volume.js';

/**
 * Resize a half spectrum from box `shapeIn` to `shapeOut` (same physical box, other sampling).
 * Coefficients with signed index `|j| < min(n_in, n_out)/2` on every axis are copied, scaled by
 * `N_out/N_in` (N = voxel count) so that `irfft3d` on the new box gives the same real-space
 * amplitudes; Nyquist planes of either box and everything beyond are zero.
 *
 * @param spectrum half spectrum of `shapeIn`: length `2*nz*ny*(floor(nx/2)+1)`, interleaved
 *   (re, im), complex index `(z*ny + y)*hx + x`, y and z in FFT order; not modified
 * @param shapeIn box of `spectrum`
 * @param shapeOut new box
 * @returns new half spectrum of `shapeOut`
 * @throws RangeError when the spectrum length does not match `shapeIn`
 */
export function resizeHalfSpectrum(spectrum: Float32Array, shapeIn: Shape3, shapeOut: Shape3): Float32Array {
  const [nx, ny, nz] = shapeIn;
  const [mx, my, mz] = shapeOut;
  const hxIn = (nx >> 1) + 1;
  const hxOut = (mx >> 1) + 1;
  if (spectrum.length !== 2 * nz * ny * hxIn) throw new RangeError(`spectrum length must be ${2 * nz * ny * hxIn} for box ${shapeIn.join('x')}, got ${spectrum.length}`);
  const out = new Float32Array(2 * mz * my * hxOut);
  const scale = (mx * my * mz) / (nx * ny * nz);
  // largest |j| kept per axis: strictly below both Nyquists
  const keep = (a: number, b: number) => Math.ceil(Math.min(a, b) / 2) - 1;
  const kx = keep(nx, mx), ky = keep(ny, my), kz = keep(nz, mz);
  for (let jz = -kz; jz <= kz; jz++) {
    const zi = jz < 0 ? jz + nz : jz;
    const zo = jz < 0 ? jz + mz : jz;
    for (let jy = -ky; jy <= ky; jy++) {
      const yi = jy < 0 ? jy + ny : jy;
      const yo = jy < 0 ? jy + my : jy;
      const ri = 2 * (zi * ny + yi) * hxIn;
      const ro = 2 * (zo * my + yo) * hxOut;
      for (let x = 0; x <= kx; x++) {
        out[ro + 2 * x] = spectrum[ri + 2 * x] * scale;
        out[ro + 2 * x + 1] = spectrum[ri + 2 * x + 1] * scale;
      }
    }
  }
  return out;
}
