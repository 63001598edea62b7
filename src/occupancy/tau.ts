/**
 * The default percentile tau of the OccuPy tile search.
 * @see shared/spec/occupy-algorithm.md §3
 */

/**
 * The unique root in (0, 1) of `x^n + x - 1 = 0`: the percentile at which a value is as likely
 * to be exceeded by the maximum over `n` kernel samples as not.
 *
 * Solved exactly (bisection to machine precision on [0.5, 1)); the original tabulates it to four
 * decimals and uses 0.999 above n = 7000. Check values: n=1 → 0.5, n=2 → 0.6180, n=10 → 0.8351,
 * n=100 → 0.9668, n=1000 → 0.99479.
 *
 * @param nSamples number of samples `n_v` in the kernel (positive integer)
 * @throws RangeError when `nSamples` is not a positive integer
 */
export function tauForSamples(nSamples: number): number {
  if (!Number.isInteger(nSamples) || nSamples < 1) throw new RangeError(`number of kernel samples must be a positive integer, got ${nSamples}`);
  // f(x) = x^n + x - 1 is increasing on (0,1); f(0.5) <= 0 < f(1) = 1.
  let lo = 0.5;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-16; i++) {
    const mid = 0.5 * (lo + hi);
    if (Math.pow(mid, nSamples) + mid - 1 > 0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}
