/**
 * Fourier resampling of a map to a new box: crop (fewer voxels, coarser sampling) or zero-pad
 * (more voxels, finer sampling) of the spectrum, independently per axis.
 *
 * Two implementations with the same contract and result (to float32 rounding):
 * {@link fourierResample}, pruned separable 1D transforms that never hold a spectrum of the input's
 * size (used by the estimate's `--max-box`, the output padding and `occupy pixel-size resample`),
 * and {@link fourierResampleFull}, the plain full-size 3D transforms, kept as the reference for the
 * tests and the benchmark.
 *
 * @see shared/spec/occupy-algorithm.md §2 (down-sampling large boxes), §9 (padding back), §12
 */
import { assertGeometry, assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { cfftAxis, cfftAxisInPlace, indexRange, irfft3d, irfftRows, rfft3d, rfftRows } from '../math/fft.js';
import { lowpassSpectrumBlock, type LowpassMaskStyle } from './lowpass.js';
import { ResampleThread } from './resample-thread.js';

/** One contribution to an output frequency bin: input bin index and weight. */
interface Source {
  readonly index: number;
  readonly weight: number;
}

/**
 * Per-axis map from output bins (FFT order, length m) to input bins (FFT order, length n).
 *
 * With `c = min(n, m)`, the signed frequencies `|f| < c/2` are copied one to one. For even `c`
 * (and n != m) the Nyquist frequency `c/2` of the smaller grid is handled so that the operator
 * keeps real signals real and pad-then-crop is the identity:
 * - crop (n > m = c): output bin `m/2` = input `+m/2` + input `-m/2` (merge; exact sampling of a
 *   band-limited signal that has content at +-m/2);
 * - pad (m > n = c): input bin `n/2` is split in halves to output bins `+n/2` and `-n/2`.
 * Other output bins get no source (zero).
 */
function axisSources(n: number, m: number): Source[][] {
  const out: Source[][] = [];
  const c = Math.min(n, m);
  for (let j = 0; j < m; j++) {
    const f = j <= m - j ? j : j - m; // signed output frequency; even-m Nyquist as +m/2
    const af = Math.abs(f);
    if (n === m || 2 * af < c) {
      out.push([{ index: f >= 0 ? f : f + n, weight: 1 }]);
    } else if (2 * af === c) {
      if (n > m) out.push([{ index: c / 2, weight: 1 }, { index: n - c / 2, weight: 1 }]);
      else out.push([{ index: c / 2, weight: 0.5 }]);
    } else {
      out.push([]);
    }
  }
  return out;
}

/**
 * Check the arguments of a resampling and build the result Volume from its data.
 *
 * @throws TypeError / RangeError as documented on {@link fourierResample}
 */
function prepare(volume: Volume, newShape: Shape3, checkData = true): (data: Float32Array) => Volume {
  if (checkData) assertVolume(volume);
  if (!Array.isArray(newShape) || newShape.length !== 3) {
    throw new TypeError(`newShape must be [mx, my, mz], got ${String(newShape)}`);
  }
  for (const m of newShape) {
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`newShape must hold positive integers, got ${newShape.join('x')}`);
  }
  const [mx, my, mz] = newShape;
  const voxelSizeA = resampledVoxelSize(volume.voxelSizeA, volume.shape, newShape);
  return (data: Float32Array): Volume => ({
    ...volume,
    data,
    shape: [mx, my, mz],
    voxelSizeA: [...voxelSizeA] as Vec3, // each result its own array, as before
  });
}

/**
 * Voxel size after a Fourier crop/pad of the box `shape` to `newShape`: `a_i * n_i / m_i` per axis
 * (the physical box is kept). Used by every caller that must know it before the resampling runs.
 * @param voxelSizeA voxel size `[ax, ay, az]` of the input, Å/voxel
 * @param shape input box `[nx, ny, nz]`, voxels
 * @param newShape output box `[mx, my, mz]`, voxels
 * @returns the output's voxel size `[ax', ay', az']`, Å/voxel
 */
export function resampledVoxelSize(voxelSizeA: Readonly<Vec3>, shape: Shape3, newShape: Shape3): Vec3 {
  return [(voxelSizeA[0] * shape[0]) / newShape[0], (voxelSizeA[1] * shape[1]) / newShape[1], (voxelSizeA[2] * shape[2]) / newShape[2]];
}

/**
 * Fourier crop or pad a map to a new box `[mx, my, mz]`, per axis (any odd/even sizes; an axis may
 * be cropped while another is padded).
 *
 * Formula: with `F = rfft3d(f)` (unnormalised) on `[nx, ny, nz]`, the output spectrum is
 * `G(j) = (M/N) * sum_sources w * F(i)` per axis (see below), with `N = nx*ny*nz`,
 * `M = mx*my*mz`, and `g = irfft3d(G)` on `[mx, my, mz]`. The factor `M/N` (`(m/n)^3` for cubic
 * boxes) preserves the mean density (`g`'s mean equals `f`'s), and for a signal band-limited to
 * the smaller grid `g(r') = f(r' * n/m)` per axis (exact sampling of the trigonometric
 * interpolant; voxel 0 stays at the origin, no shift). The voxel size becomes `a_i * n_i / m_i`,
 * so the physical box size is unchanged.
 *
 * Frequencies kept: a box (not spherical) window of the central `min(n_i, m_i)` frequencies per
 * axis. Nyquist convention for an even smaller size `c = min(n, m)` on an axis (n != m): on crop
 * the output Nyquist bin is the sum of the input's `+c/2` and `-c/2` bins (it stays real for real
 * input); on pad the input Nyquist bin is split in two halves placed at `+c/2` and `-c/2`. This is
 * scipy.signal.resample's convention: both results are real and pad-then-crop is the identity.
 *
 * Implementation (pruned separable transforms, the same numbers as {@link fourierResampleFull} to
 * float32 rounding): for each input Z plane, a real FFT of every X row keeping only the X bins
 * that feed the output (`floor(min(nx, mx)/2) + 1` of them), the X crop/pad, a complex FFT along
 * Y computing only the Y bins that feed the output, and the Y crop/pad, into a block of
 * `nz × my × (floor(mx/2)+1)` complex values; then, in place in that block, the FFT along Z
 * computing only the needed Z bins, the Z crop/pad (now the output's half spectrum) and the
 * inverse FFT along Z; then, plane by plane, the inverse along Y and the inverse real FFT of the X
 * rows into the output. PFFFT (SIMD) does the 1D transforms whose lengths it supports (see
 * `pffftCan`), kissfft the others (any length, e.g. 45, 51, 97).
 *
 * Memory: besides the input and the output (`mx*my*mz` float32), one work block of
 * `2 * max(nz, mz) * my * (floor(mx/2)+1)` float32 (the output's half spectrum, `nz/mz` times that
 * on a Z crop: 129 MiB for 512³ → 256³, 258 MiB for 1024³ → 256³), per-plane buffers of
 * `2 * ny * (floor(max(nx, mx)/2)+1)` and `2 * my * (floor(mx/2)+1)` float32, and about 1 MB of
 * wasm scratch; nothing proportional to the input's spectrum (the reference holds twice that, in
 * JavaScript and in wasm memory).
 *
 * Requires `await loadFft()` (from `src/math/fft.ts`) beforehand.
 *
 * @param volume input map; `data` length `nx*ny*nz` (any length a Float32Array can have: up to
 *   2^32 elements in Node 20), index `(z*ny + y)*nx + x` (x fastest); not modified
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @returns a new Volume with `shape = newShape`, `voxelSizeA[i] = a_i * n_i / m_i` (Å), any other
 *   fields copied from the input, and fresh `data` of length `mx*my*mz`, index `(z*my + y)*mx + x`
 *   (a copy when the shape is unchanged)
 * @throws TypeError when `newShape` is not a triple or `volume.data.length !== nx*ny*nz`
 * @throws RangeError when a size in `newShape` or `volume.shape` is not a positive integer, or a
 *   voxel size is not a finite positive number
 * @param onProgress called with the fraction done in [0, 1] (non-decreasing, weighted by the
 *   planes and columns transformed; at most about 100 times), e.g. from a worker thread; what it
 *   throws ends the call. The numbers do not depend on it.
 * @throws Error when the FFT has not been loaded with `loadFft()`
 * @see shared/spec/occupy-algorithm.md §2, §9, §12
 */
export function fourierResample(volume: Volume, newShape: Shape3, onProgress?: (fraction: number) => void): Volume {
  return resampleWhole(volume, newShape, undefined, onProgress).volume;
}

/**
 * {@link fourierResample} that also computes the hard low-pass of its result from the spectrum it
 * holds (see {@link PlaneResampleOptions.lowpass}): the maps of {@link fourierResamplePlanes} with
 * `lowpass` (one thread or two) bit for bit.
 *
 * @param volume input map; `data` length `nx*ny*nz`, index `(z*ny + y)*nx + x`; not modified
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @param lowpass the low-pass (cut-off in Å, mask), as `lowpassHard`'s arguments
 * @returns the resampled Volume (as {@link fourierResample}) and its low-pass (same layout; equal
 *   to `lowpassHard(volume, lowpassA, maskStyle)` to float32 rounding), absent when the shape is
 *   unchanged or `lowpassHard` would not filter (cut-off at or finer than Nyquist)
 * @param onProgress as {@link fourierResample}'s
 * @throws as {@link fourierResample}; RangeError for an invalid `lowpassA`
 */
export function fourierResampleLowpass(volume: Volume, newShape: Shape3, lowpass: ResampleLowpass, onProgress?: (fraction: number) => void): { volume: Volume; lowpassed?: Volume } {
  return resampleWhole(volume, newShape, lowpass, onProgress);
}

/** The body of {@link fourierResample} and {@link fourierResampleLowpass}: a map held whole, with the low-pass alongside when asked. */
function resampleWhole(volume: Volume, newShape: Shape3, lowpass?: ResampleLowpass, onProgress?: (fraction: number) => void): { volume: Volume; lowpassed?: Volume } {
  const result = prepare(volume, newShape);
  const [nx, ny, nz] = volume.shape;
  const [mx, my, mz] = newShape;
  if (nx === mx && ny === my && nz === mz) return { volume: result(volume.data.slice()) };
  const plan = lowpass ? lowpassAlongside(volume.shape, volume.voxelSizeA, newShape, lowpass) : undefined;
  const data = volume.data;
  const r = new PrunedResampler(volume.shape, newShape, undefined, plan);
  // the work in voxel-transforms: forward planes (input), columns along Z, inverse planes (output,
  // twice with the low-pass); each part is done in runs of planes or columns, as the two-thread
  // crop splits them (every plane and column is independent: the same numbers as in one run)
  const forward = nz * nx * ny;
  const along = r.columns * Math.max(nz, mz);
  const inverse = (plan ? 2 : 1) * mz * mx * my;
  const total = forward + along + inverse;
  const report = (done: number) => onProgress?.(Math.min(1, done / total));
  const step = (n: number) => Math.max(1, Math.ceil(n / 32));
  report(0);
  for (let z0 = 0; z0 < nz; z0 += step(nz)) {
    const z1 = Math.min(nz, z0 + step(nz));
    for (let z = z0; z < z1; z++) r.forwardPlane(z, data.subarray(z * nx * ny, (z + 1) * nx * ny));
    report((forward * z1) / nz);
  }
  let out: Float32Array;
  if (!onProgress) {
    out = r.finish();
  } else {
    const columns = r.columns;
    for (let c0 = 0; c0 < columns; c0 += step(columns)) {
      const c1 = Math.min(columns, c0 + step(columns));
      r.zPass(c0, c1);
      report(forward + (along * c1) / columns);
    }
    out = new Float32Array(mx * my * mz);
    for (let z0 = 0; z0 < mz; z0 += step(mz)) {
      const z1 = Math.min(mz, z0 + step(mz));
      r.inversePlanes(out, z0, z1);
      report(forward + along + ((plan ? 0.5 : 1) * inverse * z1) / mz);
    }
  }
  if (!plan) {
    report(total);
    return { volume: result(out) };
  }
  const low = new Float32Array(out.length);
  if (!onProgress) r.inverseLowpassPlanes(low, 0, mz);
  else {
    for (let z0 = 0; z0 < mz; z0 += step(mz)) {
      const z1 = Math.min(mz, z0 + step(mz));
      r.inverseLowpassPlanes(low, z0, z1);
      report(forward + along + inverse / 2 + (inverse * z1) / (2 * mz));
    }
  }
  report(total);
  return { volume: result(out), lowpassed: result(low) };
}

/**
 * The low-pass to compute alongside a crop/pad of `shape` (voxel size `voxelSizeA`) to `newShape`:
 * `lowpass` with the output's voxel size, or undefined when `lowpassHard` would not filter there.
 * @throws RangeError for an invalid `lowpassA`
 */
function lowpassAlongside(shape: Shape3, voxelSizeA: Readonly<Vec3>, newShape: Shape3, lowpass: ResampleLowpass): (ResampleLowpass & { voxelSizeA: Vec3 }) | undefined {
  const outVoxel = resampledVoxelSize(voxelSizeA, shape, newShape);
  return lowpassSpectrumBlock(newShape, outVoxel, lowpass.lowpassA, lowpass.maskStyle) ? { ...lowpass, voxelSizeA: outVoxel } : undefined;
}

/** One run of sections of a map as they arrive (e.g. an `MrcSlab` of `openMrcSections`). */
export interface PlaneSlab {
  /** Index of the first Z plane. */
  readonly first: number;
  /** Number of Z planes. */
  readonly count: number;
  /** length `count*nx*ny`, index `(z'*ny + y)*nx + x` for plane `first + z'`; read, not kept. */
  readonly data: Float32Array;
  /**
   * The source's own work on the slab (e.g. the reader's value tally and file hash, see
   * `MrcSlab.settle`), run on the calling thread while the second thread works on its planes.
   */
  readonly settle?: () => void;
}

/** Options of {@link fourierResamplePlanes}. */
export interface PlaneResampleOptions {
  /** Allocate the output in a SharedArrayBuffer (for worker threads); default false. */
  shared?: boolean;
  /**
   * Share the work with a second thread (`resample-thread.ts`; default false): the planes of each
   * slab (all on the calling thread until the worker has started; fewer on it by the time of the
   * slab's `settle()`), then the Z columns and the inverse planes are split in halves; same result
   * bit for bit. Used for inputs of at least {@link THREADED_MIN_VOXELS} voxels. The output is then
   * SharedArrayBuffer-backed whatever `shared` says. Slabs whose data are SharedArrayBuffer-backed
   * (`openMrcSections(path, { shared: true })`) are handed over without a copy.
   */
  threads?: boolean;
  /**
   * Also compute the hard low-pass of the result (`lowpassHard(result, lowpassA, maskStyle)`) from
   * the spectrum the crop/pad computes anyway: only the inverse half of the low-pass's transforms
   * is done (shared by the two threads with `threads`), none of its forward half. Equal to
   * `lowpassHard` of the returned map to float32 rounding (the low-pass of the crop's spectrum
   * itself instead of the spectrum of the rounded map), not bit for bit.
   */
  lowpass?: ResampleLowpass;
}

/** The low-pass {@link fourierResamplePlanes} computes alongside (see {@link PlaneResampleOptions.lowpass}). */
export interface ResampleLowpass {
  /** Cut-off resolution in Å (> 0). */
  lowpassA: number;
  /** The mask, as `lowpassHard`'s `maskStyle`. */
  maskStyle: LowpassMaskStyle;
}

/** Inputs smaller than this (voxels) are resampled on one thread: a worker would not pay off. */
export const THREADED_MIN_VOXELS = 192 ** 3;

/**
 * {@link fourierResample} of a map that arrives as slabs of Z planes and is never held whole: the
 * forward X and Y passes run on each plane as it arrives, so the memory is the work block of
 * {@link fourierResample} (`2 * max(nz, mz) * my * (floor(mx/2)+1)` float32: 258 MiB for
 * 1024³ → 256³) plus the output, whatever the input's size. Bit for bit the result of
 * {@link fourierResample} on the assembled map (the same operations in the same order).
 *
 * While this function waits for the next slab, the caller's source (e.g. a file read) runs;
 * `computeSeconds` is the time spent computing, the rest of the wall time is waiting.
 *
 * @param slabs the Z planes in order `0..nz-1`, in slabs of whole planes (see {@link PlaneSlab});
 *   a slab's data may be reused by the source once the next slab is requested
 * @param shape input box `[nx, ny, nz]` in voxels
 * @param voxelSizeA input voxel size along X, Y, Z in Å (finite, > 0)
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @param options see {@link PlaneResampleOptions}
 * @returns the resampled Volume (`data` length `mx*my*mz`, index `(z*my + y)*mx + x`, voxel size
 *   `a_i * n_i / m_i` Å) and the compute time in seconds
 * @throws TypeError / RangeError for invalid shapes or voxel sizes (as {@link fourierResample})
 * @throws Error when a slab is out of order or has the wrong length, or the planes end before `nz`;
 *   any error of the source is passed on
 * @throws Error when the FFT has not been loaded with `loadFft()`
 */
export async function fourierResamplePlanes(
  slabs: AsyncIterable<PlaneSlab>,
  shape: Shape3,
  voxelSizeA: Vec3,
  newShape: Shape3,
  options: PlaneResampleOptions = {},
): Promise<{ volume: Volume; computeSeconds: number; lowpassed?: Volume }> {
  assertGeometry(shape, voxelSizeA);
  const [nx, ny, nz] = shape;
  const planeVoxels = nx * ny;
  // geometry checks of prepare() on an empty stand-in (the data are never held whole)
  const result = prepare({ data: new Float32Array(0), shape, voxelSizeA }, newShape, false);
  const same = shape.every((n, i) => n === newShape[i]);
  const helper = !same && options.threads === true && nx * ny * nz >= THREADED_MIN_VOXELS ? new ResampleThread() : undefined;
  // the low-pass alongside (not when the shape is unchanged: nothing is transformed then)
  const lowpass = !same && options.lowpass ? lowpassAlongside(shape, voxelSizeA, newShape, options.lowpass) : undefined;
  try {
    const block = helper ? allocate(PrunedResampler.blockLength(shape, newShape), true) : undefined;
    const lowBlock = helper && lowpass ? allocate(PrunedResampler.lowpassBlockLength(newShape, lowpass), true) : undefined;
    const r = same ? undefined : new PrunedResampler(shape, newShape, block, lowpass, lowBlock);
    const copy = same ? allocate(nx * ny * nz, options.shared === true) : undefined;
    const started = helper?.run({ kind: 'init', inShape: shape, outShape: newShape, block: block as Float32Array, lowpass, lowBlock });
    started?.catch(() => undefined); // awaited before the Z pass
    // until the worker has started (~50-200 ms: its modules and wasm), this thread does every plane
    let workerReady = false;
    void started?.then(() => (workerReady = true), () => undefined);
    // the worker's planes of a slab that is not shared are copied here (allocated once)
    let staging: Float32Array | undefined;
    let next = 0;
    let compute = 0;
    // the split of a slab's planes: this thread also runs the slab's settle(), so it takes fewer
    // planes; from the times measured on the previous slab, per plane on each thread and of
    // settle(), so that both threads finish together (which thread does a plane does not change
    // its result)
    let planeMs = 0;
    let theirPlaneMs = 0;
    let settleMs = 0;
    for await (const slab of slabs) {
      if (slab.first !== next || slab.count < 1 || slab.data.length !== slab.count * planeVoxels || next + slab.count > nz) {
        throw new Error(`internal: expected Z planes from ${next} of a ${shape.join('x')} map, got ${slab.count} planes from ${slab.first} (${slab.data.length} voxels)`);
      }
      const t0 = performance.now();
      if (copy) copy.set(slab.data, next * planeVoxels);
      else {
        // this thread: the first planes (half of them, fewer by the time of settle()); the worker:
        // the others, at the same time
        // settle + mine * planeMs = (count - mine) * theirPlaneMs
        const balanced = planeMs > 0 && theirPlaneMs > 0 ? (slab.count * theirPlaneMs - settleMs) / (planeMs + theirPlaneMs) : (slab.count - (planeMs > 0 ? settleMs / planeMs : 0)) / 2;
        const mine = helper && workerReady ? Math.max(0, Math.min(slab.count, Math.ceil(balanced))) : slab.count;
        let theirs: Promise<number> | undefined;
        if (helper && mine < slab.count) {
          let data = slab.data.subarray(mine * planeVoxels);
          if (!isSharedArray(data)) {
            if (!staging || staging.length < data.length) staging = allocate(data.length, true);
            staging.set(data);
            data = staging.subarray(0, data.length);
          }
          theirs = helper.run({ kind: 'planes', inShape: shape, first: next + mine, count: slab.count - mine, data });
          theirs.catch(() => undefined); // awaited below
        }
        const s0 = performance.now();
        slab.settle?.();
        const s1 = performance.now();
        for (let k = 0; k < mine; k++) (r as PrunedResampler).forwardPlane(next + k, slab.data.subarray(k * planeVoxels, (k + 1) * planeVoxels));
        if (mine > 0) planeMs = (performance.now() - s1) / mine;
        settleMs = s1 - s0;
        const theirMs = await theirs; // before the source may reuse the slab
        if (theirMs !== undefined && mine < slab.count) theirPlaneMs = theirMs / (slab.count - mine);
      }
      compute += performance.now() - t0;
      next += slab.count;
    }
    if (next !== nz) throw new Error(`internal: the planes of a ${shape.join('x')} map ended after ${next} of ${nz}`);
    const t0 = performance.now();
    let data: Float32Array;
    let low: Float32Array | undefined;
    if (copy) data = copy;
    else if (!helper) {
      data = (r as PrunedResampler).finish(options.shared === true);
      if (lowpass) {
        low = allocate(data.length, options.shared === true);
        (r as PrunedResampler).inverseLowpassPlanes(low, 0, newShape[2]);
      }
    } else {
      const res = r as PrunedResampler;
      await started;
      const half = Math.ceil(res.columns / 2);
      const z = helper.run({ kind: 'z', c0: half, c1: res.columns });
      z.catch(() => undefined);
      res.zPass(0, half);
      await z;
      const mz = newShape[2];
      data = allocate(newShape[0] * newShape[1] * mz, true);
      const zHalf = Math.ceil(mz / 2);
      if (lowpass) low = allocate(data.length, true);
      const inverse = helper.run({ kind: 'inverse', out: data, z0: zHalf, z1: mz, low });
      inverse.catch(() => undefined);
      res.inversePlanes(data, 0, zHalf);
      if (low) res.inverseLowpassPlanes(low, 0, zHalf);
      await inverse;
    }
    compute += performance.now() - t0;
    return { volume: result(data), computeSeconds: compute / 1000, ...(low ? { lowpassed: result(low) } : {}) };
  } finally {
    await helper?.close();
  }
}

/** Whether a typed array's memory is a SharedArrayBuffer (visible to a worker without a copy). */
function isSharedArray(a: Float32Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

function allocate(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
}

/**
 * The pruned separable crop/pad of {@link fourierResample}, fed one input Z plane at a time
 * ({@link forwardPlane} for z = 0..nz-1 in any order, then {@link finish} once). Two threads can
 * share the work (`resample-thread.ts`): each holds a resampler over the same shared block
 * ({@link blockLength}), runs {@link forwardPlane} on its own planes, then, after both are done,
 * {@link zPass} on its own columns, then {@link inversePlanes} on its own output planes; every
 * value is computed by the same operations as on one thread, so the result is the same bit for bit.
 * @internal exported for the worker thread of `resample-thread.ts`
 */
export class PrunedResampler {
  private readonly planX: XGather;
  private readonly planY: Gather;
  private readonly planZ: Gather;
  private readonly allY: Int32Array;
  private readonly hxOut: number;
  private readonly rowFloats: number;
  private readonly plane: number;
  private readonly rowsY: number;
  private readonly block: Float32Array;
  private readonly rows: Float32Array;
  private yPlane: Float32Array | undefined;
  /** The Y pass's rows of one plane when they outnumber the plane's (an even crop), else undefined. */
  private readonly ySpill: Float32Array | undefined;
  /** The low-pass alongside: its block of the output's spectrum (see `lowpassSpectrumBlock`). */
  private readonly low: { bins: number; keptY: Int32Array; keptZ: Int32Array; weight: (h: number, k: number, l: number) => number; block: Float32Array } | undefined;
  /** One plane's rows of the low-pass's inverse along Y, allocated on first use. */
  private lowRows: Float32Array | undefined;

  /**
   * @param inShape input box [nx, ny, nz], voxels
   * @param outShape output box [mx, my, mz], voxels
   * @param block the work block, length {@link blockLength}`(inShape, outShape)` (e.g. a
   *   SharedArrayBuffer another thread's resampler also works on); default a new one
   */
  constructor(
    private readonly inShape: Shape3,
    private readonly outShape: Shape3,
    block?: Float32Array,
    lowpass?: ResampleLowpass & { voxelSizeA: Vec3 },
    lowBlock?: Float32Array,
  ) {
    const [nx, ny, nz] = inShape;
    const [mx, my, mz] = outShape;
    this.hxOut = (mx >> 1) + 1;
    this.planX = xGather(nx, mx);
    this.planY = axisGather(ny, my);
    this.planZ = axisGather(nz, mz);
    this.allY = indexRange(ny);
    this.rowFloats = 2 * this.hxOut; // one complex row of the output's half spectrum
    this.plane = my * this.rowFloats; // one plane [my][hxOut]
    this.rowsY = Math.max(this.planY.need.length, my); // rows the Y pass of one plane writes before its crop/pad
    // The block holds, in turn: [z][my][hxOut] after the X and Y passes (nz planes), the needed Z
    // bins, and the output's half spectrum [mz][my][hxOut] (before and after the inverse along Z).
    const length = PrunedResampler.blockLength(inShape, outShape);
    if (block && block.length !== length) throw new RangeError(`internal: resampler block of ${block.length} floats, expected ${length}`);
    this.block = block ?? new Float32Array(length);
    this.rows = new Float32Array(2 * ny * Math.max(this.planX.bins, this.hxOut));
    // with a spill, the Y pass of a plane runs in a buffer of its own and is copied into the block:
    // it would otherwise write into the next plane, which another thread may be working on
    this.ySpill = this.rowsY > my ? new Float32Array(this.rowsY * this.rowFloats) : undefined;
    const plan = lowpass ? lowpassSpectrumBlock(outShape, lowpass.voxelSizeA, lowpass.lowpassA, lowpass.maskStyle) : undefined;
    if (plan && lowpass) {
      const lowLength = PrunedResampler.lowpassBlockLength(outShape, lowpass);
      if (lowBlock && lowBlock.length !== lowLength) throw new RangeError(`internal: low-pass block of ${lowBlock.length} floats, expected ${lowLength}`);
      this.low = { ...plan, block: lowBlock ?? new Float32Array(lowLength) };
    }
  }

  /**
   * Float32 length of the low-pass block: complex `[mz][my'][bins]`, the frequencies the low-pass
   * of the output box can keep along X and Y (`my'` kept Y positions of `bins` X bins), first at
   * its `mz'` kept Z positions, then, after the inverse along Z, at every output plane (25 MB for
   * 256³ at 8 Å and 2.4 Å voxels).
   */
  static lowpassBlockLength(outShape: Shape3, lowpass: ResampleLowpass & { voxelSizeA: Vec3 }): number {
    const plan = lowpassSpectrumBlock(outShape, lowpass.voxelSizeA, lowpass.lowpassA, lowpass.maskStyle);
    return plan ? 2 * outShape[2] * plan.keptY.length * plan.bins : 0;
  }

  /** Float32 length of the work block for `inShape` -> `outShape` (see {@link fourierResample}'s memory). */
  static blockLength(inShape: Shape3, outShape: Shape3): number {
    const [, , nz] = inShape;
    const [mx, my, mz] = outShape;
    return Math.max(nz, mz) * my * 2 * ((mx >> 1) + 1);
  }

  /** Columns (`my * (floor(mx/2)+1)` complex values of a plane) that {@link zPass} splits. */
  get columns(): number {
    return this.outShape[1] * this.hxOut;
  }

  /**
   * Forward, one input Z plane: X rows [y][bx] -> X crop/pad [y][hxOut] -> along Y into the block
   * (the needed Y bins) -> Y crop/pad [my][hxOut].
   * @param z plane index in 0..nz-1
   * @param data the plane, length nx*ny, index y*nx + x
   */
  forwardPlane(z: number, data: Float32Array): void {
    const [nx, ny] = this.inShape;
    const { rows, planX, planY, hxOut, plane } = this;
    rfftRows(data, nx, ny, planX.bins, rows);
    applyXGather(rows, ny, planX, hxOut);
    const target = this.ySpill ?? this.block.subarray(z * plane, (z + 1) * plane);
    cfftAxis(rows, 1, hxOut, ny, this.allY, planY.need, false, target);
    gatherInPlace(target, planY, hxOut);
    if (this.ySpill) this.block.set(this.ySpill.subarray(0, plane), z * plane);
  }

  /** Along Z in place, then the inverse per output plane; returns the output (x fastest). */
  finish(shared = false): Float32Array {
    const [mx, my, mz] = this.outShape;
    this.zPass(0, this.columns);
    const out = allocate(mx * my * mz, shared);
    this.inversePlanes(out, 0, mz);
    return out;
  }

  /**
   * Along Z in place for the columns `[c0, c1)` of the block (once every plane went through
   * {@link forwardPlane}): the needed Z bins, the Z crop/pad, the normalisation and the inverse
   * along Z. Each column is independent of the others.
   */
  zPass(c0: number, c1: number): void {
    const [nx, ny, nz] = this.inShape;
    const [, , mz] = this.outShape;
    const { plane, planZ } = this;
    const inner = this.columns;
    const columns = [c0, c1] as const;
    const spectrum = this.block.subarray(0, Math.max(nz, mz) * plane);
    cfftAxisInPlace(spectrum, inner, nz, indexRange(nz), planZ.need, false, columns);
    gatherInPlace(spectrum, planZ, inner, c0, c1);
    // (M/N) of the crop/pad times 1/M of the inverse transform
    const norm = 1 / (nx * ny * nz);
    for (let z = 0; z < mz; z++) for (let i = z * plane + 2 * c0, end = z * plane + 2 * c1; i < end; i++) spectrum[i] *= norm;
    if (this.low) this.lowpassColumns(c0, c1);
    const outZ = indexRange(mz);
    cfftAxisInPlace(spectrum, inner, mz, outZ, outZ, true, columns);
  }

  /**
   * The low-pass alongside, for the block's columns `[c0, c1)` (normalised output spectrum, before
   * its inverse along Z): the weighted low-pass block of those columns, then its inverse along Z.
   * The low-pass block's columns `(ky, h)` belong to the block column `keptY[ky] * hxOut + h`, so
   * those of `[c0, c1)` are one run of them and two threads never share one.
   */
  private lowpassColumns(c0: number, c1: number): void {
    const low = this.low as NonNullable<PrunedResampler['low']>;
    const [, my, mz] = this.outShape;
    const { hxOut, plane } = this;
    const { bins, keptY, keptZ, weight, block } = low;
    const lowInner = keptY.length * bins;
    const zPlane = 2 * lowInner;
    // the run of low-pass columns (ky, h) whose block column keptY[ky] * hxOut + h is in [c0, c1)
    // (keptY ascends, so the run is contiguous); h in [hBegin(b), hEnd(b)) for row b
    const hBegin = (b: number) => Math.max(0, c0 - keptY[b] * hxOut);
    const hEnd = (b: number) => Math.min(bins, c1 - keptY[b] * hxOut);
    let l0 = -1;
    let l1 = -1;
    for (let b = 0; b < keptY.length; b++) {
      if (hBegin(b) >= hEnd(b)) continue;
      if (l0 < 0) l0 = b * bins + hBegin(b);
      l1 = b * bins + hEnd(b);
    }
    // plane by plane and row by row: the block is read along its rows (a column's values are a
    // plane apart: reading them column by column missed the cache at every value)
    for (let q = 0; q < keptZ.length; q++) {
      const z = keptZ[q];
      const l = z <= mz - z ? z : z - mz;
      for (let b = 0; b < keptY.length; b++) {
        const y = keptY[b];
        const k = y <= my - y ? y : y - my;
        const h1 = hEnd(b);
        for (let h = hBegin(b); h < h1; h++) {
          const w = weight(h, k, l);
          const s = z * plane + 2 * (y * hxOut + h);
          const d = q * zPlane + 2 * (b * bins + h);
          block[d] = this.block[s] * w;
          block[d + 1] = this.block[s + 1] * w;
        }
      }
    }
    if (l0 < 0) return;
    cfftAxisInPlace(block, lowInner, mz, keptZ, indexRange(mz), true, [l0, l1]);
  }

  /**
   * The low-pass alongside, output planes `z0..z1-1` (after {@link zPass} of every column): along
   * Y, then the X rows back to real, into `out` (length mx*my*mz, index (z*my + y)*mx + x).
   */
  inverseLowpassPlanes(out: Float32Array, z0: number, z1: number): void {
    const low = this.low;
    if (!low) throw new Error('internal: no low-pass was set up for this resampling');
    const [mx, my] = this.outShape;
    const { bins, keptY, block } = low;
    const lowPlane = 2 * keptY.length * bins;
    const outY = indexRange(my);
    const rows = (this.lowRows ??= new Float32Array(2 * my * bins));
    for (let z = z0; z < z1; z++) {
      cfftAxis(block.subarray(z * lowPlane, (z + 1) * lowPlane), 1, bins, my, keptY, outY, true, rows);
      irfftRows(rows, mx, my, bins, out.subarray(z * mx * my, (z + 1) * mx * my));
    }
  }

  /**
   * The inverse of output planes `z0..z1-1` (after {@link zPass} of every column): along Y, then
   * the X rows back to real, into `out` (length mx*my*mz, index (z*my + y)*mx + x).
   */
  inversePlanes(out: Float32Array, z0: number, z1: number): void {
    const [mx, my] = this.outShape;
    const { hxOut, plane } = this;
    const outY = indexRange(my);
    const yPlane = (this.yPlane ??= new Float32Array(plane));
    for (let z = z0; z < z1; z++) {
      cfftAxis(this.block.subarray(z * plane, (z + 1) * plane), 1, hxOut, my, outY, outY, true, yPlane);
      irfftRows(yPlane, mx, my, hxOut, out.subarray(z * mx * my, (z + 1) * mx * my));
    }
  }
}

/**
 * Per-axis crop/pad of complex rows as a gather: output row `j` (FFT order, `0..m-1`) is
 * `sum_{s = start[j]}^{start[j+1]-1} weight[s] * row[source[s]]`, where input row `k` holds the
 * input FFT position `need[k]` (distinct positions, ordered by first use).
 */
interface Gather {
  /** Input FFT positions (`0..n-1`, distinct) whose bins are needed. */
  readonly need: Int32Array;
  /** Length `m + 1`: the sources of output row j are `start[j] .. start[j+1]-1`. */
  readonly start: Int32Array;
  /** Input row (index into `need`) of each source. */
  readonly source: Int32Array;
  readonly weight: Float64Array;
  /** Every source row is >= its output row (a crop): apply in place in ascending order. */
  readonly ascending: boolean;
}

/** {@link Gather} of {@link axisSources}`(n, m)`. */
function axisGather(n: number, m: number): Gather {
  const sources = axisSources(n, m);
  // rows: first the first source of every output bin in output order (so a crop is the identity
  // on them), then the other sources (the merge partner of an even crop)
  const position = new Map<number, number>();
  const need: number[] = [];
  for (const pass of [0, 1]) {
    for (let j = 0; j < m; j++) {
      for (const s of pass === 0 ? sources[j].slice(0, 1) : sources[j].slice(1)) {
        if (!position.has(s.index)) {
          position.set(s.index, need.length);
          need.push(s.index);
        }
      }
    }
  }
  const start = new Int32Array(m + 1);
  const source: number[] = [];
  const weight: number[] = [];
  let ascending = true;
  let descending = true;
  for (let j = 0; j < m; j++) {
    for (const s of sources[j]) {
      const k = position.get(s.index) as number;
      source.push(k);
      weight.push(s.weight);
      if (k < j) ascending = false;
      if (k > j) descending = false;
    }
    start[j + 1] = source.length;
  }
  // a crop reads rows >= j (its own, then the merge partner at the end), a pad rows <= j
  if (!ascending && !descending) throw new Error(`internal: no in-place order for the crop/pad ${n} -> ${m}`);
  return { need: Int32Array.from(need), start, source: Int32Array.from(source), weight: Float64Array.from(weight), ascending };
}

/**
 * Apply a {@link Gather} in place to `buf`, which holds `need.length` rows of `inner` complex
 * values and has room for `max(need.length, m)` rows; afterwards its first `m` rows are the output.
 * Rows are processed in the order in which no source is overwritten before it is read. Only the
 * complex columns `[c0, c1)` of each row are touched (one thread's share; default all).
 */
function gatherInPlace(buf: Float32Array, g: Gather, inner: number, c0 = 0, c1 = inner): void {
  const width = 2 * inner;
  const m = g.start.length - 1;
  const a = 2 * c0;
  const b = 2 * c1;
  for (let step = 0; step < m; step++) {
    const j = g.ascending ? step : m - 1 - step;
    const d = j * width;
    const s0 = g.start[j];
    const s1 = g.start[j + 1];
    if (s0 === s1) {
      buf.fill(0, d + a, d + b);
    } else if (s1 - s0 === 1 && g.weight[s0] === 1) {
      if (g.source[s0] !== j) buf.copyWithin(d + a, g.source[s0] * width + a, g.source[s0] * width + b);
    } else {
      for (let i = a; i < b; i++) {
        let v = 0;
        for (let t = s0; t < s1; t++) v += g.weight[t] * buf[g.source[t] * width + i];
        buf[d + i] = v;
      }
    }
  }
}

/**
 * The X-axis crop/pad on half spectra: output bin `jx` (`0..floor(mx/2)`) is `sum w * R(i)` over
 * {@link axisSources}`(nx, mx)`, where a source at a negative frequency (index
 * `>= floor(nx/2)+1`) is read as `conj(R(nx - i))` (every X row is real, so its spectrum R is
 * Hermitian). `bins` is the number of non-negative input bins read (the row FFT keeps those).
 */
interface XGather {
  readonly bins: number;
  /** Length `hxOut + 1`. */
  readonly start: Int32Array;
  /** Non-negative input bin of each source. */
  readonly source: Int32Array;
  readonly weight: Float64Array;
  /** 1 where the source is conjugated. */
  readonly conj: Uint8Array;
  /** Output bins (ascending) that are not just their own input bin with weight 1. */
  readonly changed: Int32Array;
}

function xGather(nx: number, mx: number): XGather {
  const hxIn = (nx >> 1) + 1;
  const hxOut = (mx >> 1) + 1;
  const sources = axisSources(nx, mx).slice(0, hxOut);
  const start = new Int32Array(hxOut + 1);
  const source: number[] = [];
  const weight: number[] = [];
  const conj: number[] = [];
  const changed: number[] = [];
  for (let j = 0; j < hxOut; j++) {
    for (const s of sources[j]) {
      const mirrored = s.index >= hxIn;
      source.push(mirrored ? nx - s.index : s.index);
      conj.push(mirrored ? 1 : 0);
      weight.push(s.weight);
    }
    start[j + 1] = source.length;
    if (!(sources[j].length === 1 && sources[j][0].index === j && sources[j][0].weight === 1)) changed.push(j);
  }
  const bins = source.reduce((b, i) => Math.max(b, i + 1), 1);
  return { bins, start, source: Int32Array.from(source), weight: Float64Array.from(weight), conj: Uint8Array.from(conj), changed: Int32Array.from(changed) };
}

/**
 * Apply an {@link XGather} in place: `buf` holds `rows` rows of `g.bins` complex bins (row stride
 * `g.bins`) and has room for `rows` rows of `hxOut`; afterwards it holds the rows of `hxOut` bins
 * (row stride `hxOut`). On a crop (`bins = hxOut`, sources at bins >= the output bin) rows and bins
 * run forwards, on a pad (`bins <= hxOut`, sources at bins <= the output bin) backwards, so that no
 * value is overwritten before it is read.
 */
function applyXGather(buf: Float32Array, rows: number, g: XGather, hxOut: number): void {
  const { bins, start, source, weight, conj, changed } = g;
  // same row stride: only the bins that are not their own source need work (on a crop, the Nyquist bin)
  const sameStride = bins === hxOut;
  if (sameStride && changed.length === 0) return;
  const forwards = bins >= hxOut;
  const count = sameStride ? changed.length : hxOut;
  for (let step = 0; step < rows; step++) {
    const r = forwards ? step : rows - 1 - step;
    const s = 2 * r * bins;
    const d = 2 * r * hxOut;
    for (let q = 0; q < count; q++) {
      const j = sameStride ? changed[forwards ? q : count - 1 - q] : hxOut - 1 - q;
      let re = 0;
      let im = 0;
      for (let t = start[j]; t < start[j + 1]; t++) {
        const i = s + 2 * source[t];
        re += weight[t] * buf[i];
        im += conj[t] ? -weight[t] * buf[i + 1] : weight[t] * buf[i + 1];
      }
      buf[d + 2 * j] = re;
      buf[d + 2 * j + 1] = im;
    }
  }
}

/**
 * Reference implementation of {@link fourierResample} with full-size 3D transforms (`rfft3d` of
 * the input, crop/pad of the half spectrum, `irfft3d`): same contract and result (to float32
 * rounding), but it holds the input's whole half spectrum (`8 * nz*ny*(floor(nx/2)+1)` bytes, in
 * JavaScript and in wasm memory), so it cannot resample maps of about 800³ and more. Kept for the
 * tests and the benchmark.
 *
 * @param volume input map; `data` length `nx*ny*nz`, index `(z*ny + y)*nx + x`; not modified
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @returns as {@link fourierResample}
 * @throws as {@link fourierResample}
 */
export function fourierResampleFull(volume: Volume, newShape: Shape3): Volume {
  const result = prepare(volume, newShape);
  const [nx, ny, nz] = volume.shape;
  const [mx, my, mz] = newShape;
  if (nx === mx && ny === my && nz === mz) return result(volume.data.slice());

  const spectrum = rfft3d(volume.data, volume.shape);
  const hxIn = (nx >> 1) + 1;
  const hxOut = (mx >> 1) + 1;
  const srcX = axisSources(nx, mx).slice(0, hxOut);
  const srcY = axisSources(ny, my);
  const srcZ = axisSources(nz, mz);
  const scale = (mx * my * mz) / (nx * ny * nz);
  const out = new Float32Array(2 * mz * my * hxOut);

  for (let jz = 0; jz < mz; jz++) {
    for (const sz of srcZ[jz]) {
      const iz = sz.index;
      const izc = iz === 0 ? 0 : nz - iz;
      for (let jy = 0; jy < my; jy++) {
        for (const sy of srcY[jy]) {
          const iy = sy.index;
          const iyc = iy === 0 ? 0 : ny - iy;
          const w = scale * sz.weight * sy.weight;
          const direct = 2 * (iz * ny + iy) * hxIn;
          const mirror = 2 * (izc * ny + iyc) * hxIn;
          const dst = 2 * (jz * my + jy) * hxOut;
          for (let jx = 0; jx < hxOut; jx++) {
            let re = 0;
            let im = 0;
            for (const sx of srcX[jx]) {
              const ix = sx.index;
              if (ix < hxIn) {
                re += sx.weight * spectrum[direct + 2 * ix];
                im += sx.weight * spectrum[direct + 2 * ix + 1];
              } else {
                // negative X frequency, not stored: F(-h, -k, -l) = conj(F(h, k, l))
                const s = mirror + 2 * (nx - ix);
                re += sx.weight * spectrum[s];
                im -= sx.weight * spectrum[s + 1];
              }
            }
            out[dst + 2 * jx] += w * re;
            out[dst + 2 * jx + 1] += w * im;
          }
        }
      }
    }
  }
  return result(irfft3d(out, [mx, my, mz]));
}

