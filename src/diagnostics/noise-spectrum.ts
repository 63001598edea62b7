/**
 * Spectrum of the solvent noise of a map, and how it changes just below the map's resolution: the
 * evidence of the `sharpened` finding.
 *
 * Sharpening multiplies every Fourier amplitude by exp(|B| k²/4), the noise as much as the signal.
 * The solvent of a raw reconstruction holds noise whose amplitude is flat (white, as in simulated
 * maps) or falls with frequency (real maps); after sharpening it rises towards the cut-off. The
 * molecule's own spectrum cannot tell a sharpened map from a simulated map of sharp atoms, the
 * solvent's can.
 *
 * Measured on a centre cube of min(n, 96) voxels per axis (canonical layout, x fastest):
 * molecular mask = the cube (2×-binned when its edge is ≥ 48 voxels) blurred to FWHM max(8 Å, 2
 * voxels), above its mean + 1 std, dilated by a Gaussian of sigma max(6 Å, 2 voxels), interpolated
 * back; solvent weight = 1 − (dilated mask / 0.05), clipped to
 * [0, 1], times a separable Tukey taper (an eighth of each edge). The noise spectrum is the RMS
 * Fourier amplitude per shell of (map − solvent mean) × weight over sqrt(mean weight²); the total
 * spectrum the same with the taper alone. Requires `await loadFft()` first.
 * @see docs/diagnostics.md
 */
import type { Shape3, Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';
import { trilinearResize } from '../filters/trilinear-resize.js';

/** Edge of the analysed cube (voxels). */
export const NOISE_CUBE = 96;
/** A drop of ln(total amplitude) over two shells larger than this is a hard cut-off (a factor e^1.5 ≈ 4.5). */
export const NOISE_CUTOFF_DROP_LN = 1.5;
/** The band of the rise: from this fraction of the end frequency to the end frequency. */
export const NOISE_BAND_FROM = 0.75;
/**
 * The band holds at least this many shells (it starts earlier than 0.75 × its end when needed, but
 * not before shell 2): a cut-off at 8–12 Å in a 64–96-voxel cube leaves only 2–3 shells in
 * 0.75–1 × the end, too few for a slope (measured: sharpened 8 Å maps at 0.8 Å voxels went
 * unflagged; docs/diagnostics.md).
 */
export const NOISE_BAND_MIN_SHELLS = 4;
/**
 * The band ends this many shells before a hard cut-off: closer shells are pulled down by the cut
 * (the solvent weight spreads every shell over its neighbours), which hides a rise.
 */
export const NOISE_BAND_CUTBACK = 3;

/** What {@link solventNoiseSpectrum} returns. */
export interface NoiseSpectrum {
  /** Spatial frequency of each shell, 1/Å (shell k at k / largest cube edge in Å). */
  frequencyPerA: Float64Array;
  /** RMS Fourier amplitude of the weighted solvent per shell (density units × voxels^1.5). */
  noise: Float64Array;
  /** RMS Fourier amplitude of the whole tapered cube per shell. */
  total: Float64Array;
  /** Mean solvent weight over mean taper weight: the share of the cube treated as solvent. */
  solventFraction: number;
  /** Frequency (1/Å) of the first hard cut-off of the total spectrum beyond 1/25 Å; NaN without one. */
  cutoffPerA: number;
  /** The band of the rise, 1/Å: end = three shells before the cut-off (or 0.9 × Nyquist), start = 0.75 × end or earlier to hold 4 shells. */
  bandFromPerA: number;
  bandToPerA: number;
  /** Shells in the band. */
  bandShells: number;
  /**
   * Rise of ln(noise amplitude) across the band from a least-squares line against k²:
   * slope × (end² − start²). Positive: the noise grows towards the resolution (sharpened);
   * ≈ 0 white noise; negative falling. NaN when fewer than 3 shells or under 5 % solvent.
   */
  noiseRiseLn: number;
}

function tukey8(n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const t = Math.max(1, Math.floor(n / 8));
  for (let i = 0; i < t; i++) {
    const v = 0.5 * (1 - Math.cos((Math.PI * (i + 0.5)) / t));
    w[i] = v;
    w[n - 1 - i] = v;
  }
  return w;
}

/** Copy the sub-box at offset `o` of shape `m` into `out`; returns the sum of its values. */
function cropInto(data: Float32Array, shape: Shape3, o: readonly number[], m: Shape3, out: Float32Array): number {
  const [nx, ny] = shape;
  let i = 0;
  let sum = 0;
  for (let z = 0; z < m[2]; z++) {
    for (let y = 0; y < m[1]; y++) {
      const src = ((z + o[2]) * ny + y + o[1]) * nx + o[0];
      for (let x = 0; x < m[0]; x++) {
        const val = data[src + x];
        out[i++] = val;
        sum += val;
      }
    }
  }
  return sum;
}

/**
 * Turn the dilated mask into the solvent weight taper × clip(1 − mask/0.05, 0, 1), in place; the
 * sums of the weight, weight × value, weight², taper and taper².
 */
function solventWeights(w: Float32Array, cube: Float32Array, m: Shape3, wx: Float64Array, wy: Float64Array, wz: Float64Array): { sw: number; swv: number; sws2: number; swt: number; swt2: number } {
  let sw = 0, swv = 0, sws2 = 0, swt = 0, swt2 = 0;
  let i = 0;
  for (let z = 0; z < m[2]; z++) {
    for (let y = 0; y < m[1]; y++) {
      const wyz = wy[y] * wz[z];
      for (let x = 0; x < m[0]; x++, i++) {
        const t = wyz * wx[x];
        const c = 1 - 20 * w[i];
        const s = c <= 0 ? 0 : c >= 1 ? t : t * c;
        w[i] = s;
        sw += s;
        swv += s * cube[i];
        sws2 += s * s;
        swt += t;
        swt2 += t * t;
      }
    }
  }
  return { sw, swv, sws2, swt, swt2 };
}

/** cube ← (cube − mean) × taper, in place. */
function taperInPlace(cube: Float32Array, m: Shape3, wx: Float64Array, wy: Float64Array, wz: Float64Array, mean: number): void {
  let i = 0;
  for (let z = 0; z < m[2]; z++) {
    for (let y = 0; y < m[1]; y++) {
      const wyz = wy[y] * wz[z];
      for (let x = 0; x < m[0]; x++, i++) cube[i] = (cube[i] - mean) * wyz * wx[x];
    }
  }
}

/** Mean over `bin`³ blocks (the last voxels of an axis not divisible by `bin` are dropped). */
function binCube(data: Float32Array, m: Shape3, mb: Shape3, bin: number): Float32Array {
  const out = new Float32Array(mb[0] * mb[1] * mb[2]);
  const w = 1 / (bin * bin * bin);
  for (let z = 0; z < mb[2] * bin; z++) {
    for (let y = 0; y < mb[1] * bin; y++) {
      const src = (z * m[1] + y) * m[0];
      const dst = (Math.floor(z / bin) * mb[1] + Math.floor(y / bin)) * mb[0];
      for (let x = 0; x < mb[0] * bin; x++) out[dst + Math.floor(x / bin)] += w * data[src + x];
    }
  }
  return out;
}

/** RMS amplitude per shell of a real cube, normalised by sqrt(Σw² / N). */
function shellAmplitude(data: Float32Array, shape: Shape3, voxelSizeA: readonly number[], nShells: number, df: number, sumW2: number): Float64Array {
  const f = rfft3d(data, shape);
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const ex = nx * voxelSizeA[0], ey = ny * voxelSizeA[1], ez = nz * voxelSizeA[2];
  const p = new Float64Array(nShells);
  const c = new Float64Array(nShells);
  const nyqX = nx % 2 === 0 ? nx / 2 : -1;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / ez;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ey;
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const s = Math.round(Math.sqrt((x / ex) ** 2 + fy * fy + fz * fz) / df);
        if (s >= nShells) continue;
        const w = x === 0 || x === nyqX ? 1 : 2;
        const i = 2 * (o + x);
        p[s] += w * (f[i] * f[i] + f[i + 1] * f[i + 1]);
        c[s] += w;
      }
    }
  }
  const norm = sumW2 > 0 ? sumW2 : 1;
  return Float64Array.from(p, (v, k) => (c[k] > 0 ? Math.sqrt(v / c[k] / norm) : 0));
}

/**
 * Measure the solvent noise spectrum and its rise below the resolution (see the module comment).
 * @param v the map, canonical layout; not modified
 */
export function solventNoiseSpectrum(v: Volume): NoiseSpectrum {
  const [nx, ny, nz] = v.shape;
  const m: Shape3 = [Math.min(nx, NOISE_CUBE), Math.min(ny, NOISE_CUBE), Math.min(nz, NOISE_CUBE)];
  const o = [(nx - m[0]) >> 1, (ny - m[1]) >> 1, (nz - m[2]) >> 1];
  const n = m[0] * m[1] * m[2];
  const cube = new Float32Array(n);
  const mean = cropInto(v.data, v.shape, o, m, cube) / n;
  const vs = v.voxelSizeA;
  const aMax = Math.max(...vs);
  // molecular mask: blurred map above mean + 1 std, dilated; on a 2×-binned copy when the cube is
  // large (the mask is smooth on that scale; a quarter of the cost of the four FFTs)
  const bin = Math.min(...m) >= 48 ? 2 : 1;
  const mb: Shape3 = [Math.floor(m[0] / bin), Math.floor(m[1] / bin), Math.floor(m[2] / bin)];
  const vb = [vs[0] * bin, vs[1] * bin, vs[2] * bin] as const;
  const coarse = bin === 1 ? cube : binCube(cube, m, mb, bin);
  const nb = mb[0] * mb[1] * mb[2];
  const blurred = gaussianSmooth(coarse, mb, [...vb], Math.max(8, 2 * aMax) / 2.3548);
  let bs = 0, bss = 0;
  for (let k = 0; k < nb; k++) { bs += blurred[k]; bss += blurred[k] * blurred[k]; }
  const bm = bs / nb;
  const thr = bm + Math.sqrt(Math.max(0, bss / nb - bm * bm));
  for (let k = 0; k < nb; k++) blurred[k] = blurred[k] > thr ? 1 : 0;
  const dilatedCoarse = gaussianSmooth(blurred, mb, [...vb], Math.max(6, 2 * aMax));
  const dilated = bin === 1 ? dilatedCoarse : trilinearResize(dilatedCoarse, mb, m);
  // weights: solvent × taper (in place of the dilated mask), and taper alone
  const wx = tukey8(m[0]), wy = tukey8(m[1]), wz = tukey8(m[2]);
  const { sw, swv, sws2, swt, swt2 } = solventWeights(dilated, cube, m, wx, wy, wz);
  const solventMean = sw > 0 ? swv / sw : mean;
  const edges = [0, 1, 2].map((a) => m[a] * vs[a]);
  const df = 1 / Math.max(...edges);
  const nyquistPerA = Math.min(...vs.map((a) => 0.5 / a));
  const nShells = Math.floor(nyquistPerA / df) + 1;
  const solventData = new Float32Array(n);
  for (let k = 0; k < n; k++) solventData[k] = (cube[k] - solventMean) * dilated[k];
  const noise = shellAmplitude(solventData, m, vs, nShells, df, sws2);
  taperInPlace(cube, m, wx, wy, wz, mean);
  const total = shellAmplitude(cube, m, vs, nShells, df, swt2);
  const frequencyPerA = Float64Array.from({ length: nShells }, (_, k) => k * df);
  // first hard cut-off of the total spectrum beyond 1/25 Å (and beyond the 5th shell)
  let cut = -1;
  const ln = (a: number): number => Math.log(Math.max(a, 1e-300));
  for (let k = Math.max(5, Math.ceil(1 / 25 / df)); k + 1 < nShells; k++) {
    if (ln(total[k - 1]) - ln(total[k + 1]) > NOISE_CUTOFF_DROP_LN) {
      cut = k;
      break;
    }
  }
  const kEnd = cut > 0 ? cut - NOISE_BAND_CUTBACK : Math.floor(0.9 * (nShells - 1));
  const fEnd = frequencyPerA[Math.max(0, kEnd)];
  // at least NOISE_BAND_MIN_SHELLS shells (from shell 2 on): a coarse cut-off leaves few shells in 0.75–1 × end
  const kWide = kEnd - NOISE_BAND_MIN_SHELLS + 1;
  const fStart = kWide >= 2 ? Math.min(NOISE_BAND_FROM * fEnd, frequencyPerA[kWide]) : NOISE_BAND_FROM * fEnd;
  let cnt = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let k = 1; k <= kEnd; k++) {
    if (frequencyPerA[k] < fStart) continue;
    const xk = frequencyPerA[k] ** 2;
    const yk = ln(noise[k]);
    cnt++;
    sx += xk;
    sy += yk;
    sxx += xk * xk;
    sxy += xk * yk;
  }
  const solventFraction = swt > 0 ? sw / swt : 0;
  const slope = cnt >= 3 ? (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx) : Number.NaN;
  const noiseRiseLn = solventFraction >= 0.05 && Number.isFinite(slope) ? slope * (fEnd * fEnd - fStart * fStart) : Number.NaN;
  return {
    frequencyPerA,
    noise,
    total,
    solventFraction,
    cutoffPerA: cut > 0 ? frequencyPerA[cut] : Number.NaN,
    bandFromPerA: fStart,
    bandToPerA: fEnd,
    bandShells: cnt,
    noiseRiseLn,
  };
}
