/**
 * Local band energies: the monogenic energy of a band-passed map averaged over a Gaussian window,
 * and the matching noise energy from the half-map difference. Each band is computed on the
 * smallest grid that holds it and its windowed energy is delivered on a common coarse analysis
 * grid (the window makes the energy smooth), so low bands cost almost nothing.
 * @see shared/spec/occupancy-decomposition.md "A workable method" steps 2–3
 */
import type { Shape3, Vec3 } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { resizeHalfSpectrum } from '../math/spectrum-resize.js';
import { gaussianFilterSpectrum } from '../filters/gaussian-smooth.js';
import { monogenicAmplitude } from '../resolution/monogenic.js';
import type { Band } from './bands.js';

/**
 * Box (same physical size as `shape`) whose Nyquist frequency covers `upperPerA` on every axis:
 * `m = max(8, 2*ceil(upperPerA * L) + 2)` with L = n·a the edge in Å, rounded up to the next even
 * number with no prime factor above 5 (kissfft is fast only for those), and at most n.
 */
export function gridFor(shape: Shape3, voxelSizeA: Readonly<Vec3>, upperPerA: number): Shape3 {
  return shape.map((n, i) => {
    let m = Math.max(8, 2 * Math.ceil(upperPerA * n * voxelSizeA[i]) + 2);
    while (m < n && !isEven5Smooth(m)) m += 2;
    return Math.min(n, m);
  }) as unknown as Shape3;
}

/** Whether `m` is even and has no prime factor above 5. */
function isEven5Smooth(m: number): boolean {
  if (m % 2 !== 0) return false;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/**
 * Windowed energy of one band, on the analysis grid.
 *
 * `kind = 'monogenic'`: `E = g_sigma * (b^2 + |R b|^2)` with `b` the map band-passed by the band's
 * raised-cosine shell and `R b` its Riesz transform (see `monogenicAmplitude`).
 * `kind = 'noise'`: `N = 2 (g_sigma * b^2)`: for stationary noise the Riesz part has the same
 * expected power as `b` (the squared Riesz multipliers sum to 1), so this is the expectation of
 * the monogenic energy at a quarter of its cost.
 * `g_sigma` is the band's Gaussian window. `b` is computed on the grid of {@link gridFor} the
 * shell's upper edge (exact: the shell has no content beyond it); the windowed energy is then
 * resampled in Fourier space to `analysisShape`.
 *
 * Precondition: `await loadFft()` has resolved. Inner function: trusts its inputs.
 *
 * @param spectrum half spectrum of the map on `shape` (layout of `rfft3d`); not modified
 * @param shape box of the map
 * @param voxelSizeA voxel size of the map along X, Y, Z, Å
 * @param band shell and window
 * @param analysisShape box of the result (same physical size)
 * @param kind monogenic energy of the map, or noise energy of the half-map difference
 * @param windowSigmaA window sigma in Å (default the band's)
 * @returns energy on `analysisShape`, index (z*ny + y)*nx + x, (density units)^2
 */
export function windowedBandEnergy(
  spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: Band, analysisShape: Shape3, kind: 'monogenic' | 'noise',
  windowSigmaA = band.windowSigmaA,
): Float32Array {
  return windowedBandEnergies(spectrum, shape, voxelSizeA, band, analysisShape, kind, [windowSigmaA])[0];
}

/**
 * {@link windowedBandEnergy} for several windows at once: the band-passed energy is computed and
 * transformed once, then each window costs one Gaussian filter and one inverse transform on the
 * analysis grid. Equal sigmas give the same array object.
 *
 * @param windowSigmasA window sigmas in Å (> 0)
 * @returns one energy per sigma, each on `analysisShape` (same layout and units as {@link windowedBandEnergy})
 */
export function windowedBandEnergies(
  spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: Band, analysisShape: Shape3, kind: 'monogenic' | 'noise',
  windowSigmasA: readonly number[],
): Float32Array[] {
  const g = gridFor(shape, voxelSizeA, band.centrePerA + band.halfWidthPerA);
  const same = g.every((v, i) => v === shape[i]);
  const spec = same ? spectrum : resizeHalfSpectrum(spectrum, shape, g);
  const vg: Vec3 = [0, 1, 2].map((i) => (shape[i] * voxelSizeA[i]) / g[i]) as Vec3;
  let e: Float32Array;
  if (kind === 'monogenic') {
    e = monogenicAmplitude(spec, g, vg, band.centrePerA, band.halfWidthPerA);
    for (let i = 0; i < e.length; i++) e[i] *= e[i];
  } else {
    e = irfft3d(shellPass(spec, g, vg, band), g);
    for (let i = 0; i < e.length; i++) e[i] = 2 * e[i] * e[i];
  }
  const s = rfft3d(e, g);
  const sameOut = analysisShape.every((v, i) => v === g[i]);
  const done = new Map<number, Float32Array>();
  return windowSigmasA.map((sigma, j) => {
    const known = done.get(sigma);
    if (known) return known;
    const f = j === windowSigmasA.length - 1 ? s : s.slice();
    gaussianFilterSpectrum(f, g, vg, sigma);
    const out = irfft3d(sameOut ? f : resizeHalfSpectrum(f, g, analysisShape), analysisShape);
    done.set(sigma, out);
    return out;
  });
}

/** The spectrum multiplied by the band's raised-cosine shell (new array). */
function shellPass(spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: Band): Float32Array {
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
  return pass;
}
