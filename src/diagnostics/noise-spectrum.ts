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

/**
 * Mean over `bin`³ blocks of `data` (shape `m`) into `out` (shape `mb`; the last voxels of an axis
 * not divisible by `bin` are dropped), accumulated in the cube's own order.
 */
function binInto(data: Float32Array, m: Shape3, mb: Shape3, bin: number, out: Float32Array): void {
  const w = 1 / (bin * bin * bin);
  const xb = new Int32Array(mb[0] * bin);
  for (let x = 0; x < xb.length; x++) xb[x] = Math.floor(x / bin);
  for (let z = 0; z < mb[2] * bin; z++) {
    for (let y = 0; y < mb[1] * bin; y++) {
      const src = (z * m[1] + y) * m[0];
      const dst = (Math.floor(z / bin) * mb[1] + Math.floor(y / bin)) * mb[0];
      for (let x = 0; x < xb.length; x++) out[dst + xb[x]] += w * data[src + x];
    }
  }
}

/**
 * The solvent weight on the cube's grid from the dilated mask on the binned grid: trilinear
 * interpolation as `trilinearResize` (periodic, the same arithmetic and float32 rounding), then
 * taper × clip(1 − mask/0.05, 0, 1) as {@link solventWeights}, in one pass; the same sums.
 */
function upsampledSolventWeights(coarse: Float32Array, mb: Shape3, m: Shape3, cube: Float32Array, wx: Float64Array, wy: Float64Array, wz: Float64Array): { w: Float32Array; sw: number; swv: number; sws2: number; swt: number; swt2: number } {
  const [nx, ny, nz] = mb;
  const [mx, my, mz] = m;
  const axis = (nIn: number, nOut: number) => {
    const i0 = new Int32Array(nOut);
    const i1 = new Int32Array(nOut);
    const f = new Float64Array(nOut);
    for (let i = 0; i < nOut; i++) {
      const u = (i * nIn) / nOut;
      const fl = Math.floor(u);
      i0[i] = fl % nIn;
      i1[i] = (fl + 1) % nIn;
      f[i] = u - fl;
    }
    return { i0, i1, f };
  };
  const ax = axis(nx, mx), ay = axis(ny, my), az = axis(nz, mz);
  // separably, with the same expressions: along x for every coarse row, then along y for every
  // coarse plane (yz[zc][y][x] is trilinearResize's c0/c1), then along z per voxel
  const rowX = new Float64Array(nz * ny * mx);
  for (let r = 0; r < nz * ny; r++) {
    const src = r * nx, dst = r * mx;
    for (let x = 0; x < mx; x++) {
      const a = coarse[src + ax.i0[x]];
      rowX[dst + x] = a + ax.f[x] * (coarse[src + ax.i1[x]] - a);
    }
  }
  const yz = new Float64Array(nz * my * mx);
  for (let zc = 0; zc < nz; zc++) {
    for (let y = 0; y < my; y++) {
      const r0 = (zc * ny + ay.i0[y]) * mx, r1 = (zc * ny + ay.i1[y]) * mx, fy = ay.f[y], dst = (zc * my + y) * mx;
      for (let x = 0; x < mx; x++) {
        const c00 = rowX[r0 + x];
        yz[dst + x] = c00 + fy * (rowX[r1 + x] - c00);
      }
    }
  }
  const w = new Float32Array(mx * my * mz);
  let sw = 0, swv = 0, sws2 = 0, swt = 0, swt2 = 0;
  let i = 0;
  for (let z = 0; z < mz; z++) {
    const p0 = az.i0[z] * my * mx, p1 = az.i1[z] * my * mx, fz = az.f[z];
    for (let y = 0; y < my; y++) {
      const q0 = p0 + y * mx, q1 = p1 + y * mx;
      const wyz = wy[y] * wz[z];
      for (let x = 0; x < mx; x++, i++) {
        const c0 = yz[q0 + x];
        const mask = Math.fround(c0 + fz * (yz[q1 + x] - c0));
        const t = wyz * wx[x];
        const c = 1 - 20 * mask;
        const s2 = c <= 0 ? 0 : c >= 1 ? t : t * c;
        w[i] = s2;
        sw += s2;
        swv += s2 * cube[i];
        sws2 += s2 * s2;
        swt += t;
        swt2 += t * t;
      }
    }
  }
  return { w, sw, swv, sws2, swt, swt2 };
}

/**
 * In one pass: `w ← (cube − solventMean) × w` (the weighted solvent) and `cube ← (cube − mean) ×
 * taper` (the tapered cube).
 */
function weightAndTaper(w: Float32Array, cube: Float32Array, m: Shape3, wx: Float64Array, wy: Float64Array, wz: Float64Array, solventMean: number, mean: number): void {
  let i = 0;
  for (let z = 0; z < m[2]; z++) {
    for (let y = 0; y < m[1]; y++) {
      const wyz = wy[y] * wz[z];
      for (let x = 0; x < m[0]; x++, i++) {
        const val = cube[i];
        w[i] = (val - solventMean) * w[i];
        cube[i] = (val - mean) * wyz * wx[x];
      }
    }
  }
}

/**
 * Fourier shell of every sample of a half spectrum (`rfft3d` layout, hx = nx/2 + 1 fastest):
 * round(|f| / df), or −1 beyond the last shell; and the number of samples per shell, counting the
 * samples that stand for their Hermitian mirror twice (x other than 0 and nx/2).
 */
function shellTable(shape: Shape3, voxelSizeA: readonly number[], nShells: number, df: number): { shell: Int32Array; count: Float64Array } {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const ex = nx * voxelSizeA[0], ey = ny * voxelSizeA[1], ez = nz * voxelSizeA[2];
  const fx2 = new Float64Array(hx);
  for (let x = 0; x < hx; x++) fx2[x] = (x / ex) ** 2;
  const nyqX = nx % 2 === 0 ? nx / 2 : -1;
  const shell = new Int32Array(hx * ny * nz);
  const count = new Float64Array(nShells);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / ez;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ey;
      for (let x = 0; x < hx; x++, i++) {
        const s = Math.round(Math.sqrt(fx2[x] + fy * fy + fz * fz) / df);
        if (s >= nShells) {
          shell[i] = -1;
          continue;
        }
        shell[i] = s;
        count[s] += x === 0 || x === nyqX ? 1 : 2;
      }
    }
  }
  return { shell, count };
}

/** RMS amplitude per shell of a real cube (shells from {@link shellTable}), normalised by sqrt(Σw² / N). */
function shellAmplitude(data: Float32Array, shape: Shape3, table: { shell: Int32Array; count: Float64Array }, sumW2: number): Float64Array {
  const f = rfft3d(data, shape);
  const hx = (shape[0] >> 1) + 1;
  const nyqX = shape[0] % 2 === 0 ? shape[0] / 2 : -1;
  const { shell, count } = table;
  const p = new Float64Array(count.length);
  for (let i = 0, x = 0; i < shell.length; i++, x++) {
    if (x === hx) x = 0;
    const s = shell[i];
    if (s < 0) continue;
    const re = f[2 * i], im = f[2 * i + 1];
    p[s] += (x === 0 || x === nyqX ? 1 : 2) * (re * re + im * im);
  }
  const norm = sumW2 > 0 ? sumW2 : 1;
  return Float64Array.from(p, (v, k) => (count[k] > 0 ? Math.sqrt(v / count[k] / norm) : 0));
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
  const nb = mb[0] * mb[1] * mb[2];
  let coarse = cube;
  if (bin > 1) {
    coarse = new Float32Array(nb);
    binInto(cube, m, mb, bin, coarse);
  }
  const blurred = gaussianSmooth(coarse, mb, [...vb], Math.max(8, 2 * aMax) / 2.3548);
  let bs = 0, bss = 0;
  for (let k = 0; k < nb; k++) { bs += blurred[k]; bss += blurred[k] * blurred[k]; }
  const bm = bs / nb;
  const thr = bm + Math.sqrt(Math.max(0, bss / nb - bm * bm));
  for (let k = 0; k < nb; k++) blurred[k] = blurred[k] > thr ? 1 : 0;
  const dilatedCoarse = gaussianSmooth(blurred, mb, [...vb], Math.max(6, 2 * aMax));
  // weights: solvent × taper (upsampled from the binned grid, or in place of the dilated mask), and taper alone
  const wx = tukey8(m[0]), wy = tukey8(m[1]), wz = tukey8(m[2]);
  const { w: dilated, sw, swv, sws2, swt, swt2 } = bin === 1 ? { w: dilatedCoarse, ...solventWeights(dilatedCoarse, cube, m, wx, wy, wz) } : upsampledSolventWeights(dilatedCoarse, mb, m, cube, wx, wy, wz);
  const solventMean = sw > 0 ? swv / sw : mean;
  const edges = [0, 1, 2].map((a) => m[a] * vs[a]);
  const df = 1 / Math.max(...edges);
  const nyquistPerA = Math.min(...vs.map((a) => 0.5 / a));
  const nShells = Math.floor(nyquistPerA / df) + 1;
  // the weighted solvent (in place of the weights) and the tapered cube
  weightAndTaper(dilated, cube, m, wx, wy, wz, solventMean, mean);
  const table = shellTable(m, vs, nShells, df);
  const noise = shellAmplitude(dilated, m, table, sws2);
  const total = shellAmplitude(cube, m, table, swt2);
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
