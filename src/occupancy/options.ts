/**
 * The estimate's options, declared once: key, command-line flag(s) (with the original OccuPy's
 * short flags), unit, type, range, default and help text ({@link ESTIMATE_OPTIONS}), and the one
 * function that fills the defaults, checks every value and applies the rules between options
 * ({@link resolveEstimateOptions}). The CLI builds its commander options and help from the table,
 * the GUI server validates the page's JSON with it and the page imports it for its live checks;
 * the functions below the library boundary trust what it returns.
 *
 * Browser-safe: no Node imports.
 * @see shared/spec/occupy-algorithm.md §2–§3, §9 (the options of the original OccuPy)
 */
import { OptionError, rangeText } from '../core/option-error.js';
import { allowedText, checkOptionValue, contradictionError, numberAllowed, type OptionGroup, type OptionSpec } from '../core/option-schema.js';

export { allowedText, checkOptionValue, numberAllowed, type OptionGroup, type OptionSpec, type OptionType } from '../core/option-schema.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A, voxelSizeError } from '../core/voxel-size-limits.js';
import type { ModificationRequest } from './modification-curves.js';
import { KERNEL_SIZE_MAX, kernelSizeError, maxKernelSize } from './kernel.js';

/** Largest value of an integer option unless the option says otherwise (2³¹ − 1). */
export const INT_OPTION_MAX = 2 ** 31 - 1;
/** Range of every `--seed`: an integer in 0..2³¹ − 1. */
export const SEED_MAX = 2 ** 31 - 1;
/** Smallest value of resolution-like options (`--lowpass`, `--resolution`, ...), Å. */
export const RESOLUTION_MIN_A = 0.1;
/** Largest value of resolution-like options (`--lowpass`, `--resolution`, ...), Å. */
export const RESOLUTION_MAX_A = 1000;
/** Default `--max-box` (the original OccuPy's). */
export const DEFAULT_MAX_BOX = 256;
/** The low-pass mask when none is asked for (`--lowpass-mask`): OccuPy's own, which its solvent model was fitted with. */
export const DEFAULT_LOWPASS_MASK: 'original' | 'centred' = 'original';
/** Default `--scale-limit`. */
export const DEFAULT_SCALE_LIMIT = 0.05;
/** Default `--min-vis-scale`. */
export const DEFAULT_MIN_VIS_SCALE = 0.2;

/** What a user may give to the estimate (every field optional; {@link resolveEstimateOptions} fills the rest). */
export interface EstimateOptionValues {
  /** `--angpix`: voxel size in Å replacing the header's. */
  angpix?: number;
  /** Resolution of the map in Å, [0.1, 1000]: the low-pass when `lowpassA` is not given (both given: the coarser). CLI `-r/--resolution`. */
  resolutionA?: number;
  /**
   * Low-pass cut-off in Å, from the (processing box's) Nyquist limit to the box's longest extent;
   * default `resolutionA`, else max(8 Å, 3 × processing voxel size) (spec §3, §4). CLI `-lp/--lowpass`.
   */
  lowpassA?: number;
  /** Edge of the kernel's cube in voxels of the processing box: odd, fitting the box; default floor(lowpass / voxel size) made odd, clamped to 3–9 (spec §3) and reduced, with a warning, to fit a thinner box. CLI `--kernel-size`. */
  kernelSize?: number;
  /** Radius of the spherical kernel in voxels of the processing box, (0, 1000]; default lowpass / (2 × voxel size) (spec §3). CLI `--kernel-radius`. */
  kernelRadiusVoxels?: number;
  /** Quantile of each tile taken for the full scale s_max, a fraction in (0, 1]; default the root of x^n_v + x − 1 = 0 for the kernel's n_v voxels (spec §3). CLI `-t/--tau`. */
  tau?: number;
  /** Fourier mask of the low-pass: `'original'` (default; as OccuPy, reproduces its solvent model) or `'centred'` (on DC) (spec §4). CLI `--lowpass-mask`. */
  lowpassMask?: 'original' | 'centred';
  /** Edge of the tiles of the s_max search in voxels of the processing box, 1..(smallest edge); default floor(edge / 20) (spec §6.1). Not with `useS0`. CLI `--tile-size`. */
  tileSize?: number;
  /** Larger boxes are Fourier-cropped to this edge in voxels for processing (even, ≥ 10) or 0 (never); default 256 (spec §2). CLI `--max-box`. */
  maxBox?: number;
  /** `'occ'` (CLI `--occupancy`): scale of the low-passed map, the relative occupancy; `'res'` (default): of the raw map, the resolution-dependent scale. A modification implies `'occ'`. */
  mode?: 'res' | 'occ';
  /** `--raw-scale`: resolution mode even when modifying. */
  rawScale?: boolean;
  /** Normalise by tau × the map maximum instead of the tile search (default false) (spec §6.1). CLI `--S0`. */
  useS0?: boolean;
  /** `--SW`: the tile search (the default; contradicts `useS0`). */
  useSW?: boolean;
  /** `--solvent-def`: path of a solvent (or molecule) mask. */
  solventDefPath?: string;
  /** Raise the confidence to this power, in [1, 1000] (1, the default when absent, leaves it unchanged) to be more conservative. CLI `--hedge-confidence`. */
  hedgeConfidence?: number;
  /** Noise-level recalibration (default false): scale = clip((scale − L)/(1 − L), 0, 1) with L the confidence limit (spec §7.7). CLI `--nlrc`. */
  nlrc?: boolean;
  /** `--target-mask`: path of a mask whose occupancy is reported. */
  targetMaskPath?: string;
  /** Scale in [0, 1) at or below which a modification leaves the map as it is (default 0.05) (spec §9). CLI `--scale-limit`. */
  scaleLimit?: number;
  /** `-am/--amplify` power in (1, 100]. */
  amplify?: number;
  /** `-at/--attenuate` power in (1, 100]. */
  attenuate?: number;
  /** `--sigmoid` power in (1, 100]; needs `pivot`. */
  sigmoid?: number;
  /** `--pivot` in [0.01, 0.99]: the scale `--sigmoid` leaves unchanged. */
  pivot?: number;
  /** Flatten the solvent (by the confidence) to 0 in the modified map instead of keeping the input's (default false); alone, without a modification, the only change. CLI `--exclude-solvent`. */
  excludeSolvent?: boolean;
  /** `--retain-solvent` (the default; contradicts `excludeSolvent`). */
  retainSolvent?: boolean;
  /** Do not blend the modified map with the input by the confidence, so solvent is modified too (default false; not recommended). CLI `--omit-confidence`. */
  omitConfidence?: boolean;
  /** Low-pass the modified map to this resolution in Å (from Nyquist to 1000); default none. CLI `--lowpass-output`. */
  lowpassOutputA?: number;
  /** Histogram-match the modified map to the input instead of clipping it to the input's value range (default false). CLI `--hist-match`. */
  histMatch?: boolean;
  /** `--scale-from`: `estimate` (default) or `decompose`. */
  scaleFrom?: 'estimate' | 'decompose';
  /** `--seed` of the synthetic solvent noise, 0..2³¹ − 1; random (logged) when undefined. */
  seed?: number;
  /** `--save-all-maps`. */
  saveAllMaps?: boolean;
  /** `--chimerax` / `--no-chimerax` (default true). */
  chimerax?: boolean;
  /** `--chimerax-silent`. */
  chimeraxSilent?: boolean;
  /** `--plot`. */
  plot?: boolean;
  /** `--min-vis-scale` in [0, 1) (default 0.2). */
  minVisScale?: number;
}

/** Key of an estimate option. */
export type EstimateOptionKey = keyof EstimateOptionValues;

const resolution = (key: 'resolutionA' | 'lowpassA' | 'lowpassOutputA', flags: string, flag: string, doc: string, group: OptionGroup, occupyShort?: string): OptionSpec<EstimateOptionKey> => ({
  key, flags, flag, doc, group, occupyShort, type: 'number', unit: 'Å', range: { min: RESOLUTION_MIN_A, max: RESOLUTION_MAX_A, unit: 'Å' },
});
const power = (key: 'amplify' | 'attenuate' | 'sigmoid', flag: string, doc: string, occupyShort?: string): OptionSpec<EstimateOptionKey> => ({
  key, flags: `${flag} <power>`, flag, doc, occupyShort, group: 'modification', type: 'number', unit: 'power', range: { min: 1, max: 100, minOpen: true }, allowed: `a power ${rangeText({ min: 1, max: 100, minOpen: true })}`,
});
const bool = (key: EstimateOptionKey, flag: string, doc: string, group: OptionGroup): OptionSpec<EstimateOptionKey> => ({ key, flags: flag, flag, doc, group, type: 'boolean' });

/**
 * The estimate's options (estimation, solvent, modification, output switches), in the order of
 * `occupy --help`. The input/output placement options (`-i`, `--emdb`, `-o`, `--keep-output-path`,
 * `--force`) and the verbosity options belong to the command, not to the method.
 */
export const ESTIMATE_OPTIONS: readonly OptionSpec<EstimateOptionKey>[] = [
  { key: 'angpix', flags: '--angpix <A>', flag: '--angpix', type: 'number', unit: 'Å', range: { min: ANGPIX_MIN_A, max: ANGPIX_MAX_A, unit: 'Å' }, doc: 'voxel size in Å instead of the header\'s (logged; outputs carry it)', group: 'input' },
  resolution('resolutionA', '-r, --resolution <A>', '--resolution', 'resolution of the map in Å (used as low-pass when --lowpass is not given)', 'estimate'),
  resolution('lowpassA', '--lowpass <A>', '--lowpass', 'low-pass cut-off in Å; default max(8, 3 × voxel size)', 'estimate', '-lp'),
  { key: 'kernelSize', flags: '--kernel-size <voxels>', flag: '--kernel-size', type: 'integer', unit: 'voxels', valid: (v) => Number.isInteger(v) && v >= 1 && v % 2 === 1 && v <= INT_OPTION_MAX, allowed: 'an odd integer >= 1 that fits the map\'s box', doc: 'edge of the local kernel in voxels (odd), at most the box\'s smallest edge; default from the low-pass, 3–9 (reduced to fit a thinner box, with a warning)', group: 'estimate' },
  { key: 'kernelRadiusVoxels', flags: '--kernel-radius <voxels>', flag: '--kernel-radius', type: 'number', unit: 'voxels', range: { min: 0, max: 1000, minOpen: true, unit: 'voxels' }, doc: 'radius of the spherical kernel in voxels (beyond the kernel cube\'s corners: clamped to them, with a warning); default low-pass / (2 × voxel size)', group: 'estimate' },
  { key: 'tau', flags: '-t, --tau <fraction>', flag: '--tau', type: 'number', unit: 'fraction', range: { min: 0, max: 1, minOpen: true }, doc: 'percentile for the full-scale search, in (0, 1]; default from the kernel', group: 'estimate' },
  { key: 'lowpassMask', flags: '--lowpass-mask <style>', flag: '--lowpass-mask', type: 'choice', choices: ['original', 'centred'], default: DEFAULT_LOWPASS_MASK, showDefault: true, doc: 'low-pass mask: original (as OccuPy, reproduces its solvent model) or centred (on DC)', group: 'estimate' },
  { key: 'tileSize', flags: '--tile-size <voxels>', flag: '--tile-size', type: 'integer', unit: 'voxels', valid: (v) => Number.isInteger(v) && v >= 1 && v <= INT_OPTION_MAX, allowed: 'an integer in 1..(smallest edge of the box)', doc: 'edge of the tiles of the full-scale search in voxels; default box/20', group: 'estimate' },
  { key: 'maxBox', flags: '--max-box <voxels>', flag: '--max-box', type: 'integer', unit: 'voxels', valid: (v) => v === 0 || (Number.isInteger(v) && v >= 10 && v % 2 === 0 && v <= INT_OPTION_MAX), allowed: 'an even integer >= 10, or 0 for no limit', default: DEFAULT_MAX_BOX, showDefault: true, doc: 'Fourier-crop larger boxes to this size (even); 0 = never', group: 'estimate' },
  { key: 'mode', flags: '--occupancy', flag: '--occupancy', type: 'boolean', flagValue: 'occ', choices: ['res', 'occ'], default: 'res', aliases: [{ flags: '--lp-scale', doc: 'same as --occupancy' }], doc: 'estimate occupancy: the scale of the low-passed map (alias --lp-scale)', group: 'estimate' },
  bool('rawScale', '--raw-scale', 'estimate on the raw map (resolution mode) even when modifying', 'estimate'),
  bool('useS0', '--S0', 'normalise by tau × the map maximum instead of the tile search', 'estimate'),
  bool('useSW', '--SW', 'normalise by the tile search (the default; the original\'s opposite of --S0)', 'estimate'),
  { key: 'solventDefPath', flags: '--solvent-def <map>', flag: '--solvent-def', type: 'path', doc: 'solvent (or molecule) mask, same box as the input, binarised at 0.9', group: 'solvent' },
  { key: 'hedgeConfidence', flags: '--hedge-confidence <exponent>', flag: '--hedge-confidence', type: 'number', range: { min: 1, max: 1000 }, doc: 'raise the confidence to this power (≥ 1; 1 leaves it unchanged) to be more conservative', group: 'solvent' },
  bool('nlrc', '--nlrc', 'noise-level recalibration: rescale the scale so the confidence limit maps to 0', 'solvent'),
  { key: 'targetMaskPath', flags: '--target-mask <map>', flag: '--target-mask', type: 'path', doc: 'report the occupancy of the region where this mask > 0.5', group: 'solvent' },
  { key: 'scaleLimit', flags: '--scale-limit <fraction>', flag: '--scale-limit', type: 'number', unit: 'fraction', range: { min: 0, max: 1, maxOpen: true }, default: DEFAULT_SCALE_LIMIT, showDefault: true, doc: 'scales at or below this are never modified', group: 'modification' },
  power('amplify', '--amplify', 'amplify partial occupancies by scale^(1/g - 1); implies --occupancy', '-am'),
  power('attenuate', '--attenuate', 'attenuate partial occupancies by scale^(g - 1); implies --occupancy', '-at'),
  power('sigmoid', '--sigmoid', 'sigmoid-modify: amplify above --pivot, attenuate below; implies --occupancy'),
  { key: 'pivot', flags: '--pivot <scale>', flag: '--pivot', type: 'number', unit: 'fraction', range: { min: 0.01, max: 0.99 }, doc: 'scale left unchanged by --sigmoid, in [0.01, 0.99]', group: 'modification' },
  bool('excludeSolvent', '--exclude-solvent', 'flatten the solvent to 0 in modified maps (alone: write solExcl_<stem>.mrc)', 'modification'),
  bool('retainSolvent', '--retain-solvent', 'keep the input solvent in modified maps (the default; only with a modification)', 'modification'),
  bool('omitConfidence', '--omit-confidence', 'do not suppress solvent by confidence when modifying (not recommended)', 'modification'),
  resolution('lowpassOutputA', '--lowpass-output <A>', '--lowpass-output', 'low-pass modified maps to this resolution in Å', 'modification'),
  bool('histMatch', '--hist-match', 'histogram-match modified maps to the input instead of clipping to its range', 'modification'),
  { key: 'scaleFrom', flags: '--scale-from <source>', flag: '--scale-from', type: 'choice', choices: ['estimate', 'decompose'], default: 'estimate', showDefault: true, doc: 'what the modifications act on: the local scale (estimate) or the decomposed relative occupancy (decompose: a flexible, fully occupied domain is not amplified as if partial)', group: 'modification' },
  { key: 'seed', flags: '--seed <n>', flag: '--seed', type: 'integer', range: { min: 0, max: SEED_MAX }, allowed: `an integer in 0..${SEED_MAX}`, valid: Number.isInteger, doc: 'seed of the synthetic solvent noise that --attenuate and --sigmoid add where they removed signal (not with --exclude-solvent) (default: random, logged)', group: 'modification' },
  bool('saveAllMaps', '--save-all-maps', 'also write the low-passed (and down-sampled) input and, when modifying, each modification\'s factor map (factor_<modified map>.mrc)', 'output'),
  { key: 'chimerax', flags: '--chimerax', flag: '--chimerax', type: 'boolean', default: true, negation: 'do not write the ChimeraX script', doc: 'write the ChimeraX script chimX_<stem>.cxc (the default)', group: 'output' },
  bool('chimeraxSilent', '--chimerax-silent', 'also write chimX_<stem>_silent.cxc: `chimerax --offscreen` renders four views to PNG and exits', 'output'),
  bool('plot', '--plot', 'write the solvent-model plot solModel_<stem>.png/.svg and the modification curves gamma_modification_<stem> / sigmoid_modification_<stem>', 'output'),
  { key: 'minVisScale', flags: '--min-vis-scale <fraction>', flag: '--min-vis-scale', type: 'number', unit: 'fraction', range: { min: 0, max: 1, maxOpen: true }, default: DEFAULT_MIN_VIS_SCALE, showDefault: true, doc: 'lowest scale of the ChimeraX colour range', group: 'output' },
];

/** The spec of an estimate option by key. */
export const ESTIMATE_OPTION: Readonly<Record<EstimateOptionKey, OptionSpec<EstimateOptionKey>>> = Object.fromEntries(ESTIMATE_OPTIONS.map((s) => [s.key, s])) as Record<EstimateOptionKey, OptionSpec<EstimateOptionKey>>;

/** Key of an input-check option ({@link INPUT_CHECK_OPTIONS}). */
export type InputCheckOptionKey = 'diagnostics' | 'force';

/**
 * The estimate's input-check options (docs/diagnostics.md), declared once for the command line's
 * estimate (`--force`), its job (`EstimateFileOptions.diagnostics`, `.force`) and the library
 * (`estimateLocalScale`, `modifyMap`: the same keys). Not among {@link ESTIMATE_OPTIONS}: they do
 * not change what the method computes (results are the same bit for bit), only whether a map that
 * breaks its assumptions is refused or remarked on; and `occupy batch` has a `--force` of its own.
 * `diagnostics` has no flag on the command line (its `flag` is the one it would have; its checks
 * cost little beside a file's reading and the estimate); the GUI never forces.
 */
export const INPUT_CHECK_OPTIONS: readonly OptionSpec<InputCheckOptionKey>[] = [
  { key: 'diagnostics', flags: '--no-diagnostics', flag: '--no-diagnostics', type: 'boolean', default: true, doc: 'run the input diagnostics (occupy check) on the input map: findings among the warnings, a not-density map refused unless --force (default true)', group: 'input' },
  { key: 'force', flags: '--force', flag: '--force', type: 'boolean', default: false, doc: 'estimate even a map that `occupy check` calls not-density (a mask, scale or local-resolution map)', group: 'input' },
];

/** {@link INPUT_CHECK_OPTIONS} by key. */
export const INPUT_CHECK_OPTION: Readonly<Record<InputCheckOptionKey, OptionSpec<InputCheckOptionKey>>> = Object.fromEntries(INPUT_CHECK_OPTIONS.map((s) => [s.key, s])) as Record<InputCheckOptionKey, OptionSpec<InputCheckOptionKey>>;

/** The estimate's options with every default filled in and every rule between options applied. */
export interface ResolvedEstimateOptions {
  /** `res` or `occ` (a modification implies `occ` unless `rawScale`). */
  mode: 'res' | 'occ';
  lowpassA?: number;
  resolutionA?: number;
  kernelSize?: number;
  kernelRadiusVoxels?: number;
  tau?: number;
  tileSize?: number;
  lowpassMask: 'original' | 'centred';
  maxBox: number;
  useS0: boolean;
  solventDefPath?: string;
  hedgeConfidence?: number;
  nlrc: boolean;
  targetMaskPath?: string;
  scaleLimit: number;
  saveAllMaps: boolean;
  chimerax: boolean;
  chimeraxSilent: boolean;
  minVisScale: number;
  /** `--amplify`, `--attenuate`, `--sigmoid` (with its pivot), in that order: one output map each. */
  modifications: ModificationRequest[];
  excludeSolvent: boolean;
  omitConfidence: boolean;
  lowpassOutputA?: number;
  histMatch: boolean;
  scaleFrom: 'estimate' | 'decompose';
  seed?: number;
  plot: boolean;
  angpix?: number;
}

/** What is known about the map when options are resolved (box-dependent checks). */
export interface EstimateOptionContext {
  /**
   * Box of the input map [nx, ny, nz] (before `--max-box`): `kernelSize` and `tileSize` are then
   * checked against the processing box and `angpix` against the cell an MRC header can store.
   */
  shape?: readonly number[];
  /** What to do with keys that are not estimate options: refuse them (default) or skip them (callers that mix in their own keys). */
  unknownKeys?: 'error' | 'ignore';
}

/**
 * Processing box for `--max-box`: unchanged when every axis fits; otherwise the largest axis
 * becomes `maxBox` and the others shrink by the same factor (rounded, at least 2), so voxels stay
 * as isotropic as they were.
 * @param shape input box [nx, ny, nz], voxels
 * @param maxBox the `--max-box` value (0 = no limit)
 */
export function processingBox<T extends readonly number[]>(shape: T, maxBox: number): T {
  const largest = Math.max(...shape);
  if (maxBox === 0 || largest <= maxBox) return shape;
  const f = maxBox / largest;
  return shape.map((n) => (n === largest ? maxBox : Math.max(2, Math.round(n * f)))) as unknown as T;
}

/**
 * The box-dependent checks of `kernelSize`, `tileSize` (and the box-free checks of `maxBox` and
 * `hedgeConfidence`), one message each as the CLI prints them, e.g.
 * `--kernel-size must be an odd integer in 1..19 for this map (processing box 20x20x20: ...), got 2001`.
 * @returns an empty array when every option is valid
 */
export function estimateOptionErrors(o: { maxBox?: number; hedgeConfidence?: number; kernelSize?: number; tileSize?: number; shape?: readonly number[] }): string[] {
  return boxErrors(o).map((e) => e.message);
}

/**
 * Throw the first of {@link estimateOptionErrors}'s errors for a map of box `shape`: the one check
 * (and message) of `kernelSize` and `tileSize` against the processing box that the CLI
 * ({@link resolveEstimateOptions} with the box), the batch and the GUI server (`checkEstimateResolutions`,
 * from the map's header) and the estimate itself make.
 * @param o the options (`maxBox` the `--max-box` value, default {@link DEFAULT_MAX_BOX}; sizes in voxels)
 * @param shape the input map's box [nx, ny, nz] (before `--max-box`), voxels
 * @throws OptionError naming the option (`.option`, `.flag`), what is allowed and the value
 */
export function checkEstimateBoxOptions(o: { maxBox?: number; hedgeConfidence?: number; kernelSize?: number; tileSize?: number }, shape: readonly number[]): void {
  const [first] = boxErrors({ ...o, shape });
  if (first) throw first;
}

function boxErrors(o: { maxBox?: number; hedgeConfidence?: number; kernelSize?: number; tileSize?: number; shape?: readonly number[] }): OptionError[] {
  const errors: OptionError[] = [];
  const maxBox = o.maxBox ?? DEFAULT_MAX_BOX;
  const maxBoxSpec = ESTIMATE_OPTION.maxBox;
  const maxBoxOk = numberAllowed(maxBoxSpec, maxBox);
  if (!maxBoxOk) errors.push(new OptionError(`--max-box must be an even integer >= 10, or 0 for no limit; got ${maxBox}`, 'maxBox', allowedText(maxBoxSpec), { flag: '--max-box', value: maxBox }));
  if (o.hedgeConfidence !== undefined && !numberAllowed(ESTIMATE_OPTION.hedgeConfidence, o.hedgeConfidence)) {
    errors.push(new OptionError(`--hedge-confidence must be a number in [1, 1000], got ${o.hedgeConfidence}`, 'hedgeConfidence', 'a number in [1, 1000]', { flag: '--hedge-confidence', value: o.hedgeConfidence }));
  }
  const shapeOk = o.shape !== undefined && o.shape.length === 3 && o.shape.every((n) => Number.isInteger(n) && n > 0);
  const box = shapeOk && maxBoxOk ? processingBox(o.shape as readonly number[], maxBox) : undefined;
  if (o.kernelSize !== undefined) {
    const error = kernelSizeError(o.kernelSize, box);
    if (error) errors.push(new OptionError(error, 'kernelSize', `an odd integer in 1..${box ? maxKernelSize(box) : KERNEL_SIZE_MAX}`, { flag: '--kernel-size', value: o.kernelSize }));
  }
  if (o.tileSize !== undefined) {
    const maxTile = box ? Math.min(...box) : INT_OPTION_MAX;
    if (!(Number.isInteger(o.tileSize) && o.tileSize >= 1 && o.tileSize <= maxTile)) {
      errors.push(new OptionError(`--tile-size must be an integer in 1..${maxTile}${box ? ` for this map (processing box ${box.join('x')})` : ''}, got ${o.tileSize}`, 'tileSize', `an integer in 1..${maxTile}`, { flag: '--tile-size', value: o.tileSize }));
    }
  }
  return errors;
}

/** The rule error of two options that contradict each other, or of one that needs another. */
function ruleError(message: string, option: EstimateOptionKey, allowed: string): OptionError {
  return new OptionError(message, option, allowed, { flag: ESTIMATE_OPTION[option].flag });
}

/** An option given to a run that does not read it, and why (see {@link unreadEstimateOptions}). */
export interface UnreadEstimateOption {
  /** The schema key, e.g. `histMatch`. */
  key: EstimateOptionKey;
  /** The option as typed on the command line, e.g. `--hist-match`. */
  flag: string;
  /** Where it is read, e.g. "for modified maps (…): none is written". */
  usedOnly: string;
}

/**
 * Whether a run draws random numbers: only the synthetic solvent noise that an `attenuate` or
 * `sigmoid` modification adds to the flattened solvent does (not with `excludeSolvent`, which sets
 * the solvent to 0), so only then is `seed` read. The one rule of the CLI's refusal of `--seed`
 * ({@link unreadEstimateOptions}), the run record ("not used") and the batch's and GUI's default seed.
 * @param o the options given, by schema key (undefined, null and false count as absent), or the
 *   resolved ones (`modifications`, `excludeSolvent`)
 */
export function drawsRandomNumbers(o: EstimateOptionValues | { modifications?: readonly (ModificationRequest | undefined)[]; excludeSolvent?: boolean }): boolean {
  if ('modifications' in o && Array.isArray(o.modifications)) return o.modifications.some((m) => m !== undefined && m.kind !== 'amplify') && o.excludeSolvent !== true;
  const typed = o as EstimateOptionValues;
  const given = (k: EstimateOptionKey) => typed[k] !== undefined && typed[k] !== null && typed[k] !== false;
  return (given('attenuate') || given('sigmoid')) && !given('excludeSolvent');
}

/**
 * The options a run would not read: `scaleLimit`, `scaleFrom` and `rawScale` act on a
 * modification (`amplify`, `attenuate`, `sigmoid`); `lowpassOutputA`, `histMatch` and
 * `omitConfidence` on a modified map (those, or `excludeSolvent` alone), as does `retainSolvent`
 * (which contradicts `excludeSolvent`: see {@link resolveEstimateOptions}); `tileSize` sizes the tile
 * search (not with `useS0`); `minVisScale` and `chimeraxSilent` go into the ChimeraX script (not
 * with `chimerax` false); `seed` seeds the synthetic solvent noise ({@link drawsRandomNumbers}).
 * The GUI, which keeps one settings set for an estimate and the
 * modifications made on it later, leaves these out of the run and of its command line and says so.
 * @param typed the options the user gave, by schema key (no defaults filled in)
 * @returns each unread option once, in the order above (empty when every option is read)
 */
export function unreadEstimateOptions(typed: EstimateOptionValues): UnreadEstimateOption[] {
  const given = (k: EstimateOptionKey) => typed[k] !== undefined && typed[k] !== null && typed[k] !== false;
  const modifying = given('amplify') || given('attenuate') || given('sigmoid');
  const modified = modifying || given('excludeSolvent');
  const out: UnreadEstimateOption[] = [];
  const unread = (key: EstimateOptionKey, usedOnly: string) => out.push({ key, flag: ESTIMATE_OPTION[key].flag, usedOnly });
  for (const k of ['scaleLimit', 'scaleFrom', 'rawScale'] as const) if (given(k) && !modifying) unread(k, 'when modifying (--amplify, --attenuate or --sigmoid)');
  for (const k of ['lowpassOutputA', 'histMatch', 'omitConfidence'] as const) if (given(k) && !modified) unread(k, 'for modified maps (--amplify, --attenuate, --sigmoid, or --exclude-solvent alone): none is written');
  // (it had been accepted and had no effect; with --exclude-solvent it contradicts, refused as such)
  if (given('retainSolvent') && !modified) unread('retainSolvent', 'for modified maps (--amplify, --attenuate or --sigmoid), whose solvent it keeps: none is written');
  if (given('tileSize') && given('useS0')) unread('tileSize', 'by the tile search (--SW, the default): not with --S0');
  for (const k of ['minVisScale', 'chimeraxSilent'] as const) if (given(k) && typed.chimerax === false) unread(k, 'in the ChimeraX script: not with --no-chimerax');
  // (it had been taken and recorded as given: `Seed : 5 (given)` for a run that draws no number)
  if (given('seed') && !drawsRandomNumbers(typed)) unread('seed', 'for the synthetic solvent noise of --attenuate or --sigmoid (not with --exclude-solvent): this run draws no random number');
  return out;
}

/**
 * Refuse an option the run would not read ({@link unreadEstimateOptions}), so that none is
 * silently ignored, and `rawScale` with `--occupancy` (`mode` occ), which contradict. Applied by the
 * command line, `occupy batch` and the library to the options as typed (a default filled in does
 * not count).
 * @param typed the options the user gave, by schema key (no defaults filled in)
 * @throws OptionError naming the option (`.option` = key, `.flag`) and what it needs
 */
export function checkEstimateOptionsRead(typed: EstimateOptionValues): void {
  const given = (k: EstimateOptionKey) => typed[k] !== undefined && typed[k] !== null && typed[k] !== false;
  const first = unreadEstimateOptions(typed)[0];
  if (first) throw ruleError(`${first.flag} is only used ${first.usedOnly}`, first.key, `only ${first.usedOnly}`);
  if (given('rawScale') && typed.mode === 'occ') throw contradictionError('--raw-scale', '--occupancy', 'rawScale', '', 'rawScale or mode occ, not both');
}

/**
 * The estimate's options as the method uses them, from what a user gave: checks every value
 * against {@link ESTIMATE_OPTIONS} (type, range, choices), fills the defaults and applies the
 * rules between options — a modification (`amplify`, `attenuate`, `sigmoid`) implies occupancy
 * mode unless `rawScale`; `sigmoid` needs `pivot` and `pivot` needs `sigmoid`; `excludeSolvent`
 * and `retainSolvent` contradict, as do `useS0` and `useSW`; `kernelSize` and `tileSize` must fit
 * the processing box when `context.shape` is given; `angpix` must give a cell an MRC header can
 * store. Called once at the library boundary (CLI, GUI server, batch, public API).
 *
 * @param partial what the user gave; undefined (and, for the GUI's JSON, null) values count as absent
 * @param context the input's box, when known
 * @returns the resolved options (a new object; `partial` is not changed)
 * @throws OptionError naming the option (`.option` = key, `.flag`), what is allowed (`.allowed`) and the value
 */
export function resolveEstimateOptions(partial: EstimateOptionValues, context: EstimateOptionContext = {}): ResolvedEstimateOptions {
  const given = partial as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    const value = given[key];
    if (value === undefined || value === null) continue;
    if (!Object.hasOwn(ESTIMATE_OPTION, key)) {
      if (context.unknownKeys === 'ignore') continue;
      const known = ESTIMATE_OPTIONS.map((s) => s.key).join(', ');
      throw new OptionError(`unknown estimate option '${key}' (known: ${known})`, key, `one of ${known}`, { value });
    }
    checkOptionValue(ESTIMATE_OPTION[key as EstimateOptionKey], value);
  }
  const v = (k: EstimateOptionKey) => (given[k] === null ? undefined : given[k]);
  const o = partial;
  const errors = boxErrors({ maxBox: v('maxBox') as number | undefined, hedgeConfidence: v('hedgeConfidence') as number | undefined, kernelSize: v('kernelSize') as number | undefined, tileSize: v('tileSize') as number | undefined, shape: context.shape });
  if (errors.length > 0) throw errors[0];
  if (o.excludeSolvent && o.retainSolvent) throw contradictionError('--exclude-solvent', '--retain-solvent', 'excludeSolvent', '', 'excludeSolvent or retainSolvent, not both');
  if (o.useS0 && o.useSW) throw contradictionError('--S0', '--SW', 'useS0', ' (--SW, the tile search, is the default)', 'useS0 or useSW, not both');
  const pivot = v('pivot') as number | undefined;
  const sigmoid = v('sigmoid') as number | undefined;
  if (pivot !== undefined && sigmoid === undefined) throw ruleError('--pivot is only used with --sigmoid', 'pivot', 'pivot only with sigmoid');
  if (sigmoid !== undefined && pivot === undefined) throw ruleError('--sigmoid needs --pivot <scale> (the scale left unchanged, e.g. 0.5)', 'sigmoid', 'sigmoid with a pivot in [0.01, 0.99]');
  const angpix = v('angpix') as number | undefined;
  if (angpix !== undefined && context.shape) {
    const error = voxelSizeError('--angpix', angpix, context.shape);
    if (error) throw new OptionError(error, 'angpix', `a number of Å in [${ANGPIX_MIN_A}, ${ANGPIX_MAX_A}] giving a cell an MRC header can store`, { flag: '--angpix', value: angpix });
  }
  const modifications: ModificationRequest[] = [];
  const amplify = v('amplify') as number | undefined;
  const attenuate = v('attenuate') as number | undefined;
  if (amplify !== undefined) modifications.push({ kind: 'amplify', gamma: amplify });
  if (attenuate !== undefined) modifications.push({ kind: 'attenuate', gamma: attenuate });
  if (sigmoid !== undefined) modifications.push({ kind: 'sigmoid', gamma: sigmoid, pivot });
  const modifying = modifications.length > 0;
  const num = (k: EstimateOptionKey) => v(k) as number | undefined;
  return {
    mode: (v('mode') === 'occ' || modifying) && v('rawScale') !== true ? 'occ' : 'res',
    lowpassA: num('lowpassA'),
    resolutionA: num('resolutionA'),
    kernelSize: num('kernelSize'),
    kernelRadiusVoxels: num('kernelRadiusVoxels'),
    tau: num('tau'),
    tileSize: num('tileSize'),
    lowpassMask: (v('lowpassMask') as 'original' | 'centred' | undefined) ?? DEFAULT_LOWPASS_MASK,
    maxBox: num('maxBox') ?? DEFAULT_MAX_BOX,
    useS0: v('useS0') === true,
    solventDefPath: v('solventDefPath') as string | undefined,
    hedgeConfidence: num('hedgeConfidence'),
    nlrc: v('nlrc') === true,
    targetMaskPath: v('targetMaskPath') as string | undefined,
    scaleLimit: num('scaleLimit') ?? DEFAULT_SCALE_LIMIT,
    saveAllMaps: v('saveAllMaps') === true,
    chimerax: v('chimerax') !== false,
    chimeraxSilent: v('chimeraxSilent') === true,
    minVisScale: num('minVisScale') ?? DEFAULT_MIN_VIS_SCALE,
    modifications,
    excludeSolvent: v('excludeSolvent') === true,
    omitConfidence: v('omitConfidence') === true,
    lowpassOutputA: num('lowpassOutputA'),
    histMatch: v('histMatch') === true,
    scaleFrom: (v('scaleFrom') as 'estimate' | 'decompose' | undefined) ?? 'estimate',
    seed: num('seed'),
    plot: v('plot') === true,
    angpix,
  };
}
