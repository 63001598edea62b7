import type { FileHandle } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import type { Volume } from '../../core/volume.js';
import { fileToCanonical } from './axis-order.js';
import { MrcFormatError } from './errors.js';
import { simdRange } from '../../math/voxel-kernels.js';
import { MRC_HEADER_BYTES, type MrcHeader } from './header.js';
import { checkLength, openMapFile, parseLayout, readFully, TRAILING_SLACK_BYTES, viewChunkBytes, voxelSizeOf, type DataLayout } from './layout.js';
import { bytesPerVoxel, decodeVoxels, decodeVoxelsInto, HOST_LITTLE_ENDIAN } from './modes.js';

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
  /**
   * The voxel size will be replaced (`--angpix`): a zero or non-finite cell length is not an error
   * (1 Å stands in until it is replaced), so a header with a wrong cell can be rescued (default false).
   */
  ignoreCell?: boolean;
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
    throw new MrcFormatError(`map contains ${bad} NaN/Inf voxels: every voxel must be a finite number (is the map corrupt, or a mask with NaN outside?)`);
  }

  const { data, shape } = fileToCanonical(fileData, [header.nx, header.ny, header.nz], order);
  const voxelSizeA = voxelSizeOf(header, shape, options.permissive === true || options.ignoreCell === true);
  return { volume: { data, shape, voxelSizeA }, header };
}

/**
 * Deflate cannot expand data more than about 1032-fold: a gzip file of `compressed` bytes whose
 * header promises more than this many bytes is truncated (or a bomb), and is refused before
 * any voxel memory is allocated.
 */
function maxInflatedBytes(compressed: number): number {
  return compressed * 1032 + (1 << 20);
}


/** One line for a broken gzip stream. */
function gzipError(err: unknown): MrcFormatError {
  return new MrcFormatError(`gzip data is corrupt: expected a complete gzip stream, found ${(err as Error).message}`, { cause: err });
}

/** Refuse a header that promises more than a gzip file of `compressed` bytes can hold. */
function checkGzipPromise(layout: DataLayout, compressed: number): void {
  const promised = layout.dataOffset + layout.dataBytes;
  if (promised > maxInflatedBytes(compressed)) {
    const { nx, ny, nz } = layout.header;
    throw new MrcFormatError(`data block truncated: the header promises ${promised} bytes (${nx}x${ny}x${nz}, mode ${layout.mode}), more than a ${compressed}-byte gzip file can hold`);
  }
}

/**
 * The first bytes of a gzip stream (at least the 1024-byte header when the stream has them),
 * inflated from a growing prefix of the compressed bytes so that a bomb never inflates whole.
 */
function inflateHead(input: Uint8Array): Uint8Array {
  for (let k = 4096; ; k *= 8) {
    const prefix = input.subarray(0, Math.min(k, input.length));
    let head: Uint8Array;
    try {
      head = gunzipSync(prefix, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (err) {
      throw gzipError(err);
    }
    if (head.length >= MRC_HEADER_BYTES) return head;
    if (prefix.length === input.length) {
      // the whole stream gives less than a header: inflate it strictly to report a broken stream
      try {
        return gunzipSync(input);
      } catch (err) {
        throw gzipError(err);
      }
    }
  }
}

/** Read and validate bytes in memory; throws MrcFormatError without the file-name prefix. */
function parse(input: Uint8Array, options: MrcReadOptions): MrcMap {
  if (!isGzip(input)) {
    const layout = parseLayout(input, input.length, options.permissive === true);
    return finish(layout, decodeVoxels(input, layout.dataOffset, layout.count, layout.mode, layout.littleEndian, layout.unsignedBytes), options);
  }
  // gzip: the header first, then inflate no more than it promises (plus one byte to notice more)
  const layout = parseLayout(inflateHead(input), undefined, options.permissive === true);
  checkGzipPromise(layout, input.length);
  const promised = layout.dataOffset + layout.dataBytes;
  // one byte more than promised shows a longer file; permissive reading accepts a little more
  const cap = promised + (options.permissive === true ? TRAILING_SLACK_BYTES : 1);
  if (cap > bufferConstants.MAX_LENGTH) {
    throw new MrcFormatError(`map too large to inflate in memory (${promised} bytes): read it from a file`);
  }
  let bytes: Uint8Array;
  try {
    bytes = gunzipSync(input, { maxOutputLength: cap });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw gzipError(err);
    throw new MrcFormatError(`file longer than its header says: expected ${promised} bytes once inflated, found more than ${cap}`);
  }
  checkLength(layout, bytes.length, options.permissive === true);
  return finish(layout, decodeVoxels(bytes, layout.dataOffset, layout.count, layout.mode, layout.littleEndian, layout.unsignedBytes), options);
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

/** Chunk size for reading voxels that need decoding. */
const DECODE_CHUNK_BYTES = 16 << 20;

/**
 * The array for `count` file-order voxels: SharedArrayBuffer-backed when asked.
 * @throws Error naming the size when the memory cannot be had
 */
function allocateVoxels(layout: DataLayout, shared: boolean): Float32Array {
  const { count } = layout;
  try {
    return shared ? new Float32Array(new SharedArrayBuffer(4 * count)) : new Float32Array(count);
  } catch (err) {
    const { nx, ny, nz } = layout.header;
    throw new MrcFormatError(`map too large to hold in memory: ${nx}x${ny}x${nz} voxels need ${(count * 4 / 2 ** 30).toFixed(1)} GiB as float32`, { cause: err });
  }
}

/**
 * Receives the data block as a stream of byte chunks (any sizes, voxels may straddle chunks) and
 * decodes it into a float32 array in file order.
 */
class VoxelSink {
  /** Data bytes received so far. */
  received = 0;
  /** Whether the bytes are float32 in the host's byte order (copied, not decoded). */
  readonly direct: boolean;
  private readonly bpv: number;
  private readonly carry: Uint8Array;
  private carried = 0;

  constructor(
    private readonly layout: DataLayout,
    readonly target: Float32Array,
  ) {
    this.direct = layout.mode === 2 && layout.littleEndian === HOST_LITTLE_ENDIAN;
    this.bpv = bytesPerVoxel(layout.mode);
    this.carry = new Uint8Array(this.bpv);
  }

  /** Whether the whole data block has arrived. */
  get complete(): boolean {
    return this.received === this.layout.dataBytes;
  }

  /** Take as much of `chunk` as the data block still needs; returns the bytes taken. */
  push(chunk: Uint8Array): number {
    const take = Math.min(chunk.length, this.layout.dataBytes - this.received);
    let c = chunk.subarray(0, take);
    const { mode, littleEndian, unsignedBytes } = this.layout;
    if (this.direct) {
      // a view of just the bytes written: one view of the whole array fails over 4 GiB
      new Uint8Array(this.target.buffer, this.target.byteOffset + this.received, c.length).set(c);
    } else {
      let voxel = Math.floor(this.received / this.bpv);
      if (this.carried > 0) {
        const need = Math.min(this.bpv - this.carried, c.length);
        this.carry.set(c.subarray(0, need), this.carried);
        this.carried += need;
        c = c.subarray(need);
        if (this.carried === this.bpv) {
          decodeVoxelsInto(this.carry, 0, 1, mode, littleEndian, this.target, voxel++, unsignedBytes);
          this.carried = 0;
        }
      }
      const whole = Math.floor(c.length / this.bpv);
      if (whole > 0) decodeVoxelsInto(c, 0, whole, mode, littleEndian, this.target, voxel, unsignedBytes);
      const rest = c.length - whole * this.bpv;
      if (rest > 0) {
        this.carry.set(c.subarray(whole * this.bpv), 0);
        this.carried = rest;
      }
    }
    this.received += take;
    return take;
  }
}

/** Read the data block of an uncompressed file (`layout` already checked against its size). */
async function readPlain(fh: FileHandle, layout: DataLayout, options: MrcReadOptions): Promise<Float32Array> {
  const sink = new VoxelSink(layout, allocateVoxels(layout, options.shared === true));
  if (sink.direct) {
    // float32 in the host's byte order: straight into the final array, no copy, through views of
    // at most viewChunkBytes() each (Node 20 refuses one byte view of more than 4 GiB)
    const step = viewChunkBytes();
    const { buffer, byteOffset } = sink.target;
    for (let at = 0; at < layout.dataBytes; at += step) {
      const n = Math.min(step, layout.dataBytes - at);
      await readFully(fh, new Uint8Array(buffer, byteOffset + at, n), layout.dataOffset + at);
    }
    return sink.target;
  }
  const chunk = new Uint8Array(Math.min(DECODE_CHUNK_BYTES, layout.dataBytes));
  while (!sink.complete) {
    const part = chunk.subarray(0, Math.min(chunk.length, layout.dataBytes - sink.received));
    await readFully(fh, part, layout.dataOffset + sink.received);
    sink.push(part);
  }
  return sink.target;
}

/**
 * Read a gzip-compressed file by streaming inflation: the header first, then the voxels straight
 * into their array; inflation stops as soon as more bytes arrive than the header promises (a
 * gzip bomb is refused after at most a few MiB beyond that).
 */
async function readGzip(fh: FileHandle, compressedSize: number, options: MrcReadOptions): Promise<{ layout: DataLayout; data: Float32Array }> {
  const source = fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 });
  const inflater = createGunzip({ chunkSize: 1 << 20 });
  source.on('error', (err) => inflater.destroy(err));
  source.pipe(inflater);
  const head = new Uint8Array(MRC_HEADER_BYTES);
  let headBytes = 0;
  let total = 0; // inflated bytes seen
  let layout: DataLayout | undefined;
  let sink: VoxelSink | undefined;
  let skip = 0; // extended-header bytes still to skip
  let trailing = 0;
  try {
    for await (const raw of inflater as AsyncIterable<Buffer>) {
      let chunk: Uint8Array = raw;
      total += chunk.length;
      if (!layout) {
        const n = Math.min(chunk.length, MRC_HEADER_BYTES - headBytes);
        head.set(chunk.subarray(0, n), headBytes);
        headBytes += n;
        chunk = chunk.subarray(n);
        if (headBytes < MRC_HEADER_BYTES) continue;
        layout = parseLayout(head, undefined, options.permissive === true);
        checkGzipPromise(layout, compressedSize);
        sink = new VoxelSink(layout, allocateVoxels(layout, options.shared === true));
        skip = layout.dataOffset - MRC_HEADER_BYTES;
      }
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
      }
      trailing += chunk.length - sink!.push(chunk);
      if (trailing > (options.permissive === true ? TRAILING_SLACK_BYTES : 0)) {
        throw new MrcFormatError(`file longer than its header says: expected ${layout.dataOffset + layout.dataBytes} bytes once inflated, found more than ${total}`);
      }
    }
  } catch (err) {
    if (err instanceof MrcFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw gzipError(err);
    throw err;
  } finally {
    source.destroy();
    inflater.destroy();
  }
  if (!layout || !sink) throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${total}`);
  checkLength(layout, total, options.permissive === true);
  return { layout, data: sink.target };
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
 * Supported modes: 0 (int8; unsigned bytes 0..255 when IMOD's stamp and flags say so, as IMOD
 * and ChimeraX read them), 1 (int16), 2 (float32), 6 (uint16), 12 (float16); all are returned as
 * float32.
 *
 * @param bytes whole file contents (optionally gzip-compressed); not modified
 * @param options see {@link MrcReadOptions}
 * @returns canonical volume and the header as stored
 * @throws MrcFormatError (message prefixed with `options.name` when given) when: the file is
 *   shorter than 1024 bytes; the byte order cannot be found; the mode is not supported; a box
 *   dimension is not positive; and, unless `permissive`, the 'MAP ' tag is missing in an MRC2014
 *   file, `mapc/mapr/maps` is not a permutation of 1,2,3, a cell length is zero, the file is
 *   longer than the data block, or the file is a volume stack (ispg 401 with more sections than
 *   the sampling `mz` of one volume); the data block is truncated; the gzip stream is corrupt; the
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
  const { fh, size, head, gzip } = await openMapFile(path);
  try {
    if (gzip) {
      const { layout, data } = await namedAsync(name, () => readGzip(fh, size, options));
      return named(name, () => finish(layout, data, options));
    }
    // Uncompressed: validate the header against the file size, then read the voxels straight
    // into their final array (float32 in the host's byte order) or decode them chunk by chunk.
    const layout = named(name, () => parseLayout(head, size, options.permissive === true));
    const fileData = await namedAsync(name, () => readPlain(fh, layout, options));
    return named(name, () => finish(layout, fileData, options));
  } finally {
    await fh.close();
  }
}
