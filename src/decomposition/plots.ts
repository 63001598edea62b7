/**
 * Plots of `occupy decompose --plot`: local Guinier fits of three regions, and histograms of
 * occupancy and B-factor over the molecule.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { BandSummary, GuinierExample } from './decompose.js';

/**
 * Vega-lite spec of the example Guinier fits: points = the region's mean `ln(A_k/A0_k)` against
 * `s_k^2` (1/Å^2) over voxels where band k is usable; dashed line = the region's median fitted
 * intercept and B, `intercept − B s^2/4` (voxels with fewer usable bands weigh in there too),
 * drawn from s² = 0 to the region's finest plotted band (beyond it the region has no usable band,
 * and a line there shows nothing that was measured). The legend gives each region's B on the B
 * map's scale (the slope's relative B plus the reference B), as the log and `bfactor_*.mrc` do;
 * before session 50 it gave the relative B unlabelled, 51 Å² below the map on `synth_occres128`.
 * @param referenceBA2 the reference region's B, Å² (`globalBA`: B map = relative B + this)
 */
export function guinierFitsSpec(examples: readonly GuinierExample[], bands: readonly BandSummary[], title: string, referenceBA2: number): TopLevelSpec {
  const label = (e: GuinierExample) => `${e.name} (occ ${e.occupancy.toFixed(2)}, B ${(e.bRelativeA2 + referenceBA2).toFixed(0)} Å²: ${e.bRelativeA2 >= 0 ? '+' : '−'}${Math.abs(e.bRelativeA2).toFixed(0)} on the reference's ${referenceBA2.toFixed(0)})`;
  const points = examples.flatMap((e) => e.logRatio.map((y, k) => ({ region: label(e), s2: bands[k].centrePerA ** 2, y })).filter((p) => Number.isFinite(p.y)));
  const s2max = (e: GuinierExample) => Math.max(0, ...bands.filter((_, k) => Number.isFinite(e.logRatio[k])).map((b) => b.centrePerA ** 2));
  const lines = examples.flatMap((e) => [0, s2max(e)].map((s2) => ({ region: label(e), s2, y: e.intercept - (e.bRelativeA2 * s2) / 4 })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 380,
    background: 'white',
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 's2', type: 'quantitative', title: 's² (1/Å²)' }, y: { field: 'y', type: 'quantitative', title: 'ln(A/A0) relative to the reference' }, color: { field: 'region', type: 'nominal', legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600 } } } },
      { data: { values: lines }, mark: { type: 'line', strokeDash: [4, 3] }, encoding: { x: { field: 's2', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: { field: 'region', type: 'nominal' } } },
    ],
  } as TopLevelSpec;
}

/** Vega-lite bar chart of a histogram of `values` over the selected voxels (`bins` equal bins). */
export function histogramSpec(values: Float32Array, select: Uint8Array, bins: number, xTitle: string, title: string): TopLevelSpec {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) if (select[i]) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (!(hi > lo)) hi = lo + 1e-3;
  const w = (hi - lo) / bins;
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) if (select[i]) count[Math.min(bins - 1, Math.floor((values[i] - lo) / w))]++;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 640,
    height: 300,
    background: 'white',
    data: { values: count.map((c, b) => ({ lo: lo + b * w, hi: lo + (b + 1) * w, count: c })) },
    mark: { type: 'rect', color: '#4c78a8', stroke: 'white', strokeWidth: 0.5 },
    encoding: { x: { field: 'lo', type: 'quantitative', title: xTitle, scale: { zero: false } }, x2: { field: 'hi' }, y: { field: 'count', type: 'quantitative', title: 'molecule voxels' } },
  } as TopLevelSpec;
}
