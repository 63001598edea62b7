import { open, readFile, type FileHandle } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { Vec3, Volume } from '../../core/volume.js';
import { fileToCanonical, isAxisPermutation, type AxisOrder } from './axis-order.js';
import { MrcFormatError } from './errors.js';
import { simdRange } from '../../math/voxel-kernels.js';
import { detectByteOrder, MRC_HEADER_BYTES, parseMrcHeader, type MrcHeader } from './header.js';
import { assertSupportedMode, bytesPerVoxel, decodeVoxels, HOST_LITTLE_ENDIAN, type MrcMode } from './modes.js';

/** Options of {@link readMrcBuffer} and {@link readMrc}. */
export interface MrcReadOptions {
  /**
   * Accept common header defects instead of throwing (default false): missing `'MAP '` tag in an
   * MRC2014 file, `mapc/mapr/maps` not a permutation (assumed 1, 2, 3), zero or non-finite cell
   * lengths (voxel size 1 Å on that axis), trailing bytes after the data block.
   */
  permissive?: boolean;
  /** Accept NaN/±Infinity voxels instead of throwing (default false). */
  allowNonFinite?: boolean;
  /** File name used as a prefix of error messages (`readMrc` passes the path). */
  name?: string;
  /**
   * Read float32 voxels into SharedArrayBuffer-backed memory, so that worker threads can use them
   * without a copy (`readMrc` only, for uncompressed float32 files in the host's byte order and
   * axis order 1, 2, 3; other files are returned as usual).
   */
  shared?: boolean;
}

/** A map read from an MRC/CCP4 file. */
export interface MrcMap {
  /**
   * Voxels in canonical order: `data` length nX*nY*nZ, index (Z*nY + Y)*nX + X with X, Y, Z the
   * physical axes (the file's `mapc/mapr/maps` order undone); `shape` `[nX, nY, nZ]`;
   * `voxelSizeA[i]` = cella[i] / m[i] in Å along X, Y, Z.
   */
  volume: Volume;
  /** The header exactly as stored in the file (statistics not recomputed; nx/ny/nz in file order). */
  header: MrcHeader;
}

/** True when the bytes start with the gzip magic number 1f 8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** First `nversion` value of MRC2014 and the (exclusive) bound of plausible later versions. */
const NVERSION_MRC2014 = 20140;
const NVERSION_LIMIT = 30000;

/** Where the voxels of a validated header are, and how to decode them. */
interface DataLayout {
  header: MrcHeader;
  mode: MrcMode;
  littleEndian: boolean;
  order: AxisOrder;
  /** Byte offset of the first voxel (after the header and the extended header). */
  dataOffset: number;
  /** Number of voxels, nx*ny*nz. */
  count: number;
}

/**
 * Validate the header (the first 1024 bytes; `fileLength` is the whole uncompressed file's size)
 * and locate the data block. Throws MrcFormatError without the file-name prefix.
 */
function parseLayout(bytes: Uint8Array, fileLength: number, options: MrcReadOptions): DataLayout {
  const permissive = options.permissive === true;
  if (fileLength < MRC_HEADER_BYTES || bytes.length < MRC_HEADER_BYTES) {
    throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${fileLength}`);
  }
  const { littleEndian } = detectByteOrder(bytes);
  const header = parseMrcHeader(bytes, littleEndian);

  const mode = assertSupportedMode(header.mode);
  const { nx, ny, nz } = header;
  if (!(nx > 0 && ny > 0 && nz > 0)) {
    throw new MrcFormatError(`box dimensions must be positive: found nx=${nx}, ny=${ny}, nz=${nz}`);
  }
  const isMrc2014 = header.nversion >= NVERSION_MRC2014 && header.nversion < NVERSION_LIMIT;
  if (header.map !== 'MAP ' && isMrc2014 && !permissive) {
    throw new MrcFormatError(`missing map tag: expected 'MAP ' at byte 208 of an MRC2014 file (nversion ${header.nversion}), found ${JSON.stringify(header.map)}`);
  }

  let order: AxisOrder = [header.mapc, header.mapr, header.maps];
  if (!isAxisPermutation(order)) {
    if (!permissive) {
      throw new MrcFormatError(`mapc/mapr/maps must be a permutation of 1,2,3: found ${order.join(',')}`);
    }
    order = [1, 2, 3];
  }

  if (header.nsymbt < 0) {
    throw new MrcFormatError(`extended header size must be >= 0: found nsymbt=${header.nsymbt}`);
  }
  const dataOffset = MRC_HEADER_BYTES + header.nsymbt;
  const count = nx * ny * nz;
  const expectedData = count * bytesPerVoxel(mode);
  const foundData = Math.max(fileLength - dataOffset, 0);
  if (foundData < expectedData) {
    throw new MrcFormatError(
      `data block truncated: expected ${expectedData} bytes of voxel data (${nx}x${ny}x${nz}, mode ${mode}) after ${dataOffset} header bytes, found ${foundData}`,
    );
  }
  if (foundData > expectedData && !permissive) {
    throw new MrcFormatError(
      `file longer than its header says: expected ${dataOffset + expectedData} bytes (${nx}x${ny}x${nz}, mode ${mode}), found ${fileLength}`,
    );
  }
  return { header, mode, littleEndian, order, dataOffset, count };
}

/** Whether every value is finite: the SIMD range propagates NaN and keeps ±Infinity. */
function allFinite(v: Float32Array): boolean {
  if (v.length === 0) return true;
  const { min, max } = simdRange(v);
  return Number.isFinite(min) && Number.isFinite(max);
}

/** Check the voxels, undo the axis order and compute the voxel size. */
function finish(layout: DataLayout, fileData: Float32Array, options: MrcReadOptions): MrcMap {
  const { header, mode, order, count } = layout;
  if (options.allowNonFinite !== true && (mode === 2 || mode === 12) && !allFinite(fileData)) {
    let bad = 0;
    for (let i = 0; i < count; i++) {
      const v = fileData[i];
      if (v - v !== 0) bad++; // NaN or ±Infinity
    }
    throw new MrcFormatError(`map contains ${bad} NaN/Inf voxels: expected finite values (pass allowNonFinite to accept)`);
  }

  const { data, shape } = fileToCanonical(fileData, [header.nx, header.ny, header.nz], order);
  const sampling = [header.mx, header.my, header.mz];
  const voxelSizeA: Vec3 = [1, 1, 1];
  for (let a = 0; a < 3; a++) {
    const m = sampling[a] > 0 ? sampling[a] : shape[a];
    const cell = header.cella[a];
    if (!(cell > 0 && Number.isFinite(cell))) {
      if (options.permissive !== true) {
        throw new MrcFormatError(`cell dimensions are zero or invalid: expected cella > 0 Å on every axis, found ${header.cella.join(', ')}`);
      }
      continue;
    }
    voxelSizeA[a] = cell / m;
  }
  return { volume: { data, shape, voxelSizeA }, header };
}

/** Inflate gzip input when needed. */
function inflate(input: Uint8Array): Uint8Array {
  if (!isGzip(input)) return input;
  try {
    return gunzipSync(input);
  } catch (err) {
    throw new MrcFormatError(`gzip data is corrupt: expected a complete gzip stream, found ${(err as Error).message}`, { cause: err });
  }
}

/** Read and validate; throws MrcFormatError without the file-name prefix. */
function parse(input: Uint8Array, options: MrcReadOptions): MrcMap {
  const bytes = inflate(input);
  const layout = parseLayout(bytes, bytes.length, options);
  return finish(layout, decodeVoxels(bytes, layout.dataOffset, layout.count, layout.mode, layout.littleEndian), options);
}

/** The error to throw: MrcFormatError messages get the file name as a prefix. */
function withName(name: string | undefined, err: unknown): unknown {
  return err instanceof MrcFormatError && name ? new MrcFormatError(`${name}: ${err.message}`, { cause: err }) : err;
}

/** Run `fn`, prefixing its MrcFormatError messages with the file name. */
function named<T>(name: string | undefined, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw withName(name, err);
  }
}

/** {@link named} for asynchronous work. */
async function namedAsync<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw withName(name, err);
  }
}

/** Read exactly `length` bytes at `position` into `target` (short reads are continued). */
async function readFully(fh: FileHandle, target: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await fh.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new MrcFormatError(`data block truncated: the file ended after ${position + done} bytes`);
    done += bytesRead;
  }
}

/**
 * Read an MRC/CCP4 map (MRC2014) from bytes.
 *
 * Gzip-compressed input is detected by its magic bytes (1f 8b) and inflated. The byte order
 * comes from the machine stamp (44 41 / 44 44 little, 11 11 big), or, when the stamp is
 * absent or contradicts the header, from whichever order gives a known mode and a plausible
 * box. The `nsymbt` extended-header bytes are skipped. The file's axis order is undone: its
 * columns run along axis `mapc`, rows along `mapr`, sections along `maps` (1 = X, 2 = Y, 3 = Z);
 * the returned data are X-fastest with shape `[nX, nY, nZ]`. Voxel size along X, Y, Z is
 * cella[i] / m[i] (Å) with m = (mx, my, mz), or the box along that axis when m[i] is 0.
 *
 * Supported modes: 0 (int8), 1 (int16), 2 (float32), 6 (uint16), 12 (float16); all are
 * returned as float32.
 *
 * @param bytes whole file contents (optionally gzip-compressed); not modified
 * @param options see {@link MrcReadOptions}
 * @returns canonical volume and the header as stored
 * @throws MrcFormatError (message prefixed with `options.name` when given) when: the file is
 *   shorter than 1024 bytes; the byte order cannot be found; the mode is not supported; a box
 *   dimension is not positive; and, unless `permissive`, the 'MAP ' tag is missing in an MRC2014
 *   file, `mapc/mapr/maps` is not a permutation of 1,2,3, a cell length is zero, or the file is
 *   longer than the data block; the data block is truncated; the gzip stream is corrupt; the
 *   map has NaN/Inf voxels (unless `allowNonFinite`)
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php
 */
export function readMrcBuffer(bytes: Uint8Array, options: MrcReadOptions = {}): MrcMap {
  return named(options.name, () => parse(bytes, options));
}

/**
 * Read an MRC/CCP4 map file (`.mrc`, `.map`, `.ccp4`, optionally gzip-compressed, e.g. `.map.gz`).
 *
 * Same result and validation as {@link readMrcBuffer}; error messages are prefixed with the path.
 *
 * @param path file path
 * @param options see {@link MrcReadOptions}; `name` defaults to `path`
 * @throws Error `"cannot read map '<path>': no such file"` when the file does not exist, or
 *   `"cannot read map '<path>': <reason>"` for other I/O failures
 * @throws MrcFormatError when the file is not a valid map (see {@link readMrcBuffer})
 */
export async function readMrc(path: string, options: MrcReadOptions = {}): Promise<MrcMap> {
  const name = options.name ?? path;
  const ioError = (err: unknown): Error => {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    return new Error(`cannot read map '${path}': ${reason}`, { cause: err });
  };
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw ioError(err);
  }
  try {
    let size: number;
    const head = new Uint8Array(MRC_HEADER_BYTES);
    let headBytes: number;
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      size = st.size;
      headBytes = (await fh.read(head, 0, head.length, 0)).bytesRead;
    } catch (err) {
      throw ioError(err);
    }
    if (isGzip(head.subarray(0, headBytes)) || !Number.isSafeInteger(size) || size < MRC_HEADER_BYTES) {
      // compressed (or odd) files: the whole file through the in-memory parser
      let bytes: Uint8Array;
      try {
        bytes = await readFile(fh);
      } catch (err) {
        throw ioError(err);
      }
      return readMrcBuffer(bytes, { ...options, name });
    }
    // Uncompressed: validate the header, then read the voxels straight into their final array
    // (float32 in the host's byte order) or into one buffer to decode, without a whole-file copy.
    const layout = named(name, () => parseLayout(head, size, options));
    const { mode, littleEndian, count, dataOffset } = layout;
    const bytesLength = count * bytesPerVoxel(mode);
    let fileData: Float32Array;
    if (mode === 2 && littleEndian === HOST_LITTLE_ENDIAN) {
      fileData = options.shared ? new Float32Array(new SharedArrayBuffer(4 * count)) : new Float32Array(count);
      await namedAsync(name, () => readFully(fh, new Uint8Array(fileData.buffer), dataOffset));
    } else {
      const block = new Uint8Array(bytesLength);
      await namedAsync(name, () => readFully(fh, block, dataOffset));
      fileData = decodeVoxels(block, 0, count, mode, littleEndian);
    }
    return named(name, () => finish(layout, fileData, options));
  } finally {
    await fh.close();
  }
}
