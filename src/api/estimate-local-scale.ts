/**
 * `estimateLocalScale` of the public API: the OccuPy local scale and solvent confidence of an
 * in-memory map, on the map's own box.
 * @see shared/spec/occupy-algorithm.md §1–§8 (the method), §11 (the summary)
 */
import type { Vec3, Volume as CoreVolume } from '../core/volume.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { estimateLocalScaleParallel, type EstimateResult } from '../occupancy/estimate.js';
import { summarise, type EstimateSummary } from '../occupancy/summary.js';
import { solventDefinitionProblem } from '../occupancy/solvent-model.js';
import { TOOL_VERSION } from '../core/version.js';
import { OptionError, optionError, SolventModelError } from './errors.js';
import { INPUT_CHECK_OPTIONS, type EstimateOptionValues, type InputCheckOptionKey, type ResolvedEstimateOptions } from '../occupancy/options.js';
import { checkEstimateOptions, checkKnownKeys, estimateInLibraryTerms, ESTIMATE_OPTION_KEYS, RUN_OPTION_KEYS, type EstimateOptions } from './estimate-options.js';
import { startRun, type RunControl, type RunOptions } from './run-control.js';
import { checkSameGrid, checkVolume, publicVolume, type Volume, type VolumeInput } from './volume.js';
import { emptyMaskProblem, MASK_INSIDE } from '../resolution/half-map-checks.js';
import { findingJson, findingLine } from '../diagnostics/index.js';
import { DeferredDiagnosis, diagnoseEstimateInput, estimateRefusal, notDensityText, reportEstimateFindings } from '../jobs/estimate-diagnostics.js';

export type { EstimateSummary };

/** Options of {@link estimateLocalScale}. */
export interface LocalScaleOptions extends EstimateOptions, RunOptions {
  /**
   * Also return the (possibly Fourier-cropped) input and the low-passed map on the processing box
   * in `intermediates`. Default false: the result holds no copy of the input. When the map was not
   * cropped, `intermediates.input.data` is the caller's own `volume.data` array (not a copy):
   * writing into one changes the other.
   */
  keepIntermediates?: boolean;
  /**
   * What a failed solvent model does: `'throw'` (default) rejects with {@link SolventModelError};
   * `'warn'` returns the maps anyway (confidence 0 everywhere when no density reaches confidence
   * 0.5) with the failure among `summary.warnings`. A fit that cannot run at all always throws.
   */
  solventFailure?: 'throw' | 'warn';
  /**
   * Run the local-scale step in a worker thread, overlapping the rest (default true; same results
   * bit for bit). Turn it off when the caller already keeps every core busy.
   */
  threads?: boolean;
  /**
   * Run the input diagnostics (`occupy check`, docs/diagnostics.md) on `volume` before the
   * estimate, as the command line's estimate does (default true): each finding (`masked`,
   * `sharpened`, `offset`, `not-density`, …) among `summary.diagnostics` (code, severity, message,
   * evidence) and its line `[code] message` first among `summary.warnings`, in the library's
   * terms; a map that is not a density map (`not-density`: a mask, labels, a scale or
   * local-resolution map) is refused unless {@link force}. Results are the same bit for bit with
   * or without them. Cost (measured session 60 on a 256³ phantom, `mode: 'occ'`, threads on, 2
   * cores at load 8–13, six calls each): 3.0–3.4 CPU s per call (median 3.2) against 2.4–2.9
   * (median 2.6) without, wall 3.4–5.1 s against 3.0–3.7 s; of the diagnostics' time, 0.45 s and
   * more runs before the estimate, the noise spectrum (0.2–0.5 s) while this thread waits for the
   * worker's local scale, as in the CLI. In a tight loop over maps already checked (with
   * `checkMap`, or by one call with the diagnostics on) turn them off: `diagnostics: false`.
   * Key and meaning as the CLI job's (`INPUT_CHECK_OPTIONS` of the option schema,
   * `src/occupancy/options.ts`).
   */
  diagnostics?: boolean;
  /**
   * Estimate even a map the input diagnostics call `not-density` (default false); its finding
   * then stays among `summary.diagnostics` and `summary.warnings`. CLI `--force`.
   */
  force?: boolean;
}

/** What {@link estimateLocalScale} returns. */
export interface LocalScaleResult {
  /**
   * Local scale in [0, 1] on the input's box, voxel size and origin (spec §6): the relative
   * occupancy (`mode: 'occ'`) or the resolution-dependent scale (`'res'`). When `maxBox` cropped
   * the map, the processing-box scale is Fourier-padded back to the input's box and clipped to
   * [0, 1] (as the modified maps are).
   */
  scale: Volume;
  /** Confidence (probability of not being solvent, spec §7) in [0, 1], same grid as `scale`. */
  confidence: Volume;
  /**
   * The run's numbers (the same object `occupy estimate --json` prints, with `input`
   * `'(in memory)'` and no files): settings, solvent model, s_max, limits, warnings, timings,
   * and the input diagnostics' findings (`diagnostics`, each also first among `warnings` as
   * `[code] message`; see {@link LocalScaleOptions.diagnostics}).
   * Tile centres in Å are in the input's frame (`originA` + voxel × processing voxel size).
   * Warnings and notes name the library's options, not the command line's flags (`Suggest
   * kernelSize 5 or more`, `larger than maxBox 16`, `consider a solventDef mask`).
   */
  summary: EstimateSummary;
  /** Only with `keepIntermediates`: the input and the low-passed map on the processing box. */
  intermediates?: {
    /** The input on the processing box (Fourier-cropped when larger than `maxBox`, its voxel size then larger), density units of the input; uncropped, its `data` is the caller's `volume.data` itself. */
    input: Volume;
    /** The low-passed input (`summary.lowpassA`), processing box, density units of the input. */
    lowpassed: Volume;
  };
}

/** The solvent-model failure behind an error of the method, if it is one. */
function solventFailureOf(err: unknown): SolventModelError | undefined {
  if (!(err instanceof Error) || err instanceof SolventModelError) return undefined;
  if (err instanceof RangeError) {
    if (/^histogram:/.test(err.message)) return new SolventModelError('no-solvent-region', `the solvent region has no contrast: ${err.message.replace(/^histogram: /, '')}; give a solventDef mask`, { cause: err });
    // the reason too (no or every voxel of the sphere > 0.9), as the CLI says it: it had been cut to
    // 'solventDef selects no usable region inside the solvent sphere'
    if (/selects no usable region/.test(err.message)) return new SolventModelError('no-solvent-region', err.message.replace(/--solvent-def/g, 'solventDef'), { cause: err });
    return undefined;
  }
  if (/solvent model/.test(err.message)) return new SolventModelError('fit-failed', err.message.replace(/--solvent-def/g, 'solventDef').replace(/--lowpass/g, 'lowpassA'), { cause: err });
  return undefined;
}

/** Inner input errors (a constant map, no positive density) as OptionErrors on `volume.data`. */
function inputErrorOf(err: unknown): OptionError | undefined {
  if (!(err instanceof RangeError) || err instanceof OptionError) return undefined;
  if (/the map is constant/.test(err.message)) return optionError('volume.data', 'a map with contrast (not constant)', undefined, err.message);
  if (/s_max is .* not positive/.test(err.message)) return optionError('volume.data', 'a map with positive density', undefined, err.message);
  return undefined;
}

/** A processing-box map back on the input's box, clipped to [0, 1] (spec §2: Fourier padding). */
function onInputBox(v: CoreVolume, input: CoreVolume, originA: Vec3): Volume {
  if (v.shape.every((n, i) => n === input.shape[i])) return publicVolume({ ...v, voxelSizeA: input.voxelSizeA }, originA);
  const padded = fourierResample(v, input.shape).data;
  for (let i = 0; i < padded.length; i++) padded[i] = padded[i] < 0 ? 0 : padded[i] > 1 ? 1 : padded[i];
  return publicVolume({ data: padded, shape: input.shape, voxelSizeA: input.voxelSizeA }, originA);
}

/**
 * The estimate's scale and confidence on the input's grid (padded back when cropped).
 * @internal
 */
export function estimateOnInputBox(result: EstimateResult, input: CoreVolume & { originA: Vec3 }): { scale: Volume; confidence: Volume } {
  return { scale: onInputBox(result.scale, input, input.originA), confidence: onInputBox(result.confidence, input, input.originA) };
}

/** The keys of the input-check options (`diagnostics`, `force`): the option schema's. */
export const INPUT_CHECK_KEYS: readonly InputCheckOptionKey[] = INPUT_CHECK_OPTIONS.map((s) => s.key);

/** An estimate whose options and masks were checked at the boundary. */
export interface PreparedEstimate {
  resolved: ResolvedEstimateOptions;
  masks: Record<'solventDef' | 'targetMask', CoreVolume | undefined>;
  options: LocalScaleOptions;
  /** A mask whose `originA` differs from the input's (not refused): one line each, for the summary's warnings. */
  gridWarnings: string[];
}

/**
 * Check the estimate's options (the method's one option schema, then the API's own options and
 * the masks), before any work; shared by {@link estimateLocalScale} and `modifyMap`.
 * @param extra further schema values (the modification's)
 * @throws OptionError / TypeError naming the option
 * @throws SolventModelError ('no-solvent-region') for a `solventDef` that does not split the
 *   inscribed sphere (no voxel of it, or every one, > 0.9)
 * @internal
 */
export function prepareEstimate(input: CoreVolume, options: LocalScaleOptions, extra: EstimateOptionValues = {}): PreparedEstimate {
  const resolved = checkEstimateOptions(options, input.shape, input.voxelSizeA, extra);
  if (options.keepIntermediates !== undefined && typeof options.keepIntermediates !== 'boolean') throw optionError('keepIntermediates', 'true or false', options.keepIntermediates);
  if (options.threads !== undefined && typeof options.threads !== 'boolean') throw optionError('threads', 'true or false', options.threads);
  if (options.solventFailure !== undefined && options.solventFailure !== 'throw' && options.solventFailure !== 'warn') throw optionError('solventFailure', "'throw' or 'warn'", options.solventFailure);
  for (const key of INPUT_CHECK_KEYS) if (options[key] !== undefined && typeof options[key] !== 'boolean') throw optionError(key, 'true or false', options[key]);
  const masks: PreparedEstimate['masks'] = { solventDef: undefined, targetMask: undefined };
  const gridWarnings: string[] = [];
  for (const key of ['solventDef', 'targetMask'] as const) {
    const m = options[key];
    if (m === undefined) continue;
    const v = checkVolume(m, key);
    const w = checkSameGrid(v, input, key, 'the input map');
    if (w) gridWarnings.push(w);
    // a target mask that selects nothing has no occupancy to report (refused before any work)
    const empty = key === 'targetMask' ? emptyMaskProblem(v.data) : undefined;
    if (empty) throw optionError(key, `a mask with values > ${MASK_INSIDE} over the target`, undefined, `${key} ${empty}`);
    // a solvent definition that does not split the solvent sphere: the documented SolventModelError
    // ('no-solvent-region'), thrown before the low-pass rather than after it
    const unsplit = key === 'solventDef' ? solventDefinitionProblem(v.data, v.shape) : undefined;
    if (unsplit) throw new SolventModelError('no-solvent-region', `solventDef ${unsplit}`);
    masks[key] = v;
  }
  return { resolved, masks, options, gridWarnings };
}

/**
 * Run a prepared estimate; maps the method's solvent-model failures to {@link SolventModelError}.
 * @param deferred the input diagnostics, whose deferred noise spectrum runs while the worker computes
 * @internal
 */
export async function runEstimate(rc: RunControl, input: CoreVolume, prepared: PreparedEstimate, span: [number, number], deferred?: DeferredDiagnosis): Promise<EstimateResult> {
  const { resolved, masks, options } = prepared;
  let result: EstimateResult;
  try {
    result = await estimateLocalScaleParallel(input, {
      mode: resolved.mode,
      lowpassA: resolved.lowpassA,
      resolutionA: resolved.resolutionA,
      kernelSize: resolved.kernelSize,
      kernelRadiusVoxels: resolved.kernelRadiusVoxels,
      tau: resolved.tau,
      lowpassMask: resolved.lowpassMask,
      tileSize: resolved.tileSize,
      maxBox: resolved.maxBox,
      useS0: resolved.useS0,
      solventDef: masks.solventDef,
      hedgeConfidence: resolved.hedgeConfidence,
      nlrc: resolved.nlrc,
      targetMask: masks.targetMask,
      threads: options.threads,
      onProgress: rc.span(span[0], span[1]),
      // the diagnostics' noise spectrum while this thread waits for the worker's local scale
      ...(deferred?.diagnosis?.noisePending ? { whileWaiting: deferred.complete, whileWaitingPhase: 'diagnostics (noise spectrum)' } : {}),
    });
  } catch (err) {
    throw solventFailureOf(err) ?? inputErrorOf(err) ?? err;
  }
  if (result.lowestConfidentFraction >= 1 && (options.solventFailure ?? 'throw') === 'throw') {
    throw new SolventModelError('no-confident-density', 'the solvent model failed: no density reaches confidence 0.5, so the confidence map would be 0 everywhere (no solvent in the box, or a bad solvent fit); give a solventDef mask or a coarser lowpassA, or pass solventFailure: \'warn\' to get the maps anyway');
  }
  return result;
}

/**
 * The input diagnostics of an in-memory estimate (unless `diagnostics: false`), as the CLI's
 * estimate job runs them (`src/jobs/estimate-diagnostics.ts`): in steps, the signal checked after
 * each, the noise spectrum left for the wait for the worker thread.
 * @param at the overall fraction at which the phase `diagnostics` is reported
 * @throws OptionError on `volume` for a `not-density` map (unless `force`), naming the finding;
 *   on `volume.data` for a constant map (also with `force`)
 * @internal
 */
export async function diagnoseLibraryInput(rc: RunControl, input: CoreVolume, options: Pick<LocalScaleOptions, 'diagnostics' | 'force'>, at: number): Promise<DeferredDiagnosis> {
  if (options.diagnostics === false) return new DeferredDiagnosis(undefined, input);
  rc.phase('diagnostics', at);
  const d = await diagnoseEstimateInput(input, undefined, () => rc.phase('diagnostics', at));
  if (d) {
    const { constantValue, notDensity } = estimateRefusal(d, input);
    if (constantValue !== undefined) throw optionError('volume.data', 'a map with contrast (not constant)', undefined, `the map is constant (every voxel is ${constantValue}); there is nothing to estimate`);
    if (notDensity && options.force !== true) {
      throw optionError('volume', "a density map (or force: true to estimate this one anyway)", undefined, `volume: ${estimateInLibraryTerms(findingLine({ ...notDensity, message: notDensityText(notDensity) }))} Pass force: true to estimate it anyway (checkMap for details).`);
    }
  }
  return new DeferredDiagnosis(d, input);
}

/**
 * The summary of an in-memory estimate (tile centres in Å in the input's frame), its warnings,
 * notes and findings in the library's terms ({@link estimateInLibraryTerms}).
 * @internal
 */
export function librarySummary(result: EstimateResult, input: CoreVolume & { originA: Vec3 }, seconds: number, nlrc: boolean, scaleLimit: number, prepared: PreparedEstimate, deferred: DeferredDiagnosis): EstimateSummary {
  const pv = result.processingVoxelSizeA;
  // the input's findings and the solvent model's self-check, first among the warnings (then a
  // mask's origin), as the CLI's estimate job reports them
  deferred.complete();
  const findings = deferred.findings;
  reportEstimateFindings(result, findings, prepared.gridWarnings);
  // warnings and notes in the library's terms ("Suggest --kernel-size 5 or more, and/or --lowpass
  // 18", "larger than --max-box 16", "consider --solvent-def <solvent_mask.mrc>" had reached
  // library callers, who have no flags)
  const summary = summarise(result, {
    version: TOOL_VERSION,
    input: '(in memory)',
    inputVoxelSizeA: [...input.voxelSizeA] as Vec3,
    scaleLimit,
    nlrc,
    voxelToA: (v) => [0, 1, 2].map((i) => input.originA[i] + v[i] * pv[i]) as Vec3,
    files: [],
    seconds,
    diagnostics: findings.map(findingJson),
  });
  const diagnosticsS = deferred.diagnosis ? { diagnostics: deferred.diagnosis.seconds - deferred.overlappedSeconds, ...(deferred.overlappedSeconds > 0 ? { 'diagnostics (overlapped)': deferred.overlappedSeconds } : {}) } : {};
  return {
    ...summary,
    timingsS: { ...diagnosticsS, ...summary.timingsS },
    warnings: summary.warnings.map(estimateInLibraryTerms),
    notes: summary.notes.map(estimateInLibraryTerms),
    diagnostics: summary.diagnostics.map((f) => ({ ...f, message: estimateInLibraryTerms(f.message) })),
  };
}

/**
 * Estimate the local scale and the solvent confidence of a cryo-EM map (the OccuPy method:
 * B. O. Forsberg et al., "OccuPy: estimation of local scale in cryo-EM maps"; spec `shared/spec/occupy-algorithm.md` §1–§8), in memory.
 *
 * Steps: Fourier crop to `maxBox` (§2), derived low-pass, kernel and tau (§3), low-pass (§4),
 * solvent model fitted in the inscribed sphere or `solventDef` (§5), local maximum over the
 * spherical kernel normalised by the full-scale value s_max (§6), confidence from the solvent
 * model (§7), optional `nlrc` and target-mask occupancy (§7.7, §8). The maps come back on the
 * input's box whatever `maxBox` did. The FFT is loaded on the first call (no `loadFft` needed).
 * Phases reported to `onProgress`: `load`, `diagnostics` (the input diagnostics, unless
 * `diagnostics: false`; reported again after each of their steps), `resample`, `low-pass`,
 * `solvent model`, `confidence`, `max filter`, `pad to input box` (when cropped), `done`;
 * `low-pass` is reported again after each step of it, with a larger fraction (boxes of 64³ and
 * more, with threads), and `diagnostics (noise spectrum)` while the worker computes.
 *
 * @param volume the map (raw, unsharpened, unmasked is best): `data` Float32Array of length
 *   nx*ny*nz, index (z*ny + y)*nx + x (x fastest), finite values; `shape` [nx, ny, nz] voxels;
 *   `voxelSizeA` Å along X, Y, Z; `originA` optional (Å). Not modified.
 * @param options see {@link LocalScaleOptions}; default `mode` is `'res'`
 * @returns scale and confidence on the input's grid, and the summary
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of
 *   length nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError for an invalid volume or option (unknown keys too), naming it with its
 *   allowed range: e.g. `{option: 'kernelSize', allowed: 'an odd integer in 1..63 …'}`; on
 *   `volume` for a map the input diagnostics call `not-density` (a mask, labels, a scale or
 *   local-resolution map: the message names the finding, `[not-density] … looks like a mask …`),
 *   unless `force: true` or `diagnostics: false`
 * @throws SolventModelError when the solvent model fails (`reason` says how), unless
 *   `solventFailure: 'warn'` and the fit itself ran; `'no-solvent-region'` for a `solventDef`
 *   that does not split the inscribed sphere is thrown before any work
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts
 */
export async function estimateLocalScale(volume: VolumeInput, options: LocalScaleOptions = {}): Promise<LocalScaleResult> {
  const t0 = performance.now();
  checkKnownKeys(options, [...ESTIMATE_OPTION_KEYS, ...RUN_OPTION_KEYS, ...INPUT_CHECK_KEYS, 'keepIntermediates', 'solventFailure', 'threads']);
  const input = checkVolume(volume, 'volume');
  const prepared = prepareEstimate(input, options);
  const rc = await startRun(options);
  const deferred = await diagnoseLibraryInput(rc, input, options, 0.01);
  const result = await runEstimate(rc, input, prepared, [0.02, 0.85], deferred);
  await rc.yield();
  if (result.downsampled) rc.phase('pad to input box', 0.9);
  const { scale, confidence } = estimateOnInputBox(result, input);
  const summary = librarySummary(result, input, (performance.now() - t0) / 1000, options.nlrc === true, 0.05, prepared, deferred);
  const out: LocalScaleResult = { scale, confidence, summary };
  if (options.keepIntermediates === true) {
    out.intermediates = { input: publicVolume(result.input, input.originA), lowpassed: publicVolume(result.lowpassed!, input.originA) }; // kept: this call never passes keepLowpassed: false
  }
  rc.done();
  return out;
}
