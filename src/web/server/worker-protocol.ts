/**
 * Messages between the GUI server and its estimate worker process (IPC, JSON-serialisable).
 */
import type { EstimateFileOptions } from '../../jobs/estimate-job.js';
import type { EstimateSummary } from '../../occupancy/summary.js';
import type { EstimateSummaryView } from '../api.js';
import type { HalfMapsOutcome, HalfMapsTask } from './halfmaps-run.js';

export type { HalfMapsTask } from './halfmaps-run.js';

/** A solvent definition to write from a scale map before the estimate (`occupy soldef --like`). */
export interface SoldefTask {
  /** The scale map to threshold. */
  scalePath: string;
  /** The input map: box, header and voxel size of the definition. */
  likePath: string;
  /** Scale threshold in [0, 1). */
  threshold: number;
  /** Where to write `soldef_by_scale_<t>.mrc`. */
  outPath: string;
}

/** The task sent to the worker (one per worker process): an estimate or a half-map run. */
export type WorkerTask = EstimateTask | HalfMapsTask;

/** An estimate task. */
export interface EstimateTask {
  kind?: 'estimate';
  /** Options of `estimateFromFile` (no callback: progress comes back as messages). */
  options: Omit<EstimateFileOptions, 'onProgress'>;
  /** Write this solvent definition first (its path is already in `options.solventDefPath`). */
  soldef?: SoldefTask;
}

/** Solvent-model plot data, as in the page's result view. */
export type SolventPlotData = EstimateSummaryView['solventPlot'];

/** Output files of an estimate that are slice layers (absolute paths). */
export interface LayerFiles {
  scale: string;
  confidence: string;
  /** The first modified map, when a modification (or solvent exclusion) was asked for. */
  output?: string;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'log'; level: 'info' | 'warning'; text: string }
  | { type: 'done'; summary: EstimateSummary; solventPlot: SolventPlotData; solventPlotSpec: Record<string, unknown>; layerFiles: LayerFiles }
  | { type: 'halfmaps-done'; outcome: HalfMapsOutcome }
  | { type: 'error'; message: string };
