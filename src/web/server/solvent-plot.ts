/**
 * Solvent-model plot data of an estimate for the page: the solvent-region histogram with the
 * initial and fitted Gaussians, and the confidence curve that was applied.
 */
import type { EstimateResult } from '../../occupancy/estimate.js';
import { solventModelSeries, solventModelSpec } from '../../plots/solvent-model-plot.js';
import type { SolventPlotData } from './worker-protocol.js';

/**
 * Plot arrays of an estimate (the `--plot` figure's data).
 *
 * `x` are the lower bin edges of the solvent-region histogram (density units, 1000 bins) with
 * `histogram`, `initial` and `fitted` on that grid (histogram density, 1/density units);
 * `confidenceX` the lower bin edges of the whole-map histogram with `confidence` (in [0, 1]) the
 * curve the estimate applied (hedged when `--hedge-confidence` > 1).
 */
export function solventPlotData(result: EstimateResult): SolventPlotData {
  const s = solventModelSeries(result.solvent, result.confidenceCurve, result.confidenceCurve.hedge);
  return {
    x: s.x,
    histogram: s.histogram,
    fitted: s.fitted,
    initial: s.initial,
    confidenceX: s.confidenceX,
    confidence: s.confidenceHedged ?? s.confidence,
  };
}

/**
 * The Vega-Lite spec of the solvent-model plot, exactly as `occupy --plot` renders it to
 * `solModel_<stem>.png/svg` (`plots/index.ts` writeSolventModelPlot): the page draws it with Vega.
 */
export function solventPlotSpec(result: EstimateResult, stem: string): Record<string, unknown> {
  const series = solventModelSeries(result.solvent, result.confidenceCurve, result.confidenceCurve.hedge);
  return solventModelSpec(series, `Solvent model: ${stem}`) as unknown as Record<string, unknown>;
}
