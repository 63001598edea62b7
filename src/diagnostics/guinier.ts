/**
 * Guinier analysis of a radially averaged amplitude: the B-factor of the fall of ln A(k) against
 * k² between ~10 Å and the frequency where the signal meets the noise plateau (or a hard cut-off).
 *
 * Raw maps fall: A(k) ≈ A0·exp(−B k²/4) with B > 0. A sharpened map was multiplied by
 * exp(+|B_sharp| k²/4), so its B is near zero or negative up to where it was low-passed.
 * @see docs/diagnostics.md
 */
import type { RadialSpectrum } from './spectrum.js';

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
  const slopeB = (i1: number) => {
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
  };
  const i1 = fitTo(CUTOFF_FIT_MARGIN_SHELLS);
  const r1 = fitTo(1);
  const used = i1 - i0 + 1;
  const b = slopeB(i1);
  return {
    bFactorA2: b,
    fitFromPerA: f[Math.min(i0, n - 1)],
    fitToPerA: f[Math.min(i1, n - 1)],
    fitShells: Math.max(0, used),
    ruleBFactorA2: slopeB(r1),
    ruleFitToPerA: f[Math.min(r1, n - 1)],
    ruleFitShells: Math.max(0, r1 - i0 + 1),
    signalOverPlateauLn: i0 < n ? ln[i0] - plateau : Number.NaN,
    cutoffDropLn: drop,
    // the shell before the drop's centre: nearest the cut (6 Å cuts read 5.3–6.0 Å, 4 Å 3.6–4.0 Å;
    // the centre itself read 4.9–5.7 and 3.4–3.8 Å)
    cutoffPerA: drop > CUTOFF_DROP_LN ? f[dropAt - 1] : Number.NaN,
  };
}
