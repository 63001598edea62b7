/**
 * Derived settings of the OccuPy local-scale estimate: low-pass, kernel size and radius, the
 * spherical kernel and tau.
 * @see shared/spec/occupy-algorithm.md §3
 */
import { boxLongestA } from '../core/volume.js';
import { snapToWhole } from '../core/voxel-size-limits.js';
import { tauForSamples } from './tau.js';
import { KERNEL_SIZE_MAX, sphericalKernel, type SphericalKernel } from '../filters/spherical-kernel.js';

export { KERNEL_SIZE_MAX, sphericalKernel, type SphericalKernel } from '../filters/spherical-kernel.js';

/**
 * Largest odd kernel edge that fits the processing box: the largest odd number <= its smallest
 * edge (at least 1), and never above {@link KERNEL_SIZE_MAX}.
 * @param box processing box edges in voxels (any order)
 */
export function maxKernelSize(box: readonly number[]): number {
  const edge = Math.min(KERNEL_SIZE_MAX, ...box.map((n) => Math.floor(n)));
  return Math.max(1, edge % 2 === 1 ? edge : edge - 1);
}

/**
 * The most samples a 3-voxel kernel holds (its whole cube): a larger kernel whose radius keeps
 * n_v at or below this is warned about as the 3-voxel kernel is.
 */
const SMALL_KERNEL_MAX_SAMPLES = 27;

/**
 * The `--kernel-size` check shared by the CLI, the GUI and the estimate: an odd integer in
 * 1..{@link maxKernelSize} of the processing box (1..{@link KERNEL_SIZE_MAX} when the box is not
 * known), so that the spherical kernel fits the box.
 * @param kernelSize the requested edge in voxels
 * @param box processing box edges in voxels, when known
 * @returns the message naming the option, the allowed range and the value; undefined when valid
 */
export function kernelSizeError(kernelSize: number, box?: readonly number[]): string | undefined {
  const max = box ? maxKernelSize(box) : KERNEL_SIZE_MAX;
  if (Number.isInteger(kernelSize) && kernelSize >= 1 && kernelSize % 2 === 1 && kernelSize <= max) return undefined;
  const where = box ? ` for this map (processing box ${box.join('x')}: the kernel must fit it)` : '';
  return `--kernel-size must be an odd integer in 1..${max}${where}, got ${kernelSize}`;
}

/** User choices that determine the derived settings; undefined means "derive it". */
export interface SettingsInput {
  /** Voxel size of the processed map in Å (finest axis for non-cubic voxels). */
  voxelSizeA: number;
  /** `--lowpass` in Å. */
  lowpassA?: number;
  /** `--resolution` in Å. */
  resolutionA?: number;
  /** `--kernel-size` in voxels (odd, >= 3). */
  kernelSize?: number;
  /** `--kernel-radius` in voxels. */
  kernelRadiusVoxels?: number;
  /** `--tau` in (0, 1]. */
  tau?: number;
  /**
   * Processing box edges in voxels, when known: a `--kernel-size` must fit it
   * ({@link kernelSizeError}) and the default is reduced to fit it, with a warning.
   */
  box?: readonly number[];
}

/** Settings derived per spec §3, with the warnings a user should see. */
export interface DerivedSettings {
  /** Low-pass cut-off in Å. */
  lowpassA: number;
  kernel: SphericalKernel;
  /** tau used for the tile percentile. */
  tau: number;
  /** The recommended (exact) tau for this kernel. */
  tauRecommended: number;
  /** Whether the user overrode tau. */
  tauOverridden: boolean;
  warnings: string[];
  /** Informational notes (e.g. the recommended tau when overridden). */
  notes: string[];
}

/**
 * The estimate's low-pass when neither `--lowpass` nor `--resolution` is given (spec §3):
 * max(8 Å, 3 × the voxel size).
 * @param voxelSizeA the processing box's voxel size (the smallest of the three axes), Å
 * @returns the low-pass, Å
 */
export function defaultLowpassA(voxelSizeA: number): number {
  return Math.max(8.0, 3 * voxelSizeA);
}

/**
 * The box's longest extent in Å when the low-pass `lowpassA` is coarser than it, else undefined:
 * the one rule for a low-pass beyond the box, typed (`--lowpass`, `-r`) or the default
 * ({@link defaultLowpassBeyondBox}), in the command line, the GUI and the library.
 *
 * Why the longest edge: the low-pass keeps `keep_i = floor(n_i a_i / lp)` Fourier samples per
 * axis (spec §4, ellipsoidal for non-cubic boxes), so while `lp` fits the longest edge that axis
 * keeps contrast and a slab a few voxels thick is estimated; coarser than every edge, every
 * `keep_i` is 0, no frequency of the box but its mean is within the cut-off (the default
 * 'original' mask then keeps the mean alone) and the estimate stops at "no contrast". Measured
 * (session 52, estimateLocalScale): 4×32×32 at 1 Å runs up to 32 Å and fails at 33; 7³, 10³, 16³
 * run up to their edge and fail just past it. A typed value had been held to the shortest edge and
 * the default to the longest, so on that slab `--lowpass 8` was refused while the run without it
 * used 8 Å.
 * @param lowpassA the low-pass, Å
 * @param shape the box, voxels
 * @param voxelSizeA its voxel size along X, Y, Z, Å
 * @returns the longest extent (Å) when `lowpassA` exceeds it (1e-6 relative slack), else undefined
 */
export function lowpassBeyondBox(lowpassA: number, shape: readonly number[], voxelSizeA: readonly number[]): number | undefined {
  const longestA = boxLongestA(shape, voxelSizeA);
  return lowpassA <= longestA * (1 + 1e-6) ? undefined : longestA;
}

/**
 * The default low-pass ({@link defaultLowpassA}) when it is beyond the box ({@link lowpassBeyondBox},
 * the rule a typed low-pass follows too); the command's and the library's refusal (a 7³ map at 1 Å
 * had stopped at "… no contrast").
 * @param shape the box, voxels
 * @param voxelSizeA its voxel size along X, Y, Z, Å
 * @param procVoxelA the processing box's voxel size along X, Y, Z (the default follows it), Å
 * @returns the default low-pass and the box's longest extent (Å), or undefined when it fits
 */
export function defaultLowpassBeyondBox(shape: readonly number[], voxelSizeA: readonly number[], procVoxelA: readonly number[]): { lowpassA: number; longestA: number } | undefined {
  const lowpassA = defaultLowpassA(Math.min(...procVoxelA));
  const longestA = lowpassBeyondBox(lowpassA, shape, voxelSizeA);
  return longestA === undefined ? undefined : { lowpassA, longestA };
}

/**
 * Derive low-pass, kernel and tau (spec §3).
 *
 * - lp = `--lowpass`, else `--resolution`, else `max(8, 3a)`; both given → the larger, with a warning.
 * - k = `--kernel-size`, else `floor(lp/a)` made odd and clamped to [3, 9], then reduced (with a
 *   warning) to {@link maxKernelSize} of `box` when it does not fit: the limit of a typed size.
 * - r = `--kernel-radius` (clamped, with a warning, to the corner distance √3·(k−1)/2 of the
 *   kernel cube rounded up to 0.001: beyond it every voxel is in already), else `lp/(2a)`.
 * - tau = `--tau`, else the root of `x^n_v + x - 1 = 0`.
 *
 * @throws RangeError for out-of-range user values (named in the message), among them a
 *   `--kernel-size` that does not fit the processing box (or exceeds {@link KERNEL_SIZE_MAX} when
 *   `box` is not given)
 */
export function deriveSettings(input: SettingsInput): DerivedSettings {
  const a = input.voxelSizeA;
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`voxel size must be > 0 Å, got ${a}`);
  const warnings: string[] = [];
  const notes: string[] = [];
  if (input.lowpassA !== undefined && !(input.lowpassA > 0 && Number.isFinite(input.lowpassA))) {
    throw new RangeError(`--lowpass must be > 0 Å, got ${input.lowpassA}`);
  }
  if (input.resolutionA !== undefined && !(input.resolutionA > 0 && Number.isFinite(input.resolutionA))) {
    throw new RangeError(`--resolution must be > 0 Å, got ${input.resolutionA}`);
  }
  let lowpassA: number;
  if (input.lowpassA !== undefined && input.resolutionA !== undefined) {
    lowpassA = Math.max(input.lowpassA, input.resolutionA);
    const ignored = lowpassA === input.lowpassA ? `--resolution ${input.resolutionA}` : `--lowpass ${input.lowpassA}`;
    warnings.push(`Both --lowpass and --resolution were given; using the coarser ${lowpassA} Å and ignoring ${ignored}.`);
  } else {
    lowpassA = input.lowpassA ?? input.resolutionA ?? defaultLowpassA(a);
  }

  let size: number;
  if (input.kernelSize !== undefined) {
    const error = kernelSizeError(input.kernelSize, input.box);
    if (error) throw new RangeError(error);
    size = input.kernelSize;
  } else {
    // the ratio as it is for the same map at any voxel size: a float32 header's 1.37 Å makes
    // 10.96 / 1.37 read 7.9999997 (kernel 7, n_v 251) where 8 / 1 reads 8 (kernel 9, n_v 257)
    const x = Math.floor(snapToWhole(lowpassA / a));
    const fromLowpass = Math.min(9, Math.max(3, 2 * Math.floor(x / 2) + 1));
    // one rule for the default and a typed --kernel-size: the kernel fits the processing box. On a
    // box thinner than the default (a 64x64x6 slab at 1 Å: 9) the kernel had reached across the
    // mirrored borders, its n_v and tau counting voxels twice, where a typed 9 was refused
    size = input.box ? Math.min(fromLowpass, maxKernelSize(input.box)) : fromLowpass;
    if (size < fromLowpass && input.box) {
      warnings.push(`The default kernel size, ${fromLowpass} voxels (from the low-pass ${+lowpassA.toFixed(2)} Å at ${+a.toFixed(3)} Å per voxel), does not fit the processing box ${input.box.join('x')}: ${size} voxel${size === 1 ? '' : 's'} is used, the largest odd size within its smallest edge (${Math.min(...input.box.map((n) => Math.floor(n)))} voxels), the limit of --kernel-size.`);
    }
  }
  let radius: number;
  if (input.kernelRadiusVoxels !== undefined) {
    if (!(input.kernelRadiusVoxels > 0) || !Number.isFinite(input.kernelRadiusVoxels)) {
      throw new RangeError(`--kernel-radius must be > 0 voxels, got ${input.kernelRadiusVoxels}`);
    }
    radius = input.kernelRadiusVoxels;
    // spec §3: the kernel is the k×k×k cube's voxels within r of its centre, so a radius beyond
    // the cube's corners (√3·(k−1)/2 voxels; the box bounds k) adds nothing: every voxel is in
    // already. Clamped (with a warning) rather than recorded as a radius the estimate never used
    // (a typed 50 on a 5³ kernel had been silent). The limit is the corner distance rounded up to
    // 0.001 voxel: the same kernel, n_v and tau, and the value printed in the log gives them again
    const c = (size - 1) / 2;
    const limitVoxels = c === 0 ? 0.5 : Math.ceil(1000 * Math.sqrt(3) * c) / 1000;
    if (radius > limitVoxels) {
      warnings.push(`--kernel-radius ${radius} voxels is beyond the ${size}×${size}×${size} kernel (every voxel of it is within ${limitVoxels} voxels of its centre): ${limitVoxels} is used, the same kernel. For a larger kernel raise --kernel-size.`);
      radius = limitVoxels;
    }
  } else {
    radius = snapToWhole(lowpassA / a) / 2;
  }
  const kernel = sphericalKernel(size, radius);
  if (size < 5) {
    const auto = input.kernelSize === undefined ? 'Auto-calculated a' : 'A';
    // a box thinner than 5 voxels allows no larger kernel: suggest nothing it would refuse
    const remedy = input.box && maxKernelSize(input.box) < 5
      ? `The processing box ${input.box.join('x')} allows no larger kernel.`
      : `Suggest --kernel-size 5 with --kernel-radius 2.5 or more (the radius follows the low-pass, not the size), and/or --lowpass ${Math.floor(2 * lowpassA)} or more.`;
    warnings.push(`${auto} very small kernel size (${size} voxels): too few samples (n_v = ${kernel.nSamples}) may give a bad solvent model and noisy scale. ${remedy}`);
  }
  const fewSamples = size >= 5 && kernel.nSamples <= SMALL_KERNEL_MAX_SAMPLES;
  if (fewSamples) {
    // a larger kernel at the radius of a 3-voxel one (--kernel-size 5 alone, as the warning above
    // had advised, at lp / a < 5): no more samples than the 3-voxel kernel, and had been silent
    warnings.push(`Kernel size ${size} voxels with radius ${+radius.toFixed(3)} voxels${input.kernelRadiusVoxels === undefined ? ` (low-pass / (2 × voxel size))` : ''} holds only n_v = ${kernel.nSamples} samples, no more than a 3-voxel kernel: too few samples may give a bad solvent model and noisy scale. Suggest --kernel-radius 2.5 or more.`);
  } else if (radius < size / 4) {
    warnings.push(`Kernel radius ${radius.toFixed(2)} voxels is small for kernel size ${size} (< size/4): most of the kernel box is unused.`);
  }
  const tauRecommended = tauForSamples(kernel.nSamples);
  let tau = tauRecommended;
  let tauOverridden = false;
  if (input.tau !== undefined) {
    if (!(input.tau > 0 && input.tau <= 1)) throw new RangeError(`--tau must be in (0, 1], got ${input.tau}`);
    tau = input.tau;
    tauOverridden = true;
    notes.push(`tau set to ${tau}; the recommended tau for n_v = ${kernel.nSamples} is ${tauRecommended.toFixed(4)}`);
  }
  return { lowpassA, kernel, tau, tauRecommended, tauOverridden, warnings, notes };
}
