/**
 * Refuse a job that cannot fit in memory before anything large is read or allocated, with one
 * line that names the file and the figures (instead of the kernel killing the process part-way):
 * local resolution, decompose and `pixel-size resample`.
 */
import { peekMapGrid } from './nyquist-check.js';
import { availableMemoryBytes } from '../core/available-memory.js';
import type { Shape3 } from '../core/volume.js';
import { pffftCan } from '../math/fft.js';
import { PrunedResampler } from '../filters/fourier-resample.js';

/**
 * Peak memory of the default local FSC (`occupy locres` without `--relion` or `--method`), as
 * bytes per voxel of one half map's box plus a fixed part. Measured with GNU time's peak RSS on
 * the bench's half-map phantom (mask 2.8 %, `bench/large-box.ts`) on 2026-12-03, after the
 * whole-box transforms of boxes >= 256³ became separable passes (`src/math/fft/transforms-3d.ts`):
 * 256³ 0.79 GB, 384³ 2.14 GB, 512³ 4.30 GB (before: 0.93–0.95 / 2.64–2.79 / 5.94–6.08 GB, the
 * FFT module then holding three whole boxes of scratch that it never gives back). The two half
 * maps, the mask, the transform that finds empty shells, three result maps and the copies made
 * while writing are whole-box arrays, and V8 frees those of earlier steps only at its next
 * collection. `--relion` and `--method monores` have their own figures below.
 *
 * Raised in session 50 (sweep at user sizes, phantoms with a 3.0 % mask): 384³ peaked at 2.37 GB
 * (30 B/voxel said 2.15), and boxes whose edges PFFFT cannot transform (not a multiple of 32 made
 * of 2, 3 and 5; kissfft then does them, with more scratch) at about 40 B/voxel: 400³ 3.03 GB, 448³
 * 4.13 GB against 2.37 / 3.15 GB estimated, so a run the check let through could be killed. Now 35
 * B/voxel + 0.40 GB on PFFFT boxes (256³ 0.99, 384³ 2.38, 512³ 5.10 GB against 0.79 / 2.14–2.37 /
 * 4.30 measured) and 42 B/voxel on the others (`otherBoxBytesPerVoxel`: 400³ 3.09, 448³ 4.18 GB).
 */
export const LOCAL_FSC_MEMORY = { bytesPerVoxel: 35, otherBoxBytesPerVoxel: 42, fixedBytes: 400e6 } as const;

/**
 * Peak memory of `occupy locres --relion` (RELION 3.1's `--locres`, default sampling 25 Å), bytes
 * per voxel of one half map's box plus a fixed part. Measured with GNU time's peak RSS (KiB × 1024,
 * GB = 10⁹ bytes) on the bench's half-map phantom with its mask, after each window came to be
 * transformed in the whole box as RELION does (two whole-box spectra more; session 41): 256³
 * 0.89 GB (69 s), 384³ 2.46 GB (275 s, with another job running), 512³ 5.45 GB (536 s). Before,
 * with window-sized Fourier boxes: 0.70 / 1.73 / 3.79 GB (28 bytes per voxel + 0.30 GB).
 */
export const RELION_LOCRES_MEMORY = { bytesPerVoxel: 39, fixedBytes: 240e6 } as const;

/**
 * Peak memory of `occupy locres --method monores` with half maps, bytes per voxel of one half
 * map's box plus a fixed part. Measured with GNU time's peak RSS on the same phantom with its mask
 * (2026-12-03): 256³ 1.12 GB (150 s), 384³ 3.46 GB (1028 s, with another job running); 512³ not
 * measured (it would take about 20 minutes), so the line through the two is extrapolated there
 * (8.1 GB). A one-map run is estimated the same (conservatively).
 */
export const MONORES_MEMORY = { bytesPerVoxel: 59, fixedBytes: 150e6 } as const;

/** Which local-resolution method a memory estimate is for. */
export type LocresMemoryKind = 'localfsc' | 'relion' | 'monores';

/** Each method's figures and how the refusal names it. */
const LOCRES_MEMORY = {
  localfsc: { ...LOCAL_FSC_MEMORY, job: 'local resolution' },
  relion: { ...RELION_LOCRES_MEMORY, job: 'local resolution (--relion)' },
  monores: { ...MONORES_MEMORY, job: 'local resolution (--method monores)' },
} as const;

/**
 * Estimated peak memory of local resolution on a box, bytes: the default local FSC
 * ({@link LOCAL_FSC_MEMORY}), RELION's `--locres` ({@link RELION_LOCRES_MEMORY}) or MonoRes
 * ({@link MONORES_MEMORY}).
 */
export function locresMemoryBytes(shape: Shape3, kind: LocresMemoryKind = 'localfsc'): number {
  return LOCRES_MEMORY[kind].fixedBytes + locresBytesPerVoxel(shape, kind) * shape[0] * shape[1] * shape[2];
}

/** Bytes per voxel of {@link locresMemoryBytes}: the default local FSC's depends on whether PFFFT can transform the box's edges. */
function locresBytesPerVoxel(shape: Shape3, kind: LocresMemoryKind): number {
  if (kind !== 'localfsc') return LOCRES_MEMORY[kind].bytesPerVoxel;
  return shape.every((n) => pffftCan(n, true)) ? LOCAL_FSC_MEMORY.bytesPerVoxel : LOCAL_FSC_MEMORY.otherBoxBytesPerVoxel;
}

/**
 * Check, from the (first half) map's header alone, that local resolution by `kind` fits in the
 * memory available.
 * @param half1Path first half map, or the one map of `--method monores` (its header is read, not its voxels)
 * @param availableBytes memory available (default {@link availableMemoryBytes})
 * @param angpix `--angpix`, replacing the header's voxel size (as the job's read does)
 * @param kind the method (default the local FSC)
 * @param oneMap whether MonoRes runs on one map (the message then says "map", not "half maps")
 * @throws Error `not enough memory for local resolution on '<path>' …` (with `(--relion)` or
 *   `(--method monores)` after "resolution" for those) naming the box, the estimate and what is
 *   available, when the estimate exceeds it (a file that cannot be opened or parsed passes: the
 *   full read reports it)
 */
export async function checkLocresMemory(half1Path: string, availableBytes: number = availableMemoryBytes(), angpix?: number, kind: LocresMemoryKind = 'localfsc', oneMap = false): Promise<void> {
  const m = LOCRES_MEMORY[kind];
  await refuseWhenShort(half1Path, m.job, oneMap ? 'map' : 'half maps', (shape) => locresMemoryBytes(shape, kind), (shape) => `${locresBytesPerVoxel(shape, kind)} bytes per voxel + ${(m.fixedBytes / 1e9).toFixed(2)} GB, measured`, availableBytes, angpix);
}

/**
 * Peak memory of `occupy decompose` at the default `--max-box` (256; the analysis runs on a
 * Fourier crop of at most 256³, so the map's own box sets the rest), bytes per voxel of the map's
 * box plus a fixed part, one map or half maps, and what `--sharpen` adds per voxel. Measured with
 * GNU time's peak RSS on bench/decompose-speed.ts's phantom made at 256³, 384³ and 512³
 * (session 39, after the local B moved to a second, flattened pass; the higher of two runs where
 * two were made): one map 0.75 / 2.04 / 3.54 GB, with `--sharpen` 0.77 / 2.41 / 4.99 GB; half maps
 * 1.12 / 2.70 / 4.67 GB, with `--sharpen` 1.12 / 2.94 / 5.53 GB (session 38, one pass: one map
 * 0.67 / 1.91 / 3.81 GB, with `--sharpen` 0.78 / 2.32 / 4.87; half maps 0.96 / 2.56 / 4.89, with
 * `--sharpen` 0.96 / 2.75 / 5.41). Two runs of one configuration differed by up to 0.2 GB (when
 * the garbage collector runs). The peak grows more slowly than the box from 256³ (not cropped) to
 * 384³ (cropped to 256³), so the line is fitted to 384³ and 512³ (within −5 % / +10 %) and is
 * 1.3–1.5 times the 256³ peaks. Its slope is kept at least 24 bytes per voxel (the 384³–512³
 * peaks alone rise by ~20): at large boxes the map, the occupancy, B and band-count maps (4 bytes
 * per voxel each) and the molecule (1) are all held while the outputs are written, and an
 * under-estimate would let a run start that the system then kills. Not measured with a larger
 * `--max-box` or with `--noise-draws`.
 */
export const DECOMPOSE_MEMORY = {
  oneMap: { bytesPerVoxel: 24, fixedBytes: 600e6 },
  halfMaps: { bytesPerVoxel: 28, fixedBytes: 1000e6 },
  sharpenBytesPerVoxel: 7,
} as const;

/** Estimated peak memory of `occupy decompose` on a box, bytes ({@link DECOMPOSE_MEMORY}). */
export function decomposeMemoryBytes(shape: Shape3, o: { halfMaps?: boolean; sharpen?: boolean } = {}): number {
  const m = decomposeFigures(o);
  return m.fixedBytes + m.bytesPerVoxel * shape[0] * shape[1] * shape[2];
}

/** The figures of {@link DECOMPOSE_MEMORY} for one run: one map or half maps, plus `--sharpen`'s share. */
function decomposeFigures(o: { halfMaps?: boolean; sharpen?: boolean }): { bytesPerVoxel: number; fixedBytes: number } {
  const m = o.halfMaps ? DECOMPOSE_MEMORY.halfMaps : DECOMPOSE_MEMORY.oneMap;
  return { bytesPerVoxel: m.bytesPerVoxel + (o.sharpen ? DECOMPOSE_MEMORY.sharpenBytesPerVoxel : 0), fixedBytes: m.fixedBytes };
}

/**
 * Check, from the map's header alone, that `occupy decompose` fits in the memory available.
 * @param mapPath the map (its header is read, not its voxels)
 * @param o whether half maps are given and `--sharpen` is on (both raise the estimate)
 * @param availableBytes memory available (default {@link availableMemoryBytes})
 * @param angpix `--angpix`, replacing the header's voxel size (as the job's read does)
 * @throws Error `not enough memory for decompose on '<path>' …` naming the box, the estimate and
 *   what is available, when the estimate exceeds it (a file that cannot be opened or parsed
 *   passes: the full read reports it)
 */
export async function checkDecomposeMemory(mapPath: string, o: { halfMaps?: boolean; sharpen?: boolean }, availableBytes: number = availableMemoryBytes(), angpix?: number): Promise<void> {
  const m = decomposeFigures(o);
  const how = `${m.bytesPerVoxel} bytes per voxel${o.halfMaps ? ' with half maps' : ''}${o.sharpen ? ' and --sharpen' : ''} + ${(m.fixedBytes / 1e9).toFixed(2)} GB, measured`;
  await refuseWhenShort(mapPath, 'decompose', 'map', (shape) => decomposeMemoryBytes(shape, o), how, availableBytes, angpix);
}

/**
 * Peak memory of `occupy pixel-size resample`, which reads the map section by section and never
 * holds it whole: the result (4 bytes per voxel of the resampled box), the Fourier crop/pad's work
 * block (the result's half spectrum, `PrunedResampler.blockLength`: 4 bytes per voxel of the
 * resampled box, `n_z/m_z` times that on a Z crop), the `--box` crop or pad (4 bytes per voxel of
 * that box), a second copy of the result for a file in another axis order, and a fixed part (the
 * reader's two slabs, the input read whole for the diagnostics up to 256³, the modules). Measured
 * with GNU time's peak RSS on `synth_occ128` (128³, 1 Å) and maps resampled from it (session 55):
 * 128³ → 256³ / 384³ / 512³ 0.24 / 0.56 / 1.20 GB (8.1–8.2 bytes per voxel of the result and
 * 0.10–0.12 GB more); 272³ → 384³ / 512³ 0.65 / 1.26 GB; 512³ → 128³ / 256³ 0.24 / 0.40 GB
 * (the fixed part 0.19–0.20 GB with the larger input's slabs); 256³ → 128³ 0.21 GB; 128³ → 384³
 * with `--box 448` 0.63 GB, 128³ → 512³ with `--box 400` 1.17 GB; 128³ → 1280³ (0.1 Å) 16.90 GB
 * in 155 s. The estimate is 1.01–1.7 times these: 1.01 at 1280³, 1.11 at 512³, 1.6 at 256³ where
 * the fixed part dominates, 1.7 with `--box 448` (a pad whose zeros the kernel never mapped).
 */
export const RESAMPLE_MEMORY = { resultBytesPerVoxel: 4, boxBytesPerVoxel: 4, fixedBytes: 250e6 } as const;

/** The parts of {@link resampleMemoryBytes}, in bytes. */
export interface ResampleMemoryParts {
  result: number;
  workBlock: number;
  box: number;
  reorder: number;
  fixed: number;
  total: number;
}

/**
 * Estimated peak memory of `occupy pixel-size resample`, bytes ({@link RESAMPLE_MEMORY}).
 * @param inShape the input's box [nx, ny, nz] (voxels)
 * @param outShape the resampled box (voxels)
 * @param box `--box` as a box (voxels), when given
 * @param order the file's axis order (mapc, mapr, maps; default 1, 2, 3): the work block is laid
 *   out in the file's order, and a permuted file's result is reordered (one more copy)
 */
export function resampleMemoryBytes(inShape: Shape3, outShape: Shape3, box?: Shape3, order: readonly [number, number, number] = [1, 2, 3]): ResampleMemoryParts {
  const voxels = (s: Shape3): number => s[0] * s[1] * s[2];
  const inFile = (s: Shape3): Shape3 => [s[order[0] - 1], s[order[1] - 1], s[order[2] - 1]];
  const permuted = order.some((a, i) => a !== i + 1);
  const same = inShape.every((n, i) => n === outShape[i]);
  const result = RESAMPLE_MEMORY.resultBytesPerVoxel * voxels(outShape);
  const workBlock = same ? 0 : 4 * PrunedResampler.blockLength(inFile(inShape), inFile(outShape));
  const boxBytes = box ? RESAMPLE_MEMORY.boxBytesPerVoxel * voxels(box) : 0;
  const reorder = permuted ? result : 0;
  return { result, workBlock, box: boxBytes, reorder, fixed: RESAMPLE_MEMORY.fixedBytes, total: result + workBlock + boxBytes + reorder + RESAMPLE_MEMORY.fixedBytes };
}

/**
 * Check, from the map's header (already opened by the caller), that `occupy pixel-size resample`
 * fits in the memory available.
 * @param path the map as the user gave it (for the message)
 * @param inShape the input's box (voxels)
 * @param outShape the box `--angpix` resamples it to (voxels)
 * @param box `--box` as a box, when given
 * @param order the file's axis order (see {@link resampleMemoryBytes})
 * @param availableBytes memory available (default {@link availableMemoryBytes})
 * @throws Error `not enough memory for pixel-size resample on '<path>' (<box> voxels): it needs
 *   about N GB (…) and M GB are available; choose a coarser --angpix or a smaller --box, or use a
 *   larger machine`, one line, when the estimate exceeds what is available
 */
export function checkResampleMemory(path: string, inShape: Shape3, outShape: Shape3, box?: Shape3, order: readonly [number, number, number] = [1, 2, 3], availableBytes: number = availableMemoryBytes()): void {
  const m = resampleMemoryBytes(inShape, outShape, box, order);
  const gb = (b: number) => (b / 1e9).toFixed(1);
  const how = [
    `the ${outShape.join('x')} result ${gb(m.result)} GB`,
    ...(m.workBlock > 0 ? [`its half spectrum ${gb(m.workBlock)} GB`] : []),
    ...(box ? [`--box ${gb(m.box)} GB`] : []),
    ...(m.reorder > 0 ? [`its reordered copy ${gb(m.reorder)} GB`] : []),
    `${(m.fixed / 1e9).toFixed(2)} GB, measured`,
  ].join(' + ');
  refuseShort(path, 'pixel-size resample', inShape, m.total, how, availableBytes, 'choose a coarser --angpix or a smaller --box, or use a larger machine');
}

/** The shared check: the header's box, the estimate, one line when it does not fit. */
async function refuseWhenShort(path: string, job: string, what: string, need: (shape: Shape3) => number, how: string | ((shape: Shape3) => string), availableBytes: number, angpix?: number): Promise<void> {
  const grid = await peekMapGrid(path, angpix); // the header's box (its voxel size must be valid unless --angpix replaces it)
  if (!grid) return; // a missing or malformed file is reported by the full read, in its own words
  const { shape } = grid;
  refuseShort(path, job, shape, need(shape), typeof how === 'string' ? how : how(shape), availableBytes, `bin or crop the ${what} first (occupy pixel-size resample … --angpix A --box N) or use a larger machine`);
}

/** The one line of every memory check, when `bytes` exceed `availableBytes`. */
function refuseShort(path: string, job: string, shape: Shape3, bytes: number, how: string, availableBytes: number, advice: string): void {
  if (bytes > availableBytes) {
    const gb = (b: number) => (b / 1e9).toFixed(1);
    throw new Error(`not enough memory for ${job} on '${path}' (${shape.join('x')} voxels): it needs about ${gb(bytes)} GB (${how}) and ${gb(availableBytes)} GB are available; ${advice}`);
  }
}
