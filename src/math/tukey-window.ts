/**
 * Tukey (tapered cosine) window of one axis, as used to taper a cube before its Fourier transform
 * so that the box edges do not add a cross of false high frequencies to the spectrum.
 * @see F. J. Harris, "On the use of windows for harmonic analysis with the discrete Fourier
 *   transform", Proc. IEEE 66 (1978) 51–83, §V.
 */

/**
 * Tukey window of length n: 1 in the middle, a raised-cosine taper over t = max(1, ⌊n / taperDivisor⌋)
 * samples at each end (sample i of the taper at 0.5·(1 − cos(π(i + 0.5)/t))).
 * @param n window length (samples, ≥ 1)
 * @param taperDivisor the taper at each end is n / taperDivisor samples long (4: a quarter at each
 *   end; 8: an eighth)
 * @returns new Float64Array of length n, symmetric
 */
export function tukeyWindow(n: number, taperDivisor: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  const t = Math.max(1, Math.floor(n / taperDivisor));
  for (let i = 0; i < t; i++) {
    const v = 0.5 * (1 - Math.cos((Math.PI * (i + 0.5)) / t));
    w[i] = v;
    w[n - 1 - i] = v;
  }
  return w;
}
