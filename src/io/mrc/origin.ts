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
 * `origin` (Å) when any of it is non-zero, else `start × voxel size`. An origin that is not finite
 * (NaN or ±Infinity: a header defect) counts as absent, so every map read has a finite origin.
 * @param voxelSizeA voxel size along X, Y, Z in Å
 */
export function headerOriginA(h: MrcHeader, voxelSizeA: readonly number[]): Vec3 {
  if (h.origin.some((o) => o !== 0) && h.origin.every((o) => Number.isFinite(o))) return [h.origin[0], h.origin[1], h.origin[2]];
  const s = startXYZ(h);
  return [s[0] * voxelSizeA[0], s[1] * voxelSizeA[1], s[2] * voxelSizeA[2]];
}

/**
 * The header with `nxstart/nystart/nzstart` (file order) set from start indices along the
 * physical axes X, Y, Z: the inverse of {@link startXYZ} for a valid `mapc/mapr/maps`.
 * @param start start indices along X, Y, Z (voxels; integers)
 * @returns a copy of `h` (every other field unchanged)
 */
export function withStartXYZ(h: MrcHeader, start: readonly number[]): MrcHeader {
  const order = [h.mapc, h.mapr, h.maps];
  const fileStart = [0, 1, 2].map((i) => {
    const axis = order[i] - 1;
    return axis >= 0 && axis < 3 ? start[axis] : [h.nxstart, h.nystart, h.nzstart][i];
  });
  return { ...h, nxstart: fileStart[0], nystart: fileStart[1], nzstart: fileStart[2] };
}

/**
 * Header for a map resampled (Fourier crop or pad, same physical extent) from `fromShape` to
 * `toShape`, keeping the position of voxel (0, 0, 0) in Å. Each start index is scaled by the box
 * ratio of its own physical axis (the file's columns, rows and sections are the physical axes
 * `mapc/mapr/maps`); when every scaled start is whole, the starts are written and a zero `origin`
 * stays zero. When one is not (start 10 of a 72-voxel axis cropped to 54 is 7.5), rounding would
 * move the map by up to half a new voxel (0.9 Å measured on a 64³ map at 1.37 Å), so the exact
 * position is written as the `origin` (Å) with the starts 0, as ChimeraX and this tool read it.
 * A non-zero `origin` is kept as it is. Used by the estimate's processing-box outputs and
 * `occupy pixel-size resample`.
 * @param fromShape box before, voxels along X, Y, Z
 * @param toShape box after, voxels along X, Y, Z
 * @param voxelSizeA voxel size before, Å along X, Y, Z
 * @returns a copy of `h` with the scaled starts, or with the exact origin and starts 0
 */
export function resampledStartHeader(h: MrcHeader, fromShape: readonly number[], toShape: readonly number[], voxelSizeA: readonly number[]): MrcHeader {
  const s = startXYZ(h);
  const scaled = [0, 1, 2].map((i) => s[i] * (toShape[i] / fromShape[i]));
  const whole = scaled.map((x) => Math.round(x));
  if (h.origin.some((o) => o !== 0) || scaled.every((x, i) => Math.abs(x - whole[i]) <= 1e-6)) return withStartXYZ(h, whole);
  const positionA = headerOriginA(h, voxelSizeA);
  return { ...withStartXYZ(h, [0, 0, 0]), origin: [positionA[0], positionA[1], positionA[2]] };
}

/**
 * Header for a real-space crop or pad whose output voxel `(x, y, z)` is input voxel
 * `(x + o_x, y + o_y, z + o_z)`: the starts move by `o` along their physical axes and a non-zero
 * `origin` (Å) by `o × voxel size`, so every voxel keeps its position in Å.
 * @param offset `o` along X, Y, Z (voxels; integers, negative for a pad)
 * @param voxelSizeA voxel size along X, Y, Z in Å
 */
export function shiftedStartHeader(h: MrcHeader, offset: readonly number[], voxelSizeA: readonly number[]): MrcHeader {
  const s = startXYZ(h);
  const moved = withStartXYZ(h, [0, 1, 2].map((i) => s[i] + offset[i]));
  if (h.origin.some((o) => o !== 0)) moved.origin = [0, 1, 2].map((i) => h.origin[i] + offset[i] * voxelSizeA[i]) as MrcHeader['origin'];
  return moved;
}
