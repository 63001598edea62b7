/**
 * 3D real FFT over kissfft-wasm (float32), for any box size, odd or even on every axis.
 *
 * Usage: `await loadFft()` once (idempotent), then call the synchronous {@link rfft3d} and
 * {@link irfft3d}.
 *
 * Half-spectrum layout (shared by both functions): interleaved complex `(re, im)` pairs, complex
 * index `(z*ny + y)*hx + x` with `hx = floor(nx/2) + 1`, i.e. float index `2*((z*ny + y)*hx + x)`
 * for the real part and `+1` for the imaginary part. `x` is the non-negative frequency index
 * `0..hx-1` along X; `y` and `z` run over `0..ny-1` and `0..nz-1` in FFT order (index `i` is the
 * signed frequency `i` for `i <= n/2`, else `i - n`). DC is at complex index 0.
 *
 * Implementation: kissfft's `kiss_fftndr` needs the last (fastest, X) dimension even, so for even
 * `nx` the real N-D transform is used directly, and for odd `nx` the complex N-D transform is used
 * and converted to/from the same half-spectrum layout. Plans are cached by shape (a few at a time,
 * least recently used evicted) and two wasm scratch buffers are reused between calls, so each call
 * allocates only its JS result array.
 *
 * @see shared/spec/libraries.md (kissfft-wasm row: loading traps on Node 20)
 * @see shared/spec/occupy-algorithm.md §2, §4 (Fourier crop and low-pass use these transforms)
 */
import { createRequire } from 'node:module';
import type { Shape3 } from '../core/volume.js';

/** The part of the Emscripten module of kissfft-wasm that this wrapper uses. */
interface KissWasm {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _kiss_fftnd_alloc(dims: number, ndims: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftnd(cfg: number, fin: number, fout: number): void;
  _kiss_fftndr_alloc(dims: number, ndims: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftndr(cfg: number, timedata: number, freqdata: number): void;
  _kiss_fftndri(cfg: number, freqdata: number, timedata: number): void;
  _kiss_fft_alloc(nfft: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fft(cfg: number, fin: number, fout: number): void;
  _kiss_fftr_alloc(nfft: number, inverse: number, mem: number, lenmem: number): number;
  _kiss_fftr(cfg: number, timedata: number, freqdata: number): void;
  _kiss_fftri(cfg: number, freqdata: number, timedata: number): void;
}

/** Shape of `kissfft-wasm/lib/wasm.js` (CommonJS). */
interface KissWasmLoader {
  wasm: KissWasm | undefined;
  waitLoading(): Promise<void>;
}

/** The part of `@echogarden/pffft-wasm/simd` (PFFFT, WebAssembly SIMD build) that this wrapper uses. */
interface PffftWasm {
  HEAPF32: Float32Array;
  /** `kind` 0 = real, 1 = complex; aborts the module for sizes it cannot do (see {@link pffftCan}). */
  _pffft_new_setup(n: number, kind: number): number;
  /** `direction` 0 = forward (e^{-i...}), 1 = backward (e^{+i...}, unnormalised). */
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
}

let kiss: KissWasm | null = null;
let pffft: PffftWasm | null = null;
let loading: Promise<void> | null = null;

/**
 * Load the kissfft WebAssembly module. Idempotent: later calls return at once (or wait for the
 * first load still in progress). Must be awaited before {@link rfft3d}/{@link irfft3d}.
 *
 * Works around two traps of kissfft-wasm 1.1.2 on Node 20: its Emscripten loader tries `fetch` on
 * its own `.wasm` path ("Failed to parse URL"), so `globalThis.fetch` is hidden only around the
 * `require` and restored right after; and it installs process-wide `uncaughtException` /
 * `unhandledRejection` handlers (which would turn unrelated rejections into wasm aborts), so any
 * listener it added is removed again.
 *
 * @throws Error when the wasm module cannot be loaded (e.g. kissfft-wasm was already required
 *   elsewhere without the `fetch` workaround). The failure is not cached here: a later call
 *   tries again.
 * @see shared/spec/libraries.md (kissfft-wasm row)
 */
export async function loadFft(): Promise<void> {
  if (kiss && pffft) return;
  if (!loading) {
    loading = Promise.all([loadKiss(), loadPffft()]).then(() => undefined).catch((err: unknown) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

async function loadKiss(): Promise<void> {
  const require = createRequire(import.meta.url);
  const beforeException = new Set(process.listeners('uncaughtException'));
  const beforeRejection = new Set(process.listeners('unhandledRejection'));
  const removeAdded = (): void => {
    for (const l of process.listeners('uncaughtException')) {
      if (!beforeException.has(l)) process.removeListener('uncaughtException', l);
    }
    for (const l of process.listeners('unhandledRejection')) {
      if (!beforeRejection.has(l)) process.removeListener('unhandledRejection', l);
    }
  };
  const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  let loader: KissWasmLoader;
  try {
    if (fetchDescriptor) delete (globalThis as { fetch?: unknown }).fetch;
    try {
      require('kissfft-wasm');
    } finally {
      if (fetchDescriptor) Object.defineProperty(globalThis, 'fetch', fetchDescriptor);
      removeAdded(); // installed synchronously by the Emscripten loader; removed again below
    }
    loader = require('kissfft-wasm/lib/wasm.js') as KissWasmLoader;
    await loader.waitLoading();
  } catch (err) {
    throw new Error(`kissfft-wasm failed to load: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    removeAdded();
  }
  if (!loader.wasm) throw new Error('kissfft-wasm failed to load: module missing after waitLoading()');
  kiss = loader.wasm;
}

async function loadPffft(): Promise<void> {
  if (pffft) return;
  try {
    const specifier = '@echogarden/pffft-wasm/simd';
    const mod = (await import(specifier)) as { default: () => Promise<PffftWasm> };
    pffft = await mod.default();
  } catch (err) {
    throw new Error(`pffft-wasm failed to load: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function getKiss(): KissWasm {
  if (!kiss) throw new Error('FFT not loaded: await loadFft() before calling rfft3d/irfft3d');
  return kiss;
}

// ---------------------------------------------------------------------------------------------
// Plans and scratch buffers

/** N-D real / complex plans (`r`, `ri`, `c`, `ci`) and 1D ones (`1r`, `1ri`, `1c`, `1ci`). */
type PlanKind = 'r' | 'ri' | 'c' | 'ci' | '1r' | '1ri' | '1c' | '1ci';
/** Maximum number of cached kissfft plans (an N-D plan holds twiddles and a work buffer ~ the box). */
const MAX_PLANS = 8;
const plans = new Map<string, number>();

function getPlan(w: KissWasm, kind: PlanKind, dims: readonly number[]): number {
  const key = `${kind}:${dims.join('x')}`;
  const cached = plans.get(key);
  if (cached !== undefined) {
    plans.delete(key);
    plans.set(key, cached);
    return cached;
  }
  const inverse = kind.endsWith('i') ? 1 : 0;
  let cfg: number;
  if (kind === '1r' || kind === '1ri') cfg = w._kiss_fftr_alloc(dims[0], inverse, 0, 0);
  else if (kind === '1c' || kind === '1ci') cfg = w._kiss_fft_alloc(dims[0], inverse, 0, 0);
  else {
    const dimsPtr = w._malloc(4 * dims.length);
    w.HEAP32.set(dims, dimsPtr >> 2);
    cfg = kind === 'r' || kind === 'ri'
      ? w._kiss_fftndr_alloc(dimsPtr, dims.length, inverse, 0, 0)
      : w._kiss_fftnd_alloc(dimsPtr, dims.length, inverse, 0, 0);
    w._free(dimsPtr);
  }
  if (!cfg) throw new Error(`kissfft could not allocate a plan for dims ${dims.join('x')} (out of wasm memory?)`);
  plans.set(key, cfg);
  while (plans.size > MAX_PLANS) {
    const [oldKey, oldCfg] = plans.entries().next().value as [string, number];
    plans.delete(oldKey);
    w._free(oldCfg);
  }
  return cfg;
}

interface Scratch {
  ptr: number;
  bytes: number;
}
const scratchIn: Scratch = { ptr: 0, bytes: 0 };
const scratchOut: Scratch = { ptr: 0, bytes: 0 };

function ensureScratch(w: KissWasm, s: Scratch, bytes: number): number {
  if (s.bytes < bytes) {
    if (s.ptr) w._free(s.ptr);
    s.ptr = 0;
    s.bytes = 0;
    const ptr = w._malloc(bytes);
    if (!ptr) throw new Error(`kissfft-wasm: cannot allocate ${bytes} bytes of wasm memory`);
    s.ptr = ptr;
    s.bytes = bytes;
  }
  return s.ptr;
}

/**
 * Free the cached kissfft plans and wasm scratch buffers (the wasm heap itself never shrinks, but
 * the space is reused by later calls). Safe to call at any time, also before {@link loadFft}.
 */
export function clearFftCache(): void {
  if (pffft) {
    for (const s of [pfIn, pfOut, pfWork]) {
      if (s.ptr) pffft._pffft_aligned_free(s.ptr);
      s.ptr = 0;
      s.bytes = 0;
    }
  }
  if (!kiss) return;
  for (const cfg of plans.values()) kiss._free(cfg);
  plans.clear();
  for (const s of [scratchIn, scratchOut]) {
    if (s.ptr) kiss._free(s.ptr);
    s.ptr = 0;
    s.bytes = 0;
  }
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
 * @returns new Float32Array of length `nx*ny*nz`, index `(z*ny + y)*nx + x`
 * @throws Error when called before {@link loadFft} has resolved
 * @throws TypeError when `shape` is not a triple or `spectrum.length !== 2*nz*ny*hx`
 * @throws RangeError when a box size is not a positive integer
 * @see shared/spec/occupy-algorithm.md §2, §4
 */
export function irfft3d(spectrum: Float32Array, shape: Shape3): Float32Array {
  const w = getKiss();
  checkShape(shape);
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const hx = (nx >> 1) + 1;
  const rows = ny * nz;
  if (spectrum.length !== 2 * rows * hx) {
    throw new TypeError(`spectrum length must be 2*nz*ny*(floor(nx/2)+1) = ${2 * rows * hx} for shape ${shape.join('x')}, got ${spectrum.length}`);
  }
  if (n === 1) return new Float32Array([spectrum[0]]);
  const scale = 1 / n;
  const out = new Float32Array(n);
  if (useRealPlan(shape)) {
    const cfg = getPlan(w, 'ri', realDims(shape));
    const inPtr = ensureScratch(w, scratchIn, 8 * rows * hx);
    const outPtr = ensureScratch(w, scratchOut, 4 * n);
    w.HEAPF32.set(spectrum, inPtr >> 2);
    w._kiss_fftndri(cfg, inPtr, outPtr);
    const heap = w.HEAPF32;
    const ob = outPtr >> 2;
    for (let i = 0; i < n; i++) out[i] = heap[ob + i] * scale;
    return out;
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
      const dst = ib + 2 * row * nx;
      heap.set(spectrum.subarray(2 * row * hx, 2 * (row + 1) * hx), dst);
      const conjRow = 2 * (zc * ny + yc) * hx;
      for (let x = hx; x < nx; x++) {
        const s = conjRow + 2 * (nx - x);
        heap[dst + 2 * x] = spectrum[s];
        heap[dst + 2 * x + 1] = -spectrum[s + 1];
      }
    }
  }
  w._kiss_fftnd(cfg, inPtr, outPtr);
  heap = w.HEAPF32;
  const ob = outPtr >> 2;
  for (let i = 0; i < n; i++) out[i] = heap[ob + 2 * i] * scale;
  return out;
}


// ---------------------------------------------------------------------------------------------
// PFFFT (SIMD): 3-4× faster than kissfft for the 1D transforms it supports

/**
 * Whether PFFFT's SIMD build can transform length `n`: `n = 2^a·3^b·5^c` with `n % 32 == 0` for
 * real and `n % 16 == 0` for complex transforms (other sizes abort its module, so they are never
 * passed to it; kissfft does them). `npm run bench` measured 65536 real transforms of 256 points
 * at 21 ms (PFFFT) against 85 ms (kissfft), each way.
 */
export function pffftCan(n: number, real: boolean): boolean {
  if (!Number.isInteger(n) || n <= 0 || n % (real ? 32 : 16) !== 0) return false;
  let m = n;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

const pfSetups = new Map<string, number>();
const pfIn: Scratch = { ptr: 0, bytes: 0 };
const pfOut: Scratch = { ptr: 0, bytes: 0 };
const pfWork: Scratch = { ptr: 0, bytes: 0 };

function getPffft(): PffftWasm {
  if (!pffft) throw new Error('FFT not loaded: await loadFft() before calling the FFT functions');
  return pffft;
}

function pfSetup(p: PffftWasm, n: number, real: boolean): number {
  const key = `${real ? 'r' : 'c'}:${n}`;
  let setup = pfSetups.get(key);
  if (setup === undefined) {
    setup = p._pffft_new_setup(n, real ? 0 : 1);
    if (!setup) throw new Error(`pffft could not set up a transform of length ${n}`);
    pfSetups.set(key, setup);
  }
  return setup;
}

function pfScratch(p: PffftWasm, s: Scratch, bytes: number): number {
  if (s.bytes < bytes) {
    if (s.ptr) p._pffft_aligned_free(s.ptr);
    s.ptr = p._pffft_aligned_malloc(bytes);
    if (!s.ptr) throw new Error(`pffft-wasm: cannot allocate ${bytes} bytes of wasm memory`);
    s.bytes = bytes;
  }
  return s.ptr;
}

// ---------------------------------------------------------------------------------------------
// Batched 1D transforms: the building blocks of pruned (separable, partial) 3D transforms

/** Rows (or columns) transformed per batch copied into wasm memory: about 1 MB of scratch. */
const BATCH_BYTES = 1 << 20;

/**
 * Forward real FFT of `rows` contiguous rows of length `n`, keeping only the first `bins`
 * frequencies of each row.
 *
 * Formula (unnormalised): `out[r][h] = sum_x data[r*n + x] * exp(-2*pi*i*h*x/n)` for `h = 0..bins-1`.
 *
 * @param data real rows, length >= `rows*n`, index `r*n + x`; not modified
 * @param n row length (any positive integer; odd lengths use a complex transform)
 * @param rows number of rows
 * @param bins frequencies kept per row, `1 <= bins <= floor(n/2) + 1`
 * @param target optional output (length >= `2*rows*bins`), overwritten and returned
 * @returns Float32Array of length `2*rows*bins` (new unless `target`): interleaved `(re, im)`,
 *   complex index `r*bins + h`
 * @throws Error when called before {@link loadFft}; RangeError for invalid sizes
 */
export function rfftRows(data: Float32Array, n: number, rows: number, bins: number, target?: Float32Array): Float32Array {
  const w = getKiss();
  checkRows(data.length, n, rows, bins);
  if (target && target.length < 2 * rows * bins) throw new RangeError(`out length must be >= 2*rows*bins = ${2 * rows * bins}, got ${target.length}`);
  const out = target ?? new Float32Array(2 * rows * bins);
  if (pffftCan(n, true)) {
    rfftRowsPffft(data, n, rows, bins, out);
    return out;
  }
  const hx = (n >> 1) + 1;
  const real = n % 2 === 0 && n > 1;
  const cfg = n === 1 ? 0 : getPlan(w, real ? '1r' : '1c', [n]);
  const batch = Math.max(1, Math.min(rows, Math.floor(BATCH_BYTES / (8 * n))));
  const inPtr = ensureScratch(w, scratchIn, 8 * batch * n);
  const outPtr = ensureScratch(w, scratchOut, 8 * batch * n);
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const m = Math.min(batch, rows - r0);
    let heap = w.HEAPF32;
    const ib = inPtr >> 2;
    if (n === 1) {
      for (let r = 0; r < m; r++) out[2 * (r0 + r)] = data[r0 + r];
      continue;
    }
    if (real) {
      heap.set(data.subarray(r0 * n, (r0 + m) * n), ib);
      for (let r = 0; r < m; r++) w._kiss_fftr(cfg, inPtr + 4 * r * n, outPtr + 8 * r * hx);
    } else {
      for (let i = 0, src = r0 * n; i < m * n; i++, src++) {
        heap[ib + 2 * i] = data[src];
        heap[ib + 2 * i + 1] = 0;
      }
      for (let r = 0; r < m; r++) w._kiss_fft(cfg, inPtr + 8 * r * n, outPtr + 8 * r * n);
    }
    heap = w.HEAPF32;
    const stride = real ? hx : n;
    const ob = outPtr >> 2;
    const width = 2 * bins;
    for (let r = 0; r < m; r++) {
      const src = ob + 2 * r * stride;
      const dst = 2 * (r0 + r) * bins;
      for (let i = 0; i < width; i++) out[dst + i] = heap[src + i];
    }
  }
  return out;
}

/**
 * Inverse of {@link rfftRows}: real rows of length `n` from their first `bins` frequencies, the
 * others taken as zero (the imaginary parts of DC and, for even `n`, Nyquist are ignored).
 *
 * Formula (unnormalised): `out[r*n + x] = sum_h c_h * Re(F[r][h] * exp(+2*pi*i*h*x/n))` over the
 * full Hermitian row, i.e. `c_h = 1` for DC and Nyquist and 2 for the other kept bins.
 *
 * @param spectrum rows of kept bins, length >= `2*rows*bins`, complex index `r*bins + h`; not modified
 * @param n row length
 * @param rows number of rows
 * @param bins frequencies given per row, `1 <= bins <= floor(n/2) + 1`
 * @param out real rows, length >= `rows*n`, index `r*n + x` (overwritten)
 * @throws Error when called before {@link loadFft}; RangeError for invalid sizes
 */
export function irfftRows(spectrum: Float32Array, n: number, rows: number, bins: number, out: Float32Array): void {
  const w = getKiss();
  checkRows(out.length, n, rows, bins);
  if (spectrum.length < 2 * rows * bins) throw new RangeError(`spectrum length must be >= 2*rows*bins = ${2 * rows * bins}, got ${spectrum.length}`);
  if (pffftCan(n, true)) {
    irfftRowsPffft(spectrum, n, rows, bins, out);
    return;
  }
  if (n === 1) {
    for (let r = 0; r < rows; r++) out[r] = spectrum[2 * r * bins];
    return;
  }
  const hx = (n >> 1) + 1;
  const real = n % 2 === 0;
  const cfg = getPlan(w, real ? '1ri' : '1ci', [n]);
  const batch = Math.max(1, Math.min(rows, Math.floor(BATCH_BYTES / (8 * n))));
  const inPtr = ensureScratch(w, scratchIn, 8 * batch * n);
  const outPtr = ensureScratch(w, scratchOut, 8 * batch * n);
  const stride = real ? hx : n;
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const m = Math.min(batch, rows - r0);
    let heap = w.HEAPF32;
    const ib = inPtr >> 2;
    const width = 2 * bins;
    for (let r = 0; r < m; r++) {
      const src = 2 * (r0 + r) * bins;
      const dst = ib + 2 * r * stride;
      for (let i = 0; i < width; i++) heap[dst + i] = spectrum[src + i];
      for (let i = width; i < 2 * stride; i++) heap[dst + i] = 0;
      if (!real) {
        // Hermitian completion of the row: F(n - h) = conj(F(h))
        for (let h = 1; h < bins; h++) {
          heap[dst + 2 * (n - h)] = spectrum[src + 2 * h];
          heap[dst + 2 * (n - h) + 1] = -spectrum[src + 2 * h + 1];
        }
        heap[dst + 1] = 0;
      }
    }
    if (real) for (let r = 0; r < m; r++) w._kiss_fftri(cfg, inPtr + 8 * r * hx, outPtr + 4 * r * n);
    else for (let r = 0; r < m; r++) w._kiss_fft(cfg, inPtr + 8 * r * n, outPtr + 8 * r * n);
    heap = w.HEAPF32;
    const ob = outPtr >> 2;
    if (real) out.set(heap.subarray(ob, ob + m * n), r0 * n);
    else for (let i = 0, dst = r0 * n; i < m * n; i++, dst++) out[dst] = heap[ob + 2 * i];
  }
}

/**
 * Complex FFT along the middle axis of a complex array of layout `[outer][m][inner]` (inner
 * fastest), computing only some output indices from input that is non-zero only at some indices.
 * This is one pass of a pruned separable 3D transform.
 *
 * Formula: with `len = n`, input positions `p_j = indexIn[j]` and output positions `q_i = indexOut[i]`,
 * `out[o][i][c] = sum_j src[o][j][c] * exp(s*2*pi*i*p_j*q_i/n)` with `s = -1` forward and `+1`
 * inverse (unnormalised).
 *
 * @param src complex input, interleaved `(re, im)`, complex index `(o*indexIn.length + j)*inner + c`; not modified
 * @param outer number of outer blocks
 * @param inner number of interleaved columns per block
 * @param n transform length along the axis
 * @param indexIn positions (0..n-1, distinct) of the given input samples along the axis
 * @param indexOut positions (0..n-1) of the wanted outputs
 * @param inverse true for the inverse (`+i`) transform
 * @param target optional output (length >= `2*outer*indexOut.length*inner`, not `src`), overwritten and returned
 * @returns Float32Array of length `2*outer*indexOut.length*inner` (new unless `target`), layout
 *   `[outer][indexOut.length][inner]`
 * @throws Error when called before {@link loadFft}; RangeError for invalid sizes or indices
 */
export function cfftAxis(
  src: Float32Array,
  outer: number,
  inner: number,
  n: number,
  indexIn: Int32Array,
  indexOut: Int32Array,
  inverse: boolean,
  target?: Float32Array,
): Float32Array {
  const w = getKiss();
  const mIn = indexIn.length;
  const mOut = indexOut.length;
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(outer) && outer >= 0 && Number.isInteger(inner) && inner >= 0)) {
    throw new RangeError(`cfftAxis: invalid sizes n=${n}, outer=${outer}, inner=${inner}`);
  }
  if (src.length < 2 * outer * mIn * inner) throw new RangeError(`cfftAxis: src length must be >= ${2 * outer * mIn * inner}, got ${src.length}`);
  for (const idx of [indexIn, indexOut]) for (const p of idx) if (!(p >= 0 && p < n)) throw new RangeError(`cfftAxis: index ${p} outside 0..${n - 1}`);
  if (target && target.length < 2 * outer * mOut * inner) throw new RangeError(`cfftAxis: out length must be >= ${2 * outer * mOut * inner}, got ${target.length}`);
  const out = target ?? new Float32Array(2 * outer * mOut * inner);
  if (n === 1) {
    // the identity: every output reads the single input sample
    for (let o = 0; o < outer; o++) for (let i = 0; i < mOut; i++) out.set(src.subarray(2 * o * mIn * inner, 2 * (o * mIn + 1) * inner), 2 * (o * mOut + i) * inner);
    return out;
  }
  const usePf = pffftCan(n, false);
  const p = usePf ? getPffft() : null;
  const cfg = p ? pfSetup(p, n, false) : getPlan(w, inverse ? '1ci' : '1c', [n]);
  const batch = Math.max(1, Math.min(inner, Math.floor(BATCH_BYTES / (8 * n))));
  const inPtr = p ? pfScratch(p, pfIn, 8 * batch * n) : ensureScratch(w, scratchIn, 8 * batch * n);
  const outPtr = p ? pfScratch(p, pfOut, 8 * batch * n) : ensureScratch(w, scratchOut, 8 * batch * n);
  const workPtr = p ? pfScratch(p, pfWork, 8 * n) : 0;
  const heapOf = (): Float32Array => (p ? p.HEAPF32 : w.HEAPF32);
  for (let o = 0; o < outer; o++) {
    const srcBlock = 2 * o * mIn * inner;
    const dstBlock = 2 * o * mOut * inner;
    for (let c0 = 0; c0 < inner; c0 += batch) {
      const m = Math.min(batch, inner - c0);
      let heap = heapOf();
      const ib = inPtr >> 2;
      if (mIn < n) heap.fill(0, ib, ib + 2 * m * n);
      for (let j = 0; j < mIn; j++) {
        const s0 = srcBlock + 2 * (j * inner + c0);
        const d0 = ib + 2 * indexIn[j];
        for (let c = 0; c < m; c++) {
          heap[d0 + 2 * c * n] = src[s0 + 2 * c];
          heap[d0 + 2 * c * n + 1] = src[s0 + 2 * c + 1];
        }
      }
      if (p) for (let c = 0; c < m; c++) p._pffft_transform_ordered(cfg, inPtr + 8 * c * n, outPtr + 8 * c * n, workPtr, inverse ? 1 : 0);
      else for (let c = 0; c < m; c++) w._kiss_fft(cfg, inPtr + 8 * c * n, outPtr + 8 * c * n);
      heap = heapOf();
      const ob = outPtr >> 2;
      for (let i = 0; i < mOut; i++) {
        const s0 = ob + 2 * indexOut[i];
        const d0 = dstBlock + 2 * (i * inner + c0);
        for (let c = 0; c < m; c++) {
          out[d0 + 2 * c] = heap[s0 + 2 * c * n];
          out[d0 + 2 * c + 1] = heap[s0 + 2 * c * n + 1];
        }
      }
    }
  }
  return out;
}

/**
 * {@link cfftAxis} on one block (`outer = 1`) with the result written over its input: the FFT
 * along the slow axis of a `[rows][inner]` complex array, in place. Used where a second array of
 * the block's size would not fit (the Fourier crop of very large maps).
 *
 * Formula: as {@link cfftAxis} with `outer = 1`: afterwards row `i` (`0..indexOut.length-1`) holds
 * `sum_j before[j][c] * exp(s*2*pi*i*indexIn[j]*indexOut[i]/n)`; rows from `indexOut.length` on
 * are left as they were.
 *
 * @param data complex rows, interleaved `(re, im)`, complex index `row*inner + c`, length
 *   `>= 2*max(indexIn.length, indexOut.length)*inner`; rows `0..indexIn.length-1` are the input
 *   (at the positions `indexIn`), overwritten by the output rows
 * @param inner number of complex columns
 * @param n transform length along the axis
 * @param indexIn positions (0..n-1, distinct) of the given input rows
 * @param indexOut positions (0..n-1) of the wanted output rows
 * @param inverse true for the inverse (`+i`, unnormalised) transform
 * @throws Error when called before {@link loadFft}; RangeError for invalid sizes or indices
 */
export function cfftAxisInPlace(data: Float32Array, inner: number, n: number, indexIn: Int32Array, indexOut: Int32Array, inverse: boolean): void {
  const rows = Math.max(indexIn.length, indexOut.length);
  if (data.length < 2 * rows * inner) throw new RangeError(`cfftAxisInPlace: data length must be >= ${2 * rows * inner}, got ${data.length}`);
  // Safe because cfftAxis with outer = 1 copies each batch of columns (every input row of them)
  // into wasm memory before it writes the output rows of the same columns, and no other columns.
  cfftAxis(data, 1, inner, n, indexIn, indexOut, inverse, data);
}

/** Set-up shared by the PFFFT row transforms: the real plan and scratch for a batch of rows of length n. */
function pfRealRows(n: number, rows: number): { p: PffftWasm; setup: number; batch: number; inPtr: number; outPtr: number; workPtr: number } {
  const p = getPffft();
  const setup = pfSetup(p, n, true);
  const batch = Math.max(1, Math.min(rows, Math.floor(BATCH_BYTES / (4 * n))));
  return { p, setup, batch, inPtr: pfScratch(p, pfIn, 4 * batch * n), outPtr: pfScratch(p, pfOut, 4 * batch * n), workPtr: pfScratch(p, pfWork, 4 * n) };
}

/** {@link rfftRows} with PFFFT (`pffftCan(n, true)`): ordered output is `[DC, Nyquist, re1, im1, ...]`. */
function rfftRowsPffft(data: Float32Array, n: number, rows: number, bins: number, out: Float32Array): void {
  const { p, setup, batch, inPtr, outPtr, workPtr } = pfRealRows(n, rows);
  const half = n >> 1;
  const upper = Math.min(bins, half); // bins 1..upper-1 are stored as (re, im) pairs
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const m = Math.min(batch, rows - r0);
    p.HEAPF32.set(data.subarray(r0 * n, (r0 + m) * n), inPtr >> 2);
    for (let r = 0; r < m; r++) p._pffft_transform_ordered(setup, inPtr + 4 * r * n, outPtr + 4 * r * n, workPtr, 0);
    const heap = p.HEAPF32;
    const ob = outPtr >> 2;
    for (let r = 0; r < m; r++) {
      const src = ob + r * n;
      const dst = 2 * (r0 + r) * bins;
      out[dst] = heap[src];
      out[dst + 1] = 0;
      for (let i = 2; i < 2 * upper; i++) out[dst + i] = heap[src + i];
      if (bins > half) {
        out[dst + 2 * half] = heap[src + 1];
        out[dst + 2 * half + 1] = 0;
      }
    }
  }
}

/** {@link irfftRows} with PFFFT (`pffftCan(n, true)`). */
function irfftRowsPffft(spectrum: Float32Array, n: number, rows: number, bins: number, out: Float32Array): void {
  const { p, setup, batch, inPtr, outPtr, workPtr } = pfRealRows(n, rows);
  const half = n >> 1;
  const upper = Math.min(bins, half);
  for (let r0 = 0; r0 < rows; r0 += batch) {
    const m = Math.min(batch, rows - r0);
    let heap = p.HEAPF32;
    const ib = inPtr >> 2;
    for (let r = 0; r < m; r++) {
      const src = 2 * (r0 + r) * bins;
      const dst = ib + r * n;
      heap[dst] = spectrum[src];
      heap[dst + 1] = bins > half ? spectrum[src + 2 * half] : 0;
      for (let i = 2; i < 2 * upper; i++) heap[dst + i] = spectrum[src + i];
      for (let i = 2 * upper; i < n; i++) heap[dst + i] = 0;
    }
    for (let r = 0; r < m; r++) p._pffft_transform_ordered(setup, inPtr + 4 * r * n, outPtr + 4 * r * n, workPtr, 1);
    heap = p.HEAPF32;
    const ob = outPtr >> 2;
    out.set(heap.subarray(ob, ob + m * n), r0 * n);
  }
}

function checkRows(length: number, n: number, rows: number, bins: number): void {
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(rows) && rows >= 0)) throw new RangeError(`invalid row length ${n} or row count ${rows}`);
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= (n >> 1) + 1)) throw new RangeError(`bins must be in 1..floor(n/2)+1 = ${(n >> 1) + 1}, got ${bins}`);
  if (length < rows * n) throw new RangeError(`real rows need length >= rows*n = ${rows * n}, got ${length}`);
}
