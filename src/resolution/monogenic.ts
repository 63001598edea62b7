/**
 * Monogenic local resolution (the MonoRes family): per-voxel resolution from the significance of
 * the monogenic amplitude of band-passed maps against a noise threshold.
 *
 * @see shared/spec/local-resolution.md §3 (method), §4 (good practice)
 * @see Vilas et al., "MonoRes: automatic and accurate estimation of local resolution for electron
 *   microscopy maps", Structure 26:337 (2018)
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { halfMapHalfDifference, halfMapMean } from '../math/half-map-combination.js';
import { quantileByRank, selectKth } from '../math/select.js';
import { nonZeroContentBox } from '../math/non-zero-box.js';
import { cutSubBox, pasteSubBox, subBoxShape } from './sub-box.js';
import { halfMapFinestTestedA, mapFinestTestedA, type InterpolationTest } from './half-map-content.js';

// ---------------------------------------------------------------------------------------------
// Fourier grid

/** Signed spatial frequencies (1/Å) of every FFT index along one axis. */
function axisFrequencies(n: number, voxelSizeA: number, half: boolean): Float64Array {
  const len = half ? (n >> 1) + 1 : n;
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = (i <= n / 2 ? i : i - n) / (n * voxelSizeA);
  return out;
}

/** Per-axis frequency tables of a half spectrum; the Nyquist index (even n) flagged per axis. */
interface HalfGrid {
  nx: number;
  ny: number;
  nz: number;
  hx: number;
  fx: Float64Array;
  fy: Float64Array;
  fz: Float64Array;
  /** Index of the Nyquist bin along each axis, or -1 for odd sizes. */
  nyqX: number;
  nyqY: number;
  nyqZ: number;
}

function halfGrid(shape: Shape3, voxelSizeA: Readonly<Vec3>): HalfGrid {
  const [nx, ny, nz] = shape;
  return {
    nx, ny, nz, hx: (nx >> 1) + 1,
    fx: axisFrequencies(nx, voxelSizeA[0], true),
    fy: axisFrequencies(ny, voxelSizeA[1], false),
    fz: axisFrequencies(nz, voxelSizeA[2], false),
    nyqX: nx % 2 === 0 ? nx >> 1 : -1,
    nyqY: ny % 2 === 0 ? ny >> 1 : -1,
    nyqZ: nz % 2 === 0 ? nz >> 1 : -1,
  };
}

/** Raised-cosine shell weight `0.5*(1 + cos(pi*(|k| - f)/w))` for `||k| - f| < w`, else 0. */
function shellWeight(k: number, f: number, w: number): number {
  const d = k - f;
  return d > -w && d < w ? 0.5 * (1 + Math.cos((Math.PI * d) / w)) : 0;
}

/**
 * Scratch buffers reused across frequencies: two half spectra (band-passed map and one Riesz
 * component) of length `2*nz*ny*hx`.
 */
interface AmplitudeScratch {
  band: Float32Array;
  riesz: Float32Array;
}

function makeScratch(grid: HalfGrid): AmplitudeScratch {
  const len = 2 * grid.nz * grid.ny * grid.hx;
  return { band: new Float32Array(len), riesz: new Float32Array(len) };
}

/**
 * Kernel: monogenic amplitude of `spectrum` band-passed at `f` (width `w`) into `out`, then
 * optionally low-passed. Trusts its inputs.
 */
function amplitudeKernel(
  spectrum: Float32Array, grid: HalfGrid, shape: Shape3, f: number, w: number, lowPassFraction: number,
  scratch: AmplitudeScratch, out: Float32Array,
): void {
  const { ny, nz, hx, fx, fy, fz } = grid;
  const band = scratch.band;
  const riesz = scratch.riesz;
  // band-pass: b^(k) = H(|k|) F(k)
  for (let z = 0; z < nz; z++) {
    const kz2 = fz[z] * fz[z];
    for (let y = 0; y < ny; y++) {
      const kyz2 = kz2 + fy[y] * fy[y];
      const row = 2 * (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const h = shellWeight(Math.sqrt(kyz2 + fx[x] * fx[x]), f, w);
        const p = row + 2 * x;
        band[p] = h * spectrum[p];
        band[p + 1] = h * spectrum[p + 1];
      }
    }
  }
  const n = out.length;
  const b = irfft3d(band, shape);
  for (let i = 0; i < n; i++) out[i] = b[i] * b[i];
  // Riesz components: (R_j b)^(k) = i * k_j/|k| * b^(k); i*(re + i*im)*u = (-im*u, re*u)
  for (let axis = 0; axis < 3; axis++) {
    for (let z = 0; z < nz; z++) {
      const kz = fz[z];
      for (let y = 0; y < ny; y++) {
        const ky = fy[y];
        const kyz2 = kz * kz + ky * ky;
        const row = 2 * (z * ny + y) * hx;
        // component zeroed on its own Nyquist plane (no Hermitian partner there) and at DC
        const axisOff = (axis === 1 && y === grid.nyqY) || (axis === 2 && z === grid.nyqZ);
        for (let x = 0; x < hx; x++) {
          const p = row + 2 * x;
          const re = band[p];
          const im = band[p + 1];
          if (axisOff || (re === 0 && im === 0) || (axis === 0 && x === grid.nyqX)) {
            riesz[p] = 0;
            riesz[p + 1] = 0;
            continue;
          }
          const kx = fx[x];
          const k = Math.sqrt(kyz2 + kx * kx);
          if (k === 0) {
            riesz[p] = 0;
            riesz[p + 1] = 0;
            continue;
          }
          const u = (axis === 0 ? kx : axis === 1 ? ky : kz) / k;
          riesz[p] = -im * u;
          riesz[p + 1] = re * u;
        }
      }
    }
    const r = irfft3d(riesz, shape);
    for (let i = 0; i < n; i++) out[i] += r[i] * r[i];
  }
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(out[i]);
  if (lowPassFraction > 0) lowPassInPlace(out, grid, shape, lowPassFraction * f);
}

/**
 * Low-pass `data` in place: multiplier 1 for |k| <= fc, `0.5*(1 + cos(pi*(|k| - fc)/fc))` for
 * fc < |k| < 2*fc, 0 beyond.
 */
function lowPassInPlace(data: Float32Array, grid: HalfGrid, shape: Shape3, fc: number): void {
  const { ny, nz, hx, fx, fy, fz } = grid;
  const s = rfft3d(data, shape);
  for (let z = 0; z < nz; z++) {
    const kz2 = fz[z] * fz[z];
    for (let y = 0; y < ny; y++) {
      const kyz2 = kz2 + fy[y] * fy[y];
      const row = 2 * (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const k = Math.sqrt(kyz2 + fx[x] * fx[x]);
        const m = k <= fc ? 1 : k >= 2 * fc ? 0 : 0.5 * (1 + Math.cos((Math.PI * (k - fc)) / fc));
        s[row + 2 * x] *= m;
        s[row + 2 * x + 1] *= m;
      }
    }
  }
  data.set(irfft3d(s, shape));
}

// ---------------------------------------------------------------------------------------------
// Public helper

/** Options of {@link monogenicAmplitude}. */
export interface MonogenicAmplitudeOptions {
  /**
   * Low-pass the amplitude map after computing it (0 = off, the default here): multiplier 1 up to
   * `c*f`, raised cosine down to 0 at `2*c*f` (1/Å), with `c` this value and `f` the band centre.
   */
  lowPassFraction?: number;
  /** Output buffer, length nx*ny*nz; overwritten and returned (allocated when absent). */
  out?: Float32Array;
}

/**
 * Monogenic amplitude of a map band-passed around one spatial frequency.
 *
 * Formula: `b^(k) = H(|k|) F(k)` with the raised-cosine shell
 * `H(|k|) = 0.5*(1 + cos(pi*(|k| - f)/w))` for `||k| - f| < w`, else 0; Riesz components
 * `(R_j b)^(k) = i*k_j/|k| * b^(k)` for j = x, y, z (multiplier 0 at DC and on the Nyquist plane
 * of axis j for even sizes); amplitude `A = sqrt(b^2 + (R_x b)^2 + (R_y b)^2 + (R_z b)^2)` per
 * voxel. For a plane wave `a*cos(2*pi*k0·x)` with `|k0| = f` on the Fourier grid, `A = a`
 * everywhere. Uses four inverse real FFTs (plus one forward and one inverse when
 * `lowPassFraction > 0`).
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param spectrum half spectrum of the map as returned by `rfft3d`: length `2*nz*ny*hx`,
 *   `hx = floor(nx/2) + 1`, interleaved (re, im), complex index `(z*ny + y)*hx + x`, y and z in
 *   FFT order; not modified
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size along X, Y, Z in Å
 * @param frequencyPerA shell centre `f` in 1/Å (> 0)
 * @param widthPerA shell half-width `w` in 1/Å (> 0): support `f ± w`, full width at half
 *   maximum `w`
 * @param options optional low-pass of the amplitude and output buffer
 * @returns amplitude map, length `nx*ny*nz`, index `(z*ny + y)*nx + x`, in the map's density units
 * @throws Error when the FFT is not loaded
 * @throws RangeError when `spectrum` (or `out`) length does not match `shape`, or
 *   `frequencyPerA`, `widthPerA` are not finite and > 0, or `lowPassFraction` is negative
 * @see shared/spec/local-resolution.md §3 step 2
 */
export function monogenicAmplitude(
  spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, frequencyPerA: number, widthPerA: number,
  options: MonogenicAmplitudeOptions = {},
): Float32Array {
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const hx = (nx >> 1) + 1;
  if (spectrum.length !== 2 * nz * ny * hx) {
    throw new RangeError(`spectrum length must be 2*nz*ny*(floor(nx/2)+1) = ${2 * nz * ny * hx} for shape ${shape.join('x')}, got ${spectrum.length}`);
  }
  if (!(Number.isFinite(frequencyPerA) && frequencyPerA > 0)) throw new RangeError(`frequencyPerA must be a finite number > 0 (1/Å), got ${frequencyPerA}`);
  if (!(Number.isFinite(widthPerA) && widthPerA > 0)) throw new RangeError(`widthPerA must be a finite number > 0 (1/Å), got ${widthPerA}`);
  const lp = options.lowPassFraction ?? 0;
  if (!(Number.isFinite(lp) && lp >= 0)) throw new RangeError(`lowPassFraction must be a finite number >= 0, got ${lp}`);
  const out = options.out ?? new Float32Array(n);
  if (out.length !== n) throw new RangeError(`out length must be nx*ny*nz = ${n}, got ${out.length}`);
  const grid = halfGrid(shape, voxelSizeA);
  amplitudeKernel(spectrum, grid, shape, frequencyPerA, widthPerA, lp, makeScratch(grid), out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Frequencies

/**
 * Resolutions to test, coarse to fine: `d_0 = minResolutionA`, then
 * `f_{i+1} = max(1/(d_i - stepA), f_i + 1/L)` (f = 1/d in 1/Å, L = the shortest box edge in Å, so
 * never finer than the Fourier sampling), while `d >= maxResolutionA`.
 */
function testedFrequencies(minResolutionA: number, maxResolutionA: number, stepA: number, boxA: number): number[] {
  const fMax = 1 / maxResolutionA;
  const fs = [1 / minResolutionA];
  for (;;) {
    const f = fs[fs.length - 1];
    const d = 1 / f;
    const byStep = d - stepA > 0 ? 1 / (d - stepA) : Infinity;
    const next = Math.max(byStep, f + 1 / boxA);
    if (next > fMax * (1 + 1e-9)) break;
    fs.push(next);
  }
  return fs;
}

// ---------------------------------------------------------------------------------------------
// Main entry

/** Input of {@link monogenicLocalResolution}: one map, or two half maps. */
export type MonogenicInput = { map: Volume } | { half1: Volume; half2: Volume };

/** Options of {@link monogenicLocalResolution}. */
export interface MonogenicOptions {
  /** Coarsest resolution tested, Å (default `min(25, L/4)` with L the shortest box edge in Å). */
  minResolutionA?: number;
  /**
   * Finest resolution tested, Å (default Nyquist `2*max(voxelSizeA)`, or with half maps that hold
   * nothing beyond some resolution — low-passed — that resolution; must be >= `2*min(voxelSizeA)`).
   */
  maxResolutionA?: number;
  /**
   * Step between tested resolutions, Å (default 0.5); the step in frequency is never finer than
   * `1/L` (L = shortest box edge in Å).
   */
  stepA?: number;
  /** Significance level: the threshold is the `(1 - alpha)` quantile of the noise amplitude (default 0.05). */
  alpha?: number;
  /** 3x3x3 median filter of the result over mask voxels only (default true). */
  smooth?: boolean;
  /**
   * Low-pass of the amplitude maps (map and noise alike) before thresholding, as a fraction `c` of
   * the tested frequency: multiplier 1 up to `c*f`, raised cosine to 0 at `2*c*f` (default 0.35;
   * 0 = off). Averages the amplitude over about `1/(1.5*c*f)` Å, which steadies the
   * voxel-by-voxel test; larger `c` is more local but noisier.
   */
  amplitudeLowPass?: number;
  /**
   * Report the interpolated crossing between the last tested resolution a voxel passes and the
   * first it fails (default true): the frequency where `ln(amplitude / threshold)` reaches 0,
   * linear in frequency between the two, as RELION and the FSC read a crossing. `false` reports
   * the last passed value, MonoRes' own rule, whose values lie on the `stepA` ladder (a bias of
   * up to one step towards coarse). A voxel that passes the finest tested value keeps it, one that
   * fails the coarsest keeps that.
   */
  interpolate?: boolean;
  /**
   * With half maps: their {@link interpolationTest} when the caller has run it on these very halves
   * (a job's input diagnostics do), used for the default finest tested resolution rather than run
   * again. Not a user option; run here when absent.
   */
  interpolationTest?: InterpolationTest;
  /** Called after each tested frequency with the fraction done in (0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Checked before each tested frequency; when aborted, `signal.reason` is thrown. */
  signal?: AbortSignal;
}

/** Result of {@link monogenicLocalResolution}. */
export interface MonogenicResult {
  /**
   * Local resolution in Å, length nx*ny*nz, index `(z*ny + y)*nx + x`: inside the mask the
   * estimate, outside the coarsest tested value (`tested[0]`).
   */
  resolution: Float32Array;
  /** Resolutions tested, Å, coarse to fine (`1/f_i`). */
  tested: number[];
  /** Raised-cosine half-width used at each tested frequency, 1/Å. */
  bandWidthsPerA: number[];
  /** Noise threshold of the monogenic amplitude at each tested frequency (density units). */
  thresholds: number[];
  /** Fraction of mask voxels still resolved after each tested frequency. */
  resolvedFraction: number[];
  /** Where the noise came from. */
  noiseSource: 'outside-mask' | 'half-map-difference';
  /** Median of the local resolution inside the mask, Å. */
  medianA: number;
  /** 5th percentile inside the mask, Å (finer end). */
  p5A: number;
  /** 95th percentile inside the mask, Å (coarser end). */
  p95A: number;
  /** Settings and caveats to print with the result (§4 good practice). */
  notes: string[];
}

function assertSameGrid(a: Volume, b: Volume, nameA: string, nameB: string): void {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1] || a.shape[2] !== b.shape[2]) {
    throw new RangeError(`${nameA} and ${nameB} boxes differ: ${a.shape.join('x')} vs ${b.shape.join('x')}`);
  }
  for (let i = 0; i < 3; i++) {
    if (Math.abs(a.voxelSizeA[i] - b.voxelSizeA[i]) > 1e-4 * a.voxelSizeA[i]) {
      throw new RangeError(`${nameA} and ${nameB} voxel sizes differ: ${a.voxelSizeA.join(', ')} vs ${b.voxelSizeA.join(', ')} Å`);
    }
  }
}

/**
 * Monogenic local resolution (MonoRes family) of a map or a pair of half maps.
 *
 * Method (spec §3): average map `m = map` or `(h1 + h2)/2`; noise = the voxels of `m` outside
 * the mask (single map) or `(h1 - h2)/2` inside the mask (half maps). For each tested frequency
 * `f_i = 1/d_i`, coarse to fine, the monogenic amplitude `A = sqrt(b^2 + |R b|^2)` of `m`
 * band-passed by a raised-cosine shell centred at `f_i` with half-width
 * `w_i = max(|f_{i+1} - f_i|, 1/L)` (the step to the next tested frequency, the previous one for
 * the last; L = shortest box edge in Å) is computed, then low-passed (option `amplitudeLowPass`);
 * see {@link monogenicAmplitude}. The threshold `t_i` is the `(1 - alpha)` quantile (rank
 * `round((1-alpha)*(count-1))`) of the same amplitude over the noise voxels (for half maps,
 * computed on the noise volume). A mask voxel is resolved at `f_i` when `A > t_i`; its local
 * resolution is `d_j` for the last `j` such that it was resolved at all of `f_0..f_j` (`d_0` when
 * never resolved; the finest `d` when resolved at every `f`), or by default (`interpolate`) the
 * crossing `1/f` between `f_j` and `f_{j+1}` where `ln(A/t)`, linear in f between the two, is 0.
 * Then optionally a 3x3x3 median over mask neighbours only (even counts average
 * the two middle values).
 *
 * Cost: 6 FFTs of the box per tested frequency (12 with half maps). Frequencies after which no
 * voxel is still resolved are skipped (threshold NaN). Synchronous: requires `await loadFft()`
 * (from `src/math/fft.ts`) beforehand.
 *
 * @param input `{ map }` or `{ half1, half2 }`: volumes with `data` length nx*ny*nz, index
 *   `(z*ny + y)*nx + x`, density in arbitrary units; not modified
 * @param mask length nx*ny*nz, same index; values > 0.5 mark the molecule
 * @param options see {@link MonogenicOptions}
 * @returns see {@link MonogenicResult}
 * @throws Error when the FFT has not been loaded with `loadFft()`; `options.signal.reason` when
 *   aborted
 * @throws TypeError when a volume is malformed (see `assertVolume`) or the input has neither
 *   `map` nor `half1`/`half2`
 * @throws RangeError when the half maps' boxes or voxel sizes differ, the mask length is not
 *   nx*ny*nz, the mask is empty, the single-map mask leaves no noise voxels, or an option is out
 *   of range (`alpha` in (0, 1), `stepA` > 0, `maxResolutionA >= 2*min(voxelSizeA)`,
 *   `minResolutionA > maxResolutionA`, `amplitudeLowPass >= 0`)
 * @see shared/spec/local-resolution.md §3, §4
 */
export function monogenicLocalResolution(
  input: MonogenicInput, mask: Uint8Array | Float32Array, options: MonogenicOptions = {},
): MonogenicResult {
  // a box padded with zeros (a box resize): the zeros would enter the noise statistics (outside
  // the mask, or the half difference's) as noise-free voxels; synth_halves128 padded from 128 to
  // 176 voxels moved the domain medians by −0.2 to +0.55 Å. Run on the data's box, put back.
  const vols = 'half1' in input && 'half2' in input ? [input.half1, input.half2] : 'map' in input ? [input.map] : [];
  vols.forEach((v) => assertVolume(v));
  const n = vols[0]?.data.length;
  const content = vols.length > 0 && vols.every((v) => v.data.length === n) && mask.length === n ? nonZeroContentBox(...vols) : undefined;
  if (!content) return monogenicOnBox(input, mask, options);
  const ref = vols[0];
  const cut = (v: Volume) => cutSubBox(v.data, ref.shape, content, ref.voxelSizeA);
  const inner = 'half1' in input && 'half2' in input ? { half1: cut(input.half1), half2: cut(input.half2) } : { map: cut(ref) };
  const r = monogenicOnBox(inner, cutSubBox(mask, ref.shape, content, ref.voxelSizeA).data, options);
  // the padding reads as outside the mask: the coarsest tested value
  const resolution = pasteSubBox(r.resolution, ref.shape, content, r.tested[0]);
  return { ...r, resolution, notes: [`the box is padded with zeros: estimated on the data's box (${subBoxShape(content).join('x')} of ${ref.shape.join('x')})`, ...r.notes] };
}

/**
 * `ln(amplitude / threshold)` clamped to ±20, so that a zero amplitude or threshold gives a finite
 * slope for the interpolated crossing (a ratio beyond e^±20 is a pass or fail by any reading).
 */
function logRatio(amp: number, t: number): number {
  const r = Math.log(Math.max(amp, 1e-30) / Math.max(t, 1e-30));
  return r > 20 ? 20 : r < -20 ? -20 : r;
}

/** {@link monogenicLocalResolution} on a box without zero padding. */
function monogenicOnBox(input: MonogenicInput, mask: Uint8Array | Float32Array, options: MonogenicOptions): MonogenicResult {
  // ---- validation
  let avg: Float32Array;
  let noiseVol: Float32Array | null = null;
  let ref: Volume;
  let halves: [Volume, Volume] | undefined;
  if ('half1' in input && 'half2' in input) {
    assertVolume(input.half1);
    assertVolume(input.half2);
    assertSameGrid(input.half1, input.half2, 'half1', 'half2');
    ref = input.half1;
    halves = [input.half1, input.half2];
    const h1 = input.half1.data;
    const h2 = input.half2.data;
    avg = halfMapMean(h1, h2);
    noiseVol = halfMapHalfDifference(h1, h2);
  } else if ('map' in input) {
    assertVolume(input.map);
    ref = input.map;
    avg = input.map.data;
  } else {
    throw new TypeError('input must be { map } or { half1, half2 }');
  }
  const shape: Shape3 = [ref.shape[0], ref.shape[1], ref.shape[2]];
  const voxelSizeA: Vec3 = [ref.voxelSizeA[0], ref.voxelSizeA[1], ref.voxelSizeA[2]];
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  if (!(mask instanceof Uint8Array || mask instanceof Float32Array)) throw new TypeError('mask must be a Uint8Array or Float32Array');
  if (mask.length !== n) throw new RangeError(`mask length must be nx*ny*nz = ${n} for box ${shape.join('x')}, got ${mask.length}`);
  let inCount = 0;
  for (let i = 0; i < n; i++) if (mask[i] > 0.5) inCount++;
  if (inCount === 0) throw new RangeError('mask is empty: no voxel > 0.5');
  const halfMode = noiseVol !== null;
  const noiseCount = halfMode ? inCount : n - inCount;
  if (noiseCount === 0) throw new RangeError('mask covers the whole box: a single map needs noise voxels outside the mask (or pass half maps)');

  const boxA = Math.min(nx * voxelSizeA[0], ny * voxelSizeA[1], nz * voxelSizeA[2]);
  const aMin = Math.min(...voxelSizeA);
  const aMax = Math.max(...voxelSizeA);
  // half maps that hold nothing beyond some resolution (low-passed), or only the images of coarser
  // shells (interpolated onto a finer grid), are tested no finer than that
  // (one map: only interpolated ones)
  const ladder = options.maxResolutionA !== undefined ? undefined : halves ? halfMapFinestTestedA(halves[0], halves[1], options.interpolationTest) : mapFinestTestedA(ref);
  const maxResolutionA = options.maxResolutionA ?? ladder?.finestA ?? 2 * aMax;
  const minResolutionA = options.minResolutionA ?? Math.max(Math.min(25, boxA / 4), maxResolutionA);
  const stepA = options.stepA ?? 0.5;
  const alpha = options.alpha ?? 0.05;
  const smooth = options.smooth ?? true;
  const lowPass = options.amplitudeLowPass ?? 0.35;
  const interpolate = options.interpolate ?? true;
  if (!(Number.isFinite(maxResolutionA) && maxResolutionA >= 2 * aMin * (1 - 1e-9))) {
    throw new RangeError(`maxResolutionA must be >= Nyquist 2*min(voxelSizeA) = ${2 * aMin} Å, got ${maxResolutionA}`);
  }
  if (!(Number.isFinite(minResolutionA) && minResolutionA >= maxResolutionA)) {
    throw new RangeError(`minResolutionA must be a finite number >= maxResolutionA = ${maxResolutionA} Å, got ${minResolutionA}`);
  }
  if (!(Number.isFinite(stepA) && stepA > 0)) throw new RangeError(`stepA must be a finite number > 0 (Å), got ${stepA}`);
  if (!(Number.isFinite(alpha) && alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(Number.isFinite(lowPass) && lowPass >= 0)) throw new RangeError(`amplitudeLowPass must be a finite number >= 0, got ${lowPass}`);

  // ---- set-up
  const fs = testedFrequencies(minResolutionA, maxResolutionA, stepA, boxA);
  const nf = fs.length;
  const widths = fs.map((f, i) => {
    const step = nf === 1 ? 0 : i + 1 < nf ? fs[i + 1] - f : f - fs[i - 1];
    return Math.max(step, 1 / boxA);
  });
  const tested = fs.map((f) => 1 / f);

  const maskIdx = new Int32Array(inCount);
  const noiseIdx = halfMode ? maskIdx : new Int32Array(noiseCount);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (mask[i] > 0.5) maskIdx[a++] = i;
    else if (!halfMode) noiseIdx[b++] = i;
  }
  const grid = halfGrid(shape, voxelSizeA);
  const scratch = makeScratch(grid);
  const specMap = rfft3d(avg, shape);
  const specNoise = noiseVol ? rfft3d(noiseVol, shape) : null;
  const ampMap = new Float32Array(n);
  const ampNoise = halfMode ? new Float32Array(n) : ampMap;
  const noiseValues = new Float32Array(noiseCount);
  const resMasked = new Float32Array(inCount).fill(tested[0]);
  const alive = new Uint8Array(inCount).fill(1);
  // ln(amplitude / threshold) at the last tested value each voxel passed (> 0), for the crossing
  const lastLogRatio = new Float32Array(inCount);
  let aliveCount = inCount;
  const thresholds: number[] = [];
  const resolvedFraction: number[] = [];

  // ---- scan coarse to fine
  for (let fi = 0; fi < nf; fi++) {
    options.signal?.throwIfAborted();
    if (aliveCount === 0) {
      thresholds.push(Number.NaN);
      resolvedFraction.push(0);
      options.onProgress?.((fi + 1) / nf);
      continue;
    }
    const f = fs[fi];
    const w = widths[fi];
    amplitudeKernel(specMap, grid, shape, f, w, lowPass, scratch, ampMap);
    if (specNoise) amplitudeKernel(specNoise, grid, shape, f, w, lowPass, scratch, ampNoise);
    for (let j = 0; j < noiseCount; j++) noiseValues[j] = ampNoise[noiseIdx[j]];
    const t = quantileByRank(noiseValues, noiseCount, 1 - alpha);
    thresholds.push(t);
    const d = tested[fi];
    for (let j = 0; j < inCount; j++) {
      if (!alive[j]) continue;
      const amp = ampMap[maskIdx[j]];
      if (amp > t) {
        resMasked[j] = d;
        if (interpolate) lastLogRatio[j] = logRatio(amp, t);
      } else {
        alive[j] = 0;
        aliveCount--;
        if (interpolate && fi > 0) {
          // crossing of ln(amp/t) = 0 between the previous tested frequency (passed) and this one
          const lp = lastLogRatio[j];
          const lc = logRatio(amp, t);
          const frac = lp - lc > 0 ? lp / (lp - lc) : 1;
          resMasked[j] = 1 / (fs[fi - 1] + frac * (f - fs[fi - 1]));
        }
      }
    }
    resolvedFraction.push(aliveCount / inCount);
    options.onProgress?.((fi + 1) / nf);
  }

  // ---- assemble, smooth
  const resolution = new Float32Array(n).fill(tested[0]);
  for (let j = 0; j < inCount; j++) resolution[maskIdx[j]] = resMasked[j];
  if (smooth) {
    const win = new Float32Array(27);
    const plane = nx * ny;
    for (let j = 0; j < inCount; j++) {
      const i = maskIdx[j];
      const x = i % nx;
      const y = ((i - x) / nx) % ny;
      const z = Math.floor(i / plane);
      let c = 0;
      for (let dz = -1; dz <= 1; dz++) {
        const zz = z + dz;
        if (zz < 0 || zz >= nz) continue;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= ny) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= nx) continue;
            const q = (zz * ny + yy) * nx + xx;
            if (mask[q] > 0.5) win[c++] = resolution[q];
          }
        }
      }
      // c >= 1 (the voxel itself)
      const hi = selectKth(win, c, c >> 1);
      resMasked[j] = c % 2 === 1 ? hi : 0.5 * (hi + selectKth(win, c, (c >> 1) - 1));
    }
    for (let j = 0; j < inCount; j++) resolution[maskIdx[j]] = resMasked[j];
  }

  const stats = new Float32Array(inCount);
  for (let j = 0; j < inCount; j++) stats[j] = resolution[maskIdx[j]];
  const medianA = quantileByRank(stats, inCount, 0.5);
  const p5A = quantileByRank(stats, inCount, 0.05);
  const p95A = quantileByRank(stats, inCount, 0.95);

  const notes = [
    ...(ladder?.contentLimitA !== undefined ? [ladder.cause === 'interpolated' ? `the ${halves ? 'half maps look' : 'map looks'} interpolated onto a finer grid: beyond ${ladder.contentLimitA.toFixed(2)} Å only the images of coarser shells; tested no finer than that` : `the half maps hold nothing beyond ${ladder.contentLimitA.toFixed(2)} Å (low-passed): tested no finer than that`] : []),
    `monogenic local resolution: ${nf} frequencies ${tested[0].toFixed(2)}..${tested[nf - 1].toFixed(2)} Å (step ${stepA} Å, at least 1/${boxA.toFixed(1)} 1/Å), raised-cosine shells, alpha ${alpha}, ${interpolate ? 'crossing interpolated between tested frequencies' : 'last passed tested value (no interpolation)'}, amplitude low-pass ${lowPass}*f, median filter ${smooth ? '3x3x3 in mask' : 'off'}`,
    halfMode
      ? 'noise: (half1 - half2)/2 inside the mask'
      : 'noise: map outside the mask; a single-map estimate depends on the mask and is biased by masking or sharpening of the input: prefer half maps',
    'local resolution is relative to its method and window: values from different tools are not interchangeable',
  ];
  return {
    resolution, tested, bandWidthsPerA: widths, thresholds, resolvedFraction,
    noiseSource: halfMode ? 'half-map-difference' : 'outside-mask',
    medianA, p5A, p95A, notes,
  };
}
