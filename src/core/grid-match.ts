/**
 * Whether two maps lie on the same grid: the one rule (box, voxel size within 0.1 %, origin)
 * behind the commands' check of a second half map, `--mask`, `--labels`, `--solvent-def` and
 * `--target-mask` (src/jobs/read-map.ts `checkSameGrid`), the library's (src/api/volume.ts
 * `checkSameGrid`) and the half-map diagnostics' `voxel-size-mismatch`.
 */

/**
 * Largest relative difference between two maps' voxel sizes (per axis) taken as the same grid:
 * 0.1 %, the tolerance half maps have been compared with since the start (a 1.05 Å half against a
 * 1.00 Å one is refused; header rounding of a cell, ~10⁻⁶, passes).
 */
export const VOXEL_SIZE_MATCH_TOLERANCE = 1e-3;

/**
 * Largest difference between two maps' origins, in voxels of the reference map, taken as the same
 * place (float32 header rounding of an origin in Å, and start × voxel size against an origin in Å,
 * differ by far less).
 */
export const ORIGIN_MATCH_TOLERANCE_VOXELS = 0.01;

/**
 * Whether voxel sizes differ by more than {@link VOXEL_SIZE_MATCH_TOLERANCE} on any axis.
 * @param voxelSizeA the other map's voxel size along X, Y, Z, Å
 * @param refVoxelSizeA the reference map's, Å
 */
export function voxelSizesDiffer(voxelSizeA: readonly number[], refVoxelSizeA: readonly number[]): boolean {
  return [0, 1, 2].some((i) => !(Math.abs(voxelSizeA[i] - refVoxelSizeA[i]) <= VOXEL_SIZE_MATCH_TOLERANCE * refVoxelSizeA[i]));
}

/**
 * Whether two origins (position of voxel (0, 0, 0), Å along X, Y, Z) differ by more than
 * {@link ORIGIN_MATCH_TOLERANCE_VOXELS} voxels of the reference on any axis.
 * @param originA the other map's origin, Å
 * @param refOriginA the reference map's origin, Å
 * @param refVoxelSizeA the reference map's voxel size along X, Y, Z, Å
 */
export function originsDiffer(originA: readonly number[], refOriginA: readonly number[], refVoxelSizeA: readonly number[]): boolean {
  return [0, 1, 2].some((i) => !(Math.abs(originA[i] - refOriginA[i]) <= ORIGIN_MATCH_TOLERANCE_VOXELS * refVoxelSizeA[i]));
}

/** Å values as the messages give them: up to 4 decimals, trailing zeros dropped (`1.1, 1.1, 1.1`). */
export function formatA(values: readonly number[]): string {
  return values.map((v) => String(Number(v.toFixed(4)))).join(', ');
}
