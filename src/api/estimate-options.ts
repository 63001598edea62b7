/**
 * The estimate's options as the library takes them, and their check at the API boundary.
 */
import { boxLongestA, type Shape3 } from '../core/volume.js';
import { defaultLowpassBeyondBox, lowpassBeyondBox } from '../occupancy/kernel.js';
import { checkEstimateOptionsRead, ESTIMATE_OPTIONS, INPUT_CHECK_OPTION, processingBox, resolveEstimateOptions, type EstimateOptionValues, type ResolvedEstimateOptions } from '../occupancy/options.js';
import { inLibraryTerms, OptionError, optionError } from './errors.js';
import type { RunOptions } from './run-control.js';
import type { VolumeInput } from './volume.js';

/** The option keys of the method's schema (`src/occupancy/options.ts`) the API passes through unchanged. */
export const SCHEMA_KEYS = ['mode', 'lowpassA', 'resolutionA', 'kernelSize', 'kernelRadiusVoxels', 'tau', 'lowpassMask', 'tileSize', 'maxBox', 'useS0', 'hedgeConfidence', 'nlrc'] as const;

/**
 * Options of the OccuPy local-scale estimate (spec `shared/spec/occupy-algorithm.md` §1–§8): the
 * method's option schema's own entries (declared once in `src/occupancy/options.ts`, with the
 * command line's names, units, ranges and defaults: `mode` `'res'` (default) or `'occ'`,
 * `lowpassA` and `resolutionA` in Å, `kernelSize` and `tileSize` in voxels, `kernelRadiusVoxels`,
 * `tau` in (0, 1], `lowpassMask`, `maxBox` (default 256; the maps come back on the input's box
 * all the same), `useS0`, `hedgeConfidence`, `nlrc`), plus two masks given as volumes on the
 * input's grid instead of file paths.
 */
export type EstimateOptions = Pick<EstimateOptionValues, (typeof SCHEMA_KEYS)[number]> & {
  /** A solvent (or molecule) mask on the input's box and voxel size: the solvent model is fitted in it (binarised at 0.9). CLI `--solvent-def`. */
  solventDef?: VolumeInput;
  /** A mask on the input's box (voxels > 0.5): its occupancy is reported in the summary. CLI `--target-mask`. */
  targetMask?: VolumeInput;
};

/** The option keys of {@link EstimateOptions}. */
export const ESTIMATE_OPTION_KEYS: readonly string[] = [...SCHEMA_KEYS, 'solventDef', 'targetMask'];

/** Command-line flag → the library's key where the schema's key is not the library's. */
const LIBRARY_FLAG_NAMES: readonly (readonly [string, string])[] = [['--SW', 'useS0: false'], ['--occupancy', "mode 'occ'"], ['--solvent-def', 'solventDef'], ['--target-mask', 'targetMask'], [INPUT_CHECK_OPTION.force.flag, 'force: true']];

/**
 * A message of the estimate (an option rule, a warning or note of its summary) in the library's
 * terms: each flag of the option schema replaced by the library's key (`--kernel-size` →
 * `kernelSize`, `--solvent-def <solvent_mask.mrc>` → `a solventDef mask`), and the CLI's plot
 * (`Check it with --plot`) left out.
 */
export function estimateInLibraryTerms(text: string): string {
  const own = new Set(LIBRARY_FLAG_NAMES.map(([flag]) => flag));
  const plain = text
    .replace(/ with --plot\b/g, '')
    .replace(/(?:a )?--solvent-def <[^>]*>/g, 'a solventDef mask')
    .replace(/(?:a )?--solvent-def mask/g, 'a solventDef mask')
    .replace(/(?:a )?--target-mask <[^>]*>/g, 'a targetMask');
  return inLibraryTerms(plain, [...LIBRARY_FLAG_NAMES, ...ESTIMATE_OPTIONS.filter((s) => !own.has(s.flag)).map((s) => [s.flag, s.key] as const)]);
}

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
  let resolved: ResolvedEstimateOptions;
  try {
    resolved = resolveEstimateOptions(given, { shape });
    // an option the run would not read (scaleLimit with excludeSolvent alone, tileSize with useS0);
    // rawScale is the library's mode 'res', which also sets the mode of a solvent exclusion alone
    checkEstimateOptionsRead({ ...given, rawScale: undefined });
  } catch (err) {
    // in the library's terms: its option keys, not the command line's flags (`--tile-size … not
    // with --S0` had reached library callers)
    if (!(err instanceof OptionError)) throw err;
    throw new OptionError(estimateInLibraryTerms(err.message), err.option, estimateInLibraryTerms(err.allowed), { flag: err.flag, value: err.value });
  }
  const { nyquistA, box } = processingNyquistA(shape, voxelSizeA, resolved.maxBox);
  const grid = box.every((n, i) => n === shape[i]) ? 'the map' : `the processing box ${box.join('x')} (maxBox ${resolved.maxBox})`;
  // at most the box's longest extent (lowpassBeyondBox, the one rule for a given and the default
  // low-pass): coarser than every edge, no frequency of the box but its mean is within the low-pass
  // (a flat map with no solvent peak, refused as 'no contrast' further on); a slab keeps contrast
  // along its longer edges
  const longestA = boxLongestA(shape, voxelSizeA);
  const r = (v: number) => Number(v.toFixed(3));
  for (const key of ['lowpassA', 'resolutionA'] as const) {
    const v = o[key];
    if (v !== undefined && !(v >= nyquistA * (1 - 1e-6) && lowpassBeyondBox(v, shape, voxelSizeA) === undefined)) throw optionError(key, `a resolution in Å from ${r(nyquistA)} (Nyquist limit of ${grid}) to ${r(longestA)} (the box's longest extent; coarser, no frequency of the box but its mean is within it)`, v);
  }
  // the default low-pass, max(8 Å, 3 × voxel size), beyond the box: a 7³ map at 1 Å had stopped at
  // "the solvent region has no contrast: all 179 values equal …"
  const beyond = o.lowpassA === undefined && o.resolutionA === undefined ? defaultLowpassBeyondBox(shape, voxelSizeA, voxelSizeA.map((a, i) => (a * shape[i]) / box[i])) : undefined;
  if (beyond) {
    const { lowpassA } = beyond;
    const fits = longestA >= nyquistA * (1 - 1e-6);
    throw optionError('lowpassA', fits ? `a resolution in Å from ${r(nyquistA)} to ${r(longestA)} (the box's longest extent)` : 'a map of at least 2 voxels along an edge', undefined, `volume spans at most ${r(longestA)} Å along an edge (box ${shape.join('x')} voxels), less than the default low-pass of ${r(lowpassA)} Å (max(8 Å, 3 × voxel size)): no frequency of the box but its mean is within it; ${fits ? `give lowpassA ${r(longestA)} Å or less, or a map in a larger box` : 'no low-pass fits a box under 2 voxels along every edge: give a map in a larger box'}`);
  }
  return resolved;
}
