/**
 * The options of `occupy decompose`, declared once ({@link DECOMPOSE_OPTIONS}: key, flag, unit,
 * type, range, default, help) with {@link resolveDecomposeOptions}, which checks the values, fills
 * the defaults and applies the rules between options. The CLI builds its commander options and
 * help from the table.
 * @see shared/spec/occupancy-decomposition.md
 */
import { OptionError } from '../core/option-error.js';
import { checkOptionValue, type OptionSpec } from '../core/option-schema.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A } from '../core/voxel-size-limits.js';

/** Default `--lowest-resolution` (coarsest band centre), Å. */
export const DEFAULT_LOWEST_RESOLUTION_A = 30;
/** Default `--bands`. */
export const DEFAULT_BANDS = 6;
/** Default `--max-box`, voxels. */
export const DEFAULT_DECOMPOSE_MAX_BOX = 256;

/** What a user may give to the decomposition (every field optional). */
export interface DecomposeOptionValues {
  /** `--half-maps`: two half-map paths on the map's box. */
  halfMaps?: string[];
  /** `--mask` path: molecule mask (> 0.5). */
  mask?: string;
  /** `--labels` path: label map (integers > 0). */
  labels?: string;
  /** `--lowest-resolution`: coarsest band centre in Å (default 30). */
  lowestResolution?: number;
  /** `--highest-resolution`: finest band centre in Å (default: where the map meets noise). */
  highestResolution?: number;
  /** `--bands`: number of bands, 2..32 (default 6). */
  bands?: number;
  /** `--max-box` in voxels: even, 32..4096, or 0 (default 256). */
  maxBox?: number;
  /** `--sharpen`. */
  sharpen?: boolean;
  /** `--plot`. */
  plot?: boolean;
  /** `--no-chimerax` gives false (default true). */
  chimerax?: boolean;
  /** `--angpix` in Å. */
  angpix?: number;
  /** `--noise-draws`: 0 (off) or N ≥ 2: 2N extra decompositions with redrawn noise give the SD of every median (half maps only). */
  noiseDraws?: number;
  /** `--noise-draw-seed`: seed of the redraws' PRNG (default 1). */
  noiseDrawSeed?: number;
}

/** Key of a decomposition option. */
export type DecomposeOptionKey = keyof DecomposeOptionValues;

const RESOLUTION_RANGE = { min: 0.1, max: 1000, unit: 'Å' } as const;

/** The options of `occupy decompose` (without output placement and verbosity), in the order of its help. */
export const DECOMPOSE_OPTIONS: readonly OptionSpec<DecomposeOptionKey>[] = [
  { key: 'halfMaps', flags: '--half-maps <maps...>', flag: '--half-maps', type: 'paths', doc: 'two half maps on the same box: signal from their mean, noise from their difference', group: 'input' },
  { key: 'mask', flags: '--mask <map>', flag: '--mask', type: 'path', doc: 'molecule mask (> 0.5), same box (default: from the smoothed map)', group: 'input' },
  { key: 'labels', flags: '--labels <map>', flag: '--labels', type: 'path', doc: 'label map (integers > 0), same box: per-label medians in the summary', group: 'input' },
  { key: 'lowestResolution', flags: '--lowest-resolution <A>', flag: '--lowest-resolution', type: 'number', unit: 'Å', range: RESOLUTION_RANGE, default: DEFAULT_LOWEST_RESOLUTION_A, showDefault: true, doc: 'coarsest band centre in Å', group: 'method' },
  { key: 'highestResolution', flags: '--highest-resolution <A>', flag: '--highest-resolution', type: 'number', unit: 'Å', range: RESOLUTION_RANGE, doc: 'finest band centre in Å (default: where the map meets noise)', group: 'method' },
  { key: 'bands', flags: '--bands <K>', flag: '--bands', type: 'integer', range: { min: 2, max: 32 }, allowed: 'an integer in 2..32', default: DEFAULT_BANDS, showDefault: true, doc: 'number of bands, 2..32', group: 'method' },
  { key: 'maxBox', flags: '--max-box <voxels>', flag: '--max-box', type: 'integer', unit: 'voxels', valid: (v) => v === 0 || (Number.isInteger(v) && v >= 32 && v % 2 === 0 && v <= 4096), allowed: 'an even integer in 32..4096, or 0', default: DEFAULT_DECOMPOSE_MAX_BOX, showDefault: true, doc: 'analyse a Fourier-cropped box of at most this edge (even, >= 32); 0 = never', group: 'method' },
  { key: 'sharpen', flags: '--sharpen', flag: '--sharpen', type: 'boolean', doc: 'also write locbsharp_<stem>.mrc: each band restored by the local B, noise-limited bands dropped', group: 'output' },
  { key: 'plot', flags: '--plot', flag: '--plot', type: 'boolean', doc: 'write the local Guinier fits of three regions and histograms of occupancy and B', group: 'output' },
  { key: 'chimerax', flags: '--no-chimerax', flag: '--no-chimerax', type: 'boolean', default: true, doc: 'do not write the ChimeraX script chimX_decompose_<stem>.cxc', group: 'output' },
  { key: 'noiseDraws', flags: '--noise-draws <N>', flag: '--noise-draws', type: 'integer', valid: (v) => v === 0 || (Number.isInteger(v) && v >= 2 && v <= 100), allowed: '0 or an integer in 2..100', default: 0, doc: 'with --half-maps: rerun 2N times with redrawn noise (N the noise estimate, N the mean) and report the SD of each median occupancy and B; N in 2..100 (0 = off, the default)', group: 'method' },
  { key: 'noiseDrawSeed', flags: '--noise-draw-seed <S>', flag: '--noise-draw-seed', type: 'integer', range: { min: 0, max: 2147483647 }, allowed: 'an integer in 0..2147483647', default: 1, doc: 'with --noise-draws: seed of the noise redraws (default 1; recorded in the log)', group: 'method' },
  { key: 'angpix', flags: '--angpix <A>', flag: '--angpix', type: 'number', unit: 'Å', range: { min: ANGPIX_MIN_A, max: ANGPIX_MAX_A, unit: 'Å' }, doc: 'override the voxel size of every input (Å)', group: 'input' },
];

/** Decomposition options with the defaults filled in. */
export type ResolvedDecomposeOptions = DecomposeOptionValues & { lowestResolution: number; bands: number; maxBox: number; chimerax: boolean; noiseDraws: number; noiseDrawSeed: number };

/**
 * Check decomposition options and fill their defaults: every value against
 * {@link DECOMPOSE_OPTIONS}; `halfMaps` holds exactly two maps; `noiseDraws` > 0 only with `halfMaps`, `noiseDrawSeed` only with
 * `noiseDraws` > 0; `highestResolution` is finer than
 * `lowestResolution`.
 * @param values the options given (undefined values count as absent; other keys are ignored)
 * @throws OptionError naming the option (`.option` = key), what is allowed and the value
 */
export function resolveDecomposeOptions<T extends DecomposeOptionValues>(values: T): T & ResolvedDecomposeOptions {
  const given = values as Record<string, unknown>;
  for (const spec of DECOMPOSE_OPTIONS) if (given[spec.key] !== undefined) checkOptionValue(spec, given[spec.key]);
  const o = { ...values, lowestResolution: values.lowestResolution ?? DEFAULT_LOWEST_RESOLUTION_A, bands: values.bands ?? DEFAULT_BANDS, maxBox: values.maxBox ?? DEFAULT_DECOMPOSE_MAX_BOX, chimerax: values.chimerax !== false, noiseDraws: values.noiseDraws ?? 0, noiseDrawSeed: values.noiseDrawSeed ?? 1 };
  if (o.halfMaps && o.halfMaps.length !== 2) throw new OptionError(`--half-maps needs exactly two maps, got ${o.halfMaps.length}`, 'halfMaps', 'exactly two maps', { flag: '--half-maps', value: o.halfMaps });
  if (o.noiseDraws > 0 && !o.halfMaps) throw new OptionError(`--noise-draws needs --half-maps (the noise is redrawn from their difference), got ${o.noiseDraws} without half maps`, 'noiseDraws', 'used with --half-maps', { flag: '--noise-draws', value: o.noiseDraws });
  if (values.noiseDrawSeed !== undefined && !(o.noiseDraws > 0)) throw new OptionError(`--noise-draw-seed needs --noise-draws N (N in 2..100): without redraws it is not used, got ${values.noiseDrawSeed}`, 'noiseDrawSeed', 'used with --noise-draws', { flag: '--noise-draw-seed', value: values.noiseDrawSeed });
  if (o.highestResolution !== undefined && o.highestResolution >= o.lowestResolution) {
    throw new OptionError(`--highest-resolution (${o.highestResolution} Å) must be finer than --lowest-resolution (${o.lowestResolution} Å)`, 'highestResolution', `finer than lowestResolution (${o.lowestResolution} Å)`, { flag: '--highest-resolution', value: o.highestResolution });
  }
  return o;
}

/**
 * The bands span at least a factor 1.5, never finer than 1.1 × Nyquist (the options' floor): a
 * lowest band within 1.65 × Nyquist leaves no such range (bands at 3.0 Å had been set in a map of
 * 2 Å voxels, Nyquist 4 Å, and read a median occupancy of 0.49 against 0.86).
 * @param lowA the lowest (coarsest) band, Å
 * @param nyquistA the processing box's Nyquist limit, Å
 * @param given whether `lowA` is the user's `--lowest-resolution` (else the default)
 * @returns the error to throw, or undefined when the range fits
 */
export function lowestBandError(lowA: number, nyquistA: number, given: boolean): RangeError | undefined {
  const floorA = nyquistA * 1.1;
  if (lowA / 1.5 >= floorA) return undefined;
  return new RangeError(`the lowest band (${lowA} Å${given ? ', --lowest-resolution' : ', the default'}) is too close to the Nyquist limit (${nyquistA.toFixed(2)} Å) for bands spanning a factor 1.5 above 1.1 × Nyquist: give --lowest-resolution ${Math.ceil(1.5 * floorA * 10) / 10} Å or coarser`);
}

/**
 * The box a map is analysed on (decompose.ts, step 1): Fourier-cropped so that its longest edge is
 * `maxBox` (even edges, at least 2), or the map's own box when it fits or `maxBox` is 0.
 * @param shape the map's box [nx, ny, nz], voxels
 * @param maxBox the longest edge analysed, voxels (0: never cropped)
 * @returns the processing box [nx, ny, nz], voxels (the same array when not cropped)
 */
export function decomposeProcessingShape(shape: readonly [number, number, number], maxBox: number): readonly [number, number, number] {
  const big = Math.max(...shape);
  if (!(maxBox > 0 && big > maxBox)) return shape;
  const f = maxBox / big;
  const edge = (v: number) => Math.max(2, 2 * Math.round((v * f) / 2));
  return [edge(shape[0]), edge(shape[1]), edge(shape[2])];
}

/**
 * Refuse a given lowest band too close to the Nyquist limit of the box the map is analysed on
 * ({@link decomposeProcessingShape}: the map's own box, or its `maxBox` crop), from the box, the
 * voxel size and the options alone (the bands span a factor 1.5 above 1.1 × Nyquist,
 * {@link lowestBandError}): `decompose` runs it first, and callers that do other work on the map
 * before `decompose`, such as the job's input diagnostics (seconds at 256³), run it before that
 * work, so that the option is refused before any progress line.
 * @param shape the map's box [nx, ny, nz], voxels
 * @param voxelSizeA the map's voxel size along X, Y, Z, Å
 * @param lowestResolutionA the user's lowest band, Å (undefined, or not a number > 0: nothing is
 *   checked here; `decompose` refuses the latter)
 * @param maxBox the processing box's longest edge, voxels (0: never cropped; default 256, decompose's)
 * @throws RangeError the message `decompose` gives: `the lowest band (… Å, --lowest-resolution) is
 *   too close to the Nyquist limit (… Å) …: give --lowest-resolution … Å or coarser`
 */
export function refuseLowestBandNearNyquist(shape: readonly [number, number, number], voxelSizeA: readonly number[], lowestResolutionA: number | undefined, maxBox = DEFAULT_DECOMPOSE_MAX_BOX): void {
  if (lowestResolutionA === undefined || !(Number.isFinite(lowestResolutionA) && lowestResolutionA > 0)) return;
  const proc = decomposeProcessingShape(shape, maxBox);
  const nyquistA = 2 * Math.max(...[0, 1, 2].map((i) => (shape[i] * voxelSizeA[i]) / proc[i]));
  const tooFine = lowestBandError(lowestResolutionA, nyquistA, true);
  if (tooFine) throw tooFine;
}
