/**
 * Whole-map passes in WebAssembly SIMD (hand-written in `wasm/voxel-kernels.wat`): the value
 * range, the histogram tally and the per-voxel bin lookup of the confidence map. Chunks of the
 * map are copied into the module's memory (a memcpy), so maps stay in ordinary JS memory.
 *
 * Why not JavaScript: `npm run bench` measured these loops at 3–4 ns per voxel in V8 (float64
 * conversion, bounds checks, one voxel at a time), i.e. 50–80 ms per pass over a 256³ map, and the
 * estimate makes six such passes on its critical path; the SIMD versions take a fraction of that.
 * Bins are computed in float64 exactly as the JavaScript reference (`binIndex` in histogram.ts), so both
 * give identical histograms (tested).
 * @see shared/spec/occupy-algorithm.md §5.2, §7.1, §7.5
 */
import { WASM_BASE64 } from './wasm/voxel-kernels.wasm.js';

interface Kernels {
  memory: WebAssembly.Memory;
  range(p: number, n: number, out: number): void;
  histogram(p: number, n: number, lo: number, inv: number, last: number, tally: number): void;
  lookup(p: number, n: number, lo: number, inv: number, last: number, table: number, out: number): void;
}

/** Floats per chunk copied into wasm memory (256 KiB). */
const CHUNK = 1 << 16;
/** Byte layout: [0, 16) scratch for results; then the table/tally (up to MAX_BINS); then the chunk. */
const MAX_BINS = 1 << 16;
const TABLE = 16;
const DATA = TABLE + 4 * MAX_BINS;
const BYTES = DATA + 4 * CHUNK;

let instance: Kernels | undefined;
function kernels(): Kernels {
  if (!instance) {
    const module = new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
    instance = new WebAssembly.Instance(module).exports as unknown as Kernels;
    const have = instance.memory.buffer.byteLength;
    if (BYTES > have) instance.memory.grow(Math.ceil((BYTES - have) / 65536));
  }
  return instance;
}

/** A selection of `data` as `[start, end)` index runs (e.g. one per row). */
export interface IndexRuns {
  count: number;
  begin(r: number): number;
  end(r: number): number;
}

/** Visit `data[begin, end)` in chunks copied to wasm memory at DATA. */
function forChunks(k: Kernels, data: Float32Array, begin: number, end: number, fn: (n: number, offset: number) => void): void {
  const mem = new Float32Array(k.memory.buffer);
  for (let i = begin; i < end; i += CHUNK) {
    const n = Math.min(CHUNK, end - i);
    mem.set(data.subarray(i, i + n), DATA >> 2);
    fn(n, i);
  }
}

/** Visit the selected values in chunks gathered into wasm memory at DATA (all of `data` without runs). */
function forSelected(k: Kernels, data: Float32Array, runs: IndexRuns | undefined, fn: (n: number) => void): void {
  if (!runs) {
    forChunks(k, data, 0, data.length, fn);
    return;
  }
  const mem = new Float32Array(k.memory.buffer);
  let fill = 0;
  for (let r = 0; r < runs.count; r++) {
    let a = runs.begin(r);
    const e = runs.end(r);
    while (a < e) {
      const n = Math.min(e - a, CHUNK - fill);
      mem.set(data.subarray(a, a + n), (DATA >> 2) + fill);
      fill += n;
      a += n;
      if (fill === CHUNK) {
        fn(fill);
        fill = 0;
      }
    }
  }
  if (fill > 0) fn(fill);
}

/**
 * Minimum and maximum of the selected values (NaN when any is NaN; `{Infinity, -Infinity}` when
 * nothing is selected).
 * @param data values (float32)
 * @param runs the selection as index runs, or undefined for all of `data`
 */
export function simdRange(data: Float32Array, runs?: IndexRuns): { min: number; max: number } {
  const k = kernels();
  let min = Infinity;
  let max = -Infinity;
  const f = new Float32Array(k.memory.buffer, 0, 2);
  forSelected(k, data, runs, (n) => {
    k.range(DATA, n, 0);
    min = Math.min(min, f[0]);
    max = Math.max(max, f[1]);
  });
  return { min, max };
}

/**
 * Add the bins of the selected values to `tally`: `tally[b]++` with
 * `b = min(tally.length - 1, max(0, trunc((v - lo) * inv)))` in float64.
 *
 * @param data values (float32)
 * @param runs the selection as index runs, or undefined for all of `data`
 * @param lo lower edge of bin 0
 * @param inv 1 / bin width
 * @param tally counts per bin, length 1..65536; incremented in place
 */
export function simdTally(data: Float32Array, runs: IndexRuns | undefined, lo: number, inv: number, tally: Uint32Array): void {
  const k = kernels();
  const nb = tally.length;
  if (nb < 1 || nb > MAX_BINS) throw new RangeError(`simdTally: 1..${MAX_BINS} bins, got ${nb}`);
  new Uint32Array(k.memory.buffer, TABLE, nb).set(tally);
  forSelected(k, data, runs, (n) => k.histogram(DATA, n, lo, inv, nb - 1, TABLE));
  tally.set(new Uint32Array(k.memory.buffer, TABLE, nb));
}

/**
 * `out[i] = table[b(data[i])]` with the bins of {@link simdTally}.
 * @param data values, length N
 * @param lo lower edge of bin 0
 * @param inv 1 / bin width
 * @param table value per bin, length 1..65536
 * @param out result, length N (may be `data` itself)
 */
export function simdLookup(data: Float32Array, lo: number, inv: number, table: Float32Array, out: Float32Array): void {
  const k = kernels();
  const nb = table.length;
  if (nb < 1 || nb > MAX_BINS) throw new RangeError(`simdLookup: 1..${MAX_BINS} bins, got ${nb}`);
  if (out.length !== data.length) throw new RangeError(`simdLookup: out length ${out.length} differs from data length ${data.length}`);
  new Float32Array(k.memory.buffer, TABLE, nb).set(table);
  const mem = new Float32Array(k.memory.buffer);
  forChunks(k, data, 0, data.length, (n, offset) => {
    k.lookup(DATA, n, lo, inv, nb - 1, TABLE, DATA);
    out.set(mem.subarray(DATA >> 2, (DATA >> 2) + n), offset);
  });
}
