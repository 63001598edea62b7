/**
 * The spherical kernel of the OccuPy estimate (the footprint of the local maximum filter and of
 * the local percentile), built here below the method so that the filters need nothing from it.
 * @see shared/spec/occupy-algorithm.md §3
 */

/**
 * Largest `--kernel-size` accepted when the processing box is not known (the box is at most
 * `--max-box`, 256 by default, so a kernel must be at most 255 to fit it). With a box, the limit
 * is `maxKernelSize` (occupancy/kernel.ts).
 */
export const KERNEL_SIZE_MAX = 255;

/** A spherical kernel: a `size³` boolean mask and its offsets. */
export interface SphericalKernel {
  /** Edge of the cubic kernel box in voxels (odd). */
  size: number;
  /** Radius in voxels; voxel (i,j,l) is inside when its distance to the centre `(size-1)/2` is `<= radiusVoxels`. */
  radiusVoxels: number;
  /** Number of voxels inside (n_v). */
  nSamples: number;
  /** Mask, length size³, index `(l*size + j)*size + i`, 1 inside, 0 outside. */
  mask: Uint8Array;
}

/**
 * Build the spherical kernel of spec §3.
 * @param size kernel edge in voxels, odd, >= 1
 * @param radiusVoxels kernel radius in voxels, > 0
 * @throws RangeError on an even/non-positive size, a size above {@link KERNEL_SIZE_MAX} or a
 *   non-positive radius
 */
export function sphericalKernel(size: number, radiusVoxels: number): SphericalKernel {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`kernel size must be an odd positive integer, got ${size}`);
  if (size > KERNEL_SIZE_MAX) throw new RangeError(`kernel size must be at most ${KERNEL_SIZE_MAX}, got ${size}`);
  if (!(radiusVoxels > 0)) throw new RangeError(`kernel radius must be > 0 voxels, got ${radiusVoxels}`);
  const c = (size - 1) / 2;
  const r2 = radiusVoxels * radiusVoxels;
  const mask = new Uint8Array(size * size * size);
  let n = 0;
  for (let l = 0; l < size; l++) {
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        const d2 = (i - c) ** 2 + (j - c) ** 2 + (l - c) ** 2;
        if (d2 <= r2) {
          mask[(l * size + j) * size + i] = 1;
          n++;
        }
      }
    }
  }
  return { size, radiusVoxels, nSamples: n, mask };
}

