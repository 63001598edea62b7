/**
 * The part of a box that holds data: a box padded with zeros (a box resize) has exactly-zero faces
 * around it, which the whole-box transforms would see as a step.
 */
import type { Volume } from '../core/volume.js';

/** An inclusive voxel range along X, Y, Z. */
export interface VoxelRange {
  lo: [number, number, number];
  hi: [number, number, number];
}

/**
 * The exact bounding box of the voxels where any of the arrays is non-zero; undefined when all are
 * zero everywhere.
 * @param shape box [nx, ny, nz]
 * @param arrays one or more arrays of length nx*ny*nz, index (z*ny+y)*nx+x; not modified
 */
export function nonZeroBounds(shape: readonly [number, number, number], ...arrays: ArrayLike<number>[]): VoxelRange | undefined {
  const [nx, ny, nz] = shape;
  const min = [nx, ny, nz];
  const max = [-1, -1, -1];
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const o = (z * ny + y) * nx;
      // each row from both ends, stopping where the bounds already reach: a row of data costs two
      // reads, only an empty row is read through
      let first = nx;
      let last = -1;
      for (const d of arrays) {
        let x = 0;
        while (x < first && d[o + x] === 0) x++;
        if (x === nx) continue;
        if (x < first) first = x;
        let e = nx - 1;
        while (e > last && d[o + e] === 0) e--;
        if (e > last) last = e;
      }
      if (last < 0) continue;
      if (first < min[0]) min[0] = first;
      if (last > max[0]) max[0] = last;
      if (y < min[1]) min[1] = y;
      if (y > max[1]) max[1] = y;
      if (z < min[2]) min[2] = z;
      if (z > max[2]) max[2] = z;
    }
  }
  if (max[0] < 0) return undefined;
  return { lo: [min[0], min[1], min[2]], hi: [max[0], max[1], max[2]] };
}

/**
 * The exact bounding box of the voxels where any of the maps is non-zero, when that is smaller than
 * the box; undefined when it is the whole box, or when every map is all zero.
 * @param maps one or more maps on the same box (data length nx*ny*nz, index (z*ny+y)*nx+x); not
 *   modified
 */
export function nonZeroContentBox(...maps: Volume[]): VoxelRange | undefined {
  const [nx, ny, nz] = maps[0].shape;
  const b = nonZeroBounds(maps[0].shape, ...maps.map((m) => m.data));
  if (!b) return undefined;
  return b.lo.every((v) => v === 0) && b.hi[0] === nx - 1 && b.hi[1] === ny - 1 && b.hi[2] === nz - 1 ? undefined : b;
}

/**
 * Fraction of the voxels inside `range` that are exactly 0 in `map` (0 for a box padded around
 * data that holds noise everywhere; large for a map masked inside its data's bounding box).
 */
export function zeroFractionInside(map: Volume, range: VoxelRange): number {
  const [nx, ny] = map.shape;
  let zeros = 0;
  let total = 0;
  for (let z = range.lo[2]; z <= range.hi[2]; z++) {
    for (let y = range.lo[1]; y <= range.hi[1]; y++) {
      const o = (z * ny + y) * nx;
      for (let x = range.lo[0]; x <= range.hi[0]; x++) if (map.data[o + x] === 0) zeros++;
      total += range.hi[0] - range.lo[0] + 1;
    }
  }
  return total > 0 ? zeros / total : 0;
}
