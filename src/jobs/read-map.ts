/**
 * Reading a map for a command: a clear error for a missing file, and the `--angpix` override.
 */
import { existsSync } from 'node:fs';
import { readMrc, type MrcMap } from '../io/mrc/index.js';
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
 * @throws Error naming the file when it is missing; MrcFormatError for a broken file
 */
export async function readMapArg(path: string, what: string, angpix?: number, note?: (line: string) => void, shared = false): Promise<MrcMap> {
  if (!existsSync(path)) throw new Error(`cannot read ${what} '${path}': no such file`);
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
