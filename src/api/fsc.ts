/**
 * `fsc` of the public API: the global Fourier shell correlation of two half maps, and with a mask
 * RELION's phase-randomised corrected FSC.
 * @see shared/spec/local-resolution.md §1
 */
import { fourierShellCorrelation, resolutionAtThreshold, type FscCurve } from '../resolution/fsc.js';
import { computeInThread } from '../jobs/compute-thread.js';
import { FSC_OPTION, resolveFscOptions } from '../resolution/fsc-options.js';
import { checkKnownKeys, RUN_OPTION_KEYS } from './estimate-options.js';
import { checkHalfMapContent, checkFscMaskSize, checkIndependentHalves, checkMaskContent } from './half-map-content.js';
import { startRun, type RunOptions } from './run-control.js';
import { CUBIC_VOXEL_TOLERANCE, nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { checkSameGrid, checkVolume, type VolumeInput } from './volume.js';
import { inLibraryTerms, OptionError, optionError } from './errors.js';

/** Options of {@link fsc}. */
export interface FscOptions extends RunOptions {
  /**
   * A (soft) mask in [0, 1] on the halves' grid: both halves are multiplied by it, and the
   * phase-randomised corrected FSC is computed (as `relion_postprocess`). CLI `--mask`.
   */
  mask?: VolumeInput;
  /** Seed of the phase randomisation (with `mask`), integer in 0..2147483647; default 0. */
  seed?: number;
  /** With `mask`: phase randomisations averaged, integer in 1..100; default 1 (as RELION). */
  randomisations?: number;
}

/** An FSC curve: one entry per Fourier shell k = 0 … kMax. */
export interface FscCurveResult {
  /** FSC per shell in [-1, 1]; NaN for an empty shell. */
  fsc: Float64Array;
  /** Resolution where the curve first falls below 0.143, Å (interpolated); null when it never does up to Nyquist. */
  resolutionAt0143A: number | null;
  /** The same at 0.5, Å. */
  resolutionAt05A: number | null;
}

/** What {@link fsc} returns. */
export interface FscResult {
  /** Spatial frequency of each shell in 1/Å: k / (n_max · a) (n_max the largest box edge). */
  frequencyPerA: Float64Array;
  /** Fourier samples (of the full spectrum) per shell. */
  samples: Float64Array;
  /** FSC of the halves as given. */
  unmasked: FscCurveResult;
  /** With `mask`: FSC of the masked halves (uncorrected). */
  masked?: FscCurveResult;
  /**
   * With `mask`: the phase-randomised corrected FSC (RELION's; its 0.143 resolution is
   * `rlnFinalResolution`), and the resolution from which phases were randomised (null: never).
   */
  corrected?: FscCurveResult & {
    /** Resolution in Å from which phases were randomised (where the unmasked FSC first drops below 0.8); null: never. */
    randomiseFromA: number | null;
  };
  /**
   * With `mask`: each half's mean over the voxels outside the mask (mask ≤ 0.001), subtracted from
   * it before masking, in map units; `null` when under 1 % of the box is outside the mask (nothing
   * subtracted). A constant left in both halves would otherwise become a term both masked halves
   * share (spec: RELION subtracts nothing; with the solvent at 0 the two agree).
   */
  solventMeans?: [number, number] | null;
  /** Nyquist limit, 2 × the largest voxel size, Å. */
  nyquistA: number;
}

function curveResult(c: Pick<FscCurve, 'fsc' | 'shellWidthPerA'>): FscCurveResult {
  const at = (t: number) => {
    const r = resolutionAtThreshold(c, t);
    return r.crossed ? r.resolutionA : null;
  };
  return { fsc: c.fsc, resolutionAt0143A: at(0.143), resolutionAt05A: at(0.5) };
}

/**
 * Fourier shell correlation of two half maps (spec `shared/spec/local-resolution.md` §1):
 * FSC(k) = Re Σ F1·conj(F2) / sqrt(Σ|F1|² Σ|F2|²) over shells of width 1/(n_max·a); with a mask
 * also the corrected FSC of RELION's post-processing (phases randomised beyond where the
 * unmasked FSC drops below 0.8). Same numbers as `occupy fsc`.
 *
 * @param half1 first half map: `data` Float32Array nx*ny*nz, x fastest; `voxelSizeA` Å
 * @param half2 second half map on the same grid
 * @param options see {@link FscOptions}
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of
 *   length nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError for an invalid volume or option (`seed` or `randomisations` out of range, or
 *   given without `mask`; the message names the option's key), halves/mask on different grids, voxels
 *   that are not cubic (`half1.voxelSizeA`: the three sizes differ by more than 1 %), a constant
 *   half map (`half1.data` / `half2.data`, e.g. all zero), halves that are one map given twice or
 *   one half with inverted contrast (`half2`, as `occupy fsc` refuses them), a mask with no value > 0.5 (`mask`) or one
 *   covering less than 268 voxels (`MIN_FSC_MASK_VOXELS`, the sum of its values in [0, 1]: `mask`)
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts: with a mask at
 *   once, as the corrected FSC runs in a worker thread (the halves and mask are copied to it,
 *   unless in shared memory); without, once the FSC (a fraction of a second) is done
 */
export async function fsc(half1: VolumeInput, half2: VolumeInput, options: FscOptions = {}): Promise<FscResult> {
  checkKnownKeys(options, [...RUN_OPTION_KEYS, 'mask', 'seed', 'randomisations']);
  const a = checkVolume(half1, 'half1');
  if (nonCubicVoxelsError(a.voxelSizeA)) throw optionError('half1.voxelSizeA', `three equal voxel sizes (to ${100 * CUBIC_VOXEL_TOLERANCE} %): Fourier shells need one voxel size`, a.voxelSizeA);
  const b = checkVolume(half2, 'half2');
  checkSameGrid(b, a, 'half2', 'half1');
  const mask = options.mask === undefined ? undefined : checkVolume(options.mask, 'mask');
  if (mask) checkSameGrid(mask, a, 'mask', 'half1');
  // the method's option schema (src/resolution/fsc-options.ts), then the maps' content
  // in the library's terms (its messages had named --seed, --randomisations and --mask)
  try {
    resolveFscOptions({ seed: options.seed, randomisations: options.randomisations, mask: mask ? '(volume)' : undefined });
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    const pairs = (['seed', 'randomisations', 'mask'] as const).map((key) => [FSC_OPTION[key].flag, key] as const);
    throw new OptionError(inLibraryTerms(err.message, pairs), err.option, inLibraryTerms(err.allowed, pairs), { flag: err.flag, value: err.value });
  }
  checkHalfMapContent(a, 'half1');
  checkHalfMapContent(b, 'half2');
  if (mask) {
    checkMaskContent(mask);
    checkFscMaskSize(mask);
  }
  await checkIndependentHalves(a, b, ['half1', 'half2']);
  const seed = options.seed ?? 0;
  const draws = options.randomisations ?? 1;
  const rc = await startRun(options);
  rc.phase('fsc', 0.1);
  let out: FscResult;
  const nyquistA = 2 * Math.max(...a.voxelSizeA);
  if (mask) {
    // in a worker thread, as occupy fsc --mask computes it: an abort ends the call at once (on
    // the calling thread an abort from a timer was never seen: 20 draws on 64³ halves resolved
    // after 1.6 s with the signal aborted at 50 ms), and the caller's event loop stays free
    const corr = await computeInThread('correctedFsc', [a, b, mask.data, { seed, randomisations: draws }], { signal: options.signal });
    out = {
      frequencyPerA: corr.masked.frequencyPerA,
      samples: corr.masked.count,
      unmasked: curveResult(corr.unmasked),
      masked: curveResult(corr.masked),
      corrected: { ...curveResult({ fsc: corr.corrected, shellWidthPerA: corr.masked.shellWidthPerA }), randomiseFromA: corr.randomiseFromA },
      solventMeans: corr.solventMeans,
      nyquistA,
    };
  } else {
    const c = fourierShellCorrelation(a, b);
    out = { frequencyPerA: c.frequencyPerA, samples: c.count, unmasked: curveResult(c), nyquistA };
  }
  // an abort during the (synchronous) unmasked FSC is seen here, not ignored
  await rc.yield();
  rc.done();
  return out;
}
