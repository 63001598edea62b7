/**
 * Local resolution of tomograms from half tomograms (odd/even frames or tilts), MonoTomo-style:
 * the monogenic test of MonoRes with a noise model estimated locally, block by block, from the
 * half-tomogram difference, so that noise that changes across the volume (thickness, dose, the
 * tilt geometry) sets its own threshold. Blocks keep memory bounded on large, non-cubic volumes.
 *
 * @see Vilas et al., "MonoTomo: a tool for local resolution estimation in cryo-electron
 *   tomography", J Struct Biol (2020); issue 18 item 4; src/resolution/monogenic.ts (MonoRes)
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { quantileByRank } from '../math/select.js';
import { assertSameHalfMapGrid } from './fsc.js';
import { monogenicLocalResolution } from './monogenic.js';

/** Options of {@link monoTomoLocalResolution}. */
export interface MonoTomoOptions {
  /** Where to report, > 0.5 (default everywhere); length nx*ny*nz (a Uint8Array keeps memory low). */
  mask?: Float32Array | Uint8Array;
  /** Edge of a block's core in voxels (default 48): each block's values come from its core. */
  blockVoxels?: number;
  /** Margin around each core in voxels (default 8): context for the filters, discarded after. */
  marginVoxels?: number;
  /** Coarsest tested resolution, Å (default min(25, block edge/3) in Å). */
  minResolutionA?: number;
  /** Finest tested resolution, Å (default Nyquist). */
  maxResolutionA?: number;
  /** Number of tested resolutions (default 20, evenly spaced in Å; fewer where the block's Fourier spacing 1/L is coarser). */
  resolutions?: number;
  /** Significance level of the noise test (default 0.05). */
  alpha?: number;
  onProgress?: (fraction: number) => void;
}

/** Result of {@link monoTomoLocalResolution}. */
export interface MonoTomoResult {
  /** Local resolution, Å, length nx*ny*nz, index (z*ny+y)*nx+x; outside the mask the coarsest tested. */
  resolution: Float32Array;
  /** Tested resolutions, Å, coarse to fine. */
  testedA: number[];
  /** Blocks processed (those whose core holds a mask voxel). */
  blocks: number;
  /** Block core and margin, voxels. */
  blockVoxels: number;
  marginVoxels: number;
  /**
   * Working memory besides the two inputs, bytes: the full-size result plus one block's arrays
   * (two halves, their mean and difference, two half spectra, amplitudes and masks).
   */
  workingBytes: number;
  medianA: number;
  p5A: number;
  p95A: number;
  backgroundA: number;
}

function cutBlock(data: Float32Array, shape: Shape3, lo: Vec3, size: Vec3): Float32Array {
  const [nx, ny] = shape;
  const out = new Float32Array(size[0] * size[1] * size[2]);
  for (let z = 0, j = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++, j += size[0]) {
    const o = ((z + lo[2]) * ny + (y + lo[1])) * nx + lo[0];
    out.set(data.subarray(o, o + size[0]), j);
  }
  return out;
}

/**
 * MonoTomo-style local resolution of two half tomograms.
 *
 * Method: the volume is tiled by cores of `blockVoxels`³ (fewer at the far edges); each core with
 * its margin is cut from both halves and given to the half-map monogenic estimate
 * (`monogenicLocalResolution`) with the whole block as its noise region, so the threshold at every
 * tested resolution is the (1 − alpha) quantile of the monogenic amplitude of the block's own
 * half difference `(h1 − h2)/2`: a spatially variant noise model. The same resolutions are tested
 * in every block (`resolutions` values evenly spaced from `minResolutionA` to `maxResolutionA`);
 * each core's values are kept. Memory: the inputs, the result (one float per voxel) and one block.
 *
 * Precondition: `await loadFft()` has resolved.
 * @param half1 first half tomogram (any box, length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half tomogram, same box and voxel size
 * @throws RangeError for mismatched halves, a mask of the wrong length or empty, a block or
 *   margin out of range, or resolutions out of range
 */
export function monoTomoLocalResolution(half1: Volume, half2: Volume, options: MonoTomoOptions = {}): MonoTomoResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const va: Vec3 = [half1.voxelSizeA[0], half1.voxelSizeA[1], half1.voxelSizeA[2]];
  const mask = options.mask;
  if (mask && mask.length !== n) throw new RangeError(`--mask has ${mask.length} voxels, the half tomograms ${n} (${nx}x${ny}x${nz})`);
  const core = options.blockVoxels ?? 48;
  const margin = options.marginVoxels ?? 8;
  if (!Number.isInteger(core) || core < 8) throw new RangeError(`the block core must be an integer >= 8 voxels, got ${core}`);
  if (!Number.isInteger(margin) || margin < 0) throw new RangeError(`the block margin must be an integer >= 0 voxels, got ${margin}`);
  const aMax = Math.max(...va);
  const blockA = Math.min(core + 2 * margin, nx, ny, nz) * aMax;
  const maxRes = options.maxResolutionA ?? 2 * aMax;
  const minRes = options.minResolutionA ?? Math.max(Math.min(25, blockA / 3), maxRes * 1.5);
  const nRes = options.resolutions ?? 20;
  if (!(maxRes >= 2 * Math.min(...va) * (1 - 1e-9))) throw new RangeError(`the finest tested resolution must be >= Nyquist (${2 * Math.min(...va)} Å), got ${maxRes}`);
  if (!(minRes > maxRes)) throw new RangeError(`the coarsest tested resolution (${minRes} Å) must be coarser than the finest (${maxRes} Å)`);
  if (!Number.isInteger(nRes) || nRes < 2) throw new RangeError(`the number of tested resolutions must be an integer >= 2, got ${nRes}`);
  const progress = options.onProgress ?? (() => {});
  const stepA = (minRes - maxRes) / (nRes - 1);

  const background = minRes;
  const resolution = new Float32Array(n).fill(background);
  const counts = [Math.ceil(nx / core), Math.ceil(ny / core), Math.ceil(nz / core)];
  const total = counts[0] * counts[1] * counts[2];
  let blocks = 0;
  let testedA: number[] = [];
  let maxBlock = 0;
  let done = 0;
  for (let bz = 0; bz < counts[2]; bz++) for (let by = 0; by < counts[1]; by++) for (let bx = 0; bx < counts[0]; bx++) {
    const c0: Vec3 = [bx * core, by * core, bz * core];
    const c1: Vec3 = [Math.min(nx, c0[0] + core), Math.min(ny, c0[1] + core), Math.min(nz, c0[2] + core)];
    let any = !mask;
    if (mask) {
      for (let z = c0[2]; z < c1[2] && !any; z++) for (let y = c0[1]; y < c1[1] && !any; y++) for (let x = c0[0]; x < c1[0]; x++) if (mask[(z * ny + y) * nx + x] > 0.5) { any = true; break; }
    }
    done++;
    if (!any) { progress(done / total); continue; }
    // the block: the core plus the margin, shifted inside the box where it would leave it
    const size: Vec3 = [0, 0, 0];
    const lo: Vec3 = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const len = Math.min(shape[k], c1[k] - c0[k] + 2 * margin);
      lo[k] = Math.max(0, Math.min(shape[k] - len, c0[k] - margin));
      size[k] = len;
    }
    const m = size[0] * size[1] * size[2];
    maxBlock = Math.max(maxBlock, m);
    const b1: Volume = { data: cutBlock(half1.data, shape, lo, size), shape: size, voxelSizeA: va };
    const b2: Volume = { data: cutBlock(half2.data, shape, lo, size), shape: size, voxelSizeA: va };
    const ones = new Float32Array(m).fill(1);
    const r = monogenicLocalResolution({ half1: b1, half2: b2 }, ones, { minResolutionA: minRes, maxResolutionA: maxRes, stepA });
    testedA = r.tested;
    for (let z = c0[2]; z < c1[2]; z++) for (let y = c0[1]; y < c1[1]; y++) {
      const src = ((z - lo[2]) * size[1] + (y - lo[1])) * size[0] - lo[0];
      const dst = (z * ny + y) * nx;
      for (let x = c0[0]; x < c1[0]; x++) if (!mask || mask[dst + x] > 0.5) resolution[dst + x] = r.resolution[src + x];
    }
    blocks++;
    progress(done / total);
  }
  if (blocks === 0) throw new RangeError('the mask selects no voxel (no value > 0.5)');
  const values: number[] = [];
  for (let i = 0; i < n; i++) if (!mask || mask[i] > 0.5) values.push(resolution[i]);
  const v = Float32Array.from(values);
  // result (4 B/voxel) + per block: 2 halves, mean, difference, mask, result, 2 amplitude maps (4 B each)
  // and 2 half spectra plus 2 spectral scratch buffers (~8 B per voxel each)
  const workingBytes = 4 * n + maxBlock * (8 * 4 + 4 * 8);
  return {
    resolution, testedA, blocks, blockVoxels: core, marginVoxels: margin, workingBytes,
    medianA: quantileByRank(v, v.length, 0.5), p5A: quantileByRank(v, v.length, 0.05), p95A: quantileByRank(v, v.length, 0.95),
    backgroundA: background,
  };
}
