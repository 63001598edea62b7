/**
 * The options of local resolution (`occupy locres`), declared once: key, flag, unit, type, range,
 * default and help ({@link LOCRES_OPTIONS}), and {@link resolveLocresOptions}, which checks the
 * values and the rules between options of the local-FSC and MonoRes methods. The CLI builds its
 * commander options and help from the table.
 * @see shared/spec/local-resolution.md
 */
import { OptionError } from '../core/option-error.js';
import { checkOptionValue, type OptionSpec } from '../core/option-schema.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A } from '../core/voxel-size-limits.js';
import { CALIBRATED_THRESHOLD, RELION_SAMPLING_A, SNR_AWARE_THRESHOLD } from './locres-defaults.js';
import { HANN_KERNEL_SHELLS, LOCAL_FSC_WINDOW_MIN } from './window-minimum.js';

/** Smallest and largest value of the Å options (`--lowest-resolution`, `--randomize-at`, …). */
const RESOLUTION_RANGE = { min: 0.1, max: 1000, unit: 'Å' } as const;
/** Largest `--window` and `--step`, voxels. */
const WINDOW_MAX = 4096;

/** The methods of `occupy locres`. */
export const LOCRES_METHODS = ['localfsc', 'monores', 'monodir', 'monotomo', 'resmap'] as const;
/** A method of `occupy locres`. */
export type LocresMethod = (typeof LOCRES_METHODS)[number];

/** What a user may give to local resolution (every field optional). */
export interface LocresOptionValues {
  /** `--method` (default `localfsc`). */
  method?: LocresMethod;
  /** `--mask` path: where to report (> 0.5). */
  mask?: string;
  /** `--shells`: FSC per spherical shell about `centre`. */
  shells?: boolean;
  /** `--shell-width` in Å. */
  shellWidth?: number;
  /** `--centre x,y,z` in voxels (0-based). */
  centre?: string;
  /** `--cone-angle` in degrees, in (0, 90). */
  coneAngle?: number;
  /** `--window` edge in voxels, even, >= 16. */
  window?: number;
  /** `--step` in voxels. */
  step?: number;
  /** `--threshold`: FSC threshold in (0, 1). */
  threshold?: number;
  /** `--no-whiten` gives false (default true). */
  whiten?: boolean;
  /** `--relion`: RELION 3.1's --locres. */
  relion?: boolean;
  /** `--locres-sampling` in Å (with `relion`). */
  locresSampling?: number;
  /** `--labels` path. */
  labels?: string;
  /** `--randomize-at` in Å. */
  randomizeAt?: number;
  /** `--lowest-resolution` in Å (default 50). */
  lowestResolution?: number;
  /** `--filter`. */
  filter?: boolean;
  /** `--angpix` in Å. */
  angpix?: number;
}

/** Key of a local-resolution option. */
export type LocresOptionKey = keyof LocresOptionValues;

const angstrom = (key: LocresOptionKey, flag: string, doc: string, extra: Partial<OptionSpec<LocresOptionKey>> = {}): OptionSpec<LocresOptionKey> => ({ key, flags: `${flag} <A>`, flag, doc, type: 'number', unit: 'Å', range: RESOLUTION_RANGE, group: 'method', ...extra });
const bool = (key: LocresOptionKey, flag: string, doc: string): OptionSpec<LocresOptionKey> => ({ key, flags: flag, flag, doc, type: 'boolean', group: 'method' });

/** The options of `occupy locres` (without output placement and verbosity), in the order of its help. */
export const LOCRES_OPTIONS: readonly OptionSpec<LocresOptionKey>[] = [
  { key: 'method', flags: '--method <method>', flag: '--method', type: 'choice', choices: LOCRES_METHODS, default: 'localfsc', showDefault: true, doc: 'localfsc (half maps, blocres family), monores (monogenic), monodir (local-directional: monodir_<stem>_*.mrc), monotomo (half tomograms, noise estimated locally), resmap (ResMap-style, one map or half maps)', group: 'method' },
  { key: 'mask', flags: '--mask <map>', flag: '--mask', type: 'path', doc: 'where to report (> 0.5); required for monores and resmap with one map', group: 'input' },
  bool('shells', '--shells', 'FSC resolution per spherical shell about --centre (blocres -shell): shells_<stem>.csv/.mrc/plot'),
  angstrom('shellWidth', '--shell-width', 'with --shells: shell width in Å (default 4 voxels)'),
  { key: 'centre', flags: '--centre <x,y,z>', flag: '--centre', type: 'string', doc: 'with --shells or --method monodir: centre in voxels (0-based; default the box centre)', group: 'method' },
  { key: 'coneAngle', flags: '--cone-angle <deg>', flag: '--cone-angle', type: 'number', unit: '°', range: { min: 0, max: 90, minOpen: true, maxOpen: true }, doc: 'with --method monodir: cone half-angle of the directional filters in degrees (default 30)', group: 'method' },
  { key: 'window', flags: '--window <voxels>', flag: '--window', type: 'integer', unit: 'voxels', range: { min: LOCAL_FSC_WINDOW_MIN, max: WINDOW_MAX }, allowed: `an even integer in ${LOCAL_FSC_WINDOW_MIN}..(smallest edge of the box): a smaller Hann window leaves fewer than two independent FSC shells (its Fourier kernel spans ${HANN_KERNEL_SHELLS} of the window/2 shells)`, doc: 'local FSC window edge; default round(6 × global resolution / voxel) made even, >= 16, at most 34 Å (WINDOW_CAP_A) and the box', group: 'method' },
  { key: 'step', flags: '--step <voxels>', flag: '--step', type: 'integer', unit: 'voxels', range: { min: 1, max: WINDOW_MAX }, allowed: `an integer in 1..${WINDOW_MAX}`, doc: 'local FSC sampling step; default window / 4', group: 'method' },
  { key: 'threshold', flags: '--threshold <fsc>', flag: '--threshold', type: 'number', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, doc: `FSC threshold (default: with --mask SNR-aware, ${SNR_AWARE_THRESHOLD.min}–${SNR_AWARE_THRESHOLD.max} from the global FSC's low-frequency SNR; without, ${CALIBRATED_THRESHOLD}; calibrated with pre-whitening)`, group: 'method' },
  { key: 'whiten', flags: '--no-whiten', flag: '--no-whiten', type: 'boolean', default: true, doc: 'local FSC without spectral pre-whitening (window leakage then inflates the FSC near Nyquist)', group: 'method' },
  bool('relion', '--relion', "RELION 3.1's --locres: soft spherical windows, phase randomisation beyond 25 Å, FSC 0.143"),
  angstrom('locresSampling', '--locres-sampling', 'with --relion: window sampling in Å (RELION --locres_sampling)'),
  { key: 'labels', flags: '--labels <map>', flag: '--labels', type: 'path', doc: 'labels map (domains, segments; integers > 0) on the same box: median and 10–90 % range per label', group: 'input' },
  angstrom('randomizeAt', '--randomize-at', 'correct window-induced noise correlation by phase randomisation beyond this resolution (Å)'),
  angstrom('lowestResolution', '--lowest-resolution', 'coarsest reported value, also written outside the mask (Å)', { default: 50, showDefault: true }),
  bool('filter', '--filter', 'also write the map locally low-passed at its local resolution'),
  { key: 'angpix', flags: '--angpix <A>', flag: '--angpix', type: 'number', unit: 'Å', range: { min: ANGPIX_MIN_A, max: ANGPIX_MAX_A, unit: 'Å' }, doc: 'override the voxel size of the inputs (Å)', group: 'input' },
];

/** The spec of a local-resolution option by key. */
export const LOCRES_OPTION: Readonly<Record<LocresOptionKey, OptionSpec<LocresOptionKey>>> = Object.fromEntries(LOCRES_OPTIONS.map((s) => [s.key, s])) as Record<LocresOptionKey, OptionSpec<LocresOptionKey>>;

/** A way of running `occupy locres`: a method, or local FSC with `--relion` or `--shells`. */
export type LocresWay = LocresMethod | 'relion' | 'shells';

/**
 * The options each way reads, besides `--method` and `--angpix` (and, on the command line, `-o`,
 * `--json` and the verbosity switches). {@link resolveLocresOptions} refuses any other option
 * given, so that none is silently ignored (before session 47, `--labels` with `--method monodir`
 * or `--window` with `--method resmap` ran without a word, and `--labels` was then neither read
 * nor protected from `-o`).
 */
export const LOCRES_WAY_OPTIONS: Readonly<Record<LocresWay, readonly LocresOptionKey[]>> = {
  localfsc: ['mask', 'window', 'step', 'threshold', 'whiten', 'labels', 'randomizeAt', 'lowestResolution', 'filter'],
  relion: ['mask', 'relion', 'locresSampling', 'labels', 'randomizeAt', 'lowestResolution', 'filter'],
  shells: ['mask', 'shells', 'shellWidth', 'centre', 'threshold', 'whiten'],
  monores: ['mask', 'labels', 'filter'],
  monodir: ['mask', 'centre', 'coneAngle'],
  monotomo: ['mask', 'labels'],
  resmap: ['mask', 'labels'],
};

/** How a way is named in messages: `--shells`, `--relion`, `--method monodir`. */
function wayFlag(way: LocresWay): string {
  return way === 'shells' || way === 'relion' ? `--${way}` : `--method ${way}`;
}

/** The way a set of options runs (`--shells` and `--relion` are ways of the local FSC). */
export function locresWay(values: LocresOptionValues): LocresWay {
  const method = values.method ?? 'localfsc';
  if (method === 'localfsc' && values.shells) return 'shells';
  if (method === 'localfsc' && values.relion) return 'relion';
  return method;
}

/** Local-resolution options with the defaults filled in. */
export type ResolvedLocresOptions = LocresOptionValues & { method: LocresMethod; whiten: boolean; lowestResolution: number };

/**
 * Check local-resolution options and fill their defaults: every value against
 * {@link LOCRES_OPTIONS}, then the rules between options — local FSC needs two maps; MonoRes with
 * one map needs a mask; `locresSampling` needs `relion`; `relion` is a local-FSC mode and sets its
 * own window, step and threshold; `shells` is a local-FSC mode — and last, every option given must
 * be one the way reads ({@link LOCRES_WAY_OPTIONS}; `--centre needs --shells or --method monodir:
 * --method localfsc does not read it`). (The issue-18 jobs check that they have two maps.)
 * @param values the options given (undefined values count as absent, so a caller must leave out
 *   the options the user did not give, e.g. commander's defaults; other keys are ignored)
 * @param maps how many maps were given (1 or 2)
 * @throws OptionError naming the option (`.option` = key), what is allowed and the value
 */
export function resolveLocresOptions(values: LocresOptionValues, maps: 1 | 2): ResolvedLocresOptions {
  const given = values as Record<string, unknown>;
  for (const spec of LOCRES_OPTIONS) if (given[spec.key] !== undefined) checkOptionValue(spec, given[spec.key]);
  const o: ResolvedLocresOptions = { ...values, method: values.method ?? 'localfsc', whiten: values.whiten !== false, lowestResolution: values.lowestResolution ?? 50 };
  const rule = (message: string, key: LocresOptionKey, allowed: string) => new OptionError(message, key, allowed, { flag: LOCRES_OPTION[key].flag });
  if (o.method === 'localfsc' && !o.shells && maps < 2) throw rule('local FSC needs two half maps: occupy locres HALF1 HALF2 (or --method monores MAP --mask M)', 'method', 'two half maps for localfsc');
  if (o.method === 'monores' && maps < 2 && !o.mask) throw rule('--method monores with one map needs --mask (molecule inside, noise outside)', 'mask', 'a mask with monores on one map');
  if (o.locresSampling !== undefined && !o.relion) throw rule('--locres-sampling needs --relion', 'locresSampling', 'only with relion');
  // an odd window read every voxel at one value (17 on synth_halves128: 2.14 Å everywhere, against
  // 4.95 / 4.67 Å at 16 / 18; sweep, session 49): its FSC shells are w/2 voxels wide
  if (o.window !== undefined && o.window % 2 !== 0) throw rule(`--window must be an even number of voxels (its FSC shells are window/2 wide), got ${o.window}`, 'window', 'an even integer');
  if (o.window !== undefined && o.step !== undefined && o.step > o.window) throw rule(`--step ${o.step} is larger than the window (${o.window} voxels): the voxels between windows would lie in none`, 'step', 'at most the window edge');
  if (o.relion) {
    if (o.method !== 'localfsc') throw rule(`--relion is a local-FSC mode: not with --method ${o.method}`, 'relion', 'only with method localfsc');
    for (const key of ['window', 'step', 'threshold'] as const) {
      if (o[key] !== undefined) throw rule(`${LOCRES_OPTION[key].flag} cannot be combined with --relion (RELION's --locres sets windows by --locres-sampling and uses FSC 0.143)`, key, 'not with relion');
    }
  }
  if (o.shells && o.method !== 'localfsc') throw rule(`--shells is an FSC per shell: not with --method ${o.method}`, 'shells', 'only with method localfsc');
  if (o.shells && o.relion) throw rule('--shells and --relion contradict each other (two ways of the local FSC); give one', 'shells', 'shells or relion, not both');
  // every other option given (a switch: set to other than its default) must be one the way reads
  const way = locresWay(o);
  for (const spec of LOCRES_OPTIONS) {
    const v = given[spec.key];
    if (v === undefined || (spec.type === 'boolean' && v === (spec.default ?? false))) continue;
    if (spec.key === 'method' || spec.key === 'angpix' || LOCRES_WAY_OPTIONS[way].includes(spec.key)) continue;
    const readers = (Object.keys(LOCRES_WAY_OPTIONS) as LocresWay[]).filter((w) => LOCRES_WAY_OPTIONS[w].includes(spec.key)).map(wayFlag);
    const list = readers.length > 1 ? `${readers.slice(0, -1).join(', ')} or ${readers[readers.length - 1]}` : readers[0];
    throw rule(`${spec.flag} needs ${list}: ${wayFlag(way)} does not read it`, spec.key, `only with ${list}`);
  }
  return o;
}

/**
 * The window sampling `--relion` can use on a box, in Å: from 4 voxels (a window of flat radius
 * 2 voxels, `round(sampling/2a)`, every 4 voxels; finer, the windows hold too few voxels for an
 * FSC and their number grows as 1/sampling³: 0.1 Å on a 48³ box at 1 Å made every voxel a window
 * of its own and took 72 s, 2 Å took 14 s, 4 Å 2 s) to a third of the
 * box edge (RELION's window, flat radius sampling/2 plus a cosine edge of width sampling, is
 * 3·sampling across and must fit in the box; a larger one grew the Fourier box with it: 1000 Å on
 * a 48³ box at 1 Å asked for a 27-billion-element array).
 * @param shape the box, voxels (RELION's mode needs it cubic: the smallest edge is used)
 * @param voxelSizeA voxel size in Å (cubic voxels: the first is used)
 */
export function locresSamplingRangeA(shape: readonly number[], voxelSizeA: readonly number[]): { min: number; max: number } {
  const a = voxelSizeA[0];
  return { min: 4 * a, max: (Math.min(...shape) * a) / 3 };
}

/**
 * Check the window sampling of `--relion` (`locresSampling`, default {@link RELION_SAMPLING_A})
 * against the box: {@link locresSamplingRangeA}.
 * @param samplingA the sampling given, Å, or undefined for RELION's default (25 Å)
 * @param shape the box, voxels
 * @param voxelSizeA voxel size in Å
 * @throws OptionError (`.option` 'locresSampling', `.flag` '--locres-sampling') outside the range,
 *   with the range in Å and in words
 */
export function checkLocresSampling(samplingA: number | undefined, shape: readonly number[], voxelSizeA: readonly number[]): void {
  const s = samplingA ?? RELION_SAMPLING_A;
  const r = locresSamplingRangeA(shape, voxelSizeA);
  const tol = 1e-9 * r.max;
  if (s >= r.min - tol && s <= r.max + tol) return;
  const show = (x: number) => Number(x.toFixed(2));
  const box = `${shape.join('x')} voxels of ${show(voxelSizeA[0])} Å`;
  const allowed = `from 4 voxels (${show(r.min)} Å) to a third of the box edge (${show(r.max)} Å for ${box}): RELION's window, flat radius sampling/2 plus a cosine edge of the sampling, must fit in the box, its flat radius (sampling/2) at least 2 voxels`;
  const given = samplingA === undefined ? `the default ${RELION_SAMPLING_A} Å (give a smaller --locres-sampling)` : `${samplingA}`;
  if (r.min > r.max + tol) {
    throw new OptionError(`--locres-sampling cannot fit this box (${box}: a third of its edge, ${show(r.max)} Å, is under 4 voxels); use a larger box`, 'locresSampling', allowed, { flag: '--locres-sampling', value: samplingA });
  }
  throw new OptionError(`--locres-sampling must be ${allowed}, got ${given}`, 'locresSampling', allowed, { flag: '--locres-sampling', value: samplingA });
}
