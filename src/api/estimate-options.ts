/**
 * The estimate's options as the library takes them, and their check at the API boundary.
 */
import type { Shape3 } from '../core/volume.js';
import { processingBox, resolveEstimateOptions, RESOLUTION_MAX_A, type EstimateOptionValues, type ResolvedEstimateOptions } from '../occupancy/options.js';
import { optionError } from './errors.js';
import type { RunOptions } from './run-control.js';
import type { VolumeInput } from './volume.js';

/**
 * Options of the OccuPy local-scale estimate (same names and meaning as the command line's; spec
 * `shared/spec/occupy-algorithm.md` §1–§8). Every option is optional: the defaults are the
 * method's (and `occupy estimate`'s).
 */
export interface EstimateOptions {
  /**
   * `'res'` (default): scale of the raw map, reflecting local resolution; `'occ'`: scale of the
   * low-passed map, the relative occupancy (OccuPy paper; spec §1). CLI `--occupancy`.
   */
  mode?: 'res' | 'occ';
  /** Low-pass cut-off in Å (> 0, not finer than the processing box's Nyquist limit); default max(8, 3 × voxel size). CLI `--lowpass`. */
  lowpassA?: number;
  /** Resolution of the map in Å: the low-pass when `lowpassA` is not given (both: the coarser). CLI `--resolution`. */
  resolutionA?: number;
  /** Edge of the cubic kernel box in voxels (odd, fitting the processing box); default from the low-pass, 3–9. CLI `--kernel-size`. */
  kernelSize?: number;
  /** Radius of the spherical kernel in voxels (> 0); default low-pass / (2 × voxel size). CLI `--kernel-radius`. */
  kernelRadiusVoxels?: number;
  /** Percentile of the full-scale search, in (0, 1]; default the root of x^n_v + x − 1 = 0 (spec §3). CLI `--tau`. */
  tau?: number;
  /** Low-pass mask: `'original'` (default, as OccuPy) or `'centred'` (on DC; spec §4). CLI `--lowpass-mask`. */
  lowpassMask?: 'original' | 'centred';
  /** Edge of the tiles of the full-scale search in voxels (1..smallest processing-box edge); default box/20. CLI `--tile-size`. */
  tileSize?: number;
  /**
   * Fourier-crop boxes larger than this (an even integer ≥ 10, or 0 for never; default 256). The
   * returned maps are on the input's box all the same (padded back). CLI `--max-box`.
   */
  maxBox?: number;
  /** Normalise by tau × the map maximum instead of the tile search. CLI `--S0`. */
  useS0?: boolean;
  /** A solvent (or molecule) mask on the input's box and voxel size: the solvent model is fitted in it. CLI `--solvent-def`. */
  solventDef?: VolumeInput;
  /** Hedge the confidence by this exponent (in [1, 1000]). CLI `--hedge-confidence`. */
  hedgeConfidence?: number;
  /** Recalibrate the scale by the confidence limit. CLI `--nlrc`. */
  nlrc?: boolean;
  /** A mask on the input's box (voxels > 0.5): its occupancy is reported in the summary. CLI `--target-mask`. */
  targetMask?: VolumeInput;
}

/** The option keys of {@link EstimateOptions}. */
export const ESTIMATE_OPTION_KEYS: readonly (keyof EstimateOptions)[] = [
  'mode', 'lowpassA', 'resolutionA', 'kernelSize', 'kernelRadiusVoxels', 'tau', 'lowpassMask', 'tileSize', 'maxBox', 'useS0', 'solventDef', 'hedgeConfidence', 'nlrc', 'targetMask',
];

/** The keys of {@link RunOptions}. */
export const RUN_OPTION_KEYS: readonly (keyof RunOptions)[] = ['signal', 'onProgress'];

/**
 * Refuse keys the function does not know (a typo would otherwise be ignored silently).
 * @throws OptionError naming the unknown key
 */
export function checkKnownKeys(options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw optionError('options', 'an object', options);
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] === undefined) continue;
    if (!known.includes(key)) throw optionError(key, `one of the known options (${known.join(', ')})`, key, `unknown option '${key}' (known: ${known.join(', ')})`);
  }
}

/** Nyquist limit in Å of the processing box of a map: 2 × its largest voxel size. */
function processingNyquistA(shape: Shape3, voxelSizeA: readonly number[], maxBox: number): { nyquistA: number; box: Shape3 } {
  const box = processingBox(shape, maxBox);
  return { nyquistA: 2 * Math.max(...[0, 1, 2].map((i) => (shape[i] * voxelSizeA[i]) / box[i])), box };
}

/** The option keys {@link resolveEstimateOptions} knows that the API passes through unchanged. */
const SCHEMA_KEYS = ['mode', 'lowpassA', 'resolutionA', 'kernelSize', 'kernelRadiusVoxels', 'tau', 'lowpassMask', 'tileSize', 'maxBox', 'useS0', 'hedgeConfidence', 'nlrc'] as const;

/**
 * Check and resolve the estimate's options for a map of box `shape` and voxel size `voxelSizeA`
 * (Å) with the method's one option schema (`resolveEstimateOptions`: ranges, the kernel and tiles
 * fitting the processing box, rules between options), plus the resolutions not finer than the
 * processing box's Nyquist limit. Masks are checked by the caller (they are volumes).
 * @param extra further schema values (the modification's: `amplify`, `scaleLimit`, …)
 * @returns the resolved options (defaults filled)
 * @throws OptionError naming the first invalid option (`.option` its key), its allowed range and its value
 */
export function checkEstimateOptions(o: EstimateOptions, shape: Shape3, voxelSizeA: readonly number[], extra: EstimateOptionValues = {}): ResolvedEstimateOptions {
  const given: EstimateOptionValues = { ...extra };
  for (const key of SCHEMA_KEYS) if (o[key] !== undefined) (given as Record<string, unknown>)[key] = o[key];
  const resolved = resolveEstimateOptions(given, { shape });
  const { nyquistA, box } = processingNyquistA(shape, voxelSizeA, resolved.maxBox);
  const grid = box.every((n, i) => n === shape[i]) ? 'the map' : `the processing box ${box.join('x')} (maxBox ${resolved.maxBox})`;
  for (const key of ['lowpassA', 'resolutionA'] as const) {
    const v = o[key];
    if (v !== undefined && !(v >= nyquistA * (1 - 1e-6))) throw optionError(key, `a resolution in Å from ${Number(nyquistA.toFixed(3))} (Nyquist limit of ${grid}) to ${RESOLUTION_MAX_A}`, v);
  }
  return resolved;
}
