/**
 * Basic statistics over voxel arrays, accumulated in float64.
 */
import { simdRange } from './voxel-kernels.js';

/** Minimum, maximum, mean and standard deviation (population) of an array. */
export interface ArrayStats {
  min: number;
  max: number;
  mean: number;
  std: number;
}

/**
 * Min, max, mean and population standard deviation of `data` (float64 accumulation).
 * @throws RangeError when `data` is empty
 */
export function arrayStats(data: ArrayLike<number>): ArrayStats {
  const n = data.length;
  if (n === 0) throw new RangeError('arrayStats: empty array');
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = data[i] - mean;
    ss += d * d;
  }
  return { min, max, mean, std: Math.sqrt(ss / n) };
}

/**
 * Minimum and maximum of `data` in one pass (WebAssembly SIMD, see `voxel-kernels.ts`).
 *
 * @param data values, length >= 1
 * @returns `{ min, max }`; NaN when any value is NaN
 * @throws RangeError when `data` is empty
 */
export function arrayRange(data: Float32Array): { min: number; max: number } {
  if (data.length === 0) throw new RangeError('arrayRange: empty array');
  return simdRange(data);
}

/**
 * Pearson correlation of `a` and `b` over the indices where `mask` is non-zero
 * (all indices when no mask is given).
 * @param a values, length N
 * @param b values, length N
 * @param mask optional selection, length N
 * @returns r in [-1, 1], or NaN when either selection has zero variance
 * @throws RangeError when the lengths differ
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, mask?: ArrayLike<number>): number {
  if (a.length !== b.length || (mask && mask.length !== a.length)) {
    throw new RangeError(`pearson: lengths differ (${a.length}, ${b.length}${mask ? `, ${mask.length}` : ''})`);
  }
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && mask[i] === 0) continue;
    sa += a[i];
    sb += b[i];
    n++;
  }
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if (mask && mask[i] === 0) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/**
 * Median of a (small) list of numbers: the middle value, or the mean of the two middle values for
 * an even count. Sorts a copy.
 * @returns NaN for an empty list
 */
export function medianOf(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/**
 * Quantile of a (small) list of numbers by nearest rank: `sort(values)[round(q·(n − 1))]` (the same
 * rank as `quantileByRank` in ./select.ts). Sorts a copy.
 * @param q quantile in [0, 1]
 * @returns NaN for an empty list
 */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/**
 * Sample standard deviation (n − 1 in the denominator) of a (small) list of numbers, over its
 * finite entries (e.g. the medians of repeated runs).
 * @returns NaN when fewer than two entries are finite
 */
export function sampleStdOf(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  if (v.length < 2) return Number.NaN;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
}
