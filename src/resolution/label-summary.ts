/**
 * Per-label (domain, segment) summary of a local-resolution map: the table users report.
 * @see issue 16 item 2
 */
import { quantileByRank } from '../math/select.js';
import { squaredDistanceTransform } from '../math/distance-transform.js';
import type { Shape3 } from '../core/volume.js';
import type { SubBox } from './sub-box.js';

/** One label's row of {@link labelSummary}. */
export interface LabelRow {
  /** Label value (a positive integer of the labels map). */
  label: number;
  /** Voxels of this label inside the mask. */
  voxels: number;
  /** Median local resolution, Å. */
  medianA: number;
  /** 10th percentile (finer end of the 10–90 % range), Å. */
  p10A: number;
  /** 90th percentile (coarser end), Å. */
  p90A: number;
  /** Voxels of this label flagged as pinned at Nyquist (when a pinned map is given), else 0. */
  pinnedVoxels: number;
  /**
   * With {@link LabelBlend}: voxels of this label (inside the mask) farther than `radiusA` from
   * every voxel of another label, i.e. whose window holds none of another label. The rest read a
   * window-weighted blend with their neighbours' resolution.
   */
  coreVoxels?: number;
  /**
   * With {@link LabelInterval}: median over the label's voxels of the finer and coarser ends of
   * their 90 % intervals, Å — the uncertainty of a value like the label's median (the voxels of one
   * domain share their windows, so it does not shrink with the voxel count). Two labels whose
   * intervals overlap are not told apart by the estimate. This one: the finer end's median.
   */
  intervalLowA?: number;
  /** With {@link LabelInterval}: the median of the coarser ends, Å (see {@link LabelRow.intervalLowA}). */
  intervalHighA?: number;
  /**
   * With a `besideFiner` map: voxels of this label (inside the mask) that read at least 1.4 × coarser
   * than a value within half a window (`besideFiner` in `beside-finer.ts`). Where they are half of
   * a label or more, its median tends to read fine (on synthetic half maps a median 4–5 % too fine).
   */
  besideFinerVoxels?: number;
}

/** Per-voxel interval ends of the estimate (local FSC's `_low` / `_high` maps), for {@link labelSummary}. */
export interface LabelInterval {
  /** Finer end per voxel, Å; same layout as the resolution map. */
  lowA: ArrayLike<number>;
  /** Coarser end per voxel, Å; same layout. */
  highA: ArrayLike<number>;
}

/** The estimate's reach, for {@link labelSummary} to count each label's voxels clear of other labels. */
export interface LabelBlend {
  /** [nx, ny, nz] of the maps. */
  shape: Shape3;
  /** Voxel size along x, y, z, Å. */
  voxelSizeA: readonly [number, number, number];
  /** Radius of the estimate's window, Å (local FSC: half the cube's edge). */
  radiusA: number;
}

/** What {@link labelSummary} can add to each label's row; every map has the resolution map's layout. */
export interface LabelSummaryExtras {
  /** 1 where the value is a Nyquist bound: each row counts {@link LabelRow.pinnedVoxels} (else 0). */
  pinned?: ArrayLike<number>;
  /**
   * The window's reach: each row counts its {@link LabelRow.coreVoxels} (exact Euclidean distance
   * to the nearest voxel of another label > 0, inside or outside the mask).
   */
  blend?: LabelBlend;
  /** Per-voxel interval ends: each row gets the medians of both ends ({@link LabelRow.intervalLowA}, {@link LabelRow.intervalHighA}). */
  interval?: LabelInterval;
  /**
   * 1 where a voxel reads much coarser than a value near it (`besideFiner` in `beside-finer.ts`):
   * each row counts {@link LabelRow.besideFinerVoxels}.
   */
  besideFiner?: ArrayLike<number>;
}

/**
 * Median and 10–90 % range of a local-resolution map per label, over the voxels where the mask
 * is set (all voxels when absent). Labels are the map's values rounded to the nearest integer;
 * 0 and negative values are background and skipped. Quantiles by rank
 * (`sorted[round(q·(count−1))]`), rows in increasing label order.
 *
 * @param resolutionA local resolution per voxel, Å; length nx*ny*nz, index (z*ny+y)*nx+x
 * @param labels label per voxel, same layout (e.g. a segmentation map read from MRC)
 * @param mask optional, same layout; a voxel counts when mask > 0.5
 * @param extras optional per-voxel maps and the window's reach, each adding its columns to the
 *   rows ({@link LabelSummaryExtras})
 * @throws RangeError when the lengths differ, or a label is not finite
 */
export function labelSummary(resolutionA: ArrayLike<number>, labels: ArrayLike<number>, mask?: ArrayLike<number>, extras: LabelSummaryExtras = {}): LabelRow[] {
  const { pinned, blend, interval, besideFiner } = extras;
  const n = resolutionA.length;
  if (labels.length !== n) throw new RangeError(`--labels has ${labels.length} voxels, the map ${n}`);
  if (mask && mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, the map ${n}`);
  if (pinned && pinned.length !== n) throw new RangeError(`pinned map has ${pinned.length} voxels, the map ${n}`);
  if (besideFiner && besideFiner.length !== n) throw new RangeError(`beside-finer map has ${besideFiner.length} voxels, the map ${n}`);
  if (interval && (interval.lowA.length !== n || interval.highA.length !== n)) throw new RangeError(`interval maps have ${interval.lowA.length} and ${interval.highA.length} voxels, the map ${n}`);
  const [nx, ny, nz] = blend?.shape ?? [n, 1, 1];
  if (blend && nx * ny * nz !== n) throw new RangeError(`--labels has ${n} voxels, the box ${nx}x${ny}x${nz} needs ${nx * ny * nz}`);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (mask && !(mask[i] > 0.5)) continue;
    if (!Number.isFinite(labels[i])) throw new RangeError(`--labels has a non-finite value at voxel ${i}`);
    const l = Math.round(labels[i]);
    if (l > 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const ids = [...counts.keys()].sort((x, y) => x - y);
  // per label: its values, pinned count and (for the blend) the bounding box of its voxels in the mask
  type Buffer = { values: Float32Array; lows?: Float32Array; highs?: Float32Array; k: number; pinned: number; beside: number; bounds: SubBox };
  const buffers = new Map<number, Buffer>();
  for (const l of ids) {
    const c = counts.get(l) ?? 0;
    buffers.set(l, { values: new Float32Array(c), ...(interval ? { lows: new Float32Array(c), highs: new Float32Array(c) } : {}), k: 0, pinned: 0, beside: 0, bounds: { lo: [nx, ny, nz], hi: [-1, -1, -1] } });
  }
  for (let i = 0; i < n; i++) {
    if (mask && !(mask[i] > 0.5)) continue;
    const l = Math.round(labels[i]);
    if (l <= 0) continue;
    const b = buffers.get(l);
    if (!b) continue;
    if (interval && b.lows && b.highs) {
      b.lows[b.k] = interval.lowA[i];
      b.highs[b.k] = interval.highA[i];
    }
    b.values[b.k++] = resolutionA[i];
    if (pinned && pinned[i]) b.pinned++;
    if (besideFiner && besideFiner[i]) b.beside++;
    if (blend) {
      const x = i % nx;
      const y = Math.floor(i / nx) % ny;
      const z = Math.floor(i / (nx * ny));
      const { lo, hi } = b.bounds;
      lo[0] = Math.min(lo[0], x);
      hi[0] = Math.max(hi[0], x);
      lo[1] = Math.min(lo[1], y);
      hi[1] = Math.max(hi[1], y);
      lo[2] = Math.min(lo[2], z);
      hi[2] = Math.max(hi[2], z);
    }
  }
  return ids.map((l) => {
    const b = buffers.get(l) as Buffer;
    return {
      label: l,
      voxels: b.k,
      medianA: quantileByRank(b.values, b.k, 0.5),
      p10A: quantileByRank(b.values, b.k, 0.1),
      p90A: quantileByRank(b.values, b.k, 0.9),
      pinnedVoxels: b.pinned,
      ...(blend ? { coreVoxels: coreVoxels(l, b.bounds, labels, mask, blend) } : {}),
      ...(b.lows && b.highs ? { intervalLowA: quantileByRank(b.lows, b.k, 0.5), intervalHighA: quantileByRank(b.highs, b.k, 0.5) } : {}),
      ...(besideFiner ? { besideFinerVoxels: b.beside } : {}),
    };
  });
}

/**
 * Voxels of label `l` (inside the mask) farther than `blend.radiusA` from every voxel of another
 * label > 0: the distance transform of the other labels over `l`'s bounding box `bounds` (its
 * voxels in the mask) grown by the radius (voxels beyond it are farther than the radius anyway).
 */
function coreVoxels(l: number, bounds: SubBox, labels: ArrayLike<number>, mask: ArrayLike<number> | undefined, blend: LabelBlend): number {
  const [nx, ny, nz] = blend.shape;
  if (bounds.hi[0] < 0) return 0;
  const n = [nx, ny, nz];
  const lo = [...bounds.lo];
  const hi = [...bounds.hi];
  for (let a = 0; a < 3; a++) {
    const grow = Math.ceil(blend.radiusA / blend.voxelSizeA[a]) + 1;
    lo[a] = Math.max(0, lo[a] - grow);
    hi[a] = Math.min(n[a] - 1, hi[a] + grow);
  }
  const [cx, cy, cz] = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  const other = new Uint8Array(cx * cy * cz);
  for (let z = 0, j = 0; z < cz; z++) for (let y = 0; y < cy; y++) {
    const row = ((z + lo[2]) * ny + y + lo[1]) * nx + lo[0];
    for (let x = 0; x < cx; x++, j++) {
      const v = Math.round(labels[row + x]);
      other[j] = v > 0 && v !== l ? 1 : 0;
    }
  }
  const d2 = squaredDistanceTransform(other, [cx, cy, cz], blend.voxelSizeA);
  const r2 = blend.radiusA * blend.radiusA;
  let core = 0;
  for (let z = 0, j = 0; z < cz; z++) for (let y = 0; y < cy; y++) {
    const row = ((z + lo[2]) * ny + y + lo[1]) * nx + lo[0];
    for (let x = 0; x < cx; x++, j++) {
      const i = row + x;
      if (Math.round(labels[i]) === l && (!mask || mask[i] > 0.5) && d2[j] > r2) core++;
    }
  }
  return core;
}
