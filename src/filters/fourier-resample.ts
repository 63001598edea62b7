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
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { cfftAxis, irfft3d, irfftRows, rfft3d, rfftRows } from '../math/fft.js';

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
function prepare(volume: Volume, newShape: Shape3): (data: Float32Array) => Volume {
  assertVolume(volume);
  if (!Array.isArray(newShape) || newShape.length !== 3) {
    throw new TypeError(`newShape must be [mx, my, mz], got ${String(newShape)}`);
  }
  for (const m of newShape) {
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`newShape must hold positive integers, got ${newShape.join('x')}`);
  }
  const [nx, ny, nz] = volume.shape;
  const [mx, my, mz] = newShape;
  const a = volume.voxelSizeA;
  return (data: Float32Array): Volume => ({
    ...volume,
    data,
    shape: [mx, my, mz],
    voxelSizeA: [(a[0] * nx) / mx, (a[1] * ny) / my, (a[2] * nz) / mz] as Vec3,
  });
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
 * Y keeping only the Y bins that feed the output and the Y crop/pad, into a block of
 * `nz × my × (floor(mx/2)+1)` complex values; then the FFT along Z of that block keeping the
 * needed Z bins and the Z crop/pad, which gives the output's half spectrum; then the inverse
 * transforms along Z, and plane by plane along Y and X rows. PFFFT (SIMD) does the 1D transforms
 * whose lengths it supports (see `pffftCan`), kissfft the others (any length, e.g. 45, 51, 97).
 *
 * Memory: besides the input and the output (`mx*my*mz` float32), two work arrays of
 * `2 * max(nz, mz) * my * (floor(mx/2)+1)` and `2 * (min(nz, mz + 1) or mz) * my * (floor(mx/2)+1)`
 * float32 (about one output-size half spectrum each, the first `nz/mz` times that on a crop), plus
 * per-plane buffers of `O(ny * max(nx, mx))` and about 1 MB of wasm scratch; nothing proportional to
 * the input's spectrum. A 1024³ → 256³ crop needs about 400 MB beyond the 4 GiB input.
 *
 * Requires `await loadFft()` (from `src/math/fft.ts`) beforehand.
 *
 * @param volume input map; `data` length `nx*ny*nz` (up to 2^32 − 1 elements), index
 *   `(z*ny + y)*nx + x` (x fastest); not modified
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @returns a new Volume with `shape = newShape`, `voxelSizeA[i] = a_i * n_i / m_i` (Å), any other
 *   fields copied from the input, and fresh `data` of length `mx*my*mz`, index `(z*my + y)*mx + x`
 *   (a copy when the shape is unchanged)
 * @throws TypeError when `newShape` is not a triple or `volume.data.length !== nx*ny*nz`
 * @throws RangeError when a size in `newShape` or `volume.shape` is not a positive integer, or a
 *   voxel size is not a finite positive number
 * @throws Error when the FFT has not been loaded with `loadFft()`
 * @see shared/spec/occupy-algorithm.md §2, §9, §12
 */
export function fourierResample(volume: Volume, newShape: Shape3): Volume {
  const result = prepare(volume, newShape);
  const [nx, ny, nz] = volume.shape;
  const [mx, my, mz] = newShape;
  if (nx === mx && ny === my && nz === mz) return result(volume.data.slice());
  const data = volume.data;
  const hxOut = (mx >> 1) + 1;
  const planX = xGather(nx, mx, 1 / (nx * ny * nz));
  const bx = planX.bins;
  const planY = axisGather(ny, my);
  const planZ = axisGather(nz, mz);
  const allY = indexRange(ny);
  const allZ = indexRange(nz);
  const outY = indexRange(my);
  const outZ = indexRange(mz);
  const plane = 2 * my * hxOut; // floats per output-size spectrum plane [my][hxOut]

  // forward, one input Z plane at a time: X rows -> [y][bx] -> X crop/pad [y][hxOut] -> along Y
  // -> [needY][hxOut] -> Y crop/pad [my][hxOut], into block[z]
  const rowSpectra = new Float32Array(2 * ny * bx);
  const xPlane = new Float32Array(2 * ny * hxOut);
  const yNeed = new Float32Array(2 * planY.need.length * hxOut);
  const block = new Float32Array(Math.max(nz, mz) * plane);
  for (let z = 0; z < nz; z++) {
    rfftRows(data.subarray(z * nx * ny, (z + 1) * nx * ny), nx, ny, bx, rowSpectra);
    applyXGather(rowSpectra, ny, planX, xPlane, hxOut);
    cfftAxis(xPlane, 1, hxOut, ny, allY, planY.need, false, yNeed);
    applyGather(yNeed, planY, hxOut, block.subarray(z * plane, (z + 1) * plane));
  }
  // along Z for the whole block: [z][my][hxOut] -> [needZ][my][hxOut] -> Z crop/pad into the first
  // mz planes of block: the output's half spectrum [mz][my][hxOut]
  const spare = new Float32Array(Math.max(planZ.need.length, mz) * plane);
  cfftAxis(block, 1, my * hxOut, nz, allZ, planZ.need, false, spare);
  applyGather(spare, planZ, my * hxOut, block);
  // inverse: along Z into spare, then per output plane along Y and the X rows back to real
  cfftAxis(block, 1, my * hxOut, mz, outZ, outZ, true, spare);
  const yPlane = new Float32Array(plane);
  const out = new Float32Array(mx * my * mz);
  for (let z = 0; z < mz; z++) {
    cfftAxis(spare.subarray(z * plane, (z + 1) * plane), 1, hxOut, my, outY, outY, true, yPlane);
    irfftRows(yPlane, mx, my, hxOut, out.subarray(z * mx * my, (z + 1) * mx * my));
  }
  return result(out);
}

/**
 * Per-axis crop/pad of a complex array as a gather: output bin `j` (FFT order, `0..m-1`) is
 * `sum_{s = start[j]}^{start[j+1]-1} weight[s] * row[source[s]]`, where the rows are the input
 * FFT positions `need` (distinct, in the order computed by the forward pass).
 */
interface Gather {
  /** Input FFT positions (`0..n-1`, distinct) whose bins are needed. */
  readonly need: Int32Array;
  /** Length `m + 1`: sources of output bin j are `start[j] .. start[j+1]-1`. */
  readonly start: Int32Array;
  /** Index into `need` of each source. */
  readonly source: Int32Array;
  readonly weight: Float64Array;
}

/** {@link Gather} of {@link axisSources}`(n, m)`. */
function axisGather(n: number, m: number): Gather {
  const sources = axisSources(n, m);
  const position = new Map<number, number>();
  const need: number[] = [];
  const start = new Int32Array(m + 1);
  const source: number[] = [];
  const weight: number[] = [];
  for (let j = 0; j < m; j++) {
    for (const s of sources[j]) {
      let k = position.get(s.index);
      if (k === undefined) {
        k = need.length;
        position.set(s.index, k);
        need.push(s.index);
      }
      source.push(k);
      weight.push(s.weight);
    }
    start[j + 1] = source.length;
  }
  return { need: Int32Array.from(need), start, source: Int32Array.from(source), weight: Float64Array.from(weight) };
}

/**
 * Apply a {@link Gather} to `[need.length][inner]` complex rows (`src`), writing `[m][inner]`
 * complex rows to `dst` (`dst` may be a different view of the same memory only when it does not
 * overlap `src`).
 */
function applyGather(src: Float32Array, g: Gather, inner: number, dst: Float32Array): void {
  const width = 2 * inner;
  const m = g.start.length - 1;
  for (let j = 0; j < m; j++) {
    const d = j * width;
    const s0 = g.start[j];
    const s1 = g.start[j + 1];
    if (s0 === s1) {
      dst.fill(0, d, d + width);
    } else if (s1 - s0 === 1 && g.weight[s0] === 1) {
      const s = g.source[s0] * width;
      dst.set(src.subarray(s, s + width), d);
    } else {
      for (let i = 0; i < width; i++) {
        let v = 0;
        for (let t = s0; t < s1; t++) v += g.weight[t] * src[g.source[t] * width + i];
        dst[d + i] = v;
      }
    }
  }
}

/**
 * The X-axis gather on half spectra: output bin `jx` (`0..floor(mx/2)`) is
 * `sum w * R(i)` over {@link axisSources}`(nx, mx)`, times `scale`, where a source at a negative
 * frequency (index `>= floor(nx/2)+1`) is read as `conj(R(nx - i))` (every X row is real, so its
 * spectrum R is Hermitian). `bins` is the number of non-negative input bins read.
 */
interface XGather {
  readonly bins: number;
  /** Length `hxOut + 1`. */
  readonly start: Int32Array;
  /** Non-negative input bin of each source. */
  readonly source: Int32Array;
  /** Weight of each source, `scale` included. */
  readonly weight: Float64Array;
  /** 1 where the source is conjugated. */
  readonly conj: Uint8Array;
}

function xGather(nx: number, mx: number, scale: number): XGather {
  const hxIn = (nx >> 1) + 1;
  const hxOut = (mx >> 1) + 1;
  const sources = axisSources(nx, mx).slice(0, hxOut);
  const start = new Int32Array(hxOut + 1);
  const source: number[] = [];
  const weight: number[] = [];
  const conj: number[] = [];
  for (let j = 0; j < hxOut; j++) {
    for (const s of sources[j]) {
      const mirrored = s.index >= hxIn;
      source.push(mirrored ? nx - s.index : s.index);
      conj.push(mirrored ? 1 : 0);
      weight.push(s.weight * scale);
    }
    start[j + 1] = source.length;
  }
  const bins = source.reduce((b, i) => Math.max(b, i + 1), 1);
  return { bins, start, source: Int32Array.from(source), weight: Float64Array.from(weight), conj: Uint8Array.from(conj) };
}

/** Apply an {@link XGather} to `rows` rows of `g.bins` complex bins, writing rows of `hxOut` bins. */
function applyXGather(src: Float32Array, rows: number, g: XGather, dst: Float32Array, hxOut: number): void {
  const { bins, start, source, weight, conj } = g;
  for (let r = 0; r < rows; r++) {
    const s = 2 * r * bins;
    const d = 2 * r * hxOut;
    for (let j = 0; j < hxOut; j++) {
      let re = 0;
      let im = 0;
      for (let t = start[j]; t < start[j + 1]; t++) {
        const i = s + 2 * source[t];
        re += weight[t] * src[i];
        im += conj[t] ? -weight[t] * src[i + 1] : weight[t] * src[i + 1];
      }
      dst[d + 2 * j] = re;
      dst[d + 2 * j + 1] = im;
    }
  }
}

/** 0..n-1. */
function indexRange(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
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

