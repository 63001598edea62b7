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

/**
 * What a labels table leaves out without a word, as warning lines (empty when nothing): negative
 * values (read as no label; a tool's −1 for "unassigned", or a label the user meant) and labels
 * > 0 of the map with no row in the table (no voxel where the command reports: inside the mask).
 * Before session 54 a label −2 covering a whole domain, or a label wholly outside the mask, was
 * dropped from `occupy locres`'s table silently.
 * @param data the labels map's values (integers; `labelMapProblem` passed), any layout
 * @param reported the labels that have a row in the table
 * @param path the labels map as the user named it
 * @param where where the table counts voxels, e.g. `inside the mask`
 * @returns e.g. `--labels map 'l.mrc' holds negative values (11159 voxels, e.g. -2): they are read as no label (labels are integers > 0, 0 for none)`
 */
export function labelTableOmissions(data: ArrayLike<number>, reported: readonly number[], path: string, where: string): string[] {
  const shown = new Set(reported);
  let negative = 0;
  let firstNegative = 0;
  const missing = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const l = Math.round(data[i]);
    if (l < 0) {
      if (negative === 0) firstNegative = l;
      negative++;
    } else if (l > 0 && !shown.has(l)) missing.set(l, (missing.get(l) ?? 0) + 1);
  }
  const out: string[] = [];
  if (negative > 0) out.push(`--labels map '${path}' holds negative values (${negative} voxels, e.g. ${firstNegative}): they are read as no label (labels are integers > 0, 0 for none)`);
  if (missing.size > 0) {
    const ids = [...missing.keys()].sort((a, b) => a - b);
    const named = ids.slice(0, 10).map((l) => `${l} (${missing.get(l)} voxels)`).join(', ') + (ids.length > 10 ? ` and ${ids.length - 10} more` : '');
    out.push(`--labels map '${path}': label${ids.length > 1 ? 's' : ''} ${named} ha${ids.length > 1 ? 've' : 's'} no voxel ${where}, so ${ids.length > 1 ? 'they are' : 'it is'} not in the table`);
  }
  return out;
}
