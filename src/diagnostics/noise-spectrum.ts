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
import { irfft3d, rfft3d } from '../math/fft.js';
import { trilinearAxis } from '../filters/trilinear-resize.js';
import { Arena, arenaBytes, cropInto, inPieces } from './kernels.js';
import { tukeyWindow } from '../math/tukey-window.js';

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
/**
 * The solvent's share of a shell's amplitude (ln noise/total) counts at most this (ln 1.25) in
 * `solventShareDropLn`: per unit weight the solvent cannot hold more than the whole cube beyond
 * scatter, and a larger share is the solvent weight's leakage. A steeply rising spectrum (a raw map
 * sharpened by B −200 to −300 Å²) spreads through the solvent weight's edges into the coarse shells,
 * ln share 1–2 there against about 0 near the resolution, and read as a local filter (session 52:
 * 12 of 192 sharpened reference-style averages and synth_halves128's half 1 and synth_occres128's
 * map at B −200 flagged, 5.5–230-fold; capped, at most 1.7-fold). The locally filtered maps of
 * docs/diagnostics.md peak below it (their factors unchanged).
 */
export const SOLVENT_SHARE_CAP_LN = Math.log(1.25);

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
  /**
   * Frequency (1/Å) of the first hard cut-off of the total spectrum beyond 1/25 Å after which it
   * stays down, else the shell of `cutoffHintPerA`; NaN without either.
   */
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
  /**
   * Largest fall of the solvent's share of the amplitude, ln(noise/total at shell k₁) − ln(noise/total
   * at shell k₂), over shells 2 ≤ k₁ < k₂ up to the band's end (`bandToPerA`). In a raw or globally
   * low-passed map the share grows with frequency (the signal falls faster than the noise), so the
   * fall is small (ln ≤ 0.83 on the references, the real maps and the synthetic ones measured in
   * docs/diagnostics.md); a local filter low-passes the solvent far more than the molecule, and its
   * share collapses (ln 2.3–4.5). Each shell's share counts at most {@link SOLVENT_SHARE_CAP_LN}
   * (more is leakage of a steep spectrum through the solvent weight). NaN when fewer than 3 shells
   * or under 5 % solvent. Evidence of the `locally-filtered` finding.
   */
  solventShareDropLn: number;
  /**
   * The solvent's share of the amplitude at the band's end: ln(noise/total) averaged over the band's
   * last two shells (NaN under 5 % solvent or without a band). About 0 where the map is noise (a raw
   * map at its resolution); far below 0 where the molecule's signal still dominates, as at 0.9 ×
   * Nyquist in a map binned (Fourier-cropped) to a Nyquist coarser than its resolution (session 58;
   * rule 1 of `sharpened` is then not judged without a hard cut-off, see `THRESHOLDS.nyquistLimitedShareLn`).
   * Sharpening or blurring scales noise and signal alike and leaves it unchanged.
   */
  bandEndShareLn: number;
  /** Frequencies (1/Å) of the two shells of {@link solventShareDropLn} (NaN with it). */
  solventShareDropFromPerA: number;
  solventShareDropToPerA: number;
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

/** Options of {@link solventNoiseSpectrum}. */
export interface NoiseSpectrumOptions {
  /**
   * Frequency (1/Å) of a hard cut-off found in the whole map's spectrum (`GuinierFit.cutoffPerA`),
   * used when the cube's own spectrum shows none that stays down; NaN or undefined: none.
   */
  cutoffHintPerA?: number;
}

/**
 * Measure the solvent noise spectrum and its rise below the resolution (see the module comment).
 * The per-voxel loops run in WebAssembly (./kernels.ts; the same arithmetic as the JavaScript
 * functions above, bit-identical).
 * @param v the map, canonical layout; not modified
 * @param options a cut-off found elsewhere ({@link NoiseSpectrumOptions})
 */
export function solventNoiseSpectrum(v: Volume, options: NoiseSpectrumOptions = {}): NoiseSpectrum {
  const [nx, ny, nz] = v.shape;
  const m: Shape3 = [Math.min(nx, NOISE_CUBE), Math.min(ny, NOISE_CUBE), Math.min(nz, NOISE_CUBE)];
  const o = [(nx - m[0]) >> 1, (ny - m[1]) >> 1, (nz - m[2]) >> 1];
  const n = m[0] * m[1] * m[2];
  const vs = v.voxelSizeA;
  const aMax = Math.max(...vs);
  // molecular mask: blurred map above mean + 1 std, dilated; on a 2×-binned copy when the cube is
  // large (the mask is smooth on that scale; a quarter of the cost of the four FFTs)
  const bin = Math.min(...m) >= 48 ? 2 : 1;
  const mb: Shape3 = [Math.floor(m[0] / bin), Math.floor(m[1] / bin), Math.floor(m[2] / bin)];
  const vb = [vs[0] * bin, vs[1] * bin, vs[2] * bin] as const;
  const nb = mb[0] * mb[1] * mb[2];
  const hx = (m[0] >> 1) + 1;
  const specLen = 2 * m[1] * m[2] * hx;
  const edges = [0, 1, 2].map((a) => m[a] * vs[a]);
  const df = 1 / Math.max(...edges);
  const nyquistPerA = Math.min(...vs.map((a) => 0.5 / a));
  const nShells = Math.floor(nyquistPerA / df) + 1;
  const A = new Arena(arenaBytes(4 * n, 4 * n, 4 * nb, 4 * nb, 8 * mb[2] * mb[1] * m[0], 8 * mb[2] * m[1] * m[0], 4 * specLen, 4 * 8 * nShells, 12 * (m[0] + m[1] + m[2]), 8 * (m[0] + m[1] + m[2]), 8 * hx, 40, 2 * specLen, 4 * m[1] * nx, 8 * mb[1] * mb[2] * ((mb[0] >> 1) + 1), 4 * nb, 16, 2 * 8 * (mb[0] + mb[1] + mb[2] + 2), 2 * 8 * (mb[0] + mb[1] + mb[2] + 2)));
  const k = A.k;
  const cube = A.f32(n);
  cropInto(A, v.data, v.shape, o, m, A.f32((m[1] - 1) * nx + m[0]), cube);
  const mean = k.sum(cube.p, n) / n;
  let coarse = cube;
  if (bin > 1) {
    coarse = A.f32(nb);
    coarse.a.fill(0);
    inPieces(mb[2] * bin, 4, (z0, z1) => k.bin(cube.p, m[0], m[1], mb[0], mb[1], mb[2], bin, coarse.p, z0, z1));
  }
  // blur, threshold, dilate: gaussianSmooth (src/filters/gaussian-smooth.ts) with its spectrum
  // multiplication and the threshold in WebAssembly
  const hb = (mb[0] >> 1) + 1;
  const coarseSpec = A.f32(2 * mb[1] * mb[2] * hb), mask = A.f32(nb), bsums = A.f64(2);
  const smooth = (data: Float32Array, sigmaA: number): Float32Array => {
    coarseSpec.a.set(rfft3d(data, mb));
    const c = -2 * Math.PI * Math.PI * sigmaA * sigmaA;
    const table = (len: number, nn: number, a: number): Float64Array => {
      const t = new Float64Array(len);
      for (let i = 0; i < len; i++) {
        const kk = (i <= nn / 2 ? i : i - nn) / (nn * a);
        t[i] = Math.exp(c * kk * kk);
      }
      return t;
    };
    const gx = A.f64Of(table(hb, mb[0], vb[0])), gy = A.f64Of(table(mb[1], mb[1], vb[1])), gz = A.f64Of(table(mb[2], mb[2], vb[2]));
    k.gaussianMultiply(coarseSpec.p, hb, mb[1], mb[2], gx.p, gy.p, gz.p);
    return irfft3d(coarseSpec.a, mb);
  };
  mask.a.set(smooth(coarse.a, Math.max(8, 2 * aMax) / 2.3548));
  k.sumSquares(mask.p, nb, bsums.p);
  const [bs, bss] = bsums.a;
  const bm = bs / nb;
  const thr = bm + Math.sqrt(Math.max(0, bss / nb - bm * bm));
  k.threshold(mask.p, nb, thr);
  const dilatedCoarse = smooth(mask.a, Math.max(6, 2 * aMax));
  // weights: solvent × taper (upsampled from the binned grid, or in place of the dilated mask), and taper alone
  const wx = tukeyWindow(m[0], 8), wy = tukeyWindow(m[1], 8), wz = tukeyWindow(m[2], 8);
  const w = A.f32(n);
  let sw: number, swv: number, sws2: number, swt: number, swt2: number;
  const twx = A.f64Of(wx), twy = A.f64Of(wy), twz = A.f64Of(wz);
  if (bin === 1) {
    ({ sw, swv, sws2, swt, swt2 } = solventWeights(dilatedCoarse, cube.a, m, wx, wy, wz));
    w.a.set(dilatedCoarse);
  } else {
    const axis = (nIn: number, nOut: number) => {
      const t = trilinearAxis(nIn, nOut);
      return { i0: A.i32Of(t.i0).p, i1: A.i32Of(t.i1).p, f: A.f64Of(t.w).p };
    };
    const ax = axis(mb[0], m[0]), ay = axis(mb[1], m[1]), az = axis(mb[2], m[2]);
    const dc = A.f32(nb);
    dc.a.set(dilatedCoarse);
    const rowX = A.f64(mb[2] * mb[1] * m[0]), yz = A.f64(mb[2] * m[1] * m[0]), sums = A.f64(5);
    sums.a.fill(0);
    const up = (stage: 1 | 2 | 3, from: number, to: number) => k.upsampleWeights(dc.p, mb[0], mb[1], mb[2], m[0], m[1], m[2], ax.i0, ax.i1, ax.f, ay.i0, ay.i1, ay.f, az.i0, az.i1, az.f, rowX.p, yz.p, cube.p, twx.p, twy.p, twz.p, w.p, sums.p, stage, from, to);
    inPieces(mb[2] * mb[1], 4 * mb[1], (a, b) => up(1, a, b));
    inPieces(mb[2], 2, (a, b) => up(2, a, b));
    inPieces(m[2], 4, (a, b) => up(3, a, b));
    [sw, swv, sws2, swt, swt2] = sums.a;
  }
  const solventMean = sw > 0 ? swv / sw : mean;
  // the weighted solvent (in place of the weights) and the tapered cube
  const plane = m[0] * m[1];
  inPieces(m[2], 8, (z0, z1) => k.weightAndTaper(w.p + 4 * z0 * plane, cube.p + 4 * z0 * plane, m[0], m[1], z1 - z0, twx.p, twy.p, twz.p + 8 * z0, solventMean, mean));
  const fx2 = new Float64Array(hx);
  for (let x = 0; x < hx; x++) fx2[x] = (x / edges[0]) ** 2;
  const tfx2 = A.f64Of(fx2);
  const spec = A.f32(specLen), shell = A.i32(specLen / 2);
  inPieces(m[2], 8, (z0, z1) => k.shellIndex(shell.p + 4 * z0 * m[1] * hx, hx, m[1], m[2], tfx2.p, edges[1], edges[2], df, nShells, z0, z1));
  const shellRms = (data: Float32Array, sumW2: number): Float64Array => {
    spec.a.set(rfft3d(data, m));
    const p = A.f64(nShells), count = A.f64(nShells);
    p.a.fill(0);
    count.a.fill(0);
    const rowsPer = 8 * m[1];
    inPieces(m[1] * m[2], rowsPer, (r0, r1) => k.shellPower(spec.p + 8 * r0 * hx, (r1 - r0) * hx, hx, m[0] % 2 === 0 ? m[0] / 2 : -1, shell.p + 4 * r0 * hx, p.p, count.p));
    const norm = sumW2 > 0 ? sumW2 : 1;
    return Float64Array.from(p.a, (val, q) => (count.a[q] > 0 ? Math.sqrt(val / count.a[q] / norm) : 0));
  };
  const noise = shellRms(w.a, sws2);
  const total = shellRms(cube.a, swt2);
  const frequencyPerA = Float64Array.from({ length: nShells }, (_, k) => k * df);
  // first hard cut-off of the total spectrum beyond 1/25 Å (and beyond the 5th shell) after which
  // it stays down: a compact molecule's spectrum has dips at low frequency (its shape transform)
  // that fall as steeply over two shells but come back, and a dip taken for the cut-off left a
  // one-shell band at 60–80 Å, no rise, and so no white-noise guard for rule 2 (session 44: 9 of
  // 144 raw synthetic half maps flagged `sharpened`)
  let cut = -1;
  const ln = (a: number): number => Math.log(Math.max(a, 1e-300));
  for (let k = Math.max(5, Math.ceil(1 / 25 / df)); k + 1 < nShells && cut < 0; k++) {
    const before = ln(total[k - 1]);
    if (before - ln(total[k + 1]) <= NOISE_CUTOFF_DROP_LN) continue;
    let stays = true;
    for (let j = k + 2; j < nShells && stays; j++) stays = before - ln(total[j]) > NOISE_CUTOFF_DROP_LN;
    if (stays) cut = k;
  }
  // a cut-off the whole map's spectrum shows (`cutoffHintPerA`, the Guinier fit's) that this
  // cube's tapered spectrum smears below two-shell steepness (a 10 % raised-cosine edge)
  const hint = options.cutoffHintPerA;
  if (cut < 0 && hint !== undefined && Number.isFinite(hint) && hint > 1 / 25) {
    const kh = Math.round(hint / df);
    if (kh >= 5 && kh + 1 < nShells) cut = kh;
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
  // the solvent's share at the band's end (its last two shells)
  let endShare = Number.NaN;
  if (solventFraction >= 0.05 && kEnd >= 2) endShare = (ln(noise[kEnd]) - ln(total[kEnd]) + ln(noise[kEnd - 1]) - ln(total[kEnd - 1])) / 2;
  const slope = cnt >= 3 ? (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx) : Number.NaN;
  const noiseRiseLn = solventFraction >= 0.05 && Number.isFinite(slope) ? slope * (fEnd * fEnd - fStart * fStart) : Number.NaN;
  // the largest fall of the solvent's share (ln noise/total) from an earlier shell to a later one
  let drop = Number.NaN, dropFrom = Number.NaN, dropTo = Number.NaN;
  if (solventFraction >= 0.05 && kEnd >= 4) {
    let peak = -Infinity, peakK = 2;
    drop = 0;
    for (let k = 2; k <= kEnd; k++) {
      const share = Math.min(SOLVENT_SHARE_CAP_LN, ln(noise[k]) - ln(total[k]));
      if (share > peak) {
        peak = share;
        peakK = k;
      }
      if (peak - share > drop) {
        drop = peak - share;
        dropFrom = frequencyPerA[peakK];
        dropTo = frequencyPerA[k];
      }
    }
  }
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
    solventShareDropLn: drop,
    bandEndShareLn: endShare,
    solventShareDropFromPerA: dropFrom,
    solventShareDropToPerA: dropTo,
  };
}
