/**
 * Batched 1D transforms along rows or an axis (kissfft, or PFFFT where it can): the building blocks
 * of pruned (separable, partial) 3D transforms such as the Fourier crop of planes.
 */
import { bluesteinPlan, bluesteinTransform, useBluestein } from './bluestein.js';
import { ensureScratch, getKiss, getPffft, getPlan, pfIn, pfOut, pffftCan, pfScratch, pfSetup, pfWork, scratchIn, scratchOut, type PffftWasm } from './wasm.js';

// ---------------------------------------------------------------------------------------------
// Batched 1D transforms: the building blocks of pruned (separable, partial) 3D transforms

/** Rows (or columns) transformed per batch copied into wasm memory: about 1 MB of scratch. */
const BATCH_BYTES = 1 << 20;

/** Padding (complex values) between the columns of a batch in {@link cfftAxis}'s scratch. */
const COLUMN_PAD = 8;

/** Rows per tile of {@link cfftAxis}'s transposing copies. */
const TILE = 16;

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
  // even lengths with a large prime factor too as complex rows through Bluestein: kissfft's real
  // transform is a complex one of n/2, whose prime factor it does by its generic butterfly
  // (session 60, loaded machine, µs per row: n = 94 8.2 against 1.3, 166 42 against 4.6, 188 14
  // against 4.9, 282 14 against 7.9; 46 0.95 against 1.1)
  const real = n % 2 === 0 && n > 1 && !useBluestein(n);
  const blu = !real && useBluestein(n) ? bluesteinPlan(n, false) : null;
  const cfg = n === 1 || blu ? 0 : getPlan(w, real ? '1r' : '1c', [n]);
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
      if (blu) for (let r = 0; r < m; r++) bluesteinTransform(blu, heap, ib + 2 * r * n, heap, (outPtr >> 2) + 2 * r * n);
      else for (let r = 0; r < m; r++) w._kiss_fft(cfg, inPtr + 8 * r * n, outPtr + 8 * r * n);
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
  // as in rfftRows: even lengths with a large prime factor as complex rows through Bluestein (the
  // Hermitian completion below sets the Nyquist bin to its own conjugate: its imaginary part, which
  // kissfft's real transform ignores, then gives only the imaginary part of the output, dropped)
  const real = n % 2 === 0 && !useBluestein(n);
  const blu = !real && useBluestein(n) ? bluesteinPlan(n, true) : null;
  const cfg = blu ? 0 : getPlan(w, real ? '1ri' : '1ci', [n]);
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
    else if (blu) for (let r = 0; r < m; r++) bluesteinTransform(blu, heap, ib + 2 * r * n, heap, (outPtr >> 2) + 2 * r * n);
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
 * @param columns only the columns `c` in `[columns[0], columns[1])` are transformed (the others of
 *   `target` are left as they are), e.g. one thread's share; default all
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
  columns?: readonly [number, number],
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
  const [cBegin, cEnd] = columns ?? [0, inner];
  if (!(Number.isInteger(cBegin) && Number.isInteger(cEnd) && 0 <= cBegin && cBegin <= cEnd && cEnd <= inner)) throw new RangeError(`cfftAxis: columns [${cBegin}, ${cEnd}) outside 0..${inner}`);
  if (n === 1) {
    // the identity: every output reads the single input sample
    for (let o = 0; o < outer; o++) for (let i = 0; i < mOut; i++) out.set(src.subarray(2 * (o * mIn * inner + cBegin), 2 * (o * mIn * inner + cEnd)), 2 * ((o * mOut + i) * inner + cBegin));
    return out;
  }
  const usePf = pffftCan(n, false);
  const p = usePf ? getPffft() : null;
  const blu = !usePf && useBluestein(n) ? bluesteinPlan(n, inverse) : null;
  const cfg = p ? pfSetup(p, n, false) : blu ? 0 : getPlan(w, inverse ? '1ci' : '1c', [n]);
  // Columns sit `cs = n + 8` complex apart in the scratch: with a stride of n complex (4 KiB for
  // n = 512) every column's element j falls in the same L1 cache set, and the strided copies
  // below thrashed (they took 1.6 s of the 512³ -> 256³ crop; 64 bytes of padding keep PFFFT's
  // 16-byte alignment).
  const cs = n + COLUMN_PAD;
  const batch = Math.max(1, Math.min(cEnd - cBegin, Math.floor(BATCH_BYTES / (8 * cs))));
  const inPtr = p ? pfScratch(p, pfIn, 8 * batch * cs) : ensureScratch(w, scratchIn, 8 * batch * cs);
  const outPtr = p ? pfScratch(p, pfOut, 8 * batch * cs) : ensureScratch(w, scratchOut, 8 * batch * cs);
  const workPtr = p ? pfScratch(p, pfWork, 8 * n) : 0;
  const heapOf = (): Float32Array => (p ? p.HEAPF32 : w.HEAPF32);
  // Complex values are copied as one float64 each when both arrays are 8-byte aligned: half the
  // element moves of (re, im) float32 pairs (the copies took more time than the transforms in the
  // 512³ -> 256³ crop). Bit for bit: a float64 move copies its 8 bytes unchanged; only a NaN could
  // be altered, and the pair reads as a float64 NaN only when its imaginary part is itself
  // non-finite (its exponent bits all set), which finite transforms never produce.
  const wide = inner > 1 && src.byteOffset % 8 === 0 && out.byteOffset % 8 === 0;
  const src64 = wide ? new Float64Array(src.buffer, src.byteOffset, src.length >> 1) : undefined;
  const out64 = wide ? new Float64Array(out.buffer, out.byteOffset, out.length >> 1) : undefined;
  for (let o = 0; o < outer; o++) {
    const srcBlock = 2 * o * mIn * inner;
    const dstBlock = 2 * o * mOut * inner;
    for (let c0 = cBegin; c0 < cEnd; c0 += batch) {
      const m = Math.min(batch, cEnd - c0);
      let heap = heapOf();
      const ib = inPtr >> 2;
      if (mIn < n) heap.fill(0, ib, ib + 2 * m * cs);
      if (wide) {
        // complex values moved as float64 (bit for bit: see `wide`), four input rows at a time:
        // their columns are read contiguously and scattered to the columns of the scratch
        const h64 = new Float64Array(heap.buffer, heap.byteOffset, heap.length >> 1);
        const s64 = src64 as Float64Array;
        const ib64 = inPtr >> 3;
        let j = 0;
        for (; j + 4 <= mIn; j += 4) {
          const s = (srcBlock >> 1) + j * inner + c0;
          const d0 = ib64 + indexIn[j];
          const d1 = ib64 + indexIn[j + 1];
          const d2 = ib64 + indexIn[j + 2];
          const d3 = ib64 + indexIn[j + 3];
          for (let c = 0, e = 0; c < m; c++, e += cs) {
            const t = s + c;
            h64[d0 + e] = s64[t];
            h64[d1 + e] = s64[t + inner];
            h64[d2 + e] = s64[t + 2 * inner];
            h64[d3 + e] = s64[t + 3 * inner];
          }
        }
        for (; j < mIn; j++) {
          const s = (srcBlock >> 1) + j * inner + c0;
          const d = ib64 + indexIn[j];
          for (let c = 0; c < m; c++) h64[d + c * cs] = s64[s + c];
        }
      } else {
        // transposing copies in tiles of TILE rows: each column's TILE values are written (and,
        // below, read) together, instead of touching every column's page for each row
        for (let j0 = 0; j0 < mIn; j0 += TILE) {
          const j1 = Math.min(j0 + TILE, mIn);
          for (let c = 0; c < m; c++) {
            const d0 = ib + 2 * c * cs;
            const s0 = srcBlock + 2 * (c0 + c);
            for (let j = j0; j < j1; j++) {
              const s = s0 + 2 * j * inner;
              const d = d0 + 2 * indexIn[j];
              heap[d] = src[s];
              heap[d + 1] = src[s + 1];
            }
          }
        }
      }
      if (p) for (let c = 0; c < m; c++) p._pffft_transform_ordered(cfg, inPtr + 8 * c * cs, outPtr + 8 * c * cs, workPtr, inverse ? 1 : 0);
      else if (blu) for (let c = 0; c < m; c++) bluesteinTransform(blu, heap, ib + 2 * c * cs, heap, (outPtr >> 2) + 2 * c * cs);
      else for (let c = 0; c < m; c++) w._kiss_fft(cfg, inPtr + 8 * c * cs, outPtr + 8 * c * cs);
      heap = heapOf();
      const ob = outPtr >> 2;
      if (wide) {
        const h64 = new Float64Array(heap.buffer, heap.byteOffset, heap.length >> 1);
        const o64 = out64 as Float64Array;
        const ob64 = outPtr >> 3;
        let i = 0;
        for (; i + 4 <= mOut; i += 4) {
          const d = (dstBlock >> 1) + i * inner + c0;
          const s0 = ob64 + indexOut[i];
          const s1 = ob64 + indexOut[i + 1];
          const s2 = ob64 + indexOut[i + 2];
          const s3 = ob64 + indexOut[i + 3];
          for (let c = 0, e = 0; c < m; c++, e += cs) {
            const t = d + c;
            o64[t] = h64[s0 + e];
            o64[t + inner] = h64[s1 + e];
            o64[t + 2 * inner] = h64[s2 + e];
            o64[t + 3 * inner] = h64[s3 + e];
          }
        }
        for (; i < mOut; i++) {
          const d = (dstBlock >> 1) + i * inner + c0;
          const s = ob64 + indexOut[i];
          for (let c = 0; c < m; c++) o64[d + c] = h64[s + c * cs];
        }
      } else {
        for (let i0 = 0; i0 < mOut; i0 += TILE) {
          const i1 = Math.min(i0 + TILE, mOut);
          for (let c = 0; c < m; c++) {
            const s0 = ob + 2 * c * cs;
            const d0 = dstBlock + 2 * (c0 + c);
            for (let i = i0; i < i1; i++) {
              const s = s0 + 2 * indexOut[i];
              const d = d0 + 2 * i * inner;
              out[d] = heap[s];
              out[d + 1] = heap[s + 1];
            }
          }
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
 * @param columns only these columns (`[begin, end)`), as in {@link cfftAxis}; default all
 * @throws Error when called before {@link loadFft}; RangeError for invalid sizes or indices
 */
export function cfftAxisInPlace(data: Float32Array, inner: number, n: number, indexIn: Int32Array, indexOut: Int32Array, inverse: boolean, columns?: readonly [number, number]): void {
  const rows = Math.max(indexIn.length, indexOut.length);
  if (data.length < 2 * rows * inner) throw new RangeError(`cfftAxisInPlace: data length must be >= ${2 * rows * inner}, got ${data.length}`);
  // Safe because cfftAxis with outer = 1 copies each batch of columns (every input row of them)
  // into wasm memory before it writes the output rows of the same columns, and no other columns.
  cfftAxis(data, 1, inner, n, indexIn, indexOut, inverse, data, columns);
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
      // bins 1..upper-1 with one native copy (an element loop took 0.5 s of the 512³ crop)
      if (upper > 1) out.set(heap.subarray(src + 2, src + 2 * upper), dst + 2);
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
      if (upper > 1) heap.set(spectrum.subarray(src + 2, src + 2 * upper), dst + 2);
      heap.fill(0, dst + 2 * upper, dst + n);
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

