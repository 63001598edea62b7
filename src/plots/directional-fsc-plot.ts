/**
 * The plot of `occupy fsc --directional` (3DFSC-style): a histogram of the directional
 * resolutions (one count per cone) with the fitted best and worst resolutions marked, next to the
 * FSC in cones along the map's x, y and z axes with the global FSC and the threshold.
 * @see issue 18 item 1
 */
import type { TopLevelSpec } from 'vega-lite';

/** What the directional FSC plot shows. */
export interface DirectionalFscPlotData {
  /** Resolution per cone direction, Å. */
  resolutionsA: number[];
  /** Best and worst resolutions of the fitted ellipsoid, Å. */
  bestResolutionA: number;
  worstResolutionA: number;
  /** Spatial frequency per shell, 1/Å. */
  frequencyPerA: number[];
  /** FSC per shell: global and in cones along x, y, z (NaN entries skipped). */
  globalFsc: number[];
  fscX: number[];
  fscY: number[];
  fscZ: number[];
  /** FSC threshold drawn as a rule (e.g. 0.143). */
  threshold: number;
  /** Sphericity, shown in the title of the histogram. */
  sphericity: number;
}

/**
 * Vega-lite spec: left, the histogram of directional resolutions (30 bins over their range, at
 * least 0.01 Å wide) with rules at the fitted best and worst resolutions; right, the FSC
 * curves (x: 1/Å) along x, y, z and the global one, with the threshold.
 * @param d the values to draw
 * @param title overall title
 */
export function directionalFscPlotSpec(d: DirectionalFscPlotData, title: string): TopLevelSpec {
  const finite = d.resolutionsA.filter((v) => Number.isFinite(v));
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const step = Math.max(0.01, (hi - lo) / 30);
  const curves = [
    { label: 'global', fsc: d.globalFsc },
    { label: 'cone along x', fsc: d.fscX },
    { label: 'cone along y', fsc: d.fscY },
    { label: 'cone along z', fsc: d.fscZ },
  ];
  const points = curves.flatMap((c) => d.frequencyPerA.map((f, i) => ({ f, fsc: c.fsc[i], series: c.label })).filter((p) => Number.isFinite(p.fsc)));
  const marks = [
    { r: d.bestResolutionA, series: `best (fit): ${d.bestResolutionA.toFixed(2)} Å` },
    { r: d.worstResolutionA, series: `worst (fit): ${d.worstResolutionA.toFixed(2)} Å` },
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    hconcat: [
      {
        title: `Directional resolution (${finite.length} cones), sphericity ${d.sphericity.toFixed(3)}`,
        width: 380,
        height: 300,
        layer: [
          {
            data: { values: finite.map((r) => ({ r })) },
            mark: { type: 'bar', color: '#1f4e9c' },
            encoding: {
              x: { field: 'r', type: 'quantitative', bin: { step }, title: 'resolution per direction (Å)' },
              y: { aggregate: 'count', type: 'quantitative', title: 'cones' },
            },
          },
          {
            data: { values: marks },
            mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 2 },
            encoding: {
              x: { field: 'r', type: 'quantitative' },
              color: { field: 'series', type: 'nominal', scale: { range: ['#54a24b', '#e45756'] }, legend: { title: null, orient: 'bottom', labelLimit: 400 } },
            },
          },
        ],
      },
      {
        title: 'FSC in cones along the map axes',
        width: 380,
        height: 300,
        layer: [
          {
            data: { values: [{ y: d.threshold, label: `FSC = ${d.threshold}` }] },
            mark: { type: 'rule', color: '#999', strokeDash: [4, 4] },
            encoding: { y: { field: 'y', type: 'quantitative' } },
          },
          {
            data: { values: points },
            mark: { type: 'line', strokeWidth: 1.6 },
            encoding: {
              x: { field: 'f', type: 'quantitative', title: 'spatial frequency (1/Å)' },
              y: { field: 'fsc', type: 'quantitative', title: 'Fourier shell correlation', scale: { domain: [-0.1, 1.05] } },
              color: { field: 'series', type: 'nominal', scale: { domain: curves.map((c) => c.label), range: ['#333333', '#e45756', '#54a24b', '#4c78a8'] }, legend: { title: null, orient: 'bottom', labelLimit: 400 } },
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}
