/**
 * Checks and derived geometry of the estimate's options that need no FFT, so that the browser page
 * can use them too (it recomputes them live as the user edits).
 */
import type { Shape3 } from '../core/volume.js';

/** Default `--max-box` (the original OccuPy's). */
export const DEFAULT_MAX_BOX = 256;

/**
 * The out-of-range estimate options, one message each naming the option as the CLI does: `--max-box`
 * (an even integer >= 10, or 0 for no limit) and `--hedge-confidence` (>= 1).
 * @returns an empty array when every option is valid
 */
export function estimateOptionErrors(o: { maxBox?: number; hedgeConfidence?: number }): string[] {
  const errors: string[] = [];
  const maxBox = o.maxBox ?? DEFAULT_MAX_BOX;
  if (!Number.isInteger(maxBox) || maxBox < 0 || (maxBox > 0 && (maxBox % 2 !== 0 || maxBox < 10))) {
    errors.push(`--max-box must be an even integer >= 10, or 0 for no limit; got ${maxBox}`);
  }
  if (o.hedgeConfidence !== undefined && !(o.hedgeConfidence >= 1 && Number.isFinite(o.hedgeConfidence))) {
    errors.push(`--hedge-confidence must be >= 1, got ${o.hedgeConfidence}`);
  }
  return errors;
}

/**
 * Processing box for `--max-box`: unchanged when every axis fits; otherwise the largest axis
 * becomes `maxBox` and the others shrink by the same factor (rounded, at least 2), so voxels stay
 * as isotropic as they were.
 */
export function processingBox(shape: Shape3, maxBox: number): Shape3 {
  const largest = Math.max(...shape);
  if (maxBox === 0 || largest <= maxBox) return shape;
  const f = maxBox / largest;
  return shape.map((n) => (n === largest ? maxBox : Math.max(2, Math.round(n * f)))) as unknown as Shape3;
}

/**
 * The log note of a `--max-box` down-sampling, as the estimate writes it and the GUI shows it.
 * @param shape input box [nx, ny, nz]
 * @param maxBox the `--max-box` value
 * @param box processing box from {@link processingBox}
 * @param voxelSizeA processing voxel size along X, Y, Z in Å
 */
export function downsampledNote(shape: readonly number[], maxBox: number, box: readonly number[], voxelSizeA: readonly number[]): string {
  return `Box ${shape.join('x')} is larger than --max-box ${maxBox}: processing at ${box.join('x')} (voxel ${voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å).`;
}
