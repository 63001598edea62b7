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
  const grid = await peekMapGrid(half1Path, angpix); // the header's box (its voxel size must be valid unless --angpix replaces it)
  if (!grid) return; // a missing or malformed file is reported by the full read, in its own words
  const { shape } = grid;
  const need = localFscMemoryBytes(shape);
  if (need > availableBytes) {
    const gb = (b: number) => (b / 1e9).toFixed(1);
    throw new Error(
      `not enough memory for local resolution on '${half1Path}' (${shape.join('x')} voxels): it needs about ${gb(need)} GB (${LOCAL_FSC_MEMORY.bytesPerVoxel} bytes per voxel + ${gb(LOCAL_FSC_MEMORY.fixedBytes)} GB, measured) and ${gb(availableBytes)} GB are available; bin or crop the half maps first (occupy pixel-size resample … --angpix A --box N) or use a larger machine`,
    );
  }
}
