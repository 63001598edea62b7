/**
 * Where the molecule is, and where the solvent is, from the map itself: a Gaussian-smoothed map
 * thresholded against robust solvent statistics.
 */
import type { Volume } from '../core/volume.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';
import { quantileByRank } from '../math/select.js';

/** Molecule and solvent selections of {@link moleculeAndSolvent}. */
export interface MoleculeAndSolvent {
  /** 1 inside the molecule, length nx*ny*nz, index (z*ny + y)*nx + x. */
  molecule: Uint8Array;
  /** 1 in solvent at least ~2 window widths away from the molecule, same layout. */
  solvent: Uint8Array;
  /** Threshold on the smoothed map that defined the molecule (density units). */
  threshold: number;
  /** Whether the threshold's SD came from `noise` (a masked map), not from the map. */
  spreadFromNoise: boolean;
}

/** Options of {@link moleculeAndSolvent}. */
export interface MoleculeAndSolventOptions {
  /** Smoothing before thresholding, Å (default 2). */
  smoothA?: number;
  /** Threshold in robust standard deviations of the smoothed map (default 3). */
  nSigma?: number;
  /** Margin between molecule and solvent, Å (default 6). */
  marginA?: number;
  /**
   * Noise alone on the same grid, e.g. `(h1 − h2)/2` of half maps (not modified): its robust
   * standard deviation, smoothed as the map is, replaces the map's when the map's collapses below
   * half of it (a masked map: most of the box exactly 0, median and MAD 0).
   */
  noise?: Volume;
}

/**
 * Molecule = voxels whose map smoothed by a Gaussian of `smoothA` Å exceeds
 * `median + nSigma * 1.4826 * MAD` of the smoothed map (median and MAD over the whole box, which
 * is mostly solvent for a cryo-EM box); solvent = voxels where the molecule indicator smoothed by
 * a Gaussian of `marginA` Å is below 0.01 (far from the molecule). With a given mask, the
 * molecule is `mask > 0.5` and the solvent is derived from it in the same way.
 *
 * A masked map (solvent exactly 0 over most of the box) has MAD 0, so every voxel above 0 would
 * be molecule, the noise inside the mask included: with `noise` (half maps), the noise's robust
 * SD is used instead, taken over its voxels that are not masked away (|smoothed noise| > 1 % of
 * its largest). Measured on synth_flex128's half maps times a soft mask (the truth mask dilated
 * ~5 Å, 2 Å Gaussian edge) whose solvent is exactly 0 below 1 %, as a cosine-edged mask leaves
 * it: its 0.6 and 0.4 domains read 0.66 and 0.52 (r 0.83) without it, 0.64 and 0.47 (r 0.89) with
 * it (unmasked 0.64 and 0.48, r 0.89); the threshold had fallen from 9.8·10⁻³ to 2·10⁻⁹ and
 * the molecule from 2.6 % to 11 % of the box (the mask is 5 %). With the Gaussian edge's
 * 10⁻⁸-level tails left over the whole box (an FFT-smoothed mask): 0.93 and 0.78 (r 0.66)
 * without it, 0.63 and 0.47 with it. Unmasked maps are unchanged (the two SDs agree within a
 * few %).
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param map the map, canonical layout; not modified
 * @param mask optional molecule mask, length nx*ny*nz (values > 0.5 = molecule)
 * @param options smoothing, threshold, margin, and the noise of half maps
 * @throws RangeError when no voxel is molecule, or the mask or noise length is wrong
 */
export function moleculeAndSolvent(map: Volume, mask?: Float32Array, options: MoleculeAndSolventOptions = {}): MoleculeAndSolvent {
  const { smoothA = 2, nSigma = 3, marginA = 6, noise } = options;
  const n = map.data.length;
  if (noise && noise.data.length !== n) throw new RangeError(`noise has ${noise.data.length} voxels, the map ${n}`);
  const molecule = new Uint8Array(n);
  let threshold = Number.NaN;
  let spreadFromNoise = false;
  if (mask) {
    if (mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, the map ${n}`);
    for (let i = 0; i < n; i++) molecule[i] = mask[i] > 0.5 ? 1 : 0;
  } else {
    const sm = gaussianSmooth(map.data, map.shape, map.voxelSizeA, smoothA);
    const scratch = Float32Array.from(sm);
    const med = quantileByRank(scratch, n, 0.5);
    for (let i = 0; i < n; i++) scratch[i] = Math.abs(sm[i] - med);
    const mad = quantileByRank(scratch, n, 0.5) * 1.4826;
    // a masked map's own spread collapses (MAD 0): the noise's is taken where the map's is below
    // half of it
    const noiseSd = noise ? unmaskedRobustSd(noise, smoothA, scratch) : 0;
    spreadFromNoise = mad < 0.5 * noiseSd;
    threshold = med + nSigma * (spreadFromNoise ? noiseSd : mad);
    for (let i = 0; i < n; i++) molecule[i] = sm[i] > threshold ? 1 : 0;
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += molecule[i];
  if (count === 0) throw new RangeError(mask ? 'the mask is empty: no voxel > 0.5' : 'no molecule found: no voxel of the smoothed map stands above the solvent (give --mask)');
  const ind = Float32Array.from(molecule);
  const near = gaussianSmooth(ind, map.shape, map.voxelSizeA, marginA);
  const solvent = new Uint8Array(n);
  for (let i = 0; i < n; i++) solvent[i] = near[i] < 0.01 ? 1 : 0;
  return { molecule, solvent, threshold, spreadFromNoise };
}

/**
 * The robust SD (1.4826 × median |value|) of `noise` smoothed by `smoothA` Å, over its voxels not
 * masked away (|value| > 1 % of the largest); 0 when there are none. `scratch` holds at least as
 * many values as `noise`.
 */
function unmaskedRobustSd(noise: Volume, smoothA: number, scratch: Float32Array): number {
  const sn = gaussianSmooth(noise.data, noise.shape, noise.voxelSizeA, smoothA);
  let largest = 0;
  for (let i = 0; i < sn.length; i++) largest = Math.max(largest, Math.abs(sn[i]));
  let m = 0;
  for (let i = 0; i < sn.length; i++) if (Math.abs(sn[i]) > 0.01 * largest) scratch[m++] = Math.abs(sn[i]);
  return m > 0 ? quantileByRank(scratch, m, 0.5) * 1.4826 : 0;
}
