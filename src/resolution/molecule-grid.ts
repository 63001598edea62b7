/**
 * Which local-FSC grid points are centred on the molecule (issue 16).
 *
 * Why: a window centred in the solvent next to the molecule holds less signal than one centred
 * inside it, at the same noise, so its FSC falls earlier and it reads coarser than the molecule it
 * touches. The mask voxels at the molecule's surface took a share of those readings by trilinear
 * interpolation and by the grid median, and the whole estimate read coarse there; the SNR-aware
 * threshold had been fitted low to make up for it on average, which read other maps too fine.
 * Measured offline on every window's FSC of 369 synthetic maps made as the shared references are
 * (docs/local-resolution.md *Windows centred on the molecule*): restricting the median and the interpolation to
 * grid points centred on the molecule, with the threshold refitted, met all four acceptance
 * figures on 87 of the 109 tuning maps (70 before) and on 215 of 260 maps not used to fit
 * (196 before), with the mean absolute error 0.35 of RELION's (0.54 before).
 *
 * "On the molecule" is taken from the data, not from the mask alone, because a user's mask is
 * usually dilated and soft-edged (RELION's `--extend_inimask`/`--width_mask_edge`): a grid point
 * counts when it lies in the mask and the half maps' average there, smoothed by a Gaussian of
 * {@link MOLECULE_GRID_SMOOTH_A}, stands at least {@link MOLECULE_GRID_SNR} standard deviations of
 * the same smoothing of their half difference above the solvent level. Offline, with the mask
 * dilated by 4 or 6 voxels, the figures were those of the tight mask.
 */
import type { Shape3, Volume } from '../core/volume.js';
import { quantileByRank } from '../math/select.js';

/** Gaussian σ in Å of the smoothing behind {@link moleculeCentredGridPoints}. */
export const MOLECULE_GRID_SMOOTH_A = 2;
/** Smoothed local SNR (average over half difference) at or above which a grid point is centred on the molecule. */
export const MOLECULE_GRID_SNR = 3;

/**
 * Solvent level of a map (or of the average of two): the median over every 7th voxel of the box,
 * which in a cryo-EM box is mostly solvent (density units).
 * @param a map data, length nx*ny*nz
 * @param b optional second map of the same box: the level of (a + b)/2
 */
export function solventLevel(a: Float32Array, b?: Float32Array): number {
  const n = a.length;
  const sample = new Float32Array(Math.ceil(n / 7));
  let ns = 0;
  for (let i = 0; i < n; i += 7) sample[ns++] = b ? 0.5 * (a[i] + b[i]) : a[i];
  return quantileByRank(sample, ns, 0.5);
}

/** Grid points of {@link moleculeCentredGridPoints}. */
export interface MoleculeGridPoints {
  /** 1 where the grid point is centred on the molecule, length gx*gy*gz, index (k*gy + j)*gx + i at voxel (i·s, j·s, k·s). */
  centred: Uint8Array;
  /** Number of grid points set in `centred`. */
  count: number;
  /** Standard deviation of the smoothed half difference over the evaluated grid points (density units). */
  noiseSd: number;
  /** Solvent level: median of the half maps' average over (a sample of) the box (density units). */
  solventLevel: number;
}

/**
 * Mark the grid points centred on the molecule: `near[g]` set, the voxel at the grid point inside
 * `region`, and `(G·m − solvent) / sd(G·d) ≥ snrMin` with m = (h1 + h2)/2, d = (h1 − h2)/2, G a
 * Gaussian of `smoothA` Å evaluated at the grid point in real space (3σ support, edges clipped),
 * the solvent level {@link solventLevel} of m and sd the root mean square of G·d over the `near`
 * grid points.
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny + y)*nx + x; Å voxel size); not modified
 * @param half2 second half map, same box
 * @param region report region (1 = inside), same layout
 * @param step grid spacing s in voxels
 * @param grid grid dimensions [gx, gy, gz]
 * @param near grid points evaluated by the local FSC (length gx*gy*gz)
 * @param smoothA Gaussian σ in Å (default {@link MOLECULE_GRID_SMOOTH_A})
 * @param snrMin minimum smoothed SNR (default {@link MOLECULE_GRID_SNR})
 * @throws RangeError when the grid or `near` does not match the box and step
 * @see docs/local-resolution.md *Windows centred on the molecule*; issue 16
 */
export function moleculeCentredGridPoints(
  half1: Volume, half2: Volume, region: Uint8Array, step: number, grid: readonly [number, number, number], near: Uint8Array,
  smoothA: number = MOLECULE_GRID_SMOOTH_A, snrMin: number = MOLECULE_GRID_SNR,
): MoleculeGridPoints {
  const shape: Shape3 = half1.shape;
  const [nx, ny, nz] = shape;
  const [gx, gy, gz] = grid;
  if (gx !== Math.floor((nx - 1) / step) + 1 || gy !== Math.floor((ny - 1) / step) + 1 || gz !== Math.floor((nz - 1) / step) + 1 || near.length !== gx * gy * gz) {
    throw new RangeError(`grid ${gx}x${gy}x${gz} (near: ${near.length}) does not match the box ${nx}x${ny}x${nz} at step ${step}`);
  }
  const h1 = half1.data;
  const h2 = half2.data;
  const level = solventLevel(h1, h2);
  // separable Gaussian weights per axis (Å voxel size per axis)
  const taps = half1.voxelSizeA.map((a) => {
    const r = Math.max(1, Math.ceil((3 * smoothA) / a));
    const w = new Float64Array(2 * r + 1);
    let sum = 0;
    for (let t = -r; t <= r; t++) sum += w[t + r] = Math.exp(-0.5 * ((t * a) / smoothA) ** 2);
    for (let t = 0; t < w.length; t++) w[t] /= sum;
    return { r, w };
  });
  const [tx, ty, tz] = taps;
  const nGrid = gx * gy * gz;
  const smoothM = new Float64Array(nGrid);
  const smoothD = new Float64Array(nGrid);
  let sumD2 = 0;
  let nNear = 0;
  for (let k = 0; k < gz; k++) {
    for (let j = 0; j < gy; j++) {
      for (let i = 0; i < gx; i++) {
        const g = (k * gy + j) * gx + i;
        if (!near[g]) continue;
        const px = i * step, py = j * step, pz = k * step;
        let sm = 0, sd = 0;
        for (let dz = -tz.r; dz <= tz.r; dz++) {
          const z = pz + dz;
          if (z < 0 || z >= nz) continue;
          const wz = tz.w[dz + tz.r];
          for (let dy = -ty.r; dy <= ty.r; dy++) {
            const y = py + dy;
            if (y < 0 || y >= ny) continue;
            const wzy = wz * ty.w[dy + ty.r];
            const o = (z * ny + y) * nx;
            for (let dx = -tx.r; dx <= tx.r; dx++) {
              const x = px + dx;
              if (x < 0 || x >= nx) continue;
              const w = wzy * tx.w[dx + tx.r];
              sm += w * (h1[o + x] + h2[o + x]);
              sd += w * (h1[o + x] - h2[o + x]);
            }
          }
        }
        smoothM[g] = 0.5 * sm;
        smoothD[g] = 0.5 * sd;
        sumD2 += smoothD[g] * smoothD[g];
        nNear++;
      }
    }
  }
  const noiseSd = nNear > 0 ? Math.sqrt(sumD2 / nNear) : Number.NaN;
  const centred = new Uint8Array(nGrid);
  let count = 0;
  for (let k = 0; k < gz; k++) {
    for (let j = 0; j < gy; j++) {
      for (let i = 0; i < gx; i++) {
        const g = (k * gy + j) * gx + i;
        if (!near[g] || !region[(Math.min(k * step, nz - 1) * ny + Math.min(j * step, ny - 1)) * nx + Math.min(i * step, nx - 1)]) continue;
        if (noiseSd > 0 ? (smoothM[g] - level) / noiseSd >= snrMin : smoothM[g] > level) {
          centred[g] = 1;
          count++;
        }
      }
    }
  }
  return { centred, count, noiseSd, solventLevel: level };
}
