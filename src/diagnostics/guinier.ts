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
  /** Largest drop of ln A over two shells beyond the fit start (a hard low-pass cut-off gives > 2). */
  cutoffDropLn: number;
  /** Frequency (1/Å) of that drop; NaN without one. */
  cutoffPerA: number;
}

/** A drop of ln A over two shells larger than this is a cut-off (a factor e² ≈ 7.4). */
export const CUTOFF_DROP_LN = 2;

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
  let i1 = i0;
  const stop = drop > CUTOFF_DROP_LN ? dropAt - 1 : n - 1;
  while (i1 + 1 <= stop && ln[i1 + 1] > plateau + Math.LN2) i1++;
  const used = i1 - i0 + 1;
  let b = Number.NaN;
  if (used >= 3) {
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let k = i0; k <= i1; k++) {
      const x = f[k] * f[k];
      sx += x;
      sy += ln[k];
      sxx += x * x;
      sxy += x * ln[k];
    }
    const slope = (used * sxy - sx * sy) / (used * sxx - sx * sx);
    b = -4 * slope;
  }
  return {
    bFactorA2: b,
    fitFromPerA: f[Math.min(i0, n - 1)],
    fitToPerA: f[Math.min(i1, n - 1)],
    fitShells: Math.max(0, used),
    signalOverPlateauLn: i0 < n ? ln[i0] - plateau : Number.NaN,
    cutoffDropLn: drop,
    cutoffPerA: drop > CUTOFF_DROP_LN ? f[dropAt] : Number.NaN,
  };
}
