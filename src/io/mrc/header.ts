import { MrcFormatError } from './errors.js';

/** Size of the MRC2014 main header in bytes (256 words of 4 bytes). */
export const MRC_HEADER_BYTES = 1024;

/** Number of 80-character label slots in the MRC2014 header. */
export const MRC_LABEL_COUNT = 10;

/** Length of one MRC2014 label in characters (bytes). */
export const MRC_LABEL_LENGTH = 80;

/** `nversion` written by this package: MRC2014 format, version 0 (year * 10 + version). */
export const MRC2014_NVERSION = 20140;

/** Per-axis triple of header numbers. */
export type HeaderTriple = [number, number, number];

/**
 * The MRC2014 main header (1024 bytes), field names as in the MRC2014 definition.
 *
 * "Column", "row" and "section" are the fastest, middle and slowest axes of the data block
 * in the file; which physical axis each one is given by `mapc`, `mapr`, `maps`.
 *
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php
 */
export interface MrcHeader {
  /** Number of columns (fastest axis in the file), voxels. Word 1. */
  nx: number;
  /** Number of rows (middle axis in the file), voxels. Word 2. */
  ny: number;
  /** Number of sections (slowest axis in the file), voxels. Word 3. */
  nz: number;
  /** Data type of the voxels (0 int8, 1 int16, 2 float32, 6 uint16, 12 float16, ...). Word 4. */
  mode: number;
  /** Index of the first column in the unit cell, voxels. Word 5. */
  nxstart: number;
  /** Index of the first row in the unit cell, voxels. Word 6. */
  nystart: number;
  /** Index of the first section in the unit cell, voxels. Word 7. */
  nzstart: number;
  /** Sampling (intervals per unit cell) along X, voxels. Word 8. */
  mx: number;
  /** Sampling (intervals per unit cell) along Y, voxels. Word 9. */
  my: number;
  /** Sampling (intervals per unit cell) along Z, voxels. Word 10. */
  mz: number;
  /** Cell lengths along X, Y, Z in Å. Words 11-13. */
  cella: HeaderTriple;
  /** Cell angles alpha, beta, gamma in degrees. Words 14-16. */
  cellb: HeaderTriple;
  /** Physical axis of the columns (1 = X, 2 = Y, 3 = Z). Word 17. */
  mapc: number;
  /** Physical axis of the rows (1 = X, 2 = Y, 3 = Z). Word 18. */
  mapr: number;
  /** Physical axis of the sections (1 = X, 2 = Y, 3 = Z). Word 19. */
  maps: number;
  /** Minimum density value, density units. Word 20. */
  dmin: number;
  /** Maximum density value, density units. Word 21. */
  dmax: number;
  /** Mean density value, density units. Word 22. */
  dmean: number;
  /** Space group number (0 image stack, 1 single volume, 401 volume stack). Word 23. */
  ispg: number;
  /** Size of the extended header that follows the main header, bytes. Word 24. */
  nsymbt: number;
  /** Unused "extra" space before `exttyp`, 8 raw bytes. Words 25-26. */
  extra1: Uint8Array;
  /** Extended header type code, 4 ASCII characters (e.g. `'FEI1'`), '' when blank. Word 27. */
  exttyp: string;
  /** Format version, year * 10 + version (20140 for MRC2014); 0 in older files. Word 28. */
  nversion: number;
  /** Unused "extra" space after `nversion`, 84 raw bytes. Words 29-49. */
  extra2: Uint8Array;
  /** Origin of the map along X, Y, Z in Å. Words 50-52. */
  origin: HeaderTriple;
  /** File type tag, 4 ASCII characters, `'MAP '` in MRC2014 files. Word 53. */
  map: string;
  /** Machine stamp, 4 raw bytes: 44 44 00 00 / 44 41 00 00 little-endian, 11 11 00 00 big-endian. Word 54. */
  machst: Uint8Array;
  /** Standard deviation of the density about `dmean` (MRC2014 "rms"), density units. Word 55. */
  rms: number;
  /** Number of labels in use (0-10), count. Word 56. */
  nlabl: number;
  /** Text labels, at most 10, each at most 80 ASCII characters, trailing blanks removed. Words 57-256. */
  labels: string[];
}

/** Byte offsets of the header words (0-based). */
const OFFSET = {
  nx: 0, ny: 4, nz: 8, mode: 12,
  nxstart: 16, nystart: 20, nzstart: 24,
  mx: 28, my: 32, mz: 36,
  cella: 40, cellb: 52,
  mapc: 64, mapr: 68, maps: 72,
  dmin: 76, dmax: 80, dmean: 84,
  ispg: 88, nsymbt: 92,
  extra1: 96, exttyp: 104, nversion: 108, extra2: 112,
  origin: 196, map: 208, machst: 212, rms: 216, nlabl: 220, labels: 224,
} as const;

/** Bytes in the two unused "extra" areas. */
const EXTRA1_BYTES = 8;
const EXTRA2_BYTES = 84;

/** Decode `length` bytes as Latin-1 text (one char per byte). */
function decodeText(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[offset + i]);
  return s;
}

/** Write `text` as single bytes (chars above 255 become '?'), zero-padded to `length`. */
function encodeText(out: Uint8Array, offset: number, length: number, text: string, pad = 0): void {
  for (let i = 0; i < length; i++) {
    if (i < text.length) {
      const c = text.charCodeAt(i);
      out[offset + i] = c < 256 ? c : 0x3f;
    } else {
      out[offset + i] = pad;
    }
  }
}

/** Remove trailing NULs and spaces. */
function trimEnd(s: string): string {
  return s.replace(/[\0 ]+$/, '');
}

/**
 * Parse the 1024-byte MRC2014 main header.
 *
 * Values are returned as stored (no validation beyond reading the bytes); `labels` holds the
 * first `nlabl` labels (clamped to 0-10) or more if later label slots contain text, with
 * trailing spaces/NULs removed.
 *
 * @param bytes file contents, at least 1024 bytes; the header starts at byte 0
 * @param littleEndian byte order of the file (see {@link detectByteOrder})
 * @throws MrcFormatError when `bytes` is shorter than 1024 bytes
 */
export function parseMrcHeader(bytes: Uint8Array, littleEndian: boolean): MrcHeader {
  if (bytes.length < MRC_HEADER_BYTES) {
    throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, MRC_HEADER_BYTES);
  const i32 = (o: number): number => view.getInt32(o, littleEndian);
  const f32 = (o: number): number => view.getFloat32(o, littleEndian);
  const f32x3 = (o: number): HeaderTriple => [f32(o), f32(o + 4), f32(o + 8)];

  const nlabl = i32(OFFSET.nlabl);
  const slots: string[] = [];
  let lastUsed = -1;
  for (let k = 0; k < MRC_LABEL_COUNT; k++) {
    const text = trimEnd(decodeText(bytes, OFFSET.labels + k * MRC_LABEL_LENGTH, MRC_LABEL_LENGTH));
    slots.push(text);
    if (text.length > 0) lastUsed = k;
  }
  const labelCount = Math.max(Math.min(Math.max(nlabl, 0), MRC_LABEL_COUNT), lastUsed + 1);

  return {
    nx: i32(OFFSET.nx),
    ny: i32(OFFSET.ny),
    nz: i32(OFFSET.nz),
    mode: i32(OFFSET.mode),
    nxstart: i32(OFFSET.nxstart),
    nystart: i32(OFFSET.nystart),
    nzstart: i32(OFFSET.nzstart),
    mx: i32(OFFSET.mx),
    my: i32(OFFSET.my),
    mz: i32(OFFSET.mz),
    cella: f32x3(OFFSET.cella),
    cellb: f32x3(OFFSET.cellb),
    mapc: i32(OFFSET.mapc),
    mapr: i32(OFFSET.mapr),
    maps: i32(OFFSET.maps),
    dmin: f32(OFFSET.dmin),
    dmax: f32(OFFSET.dmax),
    dmean: f32(OFFSET.dmean),
    ispg: i32(OFFSET.ispg),
    nsymbt: i32(OFFSET.nsymbt),
    extra1: bytes.slice(OFFSET.extra1, OFFSET.extra1 + EXTRA1_BYTES),
    exttyp: trimEnd(decodeText(bytes, OFFSET.exttyp, 4)),
    nversion: i32(OFFSET.nversion),
    extra2: bytes.slice(OFFSET.extra2, OFFSET.extra2 + EXTRA2_BYTES),
    origin: f32x3(OFFSET.origin),
    map: decodeText(bytes, OFFSET.map, 4),
    machst: bytes.slice(OFFSET.machst, OFFSET.machst + 4),
    rms: f32(OFFSET.rms),
    nlabl,
    labels: slots.slice(0, labelCount),
  };
}

/**
 * Encode an MRC2014 main header into 1024 bytes.
 *
 * Every field is written as given (`machst` too, so set it to match `littleEndian`; see
 * {@link machineStamp}). Labels beyond 10 are dropped and each is cut to 80 characters;
 * characters outside Latin-1 become '?'. `map` and `exttyp` are cut/zero-padded to 4 bytes.
 *
 * @param header header fields; `extra1` (8 bytes) and `extra2` (84 bytes) are copied up to
 *   their size, shorter arrays are zero-padded
 * @param littleEndian byte order to write
 * @returns a new 1024-byte array
 */
export function encodeMrcHeader(header: MrcHeader, littleEndian: boolean): Uint8Array {
  const out = new Uint8Array(MRC_HEADER_BYTES);
  const view = new DataView(out.buffer);
  const i32 = (o: number, v: number): void => view.setInt32(o, v, littleEndian);
  const f32 = (o: number, v: number): void => view.setFloat32(o, v, littleEndian);
  const f32x3 = (o: number, v: readonly number[]): void => {
    f32(o, v[0]);
    f32(o + 4, v[1]);
    f32(o + 8, v[2]);
  };

  i32(OFFSET.nx, header.nx);
  i32(OFFSET.ny, header.ny);
  i32(OFFSET.nz, header.nz);
  i32(OFFSET.mode, header.mode);
  i32(OFFSET.nxstart, header.nxstart);
  i32(OFFSET.nystart, header.nystart);
  i32(OFFSET.nzstart, header.nzstart);
  i32(OFFSET.mx, header.mx);
  i32(OFFSET.my, header.my);
  i32(OFFSET.mz, header.mz);
  f32x3(OFFSET.cella, header.cella);
  f32x3(OFFSET.cellb, header.cellb);
  i32(OFFSET.mapc, header.mapc);
  i32(OFFSET.mapr, header.mapr);
  i32(OFFSET.maps, header.maps);
  f32(OFFSET.dmin, header.dmin);
  f32(OFFSET.dmax, header.dmax);
  f32(OFFSET.dmean, header.dmean);
  i32(OFFSET.ispg, header.ispg);
  i32(OFFSET.nsymbt, header.nsymbt);
  out.set(header.extra1.subarray(0, EXTRA1_BYTES), OFFSET.extra1);
  encodeText(out, OFFSET.exttyp, 4, header.exttyp);
  i32(OFFSET.nversion, header.nversion);
  out.set(header.extra2.subarray(0, EXTRA2_BYTES), OFFSET.extra2);
  f32x3(OFFSET.origin, header.origin);
  encodeText(out, OFFSET.map, 4, header.map);
  out.set(header.machst.subarray(0, 4), OFFSET.machst);
  f32(OFFSET.rms, header.rms);
  i32(OFFSET.nlabl, header.nlabl);
  const labels = header.labels.slice(0, MRC_LABEL_COUNT);
  for (let k = 0; k < MRC_LABEL_COUNT; k++) {
    // Used slots are space-padded (CCP4 convention), unused slots stay zero.
    const text = k < labels.length ? labels[k].slice(0, MRC_LABEL_LENGTH) : '';
    encodeText(out, OFFSET.labels + k * MRC_LABEL_LENGTH, MRC_LABEL_LENGTH, text, k < labels.length ? 0x20 : 0);
  }
  return out;
}

/**
 * MRC2014 machine stamp for a byte order: `44 44 00 00` little-endian, `11 11 00 00` big-endian.
 * @returns a new 4-byte array
 */
export function machineStamp(littleEndian: boolean): Uint8Array {
  return littleEndian ? Uint8Array.of(0x44, 0x44, 0, 0) : Uint8Array.of(0x11, 0x11, 0, 0);
}

/** Result of {@link detectByteOrder}. */
export interface ByteOrderGuess {
  /** True for little-endian data. */
  littleEndian: boolean;
  /** How the order was found: from a recognised machine stamp, or by trying both orders. */
  source: 'stamp' | 'heuristic';
}

/** Largest box edge accepted as "sane" when guessing the byte order, voxels. */
const SANE_MAX_DIM = 1 << 20;

/** Modes defined by MRC2014 (including ones this package does not decode). */
const KNOWN_MODES = new Set([0, 1, 2, 3, 4, 6, 12, 101]);

/** True when mode and box read in this byte order look like a real MRC header. */
function looksSane(view: DataView, littleEndian: boolean): boolean {
  const mode = view.getInt32(OFFSET.mode, littleEndian);
  if (!KNOWN_MODES.has(mode)) return false;
  for (const o of [OFFSET.nx, OFFSET.ny, OFFSET.nz]) {
    const n = view.getInt32(o, littleEndian);
    if (n < 1 || n > SANE_MAX_DIM) return false;
  }
  return true;
}

/**
 * Find the byte order of an MRC file.
 *
 * A machine stamp starting `44 41` or `44 44` means little-endian, `11 11` big-endian. When the
 * stamp is absent or unrecognised (common in old CCP4 files), or when it contradicts the header
 * (mode/box insane in the stamped order but sane in the other), the order in which mode is a
 * known MRC mode and nx, ny, nz are in 1..2^20 is used; little-endian wins a tie.
 *
 * @param bytes file contents, at least 1024 bytes
 * @throws MrcFormatError when no byte order gives a plausible mode and box
 */
export function detectByteOrder(bytes: Uint8Array): ByteOrderGuess {
  if (bytes.length < MRC_HEADER_BYTES) {
    throw new MrcFormatError(`file is shorter than the MRC header: expected at least ${MRC_HEADER_BYTES} bytes, found ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, MRC_HEADER_BYTES);
  const s0 = bytes[OFFSET.machst];
  const s1 = bytes[OFFSET.machst + 1];
  let stamped: boolean | undefined;
  if (s0 === 0x44 && (s1 === 0x41 || s1 === 0x44)) stamped = true;
  else if (s0 === 0x11 && s1 === 0x11) stamped = false;

  const saneLittle = looksSane(view, true);
  const saneBig = looksSane(view, false);
  if (stamped !== undefined) {
    const saneStamped = stamped ? saneLittle : saneBig;
    const saneOther = stamped ? saneBig : saneLittle;
    if (saneStamped || !saneOther) return { littleEndian: stamped, source: 'stamp' };
    return { littleEndian: !stamped, source: 'heuristic' };
  }
  if (saneLittle) return { littleEndian: true, source: 'heuristic' };
  if (saneBig) return { littleEndian: false, source: 'heuristic' };
  // what the file is not, in the user's terms (raw stamp bytes and modes mean nothing to a user)
  const text = /^[\x09\x0a\x0d\x20-\x7e]{64}/.test(String.fromCharCode(...bytes.subarray(0, 64))) ? ' (the file starts with text)' : '';
  throw new MrcFormatError(`not an MRC/CCP4 map: the header's mode and machine stamp are invalid${text}`);
}
