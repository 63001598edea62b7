/**
 * Spectral pre-whitening of a pair of half maps: the local-FSC default's correction for
 * window-induced correlation.
 *
 * Why: a window cut from a map spreads each Fourier component over neighbouring shells (the
 * window's transform). Half maps carry most of their power at low frequency, and that power is
 * the same signal in both halves, so the little of it that leaks into the high shells correlates
 * the two windows there: the windowed FSC stays high up to Nyquist even where the halves share
 * nothing (on synth_halves128, whose half maps hold nothing beyond 3 Å, 37 % of the mask sat at
 * Nyquist). Dividing both halves by the same radial amplitude profile equalises the power of all
 * shells, so leakage from the low shells no longer dominates the high ones; the global FSC of
 * each shell is unchanged (a radial filter applied to both halves cancels in it). This is the
 * deterministic alternative to RELION's phase randomisation (spec §2.7), which also needs a
 * window large enough to resolve its randomisation resolution.
 * @see shared/spec/local-resolution.md §2.7
 */
import type { Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { mulberry32 } from '../math/random.js';
import { assertSameHalfMapGrid, shellIndex, visitShells } from './fsc.js';
import { cutSubBox } from './sub-box.js';
import { nonZeroContentBox, type VoxelRange } from '../math/non-zero-box.js';
import { applyPeriodicHann } from '../math/periodic-hann.js';

/**
 * A shell whose mean power is below this share of the strongest shell's is *empty*: it holds only
 * float round-off (10⁻¹⁴–10⁻¹⁷ of the strongest shell in half maps low-passed at their finest
 * resolution, as `../shared/reference/synth_halves128` is beyond 3 Å), never noise: the radial
 * power of a cryo-EM map spans at most ~10⁶ between its strongest shell and Nyquist.
 */
export const EMPTY_SHELL_SHARE = 1e-10;

/** Which Fourier shells of a box are empty ({@link EMPTY_SHELL_SHARE}), by frequency. */
export interface EmptyShells {
  /** Shell spacing, 1/Å: shell s covers |f| within (s ± 0.5) · shellWidthPerA. */
  shellWidthPerA: number;
  /** 1 where the shell is empty, one entry per shell s = 0, 1, … (shell 0 is never empty). */
  empty: Uint8Array;
}

/** Options of {@link prewhitenHalfMaps}. */
export interface PrewhitenOptions {
  /**
   * Empty shells to fill with noise, by frequency: pass {@link emptyShells} of the whole box when
   * the half maps given are a sub-box cut from it (a sub-box's wrap-around edge puts power into
   * every shell, so emptiness cannot be seen on it). Default: detected on the half maps given.
   */
  empty?: EmptyShells;
  /** Seed of the noise put into empty shells (default 1). */
  seed?: number;
}

function emptyFromPower(power: Float64Array, count: Float64Array, shellWidthPerA: number): EmptyShells {
  let strongest = 0;
  for (let s = 1; s < power.length; s++) if (count[s] > 0) strongest = Math.max(strongest, power[s] / count[s]);
  const empty = new Uint8Array(power.length);
  for (let s = 1; s < power.length; s++) empty[s] = count[s] > 0 && power[s] / count[s] < EMPTY_SHELL_SHARE * strongest ? 1 : 0;
  return { shellWidthPerA, empty };
}

/**
 * The empty Fourier shells of two half maps ({@link EMPTY_SHELL_SHARE} of the strongest shell's
 * mean power in their sum): where they were low-passed, nothing but float round-off is left. One
 * forward transform of the whole box, or of the box's non-zero content when the box was padded
 * with zeros (`nonZeroContentBox`): the step from the content to the padding puts power into
 * every shell (10⁻⁵ of the strongest just beyond 3 Å on synth_halves128 padded from 128 to 176
 * voxels), which hid the empty shells and read its 3 Å domains 0.4–0.5 Å too fine. When that
 * shows no empty band up to Nyquist, a second transform looks through a Hann window over the box
 * (a box cropped in real space is not periodic; see `orThroughWindow`).
 * @param half1 first half map (x fastest); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 * @see shared/spec/local-resolution.md §2.7
 */
export function emptyShells(half1: Volume, half2: Volume): EmptyShells {
  assertSameHalfMapGrid(half1, half2);
  return emptyShellsOn(half1, half2, nonZeroContentBox(half1, half2));
}

/** {@link emptyShells} on `content` of the box (the whole box when undefined). */
function emptyShellsOn(half1: Volume, half2: Volume, content: VoxelRange | undefined): EmptyShells {
  const [h1, h2] = content
    ? [cutSubBox(half1.data, half1.shape, content, half1.voxelSizeA), cutSubBox(half2.data, half2.shape, content, half2.voxelSizeA)]
    : [half1, half2];
  const sum = new Float32Array(h1.data.length);
  for (let i = 0; i < sum.length; i++) sum[i] = h1.data[i] + h2.data[i];
  // shells computed on the fly (no index array of the whole box); the corner shell bounds them
  const longestA = Math.max(...h1.shape.map((n, i) => n * h1.voxelSizeA[i]));
  const corner = Math.ceil(longestA * Math.hypot(...h1.voxelSizeA.map((a) => 0.5 / a))) + 2;
  return orThroughWindow(emptyOfBox(sum, h1, corner), h1, h2);
}

/**
 * The empty shells of a box's radial power ({@link emptyFromPower}): one forward transform of
 * `data` (on `grid`'s shape and voxel size), shells 0 … `shells − 1` of `visitShells` (those
 * beyond are left out).
 */
function emptyOfBox(data: Float32Array, grid: Volume, shells: number): EmptyShells {
  const spec = rfft3d(data, grid.shape);
  const power = new Float64Array(shells);
  const count = new Float64Array(shells);
  const shellWidthPerA = visitShells(grid.shape, grid.voxelSizeA, (q, sh) => {
    if (sh >= shells) return;
    power[sh] += spec[2 * q] * spec[2 * q] + spec[2 * q + 1] * spec[2 * q + 1];
    count[sh]++;
  });
  return emptyFromPower(power, count, shellWidthPerA);
}

/**
 * `plain` (the empty shells of the box as it is) when they form a band up to Nyquist; else those
 * seen through a Hann window over the box when they do, else `plain`. A box cut from a larger one
 * (half maps low-passed, then cropped in real space) is not periodic: its wrap-around edge puts
 * 10⁻⁵–10⁻⁶ of the strongest shell's power into the empty shells (synth_halves128 cropped to
 * 128 × 112 × 120: none found, and its 3 Å domains read 2.82 / 2.48 Å). The window takes the edge
 * away, and what it leaks of the passband falls below {@link EMPTY_SHELL_SHARE} within a few
 * shells of the cut-off (the crop: empty beyond 2.81 Å, against 2.94 Å uncropped); noise, which
 * reconstructions hold up to Nyquist, stays far above it. Costs, only then, one more transform of
 * the box (`(h1 + h2)` times the window; a masked 256³ run 0.6 s longer, docs/local-resolution.md "Cropped in real
 * space").
 */
function orThroughWindow(plain: EmptyShells, h1: Volume, h2: Volume): EmptyShells {
  const nyquistPerA = 0.5 / Math.max(...h1.voxelSizeA);
  if (emptyBeyondA(plain, nyquistPerA) !== undefined) return plain;
  // the sum's mean is taken away first: through the window a constant becomes power in the first
  // shells, and the strongest shell sets the bar (both halves + 5, 150 SD of a 64³ crop of
  // synth_halves128, raised it so far that the band read empty from 2.84 Å, not 2.51 Å, and the 3 Å
  // domains read 3.30 / 3.11 Å, not 3.12 / 2.93 Å)
  let mean = 0;
  for (let i = 0; i < h1.data.length; i++) mean += h1.data[i] + h2.data[i];
  mean /= h1.data.length;
  const sum = new Float32Array(h1.data.length);
  for (let i = 0; i < sum.length; i++) sum[i] = h1.data[i] + h2.data[i] - mean;
  const windowed = emptyOfBox(applyPeriodicHann(sum, h1.shape), h1, plain.empty.length);
  return emptyBeyondA(windowed, nyquistPerA) !== undefined ? windowed : plain;
}

/**
 * Whiten two half maps by their common radial power: every Fourier component of shell s (shells
 * of `shellIndex`, physical frequency) is divided by `sqrt(P(s))`, with
 * `P(s) = mean over the shell of (|F1|² + |F2|²)/2`; the DC component is set to 0 (the maps come
 * out with zero mean), as is every shell of all-zero maps.
 *
 * Empty shells ({@link EmptyShells}: half maps low-passed at their finest resolution hold only
 * float round-off beyond it) are filled instead with independent seeded noise of the same unit
 * power in each half, so their FSC is 0 up to what a window leaks into them. Dividing
 * by round-off would do the same by accident on the whole box, but on a sub-box the round-off is
 * swamped by the cut's wrap-around edge, which the windows never reach: the shells came out empty
 * where the windows are, the passband's leakage through the window correlated them, and the finest
 * domain read 0.5–0.8 Å too fine on maps whose mask fills little of the box (issue 16).
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @returns the two whitened maps (new arrays, same geometry; unit-free)
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function prewhitenHalfMaps(half1: Volume, half2: Volume, options: PrewhitenOptions = {}): [Volume, Volume] {
  const r = prewhitenWithEmptyShells(half1, half2, options);
  return [r.half1, r.half2];
}

/**
 * {@link prewhitenHalfMaps}, also returning the empty shells it filled (`options.empty`, or those
 * it found on the maps given).
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function prewhitenWithEmptyShells(half1: Volume, half2: Volume, options: PrewhitenOptions = {}): { half1: Volume; half2: Volume; empty: EmptyShells } {
  assertSameHalfMapGrid(half1, half2);
  const s1 = rfft3d(half1.data, half1.shape);
  const s2 = rfft3d(half2.data, half2.shape);
  const { shell, shellWidthPerA } = shellIndex(half1.shape, half1.voxelSizeA);
  let maxShell = 0;
  for (let q = 0; q < shell.length; q++) if (shell[q] > maxShell) maxShell = shell[q];
  const power = new Float64Array(maxShell + 1);
  const count = new Float64Array(maxShell + 1);
  for (let q = 0; q < shell.length; q++) {
    const i = 2 * q;
    power[shell[q]] += 0.5 * (s1[i] * s1[i] + s1[i + 1] * s1[i + 1] + s2[i] * s2[i] + s2[i + 1] * s2[i + 1]);
    count[shell[q]]++;
  }
  const gain = new Float64Array(maxShell + 1);
  for (let s = 1; s <= maxShell; s++) gain[s] = power[s] > 0 ? 1 / Math.sqrt(power[s] / count[s]) : 0;
  // empty shells: the whole box's (given), mapped by frequency to this box's shells, or detected
  // here (then the mapping is the identity; in a box padded with zeros, on its content, whose
  // edge would otherwise hide them)
  const content = options.empty ? undefined : nonZeroContentBox(half1, half2);
  const found = options.empty ?? (content ? emptyShellsOn(half1, half2, content) : orThroughWindow(emptyFromPower(power, count, shellWidthPerA), half1, half2));
  const empty = new Uint8Array(maxShell + 1);
  for (let s = 1; s <= maxShell; s++) empty[s] = found.empty[Math.min(found.empty.length - 1, Math.round((s * shellWidthPerA) / found.shellWidthPerA))];
  // uniform deviates with E|F|² = 1 (as every whitened shell): each window's transform mixes
  // hundreds of them, so its components are Gaussian to the central limit, and they cost a
  // quarter of Box–Muller's time (~8 M components in an empty band at 256³)
  // The noise goes with its half whichever way round the halves are given, so that the FSC of
  // (h1, h2) and of (h2, h1) are the same, as an FSC must be: the half that is smaller on the sum
  // over the box (their difference's sum, which a constant or a positive factor common to both
  // does not change) takes each voxel's first pair of deviates. (Half 1 always taking them gave
  // the swapped halves each other's noise, and a window's leakage between shells made 58 % of
  // synth_halves128's mask voxels differ by up to 0.28 Å when the halves were given the other
  // way round.)
  const rand = mulberry32(((options.seed ?? 1) * 2654435761) >>> 0);
  const [first, second] = sumOfDifference(half1.data, half2.data) <= 0 ? [s1, s2] : [s2, s1];
  const span = 2 * Math.sqrt(1.5); // uniform on ±sqrt(3/2): variance 1/2 per real and imaginary part
  for (let q = 0; q < shell.length; q++) {
    const s = shell[q];
    const i = 2 * q;
    if (empty[s]) {
      first[i] = span * (rand() - 0.5);
      first[i + 1] = span * (rand() - 0.5);
      second[i] = span * (rand() - 0.5);
      second[i + 1] = span * (rand() - 0.5);
      continue;
    }
    const g = gain[s];
    s1[i] *= g;
    s1[i + 1] *= g;
    s2[i] *= g;
    s2[i + 1] *= g;
  }
  return {
    half1: { data: irfft3d(s1, half1.shape), shape: half1.shape, voxelSizeA: [...half1.voxelSizeA] },
    half2: { data: irfft3d(s2, half2.shape), shape: half2.shape, voxelSizeA: [...half2.voxelSizeA] },
    empty: found,
  };
}

/**
 * Σ (a − b) over every voxel, in double precision: which of two half maps is the larger, the same
 * whichever way round they are given (the sign turns), and after a constant or a positive factor
 * common to both.
 * @param a first half map's voxels
 * @param b second half map's voxels, same length
 */
function sumOfDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] - b[i];
  return sum;
}

/**
 * Where the empty shells begin: the resolution (Å) of the inner edge of the first shell from which
 * every shell up to Nyquist is empty, i.e. the half maps were low-passed there; undefined when the
 * shell at Nyquist holds power (noise to Nyquist, as in unfiltered half maps).
 * @param e empty shells of a box, e.g. from {@link emptyShells}
 * @param nyquistPerA the box's Nyquist frequency, 1/Å (1/(2a) for voxel size a)
 */
export function emptyBeyondA(e: EmptyShells, nyquistPerA: number): number | undefined {
  const last = Math.min(e.empty.length - 1, Math.floor(nyquistPerA / e.shellWidthPerA));
  if (last < 1 || !e.empty[last]) return undefined;
  let first = last;
  while (first > 1 && e.empty[first - 1]) first--;
  return 1 / ((first - 0.5) * e.shellWidthPerA);
}

