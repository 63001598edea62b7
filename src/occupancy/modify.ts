/**
 * Map modification by local scale: amplify, attenuate or sigmoid-modify partial occupancies while
 * suppressing solvent.
 * @see shared/spec/occupy-algorithm.md §9
 */
import type { Volume } from '../core/volume.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { lowpassHard, type LowpassMaskStyle } from '../filters/lowpass.js';
import { DEFAULT_LOWPASS_MASK } from './options.js';
import { histogramMatch } from '../math/hist-match.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';
import { arrayStats } from '../math/statistics.js';
import type { EstimateResult } from './estimate.js';
import { checkModification, modificationFactor, type ModificationRequest } from './modification-curves.js';

export type { ModificationRequest } from './modification-curves.js';

/** Options shared by every modification of one run. */
export interface ModifyOptions {
  /** `--scale-limit`: scales at or below are never modified (default 0.05). */
  scaleLimit?: number;
  /** `--exclude-solvent`: flatten the solvent to 0 and add no synthetic solvent. */
  excludeSolvent?: boolean;
  /** `--omit-confidence`: treat every voxel as confident (not recommended). */
  omitConfidence?: boolean;
  /** `--lowpass-output` in Å. */
  lowpassOutputA?: number;
  /** `--hist-match`: match the output's histogram to the input's instead of clipping to its range. */
  histMatch?: boolean;
  /** Seed of the synthetic solvent noise (`--seed`). */
  seed: number;
  /** Low-pass mask style for `--lowpass-output`. */
  lowpassMask?: LowpassMaskStyle;
  /**
   * Called with the fraction done, in [0, 1] (non-decreasing; about every 2^20 voxels of a pass,
   * and at each step's end: factor, blend, `--lowpass-output`, padding back to the input's box,
   * clip or histogram match). The steps are weighted by a rough cost, so the fraction only
   * approximates the time. An exception it throws ends the call with it.
   */
  onProgress?: (fraction: number) => void;
}

/**
 * What {@link modifyMap} reads of an estimate: its processing-box input, scale and confidence,
 * whether it was down-sampled, and the solvent model's peak and width. An {@link EstimateResult}
 * is one; a worker thread is sent only these.
 */
export interface ModificationBasis {
  /** The (possibly down-sampled) input, processing box. */
  input: Volume;
  /** Local scale in [0, 1] (or the decomposed occupancy), processing box. */
  scale: Volume;
  /** Confidence in [0, 1], processing box. */
  confidence: Volume;
  /** Whether the input was Fourier-cropped to the processing box (the output is padded back). */
  downsampled: boolean;
  /** The solvent model: `mu` (density units) and `sigma` (density units) of its Gaussian. */
  solvent: { model: Pick<EstimateResult['solvent']['model'], 'mu' | 'sigma'> };
}

/** The parts of an estimate that {@link modifyMap} reads (shares the arrays, copies nothing). */
export function modificationBasis(estimate: ModificationBasis): ModificationBasis {
  const { mu, sigma } = estimate.solvent.model;
  return { input: estimate.input, scale: estimate.scale, confidence: estimate.confidence, downsampled: estimate.downsampled, solvent: { model: { mu, sigma } } };
}

/** Voxels between two progress reports of a pass over a map. */
const PROGRESS_CHUNK = 1 << 20;

/** A modified map and its per-voxel factor. */
export interface ModifiedMap {
  /** The output map on the input's box (padded back when the estimate was down-sampled). */
  volume: Volume;
  /** The modification factor on the processing box (1 for solvent exclusion alone). */
  factor: Volume;
}

/**
 * Output file name of a modification (spec §9): `ampl_<g>_<base>`, `attn_<g>_<base>`,
 * `sigm_<g>-<p>_<base>` with one decimal for g and two for the pivot; `<base>` is `<stem>.mrc`, or
 * `solExcl_<stem>.mrc` with `--exclude-solvent`. `request` undefined = solvent exclusion alone.
 */
export function modifiedMapName(stem: string, request: ModificationRequest | undefined, excludeSolvent: boolean): string {
  const base = excludeSolvent ? `solExcl_${stem}.mrc` : `${stem}.mrc`;
  if (!request) return base;
  const g = request.gamma.toFixed(1);
  switch (request.kind) {
    case 'amplify':
      return `ampl_${g}_${base}`;
    case 'attenuate':
      return `attn_${g}_${base}`;
    case 'sigmoid':
      return `sigm_${g}-${(request.pivot as number).toFixed(2)}_${base}`;
  }
}

/**
 * Modify a map by its estimated local scale (spec §9), or, with `request` undefined and
 * `excludeSolvent`, only suppress the solvent (`input × confidence`).
 *
 * Steps: factor(scale) per voxel; `modified = input × factor` on the (down-sampled) raw input;
 * for attenuate/sigmoid without `--exclude-solvent`, synthetic solvent `N(mu, sigma²)` is added
 * where signal was removed, weighted by `clip(1 - factor, 0, 1)`; solvent suppression
 * `out = modified × conf + input × (1 - conf)` (second term dropped with `--exclude-solvent`);
 * optional `--lowpass-output`; Fourier-padded back to the input's box when down-sampled; clipped
 * to the input's value range (from the data), or histogram-matched to it.
 *
 * Runs on the calling thread; `occupy` and the library's `modifyMap` run it in a worker thread
 * (`computeInThread('modifyMap', …)`), where it is sent a {@link modificationBasis}.
 *
 * @param original the input map as read (its box and value range are the output's); not modified
 * @param estimate the estimate of `original` (scale, confidence, solvent model, processing input);
 *   not modified
 * @throws RangeError for out-of-range parameters; what `options.onProgress` throws
 */
export function modifyMap(original: Volume, estimate: ModificationBasis, request: ModificationRequest | undefined, options: ModifyOptions): ModifiedMap {
  if (request) checkModification(request.kind, request.gamma, request.pivot);
  const scaleLimit = options.scaleLimit ?? 0.05;
  if (!(scaleLimit >= 0 && scaleLimit < 1)) throw new RangeError(`--scale-limit must be in [0, 1), got ${scaleLimit}`);
  const input = estimate.input.data;
  const scale = estimate.scale.data;
  const conf = estimate.confidence.data;
  const n = input.length;
  const nOut = original.data.length;
  // rough cost of each step, in passes over a map (for the progress fraction only)
  const cost = {
    factor: request ? n : 0,
    blend: 2 * n,
    lowpass: options.lowpassOutputA !== undefined ? 8 * n : 0,
    pad: estimate.downsampled ? 8 * nOut : 0,
    finish: options.histMatch ? 40 * nOut : 2 * nOut,
  };
  const total = cost.factor + cost.blend + cost.lowpass + cost.pad + cost.finish;
  let doneCost = 0;
  const report = options.onProgress ? (f: number) => (options.onProgress as (f: number) => void)(Math.min(1, f)) : undefined;
  /** A step of cost `c` is `f` done. */
  const at = (c: number, f: number) => report?.((doneCost + c * f) / total);
  /** A step of cost `c` is done. */
  const stepDone = (c: number) => {
    doneCost += c;
    report?.(doneCost / total);
  };
  report?.(0);
  const factor = new Float32Array(n).fill(1);
  if (request) {
    const f = modificationFactor(request.kind, request.gamma, request.pivot, scaleLimit);
    for (let start = 0; start < n; start += PROGRESS_CHUNK) {
      const end = Math.min(n, start + PROGRESS_CHUNK);
      for (let i = start; i < end; i++) factor[i] = f(scale[i]);
      at(cost.factor, end / n);
    }
    stepDone(cost.factor);
  }
  const addSolvent = request !== undefined && request.kind !== 'amplify' && !options.excludeSolvent;
  const normal = gaussianSampler(mulberry32(options.seed));
  const { mu, sigma } = estimate.solvent.model;
  let out: Float32Array = new Float32Array(n);
  for (let start = 0; start < n; start += PROGRESS_CHUNK) {
    const end = Math.min(n, start + PROGRESS_CHUNK);
    for (let i = start; i < end; i++) {
      let m = input[i] * factor[i];
      if (addSolvent) {
        const w = Math.min(1, Math.max(0, 1 - factor[i]));
        if (w > 0) m += (mu + sigma * normal()) * w;
      }
      const c = options.omitConfidence ? 1 : conf[i];
      out[i] = options.excludeSolvent ? m * c : m * c + input[i] * (1 - c);
    }
    at(cost.blend, end / n);
  }
  stepDone(cost.blend);
  const geometry = { shape: estimate.input.shape, voxelSizeA: estimate.input.voxelSizeA };
  let vol: Volume = { data: out, ...geometry };
  if (options.lowpassOutputA !== undefined) {
    const before = request ? 0 : arrayStats(out).max;
    vol = lowpassHard(vol, options.lowpassOutputA, options.lowpassMask ?? DEFAULT_LOWPASS_MASK);
    if (!request) {
      // solvent exclusion alone: rescale about the mean so the maximum is the unfiltered one
      const st = arrayStats(vol.data);
      const k = st.max > st.mean ? (before - st.mean) / (st.max - st.mean) : 1;
      for (let i = 0; i < n; i++) vol.data[i] = st.mean + (vol.data[i] - st.mean) * k;
    }
    stepDone(cost.lowpass);
  }
  if (estimate.downsampled) {
    vol = fourierResample(vol, original.shape, report ? (f) => at(cost.pad, f) : undefined);
    stepDone(cost.pad);
  }
  out = vol.data;
  if (options.histMatch) {
    histogramMatch(out, original.data);
  } else {
    const { min, max } = arrayStats(original.data);
    at(cost.finish, 0.5);
    const m = out.length;
    for (let start = 0; start < m; start += PROGRESS_CHUNK) {
      const end = Math.min(m, start + PROGRESS_CHUNK);
      for (let i = start; i < end; i++) out[i] = out[i] < min ? min : out[i] > max ? max : out[i];
      at(cost.finish, 0.5 + (0.5 * end) / m);
    }
  }
  stepDone(cost.finish);
  return { volume: { data: out, shape: original.shape, voxelSizeA: original.voxelSizeA }, factor: { data: factor, ...geometry } };
}
