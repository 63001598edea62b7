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
}

/**
 * Molecule = voxels whose map smoothed by a Gaussian of `smoothA` Å exceeds
 * `median + nSigma * 1.4826 * MAD` of the smoothed map (median and MAD over the whole box, which
 * is mostly solvent for a cryo-EM box); solvent = voxels where the molecule indicator smoothed by
 * a Gaussian of `marginA` Å is below 0.01 (far from the molecule). With a given mask, the
 * molecule is `mask > 0.5` and the solvent is derived from it in the same way.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param map the map, canonical layout; not modified
 * @param mask optional molecule mask, length nx*ny*nz (values > 0.5 = molecule)
 * @param smoothA smoothing before thresholding, Å (default 2)
 * @param nSigma threshold in robust standard deviations of the smoothed map (default 3)
 * @param marginA margin between molecule and solvent, Å (default 6)
 * @throws RangeError when no voxel is molecule, or the mask length is wrong
 */
export function moleculeAndSolvent(map: Volume, mask?: Float32Array, smoothA = 2, nSigma = 3, marginA = 6): MoleculeAndSolvent {
  const n = map.data.length;
  const molecule = new Uint8Array(n);
  let threshold = Number.NaN;
  if (mask) {
    if (mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, the map ${n}`);
    for (let i = 0; i < n; i++) molecule[i] = mask[i] > 0.5 ? 1 : 0;
  } else {
    const sm = gaussianSmooth(map.data, map.shape, map.voxelSizeA, smoothA);
    const scratch = Float32Array.from(sm);
    const med = quantileByRank(scratch, n, 0.5);
    for (let i = 0; i < n; i++) scratch[i] = Math.abs(sm[i] - med);
    const mad = quantileByRank(scratch, n, 0.5) * 1.4826;
    threshold = med + nSigma * mad;
    for (let i = 0; i < n; i++) molecule[i] = sm[i] > threshold ? 1 : 0;
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += molecule[i];
  if (count === 0) throw new RangeError(mask ? 'the mask is empty: no voxel > 0.5' : 'no molecule found: no voxel of the smoothed map stands above the solvent (give --mask)');
  const ind = Float32Array.from(molecule);
  const near = gaussianSmooth(ind, map.shape, map.voxelSizeA, marginA);
  const solvent = new Uint8Array(n);
  for (let i = 0; i < n; i++) solvent[i] = near[i] < 0.01 ? 1 : 0;
  return { molecule, solvent, threshold };
}
