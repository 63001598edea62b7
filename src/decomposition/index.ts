/**
 * Occupancy separated from disorder (issue 17): the library API of `occupy decompose`.
 *
 * `decompose(volume, { halfMaps?, mask?, ... })` returns the relative occupancy, local B-factor
 * and usable-band maps on the volume's box; `decomposeFromFile` (src/jobs/decompose-job.ts) adds reading and writing;
 * `decomposedScale` feeds the occupancy to the estimate's modifications (`--scale-from decompose`);
 * `noiseRedrawSpread` estimates the SD of the medians over noise draws (`--noise-draws`).
 * @see shared/spec/occupancy-decomposition.md
 */
export { decompose, type DecomposeOptions, type DecomposeResult, type BandSummary, type GuinierExample } from './decompose.js';
export { decomposedScale } from './scale-from.js';
export { localBSharpen } from './sharpen.js';
export { decompositionBands, type Band, type BandLayoutOptions } from './bands.js';
export { decompositionPhantom, type DecompositionPhantom, type DecompositionPhantomOptions, type DecompositionDomain } from './phantom.js';
export { scoreDecomposition, type DecompositionScore, type DomainScore } from './evaluate.js';
export { noiseRedrawSpread, redrawnHalfMaps, phaseRandomised, MEAN_REDRAW_EPSILON, type NoiseRedrawOptions, type NoiseRedrawSpread, type RedrawPart } from './noise-redraw.js';
export { decompositionMedians, type DecompositionMedians } from './medians.js';
