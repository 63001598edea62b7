/**
 * Local band energies: the monogenic energy of a band-passed map averaged over a Gaussian window,
 * and the matching noise energy from the half-map difference.
 * @see shared/spec/occupancy-decomposition.md "A workable method" steps 2–3
 */
import type { Shape3, Vec3 } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { gaussianFilterSpectrum } from '../filters/gaussian-smooth.js';
import { monogenicAmplitude } from '../resolution/monogenic.js';
import type { Band } from './bands.js';

/**
 * Windowed monogenic energy of one band of a map:
 * `E(x) = (g_sigma * (b^2 + |R b|^2))(x)` with `b` the map band-passed by the band's raised-cosine
 * shell, `R b` its Riesz transform (see `monogenicAmplitude`) and `g_sigma` the band's Gaussian window.
 *
 * Precondition: `await loadFft()` has resolved. Inner function: trusts its inputs.
 *
 * @param spectrum half spectrum of the map (layout of `rfft3d`); not modified
 * @param shape box `[nx, ny, nz]`
 * @param voxelSizeA voxel size along X, Y, Z in Å
 * @param band shell and window
 * @param out receives the energy, length nx*ny*nz, index (z*ny + y)*nx + x, (density units)^2
 */
export function bandEnergy(spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: Band, out: Float32Array): void {
  monogenicAmplitude(spectrum, shape, voxelSizeA, band.centrePerA, band.halfWidthPerA, { out });
  for (let i = 0; i < out.length; i++) out[i] *= out[i];
  const s = rfft3d(out, shape);
  gaussianFilterSpectrum(s, shape, voxelSizeA, band.windowSigmaA);
  out.set(irfft3d(s, shape));
}

/**
 * Windowed noise energy of one band from a noise map (the half-map difference `(h1 - h2)/2`):
 * `N(x) = 2 * (g_sigma * b^2)(x)`. For stationary noise the Riesz part has the same expected
 * power as `b` (the squared Riesz multipliers sum to 1 at every frequency), so this is the
 * expectation of the monogenic energy at a third of its cost.
 *
 * Precondition: `await loadFft()` has resolved. Inner function: trusts its inputs.
 *
 * @param spectrum half spectrum of the noise map; not modified
 * @param shape box `[nx, ny, nz]`
 * @param voxelSizeA voxel size along X, Y, Z in Å
 * @param band shell and window
 * @param out receives the energy, length nx*ny*nz, (density units)^2
 */
export function bandNoiseEnergy(spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: Band, out: Float32Array): void {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const pass = new Float32Array(spectrum.length);
  const f = band.centrePerA;
  const w = band.halfWidthPerA;
  for (let z = 0; z < nz; z++) {
    const kz = (z <= nz / 2 ? z : z - nz) / (nz * voxelSizeA[2]);
    for (let y = 0; y < ny; y++) {
      const ky = (y <= ny / 2 ? y : y - ny) / (ny * voxelSizeA[1]);
      const kyz2 = kz * kz + ky * ky;
      const row = 2 * (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const kx = x / (nx * voxelSizeA[0]);
        const d = Math.sqrt(kyz2 + kx * kx) - f;
        if (d <= -w || d >= w) continue;
        const h = 0.5 * (1 + Math.cos((Math.PI * d) / w));
        pass[row + 2 * x] = h * spectrum[row + 2 * x];
        pass[row + 2 * x + 1] = h * spectrum[row + 2 * x + 1];
      }
    }
  }
  const b = irfft3d(pass, shape);
  for (let i = 0; i < b.length; i++) b[i] = 2 * b[i] * b[i];
  const s = rfft3d(b, shape);
  gaussianFilterSpectrum(s, shape, voxelSizeA, band.windowSigmaA);
  out.set(irfft3d(s, shape));
}
