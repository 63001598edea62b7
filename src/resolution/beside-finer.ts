/**
 * Regions that read much coarser than a finer region close by. A local-FSC window around a coarse
 * region takes in part of a finer neighbour, whose signal beyond the coarse region's resolution
 * lifts the window's FSC, so the coarse region reads too fine. On synthetic half maps made as the
 * shared references are (random 21000–21029 and `synth_halves128`'s layout 21000–21029, 240
 * domains; docs/local-resolution.md *Coarse beside fine*), domains whose median value is at least
 * {@link BESIDE_FINER_RATIO} × the finest value within half a window read a median 4–6 % too fine
 * (a tenth of them 12–14 % or more), against +1 to +3 % for domains below 1.2 ×.
 * @see issue 16
 */
import type { Shape3 } from '../core/volume.js';
import type { LocalFscResult } from './local-fsc.js';

/** Value / finest value near it at and above which a voxel counts as beside finer (1.4). */
export const BESIDE_FINER_RATIO = 1.4;

/** What {@link besideFiner} finds. */
export interface BesideFinerResult {
  /** 1 where a mask voxel's value is ≥ `ratio` × the finest mask value near it, else 0; length nx*ny*nz, x fastest. */
  flagged: Uint8Array;
  /** Mask voxels flagged. */
  voxels: number;
  /** Mask voxels compared (value finite and > 0). */
  maskVoxels: number;
  /** `voxels / maskVoxels` (0 when nothing is compared). */
  fraction: number;
  /** The neighbourhood's radius used, Å (`reachA`). */
  reachA: number;
}

/**
 * Flag the mask voxels whose local resolution is at least `ratio` × the finest value among the
 * mask voxels within about `reachA` of them. The neighbourhood is taken on blocks of `blockVoxels`³
 * (the window grid's step suits): each block's finest mask value, then the finest over the blocks
 * whose centres lie within `reachA / blockVoxels` block edges (a ball); so "within reach" holds
 * to about half a block's diagonal. Cost: one pass over the map and a ball over the blocks.
 *
 * @param resolutionA local resolution in Å, length nx*ny*nz, index (z*ny + y)*nx + x
 * @param shape box [nx, ny, nz] in voxels
 * @param voxelSizeA voxel size in Å (cubic: the Fourier-shell methods refuse others)
 * @param reachA radius of the neighbourhood in Å (> 0), e.g. half the local-FSC window's edge
 * @param mask optional, same layout; voxels > 0.5 are compared and give the neighbours' values
 *   (default: every voxel)
 * @param blockVoxels block edge in voxels (integer ≥ 1; default 1, exact but slow for large reach)
 * @param ratio flag at value ≥ ratio × the finest value near it (> 1; default {@link BESIDE_FINER_RATIO})
 * @throws RangeError when lengths differ or an argument is out of range
 */
export function besideFiner(
  resolutionA: ArrayLike<number>,
  shape: Shape3,
  voxelSizeA: number,
  reachA: number,
  mask?: ArrayLike<number>,
  blockVoxels = 1,
  ratio: number = BESIDE_FINER_RATIO,
): BesideFinerResult {
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  if (resolutionA.length !== n) throw new RangeError(`besideFiner: resolution map has ${resolutionA.length} voxels, the box ${n}`);
  if (mask && mask.length !== n) throw new RangeError(`besideFiner: mask has ${mask.length} voxels, the box ${n}`);
  if (!(voxelSizeA > 0) || !Number.isFinite(voxelSizeA)) throw new RangeError(`besideFiner: voxel size must be > 0 Å, got ${voxelSizeA}`);
  if (!(reachA > 0) || !Number.isFinite(reachA)) throw new RangeError(`besideFiner: reach must be > 0 Å, got ${reachA}`);
  if (!Number.isInteger(blockVoxels) || blockVoxels < 1) throw new RangeError(`besideFiner: block edge must be an integer ≥ 1 voxel, got ${blockVoxels}`);
  if (!(ratio > 1) || !Number.isFinite(ratio)) throw new RangeError(`besideFiner: ratio must be > 1, got ${ratio}`);
  const b = blockVoxels;
  const bx = Math.ceil(nx / b), by = Math.ceil(ny / b), bz = Math.ceil(nz / b);
  const xb = new Int32Array(nx);
  for (let x = 0; x < nx; x++) xb[x] = Math.floor(x / b);
  const blockMin = new Float64Array(bx * by * bz).fill(Infinity);
  const near = new Float64Array(bx * by * bz).fill(Infinity);
  const flagged = new Uint8Array(n);
  let voxels = 0;
  let maskVoxels = 0;
  // one scan over the compared voxels (mask, finite value > 0): first each block's finest value,
  // then (flag) each voxel against the finest near its block
  const scan = (flag: boolean): void => {
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        const row = (z * ny + y) * nx;
        const brow = (Math.floor(z / b) * by + Math.floor(y / b)) * bx;
        for (let x = 0; x < nx; x++) {
          const i = row + x;
          const v = resolutionA[i];
          if ((mask && !(mask[i] > 0.5)) || !(v > 0) || v === Infinity) continue;
          const k = brow + xb[x];
          if (!flag) {
            if (v < blockMin[k]) blockMin[k] = v;
          } else {
            maskVoxels++;
            if (v >= ratio * near[k]) {
              flagged[i] = 1;
              voxels++;
            }
          }
        }
      }
    }
  };
  scan(false);
  // the finest over a ball of blocks
  const rb = reachA / (voxelSizeA * b);
  const ri = Math.floor(rb);
  const offsets: [number, number, number][] = [];
  for (let dz = -ri; dz <= ri; dz++) for (let dy = -ri; dy <= ri; dy++) for (let dx = -ri; dx <= ri; dx++) {
    if (dx * dx + dy * dy + dz * dz <= rb * rb) offsets.push([dx, dy, dz]);
  }
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      for (let x = 0; x < bx; x++) {
        let m = Infinity;
        for (const [dx, dy, dz] of offsets) {
          const xx = x + dx, yy = y + dy, zz = z + dz;
          if (xx < 0 || yy < 0 || zz < 0 || xx >= bx || yy >= by || zz >= bz) continue;
          const v = blockMin[(zz * by + yy) * bx + xx];
          if (v < m) m = v;
        }
        near[(z * by + y) * bx + x] = m;
      }
    }
  }
  scan(true);
  return { flagged, voxels, maskVoxels, fraction: maskVoxels > 0 ? voxels / maskVoxels : 0, reachA };
}

/**
 * {@link besideFiner} of a local-FSC result as `occupy locres` and the library report it: the
 * reach is half the window's edge, the blocks are the window grid's step.
 * @param r the result of `localFsc` (its resolution map, window and step in voxels)
 * @param mask the molecule mask, same layout as the maps (voxels > 0.5)
 * @throws RangeError as {@link besideFiner}
 */
export function localFscBesideFiner(r: Pick<LocalFscResult, 'resolution' | 'windowVoxels' | 'stepVoxels'>, mask: ArrayLike<number>): BesideFinerResult {
  const a = r.resolution.voxelSizeA[0];
  return besideFiner(r.resolution.data, r.resolution.shape, a, (r.windowVoxels * a) / 2, mask, r.stepVoxels);
}
