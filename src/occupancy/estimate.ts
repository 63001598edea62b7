/**
 * The OccuPy local-scale estimate, end to end on an in-memory map.
 * @see shared/spec/occupy-algorithm.md §1–§8, §12
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { PhaseTimer } from '../core/phase-timer.js';
import { lowpassHard, type LowpassMaskStyle } from '../filters/lowpass.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { sphericalMaxFilter } from '../filters/max-filter.js';
import { arrayRange } from '../math/statistics.js';
import { deriveSettings, type DerivedSettings } from './kernel.js';
import { fitSolventModel, type SolventModel } from './solvent-model.js';
import { confidenceCurve, confidenceMap, type ConfidenceCurve } from './confidence.js';
import { tileMaximum, type TileMax } from './tiles.js';
import { tauForSamples } from './tau.js';
import { DEFAULT_MAX_BOX, estimateOptionErrors, processingBox } from './estimate-options.js';

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
  /** The low-passed input, processing box. */
  lowpassed: Volume;
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
 * Estimate the local scale of a map (spec §1–§8).
 *
 * @param map input map (raw, unsharpened, unmasked works best); not modified
 * @param options see {@link EstimateOptions}
 * @throws RangeError for out-of-range options, mismatched mask boxes or a constant map;
 *   Error when the solvent model cannot be fitted
 */
export function estimateLocalScale(map: Volume, options: EstimateOptions = {}): EstimateResult {
  const timer = new PhaseTimer(options.onProgress);
  const mode = options.mode ?? 'res';
  const maxBox = options.maxBox ?? DEFAULT_MAX_BOX;
  const optionErrors = estimateOptionErrors(options);
  if (optionErrors.length > 0) throw new RangeError(optionErrors[0]);
  const stats = arrayRange(map.data);
  if (!(stats.max > stats.min)) throw new RangeError(`the map is constant (every voxel is ${stats.min}); there is nothing to estimate`);
  if (options.solventDef) checkSameBox('--solvent-def', options.solventDef, map.shape);
  if (options.targetMask) checkSameBox('--target-mask', options.targetMask, map.shape);

  const warnings: string[] = [];
  const notes: string[] = [];
  const procShape = processingBox(map.shape, maxBox);
  const downsampled = procShape.some((n, i) => n !== map.shape[i]);
  timer.phase('resample', 0);
  const input = downsampled ? fourierResample(map, procShape) : map;
  const solventDef = options.solventDef && downsampled ? fourierResample(options.solventDef, procShape) : options.solventDef;
  const targetMask = options.targetMask && downsampled ? fourierResample(options.targetMask, procShape) : options.targetMask;
  if (downsampled) notes.push(`Box ${map.shape.join('x')} is larger than --max-box ${maxBox}: processing at ${procShape.join('x')} (voxel ${input.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å).`);

  const voxelSizeA = Math.min(...input.voxelSizeA);
  const settings = deriveSettings({
    voxelSizeA,
    lowpassA: options.lowpassA,
    resolutionA: options.resolutionA,
    kernelSize: options.kernelSize,
    kernelRadiusVoxels: options.kernelRadiusVoxels,
    tau: options.tau,
  });
  warnings.push(...settings.warnings);
  notes.push(...settings.notes);

  timer.phase('low-pass', 0.05);
  const lowpassed = lowpassHard(input, settings.lowpassA, options.lowpassMask ?? 'original');
  const scaleInput = mode === 'occ' ? lowpassed : input;

  timer.phase('solvent model', 0.35);
  const solvent = fitSolventModel(lowpassed.data, lowpassed.shape, solventDef?.data);

  timer.phase('tiles', 0.4);
  let sMax: number;
  let sMaxTile: TileMax | undefined;
  if (options.useS0) {
    sMax = settings.tau * arrayRange(scaleInput.data).max;
  } else {
    sMaxTile = tileMaximum(scaleInput.data, scaleInput.shape, settings.tau, options.tileSize);
    sMax = sMaxTile.value;
  }
  if (!(sMax > 0)) throw new RangeError(`the full-scale value s_max is ${sMax} (not positive): the map has no positive density; is its sign inverted?`);

  timer.phase('max filter', 0.55);
  const scaleData = sphericalMaxFilter(scaleInput.data, scaleInput.shape, settings.kernel);
  let sumFull = 0;
  let nFull = 0;
  const inv = 1 / sMax;
  for (let i = 0; i < scaleData.length; i++) {
    let s = scaleData[i] * inv;
    if (s >= 1) {
      s = 1;
      sumFull += scaleInput.data[i];
      nFull++;
    } else if (s < 0) s = 0;
    scaleData[i] = s;
  }
  const variabilityLimit = nFull > 0 ? sumFull / nFull / sMax : 1;

  timer.phase('confidence', 0.85);
  const curve = confidenceCurve(lowpassed.data, solvent.model, options.hedgeConfidence ?? 1);
  const confData = confidenceMap(lowpassed.data, curve);
  const confidenceLimit = curve.halfDensity / sMax;
  const nBins = curve.curve.length;
  const lowestConfidentFraction = curve.halfIndex / nBins;
  if (curve.halfIndex >= nBins) {
    warnings.push('The solvent model failed: no density reaches confidence 0.5, so the confidence map is 0 everywhere. Check it with --plot, give a --solvent-def mask, or use a coarser --lowpass.');
  } else if (curve.halfIndex > nBins / 2) {
    warnings.push(`Potentially bad solvent model: confidence reaches 0.5 only at ${(100 * lowestConfidentFraction).toFixed(0)} % of the density range (lowest confident scale ${lowestConfidentFraction.toFixed(2)}). Check it with --plot and consider --solvent-def <solvent_mask.mrc>.`);
  }

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
  timer.stop();
  const geometry = { shape: input.shape, voxelSizeA: input.voxelSizeA };
  return {
    mode,
    inputShape: map.shape,
    processingShape: input.shape,
    processingVoxelSizeA: input.voxelSizeA,
    downsampled,
    settings,
    input,
    lowpassed,
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
    timingsS: timer.seconds,
  };
}
