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
}

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
 * @param original the input map as read (its box and value range are the output's)
 * @param estimate the estimate of `original` (scale, confidence, solvent model, processing input)
 * @throws RangeError for out-of-range parameters
 */
export function modifyMap(original: Volume, estimate: EstimateResult, request: ModificationRequest | undefined, options: ModifyOptions): ModifiedMap {
  if (request) checkModification(request.kind, request.gamma, request.pivot);
  const scaleLimit = options.scaleLimit ?? 0.05;
  if (!(scaleLimit >= 0 && scaleLimit < 1)) throw new RangeError(`--scale-limit must be in [0, 1), got ${scaleLimit}`);
  const input = estimate.input.data;
  const scale = estimate.scale.data;
  const conf = estimate.confidence.data;
  const n = input.length;
  const factor = new Float32Array(n).fill(1);
  if (request) {
    const f = modificationFactor(request.kind, request.gamma, request.pivot, scaleLimit);
    for (let i = 0; i < n; i++) factor[i] = f(scale[i]);
  }
  const addSolvent = request !== undefined && request.kind !== 'amplify' && !options.excludeSolvent;
  const normal = gaussianSampler(mulberry32(options.seed));
  const { mu, sigma } = estimate.solvent.model;
  let out: Float32Array = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let m = input[i] * factor[i];
    if (addSolvent) {
      const w = Math.min(1, Math.max(0, 1 - factor[i]));
      if (w > 0) m += (mu + sigma * normal()) * w;
    }
    const c = options.omitConfidence ? 1 : conf[i];
    out[i] = options.excludeSolvent ? m * c : m * c + input[i] * (1 - c);
  }
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
  }
  if (estimate.downsampled) vol = fourierResample(vol, original.shape);
  out = vol.data;
  if (options.histMatch) {
    histogramMatch(out, original.data);
  } else {
    const { min, max } = arrayStats(original.data);
    for (let i = 0; i < out.length; i++) out[i] = out[i] < min ? min : out[i] > max ? max : out[i];
  }
  return { volume: { data: out, shape: original.shape, voxelSizeA: original.voxelSizeA }, factor: { data: factor, ...geometry } };
}
