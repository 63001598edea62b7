/**
 * Local resolution by local FSC (the blocres family): FSC of two half maps in small windows on a
 * grid, interpolated to every voxel of a mask.
 * @see shared/spec/local-resolution.md §2
 */
import type { Shape3, Volume } from '../core/volume.js';
import { reflectIndex } from '../filters/max-filter.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { mulberry32 } from '../math/random.js';
import { assertSameHalfMapGrid, fourierShellCorrelation, fscFromSpectra, resolutionAtThreshold, shellIndex, type FscCurve } from './fsc.js';
import { inscribedEllipsoidMask } from '../math/inscribed-ellipsoid.js';
import { quantileByRank } from '../math/select.js';
import { softenMask } from './soft-mask.js';
import { emptyBeyondA, emptyShells, prewhitenHalfMaps, prewhitenWithEmptyShells, type EmptyShells } from './prewhiten.js';
import { emptyBeyond, interpolationTest, type InterpolationTest } from './half-map-content.js';
import { cutSubBox, pasteSubBox, regionSubBox, subBoxShape } from './sub-box.js';
import { calibratedInterval, DEFAULT_INTERVAL_CALIBRATION, DEFAULT_INTERVAL_Z, fscCrossingInterval, HANN3D_INDEPENDENT_FRACTION } from './locres-uncertainty.js';
import { moleculeCentredGridPoints, solventLevel } from './molecule-grid.js';
import { LOCAL_FSC_WINDOW_MIN } from './window-minimum.js';
import { OptionError } from '../core/option-error.js';
import { CALIBRATED_THRESHOLD, SNR_AWARE_THRESHOLD } from './locres-defaults.js';

export { CALIBRATED_THRESHOLD, SNR_AWARE_THRESHOLD } from './locres-defaults.js';

/**
 * Half maps are *content-limited* (low-passed while still correlated at the cut) when more than
 * {@link CONTENT_LIMITED_SHARE} of the grid points read finer than this fraction of their content
 * limit (`emptyBeyondA`). Session 55: on the 142 cached default runs of synth_halves128 and the
 * `referenceStyleHalfMaps` cases (random and layout 21000–21029, 23000–23019, 25000–25019, random
 * 3008), whose halves end where their finest domain's signal does, the 1st percentile of the
 * values is ≥ 0.836 × the limit (median 0.995); synth_halves128 low-passed at 6 Å (content limit
 * 5.95 Å) read a median 4.93 Å, 0.83 × the limit, its 3 Å domains 4.72 / 4.77 Å.
 */
export const CONTENT_LIMITED_RATIO = 0.8;
/** See {@link CONTENT_LIMITED_RATIO}: the share of grid points (fraction). */
export const CONTENT_LIMITED_SHARE = 0.05;

// Measured (bench/locres-accuracy.ts, pre-whitened, default window): median bias on
// synth_halves128 / 0.9 Å SNR 3 / 1.2 Å SNR 2 / 1.5 Å SNR 4 / 1.0 Å SNR 2.5 was
// −0.33 / −0.64 / −0.04 / −0.86 / −0.34 Å at 0.143, −0.01 / −0.22 / +0.34 / −0.46 / −0.14 at 0.25,
// +0.09 / −0.07 / +0.51 / −0.27 / +0.04 at 0.3 (lowest MAE at 0.3 in four of five cases).


/**
 * Per-shell threshold raise of the calibrated local FSC with a mask, in standard errors of a
 * shell's FSC (`t_k = t + z/sqrt(n_k)`, n_k the shell's independent samples; issue 16).
 *
 * Why: a window's first shells hold a few dozen samples (about 7 independent ones at shell 2 of a
 * 20-voxel Hann window), so the FSC there scatters by ±0.2–0.4; in a coarse region (8–10 Å read
 * in a 20–24 Å window) the first crossing of a fixed threshold is then decided by that scatter and
 * mostly reads too fine (a 10 Å domain at SNR 2: 6.8–7.7 Å; the same domain read 8.1/9.8/6.8 Å
 * for three seeds), while fine regions, crossing at shells with hundreds of samples, are barely
 * moved. Measured (`bench/locres-accuracy.ts --fit-threshold --sample-z Z`, the SNR-aware threshold
 * refitted for each z on the same eleven maps): the zero-bias thresholds scatter about the fit by
 * 0.042 rms (largest 0.106) at z = 0, 0.034 (0.086) at 0.2, 0.032 (0.079) at 0.3, 0.023 (0.056) at
 * 0.5 (where the fitted thresholds reach 0, a significance test rather than a threshold); with the
 * refitted rule, z = 0.3 met all four acceptance figures on 11 of 15 cases (10 at z = 0 and at
 * 0.2), MAE −0.07 Å on synth_halves128, and the coarse domains of the SNR-2 cases read 0.4–0.8 Å
 * closer to the truth. A second pass with a larger window where the first read coarse (edge
 * 3–5 × the reading) did not help (the larger window takes in the finer neighbours; 9–11 of 15).
 */
export const SAMPLE_THRESHOLD_Z = 0.3;

/**
 * Low-frequency spectral SNR C₀ of an FSC curve: `exp` of the intercept at k = 0 of a straight
 * line fitted (least squares) to `ln(FSC/(1 − FSC))` against k² (1/Å²) over the shells, from the
 * first on, with 0.2 < FSC < 0.95 before the curve first falls to 0.2 (the well-determined part:
 * SNR = FSC/(1 − FSC) per shell for half maps).
 * @param curve global FSC curve (shells k = 0 … kMax, spacing `shellWidthPerA` 1/Å)
 * @returns C₀ (unit-free), or NaN when no shell qualifies
 */
export function lowFrequencySnr(curve: Pick<FscCurve, 'fsc' | 'shellWidthPerA'>): number {
  let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
  for (let k = 1; k < curve.fsc.length; k++) {
    const f = curve.fsc[k];
    if (!(f > 0.2)) break;
    if (f >= 0.95) continue;
    const x = (k * curve.shellWidthPerA) ** 2;
    const y = Math.log(f / (1 - f));
    sx += x; sy += y; sxx += x * x; sxy += x * y; m++;
  }
  if (m === 0) return Number.NaN;
  if (m === 1) return Math.exp(sy);
  const slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  return Math.exp((sy - slope * sx) / m);
}

/**
 * The threshold of {@link SNR_AWARE_THRESHOLD} for a low-frequency SNR C₀ and a window edge L in Å
 * ({@link CALIBRATED_THRESHOLD} when C₀ is not finite).
 */
export function snrAwareThreshold(c0: number, windowA: number): number {
  if (!(c0 > 0 && Number.isFinite(c0))) return CALIBRATED_THRESHOLD;
  const { a, b, c, min, max } = SNR_AWARE_THRESHOLD;
  return Math.min(max, Math.max(min, a + b * Math.log(c0) + c * windowA));
}

/** The coarsest voxel size of the half maps the SNR-aware threshold was calibrated on, Å (0.9–1.5 Å). */
export const CALIBRATED_VOXEL_MAX_A = 1.5;

/**
 * The warning for half maps with voxels coarser than the calibration's (`occupy locres`), or
 * undefined. Windows are at least {@link LOCAL_FSC_WINDOW_MIN} voxels and at most 34 Å, so at coarse
 * voxels a window spans more of the molecule than a domain, and the threshold's line in C₀ and the
 * window in Å is extrapolated. Measured (session 50, `referenceStyleHalfMaps`, seed 77): at 1.8 /
 * 2.0 / 2.2 Å voxels (domains 4.5–10 Å, SNR 2.5–3.5) the coarsest domains (9.5–10 Å) read 6.8 /
 * 6.3 / 6.6 Å beside 4.5–5 Å ones, MAE 0.78 / 1.14 / 1.21 Å, median bias −0.13 / −0.20 / −0.51 Å;
 * at 0.7–0.8 Å voxels MAE 0.34–0.45 Å, bias +0.09 to +0.33 Å, as within the calibration.
 * @param voxelSizeA the half maps' voxel size, Å
 * @param windowVoxels the window used, voxels
 */
export function coarseVoxelWarning(voxelSizeA: number, windowVoxels: number): string | undefined {
  if (!(voxelSizeA > CALIBRATED_VOXEL_MAX_A * (1 + 1e-6))) return undefined;
  return `voxels of ${voxelSizeA.toFixed(2)} Å are coarser than the calibration of the local FSC (half maps of 0.9–${CALIBRATED_VOXEL_MAX_A} Å voxels): its ${windowVoxels}-voxel window spans ${(windowVoxels * voxelSizeA).toFixed(0)} Å, more than many domains, so coarse regions beside finer ones read fine (synthetic half maps at 1.8–2.2 Å voxels: 9.5–10 Å domains beside 4.5–5 Å ones read 6.3–6.8 Å; median error −0.1 to −0.5 Å); read the pattern, not the coarse regions' values`;
}

/**
 * Whether {@link snrAwareThreshold} is held at its floor (`a + b·ln C₀ + c·L ≤ min`): the
 * calibration's line has run out, which happens with coarse, noisy half maps (the window at its
 * 34 Å cap and C₀ below about 8). Measured with the fourth refit on every synthetic map of the
 * calibration (369 reference-style maps: `randomLocresCase` seeds 1000–1031, 3000–3015, 5000–5019,
 * 6000–6019, 7000–7019, 8000–8019, 9000–9019, 9100–9139 and 9200–9259, `referenceLayoutCase`
 * 1–120, `synth_halves128`; offline on each window's FSC, docs/local-resolution.md *Threshold at its floor*): 10
 * floored maps, whose median error scatters more — per-map median bias −0.01 Å (10–90 %: −0.61 to
 * +0.51 Å), 4 meeting all four acceptance figures — against −0.01 Å (−0.31 to +0.22 Å) and 298
 * of 359 for the others. (With the third refit, before the windows centred on the molecule, 47 of
 * 309 maps were floored and read coarse, median +0.35 Å.) With the fifth refit (threshold 0.045
 * lower; the line reaches the floor below C₀ ≈ 8 at the cap), on the 160 maps made as the
 * references are (`REFERENCE_SPECTRUM`; tuning and validation maps of {@link SNR_AWARE_THRESHOLD}):
 * 10 floored maps, median bias −0.13 Å (10–90 %: −0.41 to +0.31 Å), 7 meeting all four figures,
 * against +0.04 Å (−0.24 to +0.26 Å) and 128 of 150 for the others.
 * @param c0 low-frequency SNR of the soft-masked global FSC ({@link lowFrequencySnr})
 * @param windowA window edge L in Å
 * @returns false when C₀ is not finite (the fixed threshold is used then)
 */
export function snrAwareThresholdAtFloor(c0: number, windowA: number): boolean {
  if (!(c0 > 0 && Number.isFinite(c0))) return false;
  const { a, b, c, min } = SNR_AWARE_THRESHOLD;
  return a + b * Math.log(c0) + c * windowA <= min;
}

/**
 * Global FSC of two half maps under the soft-edged version of a binary region (`softenMask`), on
 * the region's sub-box when that is much smaller than the box (the soft-masked maps are 0 beyond
 * the mask's soft edge, about 3σ = 6 voxels, so a 12-voxel margin leaves the curve unchanged);
 * without a region, the unmasked FSC of the whole box. With a region, each half's solvent level
 * (`solventLevel`, the box median) is subtracted first: a constant offset times the soft mask is
 * low-frequency signal common to both halves, which raised the first shells' FSC and lowered the
 * fitted C₀ (synth_halves128 with +0.05, about its mean molecular density, added to both halves:
 * C₀ 15.3 → 12.6, the SNR-aware threshold 0.272 → 0.255); the windows do not see it (pre-whitened).
 * @param half1 first half map (x fastest)
 * @param half2 second half map, same box
 * @param region optional binary region (1 = inside), same layout
 */
export function maskedGlobalFsc(half1: Volume, half2: Volume, region?: Uint8Array): FscCurve {
  const shape = half1.shape;
  const a0 = half1.voxelSizeA;
  if (!region) return fourierShellCorrelation(half1, half2);
  const level1 = solventLevel(half1.data);
  const level2 = solventLevel(half2.data);
  // each half with its solvent level removed and the soft mask applied, in one buffer (so the FSC
  // takes no mask of its own): the cut sub-box in place, or a new buffer for the whole box
  const weight = (v: Volume, level: number, soft: Float32Array, out: Float32Array): Volume => {
    for (let i = 0; i < out.length; i++) out[i] = (v.data[i] - level) * soft[i];
    return { data: out, shape: v.shape, voxelSizeA: v.voxelSizeA };
  };
  const gBox = regionSubBox(region, shape, 12);
  if (gBox) {
    const r = cutSubBox(region, shape, gBox, a0);
    const soft = softenMask(r.data, r.shape);
    const c1 = cutSubBox(half1.data, shape, gBox, a0);
    const c2 = cutSubBox(half2.data, shape, gBox, a0);
    return fourierShellCorrelation(weight(c1, level1, soft, c1.data), weight(c2, level2, soft, c2.data));
  }
  // the region's sub-box would be most of the box
  const soft = softenMask(region, shape);
  return fourierShellCorrelation(weight(half1, level1, soft, new Float32Array(soft.length)), weight(half2, level2, soft, new Float32Array(soft.length)));
}

/**
 * Share of the Hann window's spectral variance that {@link hannBroadeningCorrection} removes by
 * default: 0.5, measured (`bench/locres-accuracy.ts`, with the grid median and the threshold
 * refitted for each share): the whole variance (1) read the 8–10 Å domains 0.5–1 Å too coarse on
 * most cases (the pre-whitened spectrum is flatter at low frequency than the Gaussian model, so
 * the window broadens it less), none (0) left them 1–2.7 Å too fine.
 */
export const HANN_BROADENING_SHARE = 0.5;

/**
 * Correct a window's FSC crossing for the spectral broadening of the 3D Hann window.
 *
 * Why: the window multiplies the map, so its spectrum is convolved with the window's transform,
 * whose power |H|² (three DFT taps 1/2, −1/4, −1/4 per axis) has a variance `s_K² = 1/(3L²)` per
 * axis (L = window edge in Å). A local SNR that falls as a Gaussian, `SNR(k) = C·exp(−k²/(2s²))`,
 * then reads as one of variance `s² + s_K²` and peak `C·(s²/(s²+s_K²))^{3/2}`: a coarse region,
 * whose s is not much larger than s_K, reads finer than it is (a 10 Å region in a 24 Å window by
 * about 1.5 Å), while a fine one is barely moved. With the calibration's convention (the crossing
 * `d` where `SNR(1/d) = C·exp(−4π²/9)`, i.e. `1/d² = 2s²L₀` with `L₀ = 4π²/9`, the pseudo-atom
 * width d/3 of `half-map-phantom.ts`), the true s solves
 * `2(s² + share·s_K²)(L₀ + 1.5·ln(s²/(s² + share·s_K²))) = 1/d'²` (bisection), and the result is
 * `1/sqrt(2s²L₀)`.
 * @param dA the window's crossing in Å (> 0; non-finite values are returned unchanged)
 * @param windowA window edge L in Å
 * @param share share of the window's variance to remove, in [0, 1] (0 returns dA)
 * @returns the corrected resolution in Å, at least dA
 */
export function hannBroadeningCorrection(dA: number, windowA: number, share: number = HANN_BROADENING_SHARE): number {
  if (!(share > 0) || !(dA > 0) || !Number.isFinite(dA)) return dA;
  const q = 1 / (dA * dA);
  const sK2 = share / (3 * windowA * windowA);
  const L0 = (4 * Math.PI * Math.PI) / 9;
  const f = (s2: number) => 2 * (s2 + sK2) * (L0 + 1.5 * Math.log(s2 / (s2 + sK2))) - q;
  // f rises with s² from f(0+) = −∞
  let lo = 0;
  let hi = q;
  for (let grow = 0; f(hi) < 0; grow++) {
    if (grow > 20) return Number.POSITIVE_INFINITY;
    hi *= 4;
  }
  for (let it = 0; it < 48; it++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  const s2 = 0.5 * (lo + hi);
  // (the amplitude term caps the model's answer near L/0.3 for crossings at the first shells, which
  // say nothing; those keep their reading)
  return s2 > 0 ? Math.max(dA, 1 / Math.sqrt(2 * s2 * L0)) : Number.POSITIVE_INFINITY;
}

/** Options of {@link localFsc}. */
export interface LocalFscOptions {
  /** Where to report: voxels > 0.5 (default: the sphere inscribed in the box). Same box as the halves. */
  mask?: Float32Array;
  /** Window edge in voxels (even); default from the global resolution d: round(6·d/a) made even, >= 16. */
  windowVoxels?: number;
  /** Grid spacing in voxels; default {@link defaultStep}: max(1, round(window/4)). */
  stepVoxels?: number;
  /**
   * FSC threshold. Default: with a mask, SNR-aware ({@link snrAwareThreshold} of the soft-masked
   * global FSC's {@link lowFrequencySnr}); without one, {@link CALIBRATED_THRESHOLD} (an unmasked
   * global FSC mixes in the solvent's noise, so its C₀ says little about the molecule).
   */
  threshold?: number;
  /**
   * Pre-whiten both halves (see `prewhiten.ts`) before cutting windows: removes the correlation
   * that the window's spectral leakage of the shared low-frequency signal imposes on the high
   * shells. Default true; false gives the plain blocres-style estimate.
   */
  whiten?: boolean;
  /** Half-width in standard errors of the FSC band behind the per-voxel interval (default {@link DEFAULT_INTERVAL_Z}, 0.3); see `locres-uncertainty.ts`. */
  intervalZ?: number;
  /**
   * Calibration half-width of the per-voxel interval in natural-log units, combined in quadrature
   * with the band's (default {@link DEFAULT_INTERVAL_CALIBRATION}, 0.04 = ±4 %; 0 gives the band
   * alone). Pooled coverage of the truth with the defaults: 84–91 % on synthetic families (72 % on
   * `synth_occres128`, 81 % on `synth_halves128`).
   */
  intervalCalibration?: number;
  /** Lowest (coarsest) allowed resolution in Å, default 50; also the value written outside the mask. */
  lowestResolutionA?: number;
  /** Correct for window-induced noise correlation by phase randomisation beyond this resolution (Å). */
  randomizeAtA?: number;
  /**
   * Seed of the phase randomisation and of the noise put into empty shells by the pre-whitening
   * (default 1). One draw moves marginal figures: on synth_halves128 the interval's coverage read
   * 72–92 % over eight seeds (80.9 % with the default), on random 3008 the median bias +0.29 to
   * +0.34 Å (docs/local-resolution.md *One noise draw*).
   */
  seed?: number;
  /**
   * Replace each grid value (and interval end) by the median of the evaluated grid points among its
   * 19 neighbours within √2 steps before interpolation: damps the crossing's sampling noise, which a
   * small window's few low-frequency samples make large. Default true (issue 16, measured with
   * `bench/locres-accuracy.ts`: r +0.01 to +0.05 on every synthetic case, the bias shift it brings
   * is in the threshold's fit); false gives each window's own value.
   */
  gridMedian?: boolean;
  /**
   * Undo part of the Hann window's spectral broadening ({@link hannBroadeningCorrection} with
   * {@link HANN_BROADENING_SHARE}) on every window's crossing and interval end. Default true.
   */
  broadeningCorrection?: boolean;
  /**
   * Raise the threshold at each shell by this many standard errors of a shell's FSC, `z/sqrt(n)`
   * with n its independent samples (see {@link raiseBySpread}). Default {@link SAMPLE_THRESHOLD_Z}
   * with the SNR-aware threshold, 0 with a given or the fixed one.
   */
  sampleThresholdZ?: number;
  /**
   * Take the grid median and the interpolation into the mask from the grid points centred on the
   * molecule only (`moleculeCentredGridPoints` in `molecule-grid.ts`; a voxel or grid point with
   * none of them among its corners or neighbours keeps the plain rule). Default true with the
   * SNR-aware threshold (which is fitted with it), false otherwise.
   */
  moleculeCentred?: boolean;
  /**
   * The halves' {@link interpolationTest} when the caller has run it on these very halves (a job's
   * input diagnostics do): its result and its empty shells are used rather than computed again (the
   * test and one or two transforms of the whole box). Not a user option; run here when absent.
   */
  interpolationTest?: InterpolationTest;
  /** Progress callback, fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

/** Result of {@link localFsc}. */
export interface LocalFscResult {
  /** Local resolution in Å, same box as the halves; `lowestResolutionA` outside the mask. */
  resolution: Volume;
  /**
   * Finer end of each voxel's interval in Å (the upper FSC band's crossing; 80–100 % coverage
   * on synthetic data, see `locres-uncertainty.ts`), same layout;
   * `lowestResolutionA` outside the mask.
   */
  low: Volume;
  /** Coarser end of each voxel's interval in Å (the lower FSC band's crossing), same layout. */
  high: Volume;
  /**
   * 1 where half or more of the voxel's value (its trilinear weights) comes from grid windows
   * that read the bound, Nyquist 2a (their FSC never fell below the threshold up to Nyquist or,
   * after the grid median, that of most of their neighbours did not): the true local
   * resolution there is that or finer; the value is 2a where all of it does, else a blend with
   * coarser windows (up to 3.94 Å on `synth_halves128` with `--no-whiten --threshold 0.143`).
   * Else 0; same layout.
   */
  pinned: Uint8Array;
  /** Mask voxels flagged in `pinned`. */
  pinnedVoxels: number;
  /**
   * Finest reported value, Å: Nyquist 2a, or the halves' content limit {@link emptyBeyondA} when
   * they were low-passed while still correlated ({@link contentLimitedPercent}).
   */
  finestA: number;
  /** Whether the halves were pre-whitened. */
  whitened: boolean;
  /**
   * When the half maps hold nothing beyond some resolution (low-passed: float round-off only, or
   * the leak of a box cropped after the low-pass; `prewhiten.ts`), that resolution in Å; those
   * shells were filled with noise before the windows were cut, so no reading can be much finer.
   * Undefined with noise to Nyquist or without whitening.
   */
  emptyBeyondA?: number;
  /**
   * Set when the half maps look low-passed while still correlated at the cut: the share (%) of the
   * grid points that read finer than {@link CONTENT_LIMITED_RATIO} × {@link emptyBeyondA} (above
   * {@link CONTENT_LIMITED_SHARE}). Every value finer than the content limit then reads the limit
   * and is pinned (a bound: the truth that or finer), and {@link finestA} is the limit.
   */
  contentLimitedPercent?: number;
  /**
   * The halves look upsampled in real space (interpolated onto a finer grid; `interpolatedContent`):
   * the old grid's Nyquist (`limitA`, Å) and box (`fromBox`, voxels). Shells finer than the limit
   * were filled with noise before the windows were cut, every value finer reads the limit and is
   * pinned ({@link finestA} is the limit), and the global resolution is at least the limit.
   */
  interpolated?: { limitA: number; fromBox: Shape3 };
  /** Whether the grid values were replaced by their neighbourhood median (`gridMedian`). */
  gridMedian: boolean;
  /** Share of the Hann window's spectral variance removed from each crossing (0 = no correction; see {@link hannBroadeningCorrection}). */
  broadeningShare: number;
  /** Global FSC resolution (Å) used for the default window (with the soft mask when given). */
  globalResolutionA: number;
  windowVoxels: number;
  stepVoxels: number;
  /** FSC threshold used. */
  threshold: number;
  /** How it was chosen: given, the fixed default (no mask), or SNR-aware from the global FSC. */
  thresholdRule: 'given' | 'fixed' | 'snr-aware';
  /** Low-frequency spectral SNR C₀ of the global FSC ({@link lowFrequencySnr}; NaN when none). */
  lowFrequencySnr: number;
  /**
   * The SNR-aware threshold is held at its floor ({@link snrAwareThresholdAtFloor}): coarse, noisy
   * half maps beyond the calibration, whose values are less certain (a map's median error −0.6 to
   * +0.5 Å on synthetic maps in this state, against −0.3 to +0.2 Å elsewhere). False for other rules.
   */
  thresholdAtFloor: boolean;
  lowestResolutionA: number;
  /** Number of windows evaluated. */
  points: number;
  /**
   * Of those, the number centred on the molecule, which alone carry the grid median and the
   * interpolation (`moleculeCentred`); undefined when that is off. With 0 the plain rule applies.
   */
  moleculeCentredPoints: number | undefined;
  /** Per-shell threshold raise in standard errors ({@link SAMPLE_THRESHOLD_Z} with the SNR-aware threshold, else 0 unless given). */
  sampleThresholdZ: number;
  /** Median, 5th and 95th percentile of the local resolution inside the mask, Å. */
  medianA: number;
  p5A: number;
  p95A: number;
  /**
   * Median over the mask of each voxel's 90 % interval width (`high − low`), Å: the uncertainty of
   * a typical voxel's value, to set against the spread p95A − p5A ({@link unresolvedVariation}).
   */
  medianIntervalWidthA: number;
  /** Half-width of the FSC band behind the interval, standard errors (`intervalZ`). */
  intervalZ: number;
  /** Calibration half-width added in quadrature to the interval, natural-log units (`intervalCalibration`). */
  intervalCalibration: number;
  /** Voxels inside the mask. */
  maskVoxels: number;
}

/**
 * Ratio of a typical voxel's 90 % interval width to the spread of the values over the mask above
 * which {@link unresolvedVariation} says the map's differences are not resolved voxel by voxel.
 * Measured (session 44, default settings, scratch survey) on 122 synthetic half-map pairs: 60
 * reference-style maps of the session-40 draws (layout 900–929, random 10000–10029), 24 of session
 * 43 (layout 4000–4011, random 14000–14011) with their noise cut at the finest domain as the
 * references' is and again with noise to Nyquist, and the 14 smooth pseudo-atom phantoms. The ratio
 * was 0.06–0.73 on 107 of them (r with the truth 0.75–0.99); 0.83–1.97 on twelve, eleven coarse
 * random layouts and one smooth phantom (r 0.67–0.96); above 2.5 on three, all reference-style maps whose
 * every domain is 6.5–10 Å: random 10009 (4.91, r 0.398), 14011 (3.48, r −0.641) and 14001 (2.95,
 * r 0.695). With noise to Nyquist, as a reconstruction's, no map exceeded 0.61 (14011: 0.61, r 0.838).
 * That limit was 2.5 with the interval of z 0.6 and no calibration term.
 *
 * Session 45, with the narrower calibrated interval ({@link DEFAULT_INTERVAL_Z} 0.3 and
 * {@link DEFAULT_INTERVAL_CALIBRATION}; widths 0.36–0.69 × the former, median 0.50, the coarse
 * maps' most narrowed), remeasured on 142 pairs (random 10000–10029, 10100–10129, 14000–14011 and
 * the same with noise to Nyquist, layout 600–629, the 28 smooth phantoms of
 * `bench/locres-accuracy.ts`; scratch survey): every map with r ≥ 0.75 at most 0.64; the seven
 * flagged by the former limit (random 14011, 10009, 10113, 10102, 14001, smooth seeds 43 and 71;
 * r −0.64 to 0.72) 0.89–1.19. Now 0.8, which flags the same seven. On 30 maps drawn afterwards
 * (random 21000–21029) it flags one, 21014 (all domains 7–9 Å, 1.12, r 0.822), which the former
 * limit flagged too (2.72); the rest ≤ 0.43.
 */
export const UNRESOLVED_VARIATION_RATIO = 0.8;

/**
 * Whether the local-resolution map's variation over the mask is smaller than its own uncertainty:
 * the median 90 % interval width exceeds {@link UNRESOLVED_VARIATION_RATIO} × the 5–95 % spread
 * of the values. Then the colours of the map vary less than a single voxel's value is known, and
 * differences between regions should not be read from it (coarse, noisy half maps; see the
 * constant for where it happened).
 * @returns the ratio (width / spread; Infinity for a spread of 0) and whether it exceeds the limit
 */
export function unresolvedVariation(r: Pick<LocalFscResult, 'medianIntervalWidthA' | 'p5A' | 'p95A'>): { ratio: number; unresolved: boolean } {
  const spread = r.p95A - r.p5A;
  const ratio = spread > 0 ? r.medianIntervalWidthA / spread : r.medianIntervalWidthA > 0 ? Infinity : 0;
  return { ratio, unresolved: ratio > UNRESOLVED_VARIATION_RATIO };
}

/**
 * Largest default window edge, Å (issue 16, second refit): in a coarse map, six times the global
 * resolution (40–53 Å) takes in all four domains of the references' layout, so every voxel read
 * the same blend (r with the truth 0.15–0.5, the coarse maps 0.8–2.2 Å too coarse). Measured on
 * the 32 reference-style maps of {@link SNR_AWARE_THRESHOLD}, with the threshold refitted for each:
 * a 34 Å cap let 21 meet all four figures, 28 Å 19, no cap 19.
 */
export const WINDOW_CAP_A = 34;

/**
 * Smallest window the method computes, voxels (a box narrower than the default window narrows it
 * down to this; `occupy locres --window` itself asks for {@link LOCAL_FSC_WINDOW_MIN}).
 */
export const MIN_WINDOW_VOXELS = 4;

/** Default lowest (coarsest) reported resolution, Å; also the value written outside the mask. */
export const DEFAULT_LOWEST_RESOLUTION_A = 50;

/**
 * Default window edge from the global resolution d (spec §2.5): round(6·d/a), made even, at least
 * {@link LOCAL_FSC_WINDOW_MIN}; where 6·d exceeds {@link WINDOW_CAP_A}, 2·round(cap/(2a)) (at least
 * 16). `localFsc` narrows it to the box's smallest edge (made even) in a box narrower than that.
 */
export function defaultWindow(globalResolutionA: number, voxelSizeA: number): number {
  if (6 * globalResolutionA > WINDOW_CAP_A) return Math.max(LOCAL_FSC_WINDOW_MIN, 2 * Math.round(WINDOW_CAP_A / voxelSizeA / 2));
  let w = Math.round((6 * globalResolutionA) / voxelSizeA);
  if (w % 2 !== 0) w += 1;
  return Math.max(LOCAL_FSC_WINDOW_MIN, w);
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
 * windows' FSC first falls below the threshold (`w·a/k`, interpolated; default with a mask
 * {@link snrAwareThreshold}, without {@link CALIBRATED_THRESHOLD}), clamped to [2a, lowest]. A window whose FSC never falls below it
 * is pinned: its value is Nyquist (2a) exactly, a bound, and its voxels are flagged in `pinned`. Each
 * window also gives an interval (`fscCrossingInterval`). Each crossing and interval end is
 * corrected for the window's spectral broadening ({@link hannBroadeningCorrection}, which moves
 * coarse readings more than fine ones), then each grid value is replaced by the median of its
 * neighbours (`gridMedian`). The grid values are spread to every mask voxel by trilinear
 * interpolation (a voxel is pinned when the interpolated flag of the grid points reading 2a after
 * the median is ≥ 0.5).
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny+y)*nx+x, Å voxel size); not modified
 * @param half2 second half map, same box and voxel size
 * @returns maps in Å (same layout), pinned flags and statistics, see {@link LocalFscResult}
 * @throws RangeError for mismatched boxes/voxel sizes or a mask of another box (an input file);
 *   OptionError (a RangeError; `.option` the schema key, `.flag` the command-line flag; exit 2 on
 *   the command line) for a window larger than the box, a step larger than the window (the default
 *   window is chosen here, from the global FSC) or another out-of-range `occupy locres` option
 * @see shared/spec/local-resolution.md §2; issue 16 (calibration); `bench/locres-accuracy.ts`
 */
export function localFsc(half1: Volume, half2: Volume, options: LocalFscOptions = {}): LocalFscResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  if (options.mask && options.mask.length !== n) throw new RangeError(`--mask has ${options.mask.length} voxels, the half maps ${n} (${nx}x${ny}x${nz})`);
  const a = Math.max(...half1.voxelSizeA);
  if (options.threshold !== undefined && !(options.threshold > 0 && options.threshold < 1)) throw new OptionError(`--threshold must be in (0, 1), got ${options.threshold}`, 'threshold', 'a number in (0, 1)', { flag: '--threshold', value: options.threshold });
  const lowest = options.lowestResolutionA ?? DEFAULT_LOWEST_RESOLUTION_A;
  if (!(lowest > 2 * a)) throw new OptionError(`--lowest-resolution must be coarser than Nyquist (${2 * a} Å), got ${lowest}`, 'lowestResolution', `coarser than Nyquist (${2 * a} Å)`, { flag: '--lowest-resolution', value: lowest });
  const zBand = options.intervalZ ?? DEFAULT_INTERVAL_Z;
  if (!(zBand >= 0 && Number.isFinite(zBand))) throw new RangeError(`intervalZ must be a finite number >= 0, got ${zBand}`);
  const calib = options.intervalCalibration ?? DEFAULT_INTERVAL_CALIBRATION;
  if (!(calib >= 0 && Number.isFinite(calib))) throw new RangeError(`intervalCalibration must be a finite number >= 0, got ${calib}`);
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
  // halves interpolated onto a finer grid hold only the images of coarser shells beyond the old
  // grid's Nyquist (half-map-content.ts): no FSC there is a measurement, global or local
  const tested = options.interpolationTest ?? interpolationTest(half1, half2);
  const interpolated = tested.interpolated;
  // the whole box's empty shells: the interpolation test's guard made them when it found an old box
  const wholeBoxEmpty = (): EmptyShells => tested.empty ?? emptyShells(half1, half2);
  const globalCurve = maskedGlobalFsc(half1, half2, options.mask ? region : undefined);
  const globalResolutionA = Math.max(resolutionAtThreshold(globalCurve, 0.143).resolutionA, interpolated?.limitA ?? 0);
  const c0 = lowFrequencySnr(globalCurve);
  const thresholdRule: LocalFscResult['thresholdRule'] = options.threshold !== undefined ? 'given' : options.mask && Number.isFinite(c0) ? 'snr-aware' : 'fixed';
  // the default window fits the box (a flat box, e.g. 96x96x20, narrows it to its thinnest edge)
  const thinnest = Math.min(nx, ny, nz);
  // a box thinner than the smallest window: say so (it had said "--window must be an even integer
  // >= 4 voxels, got 2" for 2³ half maps, with no --window given)
  if (options.windowVoxels === undefined && thinnest < MIN_WINDOW_VOXELS) throw new RangeError(`the box ${nx}x${ny}x${nz} is too small for a local-FSC window: a window needs at least ${MIN_WINDOW_VOXELS} voxels along every edge, the box's thinnest edge has ${thinnest}`);
  const w = options.windowVoxels ?? Math.min(defaultWindow(globalResolutionA, a), 2 * Math.floor(thinnest / 2));
  const threshold = thresholdRule === 'given' ? (options.threshold as number) : thresholdRule === 'snr-aware' ? snrAwareThreshold(c0, w * a) : CALIBRATED_THRESHOLD;
  // option errors (exit 2 on the command line): the box is known only here
  if (!Number.isInteger(w) || w < MIN_WINDOW_VOXELS || w % 2 !== 0) throw new OptionError(`--window must be an even integer >= ${MIN_WINDOW_VOXELS} voxels, got ${w}`, 'window', `an even integer >= ${MIN_WINDOW_VOXELS} voxels`, { flag: '--window', value: w });
  if (w > Math.min(nx, ny, nz)) throw new OptionError(`--window ${w} voxels is larger than the box ${nx}x${ny}x${nz}`, 'window', `at most the box's smallest edge (${Math.min(nx, ny, nz)} voxels)`, { flag: '--window', value: w });
  const s = options.stepVoxels ?? defaultStep(w);
  if (!Number.isInteger(s) || s < 1) throw new OptionError(`--step must be a positive integer, got ${s}`, 'step', 'a positive integer', { flag: '--step', value: s });
  // an OptionError (the default window is known only here, from the global FSC): the library
  // names it stepVoxels
  if (s > w) throw new OptionError(`--step ${s} is larger than the window (${w} voxels): the voxels between windows would lie in none`, 'step', `at most the window edge (${w} voxels)`, { flag: '--step', value: s });

  const whitened = options.whiten ?? true;
  // pre-whitening on the sub-box the windows reach (w/2 + s beyond the region) plus a margin that
  // keeps the sub-box's periodic wrap-around out of them, when that is much smaller than the box;
  // its empty shells (half maps low-passed at their finest resolution) are found on the whole box,
  // since the sub-box's cut edge puts power into every shell (prewhiten.ts)
  // the windows read in1/in2, which cover the sub-box `srcLo` + `srcShape` of the box (the whole
  // box unless whitened on a sub-box); voxels outside it count as 0
  let in1: Volume = half1;
  let in2: Volume = half2;
  let srcLo: [number, number, number] = [0, 0, 0];
  let srcShape: Shape3 = shape;
  let empty: EmptyShells | undefined;
  if (whitened) {
    const wBox = regionSubBox(region, shape, w + 2 * s);
    if (wBox) {
      empty = interpolated ? emptyBeyond(wholeBoxEmpty(), interpolated.limitA) : wholeBoxEmpty();
      [in1, in2] = prewhitenHalfMaps(cutSubBox(half1.data, shape, wBox, a0), cutSubBox(half2.data, shape, wBox, a0), { empty, seed: options.seed });
      if (options.randomizeAtA !== undefined) {
        // the phase randomisation transforms the whole box: paste the whitened sub-box into it
        in1 = { data: pasteSubBox(in1.data, shape, wBox), shape, voxelSizeA: [...a0] };
        in2 = { data: pasteSubBox(in2.data, shape, wBox), shape, voxelSizeA: [...a0] };
      } else {
        // read in place: pasting would add two whole-box arrays (1.07 GB at 512³)
        srcLo = [...wBox.lo];
        srcShape = subBoxShape(wBox);
      }
    } else {
      const r = prewhitenWithEmptyShells(half1, half2, { seed: options.seed, ...(interpolated ? { empty: emptyBeyond(wholeBoxEmpty(), interpolated.limitA) } : {}) });
      in1 = r.half1;
      in2 = r.half2;
      empty = r.empty;
    }
  }
  let noise1: Volume | undefined;
  let noise2: Volume | undefined;
  if (options.randomizeAtA !== undefined) {
    if (!(options.randomizeAtA > 2 * a)) throw new OptionError(`--randomize-at must be coarser than Nyquist (${2 * a} Å), got ${options.randomizeAtA}`, 'randomizeAt', `coarser than Nyquist (${2 * a} Å)`, { flag: '--randomize-at', value: options.randomizeAtA });
    noise1 = randomizePhasesBeyond(in1, options.randomizeAtA, (options.seed ?? 1) * 2);
    noise2 = randomizePhasesBeyond(in2, options.randomizeAtA, (options.seed ?? 1) * 2 + 1);
  }

  // Grid points whose cube [p - s, p + s] touches the region (all 8 corners of a region voxel).
  const gx = Math.floor((nx - 1) / s) + 1;
  const gy = Math.floor((ny - 1) / s) + 1;
  const gz = Math.floor((nz - 1) / s) + 1;
  const near = nearRegion(region, shape, s, [gx, gy, gz]);
  const nGrid = gx * gy * gz;
  const centredOn = options.moleculeCentred ?? thresholdRule === 'snr-aware';
  const centred = centredOn ? moleculeCentredGridPoints(half1, half2, region, s, [gx, gy, gz], near) : undefined;
  const ok = centred && centred.count > 0 ? centred.centred : undefined;
  const grid = new Float32Array(nGrid).fill(Number.NaN);
  const gridLow = new Float32Array(nGrid).fill(Number.NaN);
  const gridHigh = new Float32Array(nGrid).fill(Number.NaN);
  const gridPinned = new Float32Array(nGrid).fill(Number.NaN);
  /** Window evaluator of edge wv: its shells, FSC of the two windows centred at a point, interval scratch. */
  const evaluator = (wv: number) => {
    const wShape: Shape3 = [wv, wv, wv];
    const sh = shellIndex(wShape, [a, a, a]);
    const win = hann(wv);
    const cube1 = new Float32Array(wv * wv * wv);
    const cube2 = new Float32Array(wv * wv * wv);
    const scratch: [Float64Array, Float64Array] = [new Float64Array(sh.nShells), new Float64Array(sh.nShells)];
    const half = wv / 2;
    const [ox, oy, oz] = srcLo;
    const [sx, sy, sz] = srcShape;
    /** Window of `src` (the sub-box srcLo + srcShape of the box) centred at (px, py, pz), times the Hann window, into `dst`. */
    const cut = (src: Float32Array, px: number, py: number, pz: number, dst: Float32Array) => {
      let i = 0;
      const x0 = px - half - ox;
      const y0 = py - half - oy;
      const z0 = pz - half - oz;
      if (x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 + wv <= sx && y0 + wv <= sy && z0 + wv <= sz) {
        // fully inside the source (hence the box): no mirroring, stride-1 rows
        for (let k = 0; k < wv; k++) {
          const wz = win[k];
          for (let j = 0; j < wv; j++) {
            const wzy = wz * win[j];
            const o = ((z0 + k) * sy + (y0 + j)) * sx + x0;
            for (let t = 0; t < wv; t++) dst[i++] = src[o + t] * wzy * win[t];
          }
        }
        return;
      }
      // mirrored at the box's faces; 0 outside the source sub-box
      for (let k = 0; k < wv; k++) {
        const z = reflectIndex(pz - half + k, nz) - oz;
        const wz = win[k];
        for (let j = 0; j < wv; j++) {
          const y = reflectIndex(py - half + j, ny) - oy;
          const wzy = wz * win[j];
          if (z < 0 || z >= sz || y < 0 || y >= sy) {
            for (let t = 0; t < wv; t++) dst[i++] = 0;
            continue;
          }
          const o = (z * sy + y) * sx;
          for (let t = 0; t < wv; t++) {
            const x = reflectIndex(px - half + t, nx) - ox;
            dst[i++] = x >= 0 && x < sx ? src[o + x] * wzy * win[t] : 0;
          }
        }
      }
    };
    const curve = (d1: Float32Array, d2: Float32Array, px: number, py: number, pz: number) => {
      cut(d1, px, py, pz, cube1);
      cut(d2, px, py, pz, cube2);
      return fscFromSpectra(rfft3d(cube1, wShape), rfft3d(cube2, wShape), wShape, [a, a, a], sh);
    };
    return { shells: sh, curve, scratch };
  };
  const { shells, curve: windowCurve, scratch: bandScratch } = evaluator(w);
  const total = near.reduce((acc, v) => acc + v, 0);
  let done = 0;
  const fLimShell = options.randomizeAtA !== undefined ? (w * a) / options.randomizeAtA : Infinity;
  const clamp = (r: number) => Math.min(lowest, Math.max(2 * a, r));
  const share = (options.broadeningCorrection ?? true) ? HANN_BROADENING_SHARE : 0;
  const kc = (d: number): number => hannBroadeningCorrection(d, w * a, share);
  const sampleZ = options.sampleThresholdZ ?? (thresholdRule === 'snr-aware' ? SAMPLE_THRESHOLD_Z : 0);
  if (!(sampleZ >= 0 && Number.isFinite(sampleZ))) throw new RangeError(`sampleThresholdZ must be a finite number >= 0, got ${sampleZ}`);

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
        if (sampleZ > 0) raiseBySpread(fsc, curve.count, sampleZ);
        const r = resolutionAtThreshold({ fsc, shellWidthPerA: shells.shellWidthPerA }, threshold);
        const iv = fscCrossingInterval(fsc, curve.count, shells.shellWidthPerA, threshold, HANN3D_INDEPENDENT_FRACTION, zBand, bandScratch);
        // a window whose FSC never fell below the threshold reads the bound itself: the broadening
        // correction is for crossings (applied to Nyquist it had read 2.0097 Å at 1 Å voxels)
        grid[g] = r.crossed ? clamp(kc(r.resolutionA)) : 2 * a;
        gridLow[g] = Math.min(grid[g], clamp(kc(iv.lowA)));
        gridHigh[g] = Math.max(grid[g], clamp(kc(iv.highA)));
        if (++done % 64 === 0) progress(done / total);
      }
    }
  }
  progress(1);
  if (options.gridMedian ?? true) {
    medianOfNeighbours(grid, [gx, gy, gz], ok);
    medianOfNeighbours(gridLow, [gx, gy, gz], ok);
    medianOfNeighbours(gridHigh, [gx, gy, gz], ok);
  }
  // Half maps low-passed while still correlated at the cut (a user's filtered halves, not the
  // unfiltered halves local resolution needs) hold nothing beyond the cut, yet their windows' FSC,
  // high up to it and corrected for the window's broadening, crosses the threshold beyond it:
  // synth_halves128 low-passed at 6 Å read its 3 Å domains at 4.7 Å (median), 0.79 × the cut.
  // Then no value finer than the cut is a measurement: such values read the cut and are pinned,
  // as a bound (`contentLimited`). Halves whose own signal ends at their low-pass (the references
  // and every `referenceStyleHalfMaps` case) read at most 1 % of their voxels below 0.84 × it.
  // Interpolated halves: every value finer than the old grid's Nyquist reads it and is pinned,
  // whatever the share (the shells beyond were filled with noise before the windows were cut, so a
  // window whose FSC held to the old Nyquist crosses just beyond it, in the noise, as one at the
  // Nyquist of a grid that is not interpolated never crosses at all).
  const contentA = interpolated ? interpolated.limitA : empty ? emptyBeyondA(empty, 0.5 / a) : undefined;
  let finerThanContent = 0;
  let okPoints = 0;
  if (contentA !== undefined) {
    for (let g = 0; g < nGrid; g++) {
      if (!(grid[g] === grid[g])) continue;
      okPoints++;
      if (grid[g] < CONTENT_LIMITED_RATIO * contentA) finerThanContent++;
    }
  }
  const contentLimited = contentA !== undefined && okPoints > 0 && (interpolated !== undefined || finerThanContent > CONTENT_LIMITED_SHARE * okPoints);
  const boundA = contentLimited ? (contentA as number) : 2 * a;
  if (contentLimited) {
    for (let g = 0; g < nGrid; g++) {
      if (!(grid[g] === grid[g])) continue;
      grid[g] = Math.max(grid[g], boundA);
      gridLow[g] = Math.max(gridLow[g], boundA);
      gridHigh[g] = Math.max(gridHigh[g], boundA);
    }
  }
  // a grid point is pinned when its value is the bound: its window never fell below the threshold
  // or (grid median) most of its neighbours' did not; so every voxel reading the bound is flagged,
  // and no flagged grid point reads coarser (the grid holds float32: 2a rounded)
  const bound32 = Math.fround(boundA);
  for (let g = 0; g < nGrid; g++) if (grid[g] === grid[g]) gridPinned[g] = grid[g] <= bound32 ? 1 : 0;

  // Trilinear interpolation of the grids into the region; lowest resolution elsewhere.
  const out = new Float32Array(n).fill(lowest);
  const outLow = new Float32Array(n).fill(lowest);
  const outHigh = new Float32Array(n).fill(lowest);
  const pinned = new Uint8Array(n);
  const values = new Float32Array(maskVoxels);
  const widths = new Float32Array(maskVoxels);
  let nIn = 0;
  let pinnedVoxels = 0;
  const interp = trilinear([gx, gy, gz], s, ok);
  const ends = new Float64Array(2);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const idx = (z * ny + y) * nx + x;
        if (!region[idx]) continue;
        const v = interp(grid, x, y, z, lowest);
        out[idx] = v;
        calibratedInterval(v, Math.min(v, interp(gridLow, x, y, z, lowest)), Math.max(v, interp(gridHigh, x, y, z, lowest)), calib, boundA, lowest, ends);
        outLow[idx] = ends[0];
        outHigh[idx] = ends[1];
        if (interp(gridPinned, x, y, z, 0) >= 0.5) {
          pinned[idx] = 1;
          pinnedVoxels++;
        }
        widths[nIn] = outHigh[idx] - outLow[idx];
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
    finestA: boundA,
    whitened,
    emptyBeyondA: interpolated ? undefined : contentA,
    contentLimitedPercent: contentLimited && !interpolated ? (100 * finerThanContent) / okPoints : undefined,
    interpolated,
    gridMedian: options.gridMedian ?? true,
    broadeningShare: share,
    globalResolutionA,
    windowVoxels: w,
    stepVoxels: s,
    threshold,
    thresholdRule,
    lowFrequencySnr: c0,
    thresholdAtFloor: thresholdRule === 'snr-aware' && snrAwareThresholdAtFloor(c0, w * a),
    lowestResolutionA: lowest,
    points: done,
    moleculeCentredPoints: centred ? centred.count : undefined,
    sampleThresholdZ: sampleZ,
    medianA: quantileByRank(values, nIn, 0.5),
    p5A: quantileByRank(values, nIn, 0.05),
    p95A: quantileByRank(values, nIn, 0.95),
    medianIntervalWidthA: quantileByRank(widths, nIn, 0.5),
    intervalZ: zBand,
    intervalCalibration: calib,
    maskVoxels,
  };
}

/**
 * Trilinear interpolation of a grid of values at spacing s (grid index (k*gy + j)*gx + i at voxel
 * (i·s, j·s, k·s)); NaN grid points (not evaluated) take the value of the voxel's lower corner,
 * or `fallback` when that is NaN too. With `only`, the corners set in it carry the interpolation
 * (their trilinear weights renormalised) wherever they hold a weight above 1e-6; elsewhere the
 * plain rule.
 */
function trilinear(g: [number, number, number], s: number, only?: Uint8Array): (grid: Float32Array, x: number, y: number, z: number, fallback: number) => number {
  const [gx, gy, gz] = g;
  const at = (grid: Float32Array, i: number, j: number, k: number, fb: number): number => {
    const v = grid[(Math.min(k, gz - 1) * gy + Math.min(j, gy - 1)) * gx + Math.min(i, gx - 1)];
    return v === v ? v : fb; // NaN check
  };
  return (grid, x, y, z, fallback) => {
    const kx = Math.floor(x / s), ky = Math.floor(y / s), kz = Math.floor(z / s);
    const tx = (x - kx * s) / s, ty = (y - ky * s) / s, tz = (z - kz * s) / s;
    if (only) {
      let sw = 0;
      let sv = 0;
      for (let c = 0; c < 8; c++) {
        const gi = (Math.min(kz + (c >> 2), gz - 1) * gy + Math.min(ky + ((c >> 1) & 1), gy - 1)) * gx + Math.min(kx + (c & 1), gx - 1);
        if (!only[gi]) continue;
        const w = (c & 1 ? tx : 1 - tx) * ((c >> 1) & 1 ? ty : 1 - ty) * (c >> 2 ? tz : 1 - tz);
        sw += w;
        sv += w * grid[gi];
      }
      if (sw > 1e-6) return sv / sw;
    }
    const c000 = at(grid, kx, ky, kz, fallback);
    return (
      (1 - tz) * ((1 - ty) * ((1 - tx) * c000 + tx * at(grid, kx + 1, ky, kz, c000)) + ty * ((1 - tx) * at(grid, kx, ky + 1, kz, c000) + tx * at(grid, kx + 1, ky + 1, kz, c000))) +
      tz * ((1 - ty) * ((1 - tx) * at(grid, kx, ky, kz + 1, c000) + tx * at(grid, kx + 1, ky, kz + 1, c000)) + ty * ((1 - tx) * at(grid, kx, ky + 1, kz + 1, c000) + tx * at(grid, kx + 1, ky + 1, kz + 1, c000)))
    );
  };
}

/**
 * In place: each non-NaN grid value becomes the median of the non-NaN values among its 19 grid
 * neighbours within √2 steps (the 3×3×3 block without its corners, itself included); with `only`,
 * of those set in it, where there is one (else of all).
 */
function medianOfNeighbours(grid: Float32Array, g: [number, number, number], only?: Uint8Array): void {
  const [gx, gy, gz] = g;
  const src = grid.slice();
  const buf = new Float32Array(19);
  for (let k = 0; k < gz; k++) {
    for (let j = 0; j < gy; j++) {
      for (let i = 0; i < gx; i++) {
        const c = (k * gy + j) * gx + i;
        if (!(src[c] === src[c])) continue;
        let m = 0;
        for (let pass = only ? 0 : 1; pass < 2 && m === 0; pass++) {
          for (let dk = Math.max(0, k - 1); dk <= Math.min(gz - 1, k + 1); dk++) {
            for (let dj = Math.max(0, j - 1); dj <= Math.min(gy - 1, j + 1); dj++) {
              for (let di = Math.max(0, i - 1); di <= Math.min(gx - 1, i + 1); di++) {
                if ((dk - k) ** 2 + (dj - j) ** 2 + (di - i) ** 2 > 2) continue; // not the 8 corners
                const q = (dk * gy + dj) * gx + di;
                const v = src[q];
                if (v === v && (pass === 1 || (only as Uint8Array)[q])) buf[m++] = v;
              }
            }
          }
        }
        const sorted = buf.subarray(0, m).sort();
        grid[c] = m % 2 ? sorted[m >> 1] : 0.5 * (sorted[(m >> 1) - 1] + sorted[m >> 1]);
      }
    }
  }
}

/**
 * In place: `fsc[k] −= z/sqrt(n_k)` for k ≥ 1, with `n_k = max(4, HANN3D_INDEPENDENT_FRACTION · count[k]/2)`
 * the shell's independent complex samples (as in `fscCrossingInterval`): a crossing of the result
 * at t is a crossing of the FSC at the per-shell threshold `t + z/sqrt(n_k)`, which rises where
 * few samples make the FSC noisy (a small window's first shells).
 */
function raiseBySpread(fsc: Float64Array, count: Float64Array, z: number): void {
  for (let k = 1; k < fsc.length; k++) fsc[k] -= z / Math.sqrt(Math.max(4, (HANN3D_INDEPENDENT_FRACTION * count[k]) / 2));
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
