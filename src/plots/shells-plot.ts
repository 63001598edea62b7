/**
 * The plot of `occupy locres --shells`: FSC resolution per spherical shell against the shell's
 * radius (points joined by a line), skipped shells left out.
 * @see issue 18 item 3
 */
import type { TopLevelSpec } from 'vega-lite';

/** One point of the shells plot. */
export interface ShellPoint {
  /** Mid radius of the shell, Å. */
  radiusA: number;
  /** Resolution of the shell, Å (non-finite values are left out). */
  resolutionA: number;
  /** Whether the shell's FSC crossed the threshold (false: the value is a Nyquist bound, drawn hollow). */
  crossed: boolean;
}

/**
 * Vega-lite spec of resolution (Å, y) against radius (Å, x).
 * @param points one per shell
 * @param title plot title
 */
export function shellsPlotSpec(points: readonly ShellPoint[], title: string): TopLevelSpec {
  const values = points.filter((p) => Number.isFinite(p.resolutionA)).map((p) => ({ ...p, kind: p.crossed ? 'FSC crossed the threshold' : 'bound: FSC above the threshold up to Nyquist' }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 340,
    background: 'white',
    data: { values },
    layer: [
      { mark: { type: 'line', color: '#1f4e9c' }, encoding: { x: { field: 'radiusA', type: 'quantitative', title: 'shell radius (Å)' }, y: { field: 'resolutionA', type: 'quantitative', title: 'resolution (Å)', scale: { zero: false } } } },
      {
        mark: { type: 'point', size: 60, filled: true },
        encoding: {
          x: { field: 'radiusA', type: 'quantitative' },
          y: { field: 'resolutionA', type: 'quantitative' },
          shape: { field: 'kind', type: 'nominal', legend: { title: null, orient: 'bottom', labelLimit: 400 } },
          color: { value: '#1f4e9c' },
          tooltip: [{ field: 'radiusA', title: 'radius Å' }, { field: 'resolutionA', title: 'resolution Å', format: '.2f' }],
        },
      },
    ],
  };
}
