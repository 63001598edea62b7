/**
 * Fit of a centred ellipsoid to a resolution-per-direction surface, and the 3×3 symmetric eigen
 * decomposition it needs: the smooth model behind the directional FSC's best and worst directions
 * and its sphericity (one noisy cone cannot move it).
 * @see issue 18 item 1; Tan et al., Nat Methods 14:793 (2017) (3DFSC)
 */
import type { Vec3 } from '../core/volume.js';

/** Eigenvalues (ascending) and unit eigenvectors of a symmetric 3×3 matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Vec3;
  /** Unit eigenvectors, `vectors[i]` belongs to `values[i]`. */
  vectors: [Vec3, Vec3, Vec3];
}

/**
 * Eigen decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations (converges to machine
 * precision in a few sweeps).
 * @param m row-major 3×3 matrix, length 9; only its symmetric part is used; not modified
 * @throws RangeError when `m` has not 9 finite entries
 */
export function symmetricEigen3(m: ArrayLike<number>): SymmetricEigen {
  if (m.length !== 9) throw new RangeError(`a 3x3 matrix needs 9 entries, got ${m.length}`);
  for (let i = 0; i < 9; i++) if (!Number.isFinite(m[i])) throw new RangeError(`matrix entry ${i} is not finite: ${m[i]}`);
  const a = [
    [m[0], 0.5 * (m[1] + m[3]), 0.5 * (m[2] + m[6])],
    [0.5 * (m[1] + m[3]), m[4], 0.5 * (m[5] + m[7])],
    [0.5 * (m[2] + m[6]), 0.5 * (m[5] + m[7]), m[8]],
  ];
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-30 * (a[0][0] ** 2 + a[1][1] ** 2 + a[2][2] ** 2 + 1e-300)) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      if (a[p][q] === 0) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p];
        const akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k];
        const aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p];
        const vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[i][i] - a[j][j]);
  const vec = (j: number): Vec3 => [v[0][j], v[1][j], v[2][j]];
  return {
    values: [a[order[0]][order[0]], a[order[1]][order[1]], a[order[2]][order[2]]],
    vectors: [vec(order[0]), vec(order[1]), vec(order[2])],
  };
}

/** Solve the n×n system `A x = b` by Gaussian elimination with partial pivoting (A row-major; both overwritten). */
function solveInPlace(A: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]) > Math.abs(A[p * n + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) [A[c * n + k], A[p * n + k]] = [A[p * n + k], A[c * n + k]];
      [b[c], b[p]] = [b[p], b[c]];
    }
    const piv = A[c * n + c];
    if (Math.abs(piv) < 1e-300) throw new RangeError('ellipsoid fit: the directions do not determine the ellipsoid (degenerate sampling)');
    for (let r = c + 1; r < n; r++) {
      const f = A[r * n + c] / piv;
      if (f === 0) continue;
      for (let k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < n; k++) s -= A[r * n + k] * x[k];
    x[r] = s / A[r * n + r];
  }
  return x;
}

/** A centred ellipsoid fitted to resolutions per direction. */
export interface ResolutionEllipsoid {
  /**
   * The fitted quadratic form `M` (row-major 3×3, Å²): the modelled resolution in unit direction
   * `d` is `sqrt(dᵀ M d)` Å.
   */
  matrix: number[];
  /** Principal resolutions, Å, ascending (finest first): `sqrt` of M's eigenvalues. */
  resolutionsA: Vec3;
  /** Principal directions (unit vectors, map x, y, z), same order as {@link resolutionsA}. */
  directions: [Vec3, Vec3, Vec3];
  /** Root-mean-square relative residual of the fit over the directions used (weighted). */
  rmsRelativeResidual: number;
}

/**
 * Fit `r(d)² = dᵀ M d` (M symmetric, 6 unknowns) to resolutions `r_i` (Å) measured in unit
 * directions `d_i`, by iteratively reweighted least squares (Cauchy weights on the relative
 * residual, scale 2.5 × its median absolute value, 5 passes) so that a few noisy cones do not move
 * it. The surface `{ d / r(d) }` is then an ellipsoid in frequency space with semi-axes `1/r_j`
 * (1/Å) along M's eigenvectors: the model of the directional resolution surface.
 *
 * @param directions unit vectors (map x, y, z); antipodal directions are equivalent
 * @param resolutionsA resolution per direction, Å, same length; non-finite entries are skipped
 * @param weights optional prior weight per direction (e.g. Fourier samples at the crossing)
 * @throws RangeError when fewer than 6 usable directions are given or they leave M undetermined
 */
export function fitResolutionEllipsoid(directions: readonly Readonly<Vec3>[], resolutionsA: ArrayLike<number>, weights?: ArrayLike<number>): ResolutionEllipsoid {
  const n = directions.length;
  if (resolutionsA.length !== n) throw new RangeError(`${n} directions but ${resolutionsA.length} resolutions`);
  const use: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(resolutionsA[i]) && resolutionsA[i] > 0 && (!weights || weights[i] > 0)) use.push(i);
  if (use.length < 6) throw new RangeError(`an ellipsoid fit needs at least 6 directions with a resolution, got ${use.length}`);
  const row = (d: Readonly<Vec3>): number[] => [d[0] * d[0], d[1] * d[1], d[2] * d[2], 2 * d[0] * d[1], 2 * d[0] * d[2], 2 * d[1] * d[2]];
  const robust = new Float64Array(n).fill(1);
  let p: Float64Array = new Float64Array(6);
  let rms = 0;
  for (let pass = 0; pass < 5; pass++) {
    const A = new Float64Array(36);
    const b = new Float64Array(6);
    for (const i of use) {
      const w = robust[i] * (weights ? weights[i] : 1);
      const x = row(directions[i]);
      const y = resolutionsA[i] * resolutionsA[i];
      // relative residuals: weight 1/y² makes every direction count alike
      const wr = w / (y * y);
      for (let r = 0; r < 6; r++) {
        b[r] += wr * x[r] * y;
        for (let c = 0; c < 6; c++) A[r * 6 + c] += wr * x[r] * x[c];
      }
    }
    p = solveInPlace(A, b, 6);
    const rel: number[] = [];
    const relOf = (i: number): number => {
      const x = row(directions[i]);
      let m = 0;
      for (let r = 0; r < 6; r++) m += p[r] * x[r];
      const model = Math.sqrt(Math.max(m, 1e-12));
      return (resolutionsA[i] - model) / model;
    };
    for (const i of use) rel.push(Math.abs(relOf(i)));
    const sorted = [...rel].sort((x, y) => x - y);
    const scale = 2.5 * Math.max(sorted[sorted.length >> 1], 1e-3);
    let s2 = 0;
    let sw = 0;
    for (const i of use) {
      const e = relOf(i);
      robust[i] = 1 / (1 + (e / scale) ** 2);
      s2 += robust[i] * e * e;
      sw += robust[i];
    }
    rms = Math.sqrt(s2 / sw);
  }
  const matrix = [p[0], p[3], p[4], p[3], p[1], p[5], p[4], p[5], p[2]];
  const eig = symmetricEigen3(matrix);
  const res = eig.values.map((v) => Math.sqrt(Math.max(v, 1e-12))) as Vec3;
  const canonical = (v: Vec3): Vec3 => {
    // sign: the largest component positive (antipodal directions are the same cone)
    let k = 0;
    for (let j = 1; j < 3; j++) if (Math.abs(v[j]) > Math.abs(v[k])) k = j;
    const s = v[k] < 0 ? -1 : 1;
    const l = Math.hypot(v[0], v[1], v[2]);
    return [(s * v[0]) / l, (s * v[1]) / l, (s * v[2]) / l];
  };
  return { matrix, resolutionsA: res, directions: [canonical(eig.vectors[0]), canonical(eig.vectors[1]), canonical(eig.vectors[2])], rmsRelativeResidual: rms };
}

/**
 * Sphericity of a resolution ellipsoid (issue 18's definition): the cube root of the ratio of the
 * volume of the fitted frequency ellipsoid (semi-axes `1/r_j`, 1/Å) to the volume of the sphere
 * through its largest semi-axis (the best direction), i.e. `r_best / (r_1 r_2 r_3)^(1/3)`: 1 for
 * isotropic resolution; 0.79 for 7 Å along one axis and 3.5 Å across it; 0.63 for 7 Å across and
 * 3.5 Å along. Computed on the fitted surface, not on the raw cones, so cone noise does not lower
 * it (on isotropic synthetic halves it stays ≥ 0.95).
 * @param resolutionsA the three principal resolutions, Å (any order, > 0)
 */
export function ellipsoidSphericity(resolutionsA: Readonly<Vec3>): number {
  const best = Math.min(...resolutionsA);
  return best / Math.cbrt(resolutionsA[0] * resolutionsA[1] * resolutionsA[2]);
}
