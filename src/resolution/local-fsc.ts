/**
 * Local resolution by local FSC (the blocres family): FSC of two half maps in small windows on a
 * grid, interpolated to every voxel of a mask.
 * @see shared/spec/local-resolution.md §2
 */
import type { Shape3, Volume } from '../core/volume.js';
import { reflectIndex } from '../filters/max-filter.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { mulberry32 } from '../math/random.js';
import { assertSameHalfMapGrid, fourierShellCorrelation, fscFromSpectra, resolutionAtThreshold, shellIndex } from './fsc.js';
import { inscribedEllipsoidMask } from '../math/inscribed-ellipsoid.js';
import { quantileByRank } from '../math/select.js';
import { softenMask } from './soft-mask.js';
import { prewhitenHalfMaps } from './prewhiten.js';
import { cutSubBox, pasteSubBox, regionSubBox } from './sub-box.js';
import { DEFAULT_INTERVAL_Z, fscCrossingInterval, HANN3D_INDEPENDENT_FRACTION } from './locres-uncertainty.js';

/**
 * Default FSC threshold of the calibrated local FSC (with pre-whitening): chosen from
 * measurements on synthetic half maps with known local resolution (synth_halves128 and the cases
 * of `bench/locres-accuracy.ts`), where 0.3 gives the smallest mean absolute error and median
 * bias within ±0.3 Å except at SNR 2 (+0.5 Å: a fixed threshold reads low-SNR regions coarser).
 * A small window's FSC is a noisier, smoothed version of the global one, so 0.143 there reads
 * finer than the truth (−0.3 to −0.9 Å). The global 0.143 stays the default of `occupy fsc` and
 * of `--relion`.
 */
export const CALIBRATED_THRESHOLD = 0.3;
// Measured (bench/locres-accuracy.ts, pre-whitened, default window): median bias on
// synth_halves128 / 0.9 Å SNR 3 / 1.2 Å SNR 2 / 1.5 Å SNR 4 / 1.0 Å SNR 2.5 was
// −0.33 / −0.64 / −0.04 / −0.86 / −0.34 Å at 0.143, −0.01 / −0.22 / +0.34 / −0.46 / −0.14 at 0.25,
// +0.09 / −0.07 / +0.51 / −0.27 / +0.04 at 0.3 (lowest MAE at 0.3 in four of five cases).

/** Options of {@link localFsc}. */
export interface LocalFscOptions {
  /** Where to report: voxels > 0.5 (default: the sphere inscribed in the box). Same box as the halves. */
  mask?: Float32Array;
  /** Window edge in voxels (even); default from the global resolution d: round(6·d/a) made even, >= 16. */
  windowVoxels?: number;
  /** Grid spacing in voxels; default {@link defaultStep}: max(1, round(window/4)). */
  stepVoxels?: number;
  /** FSC threshold, default {@link CALIBRATED_THRESHOLD}. */
  threshold?: number;
  /**
   * Pre-whiten both halves (see `prewhiten.ts`) before cutting windows: removes the correlation
   * that the window's spectral leakage of the shared low-frequency signal imposes on the high
   * shells. Default true; false gives the plain blocres-style estimate.
   */
  whiten?: boolean;
  /** Half-width in standard errors of the FSC band behind the per-voxel interval (default 0.6, calibrated to about 90 % coverage); see `locres-uncertainty.ts`. */
  intervalZ?: number;
  /** Lowest (coarsest) allowed resolution in Å, default 50; also the value written outside the mask. */
  lowestResolutionA?: number;
  /** Correct for window-induced noise correlation by phase randomisation beyond this resolution (Å). */
  randomizeAtA?: number;
  /** Seed of the phase randomisation. */
  seed?: number;
  /** Progress callback, fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

/** Result of {@link localFsc}. */
export interface LocalFscResult {
  /** Local resolution in Å, same box as the halves; `lowestResolutionA` outside the mask. */
  resolution: Volume;
  /**
   * Finer end of each voxel's interval in Å (the upper FSC band's crossing; about 90 % coverage
   * on synthetic data, see `locres-uncertainty.ts`), same layout;
   * `lowestResolutionA` outside the mask.
   */
  low: Volume;
  /** Coarser end of each voxel's interval in Å (the lower FSC band's crossing), same layout. */
  high: Volume;
  /**
   * 1 where the FSC of the nearest windows never fell below the threshold up to Nyquist (the value
   * there is Nyquist, 2a, a bound: the true local resolution is that or finer), else 0; same layout.
   */
  pinned: Uint8Array;
  /** Mask voxels flagged in `pinned`. */
  pinnedVoxels: number;
  /** Finest reported value, Nyquist 2a, Å. */
  finestA: number;
  /** Whether the halves were pre-whitened. */
  whitened: boolean;
  /** Global FSC resolution (Å) used for the default window (with the soft mask when given). */
  globalResolutionA: number;
  windowVoxels: number;
  stepVoxels: number;
  threshold: number;
  lowestResolutionA: number;
  /** Number of windows evaluated. */
  points: number;
  /** Median, 5th and 95th percentile of the local resolution inside the mask, Å. */
  medianA: number;
  p5A: number;
  p95A: number;
  /** Voxels inside the mask. */
  maskVoxels: number;
}

/** Default window edge from the global resolution (spec §2.5): round(6·d/a), made even, at least 16. */
export function defaultWindow(globalResolutionA: number, voxelSizeA: number): number {
  let w = Math.round((6 * globalResolutionA) / voxelSizeA);
  if (w % 2 !== 0) w += 1;
  return Math.max(16, w);
}

/**
 * Default grid spacing: max(1, round(window/4)). The spec (§2.5) suggests window/6; measured on
 * synth_halves128 and the synthetic cases of `bench/locres-accuracy.ts`, window/4 changes the MAE
 * by ≤ 0.04 Å and r by ≤ 0.02 (the window, not the grid, limits the spatial detail) with 2–4.6×
 * fewer windows (issue 16: a 256³ map with a mask in ≤ 15 s).
 */
export function defaultStep(windowVoxels: number): number {
  return Math.max(1, Math.round(windowVoxels / 4));
}

/** 1D Hann window of length w: 0.5 − 0.5·cos(2π(t+0.5)/w). */
function hann(w: number): Float32Array {
  const out = new Float32Array(w);
  for (let t = 0; t < w; t++) out[t] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (t + 0.5)) / w);
  return out;
}

/**
 * Randomise the phases of a map beyond a resolution (|f| > 1/resolutionA), keeping amplitudes:
 * the noise reference of the window-correlation correction (spec §2.7).
 */
export function randomizePhasesBeyond(v: Volume, resolutionA: number, seed: number): Volume {
  const [nx, ny, nz] = v.shape;
  const hx = (nx >> 1) + 1;
  const spec = rfft3d(v.data, v.shape);
  const rand = mulberry32(seed);
  const fLim = 1 / resolutionA;
  const ex = nx * v.voxelSizeA[0];
  const ey = ny * v.voxelSizeA[1];
  const ez = nz * v.voxelSizeA[2];
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / ez;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ey;
      for (let x = 0; x < hx; x++) {
        const fx = x / ex;
        if (Math.sqrt(fx * fx + fy * fy + fz * fz) <= fLim) continue;
        const i = 2 * ((z * ny + y) * hx + x);
        const amp = Math.hypot(spec[i], spec[i + 1]);
        const ph = 2 * Math.PI * rand();
        spec[i] = amp * Math.cos(ph);
        spec[i + 1] = amp * Math.sin(ph);
      }
    }
  }
  return { data: irfft3d(spec, v.shape), shape: v.shape, voxelSizeA: v.voxelSizeA };
}

/**
 * Local FSC resolution (spec §2), calibrated: both halves are first pre-whitened by their common
 * radial power (`prewhiten.ts`; `whiten: false` skips it), so the window's leakage of the shared
 * low-frequency signal no longer correlates the high shells. At each grid point (spacing `step`)
 * near the mask, the `w³` cube centred there is cut from both halves (mirrored at the box border),
 * multiplied by a 3D Hann window and Fourier transformed; the local resolution is where the
 * windows' FSC first falls below the threshold (`w·a/k`, interpolated; default
 * {@link CALIBRATED_THRESHOLD}), clamped to [2a, lowest]. A window whose FSC never falls below it
 * is pinned: its value is Nyquist (2a), a bound, and its voxels are flagged in `pinned`. Each
 * window also gives an interval (`fscCrossingInterval`). The grid values are spread to every mask
 * voxel by trilinear interpolation (a voxel is pinned when the interpolated flag is ≥ 0.5).
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny+y)*nx+x, Å voxel size); not modified
 * @param half2 second half map, same box and voxel size
 * @returns maps in Å (same layout), pinned flags and statistics, see {@link LocalFscResult}
 * @throws RangeError for mismatched boxes/voxel sizes, a mask of another box, a window larger than
 *   the box or out-of-range options
 * @see shared/spec/local-resolution.md §2; issue 16 (calibration); `bench/locres-accuracy.ts`
 */
export function localFsc(half1: Volume, half2: Volume, options: LocalFscOptions = {}): LocalFscResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  if (options.mask && options.mask.length !== n) throw new RangeError(`--mask has ${options.mask.length} voxels, the half maps ${n} (${nx}x${ny}x${nz})`);
  const a = Math.max(...half1.voxelSizeA);
  const threshold = options.threshold ?? CALIBRATED_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`--threshold must be in (0, 1), got ${threshold}`);
  const lowest = options.lowestResolutionA ?? 50;
  if (!(lowest > 2 * a)) throw new RangeError(`the lowest resolution must be coarser than Nyquist (${2 * a} Å), got ${lowest}`);
  const zBand = options.intervalZ ?? DEFAULT_INTERVAL_Z;
  if (!(zBand >= 0 && Number.isFinite(zBand))) throw new RangeError(`intervalZ must be a finite number >= 0, got ${zBand}`);
  const progress = options.onProgress ?? (() => {});

  // Report region.
  let region: Uint8Array;
  if (options.mask) {
    const m = options.mask;
    region = new Uint8Array(n);
    for (let i = 0; i < n; i++) region[i] = m[i] > 0.5 ? 1 : 0;
  } else {
    region = inscribedEllipsoidMask(shape);
  }
  let maskVoxels = 0;
  for (let i = 0; i < n; i++) maskVoxels += region[i];
  if (maskVoxels === 0) throw new RangeError('the mask selects no voxel (no value > 0.5)');

  // Global resolution (soft-masked when a mask is given) for the default window.
  // (on the region's sub-box when it is much smaller than the box: the soft-masked maps are 0
  // beyond the mask's soft edge, about 3σ = 6 voxels)
  const a0 = half1.voxelSizeA;
  const gBox = options.mask ? regionSubBox(region, shape, 12) : undefined;
  let globalResolutionA: number;
  if (gBox) {
    const r = cutSubBox(region, shape, gBox, a0);
    const soft = softenMask(r.data, r.shape);
    globalResolutionA = resolutionAtThreshold(fourierShellCorrelation(cutSubBox(half1.data, shape, gBox, a0), cutSubBox(half2.data, shape, gBox, a0), soft), 0.143).resolutionA;
  } else {
    const soft = options.mask ? softenMask(region, shape) : undefined;
    globalResolutionA = resolutionAtThreshold(fourierShellCorrelation(half1, half2, soft), 0.143).resolutionA;
  }
  const w = options.windowVoxels ?? defaultWindow(globalResolutionA, a);
  if (!Number.isInteger(w) || w < 4) throw new RangeError(`--window must be an integer >= 4 voxels, got ${w}`);
  if (w > Math.min(nx, ny, nz)) throw new RangeError(`--window ${w} voxels is larger than the box ${nx}x${ny}x${nz}`);
  const s = options.stepVoxels ?? defaultStep(w);
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`--step must be a positive integer, got ${s}`);

  const whitened = options.whiten ?? true;
  // pre-whitening on the sub-box the windows reach (w/2 + s beyond the region) plus a margin that
  // keeps the sub-box's periodic wrap-around out of them, when that is much smaller than the box
  let in1: Volume = half1;
  let in2: Volume = half2;
  if (whitened) {
    const wBox = regionSubBox(region, shape, w + 2 * s);
    if (wBox) {
      const [w1, w2] = prewhitenHalfMaps(cutSubBox(half1.data, shape, wBox, a0), cutSubBox(half2.data, shape, wBox, a0));
      in1 = { data: pasteSubBox(w1.data, shape, wBox), shape, voxelSizeA: [...a0] };
      in2 = { data: pasteSubBox(w2.data, shape, wBox), shape, voxelSizeA: [...a0] };
    } else {
      [in1, in2] = prewhitenHalfMaps(half1, half2);
    }
  }
  let noise1: Volume | undefined;
  let noise2: Volume | undefined;
  if (options.randomizeAtA !== undefined) {
    if (!(options.randomizeAtA > 2 * a)) throw new RangeError(`--randomize-at must be coarser than Nyquist (${2 * a} Å), got ${options.randomizeAtA}`);
    noise1 = randomizePhasesBeyond(in1, options.randomizeAtA, (options.seed ?? 1) * 2);
    noise2 = randomizePhasesBeyond(in2, options.randomizeAtA, (options.seed ?? 1) * 2 + 1);
  }

  // Grid points whose cube [p - s, p + s] touches the region (all 8 corners of a region voxel).
  const gx = Math.floor((nx - 1) / s) + 1;
  const gy = Math.floor((ny - 1) / s) + 1;
  const gz = Math.floor((nz - 1) / s) + 1;
  const near = nearRegion(region, shape, s, [gx, gy, gz]);
  const nGrid = gx * gy * gz;
  const grid = new Float32Array(nGrid).fill(Number.NaN);
  const gridLow = new Float32Array(nGrid).fill(Number.NaN);
  const gridHigh = new Float32Array(nGrid).fill(Number.NaN);
  const gridPinned = new Float32Array(nGrid).fill(Number.NaN);
  const wShape: Shape3 = [w, w, w];
  const shells = shellIndex(wShape, [a, a, a]);
  const win = hann(w);
  const cube1 = new Float32Array(w * w * w);
  const cube2 = new Float32Array(w * w * w);
  const bandScratch: [Float64Array, Float64Array] = [new Float64Array(shells.nShells), new Float64Array(shells.nShells)];
  const half = w / 2;
  const cut = (src: Float32Array, px: number, py: number, pz: number, dst: Float32Array) => {
    let i = 0;
    const x0 = px - half;
    if (x0 >= 0 && py - half >= 0 && pz - half >= 0 && x0 + w <= nx && py - half + w <= ny && pz - half + w <= nz) {
      // fully inside the box: no mirroring, stride-1 rows
      for (let k = 0; k < w; k++) {
        const wz = win[k];
        for (let j = 0; j < w; j++) {
          const wzy = wz * win[j];
          const o = ((pz - half + k) * ny + (py - half + j)) * nx + x0;
          for (let t = 0; t < w; t++) dst[i++] = src[o + t] * wzy * win[t];
        }
      }
      return;
    }
    for (let k = 0; k < w; k++) {
      const z = reflectIndex(pz - half + k, nz);
      const wz = win[k];
      for (let j = 0; j < w; j++) {
        const y = reflectIndex(py - half + j, ny);
        const wzy = wz * win[j];
        const o = (z * ny + y) * nx;
        for (let t = 0; t < w; t++) dst[i++] = src[o + reflectIndex(px - half + t, nx)] * wzy * win[t];
      }
    }
  };
  const windowCurve = (d1: Float32Array, d2: Float32Array, px: number, py: number, pz: number) => {
    cut(d1, px, py, pz, cube1);
    cut(d2, px, py, pz, cube2);
    return fscFromSpectra(rfft3d(cube1, wShape), rfft3d(cube2, wShape), wShape, [a, a, a], shells);
  };
  const total = near.reduce((acc, v) => acc + v, 0);
  let done = 0;
  const fLimShell = options.randomizeAtA !== undefined ? (w * a) / options.randomizeAtA : Infinity;
  const clamp = (r: number) => Math.min(lowest, Math.max(2 * a, r));
  for (let k = 0; k < gz; k++) {
    for (let j = 0; j < gy; j++) {
      for (let i = 0; i < gx; i++) {
        const g = (k * gy + j) * gx + i;
        if (!near[g]) continue;
        const curve = windowCurve(in1.data, in2.data, i * s, j * s, k * s);
        const fsc = curve.fsc;
        if (noise1 && noise2) {
          const fn = windowCurve(noise1.data, noise2.data, i * s, j * s, k * s).fsc;
          for (let sh = 0; sh < fsc.length; sh++) {
            if (sh > fLimShell && fn[sh] < 1) fsc[sh] = (fsc[sh] - fn[sh]) / (1 - fn[sh]);
          }
        }
        const r = resolutionAtThreshold({ fsc, shellWidthPerA: shells.shellWidthPerA }, threshold);
        const iv = fscCrossingInterval(fsc, curve.count, shells.shellWidthPerA, threshold, HANN3D_INDEPENDENT_FRACTION, zBand, bandScratch);
        grid[g] = clamp(r.resolutionA);
        gridLow[g] = Math.min(grid[g], clamp(iv.lowA));
        gridHigh[g] = Math.max(grid[g], clamp(iv.highA));
        gridPinned[g] = r.crossed ? 0 : 1;
        if (++done % 64 === 0) progress(done / total);
      }
    }
  }
  progress(1);

  // Trilinear interpolation of the grids into the region; lowest resolution elsewhere.
  const out = new Float32Array(n).fill(lowest);
  const outLow = new Float32Array(n).fill(lowest);
  const outHigh = new Float32Array(n).fill(lowest);
  const pinned = new Uint8Array(n);
  const values = new Float32Array(maskVoxels);
  let nIn = 0;
  let pinnedVoxels = 0;
  const interp = trilinear([gx, gy, gz], s);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const idx = (z * ny + y) * nx + x;
        if (!region[idx]) continue;
        const v = interp(grid, x, y, z, lowest);
        out[idx] = v;
        outLow[idx] = Math.min(v, interp(gridLow, x, y, z, lowest));
        outHigh[idx] = Math.max(v, interp(gridHigh, x, y, z, lowest));
        if (interp(gridPinned, x, y, z, 0) >= 0.5) {
          pinned[idx] = 1;
          pinnedVoxels++;
        }
        values[nIn++] = v;
      }
    }
  }
  const geom = (data: Float32Array): Volume => ({ data, shape, voxelSizeA: [...half1.voxelSizeA] });
  return {
    resolution: geom(out),
    low: geom(outLow),
    high: geom(outHigh),
    pinned,
    pinnedVoxels,
    finestA: 2 * a,
    whitened,
    globalResolutionA,
    windowVoxels: w,
    stepVoxels: s,
    threshold,
    lowestResolutionA: lowest,
    points: done,
    medianA: quantileByRank(values, nIn, 0.5),
    p5A: quantileByRank(values, nIn, 0.05),
    p95A: quantileByRank(values, nIn, 0.95),
    maskVoxels,
  };
}

/**
 * Trilinear interpolation of a grid of values at spacing s (grid index (k*gy + j)*gx + i at voxel
 * (i·s, j·s, k·s)); NaN grid points (not evaluated) take the value of the voxel's lower corner,
 * or `fallback` when that is NaN too.
 */
function trilinear(g: [number, number, number], s: number): (grid: Float32Array, x: number, y: number, z: number, fallback: number) => number {
  const [gx, gy, gz] = g;
  const at = (grid: Float32Array, i: number, j: number, k: number, fb: number): number => {
    const v = grid[(Math.min(k, gz - 1) * gy + Math.min(j, gy - 1)) * gx + Math.min(i, gx - 1)];
    return v === v ? v : fb; // NaN check
  };
  return (grid, x, y, z, fallback) => {
    const kx = Math.floor(x / s), ky = Math.floor(y / s), kz = Math.floor(z / s);
    const tx = (x - kx * s) / s, ty = (y - ky * s) / s, tz = (z - kz * s) / s;
    const c000 = at(grid, kx, ky, kz, fallback);
    return (
      (1 - tz) * ((1 - ty) * ((1 - tx) * c000 + tx * at(grid, kx + 1, ky, kz, c000)) + ty * ((1 - tx) * at(grid, kx, ky + 1, kz, c000) + tx * at(grid, kx + 1, ky + 1, kz, c000))) +
      tz * ((1 - ty) * ((1 - tx) * at(grid, kx, ky, kz + 1, c000) + tx * at(grid, kx + 1, ky, kz + 1, c000)) + ty * ((1 - tx) * at(grid, kx, ky + 1, kz + 1, c000) + tx * at(grid, kx + 1, ky + 1, kz + 1, c000)))
    );
  };
}

/** Grid points (spacing s) with a region voxel within s along every axis. */
function nearRegion(region: Uint8Array, shape: Shape3, s: number, g: [number, number, number]): Uint8Array {
  const [nx, ny, nz] = shape;
  const [gx, gy, gz] = g;
  const near = new Uint8Array(gx * gy * gz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        if (!region[(z * ny + y) * nx + x]) continue;
        // this voxel's 8 surrounding grid points
        const k0 = Math.floor(z / s), j0 = Math.floor(y / s), i0 = Math.floor(x / s);
        for (let k = k0; k <= Math.min(k0 + 1, gz - 1); k++) for (let j = j0; j <= Math.min(j0 + 1, gy - 1); j++) for (let i = i0; i <= Math.min(i0 + 1, gx - 1); i++) near[(k * gy + j) * gx + i] = 1;
      }
    }
  }
  return near;
}
