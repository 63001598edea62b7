import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { assertSupportedMode, bytesPerVoxel, detectByteOrder, MRC_HEADER_BYTES, MrcFormatError, parseMrcHeader, readMrcBuffer } from '../mrc/index.js';

/**
 * Decompressed size (bytes) up to which {@link verifyGzippedMap} parses the whole map with
 * `readMrcBuffer`; larger maps are checked by header and size only, to bound memory.
 */
export const FULL_PARSE_MAX_BYTES = 64 * 1024 * 1024;

/** Options of {@link verifyGzippedMap}. */
export interface VerifyGzippedMapOptions {
  /**
   * Largest decompressed size (bytes) for which the whole map is kept in memory and parsed with
   * `readMrcBuffer` (permissive, non-finite voxels allowed); default {@link FULL_PARSE_MAX_BYTES}.
   * Above it only the header is parsed and the data-block length is checked.
   */
  fullParseMaxBytes?: number;
  /** Aborts the check (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Summary of a verified gzip-compressed map. */
export interface VerifiedMap {
  /** Box in file order `[nx, ny, nz]` (voxels). */
  box: [number, number, number];
  /** MRC mode of the voxel data. */
  mode: number;
  /** Size of the gzip file (bytes). */
  compressedBytes: number;
  /** Size of the decompressed MRC data (bytes). */
  decompressedBytes: number;
}

/** Printable preview of the first bytes of a file, for error messages. */
function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('latin1');
  if (/^[\x20-\x7e\t\r\n]*$/.test(text)) return JSON.stringify(text.slice(0, 24));
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Check the header and the data-block length of a map too large to parse in memory. */
function checkHeaderAndSize(header: Uint8Array, totalBytes: number): { box: [number, number, number]; mode: number } {
  const { littleEndian } = detectByteOrder(header);
  const h = parseMrcHeader(header, littleEndian);
  const mode = assertSupportedMode(h.mode);
  if (!(h.nx > 0 && h.ny > 0 && h.nz > 0)) {
    throw new MrcFormatError(`box dimensions must be positive: found nx=${h.nx}, ny=${h.ny}, nz=${h.nz}`);
  }
  if (h.nsymbt < 0) throw new MrcFormatError(`extended header size must be >= 0: found nsymbt=${h.nsymbt}`);
  const expected = MRC_HEADER_BYTES + h.nsymbt + h.nx * h.ny * h.nz * bytesPerVoxel(mode);
  if (totalBytes < expected) {
    throw new MrcFormatError(`data block truncated: expected ${expected} bytes (${h.nx}x${h.ny}x${h.nz}, mode ${mode}), found ${totalBytes}`);
  }
  return { box: [h.nx, h.ny, h.nz], mode };
}

/**
 * Check that a file is a complete gzip stream whose payload is an MRC map.
 *
 * The file is inflated as a stream (so the gzip CRC and length trailer are checked and a
 * truncated stream is detected). When the payload is at most `fullParseMaxBytes` it is parsed with
 * `readMrcBuffer({ permissive: true, allowNonFinite: true })`; otherwise the 1024-byte header is
 * parsed and the payload length must be at least 1024 + nsymbt + nx*ny*nz*bytesPerVoxel(mode).
 *
 * @param path path of the `.map.gz` (or `.part`) file; not modified
 * @param options see {@link VerifyGzippedMapOptions}
 * @returns box, mode and sizes of the verified map
 * @throws MrcFormatError when the file is not gzip data (message shows its first bytes), the gzip
 *   stream is corrupt or truncated, or the payload is not a readable MRC map
 * @throws Error for I/O failures (e.g. the file does not exist)
 */
export async function verifyGzippedMap(path: string, options: VerifyGzippedMapOptions = {}): Promise<VerifiedMap> {
  const limit = options.fullParseMaxBytes ?? FULL_PARSE_MAX_BYTES;
  const handle = await open(path, 'r');
  let compressedBytes: number;
  try {
    compressedBytes = (await handle.stat()).size;
    const magic = new Uint8Array(Math.min(compressedBytes, 32));
    await handle.read(magic, 0, magic.length, 0);
    if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) {
      throw new MrcFormatError(
        magic.length === 0 ? 'file is empty: expected gzip data' : `not gzip data: expected magic bytes 1f 8b, found ${preview(magic)}`,
      );
    }
  } finally {
    await handle.close();
  }

  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  let keepAll = true;
  const header = new Uint8Array(MRC_HEADER_BYTES);
  const gunzip = createGunzip();
  const input = createReadStream(path);
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) {
      options.signal?.throwIfAborted();
      const buf = chunk as Buffer;
      if (total < MRC_HEADER_BYTES) header.set(buf.subarray(0, MRC_HEADER_BYTES - total), total);
      total += buf.length;
      if (keepAll) {
        if (total <= limit) {
          chunks.push(buf);
          kept = total;
        } else {
          keepAll = false;
          chunks.length = 0;
        }
      }
    }
  } catch (err) {
    input.destroy();
    if (options.signal?.aborted) throw err;
    throw new MrcFormatError(`gzip data is corrupt or incomplete: ${(err as Error).message}`, { cause: err });
  }

  if (total < MRC_HEADER_BYTES) {
    throw new MrcFormatError(`payload is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${total}`);
  }
  if (keepAll) {
    const map = readMrcBuffer(Buffer.concat(chunks, kept), { permissive: true, allowNonFinite: true });
    const { nx, ny, nz, mode } = map.header;
    return { box: [nx, ny, nz], mode, compressedBytes, decompressedBytes: total };
  }
  return { ...checkHeaderAndSize(header, total), compressedBytes, decompressedBytes: total };
}
