import { MrcFormatError } from './errors.js';

/**
 * MRC2014 data modes this package reads and writes:
 * 0 = int8 (signed), 1 = int16, 2 = float32, 6 = uint16, 12 = float16 (IEEE 754 half).
 */
export type MrcMode = 0 | 1 | 2 | 6 | 12;

/** The supported modes, in increasing order. */
export const SUPPORTED_MODES: readonly MrcMode[] = [0, 1, 2, 6, 12];

/** Human-readable name of each supported mode. */
export const MODE_NAMES: Readonly<Record<MrcMode, string>> = {
  0: 'int8',
  1: 'int16',
  2: 'float32',
  6: 'uint16',
  12: 'float16',
};

/** Names of MRC2014 modes that exist but are not supported here (for error messages). */
const UNSUPPORTED_MODE_NAMES: Readonly<Record<number, string>> = {
  3: 'complex int16',
  4: 'complex float32',
  101: '4-bit packed',
};

/** Bytes per voxel of each supported mode. */
const BYTES_PER_VOXEL: Readonly<Record<MrcMode, number>> = { 0: 1, 1: 2, 2: 4, 6: 2, 12: 2 };

/** True when `mode` is one of {@link SUPPORTED_MODES}. */
export function isSupportedMode(mode: number): mode is MrcMode {
  return mode === 0 || mode === 1 || mode === 2 || mode === 6 || mode === 12;
}

/**
 * Check that `mode` is supported and narrow its type.
 * @throws MrcFormatError naming the mode found and listing the supported ones
 */
export function assertSupportedMode(mode: number): MrcMode {
  if (isSupportedMode(mode)) return mode;
  const what = UNSUPPORTED_MODE_NAMES[mode];
  const supported = SUPPORTED_MODES.map((m) => `${m} (${MODE_NAMES[m]})`).join(', ');
  throw new MrcFormatError(`unsupported mode ${mode}${what ? ` (${what})` : ''}: supported modes are ${supported}`);
}

/** Size of one voxel of `mode` in the file, bytes. */
export function bytesPerVoxel(mode: MrcMode): number {
  return BYTES_PER_VOXEL[mode];
}

/** True when this machine is little-endian (typed arrays use the host order). */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Scratch for float <-> bits reinterpretation (module-level: no per-call allocation).
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Convert a number to the nearest IEEE 754 binary16 (half) value, returned as its 16-bit pattern.
 *
 * Rounding is to nearest, ties to even. The input is first rounded to float32; going
 * float64 → float32 → float16 gives the same result as direct rounding because float32 has
 * 24 ≥ 2·11 + 2 significand bits (double rounding is innocuous). Values beyond ±65504 (after
 * rounding) become ±Infinity, values below 2^-25 in magnitude become ±0, NaN stays NaN.
 *
 * @param value any number
 * @returns the half-precision bit pattern, 0..65535
 */
export function floatToHalfBits(value: number): number {
  scratchF32[0] = value;
  const bits = scratchU32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): value = m * 2^-24 with m = M * 2^(exp - 126), M = 1.mant as integer.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/**
 * Value of an IEEE 754 binary16 (half) bit pattern.
 *
 * value = (-1)^s · 2^(e-15) · (1 + m/1024) for 1 ≤ e ≤ 30; (-1)^s · 2^-24 · m for e = 0;
 * ±Infinity / NaN for e = 31.
 *
 * @param bits half-precision bit pattern, 0..65535
 */
export function halfBitsToFloat(bits: number): number {
  const sign = (bits & 0x8000) !== 0 ? -1 : 1;
  const e = (bits >>> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m !== 0 ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let halfTable: Float32Array | undefined;

/** Lookup table of all 65536 half values (built on first use, 256 KiB). */
function getHalfTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloat(h);
  }
  return halfTable;
}

/** Copy `length` bytes to a fresh, aligned ArrayBuffer. */
function alignedCopy(bytes: Uint8Array, offset: number, length: number): ArrayBuffer {
  const copy = new Uint8Array(length);
  copy.set(bytes.subarray(offset, offset + length));
  return copy.buffer;
}

/**
 * Decode a block of voxels to float32, in file order (no axis permutation).
 *
 * @param bytes file contents
 * @param offset byte offset of the first voxel
 * @param count number of voxels to decode
 * @param mode data mode of the block
 * @param littleEndian byte order of the block
 * @param unsignedBytes mode 0 voxels are unsigned bytes 0..255 (IMOD's flag), not int8 (default false)
 * @returns a new Float32Array of length `count`, same order as the file
 * @throws RangeError when the block extends past the end of `bytes`
 */
export function decodeVoxels(bytes: Uint8Array, offset: number, count: number, mode: MrcMode, littleEndian: boolean, unsignedBytes = false): Float32Array {
  const length = count * BYTES_PER_VOXEL[mode];
  if (offset < 0 || offset + length > bytes.length) {
    throw new RangeError(`voxel block [${offset}, ${offset + length}) lies outside the ${bytes.length}-byte buffer`);
  }
  if (mode === 2 && littleEndian === HOST_LITTLE_ENDIAN) return new Float32Array(alignedCopy(bytes, offset, length));
  return decodeVoxelsInto(bytes, offset, count, mode, littleEndian, new Float32Array(count), 0, unsignedBytes);
}

/**
 * Decode a block of voxels into an existing array (for streamed reading: one chunk at a time).
 *
 * @param bytes holds the block; not modified
 * @param offset byte offset of the first voxel in `bytes`
 * @param count number of voxels to decode (`bytes` must hold offset + count*bytesPerVoxel bytes)
 * @param out receives the values at `out[outOffset .. outOffset+count)`
 * @param unsignedBytes mode 0 voxels are unsigned bytes 0..255 (IMOD's flag), not int8 (default false)
 * @returns `out`
 */
export function decodeVoxelsInto(bytes: Uint8Array, offset: number, count: number, mode: MrcMode, littleEndian: boolean, out: Float32Array, outOffset: number, unsignedBytes = false): Float32Array {
  const length = count * BYTES_PER_VOXEL[mode];
  if (mode === 0) {
    out.set(unsignedBytes ? bytes.subarray(offset, offset + count) : new Int8Array(bytes.buffer, bytes.byteOffset + offset, count), outOffset);
    return out;
  }
  if (littleEndian === HOST_LITTLE_ENDIAN) {
    const buf = alignedCopy(bytes, offset, length);
    if (mode === 1) out.set(new Int16Array(buf), outOffset);
    else if (mode === 6) out.set(new Uint16Array(buf), outOffset);
    else if (mode === 2) out.set(new Float32Array(buf), outOffset);
    else {
      const table = getHalfTable();
      const h = new Uint16Array(buf);
      for (let i = 0; i < count; i++) out[outOffset + i] = table[h[i]];
    }
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  switch (mode) {
    case 1:
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getInt16(2 * i, littleEndian);
      break;
    case 2:
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getFloat32(4 * i, littleEndian);
      break;
    case 6:
      for (let i = 0; i < count; i++) out[outOffset + i] = view.getUint16(2 * i, littleEndian);
      break;
    case 12: {
      const table = getHalfTable();
      for (let i = 0; i < count; i++) out[outOffset + i] = table[view.getUint16(2 * i, littleEndian)];
      break;
    }
  }
  return out;
}

/** Round to nearest (ties away from zero) and clamp to [lo, hi]; NaN → 0. */
function toInteger(v: number, lo: number, hi: number): number {
  if (v !== v) return 0;
  const r = v < 0 ? -Math.round(-v) : Math.round(v);
  return r < lo ? lo : r > hi ? hi : r;
}

/**
 * Encode voxels into the bytes of an MRC data block, in the given order.
 *
 * Integer modes round to nearest (ties away from zero), clamp to the type's range
 * (int8 -128..127, int16 -32768..32767, uint16 0..65535) and write NaN as 0. Float16 rounds to
 * nearest even (see {@link floatToHalfBits}).
 *
 * @param values voxel values in file order (columns fastest), density units; not modified
 * @param mode data mode to write
 * @param littleEndian byte order to write
 * @returns a new array of `values.length * bytesPerVoxel(mode)` bytes
 */
export function encodeVoxels(values: Float32Array, mode: MrcMode, littleEndian: boolean): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n * BYTES_PER_VOXEL[mode]);
  const view = new DataView(out.buffer);
  switch (mode) {
    case 0:
      for (let i = 0; i < n; i++) view.setInt8(i, toInteger(values[i], -128, 127));
      break;
    case 1:
      for (let i = 0; i < n; i++) view.setInt16(2 * i, toInteger(values[i], -32768, 32767), littleEndian);
      break;
    case 2:
      if (littleEndian === HOST_LITTLE_ENDIAN) out.set(new Uint8Array(values.buffer, values.byteOffset, 4 * n));
      else for (let i = 0; i < n; i++) view.setFloat32(4 * i, values[i], littleEndian);
      break;
    case 6:
      for (let i = 0; i < n; i++) view.setUint16(2 * i, toInteger(values[i], 0, 65535), littleEndian);
      break;
    case 12:
      for (let i = 0; i < n; i++) view.setUint16(2 * i, floatToHalfBits(values[i]), littleEndian);
      break;
  }
  return out;
}
