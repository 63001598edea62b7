/**
 * Per-window uncertainty of a local-FSC resolution: where the FSC's confidence band crosses the
 * threshold.
 * @see shared/spec/local-resolution.md §2 (local FSC), issue 16 item 4
 */
import { resolutionAtThreshold } from './fsc.js';

/**
 * Fraction of a shell's Fourier samples that are independent under a separable 3D Hann window of
 * edge w: the window's effective volume `(Σw²)² / Σw⁴` relative to w³, per axis
 * `(3w/8)² / (35w/128) / w = 18/35`, so `(18/35)³ ≈ 0.136` in 3D.
 */
export const HANN3D_INDEPENDENT_FRACTION = (18 / 35) ** 3;

/**
 * Default half-width of the FSC band in standard errors (now 0.3, with a calibration term; last paragraph). First 0.95, measured with the default local FSC
 * (SNR-aware threshold, Hann broadening correction, grid median) on the synthetic half maps of
 * `bench/locres-accuracy.ts --cases everything` (coverage of the true local resolution at voxels at
 * least one window radius inside a domain): 0.8 covered only 60 % and 75 % on two cases once the
 * grid median had narrowed the band ends, 0.9 81 % / 80 %, 0.95 90 % / 83 %, 1.0 97 % on the first;
 * the other cases with such voxels are covered 92–100 % already at 0.8. (Before the grid median, 0.8
 * covered 80–100 %.) The textbook two-sided 90 % quantile, 1.645, over-covers: the effective sample
 * count of the Hann window over-states the spread of the crossing, which the window's coarse shells
 * quantise.
 *
 * Since the threshold's second refit (lower thresholds, 0.001–0.17; `SNR_AWARE_THRESHOLD`) 0.95
 * covered the 0.95 Å held-out case at 70 % (1884 interior voxels, median width 1.4 Å); 1.05 83 %,
 * 1.1 86 % (width 2.1 Å), 1.15 91 %, 1.2 96 %: now 1.1. The other cases with interior voxels are
 * covered 97–100 % at any of these, by wide intervals (median 8–26 Å): at thresholds near 0 the
 * lower band's crossing falls at a window's first shells. The references' layout (domains of
 * radius 14 Å, `referenceStyleHalfMaps`) has no voxel a window radius inside a domain.
 *
 * Since the third refit (2026-12-02: thresholds lower again in larger windows) 1.1 covered the
 * held-out case at 100 % with a median width of 22 Å (the lower band crossing at the first
 * shells). Measured on six `fourDomainHalfMaps` cases with interior voxels (coverage / median
 * width): the held-out 0.95 Å case 66 % / 0.8 Å at 0.6, 86 % / 1.0 Å at 0.7, 94 % / 1.4 Å at 0.8,
 * 100 % / 1.8 Å at 0.9; 1.15 Å, 3 / 4.5 / 8 / 6 Å, SNR 3.5: 89 / 95 / 97 / 100 %; the other four
 * 100 % at 0.6–0.9 with median widths 2.0–5.6 Å at 0.6, 2.7–9.5 Å at 0.7, 5–14 Å at 0.8: now 0.7.
 *
 * Since the fourth refit (2026-12-02: windows centred on the molecule, thresholds higher again)
 * 0.7 covered the held-out case at 100 % (median width 1.5 Å). Coverage of the twelve
 * `fourDomainHalfMaps` cases with interior voxels (`bench/locres-accuracy.ts --cases everything
 * --z Z`): held-out 0.95 Å case 74 / 88 / 94.8 / 97.7 / 99 / 100 % at 0.4 / 0.45 / 0.5 / 0.55 /
 * 0.6 / 0.7; over all twelve the median coverage is 71.5 % at 0.45, 75 % at 0.5, 80.5 % at 0.6,
 * 95 % at 0.7, and at any z four to six cases stay near 75 % (one domain of four read outside its
 * interval: a bias of that domain, not a width) while one (1.2 Å, SNR 2, 86 voxels) stays below
 * 40 % up to 0.6. Now 0.5: the held-out case inside 80–95 %, the others under-covered rather than
 * covered by wide intervals (median width 0.86 Å on the held-out case, 1.9–7.9 Å on the others).
 *
 * Since the fifth refit (2026-12-02, session 31: thresholds 0.045 lower) 0.5 covered the held-out
 * case at 64 %: now 0.6 (85 %, median width 0.91 Å; 0.7: 96 %, 1.20 Å). Measured now also on maps
 * made as the references are, whose domains (radius 14.08 Å) have no voxel a window radius inside
 * their *labels* (the labels have holes between atoms) but do inside their *balls*: voxels of the
 * mask within 14.08 Å − w/2 of the domain's centre. `synth_halves128` 81.0 / 81.7 / 82.6 % at z
 * 0.5 / 0.6 / 0.7 (990 voxels; 64 % at 0.5 before the refit: its 3 Å domains read 3.35 Å with
 * narrow intervals); 60 maps (`referenceLayoutCase` 200–229, `randomLocresCase` 9300–9329, those
 * with ≥ 20 such voxels), pooled coverage: layout 92.5 / 98.5 / 99.7 %, random layouts
 * 80.6 / 88.8 / 96.1 % (median widths at 0.6: 0.85 and 3.9 Å). Per map the coverage is mostly
 * 100 % or well below 80 % (at 0.6, 8 of 47 maps within 80–95 %, 6 below): a map's bias, not the
 * interval's width, decides it (README, *Uncertainty*).
 *
 * Since session 45: 0.3, with the calibration term {@link DEFAULT_INTERVAL_CALIBRATION} in
 * quadrature (pooled coverage within 80–95 % on every family measured, where 0.6 alone gave
 * 97–98 %; see there).
 */
export const DEFAULT_INTERVAL_Z = 0.3;

/**
 * Calibration half-width of the per-voxel interval, in natural-log units of the resolution (0.04:
 * ±4 %), combined in quadrature with the sampling band's half-width on each side:
 * `low = v·exp(−√(ln(v/low₀)² + c²))`, `high = v·exp(√(ln(high₀/v)² + c²))` for a value v whose
 * band ends are low₀, high₀ ({@link calibratedInterval}). The band (z standard errors of each
 * shell's FSC) is the crossing's sampling spread; the threshold's calibration adds an error of its
 * own that does not shrink where the FSC falls steeply (a sharply cut-off 3 Å domain read 3.27 Å
 * with a band of 3.10–3.46 Å on `synth_halves128`). Chosen with {@link DEFAULT_INTERVAL_Z} in
 * session 45 (docs/local-resolution.md *Uncertainty: a calibration term*): with z 0.6 and no such
 * term the pooled coverage of the truth at voxels at least one window radius inside a domain was
 * 97–98 % on maps made as the references are (the coarse domains' wide bands) and 97 % on 20
 * smooth phantoms, while the steep domains stayed outside their narrow bands; z 0.3 with c 0.04
 * gave 89 / 89 / 84 % on the three tuning families, and 91 % / 84 % on the 41 maps with such
 * voxels among 60 drawn afterwards (layout 21000–21029, random 21000–21029), `synth_halves128` 81 %.
 */
export const DEFAULT_INTERVAL_CALIBRATION = 0.04;

/**
 * One voxel's interval with the calibration term of {@link DEFAULT_INTERVAL_CALIBRATION}: each
 * side's log half-width combined in quadrature with `c`, clamped to [finestA, lowestA].
 * @param valueA the voxel's resolution in Å (> 0)
 * @param lowA finer end of the sampling band in Å (≤ valueA)
 * @param highA coarser end of the sampling band in Å (≥ valueA)
 * @param c calibration half-width in natural-log units (≥ 0)
 * @param finestA lower clamp in Å (Nyquist, 2 × the voxel size)
 * @param lowestA upper clamp in Å (the lowest reported resolution)
 * @param out receives [low, high] in Å (no allocation per voxel)
 *
 * Cost: about 40 ns a voxel on this machine (Node 20; two logarithms, two square roots, two
 * exponentials), i.e. 1.6 s for a 512³ box with 30 % of it in the mask.
 */
export function calibratedInterval(valueA: number, lowA: number, highA: number, c: number, finestA: number, lowestA: number, out: Float64Array): void {
  const dl = Math.log(valueA / lowA);
  const dh = Math.log(highA / valueA);
  out[0] = Math.max(finestA, Math.min(valueA, valueA * Math.exp(-Math.sqrt(dl * dl + c * c))));
  out[1] = Math.min(lowestA, Math.max(valueA, valueA * Math.exp(Math.sqrt(dh * dh + c * c))));
}

/** Result of {@link fscCrossingInterval}. */
export interface CrossingInterval {
  /** Finer end of the interval in Å (the upper FSC band's crossing). */
  lowA: number;
  /** Coarser end of the interval in Å (the lower FSC band's crossing). */
  highA: number;
  /** Whether the upper band never fell below the threshold (the finer end is Nyquist or beyond). */
  lowPinned: boolean;
}

/**
 * Interval of the threshold crossing of one FSC curve. Each shell's FSC gets a confidence band
 * from Fisher's z: `atanh(FSC) ± z/sqrt(n − 3)` with `n = independentFraction · count / 2`
 * independent complex samples (at least 4). Around the curve's own first crossing (shells k−1, k,
 * as in `resolutionAtThreshold`): the finer end is where the upper band first falls below the
 * threshold at or after shell k−1, the coarser end where the lower band, followed from shell k−1
 * towards the low shells, last stays at or above it; both linearly interpolated between shells.
 * Following the bands from the crossing keeps the low shells, whose few samples make the band
 * uninformative, from deciding the interval.
 *
 * @param fsc FSC per shell k = 0 … kMax (NaN shells are treated as 0)
 * @param count Fourier samples of the full spectrum per shell (as `FscCurve.count`)
 * @param shellWidthPerA shell spacing in 1/Å
 * @param threshold FSC threshold in (0, 1)
 * @param independentFraction fraction of samples that are independent (window-dependent, e.g.
 *   {@link HANN3D_INDEPENDENT_FRACTION})
 * @param z half-width of the band in standard errors (default {@link DEFAULT_INTERVAL_Z}); larger is wider
 * @param scratch two buffers of at least fsc.length entries, overwritten (avoids allocation per window)
 */
export function fscCrossingInterval(
  fsc: Float64Array, count: Float64Array, shellWidthPerA: number, threshold: number, independentFraction: number, z: number = DEFAULT_INTERVAL_Z,
  scratch: [Float64Array, Float64Array] = [new Float64Array(fsc.length), new Float64Array(fsc.length)],
): CrossingInterval {
  const [up, lo] = scratch;
  const nk = fsc.length;
  for (let k = 0; k < nk; k++) {
    const f = Number.isFinite(fsc[k]) ? Math.min(0.999999, Math.max(-0.999999, fsc[k])) : 0;
    const nEff = Math.max(4, (independentFraction * count[k]) / 2);
    const d = z / Math.sqrt(nEff - 3);
    const zf = Math.atanh(f);
    up[k] = Math.tanh(zf + d);
    lo[k] = Math.tanh(zf - d);
  }
  const point = resolutionAtThreshold({ fsc, shellWidthPerA }, threshold);
  const kc = point.crossed ? point.shell : nk - 1; // first shell below the threshold (or the last)
  const toA = (shell: number) => 1 / (Math.max(shell, 1e-9) * shellWidthPerA);
  const between = (band: Float64Array, k0: number) => {
    const f0 = band[k0];
    const f1 = band[k0 + 1];
    const t = f0 !== f1 ? (f0 - threshold) / (f0 - f1) : 0;
    return k0 + Math.min(1, Math.max(0, t));
  };
  // finer end: the upper band's first fall below the threshold from shell kc − 1 on
  let fine = nk - 1;
  let lowPinned = true;
  for (let k = Math.max(1, kc - 1); k < nk; k++) {
    if (up[k] < threshold) {
      fine = k > 1 ? between(up, k - 1) : k;
      lowPinned = false;
      break;
    }
  }
  // coarser end: from shell kc − 1 down, the first shell where the lower band is at or above it
  let coarse = 1;
  for (let k = Math.min(kc - 1, nk - 2); k >= 1; k--) {
    if (lo[k] >= threshold) {
      coarse = between(lo, k);
      break;
    }
  }
  return { lowA: toA(Math.max(fine, coarse)), highA: toA(Math.min(fine, coarse)), lowPinned };
}
