/**
 * Actual pixel sizes of optics groups after RELION 3.1 magnification refinement.
 *
 * relion_refine works at the reconstruction's pixel size p_ref (the first optics group's
 * `rlnImagePixelSize`): the images of group g (nominal pixel p_g) are first rescaled from p_g to
 * p_ref, then distorted by the group's refined magnification matrix M_g (CtfRefine "estimate
 * anisotropic magnification", `rlnMagMat00..11` in `data_optics`). Only ratios are refined, so
 * one group whose true pixel size is known (e.g. calibrated against an atomic model) fixes the
 * absolute scale.
 *
 * @see https://relion.readthedocs.io/en/latest/Reference/PixelSizeIssues.html ("How can I merge
 *   datasets with different pixel sizes?")
 */
import { StarFormatError, column, numberColumn, type StarFile } from '../io/star/index.js';
import { hasColumn, opticsTable } from './optics-table.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A } from '../core/voxel-size-limits.js';

/** A 2×2 matrix as `[m00, m01, m10, m11]` (row-major), dimensionless. */
export type Matrix2 = readonly [number, number, number, number];

/** Singular values and derived magnification of a 2×2 matrix. */
export interface MagnificationSummary {
  /** Isotropic magnification sqrt(|det M|). */
  isotropic: number;
  /** Largest singular value σ1. */
  sigmaMax: number;
  /** Smallest singular value σ2. */
  sigmaMin: number;
  /** Anisotropy σ1/σ2 (≥ 1; 1 = isotropic). */
  anisotropy: number;
}

/**
 * Isotropic part and anisotropy of a magnification matrix.
 *
 * σ1,2 = sqrt((S ± sqrt(S² − 4 det²)) / 2) with S = m00² + m01² + m10² + m11² (the squared
 * Frobenius norm); isotropic = sqrt(|det|) = sqrt(σ1 σ2); anisotropy = σ1/σ2.
 *
 * @param m matrix `[m00, m01, m10, m11]`
 * @throws RangeError when an element is not finite or the matrix is singular (det = 0)
 */
export function magnificationSummary(m: Matrix2): MagnificationSummary {
  if (m.length !== 4 || !m.every(Number.isFinite)) throw new RangeError(`magnification matrix must be 4 finite numbers [m00, m01, m10, m11], got [${m.join(', ')}]`);
  const det = m[0] * m[3] - m[1] * m[2];
  if (det === 0) throw new RangeError(`magnification matrix must be non-singular, got [${m.join(', ')}] with det 0`);
  const s = m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + m[3] * m[3];
  const root = Math.sqrt(Math.max(0, s * s - 4 * det * det));
  const sigmaMax = Math.sqrt((s + root) / 2);
  const sigmaMin = Math.abs(det) / sigmaMax; // σ1σ2 = |det|, avoids cancellation in (s − root)
  return { isotropic: Math.sqrt(Math.abs(det)), sigmaMax, sigmaMin, anisotropy: sigmaMax / sigmaMin };
}

/** One optics group for {@link groupPixelSizesFromNumbers}. */
export interface GroupOpticsInput {
  /** Nominal pixel size of the group's images (`rlnImagePixelSize`), Å/px. */
  nominalPixelA: number;
  /** Refined magnification matrix `[m00, m01, m10, m11]` (identity = no correction). */
  magMatrix: Matrix2;
}

/** Per-group result of {@link groupPixelSizesFromNumbers}. */
export interface GroupPixelSize {
  /** Nominal pixel size, Å/px. */
  nominalPixelA: number;
  /** Actual pixel size p_rec · (p_g / p_ref) / m_g, Å/px. */
  truePixelA: number;
  /** Isotropic magnification m_g = sqrt(|det M_g|). */
  magnification: number;
  /** Singular-value ratio σ1/σ2 of M_g (1 = isotropic). */
  anisotropy: number;
  /** Singular values of M_g, largest first. */
  singularValues: [number, number];
}

/** Result of {@link groupPixelSizesFromNumbers}. */
export interface GroupPixelSizes {
  /** Nominal pixel size of the reconstruction (the reference group's), Å/px. */
  referenceNominalPixelA: number;
  /** Actual pixel size of the reconstruction, Å/px. */
  reconstructionPixelA: number;
  /** One entry per input group, in input order. */
  groups: GroupPixelSize[];
}

/**
 * Actual pixel sizes from nominal pixel sizes, magnification matrices and one trusted group.
 *
 * Model: group g's images are rescaled from p_g to the reference pixel p_ref and then magnified
 * by m_g = sqrt(|det M_g|) to match the reconstruction, so one reconstruction voxel is
 * p_rec = p_true,t · m_t · p_ref / p_t (t = trusted group) and each group's actual pixel size is
 * p_g,true = p_rec · (p_g / p_ref) / m_g.
 * Example: nominal 1.00 and 0.95 Å/px, M = 0.99·I and 1.045·I, group 1 trusted at 1.00 Å/px →
 * p_rec = 0.99 Å/px, group 2 = 0.90 Å/px.
 *
 * @param groups the optics groups (length ≥ 1)
 * @param trustedIndex 0-based index into `groups` of the group with the known pixel size
 * @param trustedPixelA true pixel size of that group, Å/px
 * @param referenceIndex 0-based index of the group that defines the reconstruction's nominal
 *   pixel size (RELION: the first optics group); default 0
 * @throws RangeError when `groups` is empty, an index is out of range, a pixel size is not
 *   finite positive, or a matrix is singular or not finite
 */
export function groupPixelSizesFromNumbers(groups: readonly GroupOpticsInput[], trustedIndex: number, trustedPixelA: number, referenceIndex = 0): GroupPixelSizes {
  if (groups.length === 0) throw new RangeError('groups must contain at least one optics group, got 0');
  const checkIndex = (name: string, i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= groups.length) throw new RangeError(`${name} must be an integer in [0, ${groups.length - 1}], got ${i}`);
  };
  checkIndex('trustedIndex', trustedIndex);
  checkIndex('referenceIndex', referenceIndex);
  if (!(Number.isFinite(trustedPixelA) && trustedPixelA > 0)) throw new RangeError(`trustedPixelA must be a finite positive number (Å/px), got ${trustedPixelA}`);
  groups.forEach((g, i) => {
    if (!(Number.isFinite(g.nominalPixelA) && g.nominalPixelA > 0)) throw new RangeError(`groups[${i}].nominalPixelA must be a finite positive number (Å/px), got ${g.nominalPixelA}`);
  });
  const summaries = groups.map((g) => magnificationSummary(g.magMatrix));
  const pRef = groups[referenceIndex].nominalPixelA;
  const pRec = (trustedPixelA * summaries[trustedIndex].isotropic * pRef) / groups[trustedIndex].nominalPixelA;
  return {
    referenceNominalPixelA: pRef,
    reconstructionPixelA: pRec,
    groups: groups.map((g, i) => ({
      nominalPixelA: g.nominalPixelA,
      truePixelA: (pRec * (g.nominalPixelA / pRef)) / summaries[i].isotropic,
      magnification: summaries[i].isotropic,
      anisotropy: summaries[i].anisotropy,
      singularValues: [summaries[i].sigmaMax, summaries[i].sigmaMin],
    })),
  };
}

/** Per-group result of {@link groupPixelSizes}: {@link GroupPixelSize} plus the group's identity. */
export interface OpticsGroupPixelSize extends GroupPixelSize {
  /** `rlnOpticsGroup` number. */
  group: number;
  /** `rlnOpticsGroupName` (empty when the column is absent). */
  name: string;
  /** The matrix read from the file, `[m00, m01, m10, m11]`. */
  magMatrix: [number, number, number, number];
}

/** Result of {@link groupPixelSizes}. */
export interface OpticsGroupPixelSizes {
  /** Nominal pixel size of the reconstruction (first optics group's `rlnImagePixelSize`), Å/px. */
  referenceNominalPixelA: number;
  /** Actual pixel size of the reconstruction, Å/px. */
  reconstructionPixelA: number;
  /** One entry per `data_optics` row, in table order. */
  groups: OpticsGroupPixelSize[];
}

/**
 * Refuse an optics table that lists a group number, or a non-empty group name, twice: the
 * trusted group and every particle's group would be ambiguous.
 * @throws StarFormatError naming the group and its rows
 */
function checkUniqueGroups(numbers: readonly number[], names: readonly string[]): void {
  const check = (values: readonly (number | string)[], what: string) => {
    const first = new Map<number | string, number>();
    values.forEach((v, i) => {
      if (v === '') return;
      const j = first.get(v);
      if (j !== undefined) throw new StarFormatError(`optics group ${what} ${JSON.stringify(v)} appears twice in data_optics (rows ${j + 1} and ${i + 1}): each optics group must be listed once`);
      first.set(v, i);
    });
  };
  check(numbers, 'number');
  check(names, 'name');
}

const MAG_PREFIXES = ['rlnMagMat', 'rlnMatrix'] as const;
const MAG_SUFFIXES = ['00', '01', '10', '11'] as const;

/**
 * Actual pixel sizes of every optics group of a refined RELION 3.1 particles STAR file, and of
 * the reconstruction, given one group with a known true pixel size (model: see
 * {@link groupPixelSizesFromNumbers}; the reference group is the first `data_optics` row).
 *
 * Columns read from `data_optics`: `rlnOpticsGroup`, `rlnOpticsGroupName` (optional),
 * `rlnImagePixelSize`, and the magnification matrix `rlnMagMat00`, `rlnMagMat01`, `rlnMagMat10`,
 * `rlnMagMat11` (or `rlnMatrix00..11` when the rlnMagMat columns are absent).
 *
 * @param star parsed particles STAR file (e.g. CtfRefine's particles_ctf_refine.star)
 * @param trusted the group with the known pixel size: its `rlnOpticsGroup` number or
 *   `rlnOpticsGroupName`, and its true pixel size in Å/px
 * @throws StarFormatError when `data_optics`, `rlnImagePixelSize` or a magnification column is
 *   missing (the message names it), a value is not a number, a group number or name appears
 *   twice in `data_optics`, a pixel size is outside 0.01–100 Å (the command line's range), a
 *   matrix element is not finite (nan, inf) or a matrix is singular
 * @throws RangeError when the trusted group is not in the table (the message starts with
 *   `trusted.group`), or its pixel size is not finite positive
 */
export function groupPixelSizes(star: StarFile, trusted: { group: number | string; pixelA: number }): OpticsGroupPixelSizes {
  const t = opticsTable(star);
  const numbers = numberColumn(t, 'rlnOpticsGroup');
  const names = hasColumn(t, 'rlnOpticsGroupName') ? column(t, 'rlnOpticsGroupName') : numbers.map(() => '');
  checkUniqueGroups(numbers, names);
  const pixels = numberColumn(t, 'rlnImagePixelSize');
  const prefix = MAG_PREFIXES.find((p) => MAG_SUFFIXES.every((s) => hasColumn(t, p + s)));
  if (!prefix) {
    const missing = MAG_SUFFIXES.map((s) => `rlnMagMat${s}`).filter((c) => !hasColumn(t, c));
    throw new StarFormatError(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in block data_optics: expected the magnification matrix refined by CtfRefine (rlnMagMat00, rlnMagMat01, rlnMagMat10, rlnMagMat11, or rlnMatrix00..11) (columns: ${t.columns.join(', ')})`);
  }
  const mats = MAG_SUFFIXES.map((s) => numberColumn(t, prefix + s));
  const matrices = numbers.map((_, i) => [mats[0][i], mats[1][i], mats[2][i], mats[3][i]] as [number, number, number, number]);
  // the file's values, named by column and group (not by the numeric core's parameter names)
  numbers.forEach((n, i) => {
    const where = `optics group ${n}${names[i] ? ` '${names[i]}'` : ''} in block data_optics`;
    // the range of the command line's --angpix and of from-cs's optics table (9500 Å had been taken)
    if (!(pixels[i] >= ANGPIX_MIN_A && pixels[i] <= ANGPIX_MAX_A)) throw new StarFormatError(`rlnImagePixelSize of ${where} is ${pixels[i]}: expected a pixel size of ${ANGPIX_MIN_A}–${ANGPIX_MAX_A} Å`);
    const m = matrices[i];
    // nan/inf cells had reached the numeric core, whose message named neither file, column nor group
    const bad = m.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new StarFormatError(`${prefix}${MAG_SUFFIXES[bad]} of ${where} is ${m[bad]}: expected a finite number (the magnification matrix refined by CtfRefine)`);
    if (m[0] * m[3] - m[1] * m[2] === 0) throw new StarFormatError(`the magnification matrix (${prefix}00..11) of ${where} is singular: [${m.join(', ')}], determinant 0`);
  });
  const trustedIndex = typeof trusted.group === 'number' ? numbers.indexOf(trusted.group) : names.indexOf(trusted.group);
  if (trustedIndex < 0) {
    const known = numbers.map((n, i) => (names[i] ? `${n} '${names[i]}'` : `${n}`)).join(', ');
    throw new RangeError(`trusted.group must be an optics group ${typeof trusted.group === 'number' ? 'number' : 'name'} in data_optics (${known}), got ${JSON.stringify(trusted.group)}`);
  }
  const core = groupPixelSizesFromNumbers(
    pixels.map((p, i) => ({ nominalPixelA: p, magMatrix: matrices[i] })),
    trustedIndex,
    trusted.pixelA,
  );
  return {
    referenceNominalPixelA: core.referenceNominalPixelA,
    reconstructionPixelA: core.reconstructionPixelA,
    groups: core.groups.map((g, i) => ({ group: numbers[i], name: names[i], magMatrix: matrices[i], ...g })),
  };
}
