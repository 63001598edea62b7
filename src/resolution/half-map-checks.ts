/**
 * Inputs that cannot give an FSC or a local resolution at all, refused before any work by the
 * commands (`src/jobs`) and the library (`src/api`): a half map without contrast (constant, e.g.
 * all zero: every shell's FSC is 0/0, which read as "never falls below the threshold", i.e.
 * resolved to Nyquist) and a mask that selects nothing.
 */
import { simdRange } from '../math/voxel-kernels.js';

/**
 * Why a map cannot be a half map, or undefined: every voxel holds the same value.
 * @param data voxels (any order)
 * @returns e.g. "is constant (every voxel is 0)"
 */
export function constantHalfMapProblem(data: Float32Array): string | undefined {
  if (data.length === 0) return 'holds no voxel';
  const { min, max } = simdRange(data);
  return max > min ? undefined : `is constant (every voxel is ${min})`;
}

/** Mask value above which a voxel is inside (as every local-resolution method selects it). */
export const MASK_INSIDE = 0.5;

/**
 * Why a map cannot be the mask of an FSC or a local resolution, or undefined: no voxel above
 * {@link MASK_INSIDE} (an all-zero mask, or a map of another kind given as the mask).
 * @param data mask values (any order)
 * @returns e.g. "selects no voxel (no value > 0.5; largest 0)"
 */
export function emptyMaskProblem(data: Float32Array): string | undefined {
  const { max } = simdRange(data);
  return max > MASK_INSIDE ? undefined : `selects no voxel (no value > ${MASK_INSIDE}; largest ${Number.isFinite(max) ? Number(max.toPrecision(3)) : max})`;
}

/**
 * Smallest mask volume for a masked FSC, in voxels (the sum of the values clamped to [0, 1]): a
 * sphere 8 voxels across. Masking multiplies the spectrum by the mask's transform, so shells
 * within about box/D of each other (D the mask's width in voxels) are no longer independent; a
 * mask narrower than 8 voxels leaves fewer than 4 independent FSC values from 0 to Nyquist. A
 * one-voxel mask gave a masked FSC of −1 at every shell, a "corrected" FSC of −1e15, a reported
 * 64 Å in a 64³ box, and a plot whose drawing took the machine's 24 GB.
 */
export const MIN_FSC_MASK_VOXELS = Math.round((4 / 3) * Math.PI * 4 ** 3);

/**
 * Why a map cannot be the mask of a global (masked, phase-randomised) FSC, or undefined: it holds
 * less than {@link MIN_FSC_MASK_VOXELS} voxels' worth of mask (values clamped to [0, 1], summed).
 * @param data mask values (any order); NaN counts as 0 (read-map refuses NaN before)
 * @returns e.g. "covers 1 voxel (the sum of its values), less than a sphere 8 voxels across (268): …"
 */
export function smallFscMaskProblem(data: Float32Array): string | undefined {
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > 0) sum += v < 1 ? v : 1;
  }
  if (sum >= MIN_FSC_MASK_VOXELS) return undefined;
  return `covers ${Number(sum.toPrecision(3))} voxels (the sum of its values in [0, 1]), less than a sphere 8 voxels across (${MIN_FSC_MASK_VOXELS}): the masked halves would give fewer than 4 independent FSC values from 0 to Nyquist`;
}
