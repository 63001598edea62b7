/**
 * Geometry of the estimate's options that needs no FFT (the browser page uses it too). The checks
 * and defaults themselves live in the option schema (`./options.ts`), re-exported here.
 */
export { checkEstimateBoxOptions, DEFAULT_MAX_BOX, estimateOptionErrors, processingBox } from './options.js';

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
