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
import { EMPTY_SHELL_SHARE, emptyBeyondA, emptyShells } from '../resolution/prewhiten.js';
import { tukeyWindow } from '../math/tukey-window.js';

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
 * The 2D spectra of `count` planes spread along the third axis, mean removed: xy-planes (`'xy'`) or
 * xz-planes (`'xz'`), `[hx × nB]` complex each (hx = floor(nx/2) + 1, nB = ny or nz), handed to
 * `visit` one at a time (the array is the transform's own). With `taper`, a separable Tukey taper
 * (an eighth of each edge) after the mean is removed. With `w` (a second map's voxels, same box), the
 * planes of the two maps' average `0.5 · (v + w)`, formed plane by plane (no whole-box array).
 */
function eachPlaneSpectrum(v: Volume, which: 'xy' | 'xz', count: number, taper: boolean, visit: (f: Float32Array) => void, w?: Float32Array): { nB: number } {
  const [nx, ny, nz] = v.shape;
  const nB = which === 'xy' ? ny : nz;
  const nC = which === 'xy' ? nz : ny;
  const wa = taper ? tukeyWindow(nx, 8) : undefined, wb = taper ? tukeyWindow(nB, 8) : undefined;
  const plane = new Float32Array(nx * nB);
  const step = Math.max(1, Math.floor(nC / count));
  for (let k = step >> 1; k < nC; k += step) {
    for (let j = 0; j < nB; j++) {
      const from = which === 'xy' ? (k * ny + j) * nx : (j * ny + k) * nx;
      if (w) for (let i = 0; i < nx; i++) plane[j * nx + i] = 0.5 * (v.data[from + i] + w[from + i]);
      else plane.set(v.data.subarray(from, from + nx), j * nx);
    }
    let mean = 0;
    for (let q = 0; q < plane.length; q++) mean += plane[q];
    mean /= plane.length;
    if (wa && wb) for (let j = 0; j < nB; j++) for (let i = 0; i < nx; i++) plane[j * nx + i] = (plane[j * nx + i] - mean) * wa[i] * wb[j];
    else for (let q = 0; q < plane.length; q++) plane[q] -= mean;
    visit(rfft3d(plane, [nx, nB, 1]));
  }
  return { nB };
}

/**
 * Power of a few planes' 2D spectra (mean removed), summed: xy-planes (`'xy'`) or xz-planes
 * (`'xz'`) at {@link PLANES} positions spread along the third axis; `[hx × nB]`, hx = floor(nx/2) + 1,
 * nB = ny or nz.
 */
function planePower(v: Volume, which: 'xy' | 'xz'): { power: Float64Array; hA: number; nB: number } {
  const hA = (v.shape[0] >> 1) + 1;
  const power = new Float64Array(hA * (which === 'xy' ? v.shape[1] : v.shape[2]));
  const { nB } = eachPlaneSpectrum(v, which, PLANES, false, (f) => {
    for (let q = 0; q < power.length; q++) power[q] += f[2 * q] * f[2 * q] + f[2 * q + 1] * f[2 * q + 1];
  });
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

/** Planes transformed per pair of axes by {@link realSpaceUpsampledBox}. */
const COHERENCE_PLANES = 8;
/** Rows (or columns) of each plane spectrum summed over per frequency pair. */
const COHERENCE_ROWS = 32;
/** The smallest upsampling factor looked for (the old box at most n / this). */
const COHERENCE_MIN_FACTOR = 1.15;
/**
 * …and the largest (the old box at least n / this): EMD-5168 (a filament whose content ends at
 * 7.6 Å) upsampled 1.5 × read its x and z axes as upsampled 3 × (K = 50 of 149, from the
 * coherence of its low frequencies), and cropped to 50 voxels there lost its content.
 */
const COHERENCE_MAX_FACTOR = 2.5;
/** The three axes' factors n / K agree within this ratio (upsampling scales every axis alike). */
const FACTOR_AGREEMENT = 1.03;
/**
 * A real-space upsampled map's image band is coherent with its mirror at the old period K: mean
 * coherence at least this… (upsampled 1.25–2 × by trilinear, Keys-cubic and cubic B-spline
 * interpolation: 0.52–0.99; raw, low-passed, sharpened and Fourier-upsampled maps ≤ 0.31 but
 * EMD-5168, see docs/diagnostics.md)
 */
export const UPSAMPLED_COHERENCE_MIN = 0.5;
/** …and at least this above the coherence 3 bins either side (a peak at K, not smooth spectra: raw ≤ 0.16 but EMD-5168). */
export const UPSAMPLED_PROMINENCE_MIN = 0.3;

/**
 * Spectra of a few tapered planes: xy-planes (`'xy'`) or xz-planes (`'xz'`) at
 * {@link COHERENCE_PLANES} positions along the third axis, mean removed, separable Tukey taper (an
 * eighth of each edge: the seam of a box that is not periodic spreads a smooth, coherent spectrum
 * over every frequency); complex, `[hA × nB]` each, hA = floor(nA/2) + 1.
 */
function taperedPlaneSpectra(v: Volume, which: 'xy' | 'xz', w?: Float32Array): { specs: Float32Array[]; nA: number; nB: number } {
  const specs: Float32Array[] = [];
  const { nB } = eachPlaneSpectrum(v, which, COHERENCE_PLANES, true, (f) => specs.push(f), w);
  return { specs, nA: v.shape[0], nB };
}

/**
 * Coherence of a plane spectrum with itself shifted by K bins along one axis, for every K of
 * {@link COHERENCE_MIN_FACTOR}–{@link COHERENCE_MAX_FACTOR}: for each frequency k beyond K/2 (up to
 * Nyquist), |Σ G(k)·conj(G(k − K))| / √(Σ|G(k)|² Σ|G(k − K)|²) over a subset of the other axis'
 * frequencies and the planes, then the mean over k. Along `'A'` (the transform's half axis) the
 * partner of k − K < 0 is conj(G(K − k, −b)).
 * @returns coherence per K, index K (0 where not scanned)
 */
function shiftCoherence(p: { specs: Float32Array[]; nA: number; nB: number }, along: 'A' | 'B'): Float64Array {
  const { specs, nA, nB } = p;
  const hA = (nA >> 1) + 1;
  const n = along === 'A' ? nA : nB;
  const other = along === 'A' ? nB : hA;
  const oStep = Math.max(1, Math.floor(other / COHERENCE_ROWS));
  const out = new Float64Array(n + 1);
  const kMin = Math.ceil(n / COHERENCE_MAX_FACTOR), kMax = Math.floor(n / COHERENCE_MIN_FACTOR);
  for (let K = kMin; K <= kMax; K++) {
    let sum = 0, used = 0;
    for (let k = Math.floor(K / 2) + 1; k <= Math.min(K - 1, n >> 1); k++) {
      let sr = 0, si = 0, p1 = 0, p2 = 0;
      for (const f of specs) {
        for (let o = 0; o < other; o += oStep) {
          let a: number, b: number, conjB: boolean;
          if (along === 'A') {
            // G(k, o) · conj(G(k − K, o)) = G(k, o) · G(K − k, −o)
            a = 2 * (o * hA + k);
            b = 2 * (((nB - o) % nB) * hA + (K - k));
            conjB = false;
          } else {
            a = 2 * (k * hA + o);
            b = 2 * ((k - K + nB) * hA + o);
            conjB = true;
          }
          const ar = f[a], ai = f[a + 1], br = f[b], bi = conjB ? -f[b + 1] : f[b + 1];
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
          p1 += ar * ar + ai * ai;
          p2 += br * br + bi * bi;
        }
      }
      if (p1 > 0 && p2 > 0) {
        sum += Math.hypot(sr, si) / Math.sqrt(p1 * p2);
        used++;
      }
    }
    out[K] = used > 0 ? sum / used : 0;
  }
  return out;
}

/** The old box along one axis from its coherence per K: the K of the most prominent peak, or undefined. */
function oldPeriod(c: Float64Array): number | undefined {
  let best = -1, bestP = -Infinity;
  for (let K = 1; K < c.length; K++) {
    if (!(c[K] > 0)) continue;
    const p = c[K] - Math.max(c[K - 3] ?? 0, c[K + 3] ?? 0);
    if (p > bestP) {
      bestP = p;
      best = K;
    }
  }
  return best > 0 && c[best] >= UPSAMPLED_COHERENCE_MIN && bestP >= UPSAMPLED_PROMINENCE_MIN ? best : undefined;
}

/**
 * The box a map upsampled in real space (trilinear, cubic or spline interpolation onto a finer
 * grid, e.g. ChimeraX's `volume resample`, scipy's `zoom`) was upsampled from, or undefined. Such
 * a map's spectrum beyond the old Nyquist is not empty (as a Fourier pad leaves it,
 * {@link fourierPaddedBox}) but holds the images of the old spectrum, mirrored about the old
 * Nyquist and attenuated by the interpolation's transfer function: the spectral checks read them as
 * noise rising towards Nyquist or a flat signal (docs/diagnostics.md). The images are found by
 * their coherence: G(k) and G(k − K) carry the same old Fourier coefficient for the old box K, so
 * their normalised cross-product over the other axis' frequencies is near 1, where a map's own
 * Fourier coefficients at different frequencies are nearly independent (≈ 0.05). Measured on 8
 * tapered xy- and 8 xz-planes; every axis must show it, and the map must hold more than round-off
 * beyond the old Nyquist (its images: a map low-passed as made, its coherence read on the taper's
 * leakage into an empty band, is not upsampled; session 59).
 * @param v the map, canonical layout (x fastest); not modified
 * @param w optional: a second map's voxels on `v`'s box (e.g. the other half map), not modified;
 *   then the test reads the two maps' average `0.5 · (v + w)`, formed only on the planes it
 *   transforms (the same numbers as the average made over the whole box, without that array)
 * @returns the old box `[Kx, Ky, Kz]` (voxels; the map's spectra are read on the map cropped to it
 *   in Fourier space), or undefined
 * @param options `checkImages: false` leaves out the check that the map holds more than round-off
 *   beyond the old Nyquist (one or two whole-box transforms), for a caller whose own guard is
 *   stricter (the half maps' interpolation test: any empty shell at all means not interpolated)
 * @throws RangeError when `w` is not the length of `v`'s box
 */
export function realSpaceUpsampledBox(v: Volume, w?: Float32Array, options: { checkImages?: boolean } = {}): Shape3 | undefined {
  if (w && w.length !== v.data.length) throw new RangeError(`the second map has ${w.length} voxels, the first ${v.data.length}`);
  if (Math.min(...v.shape) < 16) return undefined;
  const xy = taperedPlaneSpectra(v, 'xy', w);
  const kx = oldPeriod(shiftCoherence(xy, 'A'));
  if (kx === undefined) return undefined;
  const ky = oldPeriod(shiftCoherence(xy, 'B'));
  if (ky === undefined) return undefined;
  const kz = oldPeriod(shiftCoherence(taperedPlaneSpectra(v, 'xz', w), 'B'));
  if (kz === undefined) return undefined;
  const factors = [kx, ky, kz].map((k, i) => v.shape[i] / k);
  if (Math.max(...factors) > FACTOR_AGREEMENT * Math.min(...factors)) return undefined;
  const box: Shape3 = [kx, ky, kz];
  return options.checkImages === false || holdsImages(v, box) ? box : undefined;
}

/**
 * Whether the map holds more than float round-off beyond the old Nyquist of `box` (its images). A
 * map low-passed as made holds nothing there: the taper's leakage of its passband into the empty
 * band (3·10⁻⁹–2·10⁻⁸ of the strongest column) can be coherent at some shift (reference-style half
 * maps with content to 4–6.4 Å on 0.9–1.2 Å voxels read an old box of 109 of 128, EMD-5168 as
 * deposited, content to 5.5 Å, one of 84 of 100 with the band 4.1–3.5 Å), which is no image. Empty shells as
 * {@link emptyShells} finds them (one or two transforms of the whole box, only for a map found
 * upsampled). A map low-passed, then interpolated, keeps its images beyond the old Nyquist (EMD-1883
 * upsampled 1.5 ×: content to 5.3 Å, old Nyquist 7.5 Å).
 */
function holdsImages(v: Volume, box: Shape3): boolean {
  const contentA = emptyBeyondA(emptyShells(v, v), 0.5 / Math.max(...v.voxelSizeA));
  if (contentA === undefined) return true;
  const oldNyquistA = 2 * Math.max(...box.map((k, i) => (v.voxelSizeA[i] * v.shape[i]) / k));
  return contentA < oldNyquistA;
}
