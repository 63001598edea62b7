/**
 * Guinier analysis of a radially averaged amplitude: the B-factor of the fall of ln A(k) against
 * k² between ~10 Å and the frequency where the signal meets the noise plateau (or a hard cut-off).
 *
 * Raw maps fall: A(k) ≈ A0·exp(−B k²/4) with B > 0. A sharpened map was multiplied by
 * exp(+|B_sharp| k²/4), so its B is near zero or negative up to where it was low-passed.
 * @see docs/diagnostics.md
 */
import type { Shape3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { cropOrPad } from '../filters/resample-voxel-size.js';
import { radialAmplitude, SPECTRUM_CUBE, type RadialSpectrum } from './spectrum.js';

/** The Guinier fit of {@link guinierAnalysis}. */
export interface GuinierFit {
  /** Guinier B-factor in Å² (amplitude convention: ln A = c − B k²/4); NaN when not assessed. */
  bFactorA2: number;
  /** Frequency range of the fit, 1/Å (start: 1/10 Å, or half of Nyquist when that is coarser). */
  fitFromPerA: number;
  fitToPerA: number;
  /** Shells used in the fit. */
  fitShells: number;
  /** ln of the amplitude at the fit start over the noise plateau (median over the last 15 % before Nyquist). */
  signalOverPlateauLn: number;
  /**
   * The `sharpened` rule's statistic (`classify.ts`, thresholds calibrated on it): the slope of the
   * same fit run to the shell just before a cut-off's two-shell drop, which takes in the start of
   * the windowed fall and so reads higher than {@link bFactorA2} in low-passed maps. Not a B-factor
   * to report: the log and `occupy check` give {@link bFactorA2}.
   */
  ruleBFactorA2: number;
  /** End of the rule's fit, 1/Å. */
  ruleFitToPerA: number;
  /** Shells of the rule's fit. */
  ruleFitShells: number;
  /** Largest drop of ln A over two shells beyond the fit start (a hard low-pass cut-off gives > 2). */
  cutoffDropLn: number;
  /** Frequency (1/Å) of that drop (the shell before its centre); NaN without one. */
  cutoffPerA: number;
}

/** A {@link GuinierFit} with the check of {@link checkGuinierFit}: is its B the map's? */
export interface CheckedGuinierFit extends GuinierFit {
  /**
   * Fall of the fitted B per Å² of a sharpening applied to the map in silico
   * ({@link SENSITIVITY_SHARPENING_A2}): ≈ 1 when the fit window holds the map's own content,
   * ≈ 0 when it holds the analysis window's leak of coarser content (> 1.25 near a hard cut-off's
   * leak: not the map's either). NaN when B is not assessed.
   */
  sensitivity: number;
  /** Why {@link GuinierFit.bFactorA2} is not a B-factor to show (null when it is): too few shells, or a window without content. */
  notMeasurable: string | null;
}

/**
 * Sharpening (Å², applied as amplitudes × exp(+50 k²/4)) of the sensitivity check. Small enough
 * that the response is linear: fit windows holding the map's content read 0.96–1.08 with 50 and
 * 100 Å², but 0.55–0.78 on three of them with 200 Å² (the amplified shells near Nyquist leak back
 * through the window; session 60).
 */
export const SENSITIVITY_SHARPENING_A2 = 50;

/**
 * Below this {@link CheckedGuinierFit.sensitivity} the fitted B is not the map's: windows with
 * the map's content read 0.96–1.08 (raw synthetic, β-gal, EMD-1997, 1832, 5625 and their −150 Å²
 * sharpened copies), windows beyond its content −0.30–0.08 (EMD-1883 raw, sharpened, low-passed;
 * maps hard low-passed at 20 Å; EMD-1439, EMD-5170; session 60).
 */
export const SENSITIVITY_MIN = 0.5;

/**
 * Above this {@link CheckedGuinierFit.sensitivity} the fitted B is not the map's either: B moved
 * by more than the sharpening, as where a hard low-pass three shells beyond the window's end
 * leaks into it (EMD-1883 low-passed at 10 Å, window 14.8–11 Å beyond its content: 1.31–1.76 for
 * it and its −100 … −300 Å² sharpened copies); windows holding the map's content read ≤ 1.08
 * (tuning) and ≤ 1.01 (held out).
 */
export const SENSITIVITY_MAX = 1.25;

/** Voxels the in-silico sharpening's crop reaches beyond the analysed centre cube on each side (the periodic crop's faces ring within a few voxels). */
const SENSITIVITY_MARGIN = 8;

/** Least-squares Guinier B (Å², ln A = c − B k²/4) over shells i0 … i1; NaN for fewer than 3. */
function slopeB(f: Float64Array, ln: ArrayLike<number>, i0: number, i1: number): number {
  const used = i1 - i0 + 1;
  if (used < 3) return Number.NaN;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let k = i0; k <= i1; k++) {
    const x = f[k] * f[k];
    sx += x;
    sy += ln[k];
    sxx += x * x;
    sxy += x * ln[k];
  }
  return -4 * ((used * sxy - sx * sy) / (used * sxx - sx * sx));
}

/**
 * Is the fitted B the map's? Sharpens the map's centre (a cube SPECTRUM_CUBE + 16 voxels on an
 * edge, or the whole box when smaller) by {@link SENSITIVITY_SHARPENING_A2} in Fourier space,
 * measures the windowed spectrum again and refits the same shells: the B of a window holding the
 * map's content falls by the sharpening, one holding the window's leak of coarser content (a map
 * with nothing beyond ~20 Å fitted at 15–10 Å: EMD-1883) hardly moves. Requires `await loadFft()`.
 * @param v the map the fit was measured on, canonical layout; not modified
 * @param fit its fit ({@link guinierAnalysis} of `radialAmplitude(v)`)
 * @returns the fit with `sensitivity` and `notMeasurable`
 */
export function checkGuinierFit(v: Volume, fit: GuinierFit): CheckedGuinierFit {
  if (!Number.isFinite(fit.bFactorA2)) {
    return { ...fit, sensitivity: Number.NaN, notMeasurable: 'fewer than 3 Fourier shells between 10 Å, or half of Nyquist, and where the signal meets the noise or is cut off' };
  }
  const sensitivity = guinierSensitivity(v, fit);
  const ok = sensitivity >= SENSITIVITY_MIN && sensitivity <= SENSITIVITY_MAX;
  return {
    ...fit,
    sensitivity,
    notMeasurable: ok
      ? null
      : `the fit window ${(1 / fit.fitFromPerA).toFixed(1)}–${(1 / fit.fitToPerA).toFixed(1)} Å holds no measurable content of the map: a ${SENSITIVITY_SHARPENING_A2} Å² sharpening applied in silico changed the fitted B by ${(-sensitivity * SENSITIVITY_SHARPENING_A2).toFixed(0)} Å², not by −${SENSITIVITY_SHARPENING_A2} (what is there is the analysis window's leak of ${sensitivity > SENSITIVITY_MAX ? 'a hard cut-off just beyond the window' : `coarser content: the map holds little beyond ~${(1 / fit.fitFromPerA).toFixed(0)} Å, e.g. low-passed`})`,
  };
}

/** {@link CheckedGuinierFit.sensitivity} of `fit` measured on `v` (see {@link checkGuinierFit}). */
function guinierSensitivity(v: Volume, fit: GuinierFit): number {
  const edge = SPECTRUM_CUBE + 2 * SENSITIVITY_MARGIN;
  const [nx, ny, nz] = v.shape;
  const m: Shape3 = [Math.min(nx, edge), Math.min(ny, edge), Math.min(nz, edge)];
  const spec = rfft3d(cropOrPad(v, m).data, m);
  const hx = (m[0] >> 1) + 1;
  const [ax, ay, az] = v.voxelSizeA;
  const q = SENSITIVITY_SHARPENING_A2 / 4;
  for (let z = 0; z < m[2]; z++) {
    const fz = (z <= m[2] - z ? z : z - m[2]) / (m[2] * az);
    for (let y = 0; y < m[1]; y++) {
      const fy = (y <= m[1] - y ? y : y - m[1]) / (m[1] * ay);
      for (let x = 0; x < hx; x++) {
        const fx = x / (m[0] * ax);
        const g = Math.exp(q * (fx * fx + fy * fy + fz * fz));
        const i = 2 * ((z * m[1] + y) * hx + x);
        spec[i] *= g;
        spec[i + 1] *= g;
      }
    }
  }
  const s = radialAmplitude({ data: irfft3d(spec, m), shape: m, voxelSizeA: v.voxelSizeA });
  const f = s.frequencyPerA;
  const near = (k: number) => {
    let best = 0;
    for (let i = 1; i < f.length; i++) if (Math.abs(f[i] - k) < Math.abs(f[best] - k)) best = i;
    return best;
  };
  const ln = Array.from(s.amplitude, (a) => Math.log(Math.max(a, 1e-30)));
  return (fit.bFactorA2 - slopeB(f, ln, near(fit.fitFromPerA), near(fit.fitToPerA))) / SENSITIVITY_SHARPENING_A2;
}

/** A drop of ln A over two shells larger than this is a cut-off (a factor e² ≈ 7.4). */
export const CUTOFF_DROP_LN = 2;

/**
 * Shells before the centre of a cut-off's two-shell drop where the fit ends. The spectrum comes
 * from a Hann-windowed cube, whose window spreads the cut over about two shells on each side: a
 * fit that ran to the shell before the drop's centre took in the start of the fall and read B far
 * too high (white noise × exp(−50 s²/4) low-passed at 6 Å in a 96³ box at 1 Å: 198 Å² with 1, 80
 * with 2, 54 with 3; B 0 / 150 / 300: 159 / 276 / 392 with 1, 5 / 152 / 295 with 3; session 48).
 */
export const CUTOFF_FIT_MARGIN_SHELLS = 3;

/**
 * Fit ln A(k) = c − (B/4) k² by least squares from k0 = min(0.1/Å, Nyquist/2) to k1 = the last
 * shell before the amplitude comes within a factor 2 of the noise plateau, or before a cut-off.
 * @param s radial amplitude (e.g. from `radialAmplitude`)
 * @returns the fit; `bFactorA2` NaN when fewer than 3 shells are available
 */
export function guinierAnalysis(s: RadialSpectrum): GuinierFit {
  const f = s.frequencyPerA;
  const n = f.length;
  const ln = Array.from(s.amplitude, (a) => Math.log(Math.max(a, 1e-30)));
  const k0 = Math.min(0.1, 0.5 * s.nyquistPerA);
  let i0 = 1;
  while (i0 < n && f[i0] < k0) i0++;
  const tail: number[] = [];
  for (let k = 1; k < n; k++) if (f[k] >= 0.85 * s.nyquistPerA) tail.push(ln[k]);
  tail.sort((a, b) => a - b);
  const plateau = tail.length ? tail[tail.length >> 1] : ln[n - 1];
  // hard cut-off: the largest two-shell drop at or beyond the fit start
  let drop = 0;
  let dropAt = -1;
  for (let k = Math.max(1, i0); k + 1 < n; k++) {
    const dd = ln[k - 1] - ln[k + 1];
    if (dd > drop) {
      drop = dd;
      dropAt = k;
    }
  }
  // the reported B stops CUTOFF_FIT_MARGIN_SHELLS before a cut-off's centre; the sharpened rule's
  // statistic stops one shell before it, as its thresholds were calibrated
  const fitTo = (margin: number) => {
    let i1 = i0;
    const stop = drop > CUTOFF_DROP_LN ? dropAt - margin : n - 1;
    while (i1 + 1 <= stop && ln[i1 + 1] > plateau + Math.LN2) i1++;
    return i1;
  };
  const i1 = fitTo(CUTOFF_FIT_MARGIN_SHELLS);
  const r1 = fitTo(1);
  const used = i1 - i0 + 1;
  const b = slopeB(f, ln, i0, i1);
  return {
    bFactorA2: b,
    fitFromPerA: f[Math.min(i0, n - 1)],
    fitToPerA: f[Math.min(i1, n - 1)],
    fitShells: Math.max(0, used),
    ruleBFactorA2: slopeB(f, ln, i0, r1),
    ruleFitToPerA: f[Math.min(r1, n - 1)],
    ruleFitShells: Math.max(0, r1 - i0 + 1),
    signalOverPlateauLn: i0 < n ? ln[i0] - plateau : Number.NaN,
    cutoffDropLn: drop,
    // the shell before the drop's centre: nearest the cut (6 Å cuts read 5.3–6.0 Å, 4 Å 3.6–4.0 Å;
    // the centre itself read 4.9–5.7 and 3.4–3.8 Å)
    cutoffPerA: drop > CUTOFF_DROP_LN ? f[dropAt - 1] : Number.NaN,
  };
}
