/**
 * A 3D density map in the canonical layout used everywhere in occupy-ts.
 *
 * Layout: `data` has length `nx*ny*nz`; voxel (x, y, z) is at index `(z*ny + y)*nx + x`
 * (x fastest), where x, y, z are the physical X, Y, Z axes of the map (the MRC header's
 * `mapc/mapr/maps` axis order has already been undone by the reader).
 */
export type Shape3 = readonly [number, number, number];

/** Per-axis triple along X, Y, Z. */
export type Vec3 = [number, number, number];

/** A density map: voxel values plus the geometry needed to interpret them. */
export interface Volume {
  /** Voxel values, length `nx*ny*nz`, index `(z*ny + y)*nx + x`, density in arbitrary units. */
  data: Float32Array;
  /** Box `[nx, ny, nz]` in voxels along X, Y, Z. */
  shape: Shape3;
  /** Voxel size along X, Y, Z in Å/voxel (cell length / sampling). */
  voxelSizeA: Vec3;
}

/** Number of voxels of a box. */
export function voxelCount(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2];
}

/**
 * The box's longest extent in Å: edge × voxel size, the largest over X, Y, Z (the limit of a
 * low-pass, `lowpassBeyondBox` in occupancy/kernel.ts).
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size along X, Y, Z in Å
 */
export function boxLongestA(shape: readonly number[], voxelSizeA: readonly number[]): number {
  return Math.max(...[0, 1, 2].map((i) => shape[i] * voxelSizeA[i]));
}

/**
 * Create a zero-filled volume.
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size along X, Y, Z in Å (default 1)
 * @throws RangeError when a box dimension is not a positive integer
 */
export function zerosVolume(shape: Shape3, voxelSizeA: Vec3 = [1, 1, 1]): Volume {
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`box dimensions must be positive integers, got ${shape.join('x')}`);
  }
  return { data: new Float32Array(voxelCount(shape)), shape: [shape[0], shape[1], shape[2]], voxelSizeA: [...voxelSizeA] as Vec3 };
}

/**
 * Validate a box and voxel size at a public boundary.
 * @throws TypeError when `shape`/`voxelSizeA` are not triples; RangeError when a box dimension is
 *   not a positive integer or a voxel size is not a finite number > 0 Å
 */
export function assertGeometry(shape: Shape3, voxelSizeA: Readonly<Vec3>): void {
  if (!Array.isArray(shape) || shape.length !== 3) throw new TypeError(`volume shape must be [nx, ny, nz], got ${String(shape)}`);
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`volume shape must hold positive integers, got ${shape.join('x')}`);
  }
  if (!Array.isArray(voxelSizeA) || voxelSizeA.length !== 3) throw new TypeError(`voxelSizeA must be [ax, ay, az], got ${String(voxelSizeA)}`);
  for (const a of voxelSizeA) {
    if (!Number.isFinite(a) || a <= 0) throw new RangeError(`voxelSizeA must hold finite numbers > 0 (Å), got ${voxelSizeA.join(', ')}`);
  }
}

/**
 * Validate a volume at a public boundary: geometry as {@link assertGeometry}, and `data` a
 * Float32Array of length nx*ny*nz.
 * @throws TypeError / RangeError naming the field and the value
 */
export function assertVolume(volume: Volume): void {
  assertGeometry(volume.shape, volume.voxelSizeA);
  const [nx, ny, nz] = volume.shape;
  if (!(volume.data instanceof Float32Array) || volume.data.length !== nx * ny * nz) {
    throw new TypeError(`volume.data must be a Float32Array of length nx*ny*nz = ${nx * ny * nz}, got length ${String(volume.data?.length)}`);
  }
}
