/**
 * `--plot` outputs (spec §11): the solvent-model figure and the modification curves, each as PNG
 * and SVG.
 * @see shared/spec/occupy-algorithm.md §11
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModificationKind } from '../occupancy/modification-curves.js';
import type { EstimateResult } from '../occupancy/estimate.js';
import type { OutputSet } from '../core/output-set.js';
import { renderVegaLite, writePlot } from './render.js';
import { solventModelSeries, solventModelSpec } from './solvent-model-plot.js';
import { modificationSeries, modificationSpec } from './modification-plot.js';

export * from './render.js';
export * from './solvent-model-plot.js';
export * from './modification-plot.js';

/** Options of {@link writeSolventModelPlot}. */
export interface SolventModelPlotOptions {
  /**
   * `--hedge-confidence` exponent for the hedged curve. Default: the one the estimate used
   * (`result.confidenceCurve.hedge`).
   */
  hedge?: number;
}

/**
 * Write the solvent-model plot `solModel_<stem>.png` and `solModel_<stem>.svg` into `dir`
 * (created if missing): the solvent-region histogram (log scale), initial guess, fitted model,
 * confidence curve(s) and the solvent limits, titled `Solvent model: <stem>`.
 *
 * @param dir output folder
 * @param stem input map name without extension
 * @param result the estimate (uses `solvent` and `confidenceCurve`)
 * @param options hedge override
 * @param outputs stage the files in this output set (committed by the caller)
 * @returns the paths written: `[png, svg]`
 */
export async function writeSolventModelPlot(dir: string, stem: string, result: EstimateResult, options: SolventModelPlotOptions = {}, outputs?: OutputSet): Promise<string[]> {
  const hedge = options.hedge ?? result.confidenceCurve.hedge;
  const series = solventModelSeries(result.solvent, result.confidenceCurve, hedge);
  const rendered = await renderVegaLite(solventModelSpec(series, `Solvent model: ${stem}`));
  await mkdir(dir, { recursive: true });
  return writePlot(join(dir, `solModel_${stem}`), rendered, outputs);
}

/** One requested map modification, as on the command line. */
export interface ModificationRequest {
  kind: ModificationKind;
  /** Power g > 1. */
  gamma: number;
  /** Sigmoid pivot in [0.01, 0.99]; required for sigmoid. */
  pivot?: number;
}

/**
 * Write the modification-curve plots into `dir` (created if missing): the amplify/attenuate
 * curves together as `gamma_modification_<stem>.{png,svg}`, the sigmoid curves as
 * `sigmoid_modification_<stem>.{png,svg}`; a figure is written only when it has at least one
 * curve. The map's stem is in the names as in every other output's (the original's
 * `gamma_modification.png` of a second map written into the same folder replaced the first
 * map's, which its log still listed; session 55).
 *
 * @param dir output folder
 * @param stem the map's stem (`mapStem` of the input, or the stem `-o` names)
 * @param curves the modifications asked for
 * @param scaleLimit `--scale-limit` (scales at or below it are unmodified), drawn as a rule
 * @param outputs stage the files in this output set (committed by the caller)
 * @returns the paths written, `[png, svg]` per figure, gamma figure first; empty when `curves` is
 * @throws RangeError for out-of-range gamma or pivot (from `modificationFactor`)
 */
export async function writeModificationPlots(dir: string, stem: string, curves: ModificationRequest[], scaleLimit: number, outputs?: OutputSet): Promise<string[]> {
  const gammaCurves = curves.filter((c) => c.kind !== 'sigmoid').map((c) => modificationSeries(c.kind, c.gamma, c.pivot, scaleLimit));
  const sigmoidCurves = curves.filter((c) => c.kind === 'sigmoid').map((c) => modificationSeries(c.kind, c.gamma, c.pivot, scaleLimit));
  const figures: { base: string; title: string; series: typeof gammaCurves }[] = [
    { base: `gamma_modification_${stem}`, title: 'Gamma modification', series: gammaCurves },
    { base: `sigmoid_modification_${stem}`, title: 'Sigmoid modification', series: sigmoidCurves },
  ];
  const paths: string[] = [];
  for (const f of figures) {
    if (f.series.length === 0) continue;
    const rendered = await renderVegaLite(modificationSpec(f.series, { title: f.title, scaleLimit }));
    await mkdir(dir, { recursive: true });
    paths.push(...(await writePlot(join(dir, f.base), rendered, outputs)));
  }
  return paths;
}
