/**
 * `readMrc` and `writeMrc` of the public API: MRC2014 maps to and from {@link Volume}, with the
 * origin carried along.
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php
 */
import { readMrc as readMrcFile, readMrcBuffer, writeMrc as writeMrcFile, type MrcHeader, type MrcMode } from '../io/mrc/index.js';
import { sep } from 'node:path';
import { headerOriginA } from '../io/mrc/origin.js';
import { describe, MrcFormatError, optionError } from './errors.js';
import { checkKnownKeys } from './estimate-options.js';
import { voxelSizeError } from '../core/voxel-size-limits.js';
import { checkVolume, type Volume, type VolumeInput } from './volume.js';

/** The reader's advice for a header without a voxel size, in the CLI's terms. */
const ANGPIX_ADVICE = /give it with --angpix, or fix the header with occupy pixel-size set MAP --angpix A/;
/** The same advice for a library caller. */
const LIBRARY_ANGPIX_ADVICE = 'read the map with permissive: true (voxels of 1 Å) and set its voxelSizeA';

/** Largest finite float16 value (mode 12). */
const FLOAT16_MAX = 65504;

/** What each mode holds: its type and the values it stores (integer modes round to the nearest integer, ties away from 0). */
const MODE_RANGE: Readonly<Record<MrcMode, { name: string; min: number; max: number }>> = {
  0: { name: 'int8', min: -128, max: 127 },
  1: { name: 'int16', min: -32768, max: 32767 },
  2: { name: 'float32', min: -Infinity, max: Infinity },
  6: { name: 'uint16', min: 0, max: 65535 },
  12: { name: 'float16', min: -FLOAT16_MAX, max: FLOAT16_MAX },
};

/** A map read by {@link readMrc}: the {@link Volume} and the header exactly as stored. */
export interface MrcVolume extends Volume {
  /** The file's header as stored (nx/ny/nz and start indices in the file's axis order). */
  header: MrcHeader;
}

/** Options of {@link readMrc}. */
export interface ReadMrcOptions {
  /**
   * Accept common header defects (missing `'MAP '` tag, `mapc/mapr/maps` not a permutation, zero
   * cell lengths, trailing bytes) instead of throwing. Default false.
   */
  permissive?: boolean;
  /** Accept NaN/±Infinity voxels instead of throwing. Default false. */
  allowNonFinite?: boolean;
}

/** Options of {@link writeMrc}. */
export interface WriteMrcOptions {
  /**
   * A map read by {@link readMrc} (or its header) to take the axis order (`mapc/mapr/maps`), space
   * group, cell angles and labels from; `nxstart/nystart/nzstart` and `origin` are kept when they
   * give the volume's `originA`. Box, cell lengths, mode and statistics come from the volume.
   */
  like?: MrcVolume | MrcHeader;
  /**
   * Data mode: 2 float32 (default), 0 int8, 1 int16, 6 uint16, 12 float16. The integer modes
   * store each value rounded to the nearest integer (ties away from 0): a map with values in
   * (−0.5, 0.5) reads back all 0, so scale it first; values outside the mode's range
   * (int8 −128…127, int16 −32768…32767, uint16 0…65535, float16 ±65504) are refused.
   */
  mode?: MrcMode;
  /**
   * Write NaN/±Infinity voxels (modes 2 and 12 only; {@link readMrc} then needs its own
   * `allowNonFinite`). Default false: such voxels are refused.
   */
  allowNonFinite?: boolean;
  /** Text labels (at most 10 kept, 80 characters each); default the `like` header's. */
  labels?: string[];
  /** Files that must not be overwritten (compared as files: device and inode). */
  protect?: string[];
}

/**
 * Read an MRC/CCP4 map (MRC2014; `.mrc`, `.map`, `.ccp4`, optionally gzip-compressed) from a file
 * or from its bytes.
 *
 * Modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16) and 12 (float16) are read as float32. The
 * byte order comes from the machine stamp (or is detected); the file's `mapc/mapr/maps` axis
 * order is undone, so `data` is X-fastest with `shape` `[nx, ny, nz]` along the physical axes.
 * `voxelSizeA[i]` = cella[i] / m[i] (Å); `originA` as {@link Volume.originA}.
 *
 * @param source file path, or the whole file's bytes (not modified)
 * @param options see {@link ReadMrcOptions}
 * @returns the volume and the header as stored
 * @throws MrcFormatError when the file is not a valid map (truncated, unknown mode, corrupt gzip,
 *   NaN voxels …), message prefixed with the path; for zero cell lengths (no voxel size) it says
 *   to read with `permissive: true` (1 Å voxels) and set `voxelSizeA`
 * @throws Error `cannot read map '<path>': …` when the file cannot be read (missing, a folder …)
 * @throws TypeError when `source` is neither a string nor a Uint8Array
 * @throws OptionError for an unknown option or one of the wrong type (naming it)
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php (MRC2014)
 */
export async function readMrc(source: string | Uint8Array, options: ReadMrcOptions = {}): Promise<MrcVolume> {
  checkKnownKeys(options, ['permissive', 'allowNonFinite']);
  for (const key of ['permissive', 'allowNonFinite'] as const) if (options[key] !== undefined && typeof options[key] !== 'boolean') throw optionError(key, 'true or false', options[key]);
  const o = { permissive: options.permissive === true, allowNonFinite: options.allowNonFinite === true };
  let map;
  try {
    if (typeof source === 'string') map = await readMrcFile(source, o);
    else if (source instanceof Uint8Array) map = readMrcBuffer(source, o);
  } catch (err) {
    // the library's way to give a voxel size the header lacks (the message had named the CLI's
    // --angpix and `occupy pixel-size set`)
    if (err instanceof MrcFormatError && ANGPIX_ADVICE.test(err.message)) throw new MrcFormatError(err.message.replace(ANGPIX_ADVICE, LIBRARY_ANGPIX_ADVICE), { cause: err.cause });
    throw err;
  }
  if (!map) throw new TypeError(`source must be a file path or a Uint8Array of the file, got ${typeof source === 'object' && source !== null && !ArrayBuffer.isView(source) && !Array.isArray(source) ? 'an object' : describe(source)}`);
  const { volume, header } = map;
  return {
    data: volume.data,
    shape: [volume.shape[0], volume.shape[1], volume.shape[2]],
    voxelSizeA: [...volume.voxelSizeA],
    originA: headerOriginA(header, volume.voxelSizeA),
    header,
  };
}

/**
 * Write a volume to an MRC2014 file, atomically: the file is written under a temporary name in
 * the same folder, fsynced and renamed onto `path` (never left half-written); `.gz` paths are
 * gzip-compressed. The header gets the box, cell (box × voxel size, Å), mode and statistics of the
 * volume; `originA` is stored in the header's `origin` (start indices 0), unless the `like` map's
 * start indices or origin already give it (then they are kept as they are).
 *
 * @param path output file path (its folder is created when missing)
 * @param volume the map; `data` length nx*ny*nz, X fastest; not modified
 * @param options see {@link WriteMrcOptions}
 * @throws TypeError for a volume of the wrong kind (see `checkVolume`); OptionError for an invalid
 *   value or option (naming it): an unknown option, `labels`/`protect` not lists of strings, a
 *   `like` that is not a map or header, a voxel size or origin an MRC header cannot store,
 *   NaN/±Infinity voxels (`volume.data`; unless `allowNonFinite` with mode 2 or 12), values
 *   outside the mode's range (`mode`: int8 −128…127, int16 −32768…32767, uint16 0…65535, float16
 *   ±65504; integer modes round each value to the nearest integer)
 * @throws OptionError (`path`) for a path ending in '/' (a folder)
 * @throws Error `refusing to overwrite input …` for a protected path, and I/O errors in the
 *   user's terms, naming `path` (never the temporary file): `cannot write '<path>': no space left
 *   on device`, `… : no file can be created in '<folder>' (no such file or directory)`, and when
 *   the missing folder cannot be made `cannot write '<path>': cannot create output folder
 *   '<folder>': <reason>` (e.g. `no such file or directory`, `read-only file system`)
 * @see https://www.ccpem.ac.uk/mrc_format/mrc2014.php (MRC2014); shared/spec/occupy-algorithm.md §11 (outputs keep the input's origin and axis order)
 */
export async function writeMrc(path: string, volume: VolumeInput, options: WriteMrcOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path === '') throw optionError('path', 'a file path', path);
  // a path ending in a separator names a folder ('/x/dir/' had created a regular file 'dir')
  if (path.endsWith('/') || path.endsWith(sep)) throw optionError('path', "a file path (not ending in '/': that names a folder)", path);
  checkKnownKeys(options, ['like', 'mode', 'labels', 'protect', 'allowNonFinite']);
  if (options.allowNonFinite !== undefined && typeof options.allowNonFinite !== 'boolean') throw optionError('allowNonFinite', 'true or false', options.allowNonFinite);
  const v = checkVolume(volume, 'volume', false);
  const isHeader = (h: unknown): h is MrcHeader => typeof h === 'object' && h !== null && ['mapc', 'mapr', 'maps', 'origin', 'cella'].every((k) => k in h);
  const likeGiven = options.like as unknown;
  const like = likeGiven === undefined ? undefined : isHeader(likeGiven) ? likeGiven : typeof likeGiven === 'object' && likeGiven !== null && 'header' in likeGiven && isHeader(likeGiven.header) ? likeGiven.header : undefined;
  if (likeGiven !== undefined && like === undefined) throw optionError('like', 'a map read by readMrc, or its header', likeGiven);
  if (options.mode !== undefined && ![0, 1, 2, 6, 12].includes(options.mode)) throw optionError('mode', '0, 1, 2, 6 or 12', options.mode);
  for (const key of ['labels', 'protect'] as const) {
    const list = options[key] as unknown;
    if (list !== undefined && !(Array.isArray(list) && list.every((x) => typeof x === 'string'))) throw optionError(key, 'a list of strings', list);
  }
  // what an MRC header can store: cell lengths (box × voxel size) and origin as finite float32
  for (let i = 0; i < 3; i++) {
    const error = voxelSizeError('volume.voxelSizeA', v.voxelSizeA[i], [v.shape[i]]);
    if (error) throw optionError('volume.voxelSizeA', 'voxel sizes whose cell (box × voxel size) an MRC header can store', v.voxelSizeA, error);
  }
  if (v.originA.some((o) => !Number.isFinite(Math.fround(o)))) throw optionError('volume.originA', 'an origin an MRC header can store (finite float32 numbers, Å)', v.originA);
  // data the file would lose: NaN/±Infinity voxels (readMrc refuses such a file; an integer mode
  // wrote NaN as 0) and values beyond the mode's range (integer modes saturated silently: −50000…
  // 54000 became −128…127 in mode 0, a map in −0.106…0.221 read back all 0 from mode 6)
  let lo = Infinity;
  let hi = -Infinity;
  let nonFinite = 0;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i];
    if (x - x !== 0) nonFinite++;
    else {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  const mode = options.mode ?? 2;
  if (nonFinite > 0 && !(options.allowNonFinite === true && (mode === 2 || mode === 12))) {
    const why = mode === 2 || mode === 12 ? 'readMrc refuses such a file unless allowNonFinite; pass allowNonFinite: true to write them anyway' : `mode ${mode} (${MODE_RANGE[mode].name}) cannot store them`;
    throw optionError('volume.data', 'finite numbers (no NaN or ±Infinity)', `${nonFinite} non-finite voxels`, `volume.data has ${nonFinite} NaN/±Infinity voxel${nonFinite === 1 ? '' : 's'} (${why}): replace them first`);
  }
  const range = MODE_RANGE[mode];
  if (range && mode !== 2 && nonFinite < v.data.length && (lo < range.min || hi > range.max)) {
    const held = mode === 12 ? `±${FLOAT16_MAX}` : `integers ${range.min}…${range.max}`;
    throw optionError('mode', `a mode that holds the values (${range.name} holds ${held}; use 2, float32)`, options.mode, `mode ${mode} (${range.name}) cannot hold the volume's values (${lo} … ${hi}; ${range.name} holds ${held}): use mode 2 (float32) or scale the map`);
  }
  let template: MrcHeader | undefined;
  const zeroStart = { nxstart: 0, nystart: 0, nzstart: 0 };
  if (like) {
    const kept = headerOriginA(like, v.voxelSizeA);
    const same = kept.every((o, i) => Math.abs(o - v.originA[i]) <= 1e-4 * Math.max(1, Math.abs(o)));
    template = same ? like : { ...like, ...zeroStart, origin: [...v.originA] };
  } else if (v.originA.some((o) => o !== 0)) {
    // a header with the default fields, carrying the origin only
    template = { ...zeroStart, mapc: 1, mapr: 2, maps: 3, ispg: 1, cellb: [90, 90, 90], origin: [...v.originA], labels: [] } as unknown as MrcHeader;
  }
  await writeMrcFile(path, v, { template, mode: options.mode, labels: options.labels, protect: options.protect });
}
