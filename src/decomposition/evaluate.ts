/**
 * Scoring an occupancy / B-factor estimate against synthetic truth, as the acceptance of the
 * decomposition is stated: per-domain medians relative to the best rigid fully occupied domain,
 * and the voxel-wise Pearson r with the true occupancy inside the truth mask.
 * @see shared/spec/occupancy-decomposition.md "Ground truth to measure against"
 */
import { pearson } from '../math/statistics.js';
import { quantileWhere } from '../math/select.js';

/** One domain's truth and estimate. */
export interface DomainScore {
  label: number;
  trueOccupancy: number;
  flexible: boolean;
  /** Median estimate over the domain's voxels in the mask. */
  median: number;
  /** `median` / the median of the highest rigid, fully occupied domain. */
  relative: number;
  /** Median of the B map over the domain (when given), Å^2. */
  bMedianA2?: number;
}

/** Scores of one estimate. */
export interface DecompositionScore {
  domains: DomainScore[];
  /** Pearson r with the true occupancy inside the mask. */
  r: number;
}

/**
 * Score an occupancy estimate (and optionally a B map).
 *
 * @param estimate occupancy estimate per voxel, length N (index (z*ny + y)*nx + x)
 * @param truthOccupancy true occupancy per voxel, length N
 * @param labels domain label per voxel (1..K, 0 outside), length N
 * @param mask truth mask (> 0.5 inside), length N
 * @param domains per label 1..K: true occupancy and whether flexible
 * @param bfactor optional B map, length N (Å^2)
 * @throws RangeError when lengths differ or no rigid domain has occupancy 1
 */
export function scoreDecomposition(
  estimate: ArrayLike<number>, truthOccupancy: ArrayLike<number>, labels: ArrayLike<number>, mask: ArrayLike<number>,
  domains: readonly { occupancy: number; flexible: boolean }[], bfactor?: ArrayLike<number>,
): DecompositionScore {
  const n = estimate.length;
  if (truthOccupancy.length !== n || labels.length !== n || mask.length !== n || (bfactor && bfactor.length !== n)) throw new RangeError('scoreDecomposition: lengths differ');
  const buf = new Float64Array(n);
  const med = (values: ArrayLike<number>, label: number) => quantileWhere(values, (i) => mask[i] > 0.5 && Math.round(labels[i]) === label, 0.5, buf).value;
  const rows = domains.map((d, k) => ({ label: k + 1, trueOccupancy: d.occupancy, flexible: d.flexible, median: med(estimate, k + 1), relative: Number.NaN, bMedianA2: bfactor ? med(bfactor, k + 1) : undefined }));
  const refs = rows.filter((r) => !r.flexible && r.trueOccupancy === 1).map((r) => r.median);
  if (refs.length === 0) throw new RangeError('scoreDecomposition: no rigid domain with occupancy 1 to normalise by');
  const ref = Math.max(...refs);
  for (const r of rows) r.relative = r.median / ref;
  return { domains: rows, r: pearson(estimate, truthOccupancy, mask) };
}
