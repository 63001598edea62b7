/**
 * The GUI's half-map run: its inputs checked to lie on one grid, from their headers, with the
 * CLI's messages (`checkSameGrid`), by the server before it queues the run and by the worker's
 * run before its first job.
 */
import type { Volume } from '../../core/volume.js';
import { openMrcSections } from '../../io/mrc/index.js';
import { checkSameGrid, type NamedMap } from '../../jobs/read-map.js';
import { HttpError } from './http-util.js';
import { guiReadMessage } from './map-reader.js';

/** The grid of a map file (its header only), as {@link checkSameGrid} takes it. */
async function gridOf(path: string, name: string, field: string): Promise<NamedMap['map']> {
  try {
    const r = await openMrcSections(path, { name });
    await r.close();
    return { volume: { shape: r.shape, voxelSizeA: r.voxelSizeA }, header: r.header };
  } catch (err) {
    throw new HttpError(400, `cannot read '${name}' as a map: ${guiReadMessage((err instanceof Error ? err.message : String(err)).replace(`${name}: `, ''))}`, field);
  }
}

/** A map's grid as its header gives it: box [nx, ny, nz] in voxels, voxel size [x, y, z] in Å. */
export type HalfMapGrid = Pick<Volume, 'shape' | 'voxelSizeA'>;

/**
 * The half-map run's inputs on one grid (headers only: the server checks them before it queues the
 * run, `runHalfMaps` before its first job): a second half, mask or labels map whose box or
 * voxel size differs from the first half's is refused under its field with the CLI's message (`checkSameGrid`: both files named, e.g. "half map 2 'b.mrc' has a
 * box of 56x56x56 voxels, half map 1 'a.mrc' 128x128x128: the maps must be on one grid"), and so
 * is a file that is not a map. An origin that differs is left to the jobs (a warning).
 * @returns the first half's grid, for the checks that need it (`checkHalfMapsLocresGrid`): each
 *   header is read once
 * @throws HttpError 400 with the field (`half1`, `half2`, `mask`, `labels`)
 */
export async function checkHalfMapGrids(paths: Partial<Record<'half1' | 'half2' | 'mask' | 'labels', string>>, names: Partial<Record<'half1' | 'half2' | 'mask' | 'labels', string>>): Promise<HalfMapGrid> {
  const half1 = names.half1 as string;
  const first: NamedMap = { map: await gridOf(paths.half1 as string, half1, 'half1'), path: half1, what: 'half map 1' };
  for (const [key, what] of [['half2', 'half map 2'], ['mask', '--mask map'], ['labels', '--labels map']] as const) {
    const path = paths[key];
    const name = names[key];
    if (path === undefined || name === undefined) continue;
    const other: NamedMap = { map: await gridOf(path, name, key), path: name, what };
    try {
      checkSameGrid(other, first);
    } catch (err) {
      throw err instanceof RangeError ? new HttpError(400, err.message, key) : err;
    }
  }
  return first.map.volume;
}
