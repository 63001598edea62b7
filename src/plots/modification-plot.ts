/**
 * The `--plot` modification-curve figures: modified scale against local scale for the
 * amplify / attenuate (gamma) and sigmoid modes.
 * @see shared/spec/occupy-algorithm.md §9 and §11
 */
import type { TopLevelSpec } from 'vega-lite';
import { modificationFactor, type ModificationKind } from '../occupancy/modification-curves.js';

/** One modification curve sampled on [0, 1]. */
export interface ModificationSeries {
  /** Legend label, e.g. "amplify g=2.0". */
  label: string;
  /** Local scale samples, dimensionless, evenly spaced on [0, 1] inclusive; length `samples`. */
  x: number[];
  /** Modified scale `x * factor(x)`, dimensionless; same length as `x`. */
  y: number[];
}

/** Label of a curve: one decimal for g, two for the pivot (as the output file names of §9). */
export function modificationLabel(kind: ModificationKind, gamma: number, pivot?: number): string {
  if (kind === 'sigmoid') return `sigmoid g=${gamma.toFixed(1)}, pivot=${(pivot ?? NaN).toFixed(2)}`;
  return `${kind} g=${gamma.toFixed(1)}`;
}

/**
 * Sample a modification curve (spec §9): `y = x · factor(x)` at `samples` evenly spaced scales
 * `x` in [0, 1], with `factor` from `modificationFactor` (the same function the map
 * modification uses): amplify `x^(1/g - 1)`, attenuate `x^(g - 1)`, sigmoid `f(x)/x`; factor 1
 * where `x <= scaleLimit`.
 *
 * @param kind amplify, attenuate or sigmoid
 * @param gamma power g > 1
 * @param pivot sigmoid pivot in [0.01, 0.99] (required for sigmoid, ignored otherwise)
 * @param scaleLimit scales at or below this are unmodified (`--scale-limit`, default 0.05)
 * @param samples number of samples, integer >= 2 (default 201, i.e. steps of 0.005)
 * @throws RangeError for gamma <= 1, a missing/out-of-range pivot, or samples < 2
 */
export function modificationSeries(kind: ModificationKind, gamma: number, pivot?: number, scaleLimit = 0.05, samples = 201): ModificationSeries {
  if (!Number.isInteger(samples) || samples < 2) throw new RangeError(`samples must be an integer >= 2, got ${samples}`);
  const factor = modificationFactor(kind, gamma, pivot, scaleLimit);
  const x = new Array<number>(samples);
  const y = new Array<number>(samples);
  for (let i = 0; i < samples; i++) {
    const s = i / (samples - 1);
    x[i] = s;
    y[i] = s * factor(s);
  }
  return { label: modificationLabel(kind, gamma, pivot), x, y };
}

/** Options of {@link modificationSpec}. */
export interface ModificationSpecOptions {
  /** Plot title; default "Modification curves". */
  title?: string;
  /** Draw a dotted vertical rule at this `--scale-limit` when given. */
  scaleLimit?: number;
}

/**
 * A vega-lite spec plotting each curve and the identity line (no modification) on the unit
 * square: x "local scale", y "modified scale". The scale-limit rule, when drawn, is named in the
 * legend with its value.
 *
 * @param curves curves from {@link modificationSeries}; labels must be distinct
 * @param options title and optional scale-limit marker
 * @returns a vega-lite spec with inline data, 480×480 plot area
 * @throws RangeError when `curves` is empty
 */
export function modificationSpec(curves: ModificationSeries[], options: ModificationSpecOptions = {}): TopLevelSpec {
  if (curves.length === 0) throw new RangeError('modificationSpec: no curves to plot');
  const identity = 'identity (unmodified)';
  const values: { x: number; y: number; series: string }[] = [
    { x: 0, y: 0, series: identity },
    { x: 1, y: 1, series: identity },
  ];
  for (const c of curves) for (let i = 0; i < c.x.length; i++) values.push({ x: c.x[i], y: c.y[i], series: c.label });
  // the scale-limit rule has its own legend entry (every vertical line is named in the legend)
  const limitLabel = options.scaleLimit !== undefined ? `scale limit ${Number(options.scaleLimit.toPrecision(3))} (unmodified at or below)` : undefined;
  const domain = [identity, ...curves.map((c) => c.label), ...(limitLabel ? [limitLabel] : [])];
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const range = ['#999999', ...curves.map((_, i) => palette[i % palette.length]), ...(limitLabel ? ['#555555'] : [])];
  const colour = { field: 'series', type: 'nominal' as const, title: null, scale: { domain, range }, legend: { orient: 'bottom' as const, columns: 2, symbolType: 'stroke', labelLimit: 400 } };
  const unit = { scale: { domain: [0, 1] }, type: 'quantitative' as const };
  const curveLayer = {
    data: { values },
    mark: { type: 'line' as const, strokeWidth: 2, clip: true },
    encoding: {
      x: { field: 'x', title: 'local scale', ...unit },
      y: { field: 'y', title: 'modified scale', ...unit },
      color: colour,
      strokeDash: { condition: { test: `datum.series === '${identity}'`, value: [4, 4] }, value: [1, 0] },
    },
  };
  const limitLayer = {
    data: { values: [{ x: options.scaleLimit ?? 0, series: limitLabel ?? '' }] },
    mark: { type: 'rule' as const, strokeDash: [2, 3], strokeWidth: 1.5 },
    encoding: { x: { field: 'x', ...unit }, color: colour },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: options.title ?? 'Modification curves', fontSize: 16 },
    width: 480,
    height: 480,
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#888' } },
    layer: options.scaleLimit !== undefined ? [curveLayer, limitLayer] : [curveLayer],
  };
}
