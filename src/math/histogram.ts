/**
 * Equal-width histograms normalised as a probability density.
 * @see shared/spec/occupy-algorithm.md §5.2 and §7.1
 */
import { simdRange, simdTally, type IndexRuns } from './voxel-kernels.js';

/** A density histogram over `[lo, hi]` with `counts.length` equal bins. */
export interface DensityHistogram {
  /** Lower edge of the first bin (the minimum value), same unit as the data. */
  lo: number;
  /** Upper edge of the last bin (the maximum value). */
  hi: number;
  /** Bin width `(hi - lo) / nBins`. */
  width: number;
  /** Density per bin, length nBins: `count / (total * width)`, so `sum(density) * width = 1`. */
  density: Float64Array;
  /** Raw counts per bin, length nBins. */
  counts: Float64Array;
}

/**
 * A selection of voxels as one run per row: row `r` covers `data[r*rowLength + runs[2r]]` up to
 * (not including) `data[r*rowLength + runs[2r+1]]`.
 */
export interface RowRuns {
  /** Row length (nx for a map). */
  rowLength: number;
  /** `[start, end)` per row, length `2 * rows`. */
  runs: Int32Array;
}

/**
 * Bin index of `value` in a histogram with `nBins` bins over `[lo, lo + nBins*width]`:
 * `floor((value - lo) * (1/width))` clamped to `[0, nBins-1]`, so the maximum falls into the last
 * bin and the minimum into bin 0 (numpy's convention). The histogram loops use this exact
 * expression (with `1/width` computed once), so a voxel always lands in the same bin.
 */
export function binIndex(value: number, lo: number, width: number, nBins: number): number {
  const i = Math.floor((value - lo) * (1 / width));
  return i < 0 ? 0 : i >= nBins ? nBins - 1 : i;
}

/**
 * Histogram of the selected values of `data`, normalised as a density. Float32 data without a
 * mask are binned by the SIMD kernels of `voxel-kernels.ts`, others by the JavaScript loops of
 * {@link densityHistogramReference}; both give identical counts.
 *
 * @param data values, any length
 * @param nBins number of equal bins (default 1000, as the original)
 * @param select optional selection: a mask (only indices `i` with `select[i] !== 0` are counted;
 *   same length as `data`) or one run of indices per row ({@link RowRuns})
 * @throws RangeError when nothing is selected or all selected values are equal (no range)
 */
export function densityHistogram(data: ArrayLike<number>, nBins = 1000, select?: ArrayLike<number> | RowRuns): DensityHistogram {
  if (!(data instanceof Float32Array) || (select && !('runs' in select)) || nBins > 65536) return densityHistogramReference(data, nBins, select);
  let runs: IndexRuns | undefined;
  let total = data.length;
  if (select && 'runs' in select) {
    const { rowLength, runs: r } = select;
    runs = { count: r.length >> 1, begin: (i) => i * rowLength + r[2 * i], end: (i) => i * rowLength + r[2 * i + 1] };
    total = 0;
    for (let i = 0; i < runs.count; i++) total += Math.max(0, r[2 * i + 1] - r[2 * i]);
  }
  const { min: lo, max: hi } = total > 0 ? simdRange(data, runs) : { min: Infinity, max: -Infinity };
  checkRange(total, lo, hi);
  const width = (hi - lo) / nBins;
  const tally = new Uint32Array(nBins);
  simdTally(data, runs, lo, 1 / width, tally);
  return finishHistogram(tally, total, lo, hi, width);
}

/**
 * JavaScript reference of {@link densityHistogram} (any array type and selection); same contract.
 * @throws RangeError when nothing is selected or all selected values are equal (no range)
 */
export function densityHistogramReference(data: ArrayLike<number>, nBins = 1000, select?: ArrayLike<number> | RowRuns): DensityHistogram {
  // the selection as runs of indices: [start, end) pairs over data
  let starts: Int32Array | null = null;
  let rowLength = 0;
  if (select && 'runs' in select) {
    starts = select.runs;
    rowLength = select.rowLength;
  } else if (select) {
    return maskedHistogram(data, nBins, select);
  }
  const nRuns = starts ? starts.length >> 1 : 1;
  const begin = (r: number) => (starts ? r * rowLength + starts[2 * r] : 0);
  const end = (r: number) => (starts ? r * rowLength + starts[2 * r + 1] : data.length);
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (let r = 0; r < nRuns; r++) {
    const e = end(r);
    for (let i = begin(r); i < e; i++) {
      const v = data[i];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    total += Math.max(0, e - begin(r));
  }
  checkRange(total, lo, hi);
  const width = (hi - lo) / nBins;
  const inv = 1 / width;
  const last = nBins - 1;
  const tally = new Uint32Array(nBins);
  // bin = floor((v - lo) * inv) clamped to [0, nBins-1], exactly as binIndex (v >= lo, so the
  // truncation `| 0` is the floor)
  for (let r = 0; r < nRuns; r++) {
    const e = end(r);
    for (let i = begin(r); i < e; i++) {
      const b = ((data[i] - lo) * inv) | 0;
      tally[b > last ? last : b]++;
    }
  }
  return finishHistogram(tally, total, lo, hi, width);
}

function maskedHistogram(data: ArrayLike<number>, nBins: number, select: ArrayLike<number>): DensityHistogram {
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (let i = 0; i < data.length; i++) {
    if (select[i] === 0) continue;
    const v = data[i];
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    total++;
  }
  checkRange(total, lo, hi);
  const width = (hi - lo) / nBins;
  const inv = 1 / width;
  const last = nBins - 1;
  const tally = new Uint32Array(nBins);
  for (let i = 0; i < data.length; i++) {
    if (select[i] === 0) continue;
    const b = ((data[i] - lo) * inv) | 0;
    tally[b > last ? last : b]++;
  }
  return finishHistogram(tally, total, lo, hi, width);
}

function checkRange(total: number, lo: number, hi: number): void {
  if (total === 0) throw new RangeError('histogram: no values selected');
  if (!(hi > lo)) throw new RangeError(`histogram: all ${total} values equal ${lo}; the map has no contrast`);
}

function finishHistogram(tally: Uint32Array, total: number, lo: number, hi: number, width: number): DensityHistogram {
  const nBins = tally.length;
  const counts = Float64Array.from(tally);
  const density = new Float64Array(nBins);
  const norm = 1 / (total * width);
  for (let b = 0; b < nBins; b++) density[b] = counts[b] * norm;
  return { lo, hi, width, density, counts };
}
