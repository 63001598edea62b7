/**
 * The FSC curve plot of `occupy fsc`: FSC against spatial frequency (1/Å), with the 0.143 and 0.5
 * thresholds and the resolutions where the curve crosses them.
 */
import type { TopLevelSpec } from 'vega-lite';

/** What the FSC plot shows. */
export interface FscPlotData {
  /** Spatial frequency per shell, 1/Å. */
  frequencyPerA: number[];
  /** FSC per shell. */
  fsc: number[];
  /** Resolution where FSC crosses 0.143 and 0.5, Å (undefined when it does not). */
  resolutionAt0143A?: number;
  resolutionAt05A?: number;
}

/** Vega-lite spec of the FSC curve (x: 1/Å, y: FSC), threshold lines and crossing markers. */
export function fscPlotSpec(d: FscPlotData, title: string): TopLevelSpec {
  const points = d.frequencyPerA.map((f, i) => ({ f, fsc: d.fsc[i] })).filter((p) => Number.isFinite(p.fsc));
  const rules = [
    { y: 0.143, label: 'FSC = 0.143' },
    { y: 0.5, label: 'FSC = 0.5' },
  ];
  const crossings = [
    ...(d.resolutionAt0143A ? [{ f: 1 / d.resolutionAt0143A, y: 0.97, label: `${d.resolutionAt0143A.toFixed(2)} Å (0.143)` }] : []),
    ...(d.resolutionAt05A ? [{ f: 1 / d.resolutionAt05A, y: 0.87, label: `${d.resolutionAt05A.toFixed(2)} Å (0.5)` }] : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 700,
    height: 380,
    background: 'white',
    layer: [
      {
        data: { values: points },
        mark: { type: 'line', color: '#4c78a8', strokeWidth: 2 },
        encoding: {
          x: { field: 'f', type: 'quantitative', title: 'spatial frequency (1/Å)' },
          y: { field: 'fsc', type: 'quantitative', title: 'Fourier shell correlation', scale: { domain: [-0.1, 1.05] } },
        },
      },
      {
        data: { values: rules },
        mark: { type: 'rule', color: '#888', strokeDash: [4, 4] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: crossings },
        mark: { type: 'rule', color: '#e45756' },
        encoding: { x: { field: 'f', type: 'quantitative' }, tooltip: { field: 'label' } },
      },
      {
        data: { values: crossings },
        mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#e45756' },
        encoding: { x: { field: 'f', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  };
}
