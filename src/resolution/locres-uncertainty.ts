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

/** Normal quantile of a two-sided 90 % interval. */
export const Z_90 = 1.6449;

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
 * from Fisher's z: `atanh(FSC) ± z·/sqrt(n − 3)` with `n = independentFraction · count / 2`
 * independent complex samples (at least 4); the interval runs from the crossing of the upper band
 * (finer) to the crossing of the lower band (coarser), both as in `resolutionAtThreshold`.
 *
 * @param fsc FSC per shell k = 0 … kMax (NaN shells are treated as 0)
 * @param count Fourier samples of the full spectrum per shell (as `FscCurve.count`)
 * @param shellWidthPerA shell spacing in 1/Å
 * @param threshold FSC threshold in (0, 1)
 * @param independentFraction fraction of samples that are independent (window-dependent, e.g.
 *   {@link HANN3D_INDEPENDENT_FRACTION})
 * @param z normal quantile of the band (default {@link Z_90}); larger is wider
 * @param scratch two buffers of at least fsc.length entries, overwritten (avoids allocation per window)
 */
export function fscCrossingInterval(
  fsc: Float64Array, count: Float64Array, shellWidthPerA: number, threshold: number, independentFraction: number, z: number = Z_90,
  scratch: [Float64Array, Float64Array] = [new Float64Array(fsc.length), new Float64Array(fsc.length)],
): CrossingInterval {
  const [up, lo] = scratch;
  for (let k = 0; k < fsc.length; k++) {
    const f = Number.isFinite(fsc[k]) ? Math.min(0.999999, Math.max(-0.999999, fsc[k])) : 0;
    const nEff = Math.max(4, (independentFraction * count[k]) / 2);
    const d = z / Math.sqrt(nEff - 3);
    const zf = Math.atanh(f);
    up[k] = Math.tanh(zf + d);
    lo[k] = Math.tanh(zf - d);
  }
  const upper = resolutionAtThreshold({ fsc: up.subarray(0, fsc.length), shellWidthPerA }, threshold);
  const lower = resolutionAtThreshold({ fsc: lo.subarray(0, fsc.length), shellWidthPerA }, threshold);
  return { lowA: upper.resolutionA, highA: lower.resolutionA, lowPinned: !upper.crossed };
}
