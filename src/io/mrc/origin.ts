/**
 * Where a map sits in space: the position of voxel (0, 0, 0) from the MRC header, as ChimeraX
 * places the map (the header's `origin` when any of it is non-zero, else the start indices ×
 * voxel size).
 */
import type { Vec3 } from '../../core/volume.js';
import type { MrcHeader } from './header.js';

/**
 * Start indices along the physical axes X, Y, Z from a header whose `nxstart/nystart/nzstart`
 * are in file order (columns, rows, sections; `mapc/mapr/maps` say which physical axis each is).
 * An axis the order does not name keeps 0.
 */
export function startXYZ(h: MrcHeader): Vec3 {
  const start: Vec3 = [0, 0, 0];
  const order = [h.mapc, h.mapr, h.maps];
  const starts = [h.nxstart, h.nystart, h.nzstart];
  for (let i = 0; i < 3; i++) {
    const axis = order[i] - 1;
    if (axis >= 0 && axis < 3) start[axis] = starts[i];
  }
  return start;
}

/**
 * Position of voxel (0, 0, 0) in Å along X, Y, Z, as ChimeraX places the map: the header's
 * `origin` (Å) when any of it is non-zero, else `start × voxel size`.
 * @param voxelSizeA voxel size along X, Y, Z in Å
 */
export function headerOriginA(h: MrcHeader, voxelSizeA: readonly number[]): Vec3 {
  if (h.origin.some((o) => o !== 0)) return [h.origin[0], h.origin[1], h.origin[2]];
  const s = startXYZ(h);
  return [s[0] * voxelSizeA[0], s[1] * voxelSizeA[1], s[2] * voxelSizeA[2]];
}
