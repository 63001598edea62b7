/**
 * The voxel sizes the tool accepts wherever a user can set one (`--angpix` and friends, the
 * library's `angpix`): finite, in [0.01, 100] Å, and giving a cell (box × voxel size) that an MRC
 * header can store as float32.
 */

/** Smallest voxel/pixel size accepted, Å. */
export const ANGPIX_MIN_A = 0.01;
/** Largest voxel/pixel size accepted, Å. */
export const ANGPIX_MAX_A = 100;

/**
 * Why a voxel size cannot be used, or undefined when it can.
 * @param name the option or parameter, e.g. `--angpix`
 * @param angpix the value in Å
 * @param box the map's box edges in voxels (any order), when known
 */
export function voxelSizeError(name: string, angpix: number, box?: readonly number[]): string | undefined {
  if (!(Number.isFinite(angpix) && angpix >= ANGPIX_MIN_A && angpix <= ANGPIX_MAX_A)) {
    return `${name} must be a number of Å in [${ANGPIX_MIN_A}, ${ANGPIX_MAX_A}], got ${angpix}`;
  }
  for (const n of box ?? []) {
    const cell = Math.fround(n * angpix);
    if (!Number.isFinite(cell) || cell <= 0) return `${name} ${angpix} gives a cell of ${n} × ${angpix} Å that an MRC header cannot store`;
  }
  return undefined;
}
