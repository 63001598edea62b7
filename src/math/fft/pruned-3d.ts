/**
 * Pruned 3D real transforms: the forward transform computes, and the inverse takes, only a block
 * of low frequencies (every X bin below `bins`, the kept Y and Z positions), with the passes run
 * plane by plane so that the largest buffer is the Y-pruned block. For code that needs the map
 * band-limited, several times (a low-pass, the bands of a local sharpening), at a fraction of the
 * cost and memory of whole-box transforms (kissfft has no pruned N-D transform). Input-pruned too:
 * {@link cornerRfft3d} transforms a cube that is zero outside its corner.
 */
import type { Shape3 } from '../../core/volume.js';
import { runSteps, type Steps } from '../../core/event-loop.js';
import { cfftAxis, irfftRows, rfftRows } from './rows.js';

/** Which frequencies a pruned block holds. */
export interface PrunedBlock {
  /** X bins `0..bins-1` of the half spectrum (`1 <= bins <= floor(nx/2) + 1`). */
  bins: number;
  /** FFT-order Y positions kept (distinct, 0..ny-1). */
  keptY: Int32Array;
  /** FFT-order Z positions kept (distinct, 0..nz-1). */
  keptZ: Int32Array;
}

/** Reusable work buffers of {@link prunedRfft3d} and {@link prunedIrfft3d} for one box and block. */
export interface PrunedWork {
  /** One plane's rows of kept X bins: `2*ny*bins` floats. */
  planeRows: Float32Array;
  /** The Y-pruned block `[z][ky][h]`: `2*nz*keptY.length*bins` floats. */
  alongY: Float32Array;
}

/** 0..n-1. */
export function indexRange(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** FFT-order positions of the signed indices `-r..r` on `n` samples (all positions when 2r+1 >= n). */
export function keptIndices(n: number, r: number): Int32Array {
  if (2 * r + 1 >= n) return indexRange(n);
  const out = new Int32Array(2 * r + 1);
  for (let i = 0; i <= r; i++) out[i] = i;
  for (let i = 1; i <= r; i++) out[r + i] = n - r - 1 + i;
  return out;
}

/**
 * The block holding every frequency whose signed index is at most `radius[i]` on axis i: X bins
 * `0..min(radius[0], floor(nx/2))`, Y and Z indices `-radius..radius` (whole axes where that covers them).
 *
 * @param shape box `[nx, ny, nz]`
 * @param radius per-axis index radius (non-negative integers)
 */
export function prunedBlock(shape: Shape3, radius: readonly [number, number, number]): PrunedBlock {
  return { bins: Math.min(radius[0], shape[0] >> 1) + 1, keptY: keptIndices(shape[1], radius[1]), keptZ: keptIndices(shape[2], radius[2]) };
}

/** Every frequency of the box as a pruned block (its layout is then `rfft3d`'s half spectrum). */
export function wholeBlock(shape: Shape3): PrunedBlock {
  return prunedBlock(shape, [shape[0], shape[1], shape[2]]);
}

/** Work buffers for {@link prunedRfft3d} / {@link prunedIrfft3d} on `shape` and `block`. */
export function prunedWork(shape: Shape3, block: PrunedBlock): PrunedWork {
  return { planeRows: new Float32Array(2 * shape[1] * block.bins), alongY: new Float32Array(2 * shape[2] * block.keptY.length * block.bins) };
}

/**
 * Forward transform of a real map, computing only the block's frequencies (unnormalised, as
 * `rfft3d`): a real FFT of every X row keeping `bins` bins, complex FFTs along Y of those columns
 * keeping `keptY`, then along Z keeping `keptZ`.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param data real map, length nx*ny*nz, index `(z*ny + y)*nx + x`; not modified
 * @param shape box `[nx, ny, nz]`
 * @param block the frequencies to compute
 * @param work optional work buffers from {@link prunedWork} (allocated when absent)
 * @returns new Float32Array of `2*keptZ.length*keptY.length*bins` floats: interleaved `(re, im)`,
 *   complex index `(c*keptY.length + b)*bins + h` for Z position `keptZ[c]`, Y position `keptY[b]`, X bin `h`
 */
export function prunedRfft3d(data: Float32Array, shape: Shape3, block: PrunedBlock, work: PrunedWork = prunedWork(shape, block)): Float32Array {
  return runSteps(prunedRfft3dSteps(data, shape, block, work));
}

/**
 * Voxels of the planes transformed between two yields of {@link prunedRfft3dSteps} and
 * {@link prunedIrfft3dSteps}: 16 planes of 256², 1 plane of 1024² (a 256³ low-pass then yields
 * about 34 times; a turn of the event loop costs microseconds).
 */
const STEP_VOXELS = 1 << 20;

/**
 * {@link prunedRfft3d} cut into steps (see `Steps`, src/core/event-loop.ts): it yields the fraction
 * done after each group of Z planes (about {@link STEP_VOXELS} voxels) and before the pass along Z.
 * Same arguments, same result bit for bit.
 */
export function* prunedRfft3dSteps(data: Float32Array, shape: Shape3, block: PrunedBlock, work: PrunedWork = prunedWork(shape, block)): Steps<Float32Array> {
  const [nx, ny, nz] = shape;
  const mx = block.bins;
  const my = block.keptY.length;
  const allY = indexRange(ny);
  const planesPerStep = Math.max(1, Math.floor(STEP_VOXELS / (nx * ny)));
  // one Z plane at a time (X rows, then Y, in cache): [y][h] -> [ky][h] into alongY[z]; then along Z
  for (let z = 0; z < nz; z++) {
    rfftRows(data.subarray(z * nx * ny, (z + 1) * nx * ny), nx, ny, mx, work.planeRows);
    cfftAxis(work.planeRows, 1, mx, ny, allY, block.keptY, false, work.alongY.subarray(2 * z * my * mx, 2 * (z + 1) * my * mx));
    if ((z + 1) % planesPerStep === 0 || z === nz - 1) yield (0.9 * (z + 1)) / nz;
  }
  return cfftAxis(work.alongY, 1, my * mx, nz, indexRange(nz), block.keptZ, false);
}

/**
 * Inverse of {@link prunedRfft3d}'s layout: the real map whose half spectrum is `spectrum` on the
 * block and 0 elsewhere, unnormalised (multiply the block by `1/(nx*ny*nz)` first for the inverse
 * of `rfft3d`). Along Z, then per plane along Y and the X rows back to real.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param spectrum the block, layout of {@link prunedRfft3d}; not modified
 * @param shape box `[nx, ny, nz]`
 * @param block the frequencies `spectrum` holds
 * @param out destination, length nx*ny*nz (overwritten and returned)
 * @param work optional work buffers from {@link prunedWork} (allocated when absent)
 */
export function prunedIrfft3d(spectrum: Float32Array, shape: Shape3, block: PrunedBlock, out: Float32Array, work: PrunedWork = prunedWork(shape, block)): Float32Array {
  return runSteps(prunedIrfft3dSteps(spectrum, shape, block, out, work));
}

/**
 * {@link prunedIrfft3d} cut into steps (see {@link prunedRfft3dSteps}): it yields after the pass
 * along Z and after each group of Z planes. Same arguments, same result bit for bit.
 */
export function* prunedIrfft3dSteps(spectrum: Float32Array, shape: Shape3, block: PrunedBlock, out: Float32Array, work: PrunedWork = prunedWork(shape, block)): Steps<Float32Array> {
  const [nx, ny, nz] = shape;
  const mx = block.bins;
  const my = block.keptY.length;
  const allY = indexRange(ny);
  const planesPerStep = Math.max(1, Math.floor(STEP_VOXELS / (nx * ny)));
  const backZ = cfftAxis(spectrum, 1, my * mx, nz, block.keptZ, indexRange(nz), true, work.alongY);
  yield 0.1;
  for (let z = 0; z < nz; z++) {
    cfftAxis(backZ.subarray(2 * z * my * mx, 2 * (z + 1) * my * mx), 1, mx, ny, block.keptY, allY, true, work.planeRows);
    irfftRows(work.planeRows, nx, ny, mx, out.subarray(z * nx * ny, (z + 1) * nx * ny));
    if ((z + 1) % planesPerStep === 0 && z < nz - 1) yield 0.1 + (0.9 * (z + 1)) / nz;
  }
  return out;
}

/** Reusable work buffers of {@link cornerRfft3d} for one cube edge P and corner edge L. */
export interface CornerWork {
  p: number;
  l: number;
  /** One plane's L rows of `floor(P/2) + 1` bins. */
  planeRows: Float32Array;
  /** The L planes after the Y pass, `[z][ky][h]`. */
  alongY: Float32Array;
  firstL: Int32Array;
  allP: Int32Array;
}

/** Work buffers of {@link cornerRfft3d} for a P³ cube whose non-zero content is its L³ corner (1 <= L <= P). */
export function cornerWork(p: number, l: number): CornerWork {
  if (!(Number.isInteger(p) && Number.isInteger(l) && l >= 1 && l <= p)) throw new RangeError(`corner edge must be an integer in 1..${p}, got ${l}`);
  const hp = (p >> 1) + 1;
  return { p, l, planeRows: new Float32Array(2 * l * hp), alongY: new Float32Array(2 * l * p * hp), firstL: indexRange(l), allP: indexRange(p) };
}

/**
 * Forward transform (unnormalised, as `rfft3d`) of a P³ cube that is zero outside its corner
 * `x, y, z < L`, given that corner only: real FFTs of its L·L X rows, complex FFTs along Y of its
 * L planes (L given samples, P out), then along Z (L given planes, P out), so the cost is about that
 * of the last pass alone (a window cut from a map and transformed in the whole box, as RELION's
 * `--locres` does: `locres --relion` on synth_halves128 took 10 s with it, 52 s with `rfft3d` of the
 * 128³ cube).
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param corner the corner as L·L rows of P (x fastest; entries `x >= L` must be 0): length `L*L*P`, index `(z*L + y)*P + x`; not modified
 * @param work buffers from {@link cornerWork} (fixes P and L)
 * @param target optional output of `2*P*P*(floor(P/2)+1)` floats, overwritten and returned
 * @returns the half spectrum in `rfft3d`'s layout: complex index `(kz*P + ky)*(floor(P/2)+1) + h`
 */
export function cornerRfft3d(corner: Float32Array, work: CornerWork, target?: Float32Array): Float32Array {
  const { p, l, planeRows, alongY, firstL, allP } = work;
  const hp = (p >> 1) + 1;
  if (corner.length !== l * l * p) throw new TypeError(`corner length must be L*L*P = ${l * l * p}, got ${corner.length}`);
  for (let z = 0; z < l; z++) {
    rfftRows(corner.subarray(z * l * p, (z + 1) * l * p), p, l, hp, planeRows);
    cfftAxis(planeRows, 1, hp, p, firstL, allP, false, alongY.subarray(2 * z * p * hp, 2 * (z + 1) * p * hp));
  }
  return cfftAxis(alongY, 1, p * hp, p, firstL, allP, false, target);
}
