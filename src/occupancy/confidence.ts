/**
 * Confidence: the probability that a voxel is not solvent, from the solvent model.
 * @see shared/spec/occupy-algorithm.md §7
 */
import { densityHistogram, type DensityHistogram } from '../math/histogram.js';
import { simdLookup } from '../math/voxel-kernels.js';
import { gaussian, histogramHeightUnit, type GaussianModel } from './solvent-model.js';

/** The confidence curve over the histogram of the whole map, and what it implies. */
export interface ConfidenceCurve {
  /** Histogram of all voxels of the solvent input (1000 bins). */
  histogram: DensityHistogram;
  /** Confidence per bin, length nBins, in [0, 1], non-decreasing with density. */
  curve: Float64Array;
  /** Confidence before shape enforcement and hedging (for plots), length nBins. */
  raw: Float64Array;
  /** Confidence after shape enforcement, before hedging, length nBins, in [0, 1]. */
  shaped: Float64Array;
  /** The `--hedge-confidence` exponent applied to `shaped` to give `curve` (1 = none). */
  hedge: number;
  /** Index of the first bin whose confidence is > 0.5 (nBins when none is). */
  halfIndex: number;
  /** Lower edge of that bin in density units (the histogram maximum when no bin reaches 0.5). */
  halfDensity: number;
}

/**
 * Confidence curve of spec §7.1–7.4.
 *
 * `q_i = (h_i + ε - fit_i)/(h_i + ε)` with `fit_i` the model at the lower edge of bin i
 * (clipped at 0) and ε = 0.01 × {@link histogramHeightUnit} (the original's 0.01 wherever the
 * solvent peak is ≥ 10 per density unit; in proportion to it below, so the map's units do not
 * change the result); then, from the top bin down, `q_i = min(q_i, q_{i+1}, q_{i+1} - d)` with `d` the
 * previous drop, and every bin from the first one at <= 0 downwards set to 0; finally `q^hedge`.
 *
 * @param solventInput low-passed map (all voxels are histogrammed), any length
 * @param model the solvent model (§5)
 * @param hedge `--hedge-confidence` exponent (>= 1; 1 = none)
 */
export function confidenceCurve(solventInput: Float32Array, model: GaussianModel, hedge = 1): ConfidenceCurve {
  const histogram = densityHistogram(solventInput, 1000);
  const n = histogram.density.length;
  const raw = new Float64Array(n);
  const eps = 0.01 * histogramHeightUnit(model);
  for (let i = 0; i < n; i++) {
    const fit = Math.max(0, gaussian(model, histogram.lo + i * histogram.width));
    const h = histogram.density[i];
    raw[i] = (h + eps - fit) / (h + eps);
  }
  const shaped = enforceConfidenceShape(raw);
  const q = hedge === 1 ? Float64Array.from(shaped) : shaped.map((v) => Math.pow(v, hedge));
  let halfIndex = n;
  for (let i = 0; i < n; i++) {
    if (q[i] > 0.5) {
      halfIndex = i;
      break;
    }
  }
  const halfDensity = halfIndex < n ? histogram.lo + halfIndex * histogram.width : histogram.hi;
  return { histogram, curve: q, raw, shaped, hedge, halfIndex, halfDensity };
}

/**
 * Shape enforcement of spec §7.3 on raw per-bin confidence: from the top bin down
 * `q_i = min(q_i, q_{i+1}, q_{i+1} - d)` with d the previous drop (confidence never increases and
 * its decrease never slows as density falls); from the first bin at <= 0 downwards everything is
 * 0; finally clipped to [0, 1].
 *
 * @param raw raw confidence per bin, length m (not modified)
 * @returns the enforced curve, length m, in [0, 1], non-decreasing with bin index
 */
export function enforceConfidenceShape(raw: ArrayLike<number>): Float64Array {
  const n = raw.length;
  const q = Float64Array.from(raw);
  if (n === 0) return q;
  let zeroFrom = q[n - 1] <= 0 ? n - 1 : -1;
  for (let i = n - 2; i >= 0 && zeroFrom < 0; i--) {
    const d = i + 2 < n ? q[i + 2] - q[i + 1] : 0;
    q[i] = Math.min(q[i], q[i + 1], q[i + 1] - d);
    if (q[i] <= 0) zeroFrom = i;
  }
  if (zeroFrom >= 0) for (let i = zeroFrom; i >= 0; i--) q[i] = 0;
  for (let i = 0; i < n; i++) q[i] = Math.min(1, Math.max(0, q[i]));
  return q;
}

/**
 * Per-voxel confidence (spec §7.5): the curve value of the bin just below the voxel's own bin,
 * `curve[max(0, floor((v - lo)/width) - 1)]`.
 *
 * The one-bin offset is how the original OccuPy indexes the curve; keeping it reproduces the
 * reference confidence maps exactly (without it, r drops to 0.94 on EMD-1439, whose
 * near-constant background sits on the curve's steep step). The original's quirk of sending the
 * minimum voxel to index -1 (the top bin, confidence ~1) is not reproduced: it gets bin 0.
 *
 * @param solventInput low-passed map, length N
 * @param curve the confidence curve computed from the same map
 * @param out optional array for the result, length N; may be `solventInput` itself (computed in
 *   place, chunk by chunk: the estimate job does so when it needs no low-passed map afterwards)
 * @returns confidence map, length N, values in [0, 1] (`out` when given)
 * @throws RangeError when `out` has another length
 */
export function confidenceMap(solventInput: Float32Array, curve: ConfidenceCurve, out?: Float32Array): Float32Array {
  const { lo, width } = curve.histogram;
  const n = curve.curve.length;
  // table[b] = confidence of a voxel in bin b (the curve one bin lower); bins as binIndex computes them
  const table = new Float32Array(n);
  for (let b = 0; b < n; b++) table[b] = curve.curve[b > 0 ? b - 1 : 0];
  const target = out ?? new Float32Array(solventInput.length);
  simdLookup(solventInput, lo, 1 / width, table, target);
  return target;
}

/**
 * JavaScript reference of {@link confidenceMap} (same contract and result), for the tests.
 */
export function confidenceMapReference(solventInput: Float32Array, curve: ConfidenceCurve): Float32Array {
  const { lo, width } = curve.histogram;
  const n = curve.curve.length;
  const inv = 1 / width;
  const last = n - 1;
  const out = new Float32Array(solventInput.length);
  for (let i = 0; i < solventInput.length; i++) {
    const b = Math.floor((solventInput[i] - lo) * inv);
    out[i] = curve.curve[Math.max(0, (b < 0 ? 0 : b > last ? last : b) - 1)];
  }
  return out;
}
