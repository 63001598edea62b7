/**
 * Histogram of local-resolution values inside the mask (`occupy locres` output plot), with bins
 * aligned to the resolutions the method tested (the local-FSC window's shells, MonoRes' tested
 * frequencies), so no bin straddles a tested value and no comb of empty bins appears.
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

/** The resolutions a local-resolution method tested. */
export interface TestedResolutions {
  /** Tested resolutions, Å, any order (e.g. window shells w·a/k, or MonoRes' 1/f_i). */
  resolutionsA: number[];
  /**
   * True when every value is one of the tested resolutions (MonoRes: one bin centred on each);
   * false when values lie between them (local FSC interpolates its crossing: tested values are
   * bin edges, each interval split into equal sub-bins).
   */
  discrete: boolean;
}

/**
 * Bin edges (Å, ascending) aligned to tested resolutions over the value range [loA, hiA].
 *
 * Discrete: one bin per tested value, edges halfway between neighbours. Continuous: the tested
 * values are edges and each interval between two of them is split into round(width / target)
 * (at least 1, at most targetBins, and only where it overlaps [loA, hiA]) equal sub-bins,
 * target = (hiA − loA) / targetBins (≥ 0.001 Å); values beyond the tested range
 * get bins of the target width starting at the nearest tested value.
 *
 * @param tested the tested resolutions (at least one)
 * @param loA smallest value to bin, Å
 * @param hiA largest value to bin, Å (≥ loA)
 * @param targetBins roughly how many bins the range should get (continuous case), default 40
 * @returns edges, length bins + 1, covering [loA, hiA]
 * @throws RangeError when no tested resolution is positive and finite
 */
export function alignedBinEdges(tested: TestedResolutions, loA: number, hiA: number, targetBins = 40): number[] {
  const t = [...new Set(tested.resolutionsA.filter((v) => v > 0 && Number.isFinite(v)))].sort((a, b) => a - b);
  if (t.length === 0) throw new RangeError('alignedBinEdges: no positive tested resolution');
  let edges: number[];
  if (tested.discrete) {
    const half = (i: number) => (t.length === 1 ? 0.5 : i < t.length - 1 ? (t[i + 1] - t[i]) / 2 : (t[i] - t[i - 1]) / 2);
    edges = [t[0] - (t.length === 1 ? 0.5 : (t[1] - t[0]) / 2), ...t.map((v, i) => v + half(i))];
  } else {
    const target = Math.max((hiA - loA) / targetBins, 1e-3);
    edges = [t[0]];
    for (let i = 0; i + 1 < t.length; i++) {
      // only intervals that overlap the values are split, each into at most targetBins bins: a
      // degenerate value range (every voxel at one value) must not make millions of bins
      const overlaps = t[i + 1] > loA && t[i] < hiA;
      const m = overlaps ? Math.min(targetBins, Math.max(1, Math.round((t[i + 1] - t[i]) / target))) : 1;
      for (let j = 1; j <= m; j++) edges.push(t[i] + ((t[i + 1] - t[i]) * j) / m);
    }
    const below = Math.max(target, (edges[0] - loA) / targetBins);
    while (edges[0] > loA) edges.unshift(edges[0] - below);
    const above = Math.max(target, (hiA - edges[edges.length - 1]) / targetBins);
    while (edges[edges.length - 1] <= hiA) edges.push(edges[edges.length - 1] + above);
  }
  // keep only the bins that overlap [loA, hiA]; the value range must stay covered
  let first = 0;
  while (first + 1 < edges.length - 1 && edges[first + 1] <= loA) first++;
  let last = edges.length - 1;
  while (last - 1 > first + 1 && edges[last - 1] > hiA) last--;
  const kept = edges.slice(first, last + 1);
  if (kept[0] > loA) kept.unshift(loA);
  if (kept[kept.length - 1] < hiA) kept.push(hiA);
  return kept;
}

/**
 * Bin the values selected by `select` (all when absent): into `bins` equal bins over their range,
 * or into the given bin edges (e.g. from {@link alignedBinEdges}; a value on an inner edge goes to
 * the bin above it, the last bin includes its upper edge).
 * @param values local resolution per voxel, Å, length N
 * @param select optional 0/1 selection, length N
 * @param bins number of equal bins (default 40), or ascending edges in Å (length ≥ 2) covering the values
 * @throws RangeError when nothing is selected, or the edges are not ascending or do not cover a value
 */
export function resolutionHistogram(values: Float32Array, select?: ArrayLike<number>, bins: number | readonly number[] = 40): ResolutionHistogram {
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
  if (typeof bins !== 'number') {
    const e = bins;
    if (e.length < 2 || e.some((v, i) => i > 0 && !(v > e[i - 1]))) throw new RangeError('resolution histogram: bin edges must be ascending, at least two');
    if (lo < e[0] || hi > e[e.length - 1]) throw new RangeError(`resolution histogram: edges ${e[0]}–${e[e.length - 1]} Å do not cover the values ${lo}–${hi} Å`);
    const count = new Array<number>(e.length - 1).fill(0);
    for (let i = 0; i < values.length; i++) {
      if (select && !select[i]) continue;
      const v = values[i];
      let a = 0, b = e.length - 1; // largest a with e[a] <= v
      while (b - a > 1) {
        const mid = (a + b) >> 1;
        if (e[mid] <= v) a = mid;
        else b = mid;
      }
      count[Math.min(a, count.length - 1)]++;
    }
    return { lowerA: e.slice(0, -1), upperA: e.slice(1), count };
  }
  if (hi === lo) hi = lo + 1e-3;
  const width = (hi - lo) / bins;
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (select && !select[i]) continue;
    count[Math.min(bins - 1, Math.floor((values[i] - lo) / width))]++;
  }
  return { lowerA: count.map((_, b) => lo + b * width), upperA: count.map((_, b) => lo + (b + 1) * width), count };
}

/**
 * Vega-lite bar chart of a {@link ResolutionHistogram}, with the median marked; the bars and the
 * median line are named in the legend, and tested resolutions (when given) are the x ticks.
 * @param h the histogram
 * @param title plot title
 * @param medianA median local resolution, Å
 * @param tested the tested resolutions, for the bars' legend entry and the x ticks
 */
export function resolutionHistogramSpec(h: ResolutionHistogram, title: string, medianA: number, tested?: TestedResolutions): TopLevelSpec {
  const barLabel = tested ? (tested.discrete ? 'voxels per tested resolution' : 'voxels per bin (edges at the window shells)') : 'voxels per bin';
  const medianLabel = `median ${medianA.toFixed(2)} Å`;
  const colour = { field: 'series', type: 'nominal' as const, title: null, scale: { domain: [barLabel, medianLabel], range: ['#4c78a8', '#e45756'] }, legend: { orient: 'bottom' as const, direction: 'horizontal' as const, symbolType: 'stroke', labelLimit: 400 } };
  const lo = h.lowerA[0];
  const hi = h.upperA[h.upperA.length - 1];
  const ticks = tested ? [...new Set(tested.resolutionsA)].filter((v) => v >= lo && v <= hi).sort((a, b) => a - b) : undefined;
  // at most ~14 labelled ticks: thin evenly when the method tested more
  const shown = ticks && ticks.length > 14 ? ticks.filter((_, i) => i % Math.ceil(ticks.length / 14) === 0) : ticks;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 700,
    height: 360,
    background: 'white',
    layer: [
      {
        data: { values: h.count.map((c, i) => ({ lo: h.lowerA[i], hi: h.upperA[i], count: c, series: barLabel })) },
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'lo', type: 'quantitative', title: 'local resolution (Å)', scale: { zero: false, domain: [lo, hi], nice: false }, axis: shown && shown.length >= 2 ? { values: shown, format: '.3~g', labelOverlap: 'greedy' as const } : {} },
          x2: { field: 'hi' },
          y: { field: 'count', type: 'quantitative', title: 'voxels in mask' },
          color: colour,
        },
      },
      {
        data: { values: [{ m: medianA, series: medianLabel }] },
        mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 2 },
        encoding: { x: { field: 'm', type: 'quantitative' }, color: colour },
      },
    ],
  };
}
