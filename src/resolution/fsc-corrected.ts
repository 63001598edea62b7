/**
 * Masked FSC corrected for the mask's own correlation by phase randomisation, as RELION's
 * `relion_postprocess` does (Chen et al. 2013, Ultramicroscopy 135:24–35), with RELION's random
 * draw: on the same half maps and mask, the corrected curve equals RELION 3.1's
 * `rlnFourierShellCorrelationCorrected` to float precision (max 5e-6 on `synth_halves128`).
 *
 * 1. FSC of the unmasked halves; `k_r` = the first shell k ≥ 1 where it falls below 0.8.
 * 2. Phases of both unmasked halves are replaced by random phases in every Fourier sample at
 *    radius ≥ k_r (amplitudes kept; {@link randomisePhasesBeyond}): half 1 first, then half 2, one
 *    phase per stored half-spectrum sample in storage order, drawn with glibc's `rand()` after
 *    `srand(seed)` mapped to [0, 2π] in single precision (math/relion-random.ts), as RELION draws
 *    them. Then both are masked and their FSC is FSC_n.
 * 3. FSC_t = FSC of the masked halves. Corrected FSC = FSC_t for k < k_r + 2 (RELION moves the
 *    start two shells up "because of small artefacts near the resolution of randomisation"), else
 *    (FSC_t − FSC_n) / (1 − FSC_n) — not clamped at 0: RELION 3.1.3 writes negative values where
 *    FSC_n > FSC_t too (e.g. −0.037 at Nyquist on `synth_halves128`).
 *
 * FSC_t and FSC_n of the correction sum each stored half-spectrum sample once, as RELION's
 * `getFSC` does (`fscFromSpectra(…, 'stored-half')`); the reported masked and unmasked curves keep
 * the full-sphere sums of resolution/fsc.ts. The two sums differ only in the weight of the kx = 0
 * plane: by < 0.005 per shell on `synth_halves128`, so below k_r + 2 the corrected curve is the
 * masked one to that precision, not bit for bit.
 *
 * @see shared/spec/local-resolution.md §1, §2.7 (the same correction for local windows)
 * @see RELION 3.1 `src/postprocessing.cpp` (`Postprocessing::run`, `calculateFSCtrue`) and
 *   `src/fftw.cpp` (`randomizePhasesBeyond`, `getFSC`): the behaviour reproduced, not the code
 */
import { assertSameHalfMapGrid, fourierShellCorrelation, fscFromSpectra, shellIndex, type FscCurve } from './fsc.js';
import type { Shape3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { relionPhaseSampler } from '../math/relion-random.js';

/** FSC threshold on the unmasked curve below which phases are randomised (RELION's `randomize_fsc_at`). */
export const RANDOMISE_BELOW_FSC = 0.8;

/** Number of shells after the randomisation shell that keep the masked FSC uncorrected (RELION). */
export const CORRECTION_SHELL_OFFSET = 2;

/** Settings of {@link correctedFsc}. */
export interface CorrectedFscOptions {
  /**
   * Seed of the phase randomisation: glibc's `srand(seed)`, RELION's `--random_seed` (default 0,
   * as RELION, which gives RELION's own draw; seeds 0 and 1 give the same draw, as in glibc).
   */
  seed?: number;
  /** Unmasked-FSC value below which phases are randomised; default {@link RANDOMISE_BELOW_FSC}. */
  randomiseBelow?: number;
  /**
   * Number of independent phase randomisations whose FSC_n curves are averaged; default 1 (as
   * RELION; only then does the curve equal RELION's). Draw d continues the same random sequence
   * (half 1, half 2, half 1, …). More draws lower the randomisation noise of the corrected curve
   * (on `synth_halves128` one draw's FSC_n varies by 0.01–0.07 per shell, sd over seeds).
   */
  randomisations?: number;
  /**
   * Subtract each half's solvent mean (its mean over the voxels where the mask is ≤
   * {@link SOLVENT_MASK_MAX}) before masking. A constant c left in both halves becomes c·mask
   * after masking: a term both halves share, which the phase randomisation does not remove (its
   * spectrum is the mask's). On `synth_halves128` (solvent SD 0.025) with 0.2 added to both halves
   * the corrected FSC had crossed 0.143 at 11.02 Å instead of 3.32 Å; with 0.05 (2 SD), 3.31 Å.
   * Default (undefined): subtract only when a half's solvent mean is more than
   * {@link SOLVENT_OFFSET_SD} solvent SDs from 0, so that half maps with their solvent at 0 (as
   * RELION writes them) give RELION's numbers exactly (RELION subtracts nothing). `true`: always;
   * `false`: never.
   */
  subtractSolventMean?: boolean;
}

/** Mask values at or below this count as solvent for {@link CorrectedFscOptions.subtractSolventMean}. */
export const SOLVENT_MASK_MAX = 1e-3;

/**
 * A mask whose smallest value is at most this has an outside: the voxels within
 * {@link SOLVENT_MASK_MAX} of that smallest value (a floor such as 0.002 counts as 0).
 */
export const SOLVENT_FLOOR_MAX = 0.05;

/** By default a solvent mean is subtracted only when it is more than this many solvent SDs from 0. */
export const SOLVENT_OFFSET_SD = 0.5;

/** Fewest solvent voxels (fraction of the box) for a solvent mean to be subtracted. */
export const SOLVENT_MIN_FRACTION = 0.01;

/** The two halves' solvent means to subtract, or null: `subtract` true always, undefined when either is off 0. */
function offsetsToSubtract(out: [{ mean: number; sd: number }, { mean: number; sd: number }], subtract: boolean | undefined): [number, number] | null {
  const offZero = (x: { mean: number; sd: number }) => Math.abs(x.mean) > SOLVENT_OFFSET_SD * x.sd;
  if (subtract === false) return null;
  return subtract === true || offZero(out[0]) || offZero(out[1]) ? [out[0].mean, out[1].mean] : null;
}

/**
 * The solvent means (outside `mask`) to subtract from two half maps before masking or windowing
 * them, as {@link CorrectedFscOptions.subtractSolventMean} decides (`subtract` undefined: only when
 * a half's mean there is more than {@link SOLVENT_OFFSET_SD} of its SD from 0), or `null`.
 *
 * @param a half map 1 values; b half map 2, same layout; mask same layout, in [0, 1]; none modified
 */
export function solventOffsets(a: Float32Array, b: Float32Array, mask: Float32Array, subtract?: boolean): [number, number] | null {
  if (subtract === false) return null;
  const sa = solventOutsideMask(a, mask);
  const sb = solventOutsideMask(b, mask);
  return sa !== null && sb !== null ? offsetsToSubtract([sa, sb], subtract) : null;
}

/**
 * Mean and SD of `data` over the voxels where `mask` ≤ {@link SOLVENT_MASK_MAX} (above a mask's
 * floor of at most {@link SOLVENT_FLOOR_MAX}: within that of the floor), or `null` when
 * fewer than {@link SOLVENT_MIN_FRACTION} of the box are there (a mask that fills the box).
 *
 * @param data map values, any layout; not modified
 * @param mask mask values, same length and layout; not modified
 */
export function solventOutsideMask(data: Float32Array, mask: Float32Array): { mean: number; sd: number } | null {
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  // a mask whose outside is a small floor rather than 0 (e.g. 0.002): its floor is the outside.
  // Such a mask had no voxel ≤ 0.001, so a constant in both halves was not taken off (synthetic
  // halves + 0.5 read 10.30 Å corrected instead of 5.21 Å; sweep, session 52)
  let low = Infinity;
  for (let i = 0; i < mask.length; i++) if (mask[i] < low) low = mask[i];
  // compared in single precision, as masks are stored: a floor of 0.05 reads 0.0500000007, which
  // had been taken as above the limit of 0.05
  const outside = low <= Math.fround(SOLVENT_FLOOR_MAX) ? Math.max(SOLVENT_MASK_MAX, low + SOLVENT_MASK_MAX) : SOLVENT_MASK_MAX;
  for (let i = 0; i < data.length; i++) {
    if (mask[i] <= outside) {
      const v = data[i];
      sum += v;
      sum2 += v * v;
      n++;
    }
  }
  if (n === 0 || n < SOLVENT_MIN_FRACTION * data.length) return null;
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)) };
}

/** The curves of a masked FSC with phase-randomisation correction (same shells as {@link FscCurve}). */
export interface CorrectedFscResult {
  /** FSC of the raw halves (full-sphere sums). */
  unmasked: FscCurve;
  /** FSC of the halves multiplied by the mask (full-sphere sums). */
  masked: FscCurve;
  /** FSC_t of the correction: the masked FSC with RELION's stored-half sums (`rlnFourierShellCorrelationMaskedMaps`). */
  maskedStoredHalf: FscCurve;
  /**
   * FSC_n: FSC (stored-half sums) of the masked halves after phase randomisation beyond
   * {@link randomiseFromShell} (RELION's `rlnCorrectedFourierShellCorrelationPhaseRandomizedMaskedMaps`);
   * equals {@link maskedStoredHalf} (to rounding) below it. `null` when no shell was randomised.
   */
  randomisedMasked: FscCurve | null;
  /** Corrected FSC per shell (length = number of shells), NaN for an empty shell. */
  corrected: Float64Array;
  /**
   * First shell k ≥ 1 where the unmasked FSC falls below `randomiseBelow`; phases are
   * randomised at Fourier radius ≥ this (in shells). `null` when the unmasked FSC never falls
   * below it (then corrected = masked).
   */
  randomiseFromShell: number | null;
  /** Resolution of {@link randomiseFromShell} in Å (1 / (k · shell width)), RELION's `rlnRandomiseFrom`; `null` with it. */
  randomiseFromA: number | null;
  /** The seed used. */
  seed: number;
  /** Number of randomisations averaged into FSC_n. */
  randomisations: number;
  /**
   * Solvent means subtracted from half 1 and half 2 before masking (map units), or `null` when
   * nothing was subtracted (both within {@link SOLVENT_OFFSET_SD} SD of 0 by default,
   * `subtractSolventMean: false`, or too little of the box outside the mask).
   */
  solventMeans: [number, number] | null;
  /**
   * Mean and SD of each half outside the mask (map units), or `null` with
   * `subtractSolventMean: false` or when under {@link SOLVENT_MIN_FRACTION} of the box is outside it.
   */
  solventOutside: [{ mean: number; sd: number }, { mean: number; sd: number }] | null;
}

/**
 * Replace the phase of every Fourier sample at radius ≥ `fromShell` by a random phase, keeping its
 * amplitude, as RELION's `randomizePhasesBeyond` does, so that with RELION's phase sampler the
 * result is RELION's map:
 * - samples are visited in the storage order of the half spectrum (z slowest, then y, then
 *   kx = 0 … ⌊nx/2⌋ fastest) and each sample at radius ≥ `fromShell` takes the next `phase()`,
 *   every stored sample its own (also both members of a Friedel pair on the kx = 0 plane);
 * - the radius is in shells (frequency × the largest box edge in Å, as {@link shellIndex}): the
 *   integer index radius for a cubic box with equal voxel sizes, compared exactly with `fromShell`;
 * - the kx = 0 and (even nx) kx = nx/2 planes, no longer Hermitian, are made Hermitian by
 *   averaging each sample with the conjugate of its mirror (−ky, −kz) — what a complex-to-real
 *   inverse transform (FFTW's, as RELION's) does implicitly; so amplitudes on those planes are not
 *   kept exactly, as in RELION (their expected power halves, which raises FSC_n slightly: on a 40³
 *   test with a hard mask the corrected FSC beyond the signal averages −0.02 instead of 0).
 *
 * @param data real map, length nx*ny*nz, index (z*ny + y)*nx + x, any density unit; not modified
 * @param shape box [nx, ny, nz]
 * @param voxelSizeA voxel size per axis in Å
 * @param fromShell radius (in shells) from which phases are randomised; > 0
 * @param phase phase sampler in radians, called once per randomised sample, e.g.
 *   {@link relionPhaseSampler} (RELION's draw)
 * @returns new map, same layout and unit
 * @throws RangeError when `fromShell` is not positive and finite
 */
export function randomisePhasesBeyond(data: Float32Array, shape: Shape3, voxelSizeA: readonly number[], fromShell: number, phase: () => number): Float32Array {
  if (!(fromShell > 0) || !Number.isFinite(fromShell)) throw new RangeError(`fromShell must be a positive number of shells, got ${fromShell}`);
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const edges = [0, 1, 2].map((i) => shape[i] * voxelSizeA[i]);
  const lMax = Math.max(...edges);
  // index → shells: 1 for the longest edge (exactly 1 for a cubic box with equal voxel sizes)
  const sx = lMax / edges[0], sy = lMax / edges[1], sz = lMax / edges[2];
  const r2 = fromShell * fromShell;
  const spec = rfft3d(data, shape);
  for (let z = 0; z < nz; z++) {
    const kz = (z <= nz - z ? z : z - nz) * sz;
    for (let y = 0; y < ny; y++) {
      const ky = (y <= ny - y ? y : y - ny) * sy;
      const kzy = kz * kz + ky * ky;
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const kx = x * sx;
        if (kx * kx + kzy < r2) continue;
        const i = 2 * (o + x);
        const mag = Math.hypot(spec[i], spec[i + 1]);
        const ph = phase();
        spec[i] = mag * Math.cos(ph);
        spec[i + 1] = mag * Math.sin(ph);
      }
    }
  }
  hermitianPlane(spec, shape, 0);
  if (nx % 2 === 0 && nx > 1) hermitianPlane(spec, shape, nx / 2);
  return irfft3d(spec, shape);
}

/**
 * Make the plane kx = `x` of a half spectrum Hermitian in place: F(ky, kz) and F(−ky, −kz) both
 * become their mean with conjugation, (F(k) + conj F(−k)) / 2 (self-mirrored samples keep their
 * real part). This is the real part of the plane's inverse 2D transform, which a complex-to-real
 * 3D inverse keeps.
 * @param spec half spectrum, layout of {@link rfft3d}
 */
function hermitianPlane(spec: Float32Array, shape: Shape3, x: number): void {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  for (let z = 0; z < nz; z++) {
    const pz = (nz - z) % nz;
    for (let y = 0; y < ny; y++) {
      const py = (ny - y) % ny;
      const i = 2 * ((z * ny + y) * hx + x);
      const j = 2 * ((pz * ny + py) * hx + x);
      if (j < i) continue; // each pair once
      const re = 0.5 * (spec[i] + spec[j]);
      const im = 0.5 * (spec[i + 1] - spec[j + 1]);
      spec[i] = re;
      spec[i + 1] = im;
      spec[j] = re;
      spec[j + 1] = -im; // for j = i: im = 0
    }
  }
}

/**
 * First shell k ≥ 1 where the FSC falls below `threshold` (no interpolation), or null.
 * @param fsc FSC per shell
 */
export function firstShellBelow(fsc: ArrayLike<number>, threshold: number): number | null {
  for (let k = 1; k < fsc.length; k++) if (fsc[k] < threshold) return k;
  return null;
}

/**
 * Corrected FSC of two half maps with a mask (module docs; RELION's `rlnFourierShellCorrelationCorrected`,
 * the same numbers for seed 0 and one randomisation).
 *
 * @param a half map 1, canonical layout, raw (unmasked); not modified
 * @param b half map 2, same box and voxel size; not modified
 * @param mask soft mask in [0, 1], length nx*ny*nz, same layout; not modified
 * @param options seed, randomisation threshold, number of randomisations, solvent-mean subtraction
 * @returns unmasked, masked, phase-randomised masked and corrected curves, and the randomisation shell
 * @throws RangeError when the boxes or voxel sizes differ, the mask length is wrong, or
 *   `randomiseBelow` is not in (0, 1], or `randomisations` not a positive integer, or `seed` not an integer
 */
export function correctedFsc(a: Volume, b: Volume, mask: Float32Array, options: CorrectedFscOptions = {}): CorrectedFscResult {
  assertSameHalfMapGrid(a, b);
  if (mask.length !== a.data.length) throw new RangeError(`mask has ${mask.length} voxels, the maps ${a.data.length}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const below = options.randomiseBelow ?? RANDOMISE_BELOW_FSC;
  if (!(below > 0 && below <= 1)) throw new RangeError(`randomiseBelow must be in (0, 1], got ${below}`);
  const draws = options.randomisations ?? 1;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`randomisations must be a positive integer, got ${draws}`);
  const { shape, voxelSizeA } = a;
  const shells = shellIndex(shape, voxelSizeA);
  const sa = options.subtractSolventMean === false ? null : solventOutsideMask(a.data, mask);
  const sb = options.subtractSolventMean === false ? null : solventOutsideMask(b.data, mask);
  const solventOutside: CorrectedFscResult['solventOutside'] = sa !== null && sb !== null ? [sa, sb] : null;
  const solventMeans = solventOutside ? offsetsToSubtract(solventOutside, options.subtractSolventMean) : null;
  const masks = (data: Float32Array, offset: number): Float32Array => {
    const out = new Float32Array(data.length);
    for (let i = 0; i < out.length; i++) out[i] = (data[i] - offset) * mask[i];
    return out;
  };
  const offsetA = solventMeans ? solventMeans[0] : 0;
  const offsetB = solventMeans ? solventMeans[1] : 0;
  const unmasked = fourierShellCorrelation(a, b);
  const fa = rfft3d(masks(a.data, offsetA), shape);
  const fb = rfft3d(masks(b.data, offsetB), shape);
  const masked = fscFromSpectra(fa, fb, shape, voxelSizeA, shells);
  const maskedStoredHalf = fscFromSpectra(fa, fb, shape, voxelSizeA, shells, 'stored-half');
  const from = firstShellBelow(unmasked.fsc, below);
  if (from === null) {
    return { unmasked, masked, maskedStoredHalf, randomisedMasked: null, corrected: Float64Array.from(masked.fsc), randomiseFromShell: null, randomiseFromA: null, seed, randomisations: 0, solventMeans, solventOutside };
  }
  const phase = relionPhaseSampler(seed);
  let randomisedMasked: FscCurve | null = null;
  for (let d = 0; d < draws; d++) {
    // RELION's order: all of half 1's samples, then half 2's, from one sequence
    const ra = randomisePhasesBeyond(a.data, shape, voxelSizeA, from, phase);
    const rb = randomisePhasesBeyond(b.data, shape, voxelSizeA, from, phase);
    // the randomised maps keep the zero frequency (shell 0 < from), so the same offsets apply
    const c = fscFromSpectra(rfft3d(masks(ra, offsetA), shape), rfft3d(masks(rb, offsetB), shape), shape, voxelSizeA, shells, 'stored-half');
    if (!randomisedMasked) randomisedMasked = c;
    else for (let k = 0; k < c.fsc.length; k++) randomisedMasked.fsc[k] += c.fsc[k];
  }
  if (!randomisedMasked) throw new Error('unreachable: no randomisation');
  for (let k = 0; k < randomisedMasked.fsc.length; k++) randomisedMasked.fsc[k] /= draws;
  const corrected = new Float64Array(masked.fsc.length);
  for (let k = 0; k < corrected.length; k++) {
    const t = maskedStoredHalf.fsc[k];
    const n = randomisedMasked.fsc[k];
    if (k < from + CORRECTION_SHELL_OFFSET) corrected[k] = t;
    else if (!Number.isFinite(t) || !Number.isFinite(n)) corrected[k] = Number.NaN;
    else corrected[k] = n >= 1 ? t : (t - n) / (1 - n);
  }
  return { unmasked, masked, maskedStoredHalf, randomisedMasked, corrected, randomiseFromShell: from, randomiseFromA: 1 / (from * unmasked.shellWidthPerA), seed, randomisations: draws, solventMeans, solventOutside };
}
