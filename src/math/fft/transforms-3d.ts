/**
 * Whole-box 3D real FFT over kissfft-wasm: {@link rfft3d} and {@link irfft3d} (layout in ../fft.ts);
 * large boxes whose edges PFFFT can transform, and boxes with an edge of a large prime factor, go
 * through separable passes instead (see {@link useSeparable}).
 * @see shared/spec/occupy-algorithm.md §2, §4
 */
import type { Shape3 } from '../../core/volume.js';
import { prunedIrfft3d, prunedRfft3d, wholeBlock } from './pruned-3d.js';
import { useBluestein } from './bluestein.js';
import { ensureScratch, getKiss, getPlan, pffftCan, scratchIn, scratchOut } from './wasm.js';

/**
 * Smallest box (voxels) sent through the separable passes by {@link useSeparable}: 256³. Below
 * it kissfft's N-D transform is as fast or the box is small enough that its scratch does not matter.
 */
export const SEPARABLE_MIN_VOXELS = 256 ** 3;

/**
 * Whether a whole-box transform runs as separable passes (real FFTs of the X rows, then complex
 * FFTs along Y and Z, plane by plane: `prunedRfft3d` with every frequency kept) rather than
 * kissfft's N-D transform: for boxes of at least {@link SEPARABLE_MIN_VOXELS} voxels whose X edge
 * PFFFT can transform as real rows and Y, Z edges as complex ones (`pffftCan`). Measured on the
 * 2-core test machine (scratch timing, one run each): 512³ forward 2.1 s against kissfft's 11.0 s,
 * inverse 3.2 s against 4.5 s; 256³ 0.40 / 0.32 s against 0.52 / 0.47 s; the spectra equal to
 * 1e-7 of the largest coefficient. The passes keep their buffers in JavaScript memory, which is
 * given back, where kissfft's whole-box scratch and plan (three whole boxes at 512³, 1.6 GB) stay
 * in the FFT module's memory, which never shrinks. At 200³ or 216³ (no PFFFT) kissfft's N-D
 * transform is faster, so those stay with it. Boxes of any size with an edge of a prime factor of
 * 23 or more (`useBluestein`: 83, 94, 141, …) take the passes too, whose 1D transforms of those
 * edges are Bluestein's (./bluestein.ts): session 59, loaded machine, forward / inverse 83³ 1.4 /
 * 1.1 s against kissfft's N-D 3.8 / 3.1 s, 141³ 2.6 / 3.1 s against 10.3 / 8.6 s, 94³ 1.4 / 0.4 s
 * against 1.5 / 1.6 s; spectra equal to 2·10⁻⁷ of the largest coefficient.
 */
function useSeparable(shape: Shape3): boolean {
  const [nx, ny, nz] = shape;
  if (shape.some((n) => useBluestein(n))) return true;
  return nx * ny * nz >= SEPARABLE_MIN_VOXELS && pffftCan(nx, true) && pffftCan(ny, false) && pffftCan(nz, false);
}

// ---------------------------------------------------------------------------------------------
// Transforms

function checkShape(shape: Shape3): void {
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new TypeError(`shape must be [nx, ny, nz], got ${String(shape)}`);
  }
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`shape must hold positive integers, got ${shape.join('x')}`);
  }
}

/**
 * Whether kissfft's real N-D transform can be used: it needs an even last (X) dimension and, as
 * measured, at least one other dimension > 1 (`kiss_fftndr` with a single dimension gives wrong
 * results).
 */
function useRealPlan(shape: Shape3): boolean {
  return shape[0] % 2 === 0 && (shape[1] > 1 || shape[2] > 1);
}

/** C-order dims for `kiss_fftndr`: [nz, ny] without size-1 axes, then nx. */
function realDims(shape: Shape3): number[] {
  return [shape[2], shape[1]].filter((n) => n > 1).concat(shape[0]);
}

/** C-order dims [nz, ny, nx] without size-1 axes (a size-1 transform is the identity). */
function complexDims(shape: Shape3): number[] {
  return [shape[2], shape[1], shape[0]].filter((n) => n > 1);
}

/**
 * Forward 3D FFT of a real map, returning the half spectrum.
 *
 * Formula (unnormalised): `F(kx,ky,kz) = sum_{x,y,z} f(x,y,z) * exp(-2*pi*i*(kx*x/nx + ky*y/ny + kz*z/nz))`
 * for `kx = 0..floor(nx/2)`, `ky = 0..ny-1`, `kz = 0..nz-1`.
 *
 * @param data real map, length `nx*ny*nz`, index `(z*ny + y)*nx + x` (x fastest); not modified
 * @param shape box `[nx, ny, nz]`, any positive sizes (odd or even)
 * @returns new Float32Array of length `2*nz*ny*hx` with `hx = floor(nx/2) + 1`: interleaved
 *   `(re, im)`, complex index `(z*ny + y)*hx + x` (see module docs for the frequency order)
 * @throws Error when called before {@link loadFft} has resolved
 * @throws TypeError when `shape` is not a triple or `data.length !== nx*ny*nz`
 * @throws RangeError when a box size is not a positive integer
 * @see shared/spec/occupy-algorithm.md §2, §4
 */
export function rfft3d(data: Float32Array, shape: Shape3): Float32Array {
  const w = getKiss();
  checkShape(shape);
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  if (data.length !== n) throw new TypeError(`data length must be nx*ny*nz = ${n} for shape ${shape.join('x')}, got ${data.length}`);
  const hx = (nx >> 1) + 1;
  const rows = ny * nz;
  if (n === 1) return new Float32Array([data[0], 0]);
  if (useSeparable(shape)) return prunedRfft3d(data, shape, wholeBlock(shape));
  if (useRealPlan(shape)) {
    const cfg = getPlan(w, 'r', realDims(shape));
    const inPtr = ensureScratch(w, scratchIn, 4 * n);
    const outPtr = ensureScratch(w, scratchOut, 8 * rows * hx);
    w.HEAPF32.set(data, inPtr >> 2);
    w._kiss_fftndr(cfg, inPtr, outPtr);
    const o = outPtr >> 2;
    return w.HEAPF32.slice(o, o + 2 * rows * hx);
  }
  // odd nx (or a 1D box): complex transform, then keep the first hx bins of every X row
  const cfg = getPlan(w, 'c', complexDims(shape));
  const inPtr = ensureScratch(w, scratchIn, 8 * n);
  const outPtr = ensureScratch(w, scratchOut, 8 * n);
  let heap = w.HEAPF32;
  const ib = inPtr >> 2;
  for (let i = 0; i < n; i++) {
    heap[ib + 2 * i] = data[i];
    heap[ib + 2 * i + 1] = 0;
  }
  w._kiss_fftnd(cfg, inPtr, outPtr);
  heap = w.HEAPF32;
  const ob = outPtr >> 2;
  const out = new Float32Array(2 * rows * hx);
  for (let r = 0; r < rows; r++) {
    const src = ob + 2 * r * nx;
    out.set(heap.subarray(src, src + 2 * hx), 2 * r * hx);
  }
  return out;
}

/**
 * Inverse of {@link rfft3d}: real map from its half spectrum, normalised so that
 * `irfft3d(rfft3d(f, shape), shape) = f` (to float32 rounding).
 *
 * Formula: `f(x,y,z) = (1/(nx*ny*nz)) * sum_{kx,ky,kz} F(kx,ky,kz) * exp(+2*pi*i*(kx*x/nx + ky*y/ny + kz*z/nz))`
 * over the full spectrum, whose negative-X half is implied by Hermitian symmetry
 * `F(-k) = conj(F(k))`. The planes `kx = 0` and (even `nx`) `kx = nx/2` must themselves be
 * Hermitian for the result to be the exact inverse; if they are not, the result is the real
 * part of the inverse of the Hermitian-completed spectrum.
 *
 * @param spectrum half spectrum, length `2*nz*ny*hx` with `hx = floor(nx/2) + 1`, interleaved
 *   `(re, im)`, complex index `(z*ny + y)*hx + x` (the layout of {@link rfft3d}); not modified
 * @param shape box `[nx, ny, nz]` of the real map (needed: `hx` does not determine `nx`)
 * @param out optional destination of length `nx*ny*nz`, overwritten and returned (a loop of
 *   inverse transforms then allocates no whole-box array per pass)
 * @returns `out` or a new Float32Array of length `nx*ny*nz`, index `(z*ny + y)*nx + x`
 * @throws Error when called before {@link loadFft} has resolved
 * @throws TypeError when `shape` is not a triple, `spectrum.length !== 2*nz*ny*hx` or `out` has another length
 * @throws RangeError when a box size is not a positive integer
 * @see shared/spec/occupy-algorithm.md §2, §4
 */
export function irfft3d(spectrum: Float32Array, shape: Shape3, out?: Float32Array): Float32Array {
  const w = getKiss();
  checkShape(shape);
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const hx = (nx >> 1) + 1;
  const rows = ny * nz;
  if (spectrum.length !== 2 * rows * hx) {
    throw new TypeError(`spectrum length must be 2*nz*ny*(floor(nx/2)+1) = ${2 * rows * hx} for shape ${shape.join('x')}, got ${spectrum.length}`);
  }
  if (out && out.length !== n) throw new TypeError(`out must have length nx*ny*nz = ${n}, got ${out.length}`);
  if (n === 1) {
    const one = out ?? new Float32Array(1);
    one[0] = spectrum[0];
    return one;
  }
  const scale = 1 / n;
  const dst = out ?? new Float32Array(n);
  if (useSeparable(shape)) {
    prunedIrfft3d(spectrum, shape, wholeBlock(shape), dst);
    for (let i = 0; i < n; i++) dst[i] *= scale;
    return dst;
  }
  if (useRealPlan(shape)) {
    const cfg = getPlan(w, 'ri', realDims(shape));
    const inPtr = ensureScratch(w, scratchIn, 8 * rows * hx);
    const outPtr = ensureScratch(w, scratchOut, 4 * n);
    w.HEAPF32.set(spectrum, inPtr >> 2);
    w._kiss_fftndri(cfg, inPtr, outPtr);
    const heap = w.HEAPF32;
    const ob = outPtr >> 2;
    for (let i = 0; i < n; i++) dst[i] = heap[ob + i] * scale;
    return dst;
  }
  // odd nx (or a 1D box): rebuild the full Hermitian spectrum, complex inverse, keep the real part
  const cfg = getPlan(w, 'ci', complexDims(shape));
  const inPtr = ensureScratch(w, scratchIn, 8 * n);
  const outPtr = ensureScratch(w, scratchOut, 8 * n);
  let heap = w.HEAPF32;
  const ib = inPtr >> 2;
  for (let z = 0; z < nz; z++) {
    const zc = z === 0 ? 0 : nz - z;
    for (let y = 0; y < ny; y++) {
      const yc = y === 0 ? 0 : ny - y;
      const row = z * ny + y;
      const at = ib + 2 * row * nx;
      heap.set(spectrum.subarray(2 * row * hx, 2 * (row + 1) * hx), at);
      const conjRow = 2 * (zc * ny + yc) * hx;
      for (let x = hx; x < nx; x++) {
        const s = conjRow + 2 * (nx - x);
        heap[at + 2 * x] = spectrum[s];
        heap[at + 2 * x + 1] = -spectrum[s + 1];
      }
    }
  }
  w._kiss_fftnd(cfg, inPtr, outPtr);
  heap = w.HEAPF32;
  const ob = outPtr >> 2;
  for (let i = 0; i < n; i++) dst[i] = heap[ob + 2 * i] * scale;
  return dst;
}

