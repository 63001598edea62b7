/**
 * Findings of the input diagnostics: what is wrong with a map for the OccuPy method (or for
 * half-map resolution estimates), with a stable code, a severity, a message and the evidence.
 * @see docs/diagnostics.md (codes, thresholds and the measurements behind them)
 */

/**
 * Stable finding codes (documented in docs/diagnostics.md and the README, never renamed):
 * - `masked`: exact zeros or an exactly constant region reaching the box faces, or a local
 *   standard deviation that falls to ~0 towards the box edges (hard or soft mask);
 * - `flattened`: solvent replaced by a constant that is not zero;
 * - `offset`: the solvent (noise kept) sits far from 0, as after a constant was added to the map:
 *   the local scale is measured from 0, so every scale reads too high (or low);
 * - `sharpened`: the radially averaged amplitude does not fall as a raw map's does (Guinier B
 *   near zero or negative between ~10 Å and where the signal meets the noise or a cut-off);
 * - `locally-filtered`: the solvent's share of the amplitude collapses with frequency while the
 *   map's own spectrum goes on (the solvent low-passed more than the molecule: a local filter);
 * - `not-density`: a binary or soft mask, a local scale map in [0, 1], a local-resolution map
 *   in Å, or a map without a solvent peak;
 * - `anisotropic-voxels`: the voxel sizes differ between axes by more than 1 % (usually a header
 *   whose sampling mx/my/mz differs from the box);
 * - `inverted`: the density's long tail lies below the solvent peak, not above it (contrast
 *   inverted, e.g. a map × −1);
 * - `identical-halves`, `anti-correlated-halves`, `not-independent`, `voxel-size-mismatch`,
 *   `box-mismatch`, `halves-look-masked`, `halves-differ-in-scale`: problems of a pair of half maps;
 * - `origin-mismatch`: the half maps' headers place them at different origins (same box and voxel
 *   size); only where the caller gives the origins (`occupy check`);
 * - `low-passed-halves`: the half maps hold nothing beyond a resolution coarser than Nyquist
 *   (low-passed), so no FSC or local resolution finer than it is a measurement (`occupy check`);
 * - `solvent-model`: the solvent Gaussian of the estimate does not describe the solvent
 *   (reported by the estimate's self-check, not by {@link FindingCode} checks of the map alone).
 */
export type FindingCode =
  | 'masked'
  | 'flattened'
  | 'offset'
  | 'sharpened'
  | 'locally-filtered'
  | 'not-density'
  | 'anisotropic-voxels'
  | 'inverted'
  | 'identical-halves'
  | 'anti-correlated-halves'
  | 'not-independent'
  | 'voxel-size-mismatch'
  | 'box-mismatch'
  | 'origin-mismatch'
  | 'halves-look-masked'
  | 'halves-differ-in-scale'
  | 'low-passed-halves'
  | 'interpolated-halves'
  | 'solvent-model';

/** Every finding code, in the order they are reported. */
export const FINDING_CODES: readonly FindingCode[] = [
  'not-density',
  'anisotropic-voxels',
  'inverted',
  'masked',
  'flattened',
  'offset',
  'sharpened',
  'locally-filtered',
  'solvent-model',
  'box-mismatch',
  'voxel-size-mismatch',
  'origin-mismatch',
  'identical-halves',
  'anti-correlated-halves',
  'not-independent',
  'halves-look-masked',
  'halves-differ-in-scale',
  'low-passed-halves',
  'interpolated-halves',
];

/**
 * `error`: the method's results are meaningless (the estimate refuses `not-density` maps unless
 * `--force`); `warning`: results are biased, read them with care.
 */
export type FindingSeverity = 'warning' | 'error';

/** Evidence values: numbers (measurements), strings or booleans. */
export type EvidenceValue = number | string | boolean | null;

/** One finding about a map or a pair of maps. */
export interface Finding {
  /** Stable code (see {@link FindingCode}). */
  code: FindingCode;
  /** `'error'`: the results would be meaningless; `'warning'`: biased, read them with care (see {@link FindingSeverity}). */
  severity: FindingSeverity;
  /** One line for users: what was seen and what it means for the result. */
  message: string;
  /** The measurements that triggered it (names in camelCase with units where they have one). */
  evidence: Record<string, EvidenceValue>;
}

/** The one-line form printed on stderr and in logs: `[code] message`. */
export function findingLine(f: Finding, what?: string): string {
  return `[${f.code}] ${what ? `${what}: ` : ''}${f.message}`;
}
