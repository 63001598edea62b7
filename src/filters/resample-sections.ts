/**
 * Fourier crop/pad of a map file read section by section: the file is never held whole.
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { fileToCanonical, type MrcSectionReader } from '../io/mrc/index.js';
import { fourierResamplePlanes, type ResampleLowpass } from './fourier-resample.js';

/** Options of {@link resampleSections}. */
export interface ResampleSectionsOptions {
  /** Voxel size of the input along X, Y, Z in Å replacing the header's (e.g. `--angpix`). */
  voxelSizeA?: Vec3;
  /** Allocate the result in a SharedArrayBuffer (files in axis order 1, 2, 3 only; default false). */
  shared?: boolean;
  /**
   * Share the computation with a second thread (default false; see `fourierResamplePlanes`);
   * open the reader with `shared: true` so that its slabs are handed over without a copy.
   */
  threads?: boolean;
  /**
   * Also return the hard low-pass of the result, computed from the crop's own spectrum (see
   * `PlaneResampleOptions.lowpass`); files in axis order 1, 2, 3 only (for others `lowpassed` is
   * absent: the mask is not symmetric in the axes, so it is not computed in the file's order).
   */
  lowpass?: ResampleLowpass;
}

/**
 * {@link fourierResample} of the map `reader` opened, to the physical box `newShape`, computed
 * while the sections are read (see {@link fourierResamplePlanes}). A file in axis order 1, 2, 3
 * gives exactly `fourierResample` of the whole map; a permuted file is resampled in its own order
 * (columns, rows, sections) and the result reordered, which equals it to float32 rounding.
 *
 * Memory: the work block of {@link fourierResample} (`8 * max(n_s, m_s) * m_r * (floor(m_c/2)+1)`
 * bytes in the file's order: 270 MB for 1024³ → 256³, 1.1 GB for 1024³ → 512³), the result
 * (twice, briefly, for a permuted file) and the reader's two slabs; never the input.
 *
 * @param reader a map opened by `openMrcSections`, whose sections have not been iterated yet
 * @param newShape output box `[mX, mY, mZ]` along the physical axes, voxels (positive integers)
 * @param options see {@link ResampleSectionsOptions}
 * @returns the canonical Volume (`data` length mX*mY*mZ, index (z*mY + y)*mX + x; voxel size
 *   `a_i * n_i / m_i` Å), the seconds spent computing (the rest of the wall time was reading) and,
 *   with `options.lowpass` (axis order 1, 2, 3), the low-passed Volume (same layout)
 * @throws MrcFormatError from the reader (NaN/Inf voxels, truncated gzip stream, ...)
 * @throws RangeError / TypeError for an invalid box or voxel size
 * @throws Error when the FFT has not been loaded with `loadFft()`
 */
export async function resampleSections(reader: MrcSectionReader, newShape: Shape3, options: ResampleSectionsOptions = {}): Promise<{ volume: Volume; computeSeconds: number; lowpassed?: Volume }> {
  const { order } = reader;
  const voxelSizeA = options.voxelSizeA ?? reader.voxelSizeA;
  const inFile = <T>(v: readonly T[]): [T, T, T] => [v[order[0] - 1], v[order[1] - 1], v[order[2] - 1]];
  const identity = order[0] === 1 && order[1] === 2 && order[2] === 3;
  const fileOut = inFile(newShape);
  const r = await fourierResamplePlanes(reader.sections(), reader.fileBox, inFile(voxelSizeA), fileOut, { shared: options.shared === true && identity, threads: options.threads === true, lowpass: identity ? options.lowpass : undefined });
  if (identity) return r;
  const physicalVoxel: Vec3 = [1, 1, 1];
  for (let i = 0; i < 3; i++) physicalVoxel[order[i] - 1] = r.volume.voxelSizeA[i];
  const { data, shape } = fileToCanonical(r.volume.data, fileOut, order);
  return { volume: { ...r.volume, data, shape, voxelSizeA: physicalVoxel }, computeSeconds: r.computeSeconds };
}
