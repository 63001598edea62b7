/**
 * The local-scale step of the estimate: s_max from the tiles (or `--S0`), the spherical maximum
 * filter, and the normalisation to [0, 1]. It needs only the scale input, so it can run in a
 * worker thread while the main thread low-passes the map and fits the solvent model
 * ({@link ./scale-thread.ts}).
 * @see shared/spec/occupy-algorithm.md §6
 */
import type { Shape3 } from '../core/volume.js';
import { sphericalMaxFilter } from '../filters/max-filter.js';
import { arrayRange } from '../math/statistics.js';
import type { SphericalKernel } from './kernel.js';
import { tileMaximum, type TileMax } from './tiles.js';

/** What the local-scale step needs besides the data. */
export interface LocalScaleParams {
  /** Box [nx, ny, nz] of the scale input. */
  shape: Shape3;
  kernel: SphericalKernel;
  /** Tile percentile in (0, 1]. */
  tau: number;
  /** `--tile-size` in voxels (default: box/20 per axis). */
  tileSize?: number;
  /** `--S0`: s_max = tau × the map maximum instead of the tile search. */
  useS0?: boolean;
}

/** What the local-scale step produced (the scale itself is written into the caller's array). */
export interface LocalScaleResult {
  /** s_max (full scale), density units. */
  sMax: number;
  /** The tile that gave s_max (undefined with `--S0`). */
  sMaxTile?: TileMax;
  /** Mean of the scale input where scale == 1, divided by s_max (1 when no voxel is at full scale). */
  variabilityLimit: number;
  /** Seconds spent in the tile search and in the max filter (with the normalisation). */
  timingsS: { tiles: number; 'max filter': number };
}

/**
 * Local scale of spec §6: `scale = clip(maxfilter(input) / s_max, 0, 1)`.
 *
 * @param input scale input, length nx*ny*nz, index (z*ny + y)*nx + x; not modified
 * @param params box, kernel, tau and tile options
 * @param out output array of the same length (must not alias `input`): the local scale in [0, 1]
 * @throws RangeError when s_max is not positive (no positive density) or the tile size does not fit
 */
export function computeLocalScale(input: Float32Array, params: LocalScaleParams, out: Float32Array): LocalScaleResult {
  const t0 = performance.now();
  let sMax: number;
  let sMaxTile: TileMax | undefined;
  if (params.useS0) {
    sMax = params.tau * arrayRange(input).max;
  } else {
    sMaxTile = tileMaximum(input, params.shape, params.tau, params.tileSize);
    sMax = sMaxTile.value;
  }
  if (!(sMax > 0)) {
    // almost always a map wholly below zero (an offset: a map whose solvent sits at -10 had been
    // asked "is its sign inverted?"); an inverted map × −1 has its long tail above zero, so s_max > 0
    const { min, max } = arrayRange(input);
    let sum = 0;
    for (let i = 0; i < input.length; i++) sum += input[i];
    const g = (v: number) => Number(v.toPrecision(4));
    throw new RangeError(`the full-scale value s_max is ${g(sMax)} (not positive): local scale is measured from 0, and ${max <= 0 ? 'every value of the map lies at or below it' : 'the map lies mostly below it'} (${g(min)} to ${g(max)}, mean ${g(sum / input.length)}): the map is offset below zero (add the offset back so that the solvent sits near 0), or its contrast is inverted and offset`);
  }
  const t1 = performance.now();
  sphericalMaxFilter(input, params.shape, params.kernel, out);
  let sumFull = 0;
  let nFull = 0;
  const inv = 1 / sMax;
  for (let i = 0; i < out.length; i++) {
    // full scale where the filtered value reaches s_max itself: `out[i] * (1 / sMax) >= 1` missed
    // voxels equal to s_max when 1/s_max rounds down (0.14415699… · (1/0.14415699…) = 1 − 2⁻⁵³),
    // and the variability limit then fell back to 1 (session 49: 0.447 or 1 by axis order)
    let s = out[i] * inv;
    if (out[i] >= sMax) {
      s = 1;
      sumFull += input[i];
      nFull++;
    } else if (s < 0) s = 0;
    out[i] = s;
  }
  const variabilityLimit = nFull > 0 ? sumFull / nFull / sMax : 1;
  const t2 = performance.now();
  return { sMax, sMaxTile, variabilityLimit, timingsS: { tiles: (t1 - t0) / 1000, 'max filter': (t2 - t1) / 1000 } };
}
