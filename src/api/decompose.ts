/**
 * `decompose` of the public API: occupancy separated from disorder (issue 17), the numbers of
 * `occupy decompose` on in-memory maps.
 * @see shared/spec/occupancy-decomposition.md
 */
import type { decompose as decomposeMethod, BandSummary } from '../decomposition/decompose.js';
import { computeInThread } from '../jobs/compute-thread.js';
import { decompositionMedians } from '../decomposition/medians.js';
import { resolveDecomposeOptions, type DecomposeOptionKey } from '../decomposition/options.js';
import type { Shape3 } from '../core/volume.js';
import { OptionError, optionError } from './errors.js';
import { checkKnownKeys, RUN_OPTION_KEYS } from './estimate-options.js';
import { startRun, type RunOptions } from './run-control.js';
import { checkSameGrid, checkVolume, publicVolume, type Volume, type VolumeInput } from './volume.js';
import { checkHalfMapContent, checkIndependentHalves, checkMaskContent } from './half-map-content.js';

/** Options of {@link decompose}: the method options of `occupy decompose`. */
export interface DecomposeOptions extends RunOptions {
  /**
   * Two half maps on the volume's grid (same box, voxel sizes equal to 0.1 %): the signal is
   * their mean (`volume` then gives only the box), the noise half their difference, locally.
   * Without them the noise comes from the solvent, per band. CLI `--half-maps`.
   */
  halfMaps?: readonly [VolumeInput, VolumeInput];
  /** Molecule mask on the volume's grid, molecule where > 0.5 (default: from the 2 Å-smoothed map). CLI `--mask`. */
  mask?: VolumeInput;
  /** Coarsest band centre, Å, 0.1–1000 (default 30). CLI `--lowest-resolution`. */
  lowestResolutionA?: number;
  /** Finest band centre, Å, 0.1–1000, finer than `lowestResolutionA` (default: where the map meets noise). CLI `--highest-resolution`. */
  highestResolutionA?: number;
  /** Number of bands, an integer in 2..32 (default 6). CLI `--bands`. */
  bands?: number;
  /** Analyse a Fourier-cropped box of at most this edge in voxels: even, 32..4096, or 0 = never (default 256). CLI `--max-box`. */
  maxBox?: number;
}

/** One band of {@link DecomposeResult.bands}: centre (Å), window sigma (Å), reference and noise amplitude (density units), usable share of the molecule (0–1). */
export type DecomposeBand = Pick<BandSummary, 'resolutionA' | 'windowSigmaA' | 'referenceAmplitude' | 'noiseAmplitude' | 'usableFraction'>;

/** What {@link decompose} returns. Maps are on the volume's grid (its origin kept), x fastest. */
export interface DecomposeResult {
  /** Relative occupancy in [0, 1] (0 where no band is usable). */
  occupancy: Volume;
  /** Local B-factor, Å²: the local slope relative to the reference region plus the reference spectrum's Guinier B ({@link DecomposeResult.globalBA2}). */
  bfactor: Volume;
  /** Number of usable bands per voxel (0..bands). */
  bandsUsed: Volume;
  /** 1 = molecule (the mask, or found from the smoothed map), else 0; length nx*ny*nz. */
  molecule: Uint8Array;
  /** Median occupancy over the molecule's voxels with a fit (≥ 1 usable band), 0–1. */
  occupancyMedian: number;
  /** Median B over the molecule's voxels with a slope (≥ 2 usable bands), Å² (NaN when there are none). */
  bfactorMedianA2: number;
  /** The bands, coarse to fine. */
  bands: DecomposeBand[];
  /** Where the noise came from. */
  noiseModel: 'half-map difference (local)' | 'solvent (one map, per band)';
  /** Resolution where the map meets the noise, Å (the default finest band centre). */
  noiseLimitA: number;
  /** The volume (or half maps) interpolated onto a finer grid in real space: the old grid's Nyquist, Å; no band is finer than 1.1 × it. Absent otherwise. */
  contentLimitA?: number;
  /** Guinier B of the reference region's spectrum, Å². */
  globalBA2: number;
  /** The box analysed (the volume's, or the Fourier-cropped one with `maxBox`), voxels. */
  processingShape: Shape3;
  /** Notes on what was done (cropping, zero padding), one line each. */
  notes: string[];
  /** The method's warnings that limit the result (a masked map, coarse or unusable bands, bands beyond the spectrum's end), one line each. */
  warnings: string[];
}

/** API key → the key of the decomposition's option schema (`src/decomposition/options.ts`). */
const SCHEMA_KEY = { lowestResolutionA: 'lowestResolution', highestResolutionA: 'highestResolution', bands: 'bands', maxBox: 'maxBox' } as const satisfies Record<string, DecomposeOptionKey>;

/** The method's text (messages, warnings) with the command's flags named by the API's keys. */
function apiNames(text: string): string {
  // the schema's own keys too ('finer than lowestResolution (30 Å)' had reached `.allowed`)
  return text.replace(/\b(lowest|highest)Resolution\b(?!A)/g, '$1ResolutionA').replace(/--lowest-resolution/g, 'lowestResolutionA').replace(/--highest-resolution/g, 'highestResolutionA').replace(/--max-box/g, 'maxBox').replace(/--bands/g, 'bands').replace(/--half-maps/g, 'halfMaps').replace(/--mask/g, 'mask');
}

/**
 * The method's refusal of the data (no molecule, too little solvent, bands beyond Nyquist) as an
 * OptionError naming the argument to change; other errors (a bug, an abort) pass unchanged.
 */
function asOptionError(err: unknown): unknown {
  if (!(err instanceof RangeError) || err instanceof OptionError) return err;
  // "no molecule found: … stands above the solvent (give --mask)" is the mask's, not halfMaps'
  // (tested before /solvent/: it had been given .option 'halfMaps', even without half maps)
  const key = /Nyquist/.test(err.message) ? 'lowestResolutionA' : /no molecule found|mask/.test(err.message) ? 'mask' : /solvent/.test(err.message) ? 'halfMaps' : 'volume';
  const e = new OptionError(apiNames(err.message), key, apiNames(err.message));
  e.cause = err;
  return e;
}

/**
 * Occupancy separated from disorder: per voxel, the relative occupancy (the intercept) and the
 * local B-factor (the slope) of a local Guinier fit, ln A_k(x) − ln A_ref,k = a(x) − B(x) s_k²/4,
 * to the windowed energies of K raised-cosine bands between `lowestResolutionA` and
 * `highestResolutionA`, relative to the better-ordered, fully occupied reference region; a band
 * counts at a voxel only where its signal stands above the noise (half-map difference, or the
 * solvent). Same numbers as `occupy decompose` with the same settings (its files and `--labels`,
 * `--sharpen`, `--noise-draws` are the command's).
 *
 * Cost: about 6 FFTs of the processing box per band (9 with half maps), twice that for the B fit
 * on the occupancy-flattened map; a 128³ map with half maps takes some seconds.
 *
 * @param volume the map: `data` Float32Array of length nx*ny*nz, index (z*ny + y)*nx + x, density
 *   in arbitrary units (raw, unsharpened, unmasked is best); `voxelSizeA` Å; not modified
 * @param options see {@link DecomposeOptions}
 * @returns see {@link DecomposeResult}
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of length
 *   nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError naming the key (`.option`) for an unknown or out-of-range option, half maps
 *   or a mask not on the volume's grid, half maps that are one map given twice or one half with
 *   inverted contrast (`halfMaps[1]`, as `occupy decompose --half-maps` refuses them), a constant
 *   map (`volume.data`, `halfMaps[i].data`: e.g. all zero), an empty mask, NaN voxels, bands that do not fit below the
 *   Nyquist limit (`lowestResolutionA`), too little solvent for a one-map noise estimate
 *   (`halfMaps`), no molecule found (`mask`), or no usable band anywhere in the molecule (`volume`)
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts: at once, as the
 *   computation runs in a worker thread (the caller's event loop stays free; the inputs are copied
 *   to it, unless in shared memory)
 * @see shared/spec/occupancy-decomposition.md; README "Occupancy or flexibility?"
 */
export async function decompose(volume: VolumeInput, options: DecomposeOptions = {}): Promise<DecomposeResult> {
  checkKnownKeys(options, [...RUN_OPTION_KEYS, 'halfMaps', 'mask', ...Object.keys(SCHEMA_KEY)]);
  const map = checkVolume(volume, 'volume');
  let halves: readonly [Volume, Volume] | undefined;
  // origins that differ from the volume's (not refused): reported first among the warnings
  const gridWarnings: (string | undefined)[] = [];
  if (options.halfMaps !== undefined) {
    if (!Array.isArray(options.halfMaps) || options.halfMaps.length !== 2) throw optionError('halfMaps', 'exactly two half maps [half1, half2]', options.halfMaps);
    const h = options.halfMaps.map((v, i) => checkVolume(v, `halfMaps[${i}]`));
    h.forEach((v, i) => gridWarnings.push(checkSameGrid(v, map, `halfMaps[${i}]`, 'volume')));
    halves = [h[0], h[1]];
  }
  const mask = options.mask === undefined ? undefined : checkVolume(options.mask, 'mask');
  if (mask) {
    gridWarnings.push(checkSameGrid(mask, map, 'mask', 'volume'));
    checkMaskContent(mask);
  }
  // the command's option schema, under the API's key names
  const schemaValues: Record<string, unknown> = {};
  for (const [key, schemaKey] of Object.entries(SCHEMA_KEY)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) schemaValues[schemaKey] = v;
  }
  try {
    resolveDecomposeOptions(schemaValues);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    const key = Object.entries(SCHEMA_KEY).find(([, k]) => k === err.option)?.[0] ?? err.option;
    throw new OptionError(apiNames(err.message), key, apiNames(err.allowed), { value: err.value });
  }
  // a constant map (all zero) has no molecule and no band: said as such, not as a missing mask
  // ("no molecule found … (give mask)" had been thrown, naming `mask`)
  checkHalfMapContent(map, 'volume', 'nothing to decompose');
  halves?.forEach((h, i) => checkHalfMapContent(h, `halfMaps[${i}]`, 'nothing to decompose'));
  if (halves) await checkIndependentHalves(halves[0], halves[1], ['halfMaps[0]', 'halfMaps[1]']);

  const rc = await startRun(options);
  let r: ReturnType<typeof decomposeMethod>;
  try {
    // in a worker thread: the caller's event loop stays free, and an abort stops the computation
    r = await computeInThread('decompose', [map, {
      halfMaps: halves,
      mask: mask?.data,
      lowestResolutionA: options.lowestResolutionA,
      highestResolutionA: options.highestResolutionA,
      bands: options.bands,
      maxBox: options.maxBox,
    }], { onProgress: rc.span(0.05, 0.95), signal: options.signal });
  } catch (err) {
    throw asOptionError(err);
  }
  const medians = decompositionMedians(r);
  if (!Number.isFinite(medians.occupancy)) {
    const best = Math.max(0, ...r.bands.map((b) => b.usableFraction));
    throw optionError('volume', 'a map with a band above the noise in the molecule', undefined, `no voxel of the molecule has a usable band (the best band is usable in ${(100 * best).toFixed(0)} %: every band lies below the noise): nothing to decompose; check the voxel size and the band range (lowestResolutionA, highestResolutionA)`);
  }
  rc.done();
  return {
    occupancy: publicVolume(r.occupancy, map.originA),
    bfactor: publicVolume(r.bfactor, map.originA),
    bandsUsed: publicVolume(r.bandsUsed, map.originA),
    molecule: r.molecule,
    occupancyMedian: medians.occupancy,
    bfactorMedianA2: medians.bfactorA2,
    bands: r.bands.map((b) => ({ resolutionA: b.resolutionA, windowSigmaA: b.windowSigmaA, referenceAmplitude: b.referenceAmplitude, noiseAmplitude: b.noiseAmplitude, usableFraction: b.usableFraction })),
    noiseModel: r.noiseModel,
    noiseLimitA: r.noiseLimit.resolutionA,
    ...(r.contentLimit ? { contentLimitA: r.contentLimit.limitA } : {}),
    globalBA2: r.globalBA,
    processingShape: [...r.processingShape],
    notes: r.notes.map(apiNames),
    warnings: [...gridWarnings.filter((w): w is string => w !== undefined), ...r.warnings.map(apiNames)],
  };
}
