/**
 * The OccuPy local-scale estimate, end to end on an in-memory map.
 * @see shared/spec/occupy-algorithm.md §1–§8, §12
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { PhaseTimer } from '../core/phase-timer.js';
import { runStepsYielding, turnOfEventLoop } from '../core/event-loop.js';
import { lowpassHard, lowpassHardSteps, type LowpassMaskStyle } from '../filters/lowpass.js';
import { DEFAULT_LOWPASS_MASK } from './options.js';
import { fourierResample, fourierResampleLowpass, resampledVoxelSize } from '../filters/fourier-resample.js';
import { arrayRange } from '../math/statistics.js';
import { deriveSettings, type DerivedSettings } from './kernel.js';
import { fitSolventModel, type SolventModel } from './solvent-model.js';
import { confidenceCurve, confidenceMap, type ConfidenceCurve } from './confidence.js';
import { tileMaximum, type TileMax } from './tiles.js';
import { computeLocalScale, type LocalScaleParams, type LocalScaleResult } from './local-scale.js';
import { abandonScaleRequest, computeLocalScaleInThread, isShared, sharedFloat32 } from './scale-thread.js';
import { tauForSamples } from './tau.js';
import { checkEstimateBoxOptions, DEFAULT_MAX_BOX, downsampledNote, processingBox } from './estimate-options.js';

/** Which flavour of local scale to estimate (spec §1). */
export type ScaleMode = 'res' | 'occ';

/** Options of the estimate; every field mirrors a command-line option. */
export interface EstimateOptions {
  /** `res` (on the raw map, default) or `occ` (on the low-passed map). */
  mode?: ScaleMode;
  /** `--lowpass` in Å. */
  lowpassA?: number;
  /** `--resolution` in Å. */
  resolutionA?: number;
  /** `--kernel-size` in voxels (odd). */
  kernelSize?: number;
  /** `--kernel-radius` in voxels. */
  kernelRadiusVoxels?: number;
  /** `--tau` in (0, 1]. */
  tau?: number;
  /**
   * `--lowpass-mask`: `original` (default) reproduces the original OccuPy's low-pass mask, whose
   * solvent model and confidence the reference outputs were made with; `centred` is the spec's
   * clean mask centred on DC (spec §4).
   */
  lowpassMask?: LowpassMaskStyle;
  /** `--tile-size` in voxels. */
  tileSize?: number;
  /** `--max-box` in voxels (even, >= 10), or 0 for no limit; default 256. */
  maxBox?: number;
  /** `--S0`: normalise by tau × the map maximum instead of the tile search. */
  useS0?: boolean;
  /** `--solvent-def`: a solvent (or molecule) mask on the input's box. */
  solventDef?: Volume;
  /** `--hedge-confidence` exponent (> 1), default none. */
  hedgeConfidence?: number;
  /** `--nlrc`: recalibrate the scale by the confidence limit. */
  nlrc?: boolean;
  /** `--target-mask`: a mask on the input's box; its occupancy is reported. */
  targetMask?: Volume;
  /** Progress callback: phase name and overall fraction in [0, 1]. */
  onProgress?: (phase: string, fraction: number) => void;
  /**
   * Not a command-line option. `false`: in `res` mode the confidence is computed into the
   * low-passed map's own array (nothing reads that map afterwards), so the result has no
   * `lowpassed` and the run holds one processing-box map less (the estimate job does this unless
   * `--save-all-maps`). Default true. No effect in `occ` mode, where the low-passed map is the
   * scale input.
   */
  keepLowpassed?: boolean;
  /**
   * Not a command-line option. `true`: {@link estimateLocalScaleParallel} computes the confidence
   * (and, in `res` mode, the low-passed map) in shared memory, as it does the scale, so that a
   * worker thread reads them without a copy (the estimate job's modified maps). Default false
   * (the library hands out ordinary arrays). No effect without threads.
   */
  sharedMaps?: boolean;
}

/** Everything the estimate produced. */
export interface EstimateResult {
  mode: ScaleMode;
  /** Box of the input map [nx, ny, nz]. */
  inputShape: Shape3;
  /** Box used for processing (smaller when down-sampled by `--max-box`). */
  processingShape: Shape3;
  /** Voxel size used for processing along X, Y, Z in Å. */
  processingVoxelSizeA: Vec3;
  /** Whether the input was Fourier-cropped. */
  downsampled: boolean;
  settings: DerivedSettings;
  /** The (possibly down-sampled) input, processing box. */
  input: Volume;
  /** The low-passed input, processing box; absent when its array became the confidence map (`keepLowpassed: false`). */
  lowpassed?: Volume;
  /** Local scale in [0, 1], processing box (after `--nlrc` when asked). */
  scale: Volume;
  /** Confidence (probability of not being solvent) in [0, 1], processing box. */
  confidence: Volume;
  solvent: SolventModel;
  confidenceCurve: ConfidenceCurve;
  /** s_max (full scale), density units. */
  sMax: number;
  /** The tile that gave s_max (undefined with `--S0`). */
  sMaxTile?: TileMax;
  /** Mean of the scale input where scale == 1, divided by s_max. */
  variabilityLimit: number;
  /** Density where confidence first exceeds 0.5, divided by s_max. */
  confidenceLimit: number;
  /** Fraction of the histogram range at which confidence first exceeds 0.5 (1 = never). */
  lowestConfidentFraction: number;
  /** Occupancy of the `--target-mask` region, when given. */
  targetOccupancy?: number;
  warnings: string[];
  notes: string[];
  /** Wall-clock seconds per phase (resample, low-pass, solvent model, tiles, max filter, confidence). */
  timingsS: Record<string, number>;
}

function checkSameBox(name: string, mask: Volume, shape: Shape3): void {
  if (mask.shape[0] !== shape[0] || mask.shape[1] !== shape[1] || mask.shape[2] !== shape[2]) {
    throw new RangeError(`${name} box ${mask.shape.join('x')} does not match the input map box ${shape.join('x')}`);
  }
}

/**
 * A map Fourier-cropped to its processing box while it was read, never held whole (see
 * `estimateFromFile`, which streams the input through `fourierResamplePlanes` when no output
 * needs the input's own box). The estimate of it is that of the whole map, bit for bit (with
 * {@link ResampledMap.lowpassed} as the streamed crop computes it: the in-memory crop of
 * {@link estimateLocalScale} computes its low-pass the same way).
 */
export interface ResampledMap {
  /** Box of the input map [nx, ny, nz], voxels. */
  inputShape: Shape3;
  /** Smallest and largest voxel of the input map (density units), for the constant-map check. */
  inputRange: { min: number; max: number };
  /**
   * The input resampled to `processingBox(inputShape, maxBox)` (as `fourierResample` gives it):
   * `data` length mx*my*mz, index (z*my + y)*mx + x, voxel size in Å of the processing box.
   */
  processing: Volume;
  /** Seconds spent computing the resampling (reported as the `resample` phase). */
  resampleSeconds: number;
  /**
   * The hard low-pass of `processing`, when the crop computed it from its own spectrum
   * (`fourierResamplePlanes`' `lowpass` option: equal to `lowpassHard(processing, lowpassA,
   * maskStyle)` to float32 rounding). Used instead of the estimate's own low-pass when its cut-off
   * and mask are those the estimate derives (otherwise ignored); its data may be overwritten (the
   * confidence is computed into it).
   */
  lowpassed?: { volume: Volume; lowpassA: number; maskStyle: LowpassMaskStyle };
}

/** The input of an estimate: a whole map, or one already cropped to its processing box. */
export type EstimateInput = Volume | ResampledMap;

function isResampled(map: EstimateInput): map is ResampledMap {
  return (map as ResampledMap).processing !== undefined;
}

/** What every estimate path shares after validation and set-up. */
interface Prepared {
  /** The low-passed input the resampling computed, when it fits the settings (see {@link ResampledMap.lowpassed}). */
  lowpassed?: Volume;
  /** The low-pass mask (`options.lowpassMask`, default {@link DEFAULT_LOWPASS_MASK}). */
  lowpassStyle: LowpassMaskStyle;
  /** Box of the input map. */
  inputShape: Shape3;
  options: EstimateOptions;
  mode: ScaleMode;
  timer: PhaseTimer;
  input: Volume;
  downsampled: boolean;
  solventDef?: Volume;
  targetMask?: Volume;
  settings: DerivedSettings;
  warnings: string[];
  notes: string[];
}

/** Validation, `--max-box` down-sampling and the derived settings (spec §2–§3). */
function prepare(map: EstimateInput, options: EstimateOptions): Prepared {
  const timer = new PhaseTimer(options.onProgress);
  const mode = options.mode ?? 'res';
  const maxBox = options.maxBox ?? DEFAULT_MAX_BOX;
  const resampled = isResampled(map) ? map : undefined;
  const inputShape = resampled ? resampled.inputShape : (map as Volume).shape;
  // against the processing box, with the option schema's message (the tiling's own check had said
  // "--tile-size 25 is larger than the box (20 voxels)")
  checkEstimateBoxOptions(options, inputShape);
  const range = resampled ? resampled.inputRange : arrayRange((map as Volume).data);
  if (!(range.max > range.min)) throw new RangeError(`the map is constant (every voxel is ${range.min}); there is nothing to estimate`);
  if (options.solventDef) checkSameBox('--solvent-def', options.solventDef, inputShape);
  if (options.targetMask) checkSameBox('--target-mask', options.targetMask, inputShape);

  const warnings: string[] = [];
  const notes: string[] = [];
  const procShape = processingBox(inputShape, maxBox);
  const downsampled = procShape.some((n, i) => n !== inputShape[i]);
  if (resampled && !resampled.processing.shape.every((n, i) => n === procShape[i])) {
    throw new RangeError(`the resampled map's box ${resampled.processing.shape.join('x')} is not the processing box ${procShape.join('x')} of the ${inputShape.join('x')} input`);
  }
  timer.phase('resample', 0);
  // the settings first (from the processing box's voxel size, as the resampling computes it): a
  // crop here also computes the low-pass from its own spectrum, as the streamed crop does, so that
  // both paths give the same maps bit for bit
  if (!resampled) assertVolume(map as Volume);
  const inputVoxel = resampled ? resampled.processing.voxelSizeA : (map as Volume).voxelSizeA;
  const procVoxel = resampled || !downsampled ? inputVoxel : resampledVoxelSize(inputVoxel, inputShape, procShape);
  const settings = processingSettings(procVoxel, procShape, options);
  const lowpassStyle = options.lowpassMask ?? DEFAULT_LOWPASS_MASK;
  const cropped = !resampled && downsampled ? fourierResampleLowpass(map as Volume, procShape, { lowpassA: settings.lowpassA, maskStyle: lowpassStyle }) : undefined;
  const input = resampled ? resampled.processing : cropped ? cropped.volume : (map as Volume);
  const solventDef = options.solventDef && downsampled ? fourierResample(options.solventDef, procShape) : options.solventDef;
  const targetMask = options.targetMask && downsampled ? fourierResample(options.targetMask, procShape) : options.targetMask;
  if (downsampled) notes.push(downsampledNote(inputShape, maxBox, procShape, input.voxelSizeA));

  warnings.push(...settings.warnings);
  notes.push(...settings.notes);
  timer.stop();
  if (resampled) timer.seconds.resample = resampled.resampleSeconds;
  const pre = resampled?.lowpassed;
  const lowpassed = pre && pre.lowpassA === settings.lowpassA && pre.maskStyle === lowpassStyle && pre.volume.shape.every((n, i) => n === procShape[i]) ? pre.volume : cropped?.lowpassed;
  return { inputShape, options, mode, timer, input, downsampled, solventDef, targetMask, settings, warnings, notes, lowpassed, lowpassStyle };
}

/**
 * The settings an estimate derives for its processing box (spec §3: low-pass cut-off, kernel,
 * tau), from the options: what {@link estimateLocalScale} uses, for callers that must know them
 * before it runs (the streamed crop of `estimate-job.ts` computes the estimate's low-pass).
 * @param procVoxelA voxel size of the processing box `[ax, ay, az]`, Å (the smallest is used)
 * @param procShape processing box `[nx, ny, nz]`, voxels
 * @param options the estimate's options (only the settings' fields are read)
 * @throws RangeError as `deriveSettings` for settings that cannot be derived
 */
export function processingSettings(procVoxelA: Readonly<Vec3>, procShape: Shape3, options: Pick<EstimateOptions, 'lowpassA' | 'resolutionA' | 'kernelSize' | 'kernelRadiusVoxels' | 'tau'>): DerivedSettings {
  return deriveSettings({
    voxelSizeA: Math.min(...procVoxelA),
    lowpassA: options.lowpassA,
    resolutionA: options.resolutionA,
    kernelSize: options.kernelSize,
    kernelRadiusVoxels: options.kernelRadiusVoxels,
    tau: options.tau,
    box: procShape,
  });
}

function localScaleParams(p: Prepared, shape: Shape3): LocalScaleParams {
  return { shape, kernel: p.settings.kernel, tau: p.settings.tau, tileSize: p.options.tileSize, useS0: p.options.useS0 };
}

/**
 * A solvent level this far from 0, as a fraction of s_max (and at least {@link SOLVENT_OFFSET_MIN_SDS}
 * solvent SDs), is warned of: a half-occupied domain then reads 0.5 + fraction/2 instead of 0.5.
 */
export const SOLVENT_OFFSET_MAX_FRACTION = 0.05;
/** …and this many solvent SDs (a noisy map's fitted peak wanders by a fraction of its width). */
export const SOLVENT_OFFSET_MIN_SDS = 0.5;

/** How {@link solventOffsetWarning}'s message starts (the estimate job drops it beside an `offset` finding). */
export const SOLVENT_PEAK_WARNING_START = 'The solvent peak sits at ';

/**
 * The warning for a solvent peak off 0, or undefined. The local scale is the local maximum over
 * s_max, both measured from 0 (spec §6, as the original), so a constant in the map moves every
 * scale: `synth_occ128` + 0.05 (the peak at 34 % of s_max) read its four domains 0.88 / 0.75 /
 * 0.62 / 0.50 in resolution mode against 0.84 / 0.67 / 0.48 / 0.33 as stored. Real maps' peaks
 * sit within 2 % of s_max of 0 (the shared EMDB references but EMD-3197, whose peak, 17 % of
 * s_max, is within a quarter of its own width).
 * @param mu the solvent peak, map density units
 * @param sigma the solvent peak's width, same units
 * @param sMax the full-scale level s_max, same units
 */
export function solventOffsetWarning(mu: number, sigma: number, sMax: number): string | undefined {
  const fraction = mu / sMax;
  if (!(Math.abs(fraction) > SOLVENT_OFFSET_MAX_FRACTION && Math.abs(mu) > SOLVENT_OFFSET_MIN_SDS * sigma)) return undefined;
  const half = 0.5 + fraction / 2;
  return `${SOLVENT_PEAK_WARNING_START}${mu.toPrecision(3)} (${(100 * fraction).toFixed(0)} % of s_max, ${(Math.abs(mu) / sigma).toFixed(1)} solvent SDs), not at 0: local scale is measured from 0, so every scale reads ${fraction > 0 ? 'higher' : 'lower'} (a domain at half of s_max above the solvent reads about ${half.toFixed(2)} instead of 0.50). If the level is an offset left by processing, ${mu > 0 ? 'subtract' : 'add'} ${Math.abs(mu).toPrecision(3)} ${mu > 0 ? 'from' : 'to'} the map first.`;
}

/**
 * The solvent model and the confidence (spec §5, §7), on the main thread.
 * @param shared a confidence map of its own in shared memory (the estimate with threads: a worker
 *   thread, e.g. the modifications', then reads it without a copy)
 */
function solventAndConfidence(p: Prepared, lowpassed: Volume, shared = false): { solvent: SolventModel; curve: ConfidenceCurve; confData: Float32Array } {
  p.timer.phase('solvent model', 0.35);
  const solvent = fitSolventModel(lowpassed.data, lowpassed.shape, p.solventDef?.data);
  p.timer.phase('confidence', 0.5);
  const curve = confidenceCurve(lowpassed.data, solvent.model, p.options.hedgeConfidence ?? 1);
  // in place when nothing reads the low-passed map any more (same values: a voxel-wise lookup)
  const inPlace = p.options.keepLowpassed === false && p.mode === 'res';
  const confData = confidenceMap(lowpassed.data, curve, inPlace ? lowpassed.data : shared ? sharedFloat32(lowpassed.data.length) : undefined);
  p.timer.stop();
  return { solvent, curve, confData };
}

/** `--nlrc`, `--target-mask`, the limits, warnings and the result record (spec §7.6, §7.7, §8). */
function finish(
  p: Prepared,
  lowpassed: Volume,
  scaleInput: Volume,
  scaleData: Float32Array,
  local: LocalScaleResult,
  conf: { solvent: SolventModel; curve: ConfidenceCurve; confData: Float32Array },
): EstimateResult {
  const { options, warnings, notes, input } = p;
  const { sMax, sMaxTile, variabilityLimit } = local;
  const { solvent, curve, confData } = conf;
  const confidenceLimit = curve.halfDensity / sMax;
  const nBins = curve.curve.length;
  const lowestConfidentFraction = curve.halfIndex / nBins;
  if (curve.halfIndex >= nBins) {
    warnings.push('The solvent model failed: no density reaches confidence 0.5, so the confidence map is 0 everywhere. Check it with --plot, give a --solvent-def mask, or use a coarser --lowpass.');
  } else if (curve.halfIndex > nBins / 2) {
    warnings.push(`Potentially bad solvent model: confidence reaches 0.5 only at ${(100 * lowestConfidentFraction).toFixed(0)} % of the density range (lowest confident scale ${lowestConfidentFraction.toFixed(2)}). Check it with --plot and consider --solvent-def <solvent_mask.mrc>.`);
  }

  const offset = solventOffsetWarning(solvent.model.mu, solvent.model.sigma, sMax);
  if (offset) warnings.push(offset);

  if (options.nlrc) {
    const L = confidenceLimit;
    if (L >= 1) {
      warnings.push(`--nlrc skipped: the confidence limit ${L.toFixed(3)} is not below 1.`);
    } else {
      const k = 1 / (1 - L);
      for (let i = 0; i < scaleData.length; i++) scaleData[i] = Math.min(1, Math.max(0, (scaleData[i] - L) * k));
    }
  }

  let targetOccupancy: number | undefined;
  const targetMask = p.targetMask;
  if (targetMask) {
    let nt = 0;
    let maxIn = -Infinity;
    for (let i = 0; i < targetMask.data.length; i++) {
      if (targetMask.data[i] > 0.5) {
        nt++;
        if (scaleInput.data[i] > maxIn) maxIn = scaleInput.data[i];
      }
    }
    if (nt === 0) throw new RangeError('--target-mask selects no voxel (no value > 0.5)');
    const tauT = tauForSamples(nt);
    const sMaxT = tileMaximum(scaleInput.data, scaleInput.shape, tauT, Math.min(12, ...scaleInput.shape)).value;
    let occ = maxIn / sMaxT;
    if (options.nlrc && confidenceLimit < 1) occ = (occ - confidenceLimit) / (1 - confidenceLimit);
    targetOccupancy = Math.min(1, Math.max(0, occ));
    notes.push(`Target mask: ${nt} voxels, tau_t = ${tauT.toFixed(5)}, s_max_t = ${sMaxT.toPrecision(6)}, occupancy ${targetOccupancy.toFixed(3)}`);
  }
  p.timer.stop();
  const geometry = { shape: input.shape, voxelSizeA: input.voxelSizeA };
  const t = p.timer.seconds;
  return {
    mode: p.mode,
    inputShape: p.inputShape,
    processingShape: input.shape,
    processingVoxelSizeA: input.voxelSizeA,
    downsampled: p.downsampled,
    settings: p.settings,
    input,
    lowpassed: conf.confData === lowpassed.data ? undefined : lowpassed,
    scale: { data: scaleData, ...geometry },
    confidence: { data: confData, ...geometry },
    solvent,
    confidenceCurve: curve,
    sMax,
    sMaxTile,
    variabilityLimit,
    confidenceLimit,
    lowestConfidentFraction,
    targetOccupancy,
    warnings,
    notes,
    timingsS: {
      resample: t.resample ?? 0,
      'low-pass': t['low-pass'] ?? 0,
      'solvent model': t['solvent model'] ?? 0,
      tiles: local.timingsS.tiles,
      'max filter': local.timingsS['max filter'],
      confidence: t.confidence ?? 0,
    },
  };
}

/**
 * Estimate the local scale of a map (spec §1–§8), on the calling thread.
 *
 * @param map input map (raw, unsharpened, unmasked works best; `data` length nx*ny*nz, index
 *   (z*ny + y)*nx + x), or a {@link ResampledMap} already cropped to its processing box; not modified
 * @param options see {@link EstimateOptions}
 * @throws RangeError for out-of-range options, mismatched mask boxes or a constant map;
 *   Error when the solvent model cannot be fitted
 */
export function estimateLocalScale(map: EstimateInput, options: EstimateOptions = {}): EstimateResult {
  const p = prepare(map, options);
  p.timer.phase('low-pass', 0.05);
  const lowpassed = p.lowpassed ?? lowpassHard(p.input, p.settings.lowpassA, p.lowpassStyle);
  const scaleInput = p.mode === 'occ' ? lowpassed : p.input;
  const conf = solventAndConfidence(p, lowpassed);
  p.timer.phase('max filter', 0.6);
  const scaleData = new Float32Array(scaleInput.data.length);
  const local = computeLocalScale(scaleInput.data, localScaleParams(p, scaleInput.shape), scaleData);
  return finish(p, lowpassed, scaleInput, scaleData, local, conf);
}

/** Options of {@link estimateLocalScaleParallel} besides {@link EstimateOptions}. */
export interface ParallelOptions {
  /** Allow the worker thread (default true). */
  threads?: boolean;
  /**
   * Work of the caller's to run on the calling thread once the estimate's own main-thread steps
   * are done, while the worker thread finishes the local scale (the estimate job runs the input
   * diagnostics' noise spectrum there, on the core that would otherwise wait). Without the worker
   * it runs after the estimate. Its time is not in the result's `timingsS`. An exception thrown by
   * it propagates (the estimate's result is then lost).
   * @param overlapping true when it runs while the worker thread works (false: after the estimate,
   *   on one thread)
   */
  whileWaiting?: (overlapping: boolean) => void;
  /** The progress phase shown while {@link whileWaiting} runs (default `other work`). */
  whileWaitingPhase?: string;
}

/** Boxes below this many voxels are estimated on one thread (a worker would not pay off). */
const PARALLEL_MIN_VOXELS = 64 ** 3;

/**
 * {@link estimateLocalScale} with the local-scale step (tiles, maximum filter, normalisation) in a
 * worker thread, overlapping the low-pass, solvent fit and confidence on the calling thread
 * (`res` mode: from the start; `occ` mode: once the low-passed map exists). Same results as
 * {@link estimateLocalScale}, bit for bit. The calling thread takes a turn of the event loop
 * between its steps and within the low-pass (`lowpassHardSteps`: after each group of planes,
 * reported as `low-pass` with a larger fraction, from 0.05 to 0.35), so that a signal or an abort
 * from a timer is acted on within a step. In `timingsS`, `tiles` and `max filter` are the worker's own times: they overlap the other
 * phases. Small boxes (< 64³) and `threads: false` run on the calling thread.
 *
 * The input is shared with the worker without a copy when its data are SharedArrayBuffer-backed
 * (`readMrc(path, { shared: true })`); otherwise it is copied once.
 *
 * @param map input map, or a {@link ResampledMap} (see {@link estimateLocalScale}); not modified
 * @param options see {@link EstimateOptions} and {@link ParallelOptions}
 * @throws as {@link estimateLocalScale}
 */
export async function estimateLocalScaleParallel(map: EstimateInput, options: EstimateOptions & ParallelOptions = {}): Promise<EstimateResult> {
  const n = isResampled(map) ? map.inputShape[0] * map.inputShape[1] * map.inputShape[2] : map.data.length;
  if (options.threads === false || n < PARALLEL_MIN_VOXELS) {
    const result = estimateLocalScale(map, options);
    if (options.whileWaiting) {
      options.onProgress?.(options.whileWaitingPhase ?? 'other work', 0.95);
      options.whileWaiting(false);
    }
    return result;
  }
  const p = prepare(map, options);
  const shape = p.input.shape;
  const scaleData = sharedFloat32(p.input.data.length);
  const params = localScaleParams(p, shape);
  const toShared = (a: Float32Array): Float32Array => {
    if (isShared(a)) return a;
    const s = sharedFloat32(a.length);
    s.set(a);
    return s;
  };
  let local: Promise<LocalScaleResult> | undefined;
  let localDone = false;
  const started = (l: Promise<LocalScaleResult>): Promise<LocalScaleResult> => {
    // a failure of the worker is reported once we wait for it, after the main-thread work
    l.then(() => (localDone = true), () => (localDone = true));
    return l;
  };
  try {
    if (p.mode === 'res') local = started(computeLocalScaleInThread(toShared(p.input.data), params, scaleData));
    // a signal during the caller's work before this call (the input diagnostics) is acted on here,
    // not after the low-pass
    await turnOfEventLoop();
    p.timer.phase('low-pass', 0.05);
    // the resampling's low-pass (shared already when the crop ran on two threads), else our own
    const pre = p.lowpassed && p.mode === 'occ' ? { ...p.lowpassed, data: toShared(p.lowpassed.data) } : p.lowpassed;
    // in `res` mode with sharedMaps in shared memory too: the confidence may be computed into it
    // in steps, with a turn of the event loop after each (a 256³ low-pass in one block held a
    // SIGINT for ~5 s on a loaded machine before session 60); progress from 0.05 to 0.35
    const lowpassed = pre ?? (await runStepsYielding(lowpassHardSteps(p.input, p.settings.lowpassA, p.lowpassStyle, p.mode === 'occ' || options.sharedMaps === true ? sharedFloat32(p.input.data.length) : undefined), (f) => p.timer.report(0.05 + 0.3 * f)));
    if (p.mode === 'occ') local = started(computeLocalScaleInThread(lowpassed.data, params, scaleData));
    const scaleInput = p.mode === 'occ' ? lowpassed : p.input;
    // between the steps on this thread, a turn of the event loop: a signal (the CLI's clean-up) or
    // an abort from a timer is acted on after the step that runs, not after all of them (before
    // session 58 SIGINT during the low-pass of a 256³ estimate waited 13.8 s on a loaded machine;
    // before session 59 a signal could still wait for all of them: see turnOfEventLoop)
    await turnOfEventLoop();
    const conf = solventAndConfidence(p, lowpassed, options.sharedMaps === true);
    await turnOfEventLoop();
    // the caller's own work, while the worker finishes (its time is the caller's to report: the
    // phase is shown as progress, but finish() reports only the estimate's own phases)
    if (options.whileWaiting) {
      p.timer.phase(options.whileWaitingPhase ?? 'other work', 0.6);
      options.whileWaiting(true);
      await turnOfEventLoop();
    }
    p.timer.phase('max filter', 0.6);
    return finish(p, lowpassed, scaleInput, scaleData, await (local as Promise<LocalScaleResult>), conf);
  } catch (err) {
    // aborted (the progress listener throws the signal's reason) or failed here: stop the worker's
    // part too, unless another call shares the worker
    if (local && !localDone) abandonScaleRequest();
    throw err;
  }
}
