/**
 * The per-voxel modification factors of OccuPy's map modification, as functions of local scale.
 * @see shared/spec/occupy-algorithm.md §9
 */

/** The three modification kinds. */
export type ModificationKind = 'amplify' | 'attenuate' | 'sigmoid';

/**
 * `mu` of the sigmoid so that `f(pivot) = pivot`: `mu = 1 / (1 + (1/p - 1)^(1 - 1/g))`, i.e. the
 * spec's `1 / (1 + (1/p - 1)^(-1/g) · (1-p)/p)`.
 */
export function sigmoidMu(gamma: number, pivot: number): number {
  const q = 1 / pivot - 1;
  return 1 / (1 + Math.pow(q, 1 - 1 / gamma));
}

/**
 * The sigmoid target curve `f(x) = 1 / (1 + (mu (1-x) / (x (1-mu)))^g)`, with `f(0) = 0` and
 * `f(1) = 1`; non-decreasing for g > 0 and `f(pivot) = pivot`. Evaluated exactly (the original
 * samples it at 100 points).
 */
export function sigmoidCurve(gamma: number, pivot: number): (x: number) => number {
  const mu = sigmoidMu(gamma, pivot);
  return (x) => {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    return 1 / (1 + Math.pow((mu * (1 - x)) / (x * (1 - mu)), gamma));
  };
}

/** One modification: `--amplify g`, `--attenuate g` or `--sigmoid g --pivot p`. */
export interface ModificationRequest {
  kind: ModificationKind;
  /** Power g > 1. */
  gamma: number;
  /** Sigmoid pivot in [0.01, 0.99]. */
  pivot?: number;
}

/**
 * Validate modification parameters at the public boundary.
 * @throws RangeError naming the option: gamma must be > 1; the sigmoid pivot in [0.01, 0.99]
 */
export function checkModification(kind: ModificationKind, gamma: number, pivot?: number): void {
  const flag = kind === 'amplify' ? '--amplify' : kind === 'attenuate' ? '--attenuate' : '--sigmoid';
  if (!(gamma > 1) || !Number.isFinite(gamma)) throw new RangeError(`${flag} must be a power > 1, got ${gamma}`);
  if (kind === 'sigmoid' && !(pivot !== undefined && pivot >= 0.01 && pivot <= 0.99)) {
    throw new RangeError(`--pivot must be in [0.01, 0.99] with --sigmoid, got ${pivot}`);
  }
}

/**
 * The modification factor as a function of local scale `s` in [0, 1] (spec §9):
 * - amplify: `s^(1/g - 1)` (≥ 1; tends to `1/s`, i.e. full occupancy, as g → ∞),
 * - attenuate: `s^(g - 1)` (≤ 1; 1 at full scale),
 * - sigmoid: `f(s)/s` with f from {@link sigmoidCurve} (1 at s = pivot).
 * For `s <= scaleLimit` the factor is 1 in every mode (those voxels are never modified).
 *
 * @param gamma power g > 1
 * @param pivot sigmoid pivot in [0.01, 0.99] (ignored otherwise)
 * @param scaleLimit scales at or below this are left unmodified (`--scale-limit`, default 0.05)
 * @throws RangeError for out-of-range parameters
 */
export function modificationFactor(kind: ModificationKind, gamma: number, pivot: number | undefined, scaleLimit: number): (scale: number) => number {
  checkModification(kind, gamma, pivot);
  switch (kind) {
    case 'amplify': {
      const e = 1 / gamma - 1;
      return (s) => (s <= scaleLimit ? 1 : Math.pow(Math.min(s, 1), e));
    }
    case 'attenuate': {
      const e = gamma - 1;
      return (s) => (s <= scaleLimit ? 1 : Math.pow(Math.min(s, 1), e));
    }
    case 'sigmoid': {
      const f = sigmoidCurve(gamma, pivot as number);
      return (s) => (s <= scaleLimit || s <= 0 ? 1 : f(Math.min(s, 1)) / Math.min(s, 1));
    }
  }
}
