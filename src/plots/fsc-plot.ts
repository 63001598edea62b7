/**
 * The FSC curve plot of `occupy fsc`: FSC against spatial frequency (1/Å), with the 0.143 and 0.5
 * thresholds and the resolutions where the curve crosses them. With a mask it also shows the
 * masked, unmasked and phase-randomised curves and where phases were randomised. Every curve and
 * every vertical line has a legend entry.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { CorrectedFscResult } from '../resolution/fsc-corrected.js';

/** A further FSC curve drawn under the main one. */
export interface FscPlotCurve {
  /** Legend label, e.g. `masked`. */
  label: string;
  /** FSC per shell (same shells as {@link FscPlotData.frequencyPerA}); NaN entries are skipped. */
  fsc: number[];
}

/** What the FSC plot shows. */
export interface FscPlotData {
  /** Spatial frequency per shell, 1/Å. */
  frequencyPerA: number[];
  /** FSC per shell: the main curve, whose crossings are marked. */
  fsc: number[];
  /** Legend label of the main curve; default `FSC`. */
  fscLabel?: string;
  /** Further curves (masked, unmasked, phase-randomised), drawn thinner. */
  extraCurves?: FscPlotCurve[];
  /** Resolution (Å) beyond which phases were randomised: a vertical line. */
  randomiseFromA?: number;
  /** Resolution where the main FSC crosses 0.143 and 0.5, Å (undefined when it does not). */
  resolutionAt0143A?: number;
  resolutionAt05A?: number;
}

/**
 * What `occupy fsc` (and the GUI's half-map run) plot: with a mask, the corrected FSC as the main
 * curve over the masked, unmasked and phase-randomised masked ones and the randomisation limit;
 * without, the plain FSC.
 * @param curve the FSC per shell (the masked one with `corr`) and its frequencies, 1/Å
 * @param corr the phase-randomisation correction (RELION's), when a mask was given
 * @param resolutionAt0143A where the main curve (corrected with `corr`) crosses 0.143, Å; null when it does not
 * @param resolutionAt05A the same at 0.5, Å
 */
export function fscPlotData(curve: { frequencyPerA: ArrayLike<number>; fsc: ArrayLike<number> }, corr: CorrectedFscResult | undefined, resolutionAt0143A: number | null, resolutionAt05A: number | null): FscPlotData {
  const frequencyPerA = Array.from(curve.frequencyPerA);
  const crossings = { resolutionAt0143A: resolutionAt0143A ?? undefined, resolutionAt05A: resolutionAt05A ?? undefined };
  if (!corr) return { frequencyPerA, fsc: Array.from(curve.fsc), ...crossings };
  return {
    frequencyPerA,
    fsc: Array.from(corr.corrected),
    fscLabel: 'corrected (phase randomised)',
    extraCurves: [
      { label: 'masked', fsc: Array.from(corr.masked.fsc) },
      { label: 'unmasked', fsc: Array.from(corr.unmasked.fsc) },
      ...(corr.randomisedMasked ? [{ label: 'phase-randomised, masked', fsc: Array.from(corr.randomisedMasked.fsc) }] : []),
    ],
    randomiseFromA: corr.randomiseFromA ?? undefined,
    ...crossings,
  };
}

const MAIN_COLOUR = '#1f4e9c';
const EXTRA_COLOURS = ['#f58518', '#54a24b', '#9d755d', '#b279a2'];
const RULE_COLOURS = { c0143: '#e45756', c05: '#8e44ad', randomise: '#777777' };

/**
 * Vega-lite spec of the FSC curves (x: 1/Å, y: FSC), threshold lines and crossing lines; one
 * legend lists the curves and the vertical lines (crossings with their resolution in Å, the
 * phase-randomisation limit).
 * @param d curves and marks
 * @param title plot title
 */
export function fscPlotSpec(d: FscPlotData, title: string): TopLevelSpec {
  const mainLabel = d.fscLabel ?? 'FSC';
  const curves = [{ label: mainLabel, fsc: d.fsc }, ...(d.extraCurves ?? [])];
  const points = curves.flatMap((c, ci) => d.frequencyPerA.map((f, i) => ({ f, fsc: c.fsc[i], series: c.label, order: ci })).filter((p) => Number.isFinite(p.fsc)));
  const thresholds = [
    { y: 0.143, label: 'FSC = 0.143' },
    { y: 0.5, label: 'FSC = 0.5' },
  ];
  const vertical = [
    ...(d.resolutionAt0143A ? [{ f: 1 / d.resolutionAt0143A, series: `0.143 crossing: ${d.resolutionAt0143A.toFixed(2)} Å`, colour: RULE_COLOURS.c0143 }] : []),
    ...(d.resolutionAt05A ? [{ f: 1 / d.resolutionAt05A, series: `0.5 crossing: ${d.resolutionAt05A.toFixed(2)} Å`, colour: RULE_COLOURS.c05 }] : []),
    ...(d.randomiseFromA ? [{ f: 1 / d.randomiseFromA, series: `phases randomised beyond ${d.randomiseFromA.toFixed(2)} Å`, colour: RULE_COLOURS.randomise }] : []),
  ];
  const domain = [...curves.map((c) => c.label), ...vertical.map((v) => v.series)];
  const range = [MAIN_COLOUR, ...curves.slice(1).map((_, i) => EXTRA_COLOURS[i % EXTRA_COLOURS.length]), ...vertical.map((v) => v.colour)];
  const colour = { field: 'series', type: 'nominal' as const, scale: { domain, range }, legend: { title: null, orient: 'right' as const, labelLimit: 320 } };
  const xMax = d.frequencyPerA.length ? d.frequencyPerA[d.frequencyPerA.length - 1] : 1;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 620,
    height: 380,
    background: 'white',
    layer: [
      {
        data: { values: thresholds },
        mark: { type: 'rule', color: '#999', strokeDash: [4, 4] },
        encoding: { y: { field: 'y', type: 'quantitative' } },
      },
      {
        // threshold values written at the left edge, above their line (not over the curves' legend)
        data: { values: thresholds },
        mark: { type: 'text', align: 'left', dx: 2, dy: -5, color: '#666', fontSize: 10 },
        encoding: { x: { datum: 0, type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        data: { values: points },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'f', type: 'quantitative', title: 'spatial frequency (1/Å)', scale: { domain: [0, xMax] } },
          // clamped: a curve far outside the axis (a corrected FSC of ±1e15 where the randomised
          // masked FSC is 1 − 1e-16, as from a one-voxel mask) is drawn along the axis' edge; unclamped
          // the renderer drew it 1e17 pixels long and took the machine's 24 GB before it was killed
          y: { field: 'fsc', type: 'quantitative', title: 'Fourier shell correlation', scale: { domain: [-0.1, 1.05], clamp: true } },
          color: colour,
          detail: { field: 'series' },
          order: { field: 'order' },
          strokeWidth: { condition: { test: `datum.series === '${mainLabel.replace(/'/g, "\\'")}'`, value: 2.5 }, value: 1.2 },
        },
      },
      ...(vertical.length
        ? [
            {
              data: { values: vertical },
              mark: { type: 'rule' as const, strokeDash: [6, 3] },
              encoding: { x: { field: 'f', type: 'quantitative' as const }, color: colour, tooltip: { field: 'series' } },
            },
          ]
        : []),
    ],
  };
}
