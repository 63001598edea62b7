/**
 * Subtraction mask computed in the page from the scale map (spec §10; the same formula as
 * `occupy subtraction-mask`, which the server API has no route for): per voxel the attenuation
 * factor `scale^(g-1)` or, for the sigmoid, `f(scale)/scale` below the pivot and 1 above it,
 * clipped to [0, 1]. The scale map is already on the input's box, so no resampling is needed.
 * @see shared/spec/occupy-algorithm.md §10
 */
import { checkModification, sigmoidCurve } from '../../occupancy/modification-curves.js';

/** Header offsets (bytes) of MRC2014 fields used here. */
const NX = 0;
const MODE = 12;
const DMIN = 76;
const DMAX = 80;
const DMEAN = 84;
const NSYMBT = 92;
const MACHST = 212;
const RMS = 216;
const HEADER_BYTES = 1024;

/** File name as `occupy subtraction-mask` writes it. */
export function subtractionMaskName(kind: 'attenuate' | 'sigmoid', gamma: number, pivot?: number): string {
  return kind === 'attenuate' ? `subtraction_mask_attn_${gamma.toFixed(1)}.mrc` : `subtraction_mask_sigm_${(pivot as number).toFixed(2)}.${gamma.toFixed(1)}.mrc`;
}

/**
 * Make a subtraction mask MRC from the bytes of a scale map MRC (mode 2, either byte order).
 * The header is copied (box, voxel size, origin, axis order kept) with new dmin/dmax/dmean/rms.
 *
 * @param scaleMrc bytes of `scale_<mode>_<stem>.mrc`
 * @returns bytes of the mask, mode 2, in the scale map's byte order
 * @throws RangeError for g <= 1 or a pivot outside [0.01, 0.99]; TypeError for a non-mode-2 file
 */
export function subtractionMaskMrc(scaleMrc: ArrayBuffer, kind: 'attenuate' | 'sigmoid', gamma: number, pivot?: number): ArrayBuffer {
  checkModification(kind, gamma, pivot);
  if (scaleMrc.byteLength < HEADER_BYTES) throw new TypeError(`scale map too short for an MRC header: ${scaleMrc.byteLength} bytes`);
  const hv = new DataView(scaleMrc);
  const little = hv.getUint8(MACHST) !== 0x11;
  const mode = hv.getInt32(MODE, little);
  if (mode !== 2) throw new TypeError(`scale map must be MRC mode 2 (float32), got mode ${mode}`);
  const n = hv.getInt32(NX, little) * hv.getInt32(NX + 4, little) * hv.getInt32(NX + 8, little);
  const offset = HEADER_BYTES + hv.getInt32(NSYMBT, little);
  if (scaleMrc.byteLength < offset + 4 * n) throw new TypeError(`scale map truncated: expected ${offset + 4 * n} bytes, got ${scaleMrc.byteLength}`);
  const out = scaleMrc.slice(0);
  const ov = new DataView(out);
  const f = kind === 'sigmoid' ? sigmoidCurve(gamma, pivot as number) : undefined;
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.min(1, Math.max(0, hv.getFloat32(offset + 4 * i, little)));
    let m: number;
    if (kind === 'attenuate') m = Math.pow(s, gamma - 1);
    else m = s >= (pivot as number) ? 1 : s > 0 ? (f as (x: number) => number)(s) / s : 0;
    m = Math.min(1, Math.max(0, m));
    ov.setFloat32(offset + 4 * i, m, little);
    const v = ov.getFloat32(offset + 4 * i, little);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    sum += v;
    sum2 += v * v;
  }
  const mean = sum / n;
  ov.setFloat32(DMIN, lo, little);
  ov.setFloat32(DMAX, hi, little);
  ov.setFloat32(DMEAN, mean, little);
  ov.setFloat32(RMS, Math.sqrt(Math.max(0, sum2 / n - mean * mean)), little);
  return out;
}
