/**
 * The plot of `occupy locres --method monodir`: histograms of the highest and lowest directional
 * resolution inside the mask (overlaid), and of the anisotropy `1 − highest/lowest`.
 * @see issue 18 item 2
 */
import type { TopLevelSpec } from 'vega-lite';

/**
 * Vega-lite spec: left, the histograms of the highest (finest) and lowest (coarsest) directional
 * resolution per voxel (Å, 40 bins over their joint range); right, the histogram of anisotropy
 * (bins of 0.025 in [0, 1]).
 * @param highestA highest resolution per mask voxel, Å
 * @param lowestA lowest resolution per mask voxel, Å, same voxels
 * @param anisotropy per mask voxel, in [0, 1)
 * @param title plot title
 */
export function monoDirPlotSpec(highestA: ArrayLike<number>, lowestA: ArrayLike<number>, anisotropy: ArrayLike<number>, title: string): TopLevelSpec {
  // at most 20 000 voxels, evenly strided: the histograms' shape, not a multi-megabyte SVG
  const stride = Math.max(1, Math.ceil(highestA.length / 20000));
  const res: { r: number; kind: string }[] = [];
  const an: { a: number }[] = [];
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < highestA.length; i += stride) {
    res.push({ r: highestA[i], kind: 'highest (finest direction)' }, { r: lowestA[i], kind: 'lowest (coarsest direction)' });
    an.push({ a: anisotropy[i] });
    lo = Math.min(lo, highestA[i]);
    hi = Math.max(hi, lowestA[i]);
  }
  const step = Math.max(0.01, (hi - lo) / 40);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    background: 'white',
    hconcat: [
      {
        title: 'Directional resolution per voxel (inside the mask)',
        width: 380,
        height: 280,
        data: { values: res },
        mark: { type: 'bar', opacity: 0.6 },
        encoding: {
          x: { field: 'r', type: 'quantitative', bin: { step }, title: 'resolution (Å)' },
          y: { aggregate: 'count', type: 'quantitative', title: 'voxels (sampled)', stack: null },
          color: { field: 'kind', type: 'nominal', scale: { range: ['#1f4e9c', '#e45756'] }, legend: { title: null, orient: 'bottom', labelLimit: 400 } },
        },
      },
      {
        title: 'Anisotropy 1 − highest/lowest',
        width: 300,
        height: 280,
        data: { values: an },
        mark: { type: 'bar', color: '#54a24b' },
        encoding: {
          x: { field: 'a', type: 'quantitative', bin: { step: 0.025, extent: [0, 1] }, title: 'anisotropy' },
          y: { aggregate: 'count', type: 'quantitative', title: 'voxels (sampled)' },
        },
      },
    ],
  };
}
