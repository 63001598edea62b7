/**
 * Resolutions given in Å for a map must not be finer than its Nyquist limit (2 × voxel size):
 * beyond it the map holds no information, so a low-pass there is silently a no-op and a
 * "resolution" there is impossible. The checks read the map's header only, before any work.
 */
import type { Shape3 } from '../core/volume.js';
import { openMrcSections } from '../io/mrc/index.js';
import { checkEstimateBoxOptions, processingBox } from '../occupancy/options.js';
import { defaultLowpassBeyondBox, lowpassBeyondBox } from '../occupancy/kernel.js';
import { OptionError } from '../core/option-error.js';
import { voxelAnisotropy, type CellSampling } from '../core/voxel-size-limits.js';

/**
 * Nyquist limit in Å of a grid: 2 × the largest voxel size (finer frequencies are not sampled
 * along that axis). Same convention as `occupy fsc`'s `nyquistA`.
 * @param voxelSizeA voxel size per axis, Å
 */
export function nyquistA(voxelSizeA: readonly number[]): number {
  return 2 * Math.max(...voxelSizeA);
}

/**
 * The message for a resolution finer than Nyquist, or undefined when `valueA` is at or above it.
 * @param option the option as typed, e.g. `--lowpass`
 * @param valueA its value, Å (undefined: not given, no message)
 * @param voxelSizeA voxel size per axis of the grid the value applies to, Å
 * @param grid what that grid is, for the message (e.g. `the map`, `the processing box 256x256x256 (--max-box 256)`)
 * @param hint extra advice appended to the message
 * @param cell the header's sampling of its cell: when the voxels differ between axes by more than
 *   1 %, the message names that as the cause (a header with mz = 1 for a cell 112 Å deep gives
 *   112 Å voxels along z and a Nyquist limit of 224 Å, which no resolution option can meet)
 */
export function finerThanNyquistError(option: string, valueA: number | undefined, voxelSizeA: readonly number[], grid = 'the map', hint = '', cell?: CellSampling): string | undefined {
  if (valueA === undefined) return undefined;
  const ny = nyquistA(voxelSizeA);
  // 1e-6 relative slack: a value typed as exactly Nyquist (e.g. 2 for 1 Å voxels) is allowed
  if (valueA >= ny * (1 - 1e-6)) return undefined;
  const vox = Math.max(...voxelSizeA);
  const aniso = voxelAnisotropy(voxelSizeA, cell);
  if (aniso) return `${option} ${fmt(valueA)} Å is finer than the Nyquist limit of ${grid} (2 × ${fmt(vox)} Å voxel = ${fmt(ny)} Å) because it has ${aniso}: its coarsest axis sets the limit; check the header (occupy pixel-size set MAP --angpix A gives every axis one voxel size)`;
  return `${option} ${fmt(valueA)} Å is finer than the Nyquist limit of ${grid} (2 × ${fmt(vox)} Å voxel = ${fmt(ny)} Å): give ${fmt(ny)} Å or more${hint}`;
}

/**
 * Throw {@link OptionError} with {@link finerThanNyquistError}'s message when it has one.
 * @throws OptionError naming the option (`.option` = the flag without dashes), its value and the Nyquist limit
 */
export function checkNotFinerThanNyquist(option: string, valueA: number | undefined, voxelSizeA: readonly number[], grid?: string, hint?: string, cell?: CellSampling): void {
  const error = finerThanNyquistError(option, valueA, voxelSizeA, grid, hint, cell);
  if (error) throw new OptionError(error, option.replace(/^.*--/, ''), `${fmt(nyquistA(voxelSizeA))} Å or more (the Nyquist limit)`, { flag: option.replace(/^.*\//, ''), value: valueA });
}

/**
 * Throw when a low-pass in Å is coarser than the box along every edge ({@link lowpassBeyondBox},
 * the one rule for a typed and the default low-pass: the longest edge, as a slab keeps contrast
 * along its other edges): no frequency of the box but its mean is within it (before session 50 the
 * estimate then stopped at "histogram: all … values equal 0; the map has no contrast", which named
 * neither the option nor the box; before session 52 a typed value was held to the shortest edge).
 * @param option the option as typed, e.g. `--lowpass`
 * @param valueA its value, Å (undefined: not given)
 * @param shape the box, voxels
 * @param voxelSizeA voxel size per axis, Å
 * @throws OptionError naming the option, its value and the box's longest extent
 */
export function checkNotCoarserThanBox(option: string, valueA: number | undefined, shape: readonly number[], voxelSizeA: readonly number[]): void {
  if (valueA === undefined) return;
  const longestA = lowpassBeyondBox(valueA, shape, voxelSizeA);
  if (longestA === undefined) return;
  throw new OptionError(`${option} ${fmt(valueA)} Å is coarser than the box (${fmt(longestA)} Å along its longest edge, ${shape.join('x')} voxels): no frequency of the box but its mean is within it; give ${fmt(longestA)} Å or less`, option.replace(/^.*--/, ''), `at most ${fmt(longestA)} Å (the box's longest extent)`, { flag: option.replace(/^.*\//, ''), value: valueA });
}

/**
 * Throw when the estimate's default low-pass (`defaultLowpassA`: max(8 Å, 3 × voxel size),
 * taken when neither `--lowpass` nor `-r` is given) is beyond the box: {@link checkNotCoarserThanBox}'s
 * rule ({@link lowpassBeyondBox}) for the value nobody typed. Before session 51 a 7³ map at 1 Å (7 Å
 * across, default 8 Å) stopped at "histogram: all 179 values equal 0.00354487; the map has no
 * contrast", which named neither the box nor the low-pass.
 * @param path the map, as the user gave it (named in the message)
 * @param shape its box, voxels
 * @param voxelSizeA its voxel size per axis, Å
 * @param procVoxelA the processing box's voxel size per axis (the default low-pass follows it), Å
 * @throws RangeError naming the file, its box and extent, and the default low-pass
 */
export function checkDefaultLowpassFitsBox(path: string, shape: readonly number[], voxelSizeA: readonly number[], procVoxelA: readonly number[]): void {
  const beyond = defaultLowpassBeyondBox(shape, voxelSizeA, procVoxelA);
  if (!beyond) return;
  const { lowpassA, longestA } = beyond;
  // a typed --lowpass must fit the longest edge too, and lie at or above Nyquist
  const advice = longestA >= nyquistA(procVoxelA) * (1 - 1e-6) ? `give --lowpass ${fmt(longestA)} Å or less, or a map in a larger box` : 'no low-pass fits a box under 2 voxels along every edge: give a map in a larger box';
  throw new RangeError(`'${path}' spans at most ${fmt(longestA)} Å along an edge (box ${shape.join('x')} voxels), less than the default low-pass of ${fmt(lowpassA)} Å (max(8 Å, 3 × voxel size)): no frequency of the box but its mean is within it; ${advice}`);
}

/** Up to 3 decimals, no trailing zeros (2, 2.5, 0.833). */
function fmt(v: number): string {
  return String(Number(v.toFixed(3)));
}

/**
 * Box and voxel size of a map from its header (no voxel is read), with `angpix` replacing the
 * header's voxel size when given, and the header's sampling of its cell (for messages).
 * @returns undefined when the header cannot be read (the reader reports the problem later)
 */
export async function peekMapGrid(path: string, angpix?: number): Promise<{ shape: Shape3; voxelSizeA: [number, number, number]; cell: CellSampling } | undefined> {
  try {
    const r = await openMrcSections(path, { permissive: true });
    await r.close();
    const voxelSizeA: [number, number, number] = angpix !== undefined ? [angpix, angpix, angpix] : [r.voxelSizeA[0], r.voxelSizeA[1], r.voxelSizeA[2]];
    if (!voxelSizeA.every((v) => v > 0 && Number.isFinite(v))) return undefined;
    const h = r.header;
    return { shape: r.shape, voxelSizeA, cell: { sampling: [h.mx, h.my, h.mz], cellA: [h.cella[0], h.cella[1], h.cella[2]], box: [...r.shape] } };
  } catch {
    return undefined;
  }
}

/** The estimate's options given in Å. */
export interface EstimateResolutionOptions {
  /** `--lowpass`, applied in the processing box. */
  lowpass?: number;
  /** `-r/--resolution` (the low-pass when `--lowpass` is not given). */
  resolution?: number;
  /** `--lowpass-output`, applied to the modified maps on the input's box. */
  lowpassOutput?: number;
  /** `--max-box` (the processing box). */
  maxBox?: number;
  /** `--angpix` (replaces the header's voxel size). */
  angpix?: number;
  /** `--kernel-size` in voxels: must fit the processing box ({@link checkEstimateBoxOptions}). */
  kernelSize?: number;
  /** `--tile-size` in voxels: at most the processing box's shortest edge ({@link checkEstimateBoxOptions}). */
  tileSize?: number;
}

/**
 * Check the estimate's box-dependent options from the map's header: `--kernel-size` and
 * `--tile-size` against the processing box (`checkEstimateBoxOptions`, the option schema's
 * message); the resolutions against Nyquist: `--lowpass` and `-r/--resolution` against the
 * processing box (after `--max-box`; its voxels are larger than the input's when the map was
 * cropped in Fourier space), `--lowpass-output` against the input's box; the low-pass (given or
 * the default) against the box's extent.
 * @param path the input map (only its header is read)
 * @throws OptionError naming the first option that does not fit the processing box, is finer than
 *   its Nyquist limit or coarser than the box; RangeError naming the file when the default
 *   low-pass is coarser than the box
 */
export async function checkEstimateResolutions(path: string, o: EstimateResolutionOptions): Promise<void> {
  const grid = await peekMapGrid(path, o.angpix);
  if (!grid) return;
  // the box-dependent sizes first, as the CLI's option schema checks them (one message for the
  // CLI, the batch and the GUI server: the batch had failed a map with "--tile-size 100000 is
  // larger than the box (20 voxels)" from the tiling, the GUI had started the job to fail there)
  checkEstimateBoxOptions({ maxBox: o.maxBox, kernelSize: o.kernelSize, tileSize: o.tileSize }, grid.shape);
  const proc = processingBox(grid.shape, o.maxBox ?? 256);
  const procVoxel = grid.voxelSizeA.map((a, i) => (a * grid.shape[i]) / proc[i]);
  const cropped = proc.some((n, i) => n !== grid.shape[i]);
  const where = cropped ? `the processing box ${proc.join('x')} (--max-box ${o.maxBox})` : 'the map';
  const hint = cropped ? ', or process at full size with --max-box 0' : '';
  checkNotFinerThanNyquist('--lowpass', o.lowpass, procVoxel, where, hint);
  checkNotFinerThanNyquist('-r/--resolution', o.resolution, procVoxel, where, hint);
  checkNotCoarserThanBox('--lowpass', o.lowpass, grid.shape, grid.voxelSizeA);
  checkNotCoarserThanBox('-r/--resolution', o.resolution, grid.shape, grid.voxelSizeA);
  if (o.lowpass === undefined && o.resolution === undefined) checkDefaultLowpassFitsBox(path, grid.shape, grid.voxelSizeA, procVoxel);
  checkNotFinerThanNyquist('--lowpass-output', o.lowpassOutput, grid.voxelSizeA, 'the map');
}
