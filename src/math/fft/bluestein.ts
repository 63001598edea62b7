/**
 * Bluestein's algorithm (the chirp z-transform) for complex 1D transforms of lengths with a large
 * prime factor: kissfft does a prime factor p by a generic butterfly of about n·p operations, so a
 * 94-voxel box (2 × 47) transformed about seven times slower per point than a 96-voxel one. Here the
 * length-n DFT is a circular convolution of length M ≥ 2n − 1 done by PFFFT (SIMD; M = 2^a·3^b·5^c,
 * a multiple of 16), whose cost no longer grows with the prime factor.
 *
 * Formula (`s = −1` forward, `+1` inverse, unnormalised): with the chirp `w_j = exp(s·iπ·j²/n)`,
 * `X_k = Σ_j x_j exp(s·2πi·jk/n) = w_k · Σ_j (x_j·w_j)·conj(w_{k−j})`, since
 * `2jk = j² + k² − (k − j)²`.
 *
 * @see L. Bluestein, "A linear filtering approach to the computation of the discrete Fourier
 *   transform", IEEE Trans. Audio Electroacoust. 18 (1970) 451–455
 */
import { getPffft, pffftCan, type PffftWasm } from './wasm.js';

/** A length's Bluestein transform in one direction: chirp, padded length and PFFFT buffers. */
export interface BluesteinPlan {
  n: number;
  /** Padded convolution length (complex values). */
  m: number;
  inverse: boolean;
  /** `w_j` interleaved `(re, im)`, `j = 0..n-1`, rounded from double precision. */
  chirp: Float32Array;
  setup: number;
  /** Byte offsets in PFFFT's heap: the chirped input (zero beyond n), its transform, the product, the output, work, and the kernel's transform. */
  a: number;
  af: number;
  ab: number;
  out: number;
  work: number;
  kernel: number;
}

/** Largest prime factor of n (n >= 1). */
export function largestPrimeFactor(n: number): number {
  let m = n;
  let largest = 1;
  for (let p = 2; p * p <= m; p++) {
    while (m % p === 0) {
      largest = p;
      m /= p;
    }
  }
  return m > 1 ? Math.max(largest, m) : largest;
}

/**
 * Smallest prime factor from which {@link useBluestein} takes a length: kissfft's generic
 * butterfly costs about n·p, the convolution about 4·M·log M at M ≈ 2n to 4n. Measured in session
 * 59 (one complex transform, loaded machine): n = 38 (19 × 2) kissfft 2–5 µs, Bluestein 5–7 µs;
 * n = 46 (23 × 2) 10–13 against 6–9 µs; n = 94 30–53 against 10 µs; n = 282 113–115 against
 * 29–35 µs. Errors against a double-precision DFT: 1–2·10⁻⁷ (kissfft) and 2–3·10⁻⁷ (Bluestein)
 * of the largest coefficient.
 */
export const BLUESTEIN_MIN_PRIME = 23;

/** Whether complex transforms of length n go through Bluestein (a prime factor of at least {@link BLUESTEIN_MIN_PRIME}). */
export function useBluestein(n: number): boolean {
  return Number.isInteger(n) && n > 1 && largestPrimeFactor(n) >= BLUESTEIN_MIN_PRIME;
}

/** Smallest complex length PFFFT takes that is at least `min`. */
export function paddedLength(min: number): number {
  let m = Math.max(16, Math.ceil(min / 16) * 16);
  while (!pffftCan(m, false)) m += 16;
  return m;
}

/** Plans by length and direction (a few kilobytes each; sizes in use are few). */
const plans = new Map<string, BluesteinPlan>();

/** The cached plan of length n in one direction. Precondition: `await loadFft()` has resolved. */
export function bluesteinPlan(n: number, inverse: boolean): BluesteinPlan {
  const key = `${inverse ? 'i' : 'f'}:${n}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const p = getPffft();
  const m = paddedLength(2 * n - 1);
  const s = inverse ? 1 : -1;
  // w_j with j² mod 2n in integers (the angle stays exact for large j), in double precision
  const exact = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    const t = (s * Math.PI * ((j * j) % (2 * n))) / n;
    exact[2 * j] = Math.cos(t);
    exact[2 * j + 1] = Math.sin(t);
  }
  const chirp = Float32Array.from(exact);
  const setup = p._pffft_new_setup(m, 1);
  if (!setup) throw new Error(`pffft could not set up a transform of length ${m}`);
  const bytes = 8 * m;
  const alloc = (): number => {
    const ptr = p._pffft_aligned_malloc(bytes);
    if (!ptr) throw new Error(`pffft-wasm: cannot allocate ${bytes} bytes of wasm memory`);
    return ptr;
  };
  const plan: BluesteinPlan = { n, m, inverse, chirp, setup, a: alloc(), af: alloc(), ab: alloc(), out: alloc(), work: alloc(), kernel: alloc() };
  // the kernel conj(w_k) at k = -(n-1)..n-1, circular, transformed once (double-precision chirp)
  const heap = p.HEAPF32;
  const kb = plan.kernel >> 2;
  heap.fill(0, kb, kb + 2 * m);
  heap.fill(0, plan.a >> 2, (plan.a >> 2) + 2 * m);
  for (let j = 0; j < n; j++) {
    const re = exact[2 * j];
    const im = -exact[2 * j + 1];
    heap[kb + 2 * j] = re;
    heap[kb + 2 * j + 1] = im;
    if (j > 0) {
      heap[kb + 2 * (m - j)] = re;
      heap[kb + 2 * (m - j) + 1] = im;
    }
  }
  p._pffft_transform(setup, plan.kernel, plan.kernel, plan.work, 0);
  plans.set(key, plan);
  return plan;
}

/**
 * One complex transform of length `plan.n` by Bluestein: `n` interleaved `(re, im)` values from
 * `src` at float index `srcAt`, the result to `dst` at `dstAt` (unnormalised, the direction of the
 * plan). `src` and `dst` may be views of another wasm module's heap (kissfft's), or the same array
 * at the same place.
 */
export function bluesteinTransform(plan: BluesteinPlan, src: Float32Array, srcAt: number, dst: Float32Array, dstAt: number): void {
  const p: PffftWasm = getPffft();
  const { n, m, chirp } = plan;
  const heap = p.HEAPF32;
  timesChirp(chirp, n, src, srcAt, heap, plan.a >> 2);
  p._pffft_transform(plan.setup, plan.a, plan.af, plan.work, 0);
  const ab = plan.ab >> 2;
  heap.fill(0, ab, ab + 2 * m);
  p._pffft_zconvolve_accumulate(plan.setup, plan.af, plan.kernel, plan.ab, 1 / m);
  p._pffft_transform(plan.setup, plan.ab, plan.out, plan.work, 1);
  timesChirp(chirp, n, heap, plan.out >> 2, dst, dstAt);
}

/** `dst[k] = src[k]·chirp[k]` for n complex values (interleaved `(re, im)`, float indices `srcAt`, `dstAt`). */
function timesChirp(chirp: Float32Array, n: number, src: Float32Array, srcAt: number, dst: Float32Array, dstAt: number): void {
  for (let k = 0; k < n; k++) {
    const xr = src[srcAt + 2 * k], xi = src[srcAt + 2 * k + 1];
    const wr = chirp[2 * k], wi = chirp[2 * k + 1];
    dst[dstAt + 2 * k] = xr * wr - xi * wi;
    dst[dstAt + 2 * k + 1] = xr * wi + xi * wr;
  }
}
