/**
 * Refuse a job that cannot fit in memory before anything large is read or allocated, with one
 * line that names the file and the figures (instead of the kernel killing the process part-way).
 */
import { peekMapGrid } from './nyquist-check.js';
import { availableMemoryBytes } from '../core/available-memory.js';
import type { Shape3 } from '../core/volume.js';

/**
 * Peak memory of the default local FSC (`occupy locres` without `--relion` or `--method`), as
 * bytes per voxel of one half map's box plus a fixed part. Measured with GNU time's peak RSS on
 * the bench's half-map phantom (mask 2.8 %, `bench/large-box.ts`, 2026-12-02): 256³ 0.93 GB,
 * 384³ 2.79 GB, 512³ 6.08 GB, i.e. 38 / 44 / 43 bytes per voxel above 0.3 GB (the two half maps,
 * the mask, the transform that finds empty shells, three result maps and the copies made while
 * writing are whole-box arrays, and V8 frees those of earlier steps only at its next collection).
 * Not measured for `--relion` or `--method monores`, which are not checked.
 */
export const LOCAL_FSC_MEMORY = { bytesPerVoxel: 44, fixedBytes: 300e6 } as const;

/** Estimated peak memory of the default local FSC on a box, bytes ({@link LOCAL_FSC_MEMORY}). */
export function localFscMemoryBytes(shape: Shape3): number {
  return LOCAL_FSC_MEMORY.fixedBytes + LOCAL_FSC_MEMORY.bytesPerVoxel * shape[0] * shape[1] * shape[2];
}

/**
 * Check, from the half map's header alone, that the default local FSC fits in the memory
 * available.
 * @param half1Path first half map (its header is read, not its voxels)
 * @param availableBytes memory available (default {@link availableMemoryBytes})
 * @param angpix `--angpix`, replacing the header's voxel size (as the job's read does)
 * @throws Error `not enough memory for local resolution on '<path>' …` naming the box, the
 *   estimate and what is available, when the estimate exceeds it (a file that cannot be opened or
 *   parsed passes: the full read reports it)
 */
export async function checkLocalFscMemory(half1Path: string, availableBytes: number = availableMemoryBytes(), angpix?: number): Promise<void> {
  await refuseWhenShort(half1Path, 'local resolution', 'half maps', localFscMemoryBytes, `${LOCAL_FSC_MEMORY.bytesPerVoxel} bytes per voxel + ${(LOCAL_FSC_MEMORY.fixedBytes / 1e9).toFixed(1)} GB, measured`, availableBytes, angpix);
}

/**
 * Peak memory of `occupy decompose` at the default `--max-box` (256; the analysis runs on a
 * Fourier crop of at most 256³, so the map's own box sets the rest), bytes per voxel of the map's
 * box plus a fixed part. Measured with GNU time's peak RSS on bench/decompose-speed.ts's phantom
 * and that phantom Fourier-padded to 384³ and 512³ (session 33): one map 0.88 / 1.73 / 3.33 GB at
 * 256³ / 384³ / 512³; half maps 1.13 / 2.04 / 4.46 GB; half maps with `--sharpen` 1.34 / 4.30 /
 * 8.63 GB (the sharpened map is filtered band by band on the whole box; V8 frees the arrays of
 * earlier steps only at its next collection, so the peak grows faster than the box).
 * Not measured with a larger `--max-box` or with `--noise-draws`.
 */
export const DECOMPOSE_MEMORY = { oneMapBytesPerVoxel: 22, halfMapsBytesPerVoxel: 31, sharpenBytesPerVoxel: 40, fixedBytes: 650e6 } as const;

/** Estimated peak memory of `occupy decompose` on a box, bytes ({@link DECOMPOSE_MEMORY}). */
export function decomposeMemoryBytes(shape: Shape3, o: { halfMaps?: boolean; sharpen?: boolean } = {}): number {
  return DECOMPOSE_MEMORY.fixedBytes + decomposeBytesPerVoxel(o) * shape[0] * shape[1] * shape[2];
}

function decomposeBytesPerVoxel(o: { halfMaps?: boolean; sharpen?: boolean }): number {
  return (o.halfMaps ? DECOMPOSE_MEMORY.halfMapsBytesPerVoxel : DECOMPOSE_MEMORY.oneMapBytesPerVoxel) + (o.sharpen ? DECOMPOSE_MEMORY.sharpenBytesPerVoxel : 0);
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
  const how = `${decomposeBytesPerVoxel(o)} bytes per voxel${o.halfMaps ? ' with half maps' : ''}${o.sharpen ? ' and --sharpen' : ''} + ${(DECOMPOSE_MEMORY.fixedBytes / 1e9).toFixed(2)} GB, measured`;
  await refuseWhenShort(mapPath, 'decompose', 'map', (shape) => decomposeMemoryBytes(shape, o), how, availableBytes, angpix);
}

/** The shared check: the header's box, the estimate, one line when it does not fit. */
async function refuseWhenShort(path: string, job: string, what: string, need: (shape: Shape3) => number, how: string, availableBytes: number, angpix?: number): Promise<void> {
  const grid = await peekMapGrid(path, angpix); // the header's box (its voxel size must be valid unless --angpix replaces it)
  if (!grid) return; // a missing or malformed file is reported by the full read, in its own words
  const { shape } = grid;
  const bytes = need(shape);
  if (bytes > availableBytes) {
    const gb = (b: number) => (b / 1e9).toFixed(1);
    throw new Error(
      `not enough memory for ${job} on '${path}' (${shape.join('x')} voxels): it needs about ${gb(bytes)} GB (${how}) and ${gb(availableBytes)} GB are available; bin or crop the ${what} first (occupy pixel-size resample … --angpix A --box N) or use a larger machine`,
    );
  }
}
