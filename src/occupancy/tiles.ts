/**
 * The normalisation value s_max: the largest tau-quantile over a ball of tiles.
 * @see shared/spec/occupy-algorithm.md §6.1
 */
import type { Shape3, Vec3 } from '../core/volume.js';
import { selectKth } from '../math/select.js';

/** Tile layout along one axis. */
export interface AxisTiling {
  /** Number of tiles along the axis (<= 20). */
  nTiles: number;
  /** Tile edge in voxels. */
  tile: number;
  /** Step between tile starts in voxels. */
  step: number;
  /** Margin before the first tile in voxels. */
  margin: number;
}

/**
 * Tile layout of spec §6.1 along an axis of `n` voxels: `t = tileSize ?? floor(n/20)` (at least 1),
 * `n_tiles = min(20, n - t + 1)`, step `s = t + floor((n - n_tiles·t)/(n_tiles - 1))`, margin
 * `e = floor((n - ((n_tiles-1)·s + t))/2)`.
 * @throws RangeError when the tile does not fit in the box
 */
export function axisTiling(n: number, tileSize?: number): AxisTiling {
  const tile = tileSize ?? Math.max(1, Math.floor(n / 20));
  if (!Number.isInteger(tile) || tile < 1) throw new RangeError(`--tile-size must be a positive integer, got ${tileSize}`);
  if (tile > n) throw new RangeError(`--tile-size ${tile} is larger than the box (${n} voxels)`);
  const nTiles = Math.min(20, n - tile + 1);
  const step = nTiles > 1 ? tile + Math.floor((n - nTiles * tile) / (nTiles - 1)) : tile;
  const margin = Math.floor((n - ((nTiles - 1) * step + tile)) / 2);
  return { nTiles, tile, step, margin };
}

/** The tile that gave s_max. */
export interface TileMax {
  /** s_max: the largest tile tau-quantile, density units. */
  value: number;
  /** Tile centre in voxel coordinates (x, y, z), e.g. 33.5 for a tile covering 32..34. */
  centreVoxel: Vec3;
  /** Half the tile edge along x, y, z in voxels. */
  halfSizeVoxel: Vec3;
  /** Number of tiles searched. */
  tilesUsed: number;
  /** The smallest tile tau-quantile (the original OccuPy's "minimum tile"), density units. */
  minValue: number;
  /** Centre of the tile with the smallest tau-quantile, voxel coordinates (x, y, z). */
  minCentreVoxel: Vec3;
}

/**
 * s_max of spec §6.1: over the tiles whose (normalised) index distance from the tile-grid centre
 * is < n_tiles/2 - 1, the value at rank `floor(tau · tileVoxels)` of each tile's sorted values; the
 * largest of those. Along an axis of at most 3 tiles (a box at most 3 voxels thick, or a tile
 * nearly as large as the box) the ball does not restrict: it would hold no tile.
 *
 * @param data map, length nx*ny*nz, index (z*ny+y)*nx+x (not modified)
 * @param shape box [nx, ny, nz]
 * @param tau percentile in (0, 1]
 * @param tileSize optional tile edge in voxels (same on every axis)
 * @throws RangeError when the tile size does not fit in the box
 */
export function tileMaximum(data: Float32Array, shape: Shape3, tau: number, tileSize?: number): TileMax {
  const [nx, ny, nz] = shape;
  const tx = axisTiling(nx, tileSize);
  const ty = axisTiling(ny, tileSize);
  const tz = axisTiling(nz, tileSize);
  const count = tx.tile * ty.tile * tz.tile;
  const rank = Math.min(count - 1, Math.floor(tau * count));
  const scratch = new Float32Array(count);
  const half = (t: AxisTiling) => t.nTiles / 2;
  const radius = (t: AxisTiling) => t.nTiles / 2 - 1;
  let best = -Infinity;
  let bestCentre: Vec3 = [0, 0, 0];
  let worst = Infinity;
  let worstCentre: Vec3 = [0, 0, 0];
  let used = 0;
  for (let k = 0; k < tz.nTiles; k++) {
    for (let j = 0; j < ty.nTiles; j++) {
      for (let i = 0; i < tx.nTiles; i++) {
        // Ball of tiles: normalised distance from the grid centre < 1 (cubic: < n_tiles/2 - 1).
        // Axes with too few tiles for a ball do not restrict: radius <= 0 (1 or 2 tiles), and
        // radius 0.5 (3 tiles, at index distances 0.5 and 1.5 from the centre 1.5: none inside;
        // a box 3 voxels thick had thrown "no tile fits in the box 3x128x128")
        let d2 = 0;
        for (const [idx, t] of [[i, tx], [j, ty], [k, tz]] as const) {
          const r = radius(t);
          if (r > 0.5) d2 += ((idx - half(t)) / r) ** 2;
        }
        if (d2 >= 1) continue;
        const x0 = tx.margin + i * tx.step;
        const y0 = ty.margin + j * ty.step;
        const z0 = tz.margin + k * tz.step;
        let c = 0;
        for (let z = z0; z < z0 + tz.tile; z++) {
          for (let y = y0; y < y0 + ty.tile; y++) {
            const o = (z * ny + y) * nx;
            for (let x = x0; x < x0 + tx.tile; x++) scratch[c++] = data[o + x];
          }
        }
        const v = selectKth(scratch, count, rank);
        used++;
        if (v > best) {
          best = v;
          bestCentre = [x0 + (tx.tile - 1) / 2, y0 + (ty.tile - 1) / 2, z0 + (tz.tile - 1) / 2];
        }
        if (v < worst) {
          worst = v;
          worstCentre = [x0 + (tx.tile - 1) / 2, y0 + (ty.tile - 1) / 2, z0 + (tz.tile - 1) / 2];
        }
      }
    }
  }
  if (used === 0) throw new RangeError(`no tile fits in the box ${nx}x${ny}x${nz}`);
  return { value: best, centreVoxel: bestCentre, halfSizeVoxel: [tx.tile / 2, ty.tile / 2, tz.tile / 2], tilesUsed: used, minValue: worst, minCentreVoxel: worstCentre };
}
