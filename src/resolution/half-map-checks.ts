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
