/**
 * `modifyMap` of the public API: amplify, attenuate or sigmoid-modify a map by its local scale, or
 * only suppress its solvent.
 * @see shared/spec/occupy-algorithm.md §9
 */
import { modificationBasis } from '../occupancy/modify.js';
import { computeInThread } from '../jobs/compute-thread.js';
import type { ModificationKind } from '../occupancy/modification-curves.js';
import { RESOLUTION_MAX_A, type EstimateOptionValues } from '../occupancy/options.js';
import { optionError } from './errors.js';
import { checkKnownKeys, ESTIMATE_OPTION_KEYS, RUN_OPTION_KEYS } from './estimate-options.js';
import { diagnoseLibraryInput, estimateOnInputBox, INPUT_CHECK_KEYS, librarySummary, prepareEstimate, runEstimate, type EstimateSummary, type LocalScaleOptions } from './estimate-local-scale.js';
import { startRun } from './run-control.js';
import { checkVolume, publicVolume, type Volume, type VolumeInput } from './volume.js';

/** One modification (OccuPy paper, "map modification"; spec §9). */
export interface Modification {
  /** `'amplify'` raises partial occupancies, `'attenuate'` lowers them, `'sigmoid'` both about `pivot`. */
  kind: ModificationKind;
  /** The power, > 1 (CLI `--amplify g`, `--attenuate g`, `--sigmoid g`). */
  gamma: number;
  /** Sigmoid pivot in [0.01, 0.99]; only (and required) with `'sigmoid'`. */
  pivot?: number;
}

/**
 * Options of {@link modifyMap}: the estimate's (default `mode: 'occ'`; `'res'` is the CLI's
 * `--raw-scale`) plus the modification's, whose entries come from the method's option schema
 * (`src/occupancy/options.ts`): `scaleLimit` in [0, 1) (default 0.05), `excludeSolvent`,
 * `omitConfidence`, `lowpassOutputA` (Å), `histMatch`.
 */
export interface ModifyMapOptions extends Omit<LocalScaleOptions, 'keepIntermediates'>, Pick<EstimateOptionValues, 'scaleLimit' | 'excludeSolvent' | 'omitConfidence' | 'lowpassOutputA' | 'histMatch'> {
  /** The modification; leave it out with `excludeSolvent: true` to only flatten the solvent. */
  modification?: Modification;
  /**
   * Seed of the synthetic solvent noise (integer in 0..2147483647); default 0, so results repeat
   * (the CLI's default is random). Only an `'attenuate'` or `'sigmoid'` modification without
   * `excludeSolvent` draws that noise: given otherwise, it is refused (OptionError), as the CLI's `--seed`.
   */
  seed?: number;
}

/** What {@link modifyMap} returns. */
export interface ModifyMapResult {
  /** The modified map on the input's grid (box, voxel size, origin), density units of the input. */
  map: Volume;
  /** The local scale the map was modified by, on the input's grid (see `estimateLocalScale`). */
  scale: Volume;
  /** The solvent confidence, on the input's grid. */
  confidence: Volume;
  /** The estimate's summary (as `estimateLocalScale`'s). */
  summary: EstimateSummary;
}

/**
 * Modify a map by its estimated local scale (OccuPy paper; spec §9): estimate (occupancy mode
 * unless `mode: 'res'`), then per voxel `factor(scale)` (amplify `s^(1/g)`, attenuate `s^g`, or
 * the sigmoid), `modified = input × factor` plus synthetic solvent where signal was removed
 * (attenuate/sigmoid), blended with the input by the confidence so solvent stays as it was
 * (`excludeSolvent`: flattened), optionally low-passed, padded back to the input's box when
 * `maxBox` cropped, and clipped to the input's value range (or histogram-matched).
 *
 * @param volume the map (see `estimateLocalScale`); not modified
 * @param options see {@link ModifyMapOptions}; `modification` or `excludeSolvent` is required
 * @returns the modified map, the scale and confidence it used, the summary
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of
 *   length nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError for an invalid volume or option (e.g. `{option: 'modification.gamma', allowed: 'a number in (1, 100]'}`);
 *   on `volume` for a `not-density` map (see `estimateLocalScale`: the input diagnostics run
 *   first, findings in `summary`; opt-outs `force: true` and `diagnostics: false`)
 * @throws SolventModelError when the solvent model fails (see `estimateLocalScale`)
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts: during the
 *   estimate at its next phase boundary (see `RunOptions.signal`); during the modification at once,
 *   as it runs in a worker thread (the caller's event loop stays free; the volume is copied to it,
 *   unless in shared memory)
 * @throws what `onProgress` throws, at once also during the modification
 */
export async function modifyMap(volume: VolumeInput, options: ModifyMapOptions): Promise<ModifyMapResult> {
  const t0 = performance.now();
  if (typeof options !== 'object' || options === null) throw optionError('options', "an object with a modification ({kind, gamma, pivot?}) or excludeSolvent: true", options);
  checkKnownKeys(options, [...ESTIMATE_OPTION_KEYS, ...RUN_OPTION_KEYS, ...INPUT_CHECK_KEYS, 'solventFailure', 'threads', 'modification', 'scaleLimit', 'excludeSolvent', 'omitConfidence', 'lowpassOutputA', 'histMatch', 'seed']);
  const input = checkVolume(volume, 'volume');
  const m = options.modification as Modification | null | undefined;
  if (m === null || (m !== undefined && typeof m !== 'object')) throw optionError('modification', '{kind, gamma, pivot?}', m);
  if (m) {
    for (const key of Object.keys(m)) if (!['kind', 'gamma', 'pivot'].includes(key) && (m as unknown as Record<string, unknown>)[key] !== undefined) throw optionError(`modification.${key}`, 'one of kind, gamma, pivot', key, `unknown modification field '${key}' (known: kind, gamma, pivot)`);
    if (m.kind !== 'amplify' && m.kind !== 'attenuate' && m.kind !== 'sigmoid') throw optionError('modification.kind', "'amplify', 'attenuate' or 'sigmoid'", m.kind);
    if (!(typeof m.gamma === 'number' && m.gamma > 1 && m.gamma <= 100)) throw optionError('modification.gamma', 'a number in (1, 100]', m.gamma);
    if (m.kind === 'sigmoid' && !(typeof m.pivot === 'number' && m.pivot >= 0.01 && m.pivot <= 0.99)) throw optionError('modification.pivot', "a number in [0.01, 0.99] with kind 'sigmoid'", m.pivot);
    if (m.kind !== 'sigmoid' && m.pivot !== undefined) throw optionError('modification.pivot', "undefined unless kind is 'sigmoid'", m.pivot);
  } else if (options.excludeSolvent !== true) {
    throw optionError('modification', "{kind, gamma, pivot?}, or excludeSolvent: true to only flatten the solvent", undefined);
  }
  const seed = options.seed ?? 0;
  const nyquist = 2 * Math.max(...input.voxelSizeA);
  if (options.lowpassOutputA !== undefined && !(typeof options.lowpassOutputA === 'number' && options.lowpassOutputA >= nyquist * (1 - 1e-6) && options.lowpassOutputA <= RESOLUTION_MAX_A)) {
    throw optionError('lowpassOutputA', `a resolution in Å from ${Number(nyquist.toFixed(3))} (Nyquist limit of the map) to ${RESOLUTION_MAX_A}`, options.lowpassOutputA);
  }

  // a modification implies occupancy mode unless mode: 'res' (as --raw-scale): the schema's rule
  const extra = {
    ...(m ? { [m.kind]: m.gamma } : {}),
    ...(m?.kind === 'sigmoid' ? { pivot: m.pivot } : {}),
    rawScale: options.mode === 'res',
    scaleLimit: options.scaleLimit,
    excludeSolvent: options.excludeSolvent,
    omitConfidence: options.omitConfidence,
    lowpassOutputA: options.lowpassOutputA,
    histMatch: options.histMatch,
    // given: refused unless the modification draws random numbers (as the CLI's --seed)
    seed: options.seed,
  };
  const prepared = prepareEstimate(input, { ...options, mode: options.mode ?? 'occ' }, extra);
  const rc = await startRun(options);
  const deferred = await diagnoseLibraryInput(rc, input, options, 0.01);
  const result = await runEstimate(rc, input, prepared, [0.02, 0.7], deferred);
  const { resolved } = prepared;
  await rc.yield();
  rc.phase('modify', 0.75);
  // in a worker thread: an abort (or a throwing onProgress) ends the call at once, and the
  // caller's event loop stays free (on this thread, an abort from a timer during the modification
  // had been seen only after the whole call: it resolved)
  const mod = await computeInThread('modifyMap', [input, modificationBasis(result), resolved.modifications[0], {
    scaleLimit: resolved.scaleLimit,
    excludeSolvent: resolved.excludeSolvent,
    omitConfidence: resolved.omitConfidence,
    lowpassOutputA: resolved.lowpassOutputA,
    histMatch: resolved.histMatch,
    seed,
    lowpassMask: resolved.lowpassMask,
  }], { onProgress: (f) => rc.phase('modify', 0.75 + 0.15 * f), signal: options.signal });
  rc.phase('pad to input box', 0.9);
  // scale and confidence on the input's grid, as estimateLocalScale returns them
  const { scale, confidence } = estimateOnInputBox(result, input);
  const summary = librarySummary(result, input, (performance.now() - t0) / 1000, resolved.nlrc, resolved.scaleLimit, prepared, deferred);
  rc.done();
  return { map: publicVolume(mod.volume, input.originA), scale, confidence, summary };
}
