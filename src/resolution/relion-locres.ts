/**
 * RELION 3.1's local resolution (`relion_postprocess --locres`), reproduced so that a RELION
 * figure can be remade in seconds: soft spherical windows on a grid, phase-randomisation
 * correction, FSC 0.143 at RELION's shell sampling, window-weighted harmonic mean.
 *
 * @see shared/spec/local-resolution.md §2 (the RELION variant), §2.7 (phase randomisation)
 * @see RELION 3.1 `src/postprocessing.cpp`, `Postprocessing::run_locres` and `calculateFSCtrue`
 */
import type { Volume } from '../core/volume.js';
import { cornerRfft3d, cornerWork } from '../math/fft.js';
import { relionPhaseSampler } from '../math/relion-random.js';
import { randomisePhasesBeyond, solventOffsets } from './fsc-corrected.js';
import { quantileByRank } from '../math/select.js';
import { assertSameHalfMapGrid } from './fsc.js';
import { RELION_SAMPLING_A } from './locres-defaults.js';

/** Options of {@link relionLocalResolution}; defaults are RELION 3.1's. */
export interface RelionLocresOptions {
  /** `--locres_sampling`: grid spacing of the windows in Å (default 25). */
  samplingA?: number;
  /** `--locres_maskrad`: radius of the flat part of each spherical window in Å (default sampling / 2). */
  maskRadiusA?: number;
  /** `--locres_edgwidth`: width of the raised-cosine edge in Å (default sampling). */
  edgeWidthA?: number;
  /** `--locres_randomize_at`: phases are randomised from this resolution in Å (default 25). */
  randomizeAtA?: number;
  /** `--locres_minres`: coarsest local resolution in Å (default 50); also written where no window reaches. */
  minResolutionA?: number;
  /**
   * Report region: only windows whose support reaches a voxel > 0.5 are evaluated (RELION
   * evaluates all of them; values inside the region are the same). Length nx*ny*nz.
   */
  mask?: Float32Array;
  /**
   * Edge of the Fourier box of each window (even or the box edge, at least the window's support;
   * default the box edge n, as RELION transforms it: exact). A smaller box samples each window's transform at
   * `k/P` and interpolates its FSC at RELION's shells `i/n`, which reads finer than RELION where
   * the FSC falls steeply (it did so by default until session 41): on reference-style phantoms
   * (96³, median inside the mask, smallest FFT-friendly P holding the window) −0.17 Å at 1 Å
   * voxels, −0.65 Å at 1.43 Å, −1.12 Å at 1.5 Å; synth_halves128 (128³, 1 Å, P = 32) 0.10 Å from
   * RELION's own map, a 128³ phantom at 1.43 Å 1.09 Å. About seven times faster at 128³ and only
   * for exploration. When the window's support is larger than the box, the default is the
   * smallest FFT-friendly box holding the support.
   */
  fftBox?: number;
  /**
   * With `mask`: subtract each half's mean outside the mask before the windows (as
   * `correctedFsc`'s `subtractSolventMean`; default: only when a half's mean there is more than
   * 0.5 of its SD from 0, so half maps with their solvent at 0 give RELION's map exactly). A
   * constant left in both halves is a term both windows share: `synth_halves128` ± 0.05 (2
   * solvent SD) had read a median of 5.08 / 4.54 Å against 4.74 Å, + 0.2 6.13 Å. Without a mask
   * nothing is subtracted (there is no region known to be solvent).
   */
  subtractSolventMean?: boolean;
  /** Seed of the phase randomisation (RELION's `--random_seed`, default 0; glibc's `rand()` as RELION draws it, `math/relion-random.ts`). */
  seed?: number;
  /** Progress callback, fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

/** Result of {@link relionLocalResolution}. */
export interface RelionLocresResult {
  /**
   * Local resolution in Å, same box as the halves: `1 / (Σ_w m_w/r_w / Σ_w m_w)` over the windows
   * w (weights m_w) covering a voxel; `minResolutionA` where no evaluated window reaches.
   */
  resolution: Volume;
  /** Settings in voxels and shells as RELION rounds them. */
  samplingVoxels: number;
  maskRadiusVoxels: number;
  edgeWidthVoxels: number;
  /** Shell from which phases are randomised, `int(n·a / randomizeAtA)`. */
  randomizeShell: number;
  fftBox: number;
  /** Windows evaluated. */
  points: number;
  /** Windows whose corrected FSC never fell below 0.143 (value = Nyquist, 2a). */
  pinnedWindows: number;
  minResolutionA: number;
  /**
   * Solvent means outside the mask subtracted from half 1 and half 2 before the windows (map
   * units), or `null` when nothing was subtracted (no mask, within 0.5 SD of 0, or `subtractSolventMean: false`).
   */
  solventMeans: [number, number] | null;
  /** Median, 5th and 95th percentile inside the mask (or where a window reached), Å. */
  medianA: number;
  p5A: number;
  p95A: number;
}

/** C/C++ ROUND of RELION (half away from zero). */
function round(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : Math.ceil(x - 0.5);
}

/** Smallest even size ≥ n whose prime factors are 2, 3 and 5. */
export function fftFriendlySize(n: number): number {
  for (let m = Math.max(2, n + (n % 2)); ; m += 2) {
    let r = m;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return m;
  }
}

export { RELION_SAMPLING_A } from './locres-defaults.js';

/** RELION's default resolution (Å) from which the half maps' phases are randomised (`--locres`). */
export const RELION_RANDOMIZE_AT_A = 25;

/**
 * RELION 3.1 `--locres` (spec §2, RELION variant). Windows are centred on the grid
 * `x = n/2 + j·s` (s = round(sampling/a), j any integer, likewise y, z) within the sphere of radius
 * `n/2 − round(maskrad/a)` around the box centre. Window m(d) = 1 for d < R, 0 for d > R + E,
 * `0.5 − 0.5·cos(π(R + E − d)/E)` between (d = distance in voxels to the centre, R = round(maskrad/a),
 * E = round(edgwidth/a)). Both halves and both phase-randomised halves (phases randomised for
 * `|k| ≥ int(n·a/randomize_at)`) are multiplied by m and Fourier transformed; the FSC per shell
 * `i = round(|k|)` (half spectrum, as RELION sums) is corrected as
 * `FSC_true = (FSC_t − FSC_n) / (1 − FSC_n)` for `i ≥ randomize_shell + 2`; the window's resolution
 * is `n·a/i` for the last shell i before FSC_true first falls below 0.143 (999 Å when shell 1
 * already does), capped at `minResolutionA`. A voxel's value is the harmonic mean of the windows'
 * resolutions weighted by m.
 *
 * Each window is transformed in the whole box, as RELION does, and the phase randomisation draws
 * RELION's own sequence (glibc `rand()`, `math/relion-random.ts`, through `fsc-corrected.ts`
 * `randomisePhasesBeyond`): the map is RELION 3.1.3's (synth_halves128: median |difference| 0.000 Å,
 * 90th percentile 0.00 Å inside the mask; a 96³ phantom at 1.43 Å: 0.00 Å). The one difference:
 * with a `mask` only the windows reaching it are evaluated (values inside it are unchanged), and the
 * transforms skip the zero rows and planes around each window's support (synth_halves128 with its
 * mask: 314 windows in 10 s, against RELION's 153–180 s for all of its windows). A smaller
 * `fftBox` is faster but reads finer than RELION (see there).
 *
 * @param half1 first half map; cubic box; not modified
 * @param half2 second half map, same box and voxel size
 * @throws RangeError for mismatched or non-cubic boxes, a mask of another length, an empty mask,
 *   non-positive sizes, or an `fftBox` smaller than the window
 * @see RELION 3.1 `Postprocessing::run_locres`
 */
export function relionLocalResolution(half1In: Volume, half2In: Volume, options: RelionLocresOptions = {}): RelionLocresResult {
  assertSameHalfMapGrid(half1In, half2In);
  let half1 = half1In;
  let half2 = half2In;
  const [nx, ny, nz] = half1.shape;
  if (nx !== ny || ny !== nz) throw new RangeError(`--relion needs a cubic box (RELION's --locres assumes one), got ${nx}x${ny}x${nz}`);
  const n = nx;
  const nVox = n * n * n;
  const a = half1.voxelSizeA[0];
  const samplingA = options.samplingA ?? RELION_SAMPLING_A;
  if (!(samplingA > 0 && Number.isFinite(samplingA))) throw new RangeError(`--locres-sampling must be > 0 Å, got ${samplingA}`);
  const maskRadiusA = options.maskRadiusA ?? 0.5 * samplingA;
  const edgeWidthA = options.edgeWidthA ?? samplingA;
  const randomizeAtA = options.randomizeAtA ?? RELION_RANDOMIZE_AT_A;
  const minRes = options.minResolutionA ?? 50;
  if (!(randomizeAtA > 0)) throw new RangeError(`--randomize-at must be > 0 Å, got ${randomizeAtA}`);
  if (!(minRes > 0)) throw new RangeError(`--lowest-resolution must be > 0 Å, got ${minRes}`);
  if (options.mask && options.mask.length !== nVox) throw new RangeError(`--mask has ${options.mask.length} voxels, the half maps ${nVox} (${n}x${n}x${n})`);
  const step = Math.max(1, round(samplingA / a));
  const R = round(maskRadiusA / a);
  const E = round(edgeWidthA / a);
  const Rp = R + E;
  const reach = Math.ceil(Rp);
  const L = 2 * reach + 1;
  // (odd boxes too: a 47³ phantom gives RELION's map exactly at P = 47, 0.38 Å off at 48)
  const P = options.fftBox ?? (L <= n ? n : fftFriendlySize(L));
  if (!Number.isInteger(P) || P < L || (P % 2 !== 0 && P !== n)) throw new RangeError(`fftBox must be an even integer (or the box edge) >= the window support ${L}, got ${P}`);
  const randomizeShell = Math.trunc((n * a) / randomizeAtA);
  const progress = options.onProgress ?? (() => {});

  // Window weights on the L³ cube around a centre.
  const win = new Float32Array(L * L * L);
  for (let k = 0; k < L; k++) for (let j = 0; j < L; j++) for (let i = 0; i < L; i++) {
    const d = Math.hypot(i - reach, j - reach, k - reach);
    win[(k * L + j) * L + i] = d < R ? 1 : d > Rp ? 0 : E > 0 ? 0.5 - 0.5 * Math.cos((Math.PI * (Rp - d)) / E) : 0;
  }

  // Window centres: RELION's grid (logical coordinates from -n/2 in steps), inside its sphere.
  const half = n >> 1;
  const myrad = half - R;
  const coords: number[] = [];
  for (let c = 0; c < n; c += step) coords.push(c);
  const gN = coords.length;
  let wanted: Uint8Array | undefined;
  if (options.mask) {
    // superset of the windows reaching the mask: mask voxels mark the centres within reach (+ 1)
    wanted = new Uint8Array(gN * gN * gN);
    const m = options.mask;
    const rg = Math.ceil((reach + 1) / step);
    let any = false;
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      if (!(m[(z * n + y) * n + x] > 0.5)) continue;
      any = true;
      const gx = Math.round(x / step), gy = Math.round(y / step), gz = Math.round(z / step);
      for (let k = Math.max(0, gz - rg); k <= Math.min(gN - 1, gz + rg); k++) {
        const dz = coords[k] - z;
        for (let j = Math.max(0, gy - rg); j <= Math.min(gN - 1, gy + rg); j++) {
          const dy = coords[j] - y;
          for (let i = Math.max(0, gx - rg); i <= Math.min(gN - 1, gx + rg); i++) {
            const dx = coords[i] - x;
            if (dx * dx + dy * dy + dz * dz <= (reach + 1) * (reach + 1)) wanted[(k * gN + j) * gN + i] = 1;
          }
        }
      }
    }
    if (!any) throw new RangeError('the mask selects no voxel (no value > 0.5)');
  }
  const centres: [number, number, number][] = [];
  for (let k = 0; k < gN; k++) for (let j = 0; j < gN; j++) for (let i = 0; i < gN; i++) {
    const lx = coords[i] - half, ly = coords[j] - half, lz = coords[k] - half;
    if (Math.sqrt(lx * lx + ly * ly + lz * lz) >= myrad) continue;
    if (wanted && !wanted[(k * gN + j) * gN + i]) continue;
    centres.push([coords[i], coords[j], coords[k]]);
  }

  const seed = options.seed ?? 0;
  // RELION's draw: glibc rand() after srand(--random_seed), half 1 then half 2 from one sequence, in
  // FFTW's half-spectrum order (measured on synth_halves128 with window-sized Fourier boxes: median
  // |ours − RELION 3.1.3| 0.10 Å, 90th percentile 0.53 Å, against 0.24 / 1.01 Å with an unrelated
  // generator; with whole-box transforms 0.000 / 0.00 Å)
  const solvent = options.mask ? solventOffsets(half1.data, half2.data, options.mask, options.subtractSolventMean) : null;
  if (solvent) {
    // copies without the constant (the randomisation keeps the zero frequency, so the randomised
    // halves come from these too)
    half1 = { ...half1, data: half1.data.map((v) => v - solvent[0]) };
    half2 = { ...half2, data: half2.data.map((v) => v - solvent[1]) };
  }
  const sampler = relionPhaseSampler(seed);
  const p1 = randomisePhasesBeyond(half1.data, half1.shape, half1.voxelSizeA, randomizeShell, sampler);
  const p2 = randomisePhasesBeyond(half2.data, half2.shape, half2.voxelSizeA, randomizeShell, sampler);

  // Shells of the P box (RELION: round(|k|), half spectrum, each stored sample once).
  const hp = (P >> 1) + 1;
  const shellP = new Int32Array(hp * P * P);
  for (let z = 0; z < P; z++) {
    const kz = z <= P - z ? z : z - P;
    for (let y = 0; y < P; y++) {
      const ky = y <= P - y ? y : y - P;
      for (let x = 0; x < hp; x++) shellP[(z * P + y) * hp + x] = round(Math.sqrt(x * x + ky * ky + kz * kz));
    }
  }
  const nShP = (P >> 1) + 1;
  const nShN = half + 1;
  // The window's support fills only the L³ corner of the P³ box, whose transform skips the zero
  // rows and planes (cornerRfft3d). Two corners, filled first with the halves, then with the
  // randomised ones; two spectra, reused by every window.
  const corners = [0, 1].map(() => new Float32Array(L * L * P));
  const work = cornerWork(P, L);
  const spectra = [0, 1].map(() => new Float32Array(2 * P * P * hp));
  const transform = (c: number): Float32Array => cornerRfft3d(corners[c], work, spectra[c]);
  // the window centred on (cx, cy, cz) times `src`, into corner c (zero beyond the box, as RELION's mask ends there)
  const fill = (c: number, src: Float32Array, cx: number, cy: number, cz: number) => {
    const dst = corners[c];
    for (let k = 0; k < L; k++) {
      const z = cz - reach + k;
      for (let j = 0; j < L; j++) {
        const y = cy - reach + j;
        const o = (k * L + j) * P;
        const wo = (k * L + j) * L;
        const inside = z >= 0 && z < n && y >= 0 && y < n;
        const so = (z * n + y) * n;
        for (let i = 0; i < L; i++) {
          const x = cx - reach + i;
          dst[o + i] = inside && x >= 0 && x < n ? src[so + x] * win[wo + i] : 0;
        }
      }
    }
  };
  const num = new Float64Array(nShP);
  const den1 = new Float64Array(nShP);
  const den2 = new Float64Array(nShP);
  const fscP = [new Float64Array(nShP), new Float64Array(nShP)];
  const fscN = [new Float64Array(nShN), new Float64Array(nShN)];
  const sumInv = new Float32Array(nVox);
  const sumW = new Float32Array(nVox);
  const shellFsc = (sa: Float32Array, sb: Float32Array, out: Float64Array) => {
    num.fill(0);
    den1.fill(0);
    den2.fill(0);
    for (let q = 0; q < shellP.length; q++) {
      const s = shellP[q];
      if (s >= nShP) continue;
      const ar = sa[2 * q], ai = sa[2 * q + 1], br = sb[2 * q], bi = sb[2 * q + 1];
      num[s] += ar * br + ai * bi;
      den1[s] += ar * ar + ai * ai;
      den2[s] += br * br + bi * bi;
    }
    for (let s = 0; s < nShP; s++) {
      const d = Math.sqrt(den1[s] * den2[s]);
      out[s] = d > 0 ? num[s] / d : 0;
    }
  };
  // RELION shell i of the n box is frequency i/n; the P box has shell j at j/P.
  const toN = (src: Float64Array, dst: Float64Array) => {
    for (let i = 0; i < nShN; i++) {
      const t = (i * P) / n;
      const j = Math.floor(t);
      const u = t - j;
      dst[i] = j + 1 < nShP ? (1 - u) * src[j] + u * src[j + 1] : src[nShP - 1];
    }
  };

  let pinned = 0;
  centres.forEach(([cx, cy, cz], ci) => {
    fill(0, half1.data, cx, cy, cz);
    fill(1, half2.data, cx, cy, cz);
    shellFsc(transform(0), transform(1), fscP[0]);
    fill(0, p1, cx, cy, cz);
    fill(1, p2, cx, cy, cz);
    shellFsc(transform(0), transform(1), fscP[1]);
    if (P === n) {
      fscN[0].set(fscP[0]);
      fscN[1].set(fscP[1]);
    } else {
      toN(fscP[0], fscN[0]);
      toN(fscP[1], fscN[1]);
    }
    const fm = fscN[0];
    const fr = fscN[1];
    if (fm[0] <= 0) fm[0] = 1;
    if (fr[0] <= 0) fr[0] = 1;
    let local = 999;
    let reachedEnd = true;
    for (let i = 0; i < nShN; i++) {
      const t = i < randomizeShell + 2 ? fm[i] : (fm[i] - fr[i]) / (1 - fr[i]);
      if (t < 0.143) {
        reachedEnd = false;
        break;
      }
      local = i > 0 ? (n * a) / i : 999;
    }
    if (reachedEnd) pinned++;
    local = Math.min(minRes, local);
    const inv = 1 / local;
    for (let k = 0; k < L; k++) {
      const z = cz - reach + k;
      if (z < 0 || z >= n) continue;
      for (let j = 0; j < L; j++) {
        const y = cy - reach + j;
        if (y < 0 || y >= n) continue;
        const wo = (k * L + j) * L;
        const so = (z * n + y) * n;
        for (let i = 0; i < L; i++) {
          const x = cx - reach + i;
          const w = win[wo + i];
          if (w === 0 || x < 0 || x >= n) continue;
          sumInv[so + x] += w * inv;
          sumW[so + x] += w;
        }
      }
    }
    // (a whole-box window of 128³ or more takes a tenth of a second or longer: report each one)
    if (P >= 128 || (ci + 1) % 16 === 0) progress((ci + 1) / centres.length);
  });
  progress(1);

  const out = new Float32Array(nVox);
  const stats: number[] = [];
  const m = options.mask;
  for (let v = 0; v < nVox; v++) {
    out[v] = sumW[v] > 0 ? 1 / (sumInv[v] / sumW[v]) : minRes;
    if (m ? m[v] > 0.5 : sumW[v] > 0) stats.push(out[v]);
    else if (m) out[v] = minRes;
  }
  const values = Float32Array.from(stats);
  const q = (p: number) => (values.length ? quantileByRank(values, values.length, p) : Number.NaN);
  return {
    resolution: { data: out, shape: half1.shape, voxelSizeA: [...half1.voxelSizeA] },
    samplingVoxels: step,
    maskRadiusVoxels: R,
    edgeWidthVoxels: E,
    randomizeShell,
    fftBox: P,
    points: centres.length,
    pinnedWindows: pinned,
    minResolutionA: minRes,
    solventMeans: solvent,
    medianA: q(0.5),
    p5A: q(0.05),
    p95A: q(0.95),
  };
}
