/**
 * Masked FSC corrected for the mask's own correlation by phase randomisation, as RELION's
 * `relion_postprocess` does (Chen et al. 2013, Ultramicroscopy 135:24–35).
 *
 * 1. FSC of the unmasked halves; `k_r` = the first shell k ≥ 1 where it falls below 0.8.
 * 2. Phases of both unmasked halves are replaced by uniform random phases in every Fourier sample
 *    at radius ≥ k_r (amplitudes kept), then both are masked and their FSC is FSC_n.
 * 3. FSC_t = FSC of the masked halves. Corrected FSC = FSC_t for k < k_r + 2 (RELION moves the
 *    start two shells up "because of small artefacts near the resolution of randomisation"), else
 *    (FSC_t − FSC_n) / (1 − FSC_n) — not clamped at 0: RELION 3.1.3 writes negative values where
 *    FSC_n > FSC_t too (e.g. −0.037 at Nyquist on `synth_halves128`).
 *
 * @see shared/spec/local-resolution.md §1, §2.7 (the same correction for local windows)
 * @see RELION 3.1 `src/postprocessing.cpp` (`Postprocessing::run`, `randomizePhasesBeyond`)
 */
import { assertSameHalfMapGrid, fourierShellCorrelation, type FscCurve } from './fsc.js';
import type { Shape3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { mulberry32 } from '../math/random.js';

/** FSC threshold on the unmasked curve below which phases are randomised (RELION's `randomize_fsc_at`). */
export const RANDOMISE_BELOW_FSC = 0.8;

/** Number of shells after the randomisation shell that keep the masked FSC uncorrected (RELION). */
export const CORRECTION_SHELL_OFFSET = 2;

/** Settings of {@link correctedFsc}. */
export interface CorrectedFscOptions {
  /** Seed of the phase-randomisation PRNG (mulberry32); default 0, so results are reproducible. */
  seed?: number;
  /** Unmasked-FSC value below which phases are randomised; default {@link RANDOMISE_BELOW_FSC}. */
  randomiseBelow?: number;
  /**
   * Number of independent phase randomisations whose FSC_n curves are averaged; default 1 (as
   * RELION). More draws lower the randomisation noise of the corrected curve (on
   * `synth_halves128` one draw's FSC_n varies by 0.01–0.07 per shell, sd over seeds).
   */
  randomisations?: number;
}

/** The four curves of a masked FSC with phase-randomisation correction (same shells as {@link FscCurve}). */
export interface CorrectedFscResult {
  /** FSC of the raw halves. */
  unmasked: FscCurve;
  /** FSC of the halves multiplied by the mask. */
  masked: FscCurve;
  /**
   * FSC of the masked halves after phase randomisation beyond {@link randomiseFromShell}; equals
   * the masked FSC (to rounding) below it. `null` when no shell was randomised.
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
}

/**
 * Replace the phase of every Fourier sample at radius ≥ `fromShell` by a uniform random phase,
 * keeping its amplitude (RELION's `randomizePhasesBeyond`). The radius is the physical frequency
 * in shells of width 1/(n_max·a_max), as in {@link shellIndex}, not rounded. Samples on the
 * self-conjugate planes (kx = 0 and, for even nx, kx = nx/2) get conjugate phases at (ky, kz) and
 * (−ky, −kz), so the map stays exactly real.
 *
 * @param data real map, length nx*ny*nz, index (z*ny + y)*nx + x, any density unit; not modified
 * @param shape box [nx, ny, nz]
 * @param voxelSizeA voxel size per axis in Å
 * @param fromShell radius (in shells) from which phases are randomised; > 0
 * @param rand uniform PRNG in [0, 1)
 * @returns new map, same layout and unit
 * @throws RangeError when `fromShell` is not positive and finite
 */
export function randomisePhasesBeyond(data: Float32Array, shape: Shape3, voxelSizeA: readonly number[], fromShell: number, rand: () => number): Float32Array {
  if (!(fromShell > 0) || !Number.isFinite(fromShell)) throw new RangeError(`fromShell must be a positive number of shells, got ${fromShell}`);
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const edges = [0, 1, 2].map((i) => shape[i] * voxelSizeA[i]);
  const df = 1 / Math.max(...edges);
  const r2 = (fromShell * df) ** 2;
  const spec = rfft3d(data, shape);
  const nyqX = nx % 2 === 0 ? nx / 2 : -1;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / edges[2];
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / edges[1];
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const fx = x / edges[0];
        if (fx * fx + fy * fy + fz * fz < r2) continue;
        const i = 2 * (o + x);
        const selfConjugatePlane = x === 0 || x === nyqX;
        if (selfConjugatePlane) {
          // partner (−y, −z) on the same plane: handle each pair once, from the lower index
          const pz = (nz - z) % nz, py = (ny - y) % ny;
          const partner = (pz * ny + py) * hx + x;
          if (partner < o + x) continue;
          const mag = Math.hypot(spec[i], spec[i + 1]);
          if (partner === o + x) {
            // self-conjugate sample: must stay real; a random sign is its only "phase"
            spec[i] = rand() < 0.5 ? -mag : mag;
            spec[i + 1] = 0;
            continue;
          }
          const ph = 2 * Math.PI * rand();
          spec[i] = mag * Math.cos(ph);
          spec[i + 1] = mag * Math.sin(ph);
          const j = 2 * partner;
          const magP = Math.hypot(spec[j], spec[j + 1]);
          spec[j] = magP * Math.cos(ph);
          spec[j + 1] = -magP * Math.sin(ph);
          continue;
        }
        const mag = Math.hypot(spec[i], spec[i + 1]);
        const ph = 2 * Math.PI * rand();
        spec[i] = mag * Math.cos(ph);
        spec[i + 1] = mag * Math.sin(ph);
      }
    }
  }
  return irfft3d(spec, shape);
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
 * Corrected FSC of two half maps with a mask (module docs; RELION's `rlnFourierShellCorrelationCorrected`).
 *
 * @param a half map 1, canonical layout, raw (unmasked); not modified
 * @param b half map 2, same box and voxel size; not modified
 * @param mask soft mask in [0, 1], length nx*ny*nz, same layout; not modified
 * @param options seed, randomisation threshold and number of randomisations
 * @returns unmasked, masked, phase-randomised masked and corrected curves, and the randomisation shell
 * @throws RangeError when the boxes or voxel sizes differ, the mask length is wrong, or
 *   `randomiseBelow` is not in (0, 1], or `randomisations` not a positive integer
 */
export function correctedFsc(a: Volume, b: Volume, mask: Float32Array, options: CorrectedFscOptions = {}): CorrectedFscResult {
  assertSameHalfMapGrid(a, b);
  if (mask.length !== a.data.length) throw new RangeError(`mask has ${mask.length} voxels, the maps ${a.data.length}`);
  const seed = options.seed ?? 0;
  const below = options.randomiseBelow ?? RANDOMISE_BELOW_FSC;
  if (!(below > 0 && below <= 1)) throw new RangeError(`randomiseBelow must be in (0, 1], got ${below}`);
  const draws = options.randomisations ?? 1;
  if (!Number.isInteger(draws) || draws < 1) throw new RangeError(`randomisations must be a positive integer, got ${draws}`);
  const unmasked = fourierShellCorrelation(a, b);
  const masked = fourierShellCorrelation(a, b, mask);
  const from = firstShellBelow(unmasked.fsc, below);
  if (from === null) {
    return { unmasked, masked, randomisedMasked: null, corrected: Float64Array.from(masked.fsc), randomiseFromShell: null, randomiseFromA: null, seed, randomisations: 0 };
  }
  const rand = mulberry32(seed);
  let randomisedMasked: FscCurve | null = null;
  for (let d = 0; d < draws; d++) {
    const ra: Volume = { ...a, data: randomisePhasesBeyond(a.data, a.shape, a.voxelSizeA, from, rand) };
    const rb: Volume = { ...b, data: randomisePhasesBeyond(b.data, b.shape, b.voxelSizeA, from, rand) };
    const c = fourierShellCorrelation(ra, rb, mask);
    if (!randomisedMasked) randomisedMasked = c;
    else for (let k = 0; k < c.fsc.length; k++) randomisedMasked.fsc[k] += c.fsc[k];
  }
  if (!randomisedMasked) throw new Error('unreachable: no randomisation');
  for (let k = 0; k < randomisedMasked.fsc.length; k++) randomisedMasked.fsc[k] /= draws;
  const corrected = new Float64Array(masked.fsc.length);
  for (let k = 0; k < corrected.length; k++) {
    const t = masked.fsc[k];
    const n = randomisedMasked.fsc[k];
    if (k < from + CORRECTION_SHELL_OFFSET) corrected[k] = t;
    else if (!Number.isFinite(t) || !Number.isFinite(n)) corrected[k] = Number.NaN;
    else corrected[k] = n >= 1 ? t : (t - n) / (1 - n);
  }
  return { unmasked, masked, randomisedMasked, corrected, randomiseFromShell: from, randomiseFromA: 1 / (from * unmasked.shellWidthPerA), seed, randomisations: draws };
}
