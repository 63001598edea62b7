import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { refuseInputs, withOutputSet, type OutputSet, type OutputWriter } from '../../core/output-set.js';
import { assertVolume, type Volume } from '../../core/volume.js';
import { canonicalToFile, fileBox, isAxisPermutation, type AxisOrder } from './axis-order.js';
import {
  encodeMrcHeader,
  machineStamp,
  MRC2014_NVERSION,
  MRC_LABEL_COUNT,
  MRC_LABEL_LENGTH,
  type HeaderTriple,
  type MrcHeader,
} from './header.js';
import { viewChunkBytes } from './layout.js';
import { decodeVoxelsInto, encodeVoxels, HOST_LITTLE_ENDIAN, isSupportedMode, type MrcMode } from './modes.js';

/** Options of {@link encodeMrc}. */
export interface MrcEncodeOptions {
  /**
   * Header to take the axis order (`mapc/mapr/maps`), `nxstart/nystart/nzstart`, `origin`,
   * `ispg`, `cellb` and (when `labels` is not given) the labels from. Box, cell, sampling,
   * mode, statistics and byte order are never taken from it.
   */
  template?: MrcHeader;
  /** Data mode to write: 0 int8, 1 int16, 2 float32 (default), 6 uint16, 12 float16. */
  mode?: MrcMode;
  /** Byte order to write (default true: little-endian). */
  littleEndian?: boolean;
  /** Text labels (at most 10 kept, each cut to 80 characters); default: the template's, else none. */
  labels?: string[];
}

/** Options of {@link writeMrc}. */
export interface MrcWriteOptions extends MrcEncodeOptions {
  /**
   * Files that must not be overwritten (typically the input maps); compared as files (device and
   * inode after following links), not as path strings.
   */
  protect?: string[];
  /** Stage the file in this output set (committed by the caller) instead of committing it alone. */
  outputs?: OutputSet;
}

/** Summary statistics of the stored values (float64 accumulation, non-finite values skipped). */
interface Stats {
  min: number;
  max: number;
  mean: number;
  /** Standard deviation about the mean (population, divide by N). */
  std: number;
}

/** Two-pass min/max/mean/std over the finite values of `v`. */
function statistics(v: Float32Array): Stats {
  // Fast path: branch-free min/max and sums shifted by the first value k (Σ(x−k), Σ(x−k)², exact
  // enough in float64 for float32 data). A non-finite voxel makes the sums non-finite; then the
  // careful path below skips such voxels.
  const n = v.length;
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0 };
  const k = v[0];
  let min = k;
  let max = k;
  // two interleaved pairs of sums shorten the float64 add chains (about 2× faster)
  let s1a = 0;
  let s2a = 0;
  let s1b = 0;
  let s2b = 0;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) {
    const x = v[i];
    const y = v[i + 1];
    min = Math.min(min, x, y);
    max = Math.max(max, x, y);
    const d = x - k;
    const e = y - k;
    s1a += d;
    s2a += d * d;
    s1b += e;
    s2b += e * e;
  }
  if (even < n) {
    const d = v[even] - k;
    min = Math.min(min, v[even]);
    max = Math.max(max, v[even]);
    s1a += d;
    s2a += d * d;
  }
  const s1 = s1a + s1b;
  const s2 = s2a + s2b;
  if (Number.isFinite(s2) && Number.isFinite(min) && Number.isFinite(max)) {
    const m1 = s1 / n;
    return { min, max, mean: k + m1, std: Math.sqrt(Math.max(0, s2 / n - m1 * m1)) };
  }
  return finiteStatistics(v);
}

/** Statistics over the finite values only (slow path of {@link statistics}). */
function finiteStatistics(v: Float32Array): Stats {
  let min = Infinity;
  let max = -Infinity;
  let k = Number.NaN;
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x - x !== 0) continue;
    if (n === 0) k = x;
    if (x < min) min = x;
    if (x > max) max = x;
    const d = x - k;
    s1 += d;
    s2 += d * d;
    n++;
  }
  if (n === 0) return { min: 0, max: 0, mean: 0, std: 0 };
  const m1 = s1 / n;
  return { min, max, mean: k + m1, std: Math.sqrt(Math.max(0, s2 / n - m1 * m1)) };
}

/**
 * Encode a volume as an MRC2014 file.
 *
 * Output: `nversion` 20140, `'MAP '` tag, machine stamp 44 44 00 00 (little-endian) or
 * 11 11 00 00 (big-endian), `nsymbt` 0, `exttyp` blank. Box and cell come from the volume:
 * mx, my, mz = box along X, Y, Z; cella[i] = box[i] * voxelSizeA[i] (Å); cellb = 90°
 * (or the template's when all positive). dmin/dmax/dmean/rms are computed from the values as
 * stored in the chosen mode (after rounding), with rms the standard deviation about the mean
 * (MRC2014), float64 accumulation, NaN/Inf ignored.
 *
 * With a `template`, its axis order is kept: the data are written with columns along
 * template.mapc, rows along template.mapr and sections along template.maps, so nx, ny, nz are
 * the volume's box along those axes. `nxstart/nystart/nzstart`, `origin` and `ispg` are copied
 * unchanged even when the box differs from the template's (callers that crop or resample adjust
 * them). Without a template: order 1, 2, 3, start 0, origin 0, ispg 1.
 *
 * @param volume `data` length nX*nY*nZ, index (Z*nY + Y)*nX + X, density units; `shape`
 *   `[nX, nY, nZ]`; `voxelSizeA` Å along X, Y, Z; not modified
 * @param options see {@link MrcEncodeOptions}
 * @returns the complete file, 1024 + nX*nY*nZ*bytesPerVoxel bytes
 * @throws TypeError when `volume.data` is not a Float32Array of length nX*nY*nZ
 * @throws RangeError when the shape or voxel size is invalid, the mode is unsupported, or the
 *   template's `mapc/mapr/maps` is not a permutation of 1, 2, 3
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php
 */
export function encodeMrc(volume: Volume, options: MrcEncodeOptions = {}): Uint8Array {
  const { header, body } = encodeMrcParts(volume, options);
  let length = header.length;
  for (const chunk of body) length += chunk.length;
  const out = new Uint8Array(length);
  out.set(header, 0);
  let at = header.length;
  for (const chunk of body) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The parts of an MRC file: the 1024-byte header and the data block as consecutive chunks of at
 * most `mrcViewChunk.bytes` (64 MiB) each, never one array: Node 20 refuses a byte view of more
 * than 4 GiB, so a float32 map of more than 2³⁰ voxels cannot be one Uint8Array. For float32 in
 * the host's byte order and the canonical axis order the chunks are views of `volume.data` (no
 * copy), so writers can stream them.
 * @returns `header` (1024 bytes) and `body`, whose concatenation is the data block
 * @throws as {@link encodeMrc}
 */
export function encodeMrcParts(volume: Volume, options: MrcEncodeOptions = {}): { header: Uint8Array; body: Uint8Array[] } {
  assertVolume(volume);
  const mode = options.mode ?? 2;
  if (!isSupportedMode(mode)) throw new RangeError(`mode must be one of 0, 1, 2, 6, 12, got ${String(mode)}`);
  const littleEndian = options.littleEndian ?? true;
  const template = options.template;

  const order: AxisOrder = template ? [template.mapc, template.mapr, template.maps] : [1, 2, 3];
  if (!isAxisPermutation(order)) {
    throw new RangeError(`template mapc/mapr/maps must be a permutation of 1,2,3, got ${order.join(',')}`);
  }
  const labels = (options.labels ?? template?.labels ?? []).slice(0, MRC_LABEL_COUNT).map((s) => s.slice(0, MRC_LABEL_LENGTH));

  const { shape, voxelSizeA } = volume;
  const fileData = canonicalToFile(volume.data, shape, order);
  const n = fileData.length;
  const perChunk = viewChunkBytes() / 4; // voxels per chunk (at most 4 bytes each)
  const body: Uint8Array[] = [];
  // the values as stored (after rounding to the mode) for the statistics
  const stored = mode === 2 ? fileData : new Float32Array(n);
  for (let start = 0; start < n; start += perChunk) {
    const count = Math.min(perChunk, n - start);
    // float32 in the host's byte order (the usual case) is used as it is, without a copy
    const chunk = mode === 2 && littleEndian === HOST_LITTLE_ENDIAN ? new Uint8Array(fileData.buffer, fileData.byteOffset + 4 * start, 4 * count) : encodeVoxels(fileData.subarray(start, start + count), mode, littleEndian);
    if (mode !== 2) decodeVoxelsInto(chunk, 0, count, mode, littleEndian, stored, start);
    body.push(chunk);
  }
  const stats = statistics(stored);
  const [nx, ny, nz] = fileBox(shape, order);
  const cellb: HeaderTriple = template && template.cellb.every((a) => a > 0) ? [...template.cellb] : [90, 90, 90];

  const header: MrcHeader = {
    nx,
    ny,
    nz,
    mode,
    nxstart: template?.nxstart ?? 0,
    nystart: template?.nystart ?? 0,
    nzstart: template?.nzstart ?? 0,
    mx: shape[0],
    my: shape[1],
    mz: shape[2],
    cella: [shape[0] * voxelSizeA[0], shape[1] * voxelSizeA[1], shape[2] * voxelSizeA[2]],
    cellb,
    mapc: order[0],
    mapr: order[1],
    maps: order[2],
    dmin: stats.min,
    dmax: stats.max,
    dmean: stats.mean,
    ispg: template?.ispg ?? 1,
    nsymbt: 0,
    extra1: new Uint8Array(8),
    exttyp: '',
    nversion: MRC2014_NVERSION,
    extra2: new Uint8Array(84),
    origin: template ? [...template.origin] : [0, 0, 0],
    map: 'MAP ',
    machst: machineStamp(littleEndian),
    rms: stats.std,
    nlabl: labels.length,
    labels,
  };
  return { header: encodeMrcHeader(header, littleEndian), body };
}

/** The bytes of a file, header first, then the data block in its chunks (at most 64 MiB each). */
function* fileChunks(parts: { header: Uint8Array; body: Uint8Array[] }): Generator<Uint8Array> {
  yield parts.header;
  yield* parts.body;
}

/**
 * Write a volume to an MRC2014 file, atomically.
 *
 * The file is encoded with {@link encodeMrcParts} and streamed in chunks (gzip-compressed, also
 * streamed, when `path` ends in `.gz`; any size, including maps over 2 GiB) to a hidden
 * temporary name in the same folder (created when missing). Every write is checked and the data
 * are fsynced; only then is the file renamed onto `path`, so `path` is never left half-written;
 * the temporary file is removed on failure. With `options.outputs` the file is staged in that
 * output set instead and appears only when the set is committed.
 *
 * @param path output file path
 * @param volume canonical volume (see {@link encodeMrc}); not modified
 * @param options see {@link MrcWriteOptions}
 * @throws Error `"refusing to overwrite input '<path>' …"` when `path` names one of
 *   `options.protect` (same file after following links: device and inode); `"cannot write
 *   '<path>': no space left on device"` and other I/O errors in the user's terms
 * @throws TypeError | RangeError for an invalid volume or options (see {@link encodeMrc})
 */
export async function writeMrc(path: string, volume: Volume, options: MrcWriteOptions = {}): Promise<void> {
  const parts = encodeMrcParts(volume, options);
  const gz = path.toLowerCase().endsWith('.gz');
  const fill = async (out: OutputWriter): Promise<void> => {
    if (!gz) {
      for (const chunk of fileChunks(parts)) await out.write(chunk);
      return;
    }
    // a failed write (a full disk) makes the pipeline destroy its streams, and it then rejects
    // with an AbortError ("The operation was aborted") that hides the cause: rethrow the write's
    // own error, which the output set words in the user's terms (no space left on device)
    let writeFailure: { error: unknown } | undefined;
    try {
      await pipeline(
        Readable.from(fileChunks(parts), { objectMode: false }),
        createGzip(),
        async (source: AsyncIterable<Buffer>) => {
          for await (const chunk of source) {
            try {
              await out.write(chunk);
            } catch (err) {
              writeFailure = { error: err };
              throw err;
            }
          }
        },
      );
    } catch (err) {
      throw writeFailure ? writeFailure.error : err;
    }
  };
  if (options.outputs) {
    await refuseInputs(path, options.protect ?? [], 'input map');
    await options.outputs.write(path, fill);
    return;
  }
  await withOutputSet({ protect: options.protect, inputLabel: 'input map' }, (set) => set.write(path, fill));
}
