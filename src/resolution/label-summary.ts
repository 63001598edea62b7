/**
 * Per-label (domain, segment) summary of a local-resolution map: the table users report.
 * @see issue 16 item 2
 */
import { quantileByRank } from '../math/select.js';

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
 * @param pinned optional, same layout; 1 where the value is a Nyquist bound
 * @throws RangeError when the lengths differ, or a label is not finite
 */
export function labelSummary(resolutionA: ArrayLike<number>, labels: ArrayLike<number>, mask?: ArrayLike<number>, pinned?: ArrayLike<number>): LabelRow[] {
  const n = resolutionA.length;
  if (labels.length !== n) throw new RangeError(`--labels has ${labels.length} voxels, the map ${n}`);
  if (mask && mask.length !== n) throw new RangeError(`mask has ${mask.length} voxels, the map ${n}`);
  if (pinned && pinned.length !== n) throw new RangeError(`pinned map has ${pinned.length} voxels, the map ${n}`);
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (mask && !(mask[i] > 0.5)) continue;
    if (!Number.isFinite(labels[i])) throw new RangeError(`--labels has a non-finite value at voxel ${i}`);
    const l = Math.round(labels[i]);
    if (l > 0) counts.set(l, (counts.get(l) ?? 0) + 1);
  }
  const ids = [...counts.keys()].sort((x, y) => x - y);
  const buffers = new Map<number, { values: Float32Array; k: number; pinned: number }>();
  for (const l of ids) buffers.set(l, { values: new Float32Array(counts.get(l) ?? 0), k: 0, pinned: 0 });
  for (let i = 0; i < n; i++) {
    if (mask && !(mask[i] > 0.5)) continue;
    const l = Math.round(labels[i]);
    if (l <= 0) continue;
    const b = buffers.get(l);
    if (!b) continue;
    b.values[b.k++] = resolutionA[i];
    if (pinned && pinned[i]) b.pinned++;
  }
  return ids.map((l) => {
    const b = buffers.get(l) as { values: Float32Array; k: number; pinned: number };
    return {
      label: l,
      voxels: b.k,
      medianA: quantileByRank(b.values, b.k, 0.5),
      p10A: quantileByRank(b.values, b.k, 0.1),
      p90A: quantileByRank(b.values, b.k, 0.9),
      pinnedVoxels: b.pinned,
    };
  });
}
