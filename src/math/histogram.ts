/**
 * Equal-width histograms normalised as a probability density.
 * @see shared/spec/occupy-algorithm.md §5.2 and §7.1
 */

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
 * Bin index of `value` in a histogram with `nBins` bins over `[lo, hi]`.
 * The maximum falls into the last bin and the minimum into bin 0 (numpy's convention).
 */
export function binIndex(value: number, lo: number, width: number, nBins: number): number {
  const i = Math.floor((value - lo) / width);
  return i < 0 ? 0 : i >= nBins ? nBins - 1 : i;
}

/**
 * Histogram of the selected values of `data`, normalised as a density.
 *
 * @param data values, any length
 * @param nBins number of equal bins (default 1000, as the original)
 * @param select optional selection: only indices `i` with `select[i] !== 0` are counted;
 *   same length as `data`
 * @throws RangeError when nothing is selected or all selected values are equal (no range)
 */
export function densityHistogram(data: ArrayLike<number>, nBins = 1000, select?: ArrayLike<number>): DensityHistogram {
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  if (select) {
    for (let i = 0; i < data.length; i++) {
      if (select[i] === 0) continue;
      const v = data[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
      total++;
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    total = data.length;
  }
  if (total === 0) throw new RangeError('histogram: no values selected');
  if (!(hi > lo)) throw new RangeError(`histogram: all ${total} values equal ${lo}; the map has no contrast`);
  const width = (hi - lo) / nBins;
  const last = nBins - 1;
  const tally = new Uint32Array(nBins);
  // bin = floor((v - lo)/width) clamped to [0, nBins-1], exactly as binIndex (inlined: per voxel)
  if (select) {
    for (let i = 0; i < data.length; i++) {
      if (select[i] === 0) continue;
      const b = Math.floor((data[i] - lo) / width);
      tally[b < 0 ? 0 : b > last ? last : b]++;
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      const b = Math.floor((data[i] - lo) / width);
      tally[b < 0 ? 0 : b > last ? last : b]++;
    }
  }
  const counts = Float64Array.from(tally);
  const density = new Float64Array(nBins);
  const norm = 1 / (total * width);
  for (let b = 0; b < nBins; b++) density[b] = counts[b] * norm;
  return { lo, hi, width, density, counts };
}
