/**
 * Reading an MRC/CCP4 map section by section (slabs of whole sections), without ever holding the
 * whole data block: for consumers that reduce the map as it arrives (the estimate's Fourier crop
 * to the processing box, `pixel-size resample`).
 *
 * Same validation and messages as `readMrc` (header checks, truncation, trailing bytes, gzip
 * bombs, NaN/Inf voxels), except that checks needing every voxel (NaN/Inf count, value range)
 * are reported once the last slab has been read.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Shape3, Vec3 } from '../../core/volume.js';
import { simdRange } from '../../math/voxel-kernels.js';
import { physicalShape, type AxisOrder } from './axis-order.js';
import { MrcFormatError } from './errors.js';
import { MRC_HEADER_BYTES, type MrcHeader } from './header.js';
import { checkLength, openMapFile, parseLayout, readFully, TRAILING_SLACK_BYTES, voxelSizeOf, type DataLayout } from './layout.js';
import { bytesPerVoxel, decodeVoxelsInto, HOST_LITTLE_ENDIAN } from './modes.js';

/** Options of {@link openMrcSections}. */
export interface MrcSectionReadOptions {
  /** As `readMrc`'s `permissive`: accept common header defects (default false). */
  permissive?: boolean;
  /** Accept NaN/±Infinity voxels instead of throwing at the end of the read (default false). */
  allowNonFinite?: boolean;
  /**
   * The voxel size will be replaced (`--angpix`): a zero or non-finite cell length is not an error
   * (1 Å stands in until it is replaced), so a header with a wrong cell can be rescued (default false).
   */
  ignoreCell?: boolean;
  /** Prefix of error messages (default: the path). */
  name?: string;
  /** Target size of one slab in bytes of float32 (default 32 MiB; at least one section). */
  slabBytes?: number;
  /**
   * Slabs in SharedArrayBuffer memory (default false), so that a worker thread can work on them
   * without a copy (the threaded Fourier crop).
   */
  shared?: boolean;
  /**
   * Also compute the SHA-256 of the whole file from the bytes read for the sections (default
   * false; uncompressed files only): the header, each slab's bytes (see {@link MrcSlab.settle})
   * and any trailing bytes, so that the run record's hash needs no second read of the file. See
   * {@link MrcSectionReader.sha256}.
   */
  sha256?: boolean;
  /**
   * Tally every voxel (default true): the value range ({@link MrcSectionReader.range}) and the
   * NaN/Inf check at the end of the read. `false` skips both (one pass over the map less, 0.17 s of
   * CPU for 512³): for a consumer that proves them otherwise, e.g. the estimate's streamed crop,
   * whose output is non-finite whenever a voxel is (see `estimate-job.ts`), and reads the map
   * again with the tally only when its output is non-finite or (nearly) constant.
   */
  tally?: boolean;
}

/**
 * Consecutive sections of the data block, in file order: `data` length `count * nx * ny`, index
 * `(s' * ny + r) * nx + c` for section `first + s'`, row r, column c (nx, ny, nz the file box,
 * i.e. the header's columns, rows, sections), density as float32 whatever the file mode.
 * `data` is reused by the reader: it is valid until the next slab is requested.
 */
export interface MrcSlab {
  /** Index of the first section (0-based). */
  first: number;
  /** Number of sections. */
  count: number;
  data: Float32Array;
  /**
   * The reader's own work on this slab, done now (once; later calls do nothing): its value-range
   * and NaN/Inf tally and, with the `sha256` option, the hash of its file bytes. Optional for the
   * consumer: the reader does it before it reads the next slab into this slab's memory. A
   * consumer that shares the slab with a second thread calls it after handing the other thread
   * its part, so that the reader's work overlaps the other thread's instead of delaying it.
   */
  settle: () => void;
}

/** A map opened by {@link openMrcSections}. */
export interface MrcSectionReader {
  /** The header as stored (nx/ny/nz in file order). */
  readonly header: MrcHeader;
  /** `[mapc, mapr, maps]` (1, 2, 3 assumed for a permissive read of a bad triple). */
  readonly order: AxisOrder;
  /** File box `[nx, ny, nz]`: columns, rows, sections, voxels. */
  readonly fileBox: Shape3;
  /** Physical box `[nX, nY, nZ]`, voxels. */
  readonly shape: Shape3;
  /** Voxel size along X, Y, Z in Å (cella / sampling, as `readMrc`). */
  readonly voxelSizeA: Vec3;
  /**
   * The data block, slab by slab in section order (can be iterated once). The next slab is read
   * while the caller works on the current one (uncompressed files). After the last slab it throws
   * MrcFormatError when voxels are NaN/Inf (unless `allowNonFinite` or `tally: false`) or, for gzip input, when the
   * stream is truncated, corrupt or longer than the header says.
   */
  sections(): AsyncGenerator<MrcSlab>;
  /**
   * Smallest and largest voxel (after a complete iteration of {@link sections}).
   * @throws Error before that, or when the reader was opened with `tally: false`
   */
  range(): { min: number; max: number };
  /**
   * The SHA-256 (hex) and size of the whole file (as `sha256sum` gives it), after a complete
   * iteration of {@link sections} with the `sha256` option; undefined without it or for a gzip
   * file (hash the file separately then).
   */
  sha256(): { sha256: string; bytes: number } | undefined;
  /** Close the file (also done when an iteration of {@link sections} ends). */
  close(): Promise<void>;
}

/**
 * Open a map for reading section by section (see {@link MrcSectionReader}); `.gz` files (gzip
 * magic bytes) are inflated as a stream. Only the header is read here.
 *
 * Memory: two slabs of about `slabBytes` (one being read while the other is used; one slab plus
 * 1 MiB of inflate buffers for gzip), never the whole map.
 *
 * @param path map file (.mrc/.map/.ccp4, optionally gzip-compressed)
 * @param options see {@link MrcSectionReadOptions}
 * @throws Error `"cannot read map '<path>': <reason>"` when the file cannot be opened
 * @throws MrcFormatError (prefixed with the name) for the header defects `readMrc` refuses
 */
export async function openMrcSections(path: string, options: MrcSectionReadOptions = {}): Promise<MrcSectionReader> {
  const name = options.name ?? path;
  const permissive = options.permissive === true;
  const named = (err: unknown): unknown => (err instanceof MrcFormatError ? new MrcFormatError(`${name}: ${err.message}`, { cause: err }) : err);
  const { fh, size, head, gzip } = await openMapFile(path);
  let layout: DataLayout;
  let gz: GzipSource | undefined;
  try {
    if (gzip) {
      gz = new GzipSource(fh, size, permissive);
      layout = await gz.header();
    } else {
      layout = parseLayout(head, size, permissive);
    }
  } catch (err) {
    await gz?.destroy();
    await fh.close();
    throw named(err);
  }
  const { header, mode, littleEndian, order } = layout;
  const fileBox: Shape3 = [header.nx, header.ny, header.nz];
  const shape = physicalShape(fileBox, order);
  let voxelSizeA: Vec3;
  try {
    voxelSizeA = voxelSizeOf(layout.header, shape, permissive || options.ignoreCell === true);
  } catch (err) {
    await gz?.destroy();
    await fh.close();
    throw named(err);
  }
  const sectionVoxels = header.nx * header.ny;
  const bpv = bytesPerVoxel(mode);
  const sectionBytes = sectionVoxels * bpv;
  const perSlab = Math.max(1, Math.min(header.nz, Math.floor((options.slabBytes ?? 32 << 20) / (4 * sectionVoxels))));
  const direct = mode === 2 && littleEndian === HOST_LITTLE_ENDIAN;
  const floatArray = (n: number) => (options.shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n));
  const tallied = options.tally !== false;
  const checkFinite = tallied && options.allowNonFinite !== true && (mode === 2 || mode === 12);
  let min = Infinity;
  let max = -Infinity;
  let bad = 0;
  let complete = false;
  let closed = false;
  const hash = options.sha256 === true && !gzip ? createHash('sha256') : undefined;
  let hashed = 0;
  let digest: { sha256: string; bytes: number } | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    await gz?.destroy();
    await fh.close();
  };

  /** Range and NaN/Inf count of one decoded slab. */
  const tally = (v: Float32Array) => {
    const r = simdRange(v);
    if (!(Number.isFinite(r.min) && Number.isFinite(r.max))) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (x - x !== 0) bad++; // NaN or ±Infinity
        else {
          if (x < min) min = x;
          if (x > max) max = x;
        }
      }
    } else {
      if (r.min < min) min = r.min;
      if (r.max > max) max = r.max;
    }
  };
  const finalChecks = () => {
    if (bad > 0 && checkFinite) throw new MrcFormatError(`map contains ${bad} NaN/Inf voxels: every voxel must be a finite number (is the map corrupt, or a mask with NaN outside?)`);
    complete = true;
  };

  /** The {@link MrcSlab.settle} of a slab: its tally and its file bytes' hash, once. */
  const settler = (data: Float32Array, raw: Uint8Array): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (tallied) tally(data);
      if (hash) {
        hash.update(raw);
        hashed += raw.length;
      }
    };
  };

  async function* plainSections(): AsyncGenerator<MrcSlab> {
    if (hash) {
      // the header and the extended header, read again as bytes (the header's first 1024 are in `head`)
      const lead = new Uint8Array(layout.dataOffset);
      await readFully(fh, lead, 0);
      hash.update(lead);
      hashed += lead.length;
    }
    // two byte buffers: the read of slab k+1 runs while slab k is used
    // float32 in the host's byte order is read straight into the slab, other modes are decoded
    const floats = direct ? [floatArray(perSlab * sectionVoxels), floatArray(perSlab * sectionVoxels)] : [];
    const bytes = direct ? floats.map((f) => new Uint8Array(f.buffer)) : [new Uint8Array(perSlab * sectionBytes), new Uint8Array(perSlab * sectionBytes)];
    const decoded = direct ? undefined : floatArray(perSlab * sectionVoxels);
    const readSlab = (k: number, first: number): Promise<void> => {
      const count = Math.min(perSlab, header.nz - first);
      return readFully(fh, bytes[k].subarray(0, count * sectionBytes), layout.dataOffset + first * sectionBytes);
    };
    let pending: Promise<void> | undefined = readSlab(0, 0);
    pending.catch(() => undefined);
    let settlePrevious = () => {};
    for (let first = 0, k = 0; first < header.nz; first += perSlab, k ^= 1) {
      await pending;
      settlePrevious(); // before its buffer is read into again
      const next = first + perSlab;
      pending = next < header.nz ? readSlab(k ^ 1, next) : undefined;
      pending?.catch(() => undefined);
      const count = Math.min(perSlab, header.nz - first);
      let data: Float32Array;
      if (direct) data = floats[k].subarray(0, count * sectionVoxels);
      else data = decodeVoxelsInto(bytes[k], 0, count * sectionVoxels, mode, littleEndian, decoded as Float32Array, 0, layout.unsignedBytes).subarray(0, count * sectionVoxels);
      const settle = settler(data, bytes[k].subarray(0, count * sectionBytes));
      settlePrevious = settle;
      yield { first, count, data, settle };
    }
    settlePrevious();
    if (hash) {
      // what follows the data block (a permissive read accepts a little)
      const trailing = new Uint8Array(Math.max(0, size - layout.dataOffset - layout.dataBytes));
      if (trailing.length > 0) await readFully(fh, trailing, layout.dataOffset + layout.dataBytes);
      hash.update(trailing);
      hashed += trailing.length;
      digest = { sha256: hash.digest('hex'), bytes: hashed };
    }
    finalChecks();
  }

  async function* gzipSections(): AsyncGenerator<MrcSlab> {
    const source = gz as GzipSource;
    const raw = direct ? new Uint8Array(floatArray(perSlab * sectionVoxels).buffer) : new Uint8Array(perSlab * sectionBytes);
    const decoded = direct ? new Float32Array(raw.buffer) : floatArray(perSlab * sectionVoxels);
    for (let first = 0; first < header.nz; first += perSlab) {
      const count = Math.min(perSlab, header.nz - first);
      await source.fill(raw.subarray(0, count * sectionBytes));
      const data = direct ? decoded.subarray(0, count * sectionVoxels) : decodeVoxelsInto(raw, 0, count * sectionVoxels, mode, littleEndian, decoded, 0, layout.unsignedBytes).subarray(0, count * sectionVoxels);
      const settle = settler(data, raw);
      yield { first, count, data, settle };
      settle(); // before the next fill of the same buffer
    }
    await source.end();
    finalChecks();
  }

  let started = false;
  return {
    header,
    order,
    fileBox,
    shape,
    voxelSizeA,
    async *sections() {
      if (started) throw new Error('sections() can be iterated only once');
      started = true;
      try {
        yield* gzip ? gzipSections() : plainSections();
      } catch (err) {
        throw named(err);
      } finally {
        await close();
      }
    },
    range() {
      if (!complete) throw new Error('range() is known only after every section has been read');
      if (!tallied) throw new Error('range() is not known: the sections were read with tally: false');
      return { min, max };
    },
    sha256() {
      return digest;
    },
    close,
  };
}

/** Streaming inflation of a gzip map: the header, then the data block into caller buffers. */
class GzipSource {
  private readonly it: AsyncIterator<Buffer>;
  private readonly destroyStreams: () => void;
  private carry: Uint8Array = new Uint8Array(0);
  private total = 0; // inflated bytes seen
  private delivered = 0; // data bytes handed out
  private layout: DataLayout | undefined;

  constructor(
    fh: FileHandle,
    private readonly compressedSize: number,
    private readonly permissive: boolean,
  ) {
    const source = fh.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 });
    const inflater = createGunzip({ chunkSize: 1 << 20 });
    source.on('error', (err) => inflater.destroy(err));
    source.pipe(inflater);
    this.it = (inflater as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.destroyStreams = () => {
      source.destroy();
      inflater.destroy();
    };
  }

  /** The next inflated chunk, or undefined at the end of the stream. */
  private async next(): Promise<Uint8Array | undefined> {
    try {
      const r = await this.it.next();
      if (r.done) return undefined;
      this.total += r.value.length;
      return r.value;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw new MrcFormatError(`gzip data is corrupt: expected a complete gzip stream, found ${(err as Error).message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Exactly `n` bytes (or fewer at the end of the stream). */
  private async take(target: Uint8Array): Promise<number> {
    let done = 0;
    while (done < target.length) {
      if (this.carry.length === 0) {
        const c = await this.next();
        if (!c) break;
        this.carry = c;
      }
      const n = Math.min(this.carry.length, target.length - done);
      target.set(this.carry.subarray(0, n), done);
      this.carry = this.carry.subarray(n);
      done += n;
    }
    return done;
  }

  /** Inflate and validate the header, skip the extended header. */
  async header(): Promise<DataLayout> {
    const head = new Uint8Array(MRC_HEADER_BYTES);
    const got = await this.take(head);
    if (got < MRC_HEADER_BYTES) throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${got}`);
    const layout = parseLayout(head, undefined, this.permissive);
    const promised = layout.dataOffset + layout.dataBytes;
    if (promised > this.compressedSize * 1032 + (1 << 20)) {
      const { nx, ny, nz } = layout.header;
      throw new MrcFormatError(`data block truncated: the header promises ${promised} bytes (${nx}x${ny}x${nz}, mode ${layout.mode}), more than a ${this.compressedSize}-byte gzip file can hold`);
    }
    let skip = layout.dataOffset - MRC_HEADER_BYTES;
    const scratch = new Uint8Array(Math.min(skip, 1 << 20));
    while (skip > 0) {
      const n = await this.take(scratch.subarray(0, Math.min(skip, scratch.length)));
      if (n === 0) break;
      skip -= n;
    }
    this.layout = layout;
    return layout;
  }

  /** Fill `target` with the next data bytes. @throws MrcFormatError when the stream ends first */
  async fill(target: Uint8Array): Promise<void> {
    const n = await this.take(target);
    this.delivered += n;
    if (n < target.length) checkLength(this.layout as DataLayout, (this.layout as DataLayout).dataOffset + this.delivered, this.permissive);
  }

  /** Check that nothing (or, permissive, little) follows the data block. */
  async end(): Promise<void> {
    const layout = this.layout as DataLayout;
    const slack = this.permissive ? TRAILING_SLACK_BYTES : 0;
    let trailing = this.carry.length;
    this.carry = new Uint8Array(0);
    while (trailing <= slack) {
      const c = await this.next();
      if (!c) return;
      trailing += c.length;
    }
    throw new MrcFormatError(`file longer than its header says: expected ${layout.dataOffset + layout.dataBytes} bytes once inflated, found more than ${this.total}`);
  }

  /** Stop inflating. */
  async destroy(): Promise<void> {
    this.destroyStreams();
  }
}
