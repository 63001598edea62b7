/**
 * Loading of the FFT WebAssembly modules (kissfft-wasm, PFFFT SIMD) and the state they share:
 * cached plans and setups, reused wasm scratch buffers. Used by ./transforms-3d.ts and ./rows.ts;
 * the public functions are re-exported by ../fft.ts.
 * @see shared/spec/libraries.md (kissfft-wasm row: loading traps on Node 20)
 */
import { createRequire } from 'node:module';

/** The part of the Emscripten module of kissfft-wasm that this wrapper uses. */
export interface KissWasm {
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
export interface PffftWasm {
  HEAPF32: Float32Array;
  /** `kind` 0 = real, 1 = complex; aborts the module for sizes it cannot do (see {@link pffftCan}). */
  _pffft_new_setup(n: number, kind: number): number;
  /** `direction` 0 = forward (e^{-i...}), 1 = backward (e^{+i...}, unnormalised). */
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  /** As `_pffft_transform_ordered`, the spectrum in PFFFT's internal order (for `_pffft_zconvolve_accumulate`). */
  _pffft_transform(setup: number, input: number, output: number, work: number, direction: number): void;
  /** `ab += a·b·scaling`, element by element, on spectra in PFFFT's internal order. */
  _pffft_zconvolve_accumulate(setup: number, a: number, b: number, ab: number, scaling: number): void;
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

export function getKiss(): KissWasm {
  if (!kiss) throw new Error('FFT not loaded: await loadFft() before calling rfft3d/irfft3d');
  return kiss;
}


// ---------------------------------------------------------------------------------------------
// Plans and scratch buffers

/** N-D real / complex plans (`r`, `ri`, `c`, `ci`) and 1D ones (`1r`, `1ri`, `1c`, `1ci`). */
export type PlanKind = 'r' | 'ri' | 'c' | 'ci' | '1r' | '1ri' | '1c' | '1ci';
/** Maximum number of cached kissfft plans (an N-D plan holds twiddles and a work buffer ~ the box). */
const MAX_PLANS = 8;
const plans = new Map<string, number>();

export function getPlan(w: KissWasm, kind: PlanKind, dims: readonly number[]): number {
  const key = `${kind}:${dims.join('x')}`;
  const cached = plans.get(key);
  if (cached !== undefined) {
    plans.delete(key);
    plans.set(key, cached);
    return cached;
  }
  let cfg = allocPlan(w, kind, dims);
  if (!cfg) {
    // the wasm heap is full of cached plans and scratch buffers of other sizes (a 512³ map
    // sharpened after a 256³ analysis: "could not allocate a plan for dims 512x512x512"): free
    // kissfft's (every caller asks for its plan before its scratch and holds no other plan, so
    // nothing in use is freed; PFFFT has its own heap) and try once more
    clearKissCache(w);
    cfg = allocPlan(w, kind, dims);
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

/** A new kissfft plan, 0 when the wasm heap cannot hold it. */
function allocPlan(w: KissWasm, kind: PlanKind, dims: readonly number[]): number {
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
  return cfg;
}

export interface Scratch {
  ptr: number;
  bytes: number;
}
export const scratchIn: Scratch = { ptr: 0, bytes: 0 };
export const scratchOut: Scratch = { ptr: 0, bytes: 0 };

export function ensureScratch(w: KissWasm, s: Scratch, bytes: number): number {
  if (s.bytes < bytes) {
    if (s.ptr) w._free(s.ptr);
    s.ptr = 0;
    s.bytes = 0;
    let ptr = w._malloc(bytes);
    if (!ptr) {
      // free the cached plans but the one in use (the caller's, asked for last) and try once more
      freeIdlePlans(w);
      ptr = w._malloc(bytes);
    }
    if (!ptr) throw new Error(`kissfft-wasm: cannot allocate ${bytes} bytes of wasm memory`);
    s.ptr = ptr;
    s.bytes = bytes;
  }
  return s.ptr;
}

/** Free every cached kissfft plan but the most recently used one. */
function freeIdlePlans(w: KissWasm): void {
  const keys = [...plans.keys()];
  for (const k of keys.slice(0, -1)) {
    w._free(plans.get(k) as number);
    plans.delete(k);
  }
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
  if (kiss) clearKissCache(kiss);
}

/** Free kissfft's cached plans and scratch buffers. */
function clearKissCache(w: KissWasm): void {
  for (const cfg of plans.values()) w._free(cfg);
  plans.clear();
  for (const s of [scratchIn, scratchOut]) {
    if (s.ptr) w._free(s.ptr);
    s.ptr = 0;
    s.bytes = 0;
  }
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
export const pfIn: Scratch = { ptr: 0, bytes: 0 };
export const pfOut: Scratch = { ptr: 0, bytes: 0 };
export const pfWork: Scratch = { ptr: 0, bytes: 0 };

export function getPffft(): PffftWasm {
  if (!pffft) throw new Error('FFT not loaded: await loadFft() before calling the FFT functions');
  return pffft;
}

export function pfSetup(p: PffftWasm, n: number, real: boolean): number {
  const key = `${real ? 'r' : 'c'}:${n}`;
  let setup = pfSetups.get(key);
  if (setup === undefined) {
    setup = p._pffft_new_setup(n, real ? 0 : 1);
    if (!setup) throw new Error(`pffft could not set up a transform of length ${n}`);
    pfSetups.set(key, setup);
  }
  return setup;
}

export function pfScratch(p: PffftWasm, s: Scratch, bytes: number): number {
  if (s.bytes < bytes) {
    if (s.ptr) p._pffft_aligned_free(s.ptr);
    s.ptr = p._pffft_aligned_malloc(bytes);
    if (!s.ptr) throw new Error(`pffft-wasm: cannot allocate ${bytes} bytes of wasm memory`);
    s.bytes = bytes;
  }
  return s.ptr;
}
