/**
 * A smaller copy of the shared synth_halves128 half-map set for tests whose assertions do not
 * depend on the box (the GUI's half-map run against `occupy locres` on the same files, voxel for
 * voxel; the page's method choice, its map and key): the central 80³ of each map at the same 1 Å
 * voxels. The soft mask (voxels 29…99 on each axis) and the four labelled domains (37…91) lie
 * inside it with solvent all round, and RELION's 10 Å sampling (4 voxels to a third of the box)
 * and MonoRes both run on it, at about a quarter of the 128³ box's cost. Not a test file itself.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { SHARED_REFERENCE } from './shared-data.js';

/** The files of synth_halves128 a half-map run reads. */
export const HALVES_FILES = ['half1.mrc.gz', 'half2.mrc.gz', 'soft_mask.mrc.gz', 'truth_labels.mrc.gz'] as const;

/** Edge of the cropped box in voxels (1 Å each). */
export const HALVES_CROP_BOX = 80;

/**
 * Write the central {@link HALVES_CROP_BOX}³ of synth_halves128's half maps, soft mask and labels
 * into `folder` under their own names (gzipped MRC, float32, origin 0, 1 Å voxels).
 * @param folder made when missing
 */
export async function writeCroppedHalves(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  const n = HALVES_CROP_BOX;
  for (const name of HALVES_FILES) {
    const { volume } = await readMrc(join(SHARED_REFERENCE, 'synth_halves128', name));
    const [nx, ny, nz] = volume.shape;
    const [ox, oy, oz] = [(nx - n) >> 1, (ny - n) >> 1, (nz - n) >> 1];
    const data = new Float32Array(n * n * n);
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) {
      const from = ((z + oz) * ny + (y + oy)) * nx + ox;
      data.set(volume.data.subarray(from, from + n), (z * n + y) * n);
    }
    await writeMrc(join(folder, name), { data, shape: [n, n, n], voxelSizeA: volume.voxelSizeA });
  }
}
