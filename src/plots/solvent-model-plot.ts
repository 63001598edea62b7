/**
 * The `--plot` solvent-model figure: log-scale histogram of the solvent region with the initial
 * guess and the fitted Gaussian, and the confidence curve on a second (linear) axis.
 * @see shared/spec/occupy-algorithm.md §5, §7 and §11
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ConfidenceCurve } from '../occupancy/confidence.js';
import { gaussian, type SolventModel } from '../occupancy/solvent-model.js';

/** A vertical marker at a density value. */
export interface DensityMarker {
  /** Legend label, e.g. "solvent peak (mu)". */
  label: string;
  /** Position, density (map units). */
  x: number;
}

/**
 * The data behind the solvent-model plot, as plain arrays (ready for JSON / vega).
 *
 * Two x grids: the solvent-region histogram (`x`, length nBins of the solvent histogram, 1000)
 * and the whole-map histogram of the confidence curve (`confidenceX`, length nBins of that
 * histogram, 1000). Both hold bin lower edges in map density units.
 */
export interface SolventModelSeries {
  /** Lower edges of the solvent-region histogram bins, density (map units), ascending; length n. */
  x: number[];
  /** Solvent-region histogram, density (1 / map units): `sum(histogram) * binWidth = 1`; length n. */
  histogram: number[];
  /** Width of the solvent-region histogram bins, density (map units). */
  binWidth: number;
  /** Initial-guess Gaussian (spec §5.3) evaluated at `x`, histogram density units; length n. */
  initial: number[];
  /** Fitted solvent Gaussian (spec §5.4) evaluated at `x`, histogram density units; length n. */
  fitted: number[];
  /** Lower edges of the whole-map histogram bins, density (map units), ascending; length m. */
  confidenceX: number[];
  /**
   * Per-bin confidence before shape enforcement and hedging (spec §7.2, `q_i`), clipped to
   * [0, 1] for display; dimensionless, length m.
   */
  confidenceUnshaped: number[];
  /** Confidence after shape enforcement (spec §7.3), before hedging; in [0, 1], non-decreasing; length m. */
  confidence: number[];
  /** `confidence^hedge` (spec §7.4) when `hedge > 1`, else undefined; in [0, 1]; length m. */
  confidenceHedged?: number[];
  /** The hedge exponent used for `confidenceHedged` (1 = none). */
  hedge: number;
  /** Vertical markers: solvent peak mu, solvent edge, content at 1 % of solvent (spec §5.5). */
  markers: DensityMarker[];
}

/**
 * Arrays for the solvent-model plot (spec §11 `--plot`).
 *
 * The confidence series is the shaped, unhedged curve (`confidence.shaped`); the hedged one is
 * added when hedge > 1.
 *
 * @param solvent the fitted solvent model (§5)
 * @param confidence the confidence curve of the whole map (§7)
 * @param hedge `--hedge-confidence` exponent; a hedged series is added when > 1 (default 1)
 * @throws RangeError when hedge is not a finite number >= 1
 */
export function solventModelSeries(solvent: SolventModel, confidence: ConfidenceCurve, hedge = 1): SolventModelSeries {
  if (!(hedge >= 1) || !Number.isFinite(hedge)) throw new RangeError(`hedge must be a finite number >= 1, got ${hedge}`);
  const h = solvent.histogram;
  const n = h.density.length;
  const x = new Array<number>(n);
  const histogram = new Array<number>(n);
  const initial = new Array<number>(n);
  const fitted = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const xi = h.lo + i * h.width;
    x[i] = xi;
    histogram[i] = h.density[i];
    initial[i] = gaussian(solvent.initial, xi);
    fitted[i] = gaussian(solvent.model, xi);
  }
  const ch = confidence.histogram;
  const m = confidence.raw.length;
  const confidenceX = new Array<number>(m);
  for (let i = 0; i < m; i++) confidenceX[i] = ch.lo + i * ch.width;
  const confidenceUnshaped = Array.from(confidence.raw, (q) => Math.min(1, Math.max(0, q)));
  const shaped = confidence.shaped;
  const series: SolventModelSeries = {
    x,
    histogram,
    binWidth: h.width,
    initial,
    fitted,
    confidenceX,
    confidenceUnshaped,
    confidence: Array.from(shaped),
    hedge,
    markers: [
      { label: 'solvent peak (mu)', x: solvent.model.mu },
      { label: 'solvent edge', x: solvent.solventEdge },
      { label: 'content at 1 % of solvent', x: solvent.contentAt1PctOfSolvent },
    ],
  };
  if (hedge > 1) series.confidenceHedged = Array.from(shaped, (v) => Math.pow(v, hedge));
  return series;
}

/** Legend names of the plotted series, in legend order. */
const NAMES = {
  histogram: 'solvent-region histogram',
  initial: 'initial guess',
  fitted: 'fitted solvent model',
  unshaped: 'confidence (unshaped)',
  confidence: 'confidence',
} as const;

const COLOURS = {
  histogram: '#9ecae1',
  initial: '#ff7f0e',
  fitted: '#d62728',
  unshaped: '#bbbbbb',
  confidence: '#2ca02c',
  hedged: '#006d2c',
  markers: ['#7f7f7f', '#9467bd', '#8c564b'],
} as const;

interface Point {
  x: number;
  y: number;
  series: string;
}

/** Unicode superscript digits and minus, for `10⁻³`. */
const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/**
 * Ticks of a log axis over [lo, hi] (both > 0): the powers of ten inside, labelled plainly
 * (0.001 … 1000, else 10⁻⁵-style); when fewer than three decades fit, 2× and 5× ticks are added
 * so the axis still has a few labels. The axis grid follows these ticks only, so the plot has a
 * line per decade instead of nine per decade.
 * @param lo lower end of the axis, > 0
 * @param hi upper end, > lo
 * @returns tick values (ascending) and their labels, same length
 */
export function logAxisTicks(lo: number, hi: number): { values: number[]; labels: string[] } {
  const e0 = Math.ceil(Math.log10(lo) - 1e-9);
  const e1 = Math.floor(Math.log10(hi) + 1e-9);
  const values: number[] = [];
  const steps = e1 - e0 + 1 >= 3 ? [1] : [1, 2, 5];
  for (let e = e0 - 1; e <= e1; e++) for (const m of steps) {
    const v = Number((m * 10 ** e).toPrecision(12));
    if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) values.push(v);
  }
  const label = (v: number) => {
    const e = Math.floor(Math.log10(v) + 1e-9);
    if (e >= -3 && e <= 3) return String(v);
    const m = Math.round(v / 10 ** e);
    const pow = `10${String(e).split('').map((c) => SUPERSCRIPT[c]).join('')}`;
    return m === 1 ? pow : `${m}×${pow}`;
  };
  return { values, labels: values.map(label) };
}

/** A vega `labelExpr` that writes `labels[i]` at `values[i]` (nearest within 0.1 %). */
function labelExprOf(values: number[], labels: string[]): string {
  let expr = "''";
  for (let i = values.length - 1; i >= 0; i--) expr = `abs(datum.value - ${values[i]}) <= ${values[i] * 1e-3} ? '${labels[i]}' : ${expr}`;
  return expr;
}

/**
 * A layered vega-lite spec of the solvent-model plot.
 *
 * Left y axis, log scale: the solvent-region histogram (a step-shaped area), the initial guess
 * (dashed) and the fitted Gaussian. Zero histogram bins are clipped to a floor (half the
 * smallest non-zero bin density), Gaussian values below that floor are dropped, so nothing
 * reaches log(0). Right y axis, linear [0, 1], resolved independently: the confidence
 * (unshaped, shaped and hedged). Dashed vertical rules mark the solvent peak, solvent edge and
 * content at 1 % of solvent. One shared colour legend names every series and every rule. The
 * log axis is ticked at powers of ten with plain labels ({@link logAxisTicks}).
 *
 * Log-scale guards: bars on a vega-lite log scale render empty unless the y encoding has
 * `stack: null` and an explicit positive baseline (`y2` datum). The histogram here is an area
 * (one path instead of 1000 bars), which renders without them in vega-lite 6.4, but both are
 * kept so its baseline is always the floor and never log(0).
 *
 * @param series from {@link solventModelSeries}
 * @param title plot title, e.g. `Solvent model: emd_1234`
 * @returns a vega-lite spec with inline data, 720×400 plot area
 * @throws RangeError when the histogram has no positive bin
 */
export function solventModelSpec(series: SolventModelSeries, title: string): TopLevelSpec {
  let minPositive = Infinity;
  let maxY = 0;
  for (const v of series.histogram) {
    if (v > 0 && v < minPositive) minPositive = v;
    if (v > maxY) maxY = v;
  }
  if (!Number.isFinite(minPositive)) throw new RangeError('solventModelSpec: the histogram has no positive bin');
  for (const arr of [series.initial, series.fitted]) for (const v of arr) if (v > maxY) maxY = v;
  const floor = minPositive / 2;
  const top = maxY * 2;

  const hist: Point[] = series.x.map((x, i) => ({ x, y: Math.max(series.histogram[i], floor), series: NAMES.histogram }));
  // close the last bin: repeat its height at the upper edge so the step reaches `hi`
  const last = series.x.length - 1;
  if (last >= 0) hist.push({ x: series.x[last] + series.binWidth, y: hist[last].y, series: NAMES.histogram });
  const gauss = (ys: number[], name: string): Point[] => {
    const out: Point[] = [];
    for (let i = 0; i < ys.length; i++) if (ys[i] >= floor) out.push({ x: series.x[i], y: ys[i], series: name });
    return out;
  };
  const conf = (ys: number[], name: string): Point[] => ys.map((y, i) => ({ x: series.confidenceX[i], y, series: name }));

  const hedgedName = `confidence hedged (^${Number(series.hedge.toPrecision(4))})`;
  const domain: string[] = [NAMES.histogram, NAMES.initial, NAMES.fitted, NAMES.unshaped, NAMES.confidence];
  const range: string[] = [COLOURS.histogram, COLOURS.initial, COLOURS.fitted, COLOURS.unshaped, COLOURS.confidence];
  if (series.confidenceHedged) {
    domain.push(hedgedName);
    range.push(COLOURS.hedged);
  }
  series.markers.forEach((m, i) => {
    domain.push(m.label);
    range.push(COLOURS.markers[i % COLOURS.markers.length]);
  });

  const xEnc = { field: 'x', type: 'quantitative' as const, title: 'density (map units)', scale: { zero: false, nice: false } };
  const colour = { field: 'series', type: 'nominal' as const, title: null, scale: { domain, range }, legend: { orient: 'bottom' as const, columns: 3, symbolType: 'stroke', labelLimit: 400 } };
  const ticks = logAxisTicks(floor, top);
  const yLog = {
    field: 'y',
    type: 'quantitative' as const,
    stack: null,
    title: 'histogram density (log)',
    scale: { type: 'log' as const, domain: [floor, top], clamp: true },
    axis: { orient: 'left' as const, values: ticks.values, labelExpr: labelExprOf(ticks.values, ticks.labels), gridOpacity: 0.6 },
  };
  const yConf = {
    field: 'y',
    type: 'quantitative' as const,
    title: 'confidence',
    scale: { domain: [0, 1] },
    // no grid of its own: the decade lines of the left axis are the only horizontal lines
    axis: { orient: 'right' as const, grid: false },
  };

  const confLayers = [
    { data: { values: conf(series.confidenceUnshaped, NAMES.unshaped) }, mark: { type: 'line' as const, strokeWidth: 1, strokeDash: [2, 2], clip: true }, encoding: { x: xEnc, y: yConf, color: colour } },
    { data: { values: conf(series.confidence, NAMES.confidence) }, mark: { type: 'line' as const, strokeWidth: 2, clip: true }, encoding: { x: xEnc, y: yConf, color: colour } },
  ];
  if (series.confidenceHedged) {
    confLayers.push({ data: { values: conf(series.confidenceHedged, hedgedName) }, mark: { type: 'line' as const, strokeWidth: 2, strokeDash: [6, 3], clip: true }, encoding: { x: xEnc, y: yConf, color: colour } });
  }

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 16 },
    width: 720,
    height: 400,
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#888' } },
    layer: [
      {
        layer: [
          {
            data: { values: hist },
            mark: { type: 'area', interpolate: 'step-after', opacity: 0.8, clip: true },
            encoding: { x: xEnc, y: yLog, y2: { datum: floor }, color: colour },
          },
          {
            data: { values: gauss(series.initial, NAMES.initial) },
            mark: { type: 'line', strokeWidth: 1.5, strokeDash: [6, 4], clip: true },
            encoding: { x: xEnc, y: yLog, color: colour },
          },
          {
            data: { values: gauss(series.fitted, NAMES.fitted) },
            mark: { type: 'line', strokeWidth: 2, clip: true },
            encoding: { x: xEnc, y: yLog, color: colour },
          },
          {
            data: { values: series.markers.map((m) => ({ x: m.x, series: m.label })) },
            mark: { type: 'rule', strokeWidth: 1.5, strokeDash: [4, 3], clip: true },
            encoding: { x: xEnc, color: colour },
          },
        ],
      },
      { layer: confLayers },
    ],
    resolve: { scale: { y: 'independent' }, axis: { y: 'independent' } },
  };
}
