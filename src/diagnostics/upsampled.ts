/**
 * Is a map Fourier-upsampled (resampled to a finer voxel size by padding its spectrum)? Its
 * spectrum then holds nothing beyond the old Nyquist along every axis, in a cube of frequencies
 * (not a sphere, as a hard low-pass leaves): the spectral checks (`sharpened`, `locally-filtered`)
 * read the empty band as a fall of the noise and of the signal, and called such maps sharpened
 * (docs/diagnostics.md, *Upsampled maps*). They are run on the map cropped back in Fourier space to
 * the box its content fills. Requires `await loadFft()` first.
 * @see docs/diagnostics.md
 */
import type { Shape3, Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { EMPTY_SHELL_SHARE } from '../resolution/prewhiten.js';

/** Planes transformed per pair of axes (spread over the third axis). */
const PLANES = 16;
/** The content must end at or below this fraction of Nyquist on every axis (upsampled by about 1.2 × or more). */
export const UPSAMPLED_CONTENT_MAX = 0.85;
/**
 * The corner of the content's square in a plane spectrum (both frequencies within 0.75–1 × their
 * limits, beyond the inscribed circle) holds more than this share of the plane spectrum's power in
 * an upsampled map: 1.2·10⁻¹³ (EMD-1439, low-passed and masked before it was deposited) to 2·10⁻²
 * on the maps of docs/diagnostics.md upsampled 1.25–2 ×; a hard spherical low-pass leaves float
 * round-off there, 1.1–7.6·10⁻¹⁶ (33 maps: 17 raw, their hard low-passes at 1.6 × Nyquist's
 * resolution, and the synthetic ones low-passed by `sharpen`).
 */
const CORNER_SHARE = 1e-14;

/**
 * Power of a few planes' 2D spectra (mean removed), summed: xy-planes (`'xy'`) or xz-planes
 * (`'xz'`) at {@link PLANES} positions spread along the third axis; `[hx × nB]`, hx = floor(nx/2) + 1,
 * nB = ny or nz.
 */
function planePower(v: Volume, which: 'xy' | 'xz'): { power: Float64Array; hA: number; nB: number } {
  const [nx, ny, nz] = v.shape;
  const nB = which === 'xy' ? ny : nz;
  const nC = which === 'xy' ? nz : ny;
  const hA = (nx >> 1) + 1;
  const power = new Float64Array(hA * nB);
  const plane = new Float32Array(nx * nB);
  const step = Math.max(1, Math.floor(nC / PLANES));
  for (let k = step >> 1; k < nC; k += step) {
    for (let j = 0; j < nB; j++) {
      const from = which === 'xy' ? (k * ny + j) * nx : (j * ny + k) * nx;
      plane.set(v.data.subarray(from, from + nx), j * nx);
    }
    let mean = 0;
    for (let q = 0; q < plane.length; q++) mean += plane[q];
    mean /= plane.length;
    for (let q = 0; q < plane.length; q++) plane[q] -= mean;
    const f = rfft3d(plane, [nx, nB, 1]);
    for (let q = 0; q < hA * nB; q++) power[q] += f[2 * q] * f[2 * q] + f[2 * q + 1] * f[2 * q + 1];
  }
  return { power, hA, nB };
}

/** Largest |frequency index| along A and B holding more than `EMPTY_SHELL_SHARE` of the strongest column's/row's power. */
function limits(p: { power: Float64Array; hA: number; nB: number }): [number, number] {
  const { power, hA, nB } = p;
  const colA = new Float64Array(hA), rowB = new Float64Array((nB >> 1) + 1);
  for (let j = 0; j < nB; j++) {
    const fj = j <= nB - j ? j : nB - j;
    for (let i = 0; i < hA; i++) {
      colA[i] += power[j * hA + i];
      rowB[fj] += power[j * hA + i];
    }
  }
  const last = (s: Float64Array): number => {
    let top = 0;
    for (let i = 1; i < s.length; i++) top = Math.max(top, s[i]);
    let l = s.length - 1;
    while (l > 0 && !(s[l] > EMPTY_SHELL_SHARE * top)) l--;
    return l;
  };
  return [last(colA), last(rowB)];
}

/**
 * The box a Fourier-upsampled map's content fills, or undefined for a map whose spectrum reaches
 * beyond {@link UPSAMPLED_CONTENT_MAX} of Nyquist on some axis, or ends in a sphere (a hard
 * low-pass). Measured on 16 xy- and 16 xz-planes (2D transforms of the whole planes, which a
 * Fourier-padded map makes periodic): the largest frequency index with power along each axis
 * (above {@link EMPTY_SHELL_SHARE} of the strongest: float round-off beyond it), and power in the
 * corner of the xy square of frequencies (beyond the circle a spherical low-pass leaves).
 * @param v the map, canonical layout (x fastest); not modified
 * @returns `[2Lx + 1, 2Ly + 1, 2Lz + 1]` for content up to index L per axis: the box to crop the
 *   spectrum to (voxel size n·a / (2L + 1) along each axis), or undefined
 */
export function fourierPaddedBox(v: Volume): Shape3 | undefined {
  const [nx, ny, nz] = v.shape;
  if (Math.min(nx, ny, nz) < 8) return undefined;
  const xy = planePower(v, 'xy');
  const [lx, ly] = limits(xy);
  const [lx2, lz] = limits(planePower(v, 'xz'));
  const l: Shape3 = [Math.max(lx, lx2), ly, lz];
  if (l.some((li, i) => !(li >= 2 && li <= UPSAMPLED_CONTENT_MAX * Math.floor(v.shape[i] / 2)))) return undefined;
  // power in the corner of the xy content square: a cube of frequencies, not a sphere
  let corner = 0, all = 0;
  for (let j = 0; j < ny; j++) {
    const fj = j <= ny - j ? j : ny - j;
    for (let i = 0; i < xy.hA; i++) {
      const p = xy.power[j * xy.hA + i];
      all += p;
      if (i > 0.75 * l[0] && i <= l[0] && fj > 0.75 * l[1] && fj <= l[1]) corner += p;
    }
  }
  if (!(corner > CORNER_SHARE * all)) return undefined;
  return [2 * l[0] + 1, 2 * l[1] + 1, 2 * l[2] + 1];
}
