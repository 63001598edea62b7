/**
 * Histogram of local-resolution values inside the mask (`occupy locres` output plot).
 */
import type { TopLevelSpec } from 'vega-lite';

/** Histogram bins of local resolution. */
export interface ResolutionHistogram {
  /** Lower edge of each bin, Å. */
  lowerA: number[];
  /** Upper edge of each bin, Å. */
  upperA: number[];
  /** Voxels per bin. */
  count: number[];
}

/**
 * Bin the values selected by `select` (all when absent) into `bins` equal bins over their range.
 * @param values local resolution per voxel, Å, length N
 * @param select optional 0/1 selection, length N
 * @throws RangeError when nothing is selected
 */
export function resolutionHistogram(values: Float32Array, select?: ArrayLike<number>, bins = 40): ResolutionHistogram {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (select && !select[i]) continue;
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
    n++;
  }
  if (n === 0) throw new RangeError('resolution histogram: no voxel selected');
  if (hi === lo) hi = lo + 1e-3;
  const width = (hi - lo) / bins;
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (select && !select[i]) continue;
    count[Math.min(bins - 1, Math.floor((values[i] - lo) / width))]++;
  }
  return { lowerA: count.map((_, b) => lo + b * width), upperA: count.map((_, b) => lo + (b + 1) * width), count };
}

/** Vega-lite bar chart of a {@link ResolutionHistogram}, with the median marked. */
export function resolutionHistogramSpec(h: ResolutionHistogram, title: string, medianA: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 700,
    height: 360,
    background: 'white',
    layer: [
      {
        data: { values: h.count.map((c, i) => ({ lo: h.lowerA[i], hi: h.upperA[i], count: c })) },
        mark: { type: 'rect', color: '#4c78a8', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', title: 'local resolution (Å)', scale: { zero: false } },
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', title: 'voxels in mask' },
        },
      },
      {
        data: { values: [{ m: medianA, label: `median ${medianA.toFixed(2)} Å` }] },
        mark: { type: 'rule', color: '#e45756', strokeDash: [6, 3], strokeWidth: 2 },
        encoding: { x: { field: 'm', type: 'quantitative' } },
      },
    ],
  };
}
