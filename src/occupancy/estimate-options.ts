/**
 * Checks and derived geometry of the estimate's options that need no FFT, so that the browser page
 * can use them too (it recomputes them live as the user edits).
 */
import type { Shape3 } from '../core/volume.js';
import { kernelSizeError } from './kernel.js';

/** Default `--max-box` (the original OccuPy's). */
export const DEFAULT_MAX_BOX = 256;

/** The estimate options {@link estimateOptionErrors} checks (a subset of the estimate's options). */
export interface CheckedEstimateOptions {
  /** `--max-box`: an even integer >= 10, or 0 for no limit (default 256). */
  maxBox?: number;
  /** `--hedge-confidence`: >= 1. */
  hedgeConfidence?: number;
  /** `--kernel-size`: odd, and the kernel must fit the processing box. */
  kernelSize?: number;
  /** `--tile-size`: a positive integer, at most the smallest edge of the processing box. */
  tileSize?: number;
  /**
   * Box of the input map [nx, ny, nz] (before `--max-box`), when known: `--kernel-size` and
   * `--tile-size` are then checked against the processing box; without it `--kernel-size` is
   * only bounded by the largest kernel the estimate builds.
   */
  shape?: readonly number[];
}

/**
 * The out-of-range estimate options, one message each naming the option, the allowed range and
 * the value, as the CLI prints them: `--max-box` (an even integer >= 10, or 0 for no limit),
 * `--hedge-confidence` (>= 1), `--kernel-size` (odd, fitting the processing box:
 * `--kernel-size must be an odd integer in 1..19 for this map (processing box 20x20x20: ...), got 2001`)
 * and `--tile-size` (1..smallest processing-box edge). Shared by the CLI, the GUI and the estimate.
 * @returns an empty array when every option is valid
 */
export function estimateOptionErrors(o: CheckedEstimateOptions): string[] {
  const errors: string[] = [];
  const maxBox = o.maxBox ?? DEFAULT_MAX_BOX;
  const maxBoxOk = Number.isInteger(maxBox) && maxBox >= 0 && maxBox <= 2 ** 31 - 1 && (maxBox === 0 || (maxBox % 2 === 0 && maxBox >= 10));
  if (!maxBoxOk) {
    errors.push(`--max-box must be an even integer >= 10, or 0 for no limit; got ${maxBox}`);
  }
  if (o.hedgeConfidence !== undefined && !(o.hedgeConfidence >= 1 && o.hedgeConfidence <= 1000 && Number.isFinite(o.hedgeConfidence))) {
    errors.push(`--hedge-confidence must be a number in [1, 1000], got ${o.hedgeConfidence}`);
  }
  const shapeOk = o.shape !== undefined && o.shape.length === 3 && o.shape.every((n) => Number.isInteger(n) && n > 0);
  const box = shapeOk && maxBoxOk ? processingBox(o.shape as unknown as Shape3, maxBox) : undefined;
  if (o.kernelSize !== undefined) {
    const error = kernelSizeError(o.kernelSize, box);
    if (error) errors.push(error);
  }
  if (o.tileSize !== undefined) {
    const maxTile = box ? Math.min(...box) : 2 ** 31 - 1;
    if (!(Number.isInteger(o.tileSize) && o.tileSize >= 1 && o.tileSize <= maxTile)) {
      errors.push(`--tile-size must be an integer in 1..${maxTile}${box ? ` for this map (processing box ${box.join('x')})` : ''}, got ${o.tileSize}`);
    }
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
