/**
 * Reading a map for a command: a clear error for a missing file, and the `--angpix` override.
 */
import { statRegularFileSync } from '../core/regular-file.js';
import { readMrc, type MrcHeader, type MrcMap } from '../io/mrc/index.js';
import { headerOriginA } from '../io/mrc/origin.js';
import type { Volume } from '../core/volume.js';
import { formatA, originsDiffer, voxelSizesDiffer } from '../core/grid-match.js';
import type { CellSampling } from '../core/voxel-size-limits.js';
import { labelMapProblem } from '../core/label-map.js';
import { constantHalfMapProblem, emptyMaskProblem } from '../resolution/half-map-checks.js';

/**
 * Read a map named on the command line.
 * @param what how the map is called in messages (e.g. "half map", "--mask map")
 * @param angpix `--angpix`: replaces the header's voxel size on every axis (Å)
 * @param note receives a line saying the voxel size was overridden
 * @param shared voxels in SharedArrayBuffer-backed memory, which a worker thread (the locres
 *   methods' compute thread) then sees without a copy: read so directly when the file allows it,
 *   else copied once here (the unshared array is then garbage)
 * @throws Error `cannot read <what> '<path>': no such file` (or `permission denied`, `it is a
 *   folder, not a file`, … : {@link statRegularFileSync}); MrcFormatError for a broken file
 */
export async function readMapArg(path: string, what: string, angpix?: number, note?: (line: string) => void, shared = false): Promise<MrcMap> {
  // `no such file` only when nothing is there (a file in a folder that cannot be searched is
  // `permission denied`), a folder or a special file in the one wording (src/core/regular-file.ts)
  statRegularFileSync(path, what);
  // with --angpix the header's cell is not needed (a zero cell can be rescued this way)
  const m = await readMrc(path, { ignoreCell: angpix !== undefined, shared });
  if (shared && !(m.volume.data.buffer instanceof SharedArrayBuffer)) {
    const data = new Float32Array(new SharedArrayBuffer(4 * m.volume.data.length));
    data.set(m.volume.data);
    m.volume.data = data;
  }
  if (angpix !== undefined) {
    note?.(`--angpix ${angpix}: voxel size of ${path} set to ${angpix} Å (header: ${m.volume.voxelSizeA.map((a) => a.toFixed(4)).join(', ')} Å)`);
    m.volume.voxelSizeA = [angpix, angpix, angpix];
  }
  return m;
}

/**
 * Read a half map named on the command line and refuse one without contrast (constant, e.g. all
 * zero), which no FSC can compare (`constantHalfMapProblem`).
 * @throws as {@link readMapArg}; RangeError `half map '<path>' is constant (every voxel is 0): …`
 */
export async function readHalfMapArg(path: string, angpix?: number, note?: (line: string) => void): Promise<MrcMap> {
  const m = await readMapArg(path, 'half map', angpix, note, true);
  const problem = constantHalfMapProblem(m.volume.data);
  if (problem) throw new RangeError(`half map '${path}' ${problem}: no resolution can be read from it (give the two unfiltered half reconstructions)`);
  return m;
}

/**
 * Read the `--mask` map of an FSC or a local resolution and refuse one that selects no voxel
 * (`emptyMaskProblem`).
 * @throws as {@link readMapArg}; RangeError `--mask map '<path>' selects no voxel (…)`
 */
export async function readMaskArg(path: string, angpix?: number): Promise<MrcMap> {
  const m = await readMapArg(path, '--mask map', angpix, undefined, true);
  const problem = emptyMaskProblem(m.volume.data);
  if (problem) throw new RangeError(`--mask map '${path}' ${problem}`);
  return m;
}

/**
 * Read the `--labels` map named on the command line and check that it is one (integer labels).
 * @throws as {@link readMapArg}; RangeError naming the file when a value is not an integer
 *   (`labelMapProblem`: a soft mask or a density given as labels)
 */
export async function readLabelsArg(path: string, angpix?: number): Promise<MrcMap> {
  return assertLabelMap(await readMapArg(path, '--labels map', angpix), path);
}

/**
 * Check that a map read for `--labels` is a labels map (integer values; `labelMapProblem`).
 * @returns `m`
 * @throws RangeError `--labels map '<path>' holds non-integer values (…)`
 */
export function assertLabelMap(m: MrcMap, path: string): MrcMap {
  const problem = labelMapProblem(m.volume.data, m.volume.shape);
  if (problem) throw new RangeError(`--labels map '${path}' ${problem}`);
  return m;
}

/**
 * Refuse, before any work, a `--labels` map with no label > 0 where the local resolution is
 * summarised (inside the mask, > 0.5, when there is one): the rule of the per-label table
 * (`labelSummary`, labels rounded to integers). The local-resolution jobs had found it only after
 * their method had run (seconds to minutes), with the same message.
 * @param labels the labels map's voxels, on the grid of `mask` (checked before)
 * @throws RangeError `--labels <path> has no label > 0[ inside the mask]`
 */
export function refuseLabelsWithoutLabel(labels: ArrayLike<number>, path: string, mask?: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) if (Math.round(labels[i]) > 0 && (!mask || mask[i] > 0.5)) return;
  throw new RangeError(`--labels ${path} has no label > 0${mask ? ' inside the mask' : ''}`);
}

/** A map of a command as {@link checkSameGrid} names it: its grid, its path and what it is. */
export interface NamedMap {
  /** The map as read (box and voxel size after `--angpix`; the header gives the origin). */
  map: { volume: Pick<Volume, 'shape' | 'voxelSizeA'>; header: MrcHeader };
  /** The path as the user gave it. */
  path: string;
  /** What it is in messages: `half map 2`, `--mask map`, `--labels map`, `the input map` … */
  what: string;
}

/**
 * Check that a map read for a command lies on the grid of the command's main map: the one check
 * of a second half map, `--mask`, `--labels`, `--solvent-def` and `--target-mask` in every job
 * (the library's `checkSameGrid` in src/api/volume.ts applies the same rule,
 * src/core/grid-match.ts). A different box or a voxel size that differs by more than 0.1 %
 * (`VOXEL_SIZE_MATCH_TOLERANCE`, as half maps are compared) is refused: the maps are used voxel
 * for voxel, so such a map would be read at the wrong places (until session 51 a mask at 1.1 Å on
 * 1.0 Å half maps was used silently by fsc, locres, decompose and the estimate). A different
 * origin (the header's `origin`, or `nxstart/nystart/nzstart` × voxel size) is only warned of:
 * some programs write masks with a zero origin whatever the map's.
 * @param other the map to check (nothing is done when undefined)
 * @param ref the command's main map (the first half map, the input map)
 * @returns one warning line naming the file and both origins (Å) when the origins differ, else undefined
 * @throws RangeError naming the file and both boxes, or both voxel sizes, when they differ
 */
export function checkSameGrid(other: NamedMap | undefined, ref: NamedMap): string | undefined {
  if (!other) return undefined;
  const o = other.map.volume;
  const r = ref.map.volume;
  const named = (m: NamedMap) => `${m.what} '${m.path}'`;
  if (o.shape.some((n, i) => n !== r.shape[i])) {
    throw new RangeError(`${named(other)} has a box of ${o.shape.join('x')} voxels, ${named(ref)} ${r.shape.join('x')}: the maps must be on one grid`);
  }
  if (voxelSizesDiffer(o.voxelSizeA, r.voxelSizeA)) {
    throw new RangeError(`${named(other)} has voxels of ${formatA(o.voxelSizeA)} Å, ${named(ref)} ${formatA(r.voxelSizeA)} Å: the maps must be on one grid (resample it, correct its header with occupy pixel-size set, or give --angpix for all)`);
  }
  const oo = headerOriginA(other.map.header, o.voxelSizeA);
  const ro = headerOriginA(ref.map.header, r.voxelSizeA);
  if (!originsDiffer(oo, ro, r.voxelSizeA)) return undefined;
  return `${named(other)} has its origin at (${formatA(oo)}) Å, ${named(ref)} at (${formatA(ro)}) Å: it is used voxel for voxel on the same box, as if it were at the same place (right for a map written with a zero origin; wrong if it was cut from elsewhere)`;
}

/**
 * A map's file grid as the diagnostics' `anisotropic-voxels` finding names it: the header's
 * sampling of its cell (`mx, my, mz` and `cella`), the box and the voxel size as read, physical
 * axes X, Y, Z.
 * @param header the map's header
 * @param box the box as read, voxels along X, Y, Z
 * @param voxelSizeA the voxel size as read (after `--angpix`), Å
 */
export function headerSampling(header: MrcHeader, box: readonly number[], voxelSizeA: readonly number[]): CellSampling & { voxelSizeA: readonly number[] } {
  return { sampling: [header.mx, header.my, header.mz], cellA: [header.cella[0], header.cella[1], header.cella[2]], box: [...box], voxelSizeA: [...voxelSizeA] };
}
