/**
 * `localResolution` of the public API: local resolution in Å from half maps (calibrated local
 * FSC, RELION's `--locres`) or the monogenic (MonoRes-style) estimate.
 * @see shared/spec/local-resolution.md §2–§4
 */
import { localFscBesideFiner } from '../resolution/beside-finer.js';
import { DEFAULT_LOWEST_RESOLUTION_A, WINDOW_CAP_A } from '../resolution/local-fsc.js';
import { LOCAL_FSC_WINDOW_MIN } from '../resolution/window-minimum.js';
import { RELION_RANDOMIZE_AT_A } from '../resolution/relion-locres.js';
import { computeInThread } from '../jobs/compute-thread.js';
import { inLibraryTerms, OptionError, optionError } from './errors.js';
import { checkLocresSampling, LOCRES_OPTION, resolveLocresOptions, type LocresOptionValues } from '../resolution/locres-options.js';
import { RESOLUTION_MAX_A } from '../occupancy/options.js';
import { checkKnownKeys, RUN_OPTION_KEYS } from './estimate-options.js';
import { startRun, type RunOptions } from './run-control.js';
import { CUBIC_VOXEL_TOLERANCE, nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { checkSameGrid, checkVolume, publicVolume, type Volume, type VolumeInput } from './volume.js';
import { checkHalfMapContent, checkIndependentHalves, checkMaskContent } from './half-map-content.js';

/** Options of {@link localResolution}. */
export interface LocalResolutionOptions extends RunOptions {
  /**
   * `'localfsc'` (default): calibrated local FSC of two half maps (pre-whitened; threshold SNR-aware with a mask, 0.3 without);
   * `'relion'`: a reproduction of RELION 3.1's `relion_postprocess --locres` (FSC 0.143);
   * `'monores'`: monogenic estimate from two half maps, or from one map with a `mask`.
   */
  method?: 'localfsc' | 'relion' | 'monores';
  /** Where to report (voxels > 0.5), on the maps' grid; required by `'monores'` with one map. CLI `--mask`. */
  mask?: VolumeInput;
  /** `'localfsc'`: window edge in voxels (even, 16..the smallest box edge); default round(6 d / a) made even for a global FSC resolution d and voxel size a (2·round(34 Å / 2a) where 6 d > 34 Å), at least 16, within the box (`defaultWindow`). CLI `--window`. */
  windowVoxels?: number;
  /** `'localfsc'`: grid spacing in voxels (≥ 1); default window/4. CLI `--step`. */
  stepVoxels?: number;
  /** `'localfsc'`: FSC threshold in (0, 1); default SNR-aware with a `mask` (0.001–0.5 from the global FSC, `SNR_AWARE_THRESHOLD`), 0.3 without (calibrated). CLI `--threshold`. */
  threshold?: number;
  /** `'localfsc'`: pre-whiten the halves (default true). CLI `--no-whiten` = false. */
  whiten?: boolean;
  /** `'localfsc'`, `'relion'`: coarsest reported resolution in Å, also the value outside the mask; default 50. CLI `--lowest-resolution`. */
  lowestResolutionA?: number;
  /**
   * `'localfsc'`, `'relion'`: randomise phases beyond this resolution in Å, coarser than Nyquist (the
   * correction for the windows' noise correlation); default none for `'localfsc'` (no correction),
   * 25 Å for `'relion'` (as RELION). CLI `--randomize-at`.
   */
  randomizeAtA?: number;
  /**
   * `'relion'`: window grid spacing in Å (default 25), from 4 voxels to a third of the box edge
   * (RELION's window, flat radius samplingA/2 plus a cosine edge of samplingA, must fit in the
   * box; the default too). CLI `--locres-sampling`.
   */
  samplingA?: number;
}

/** What {@link localResolution} returns. */
export interface LocalResolutionResult {
  /** Local resolution in Å per voxel on the maps' grid; the background value outside the mask. */
  resolution: Volume;
  /** `'localfsc'`: finer and coarser ends of each voxel's ~90 % interval, Å, same grid. */
  interval?: {
    /** Finer end of each voxel's interval, Å (`lowestResolutionA` outside the mask). */
    low: Volume;
    /** Coarser end of each voxel's interval, Å. */
    high: Volume;
  };
  /**
   * 1 where the value is bounded by the finest reported one (a bound: the truth is that or finer),
   * else 0; x fastest. `'monores'`: the value is the finest tested; `'localfsc'`: half or more of
   * the value comes from windows reading Nyquist (the rest may blend in coarser windows, see
   * `LocalFscResult.pinned`).
   */
  pinned?: Uint8Array;
  /** Median local resolution over the mask's voxels (> 0.5), Å; without a mask over the voxels the method reports ('localfsc': the inscribed sphere; 'relion': those its windows reach; 'monores': every voxel). */
  medianA: number;
  /** 5th percentile (finer end) over the same voxels, Å. */
  p5A: number;
  /** 95th percentile (coarser end) over the same voxels, Å. */
  p95A: number;
  /**
   * `'localfsc'`: median over the mask of each voxel's interval width (high − low), Å. Above
   * `UNRESOLVED_VARIATION_RATIO` (0.8) × (p95A − p5A) the map's variation is within its own uncertainty (`occupy locres` warns;
   * `unresolvedVariation` in `src/resolution/local-fsc.ts`).
   */
  medianIntervalWidthA?: number;
  /**
   * `'localfsc'` with a `mask`: 1 where a mask voxel reads ≥ 1.4 × coarser than a mask value within
   * half a window (`besideFiner`, `src/resolution/beside-finer.ts`; windows there take in the finer
   * neighbour, so the value tends to read fine: on synthetic half maps a median 4–6 % too fine),
   * else 0; length nx*ny*nz, x fastest.
   */
  besideFiner?: Uint8Array;
  /**
   * `'localfsc'`: where the half maps' content ends before Nyquist, Å, and why: `low-passed`
   * (nothing but float round-off beyond) or `interpolated` (upsampled in real space: beyond the old
   * grid's Nyquist only the images of coarser shells, replaced by noise before the windows are cut,
   * and every value finer reads the limit and is pinned). Absent when the content runs to Nyquist.
   * Source: `src/resolution/half-map-content.ts`.
   */
  contentLimit?: {
    /** The finest resolution the halves hold, Å (coarser than Nyquist). */
    limitA: number;
    /** `low-passed`: nothing but round-off beyond; `interpolated`: only the images of coarser shells beyond. */
    cause: 'low-passed' | 'interpolated';
  };
  /** `'localfsc'` with a `mask`: the share of the mask voxels flagged in {@link LocalResolutionResult.besideFiner}, 0–1. */
  besideFinerFraction?: number;
}

/** API key → the key of the method's local-resolution option schema. */
const SCHEMA_KEY = { windowVoxels: 'window', stepVoxels: 'step', threshold: 'threshold', whiten: 'whiten', lowestResolutionA: 'lowestResolution', randomizeAtA: 'randomizeAt', samplingA: 'locresSampling' } as const;

/**
 * Run a check of the local-resolution option schema, rethrowing its {@link OptionError} in the
 * library's terms: option keys, not the command line's flags (`--locres-sampling needs --relion`
 * had reached library callers, who have neither).
 */
function inLocresTerms(check: () => void): void {
  try {
    check();
  } catch (err) {
    throw libraryError(err);
  }
}

/**
 * A text of the local-resolution schema (a message or its `allowed`) in the library's terms: each
 * flag by the API's key, `--relion`, `--method x` and the schema's bare `relion` / `method x` by
 * `method 'x'`, the CLI-only `--shells` left out.
 */
function locresLibraryText(text: string): string {
  return inLibraryTerms(text, [...Object.entries(SCHEMA_KEY).map(([apiKey, schemaKey]) => [LOCRES_OPTION[schemaKey].flag, apiKey] as const), ['--relion', "method 'relion'"]])
    .replace(/--method (\w+)/g, "method '$1'")
    .replace(/ or --shells\b/g, '')
    .replace(/\bwith relion\b/g, "with method 'relion'")
    .replace(/\bmethod (localfsc|monores|relion)\b/g, "method '$1'");
}

/** An error of the local-resolution schema or method in the library's terms (other errors as they are). */
function libraryError(err: unknown): unknown {
  if (!(err instanceof OptionError)) return err;
  const key = err.option === 'relion' ? 'method' : (Object.entries(SCHEMA_KEY).find(([, k]) => k === err.option)?.[0] ?? err.option);
  // `.allowed` too (until session 55 it kept the flags: 'only with --method localfsc or --relion')
  return new OptionError(locresLibraryText(err.message), key, locresLibraryText(err.allowed), { flag: err.flag, value: err.value });
}

/**
 * Local resolution in Å (spec `shared/spec/local-resolution.md`): local FSC in Hann windows on a
 * grid, interpolated to every voxel (§2); RELION's `--locres` (spherical windows, phase-randomised
 * corrected FSC); or the monogenic amplitude tested against noise, frequency by frequency (§3, §4).
 * Same numbers as `occupy locres` with the same settings.
 *
 * @param half1 first half map (or the single map for `'monores'`): `data` Float32Array nx*ny*nz,
 *   x fastest; `voxelSizeA` Å
 * @param half2 second half map on the same grid (required but by `'monores'` with a mask)
 * @param options see {@link LocalResolutionOptions}
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of
 *   length nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError for an invalid volume or option, maps on different grids, a missing
 *   half map / mask, or voxels that are not cubic (`half1.voxelSizeA`: the three sizes differ by
 *   more than 1 %); with method `'relion'`, a `samplingA` (or its default, 25 Å) under 4 voxels
 *   or over a third of the box edge (`samplingA`); with method `'localfsc'`, a `lowestResolutionA`
 *   or `randomizeAtA` not coarser than Nyquist, or a `stepVoxels` larger than the window (without
 *   `windowVoxels`, larger than the default window can be: at once; larger than the default window
 *   chosen from the global FSC: after it)
 *   and two half maps that are one map given twice or one half with inverted contrast (`half2`,
 *   as `occupy locres` refuses them; identical halves had read Nyquist everywhere)
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts: at once, as the
 *   computation runs in a worker thread (the caller's event loop stays free; the inputs are copied
 *   to it, unless in shared memory)
 */
export async function localResolution(half1: VolumeInput, half2: VolumeInput | undefined, options: LocalResolutionOptions = {}): Promise<LocalResolutionResult> {
  checkKnownKeys(options, [...RUN_OPTION_KEYS, 'method', 'mask', ...Object.keys(SCHEMA_KEY)]);
  const method = options.method ?? 'localfsc';
  if (method !== 'localfsc' && method !== 'relion' && method !== 'monores') throw optionError('method', "'localfsc', 'relion' or 'monores'", method);
  const a = checkVolume(half1, 'half1');
  if (nonCubicVoxelsError(a.voxelSizeA)) throw optionError('half1.voxelSizeA', `three equal voxel sizes (to ${100 * CUBIC_VOXEL_TOLERANCE} %): Fourier shells need one voxel size`, a.voxelSizeA);
  const b = half2 === undefined ? undefined : checkVolume(half2, 'half2');
  if (b) checkSameGrid(b, a, 'half2', 'half1');
  const mask = options.mask === undefined ? undefined : checkVolume(options.mask, 'mask');
  if (mask) checkSameGrid(mask, a, 'mask', 'half1');
  if (!b && method !== 'monores') throw optionError('half2', `a second half map (method '${method}' needs two)`, undefined);
  if (!b && !mask) throw optionError('mask', "a molecule mask (method 'monores' with one map needs it)", undefined);
  // the method's option schema (src/resolution/locres-options.ts), under the API's key names
  const schemaValues: LocresOptionValues = { method: method === 'relion' ? 'localfsc' : method, relion: method === 'relion', mask: mask ? '(volume)' : undefined };
  for (const [key, schemaKey] of Object.entries(SCHEMA_KEY)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) (schemaValues as Record<string, unknown>)[schemaKey] = v;
  }
  inLocresTerms(() => resolveLocresOptions(schemaValues, b ? 2 : 1));
  const nyquist = 2 * Math.max(...a.voxelSizeA);
  for (const key of ['lowestResolutionA', 'randomizeAtA'] as const) {
    const v = options[key];
    // the local FSC needs them strictly coarser than Nyquist (it had refused Nyquist itself with a
    // plain RangeError in command-line terms, from its worker thread); RELION's mode takes Nyquist
    if (method === 'localfsc' && v !== undefined && !(v > nyquist)) throw optionError(key, `a resolution in Å coarser than ${Number(nyquist.toFixed(3))} (Nyquist limit of the maps), up to ${RESOLUTION_MAX_A}`, v);
    if (v !== undefined && !(v >= nyquist * (1 - 1e-6))) throw optionError(key, `a resolution in Å from ${Number(nyquist.toFixed(3))} (Nyquist limit of the maps) to ${RESOLUTION_MAX_A}`, v);
  }
  // the maps' content, and what the methods would otherwise refuse only after the global FSC
  // (checked here, before any work)
  checkHalfMapContent(a, 'half1');
  if (b) checkHalfMapContent(b, 'half2');
  if (mask) checkMaskContent(mask);
  if (method !== 'monores' && options.lowestResolutionA === undefined && !(DEFAULT_LOWEST_RESOLUTION_A > nyquist)) {
    throw optionError('half1.voxelSizeA', `voxels under ${DEFAULT_LOWEST_RESOLUTION_A / 2} Å (Nyquist finer than the default lowest resolution, ${DEFAULT_LOWEST_RESOLUTION_A} Å), or a lowestResolutionA coarser than ${Number(nyquist.toFixed(3))} Å`, a.voxelSizeA);
  }
  if (method === 'relion') {
    const [nx, ny, nz] = a.shape;
    if (nx !== ny || ny !== nz) throw optionError('half1.shape', "a cubic box (RELION's --locres assumes one)", a.shape);
    const randomizeAtA = options.randomizeAtA ?? RELION_RANDOMIZE_AT_A;
    if (Math.trunc((nx * a.voxelSizeA[0]) / randomizeAtA) < 1) throw optionError('half1.shape', `a box wider than randomizeAtA (${randomizeAtA} Å), from which phases are randomised`, a.shape, `half1's box (${Number((nx * a.voxelSizeA[0]).toFixed(2))} Å across) is narrower than randomizeAtA ${randomizeAtA} Å: nothing is left below the randomised shells`);
    // RELION's window (3 × samplingA across) must fit in the box; 4 voxels at least
    inLocresTerms(() => checkLocresSampling(options.samplingA, a.shape, a.voxelSizeA));
  }
  if (method === 'localfsc' && Math.min(...a.shape) < LOCAL_FSC_WINDOW_MIN) throw optionError('half1.shape', `a box of at least ${LOCAL_FSC_WINDOW_MIN} voxels along each axis (the smallest local-FSC window)`, a.shape);
  // the schema refuses what a method does not read (LOCRES_WAY_OPTIONS) but counts whiten: true as
  // the default; the library refuses it too where nothing is whitened
  if (method !== 'localfsc' && options.whiten !== undefined) throw optionError('whiten', `undefined with method '${method}' (a local-FSC option)`, options.whiten);
  if (options.windowVoxels !== undefined && options.windowVoxels > Math.min(...a.shape)) throw optionError('windowVoxels', `an integer in 16..${Math.min(...a.shape)} (the smallest edge of the box)`, options.windowVoxels);
  if (method === 'localfsc' && options.stepVoxels !== undefined && options.windowVoxels === undefined) {
    // the default window comes from the global FSC (in the thread), but never exceeds the box nor
    // WINDOW_CAP_A (+ rounding): a step beyond that is refused here, before any work (stepVoxels
    // 1000 had given a plain RangeError "--step 1000 is larger than the window (20 voxels)")
    const largest = Math.min(2 * Math.floor(Math.min(...a.shape) / 2), Math.max(LOCAL_FSC_WINDOW_MIN, 2 * Math.ceil(Math.round(WINDOW_CAP_A / Math.max(...a.voxelSizeA)) / 2)));
    if (options.stepVoxels > largest) throw optionError('stepVoxels', `at most the window edge (the default window here is at most ${largest} voxels: ${WINDOW_CAP_A} Å and the box; give windowVoxels for a larger step)`, options.stepVoxels);
  }

  if (b) await checkIndependentHalves(a, b, ['half1', 'half2']);

  const rc = await startRun(options);
  const progress = rc.span(0.05, 0.95);
  const step = (f: number) => progress(method === 'monores' ? 'monogenic' : 'local FSC', f);
  rc.phase(method === 'monores' ? 'monogenic' : 'local FSC', 0.05);
  let out: LocalResolutionResult;
  if (method === 'relion') {
    const r = await computeInThread('relionLocalResolution', [a, b as Volume, { samplingA: options.samplingA, randomizeAtA: options.randomizeAtA, minResolutionA: options.lowestResolutionA, mask: mask?.data }], { onProgress: step, signal: options.signal });
    out = { resolution: publicVolume(r.resolution, a.originA), medianA: r.medianA, p5A: r.p5A, p95A: r.p95A };
  } else if (method === 'localfsc') {
    // a step larger than the default window is known only there: its OptionError in library terms
    const r = await computeInThread('localFsc', [a, b as Volume, {
      mask: mask?.data,
      windowVoxels: options.windowVoxels,
      stepVoxels: options.stepVoxels,
      threshold: options.threshold,
      whiten: options.whiten,
      lowestResolutionA: options.lowestResolutionA,
      randomizeAtA: options.randomizeAtA,
    }], { onProgress: step, signal: options.signal }).catch((err: unknown) => { throw libraryError(err); });
    // with a mask: voxels reading much coarser than a value within half a window (as `occupy locres`)
    const beside = mask ? localFscBesideFiner(r, mask.data) : undefined;
    out = { resolution: publicVolume(r.resolution, a.originA), interval: { low: publicVolume(r.low, a.originA), high: publicVolume(r.high, a.originA) }, pinned: r.pinned, medianA: r.medianA, p5A: r.p5A, p95A: r.p95A, medianIntervalWidthA: r.medianIntervalWidthA, ...(r.interpolated ? { contentLimit: { limitA: r.interpolated.limitA, cause: 'interpolated' as const } } : r.emptyBeyondA !== undefined ? { contentLimit: { limitA: r.emptyBeyondA, cause: 'low-passed' as const } } : {}), ...(beside ? { besideFiner: beside.flagged, besideFinerFraction: beside.fraction } : {}) };
  } else {
    const maskData = mask ? mask.data : new Float32Array(a.data.length).fill(1);
    const r = await computeInThread('monogenicLocalResolution', [b ? { half1: a, half2: b } : { map: a }, maskData, {}], { onProgress: step, signal: options.signal });
    const finest = Math.min(...r.tested);
    const pinned = new Uint8Array(r.resolution.length);
    for (let i = 0; i < pinned.length; i++) pinned[i] = (!mask || mask.data[i] > 0.5) && r.resolution[i] <= finest * (1 + 1e-6) ? 1 : 0;
    out = { resolution: publicVolume({ data: r.resolution, shape: a.shape, voxelSizeA: a.voxelSizeA }, a.originA), pinned, medianA: r.medianA, p5A: r.p5A, p95A: r.p95A };
  }
  rc.done();
  return out;
}
