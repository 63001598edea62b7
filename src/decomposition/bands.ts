/**
 * The frequency bands of the decomposition: raised-cosine shells between the lowest resolution
 * and the resolution where the map meets noise, and the local window of each band.
 * @see shared/spec/occupancy-decomposition.md "A workable method" step 1
 */

/** One band: a raised-cosine shell in spatial frequency and the window its energy is averaged over. */
export interface Band {
  /** Shell centre s in 1/Å. */
  centrePerA: number;
  /** Shell half-width w in 1/Å: weight `0.5*(1 + cos(pi*(|k| - s)/w))` for `||k| - s| < w`. */
  halfWidthPerA: number;
  /** Standard deviation of the Gaussian window the band's energy is averaged over, Å. */
  windowSigmaA: number;
  /** Sigma of the wide window used where the local B is high (displaced density reaches beyond the narrow window), Å (>= windowSigmaA). */
  wideWindowSigmaA: number;
}

/**
 * Default wide window sigma as a multiple of the band's wavelength. 0.3 since session 34 (before:
 * 0.4): at the 30 Å band a 12 Å window took in the neighbours' energy, so a partly occupied domain
 * with a high B from a coarse resolution (the wide fit is blended in where B is high) read its full
 * neighbours: on 24 phantoms made as `synth_occres128` is (3–4.5 Å and 6–8 Å pairs, occupancy
 * 0.3–0.7 next to 1) four coarse partial domains read 0.17–0.20 high, none with 0.3
 * (docs/decomposition.md, "Wide windows and two smoothing passes").
 */
export const DEFAULT_WIDE_WINDOW_PER_WAVELENGTH = 0.3;

/** Options of {@link decompositionBands}. */
export interface BandLayoutOptions {
  /** Smallest window sigma, Å (default 5). */
  minWindowA?: number;
  /** Window sigma as a multiple of the band's wavelength `1/s` (default 0.2). */
  windowPerWavelength?: number;
  /** Wide window sigma as a multiple of the wavelength (default {@link DEFAULT_WIDE_WINDOW_PER_WAVELENGTH}, 0.3; never below the narrow window). */
  wideWindowPerWavelength?: number;
  /** Smallest shell half-width, 1/Å (default 0: the centre spacing). */
  minHalfWidthPerA?: number;
}

/**
 * K bands with centres equally spaced in s from `1/lowestResolutionA` to `1/highestResolutionA`,
 * half-width = the spacing (neighbouring shells overlap at half weight and sum to 1 between
 * centres) or `minHalfWidthPerA` where that is wider (then they overlap more), never above the
 * centre (no DC), windows `sigma_k = max(minWindowA, windowPerWavelength / s_k)` and wide windows
 * `max(sigma_k, minWindowA, wideWindowPerWavelength / s_k)`.
 *
 * @param lowestResolutionA coarsest band centre, Å (> highestResolutionA)
 * @param highestResolutionA finest band centre, Å (> 0)
 * @param count number of bands K (integer >= 2)
 * @returns K bands, coarse to fine
 * @throws RangeError when the resolutions are not finite, positive and ordered, or `count` < 2
 */
export function decompositionBands(lowestResolutionA: number, highestResolutionA: number, count: number, options: BandLayoutOptions = {}): Band[] {
  if (!(Number.isFinite(highestResolutionA) && highestResolutionA > 0)) throw new RangeError(`highest resolution must be a finite number > 0 Å, got ${highestResolutionA}`);
  if (!(Number.isFinite(lowestResolutionA) && lowestResolutionA > highestResolutionA)) {
    throw new RangeError(`lowest resolution must be coarser than the highest (${highestResolutionA.toFixed(2)} Å), got ${lowestResolutionA}`);
  }
  if (!(Number.isInteger(count) && count >= 2)) throw new RangeError(`band count must be an integer >= 2, got ${count}`);
  const minWindowA = options.minWindowA ?? 5;
  const perWavelength = options.windowPerWavelength ?? 0.2;
  const widePerWavelength = options.wideWindowPerWavelength ?? DEFAULT_WIDE_WINDOW_PER_WAVELENGTH;
  const s0 = 1 / lowestResolutionA;
  const s1 = 1 / highestResolutionA;
  const step = (s1 - s0) / (count - 1);
  const bands: Band[] = [];
  for (let k = 0; k < count; k++) {
    const s = s0 + k * step;
    const windowSigmaA = Math.max(minWindowA, perWavelength / s);
    bands.push({ centrePerA: s, halfWidthPerA: Math.min(Math.max(step, options.minHalfWidthPerA ?? 0), s), windowSigmaA, wideWindowSigmaA: Math.max(windowSigmaA, widePerWavelength / s) });
  }
  return bands;
}
