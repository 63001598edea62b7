/**
 * occupy-ts as a library: the OccuPy local-scale estimate (relative occupancy / local
 * resolution-dependent scale), map modification, FSC, local resolution and map checks on
 * in-memory maps, occupancy separated from disorder (`decompose`), plus MRC2014 reading and writing.
 *
 * Maps are {@link Volume}s: `data` Float32Array of length nx*ny*nz, voxel (x, y, z) at index
 * `(z*ny + y)*nx + x` (x fastest), `shape` `[nx, ny, nz]`, `voxelSizeA` and `originA` in Å along
 * X, Y, Z. Every long-running function is async, loads the FFT itself, takes an `AbortSignal` and
 * an `onProgress(phase, fraction)` callback, and throws {@link OptionError},
 * {@link MrcFormatError} or {@link SolventModelError} for problems of the input, a `TypeError` for
 * a volume of the wrong kind, a plain `Error` naming the path when `readMrc`/`writeMrc` cannot read
 * or write a file (`cannot read map '<path>': no such file`), and the signal's reason when aborted
 * (anything else is a bug).
 *
 * @example
 * import { readMrc, estimateLocalScale, writeMrc } from 'occupy-ts';
 * const map = await readMrc('class001.mrc');
 * const { scale, confidence, summary } = await estimateLocalScale(map, { mode: 'occ' });
 * await writeMrc('scale_occ_class001.mrc', scale, { like: map });
 *
 * @see README.md "Use as a library"; shared/spec/occupy-algorithm.md (the method)
 * @packageDocumentation
 */
export type { Volume, VolumeInput } from './api/volume.js';
export { readMrc, writeMrc, type MrcVolume, type ReadMrcOptions, type WriteMrcOptions } from './api/mrc.js';
export type { MrcHeader, MrcMode } from './io/mrc/index.js';
export { estimateLocalScale, type LocalScaleOptions, type LocalScaleResult, type EstimateSummary } from './api/estimate-local-scale.js';
export type { EstimateOptions } from './api/estimate-options.js';
export { modifyMap, type Modification, type ModifyMapOptions, type ModifyMapResult } from './api/modify-map.js';
export { fsc, type FscOptions, type FscResult, type FscCurveResult } from './api/fsc.js';
export { localResolution, type LocalResolutionOptions, type LocalResolutionResult } from './api/local-resolution.js';
export { decompose, type DecomposeOptions, type DecomposeResult, type DecomposeBand } from './api/decompose.js';
export { checkMap, type CheckMapResult, type Finding, type MapSummary } from './api/check-map.js';
export type { RunOptions, ProgressListener } from './api/run-control.js';
export { MrcFormatError, OptionError, SolventModelError, type SolventFailure } from './api/errors.js';
