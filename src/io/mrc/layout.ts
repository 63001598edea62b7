/**
 * The checks every MRC reader shares: validate a header, locate its data block, check the file
 * length, compute the voxel size, open only regular files, read in chunks.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fsErrorReason } from '../../core/fs-error-reason.js';
import { notRegularFileReason, statRegularFile, unreadableFileError } from '../../core/regular-file.js';
import type { Shape3, Vec3 } from '../../core/volume.js';
import { isAxisPermutation, type AxisOrder } from './axis-order.js';
import { MrcFormatError } from './errors.js';
import { detectByteOrder, MRC_HEADER_BYTES, parseMrcHeader, type MrcHeader } from './header.js';
import { assertSupportedMode, bytesPerVoxel, MODE_NAMES, SUPPORTED_MODES, type MrcMode } from './modes.js';

/** First `nversion` value of MRC2014 and the (exclusive) bound of plausible later versions. */
const NVERSION_MRC2014 = 20140;
const NVERSION_LIMIT = 30000;

/** Where the voxels of a validated header are, and how to decode them. */
export interface DataLayout {
  header: MrcHeader;
  mode: MrcMode;
  littleEndian: boolean;
  order: AxisOrder;
  /** Byte offset of the first voxel (after the header and the extended header). */
  dataOffset: number;
  /** Number of voxels, nx*ny*nz. */
  count: number;
  /** Bytes of the data block, count * bytes per voxel. */
  dataBytes: number;
  /** Mode 0 voxels are unsigned bytes 0..255 (IMOD's flag, see {@link imodUnsignedBytes}), not int8. */
  unsignedBytes: boolean;
}

/** IMOD's `imodStamp` (header byte 152): the file uses IMOD's bit flags at byte 156. */
export const IMOD_STAMP = 1146047817;

/**
 * Whether a mode 0 file holds unsigned bytes (0..255): IMOD writes an `imodStamp` of 1146047817 at
 * byte 152 and `imodFlags` at byte 156, whose bit 0 says the bytes are signed; with the stamp and
 * the bit clear the bytes are unsigned (IMOD before 4.2.23, and IMOD's `newstack -mode 0`), and
 * ChimeraX and IMOD read them so. Without the stamp, mode 0 is int8 (MRC2014).
 * @see https://bio3d.colorado.edu/imod/doc/mrc_format.txt
 */
export function imodUnsignedBytes(header: MrcHeader, littleEndian: boolean): boolean {
  if (header.mode !== 0 || header.extra2.length < 48) return false;
  const view = new DataView(header.extra2.buffer, header.extra2.byteOffset, header.extra2.byteLength);
  return view.getInt32(40, littleEndian) === IMOD_STAMP && (view.getInt32(44, littleEndian) & 1) === 0;
}

/**
 * Validate the header (the first 1024 bytes) and locate the data block; with `fileLength` (the
 * whole uncompressed file's size) also check the file holds exactly the data block (see
 * {@link checkLength}; streamed input checks it at the end). Throws MrcFormatError without the
 * file-name prefix.
 */
export function parseLayout(bytes: Uint8Array, fileLength: number | undefined, permissive: boolean): DataLayout {
  if ((fileLength ?? bytes.length) < MRC_HEADER_BYTES || bytes.length < MRC_HEADER_BYTES) {
    throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${fileLength ?? bytes.length}`);
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

  // MRC2014 volume stack: ispg 401 and the sections hold nz / mz volumes of mz sections each;
  // read as one box, the volumes would be stacked into one tall map (and filtered across seams)
  const sectionSampling = [header.mx, header.my, header.mz][order[2] - 1];
  if (header.ispg === 401 && sectionSampling > 0 && nz > sectionSampling && !permissive) {
    const volumes = nz / sectionSampling;
    throw new MrcFormatError(`a stack of ${Number.isInteger(volumes) ? volumes : volumes.toFixed(2)} volumes (ispg 401, ${nz} sections of ${sectionSampling} per volume), not one map: write one volume (sections 0-${sectionSampling - 1}) as a map of its own and give that`);
  }
  if (header.nsymbt < 0) {
    throw new MrcFormatError(`extended header size must be >= 0: found nsymbt=${header.nsymbt}`);
  }
  const dataOffset = MRC_HEADER_BYTES + header.nsymbt;
  const count = nx * ny * nz;
  const layout: DataLayout = { header, mode, littleEndian, order, dataOffset, count, dataBytes: count * bytesPerVoxel(mode), unsignedBytes: imodUnsignedBytes(header, littleEndian) };
  if (fileLength !== undefined) checkLength(layout, fileLength, permissive);
  return layout;
}

/**
 * Check that a file of `fileLength` (uncompressed) bytes holds the whole data block, and, unless
 * permissive, nothing after it.
 */
export function checkLength(layout: DataLayout, fileLength: number, permissive: boolean): void {
  const { header, mode, dataOffset, dataBytes } = layout;
  const { nx, ny, nz } = header;
  const foundData = Math.max(fileLength - dataOffset, 0);
  if (foundData < dataBytes) {
    throw new MrcFormatError(
      `data block truncated: expected ${dataBytes} bytes of voxel data (${nx}x${ny}x${nz}, mode ${mode}) after ${dataOffset} header bytes, found ${foundData}${otherModeHint(layout, foundData)}`,
    );
  }
  if (foundData > dataBytes && !permissive) {
    throw new MrcFormatError(
      `file longer than its header says: expected ${dataOffset + dataBytes} bytes (${nx}x${ny}x${nz}, mode ${mode}), found ${fileLength}${otherModeHint(layout, foundData)}`,
    );
  }
}

/**
 * When the data bytes found are exactly the box in another supported mode, the words that say so:
 * a header whose mode disagrees with its data (a float32 file stamped int16 is twice as long as
 * the header says); '' otherwise.
 */
function otherModeHint(layout: DataLayout, foundData: number): string {
  const fits = SUPPORTED_MODES.filter((m) => m !== layout.mode && bytesPerVoxel(m) !== bytesPerVoxel(layout.mode) && foundData === layout.count * bytesPerVoxel(m));
  if (fits.length === 0) return '';
  const names = fits.map((m) => `${m} (${MODE_NAMES[m]})`).join(' or ');
  return `; that is the box in mode ${names}: is the header's mode ${layout.mode} (${MODE_NAMES[layout.mode]}) wrong?`;
}

/** The advice of {@link voxelSizeOf}'s error for a header without a voxel size, in the CLI's terms. */
export const UNKNOWN_VOXEL_SIZE_ADVICE = 'give it with --angpix, or fix the header with occupy pixel-size set MAP --angpix A';

/**
 * Voxel size along X, Y, Z in Å: cella[i] / m[i], or the box along that axis when m[i] is 0.
 * @param shape physical box [nX, nY, nZ]
 * @throws MrcFormatError for a zero or non-finite cell length unless permissive (then 1 Å)
 */
export function voxelSizeOf(header: MrcHeader, shape: Shape3, permissive: boolean): Vec3 {
  const sampling = [header.mx, header.my, header.mz];
  const voxelSizeA: Vec3 = [1, 1, 1];
  for (let a = 0; a < 3; a++) {
    const m = sampling[a] > 0 ? sampling[a] : shape[a];
    const cell = header.cella[a];
    if (!(cell > 0 && Number.isFinite(cell))) {
      if (!permissive) throw new MrcFormatError(`cell dimensions are zero or invalid: expected cella > 0 Å on every axis, found ${header.cella.join(', ')} (the voxel size is unknown: ${UNKNOWN_VOXEL_SIZE_ADVICE})`);
      continue;
    }
    voxelSizeA[a] = cell / m;
  }
  return voxelSizeA;
}

/** Bytes after the data block that permissive reading of a gzip file accepts (and ignores). */
export const TRAILING_SLACK_BYTES = 16 << 20;

/**
 * Largest byte view made over voxel memory when a map is read or written (default 64 MiB).
 * Node 20 refuses a Uint8Array longer than 2³² bytes ("Invalid typed array length"), so a
 * float32 map over 4 GiB is read and written through views of at most this many bytes, never
 * one view of the whole array. A multiple of 4 below 2³¹; tests lower it to exercise the
 * chunked path on small maps.
 */
export const mrcViewChunk = { bytes: 64 << 20 };

/** {@link mrcViewChunk}'s size as used: a multiple of 4 (and of every voxel size), at least 4. */
export function viewChunkBytes(): number {
  return Math.max(4, Math.floor(mrcViewChunk.bytes / 4) * 4);
}

/** Largest single `read` call (Node's fs rejects lengths over 2³¹ − 1 bytes). */
const MAX_READ_BYTES = 1 << 30;

/** Read exactly `target.length` bytes at `position` into `target` (chunked, short reads continued). */
export async function readFully(fh: FileHandle, target: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await fh.read(target, done, Math.min(target.length - done, MAX_READ_BYTES), position + done);
    if (bytesRead === 0) throw new MrcFormatError(`data block truncated: the file ended after ${position + done} bytes`);
    done += bytesRead;
  }
}

/** A map file opened for reading, with its size and first bytes. */
export interface OpenedMap {
  fh: FileHandle;
  /** File size in bytes (compressed size for gzip). */
  size: number;
  /** The first up to 1024 bytes. */
  head: Uint8Array;
  /** Whether the file starts with the gzip magic number 1f 8b. */
  gzip: boolean;
}

/**
 * Open a map file: only regular files (a FIFO would block the open, /dev/zero would never end),
 * checked by {@link statRegularFile} before the open and again on the open handle.
 * @throws Error `cannot read map '<path>': no such file | it is a folder, not a file | permission
 *   denied | it is a character device, not a regular file (a block device, a named pipe (FIFO), a
 *   socket)`
 */
export async function openMapFile(path: string): Promise<OpenedMap> {
  const ioError = (err: unknown): Error => {
    const code = (err as NodeJS.ErrnoException).code;
    return unreadableFileError('map', path, code === 'ENOENT' ? 'no such file' : fsErrorReason(err), err);
  };
  await statRegularFile(path, 'map');
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw ioError(err);
  }
  try {
    // the file may have been replaced between the stat and the open
    const st = await fh.stat();
    const notRegular = notRegularFileReason(st);
    if (notRegular !== undefined) throw new Error(notRegular);
    const head = new Uint8Array(MRC_HEADER_BYTES);
    const headBytes = (await fh.read(head, 0, head.length, 0)).bytesRead;
    return { fh, size: st.size, head: head.subarray(0, headBytes), gzip: headBytes >= 2 && head[0] === 0x1f && head[1] === 0x8b };
  } catch (err) {
    await fh.close();
    throw ioError(err);
  }
}
