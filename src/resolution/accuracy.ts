/**
 * Accuracy of a local-resolution estimate against ground truth: the figures the README's
 * local-resolution tables report (mean absolute error, median bias, Pearson r) and the Spearman
 * rank correlation of the acceptance tests. A correlation alone can hide a bias: report all.
 * @see issue 16, issue 18 (acceptance)
 */
import { pearson } from '../math/statistics.js';

/** Accuracy figures over the selected voxels. */
export interface AccuracyFigures {
  /** Mean |estimate − truth|, Å. */
  maeA: number;
  /** Median of estimate − truth, Å (> 0: the estimate reads coarser than the truth). */
  medianBiasA: number;
  /** Pearson correlation of estimate and truth. */
  r: number;
  /** Number of voxels compared. */
  voxels: number;
}

/**
 * MAE, median bias and Pearson r of `estimateA` against `truthA` where `select` > 0.5 (and the
 * truth is > 0).
 * @param estimateA estimate per voxel, Å; length N (index (z*ny+y)*nx+x)
 * @param truthA truth per voxel, Å, same layout (0 = no truth)
 * @param select optional selection, same layout
 * @throws RangeError when lengths differ or nothing is selected
 */
export function accuracyFigures(estimateA: ArrayLike<number>, truthA: ArrayLike<number>, select?: ArrayLike<number>): AccuracyFigures {
  const n = estimateA.length;
  if (truthA.length !== n || (select && select.length !== n)) throw new RangeError(`accuracyFigures: lengths differ (${n}, ${truthA.length}${select ? `, ${select.length}` : ''})`);
  const keep = new Uint8Array(n);
  const diffs: number[] = [];
  let abs = 0;
  for (let i = 0; i < n; i++) {
    if ((select && !(select[i] > 0.5)) || !(truthA[i] > 0)) continue;
    keep[i] = 1;
    const d = estimateA[i] - truthA[i];
    diffs.push(d);
    abs += Math.abs(d);
  }
  if (diffs.length === 0) throw new RangeError('accuracyFigures: no voxel selected with a truth');
  diffs.sort((a, b) => a - b);
  return { maeA: abs / diffs.length, medianBiasA: diffs[diffs.length >> 1], r: pearson(estimateA, truthA, keep), voxels: diffs.length };
}

/** How far two local-resolution maps are apart: quantiles of |a − b| over the selected voxels. */
export interface MapDifference {
  /** Median |a − b|, Å (the value of rank `floor(count/2)`). */
  medianA: number;
  /** 90th percentile of |a − b|, Å (the value of rank `floor(0.9·count)`). */
  p90A: number;
}

/**
 * Median and 90th percentile of |a − b| where `select` > 0.5 (e.g. a reproduction against the
 * program it reproduces, inside the mask).
 * @param a first map, Å; length N (index (z*ny+y)*nx+x)
 * @param b second map, Å, same layout
 * @param select selection, same layout
 * @throws RangeError when lengths differ or nothing is selected
 */
export function mapDifference(a: ArrayLike<number>, b: ArrayLike<number>, select: ArrayLike<number>): MapDifference {
  const n = a.length;
  if (b.length !== n || select.length !== n) throw new RangeError(`mapDifference: lengths differ (${n}, ${b.length}, ${select.length})`);
  const d: number[] = [];
  for (let i = 0; i < n; i++) if (select[i] > 0.5) d.push(Math.abs(a[i] - b[i]));
  if (d.length === 0) throw new RangeError('mapDifference: no voxel selected');
  d.sort((x, y) => x - y);
  return { medianA: d[d.length >> 1], p90A: d[Math.floor(0.9 * d.length)] };
}

/**
 * Spearman rank correlation of two equally long series (average ranks for ties): the Pearson
 * correlation of their ranks.
 * @throws RangeError when the lengths differ or are below 2
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) throw new RangeError(`spearman: needs two series of equal length >= 2, got ${a.length} and ${b.length}`);
  const rank = (v: readonly number[]): number[] => {
    const idx = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  return pearson(rank(a), rank(b));
}

/**
 * Voxels at least `r` voxels inside their own label: a voxel is kept when every voxel within the
 * ball of radius `r` (voxels) around it is in the box and carries the same non-zero label (e.g.
 * to compare a windowed estimate with the truth away from domain borders).
 * @param labels label per voxel (0 = none), length nx*ny*nz, index (z*ny+y)*nx+x
 * @param shape box [nx, ny, nz] in voxels
 * @param r radius in voxels
 * @returns 1 for interior voxels, 0 elsewhere, same layout
 */
export function labelInterior(labels: ArrayLike<number>, shape: readonly number[], r: number): Uint8Array {
  const [nx, ny, nz] = shape;
  const out = new Uint8Array(labels.length);
  const ri = Math.ceil(r);
  const offs: number[] = [];
  for (let dz = -ri; dz <= ri; dz++) for (let dy = -ri; dy <= ri; dy++) for (let dx = -ri; dx <= ri; dx++) if (dx * dx + dy * dy + dz * dz <= r * r) offs.push(dx, dy, dz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x;
    const l = labels[i];
    if (!l) continue;
    let ok = true;
    for (let o = 0; o < offs.length && ok; o += 3) {
      const X = x + offs[o], Y = y + offs[o + 1], Z = z + offs[o + 2];
      if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz || labels[(Z * ny + Y) * nx + X] !== l) ok = false;
    }
    out[i] = ok ? 1 : 0;
  }
  return out;
}

/**
 * Voxels within `reachA` of a domain centre: for phantoms whose domains are balls of atoms (the
 * shared references, `referenceStyleHalfMaps`), whose labels have holes between the atoms, so that
 * no voxel lies a window radius inside a *label*; "at least one window radius inside a domain" is
 * then within `radius − window/2` of its centre (issue 16, interval coverage).
 * @param shape box [nx, ny, nz] in voxels
 * @param voxelSizeA voxel size in Å (cubic)
 * @param centresA domain centres (x, y, z) in Å from the first voxel's centre, label k at index k − 1
 * @param reachA distance from a centre in Å (≤ 0 selects nothing)
 * @returns per voxel the label k (1-based) of the centre within reach, 0 elsewhere; index (z*ny+y)*nx+x
 */
export function nearDomainCentre(shape: readonly number[], voxelSizeA: number, centresA: readonly (readonly number[])[], reachA: number): Uint8Array {
  const [nx, ny, nz] = shape;
  const out = new Uint8Array(nx * ny * nz);
  if (!(reachA > 0)) return out;
  const r2 = reachA * reachA;
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    for (let k = 0; k < centresA.length; k++) {
      const c = centresA[k];
      if ((x * voxelSizeA - c[0]) ** 2 + (y * voxelSizeA - c[1]) ** 2 + (z * voxelSizeA - c[2]) ** 2 <= r2) {
        out[i] = k + 1;
        break;
      }
    }
  }
  return out;
}

/** Result of {@link intervalCoverage}. */
export interface IntervalCoverage {
  /** Voxels selected. */
  voxels: number;
  /** Of those, voxels whose interval holds the truth (within 1e-4 Å at either end). */
  covered: number;
  /** Median interval width (high − low) over the selected voxels, Å (NaN when none). */
  medianWidthA: number;
}

/**
 * How often a per-voxel interval holds the truth (issue 16 item 4: the 90 % interval's coverage),
 * over the voxels where both `select` and `mask` are set.
 * @param lowA finer end per voxel, Å; length nx*ny*nz, index (z*ny+y)*nx+x
 * @param highA coarser end per voxel, Å; same layout
 * @param truthA true local resolution per voxel, Å; same layout
 * @param select voxels to count (non-zero), e.g. {@link nearDomainCentre} or {@link labelInterior}
 * @param mask voxels to count (> 0.5)
 */
export function intervalCoverage(lowA: ArrayLike<number>, highA: ArrayLike<number>, truthA: ArrayLike<number>, select: ArrayLike<number>, mask: ArrayLike<number>): IntervalCoverage {
  const widths: number[] = [];
  let covered = 0;
  for (let i = 0; i < truthA.length; i++) {
    if (!select[i] || !(mask[i] > 0.5)) continue;
    widths.push(highA[i] - lowA[i]);
    if (lowA[i] <= truthA[i] + 1e-4 && truthA[i] <= highA[i] + 1e-4) covered++;
  }
  widths.sort((x, y) => x - y);
  return { voxels: widths.length, covered, medianWidthA: widths.length ? widths[widths.length >> 1] : Number.NaN };
}

/** Result of {@link finestValueShare}: issue 16's fourth figure. */
export interface FinestValueShare {
  /** Selected voxels counted. */
  voxels: number;
  /** Percent of them whose estimate is at the finest reported value (≤ finest × 1.001). */
  atFinestPercent: number;
  /**
   * Percent of them at the finest value although their truth is coarser than
   * {@link FinestValueShare.toleranceA}: the figure's misses ("≤ 2 % of mask voxels at the finest
   * reported value unless the truth is that fine").
   */
  missPercent: number;
  /** The coarsest truth that is "that fine", Å: `1 / (1/finestA − shellWidthPerA)` (Infinity when that is ≤ 0). */
  toleranceA: number;
}

/**
 * Issue 16's pinned figure, per voxel: how many of the selected voxels read the finest reported
 * value (Nyquist 2a, or the half maps' content limit where the content rule fired), and how many
 * of those are misses, i.e. have a truth coarser than that value by more than one shell of the
 * box's Fourier grid. One box shell, because that is how precisely the finest value itself is
 * known: Nyquist is the box's last shell, and the content limit is the inner edge of the first
 * shell the half maps hold nothing in (`emptyBeyondA`), so a domain whose signal ends anywhere
 * within the shell below reads it (random 27017: its 7.5 Å domain gives a limit of 7.47 Å). A
 * voxel whose truth lies further out is a misreading, whatever the window's coarser shells would
 * excuse (those are the reading's blur, which the MAE and bias figures measure).
 * @param estimateA estimate per voxel, Å; length N (index (z*ny+y)*nx+x)
 * @param truthA truth per voxel, Å, same layout
 * @param select voxels to count (> 0.5), same layout (the mask)
 * @param finestA the finest value the estimate can report, Å (e.g. `localFsc`'s `finestA`)
 * @param shellWidthPerA the box's Fourier shell width, 1/Å: `1 / (n · voxel size)` for an n³ box
 * @throws RangeError when lengths differ, nothing is selected, or finestA / shellWidthPerA is not positive
 */
export function finestValueShare(estimateA: ArrayLike<number>, truthA: ArrayLike<number>, select: ArrayLike<number>, finestA: number, shellWidthPerA: number): FinestValueShare {
  const n = estimateA.length;
  if (truthA.length !== n || select.length !== n) throw new RangeError(`finestValueShare: lengths differ (${n}, ${truthA.length}, ${select.length})`);
  if (!(finestA > 0) || !(shellWidthPerA > 0)) throw new RangeError(`finestValueShare: finest value ${finestA} Å and shell width ${shellWidthPerA} /Å must be positive`);
  const inv = 1 / finestA - shellWidthPerA;
  const toleranceA = inv > 0 ? 1 / inv : Number.POSITIVE_INFINITY;
  let voxels = 0, at = 0, miss = 0;
  for (let i = 0; i < n; i++) {
    if (!(select[i] > 0.5)) continue;
    voxels++;
    if (!(estimateA[i] <= finestA * 1.001)) continue;
    at++;
    if (truthA[i] > toleranceA) miss++;
  }
  if (voxels === 0) throw new RangeError('finestValueShare: no voxel selected');
  return { voxels, atFinestPercent: (100 * at) / voxels, missPercent: (100 * miss) / voxels, toleranceA };
}
