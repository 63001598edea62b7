/**
 * How sure the decomposition's medians are: the spread of the per-label (and whole-molecule)
 * median occupancy and median B over decompositions of half maps rebuilt with fresh noise of the
 * same spectrum (`occupy decompose --noise-draws N`). One noise draw can move a domain's median B by
 * tens of Å² at 5–7 Å (docs/decomposition.md, "The flexible-B point at 5–7 Å"); this tells the user how much.
 * @see shared/spec/occupancy-decomposition.md
 */
import type { Shape3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';
import { sampleStdOf } from '../math/statistics.js';
import { decompose, type DecomposeOptions } from './decompose.js';
import { nonZeroContentBox } from '../math/non-zero-box.js';
import { halfMapHalfDifference } from '../math/half-map-combination.js';
import { cutSubBox } from '../resolution/sub-box.js';
import { decompositionMedians, type DecompositionMedians } from './medians.js';

/**
 * A real map with the amplitude spectrum of `d` and random phases: the Fourier transform of `d`
 * with each coefficient's phase replaced by that of the transform of white Gaussian noise. The
 * noise field is real, so its phases are Hermitian-symmetric and the result is real (DC and
 * Nyquist coefficients keep a real phase ±1).
 *
 * @param d real map, length nx*ny*nz, index (z*ny + y)*nx + x (x fastest), any units
 * @param shape box [nx, ny, nz], voxels
 * @param rand uniform PRNG in [0, 1) (e.g. `mulberry32(seed)`)
 * @returns new Float32Array, same length and layout, same |F| as `d` (up to float rounding)
 * @throws RangeError when `d.length` is not nx*ny*nz; the FFT must be loaded (`loadFft`)
 */
export function phaseRandomised(d: Float32Array, shape: Shape3, rand: () => number): Float32Array {
  const n = shape[0] * shape[1] * shape[2];
  if (d.length !== n) throw new RangeError(`phaseRandomised: map has ${d.length} voxels, box ${shape.join('x')} has ${n}`);
  const normal = gaussianSampler(rand);
  const white = new Float32Array(n);
  for (let i = 0; i < n; i++) white[i] = normal();
  const F = rfft3d(d, shape);
  const W = rfft3d(white, shape);
  for (let k = 0; k < F.length; k += 2) {
    const amp = Math.hypot(F[k], F[k + 1]);
    const w = Math.hypot(W[k], W[k + 1]);
    if (w > 0) {
      F[k] = (amp * W[k]) / w;
      F[k + 1] = (amp * W[k + 1]) / w;
    } else {
      F[k] = amp;
      F[k + 1] = 0;
    }
  }
  return irfft3d(F, shape);
}

/**
 * Which part of the noise a redraw changes (see {@link redrawnHalfMaps}): `'difference'` the noise
 * estimate (the half-difference), `'mean'` the noise in the halves' mean.
 */
export type RedrawPart = 'difference' | 'mean';

/** Default scale ε of the noise added to the mean in a `'mean'` redraw. */
export const MEAN_REDRAW_EPSILON = 0.5;

/**
 * Half maps with part of their noise redrawn. With m = (h1 + h2)/2 and the noise estimate
 * d = (h1 − h2)/2: if the halves are signal plus independent noise of power N per shell, d and the
 * noise in m both have power N/2 per shell and are independent; m's noise cannot be told apart
 * from the signal, so it cannot be replaced, only added to. d_a is a phase randomisation of d
 * ({@link phaseRandomised}): the same power spectrum, none of its spatial variation (the new noise
 * is spread evenly over the box).
 *
 * - `'difference'`: `h1' = m + d_a`, `h2' = m − d_a`: the original mean and a new noise estimate
 *   of the original power: every band energy and SNR is in expectation as in the original run,
 *   and the draws vary what the noise estimate contributes to the spread.
 * - `'mean'`: `h1' = h1 + ε d_a`, `h2' = h2 + ε d_a`: the original noise estimate and ε² × a true
 *   draw's noise added to the mean (its noise power N/2 · (1 + ε²)): to first order in the noise
 *   (delta method) the SD over these draws is ε × what the mean's noise contributes. The added
 *   noise is alike in both halves, so it raises their FSC: decompose these with the original band
 *   layout.
 *
 * A true independent draw changes both, independently, so {@link noiseRedrawSpread} combines
 * them: `SD² ≈ SD_difference² + SD_mean² / ε²`.
 *
 * @param h1 half map 1, length nx*ny*nz (x fastest), density units
 * @param h2 half map 2, same grid
 * @param rand uniform PRNG in [0, 1); one phase randomisation is drawn from it
 * @param part which noise to redraw
 * @param epsilon ε of a `'mean'` redraw (default {@link MEAN_REDRAW_EPSILON})
 * @returns the two new half maps on the same grid (new arrays)
 * @throws RangeError when the grids differ; the FFT must be loaded (`loadFft`)
 */
export function redrawnHalfMaps(h1: Volume, h2: Volume, rand: () => number, part: RedrawPart, epsilon = MEAN_REDRAW_EPSILON): [Volume, Volume] {
  const n = h1.data.length;
  const shape = h1.shape;
  if (h2.data.length !== n || shape.some((v, i) => v !== h2.shape[i])) throw new RangeError(`half maps differ in box: ${shape.join('x')} and ${h2.shape.join('x')}`);
  const d = halfMapHalfDifference(h1.data, h2.data);
  const da = phaseRandomised(d, shape, rand);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  if (part === 'difference') {
    for (let i = 0; i < n; i++) {
      const m = 0.5 * (h1.data[i] + h2.data[i]);
      a[i] = m + da[i];
      b[i] = m - da[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      a[i] = h1.data[i] + epsilon * da[i];
      b[i] = h2.data[i] + epsilon * da[i];
    }
  }
  return [{ data: a, shape, voxelSizeA: h1.voxelSizeA }, { data: b, shape, voxelSizeA: h1.voxelSizeA }];
}

/**
 * The uniform PRNG of the redraws for a seed: mulberry32 of the seed mixed (multiplied by the
 * golden-ratio constant), not mulberry32(seed) itself. The synthetic phantoms draw their noise
 * from plain mulberry32 streams; a phantom with `noiseSeed` 1 redrawn with seed 1 got its own
 * second half's white noise back as the phases of a redraw, which then correlated with the data
 * (the test phantom: one redraw in three with noise added to the mean read 10 Å² below the
 * others, and the SD of the median B came out 12.0 against a true 3.9 Å²; with unrelated streams
 * 2.2–6.0). Measured data have no seed, but the validation of the redraws runs on phantoms.
 */
export function redrawStream(seed: number): () => number {
  return mulberry32(Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5bd1e995);
}

/** Settings of {@link noiseRedrawSpread}. */
export interface NoiseRedrawOptions {
  /** Number of redraws, ≥ 2. */
  draws: number;
  /** Seed of the PRNG (mulberry32) of the phase randomisations (default 1). */
  seed?: number;
  /** ε of the mean's redraws (default {@link MEAN_REDRAW_EPSILON}). */
  epsilon?: number;
  /**
   * Finest band centre of the original run, Å (`result.bands` last): the mean's redraws use the
   * original band layout (`highestResolutionA`), because noise added alike to both halves raises
   * their FSC and would move the noise limit. Default: from one decomposition of the original.
   */
  finestBandA?: number;
  /** Optional label map on the map's box (integers > 0), length nx*ny*nz: per-label spreads. */
  labels?: ArrayLike<number>;
  /** Progress: decomposition index (1-based), number of decompositions (2 × draws) and the fraction within it. */
  onDraw?: (draw: number, draws: number, fraction: number) => void;
}

/** Spread of the medians over the noise redraws. */
export interface NoiseRedrawSpread {
  draws: number;
  seed: number;
  epsilon: number;
  /** Estimated SD over independent noise draws of the whole molecule's median occupancy. */
  occupancySd: number;
  /** Estimated SD of the whole molecule's median B, Å². */
  bfactorSdA2: number;
  /** Per label: estimated SD of its median occupancy and median B (Å²). */
  labels: { label: number; occupancySd: number; bfactorSdA2: number }[];
  /** Each draw's medians, the noise estimate redrawn (`'difference'`). */
  perDrawDifference: DecompositionMedians[];
  /** Each draw's medians, ε × a draw of noise added to the mean (`'mean'`). */
  perDrawMean: DecompositionMedians[];
}

/**
 * Estimate the SD over independent noise draws of the decomposition's medians: decompose `draws`
 * times with the noise estimate redrawn and `draws` times with ε × a draw of noise added to the
 * mean ({@link redrawnHalfMaps}), and combine `SD = sqrt(SD_difference² + SD_mean² / ε²)`. A
 * difference between labels smaller than ~2 SD is not significant. The combination is a first-order
 * (delta-method) approximation: the medians respond to the noise non-linearly (a band becomes
 * usable or not), and the mean's redraws run at a slightly higher noise level (with the original
 * band layout, `finestBandA`). Validated against
 * the SD over independent true noise draws of phantoms (README, `occupy decompose`, "How sure is
 * a median?"; `bench/noise-redraw-validation.ts`), where the estimate from 5 redraws was 0.41–2.82 ×
 * the true SD of the flexible − rigid and whole-molecule median B on five phantoms. The PRNG is
 * {@link redrawStream}(`seed`).
 *
 * @param map the map (grid of the half maps; the decomposition's signal is the halves' mean)
 * @param options the decomposition's options; `halfMaps` is required
 * @param redraw number of draws of each kind (≥ 2; 2 × draws decompositions), seed, ε, labels, progress
 * @throws RangeError without half maps, with fewer than 2 draws or ε not in (0, 1]; what {@link decompose} throws
 */
export function noiseRedrawSpread(map: Volume, options: DecomposeOptions, redraw: NoiseRedrawOptions): NoiseRedrawSpread {
  if (!options.halfMaps) throw new RangeError('noise redraws need half maps');
  if (!(Number.isInteger(redraw.draws) && redraw.draws >= 2)) throw new RangeError(`draws must be an integer >= 2, got ${redraw.draws}`);
  const epsilon = redraw.epsilon ?? MEAN_REDRAW_EPSILON;
  if (!(epsilon > 0 && epsilon <= 1)) throw new RangeError(`epsilon must be in (0, 1], got ${epsilon}`);
  // a box padded with zeros: redraw on the data's box, as the decomposition analyses it (noise
  // redrawn into the padding would make it look like data)
  const content = nonZeroContentBox(map, ...options.halfMaps);
  if (content) {
    const cut = (d: Float32Array) => cutSubBox(d, map.shape, content, map.voxelSizeA);
    const [c1, c2] = options.halfMaps.map((h) => cut(h.data));
    const labels = redraw.labels ? cut(Float32Array.from(redraw.labels)).data : undefined;
    return noiseRedrawSpread(cut(map.data), { ...options, halfMaps: [c1, c2], mask: options.mask ? cut(options.mask).data : undefined }, { ...redraw, labels });
  }
  const seed = redraw.seed ?? 1;
  const rand = redrawStream(seed);
  const [h1, h2] = options.halfMaps;
  const total = 2 * redraw.draws;
  const finest = redraw.finestBandA ?? options.highestResolutionA ?? decompose(map, options).bands.at(-1)?.resolutionA;
  const run = (part: RedrawPart, k: number): DecompositionMedians => {
    redraw.onDraw?.(k, total, 0);
    const halves = redrawnHalfMaps(h1, h2, rand, part, epsilon);
    const layout = part === 'mean' ? { highestResolutionA: finest } : {};
    const r = decompose(map, { ...options, ...layout, halfMaps: halves, onProgress: (_p, f) => redraw.onDraw?.(k, total, f) });
    return decompositionMedians(r, redraw.labels);
  };
  const perDrawDifference: DecompositionMedians[] = [];
  const perDrawMean: DecompositionMedians[] = [];
  for (let k = 0; k < redraw.draws; k++) {
    perDrawDifference.push(run('difference', 2 * k + 1));
    perDrawMean.push(run('mean', 2 * k + 2));
  }
  const combined = (get: (m: DecompositionMedians) => number) => Math.hypot(sampleStdOf(perDrawDifference.map(get)), sampleStdOf(perDrawMean.map(get)) / epsilon);
  const labels = (perDrawDifference[0]?.labels ?? []).map((l, j) => ({
    label: l.label,
    occupancySd: combined((p) => p.labels[j].occupancy),
    bfactorSdA2: combined((p) => p.labels[j].bfactorA2),
  }));
  return {
    draws: redraw.draws,
    seed,
    epsilon,
    occupancySd: combined((p) => p.occupancy),
    bfactorSdA2: combined((p) => p.bfactorA2),
    labels,
    perDrawDifference,
    perDrawMean,
  };
}
