/**
 * A labels map (`--labels`: domains, segments): integer labels, > 0 for a label, 0 (or below) for
 * none. Float32 stores such integers exactly, so a value away from an integer means the file is
 * something else (a soft mask, a density or a resampled labels map), whose labels would be
 * silently merged or dropped by rounding.
 */
import type { Shape3 } from './volume.js';

/** Largest distance of a label value from an integer (float32 round-off of integers is 0). */
export const LABEL_INTEGER_TOLERANCE = 1e-3;

/**
 * Why `data` is not a labels map, or undefined when it is one: a value that is not finite, or one
 * farther than {@link LABEL_INTEGER_TOLERANCE} from an integer.
 * @param data the map's values, length nx*ny*nz, index (z*ny + y)*nx + x
 * @param shape box [nx, ny, nz] in voxels (to name the first bad voxel)
 * @returns e.g. `holds non-integer values (0.5 at voxel x 3, y 4, z 5; 1234 voxels): a labels map
 *   holds integer labels > 0 (0 for none), not a mask, a density or a resampled labels map`
 */
export function labelMapProblem(data: ArrayLike<number>, shape: Shape3): string | undefined {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) return `holds a value that is not a number (${v} at ${voxelName(i, shape)})`;
    if (Math.abs(v - Math.round(v)) > LABEL_INTEGER_TOLERANCE) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count === 0) return undefined;
  return `holds non-integer values (${Number(data[first].toPrecision(4))} at ${voxelName(first, shape)}; ${count} voxels): a labels map holds integer labels > 0 (0 for none), not a mask, a density or a resampled labels map`;
}

/** `voxel x 3, y 4, z 5` (0-based) of index i. */
function voxelName(i: number, [nx, ny]: Shape3): string {
  return `voxel x ${i % nx}, y ${Math.floor(i / nx) % ny}, z ${Math.floor(i / (nx * ny))}`;
}
