/**
 * A box padded with zeros, as a box resize makes it: the tests of src/math/non-zero-box.ts'
 * users (local FSC, MonoRes, decompose, diagnostics) compare a padded map with the original.
 */
import type { Shape3, Volume } from '../../src/core/volume.js';

/**
 * Put a cubic box of edge n (x fastest) into a cubic box of edge m, `offset` voxels from the
 * origin along every axis, zeros elsewhere.
 */
export function padCube(data: ArrayLike<number>, n: number, m: number, offset: number): Float32Array {
  const out = new Float32Array(m ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[((z + offset) * m + y + offset) * m + x + offset] = data[(z * n + y) * n + x];
  return out;
}

/** {@link padCube} of a volume (same voxel size). */
export function padVolume(v: Volume, m: number, offset: number): Volume {
  return { data: padCube(v.data, v.shape[0], m, offset), shape: [m, m, m] as Shape3, voxelSizeA: v.voxelSizeA };
}
