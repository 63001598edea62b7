/**
 * The per-voxel loops of the diagnostics in WebAssembly (hand-written, scalar:
 * `src/math/wasm/diagnostic-kernels.wat`), with a bump allocator over the module's memory.
 *
 * Why: the diagnostics run once per command, so their JavaScript loops ran unoptimised (V8 tiers a
 * function up only after it has run a while, and boxes every double until then): the first call in
 * a process took 3–5× a warm call (~0.35 s instead of ~0.12 s at 256³). WebAssembly is compiled
 * before it runs. Each kernel does the JavaScript it replaces operation for operation, so the
 * measurements are bit-identical (docs/diagnostics.md, "Speed").
 * @see docs/diagnostics.md
 */
import { WASM_BASE64 } from '../math/wasm/diagnostic-kernels.wasm.js';

/** The exports of diagnostic-kernels.wat (pointers are byte offsets into `memory`). */
export interface DiagnosticKernels {
  memory: WebAssembly.Memory;
  sum(p: number, n: number): number;
  bin(src: number, mx: number, my: number, mbx: number, mby: number, mbz: number, bin: number, dst: number, z0: number, z1: number): void;
  upsampleWeights(
    coarse: number, nx: number, ny: number, nz: number, mx: number, my: number, mz: number,
    i0x: number, i1x: number, fx: number, i0y: number, i1y: number, fy: number, i0z: number, i1z: number, fz: number,
    rowX: number, yz: number, cube: number, wx: number, wy: number, wz: number, w: number, sums: number,
    stage: 1 | 2 | 3, from: number, to: number,
  ): void;
  weightAndTaper(w: number, cube: number, mx: number, my: number, mz: number, wx: number, wy: number, wz: number, solventMean: number, mean: number): void;
  shellIndex(shell: number, hx: number, ny: number, nz: number, fx2: number, ey: number, ez: number, df: number, nShells: number, z0: number, z1: number): void;
  shellPower(spec: number, n: number, hx: number, nyqX: number, shell: number, p: number, count: number): void;
  samplePlane(
    rows: number, nx: number, stride: number, sx: number, sy: number, iz: number, be: number, bx: number, by: number,
    bSum: number, bSq: number, bN: number, hist: number, min: number, invW: number, lo: number, hi: number, mode: number, acc: number,
  ): void;
  rangePlane(rows: number, nx: number, stride: number, sx: number, sy: number, acc: number): number;
  sumSquares(p: number, n: number, out: number): void;
  threshold(p: number, n: number, thr: number): void;
  sortedMode(p: number, n: number, out: number): void;
  packRows(src: number, nx: number, rows: number, len: number, dst: number): void;
  gaussianMultiply(spec: number, hx: number, ny: number, nz: number, gx: number, gy: number, gz: number): void;
}

let instance: DiagnosticKernels | undefined;

/** The kernels (instantiated on first use). */
export function diagnosticKernels(): DiagnosticKernels {
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'))).exports as unknown as DiagnosticKernels;
  return instance;
}

/** An array in the kernels' memory: its byte offset `p` and a view `a` on it. */
export interface Slot<T> {
  p: number;
  a: T;
}

/**
 * Bump allocator over the kernels' memory for one computation. The memory is grown once, by the
 * constructor, to `bytes`; every slot's view stays valid until the next arena is made (a later
 * `Arena` reuses the same memory). Slots are 16-byte aligned and hold whatever was there before.
 */
export class Arena {
  readonly k: DiagnosticKernels;
  private top = 0;
  private readonly limit: number;
  /** @param bytes the total size of the slots to be taken (plus 16 bytes of alignment each) */
  constructor(bytes: number) {
    this.k = diagnosticKernels();
    const have = this.k.memory.buffer.byteLength;
    bytes += 1024; // alignment of up to 64 slots beyond those counted
    if (bytes > have) this.k.memory.grow(Math.ceil((bytes - have) / 65536));
    this.limit = this.k.memory.buffer.byteLength;
  }
  private take(bytes: number): number {
    const p = this.top;
    this.top = (p + bytes + 15) & ~15;
    if (this.top > this.limit) throw new RangeError(`diagnostic kernels: arena of ${this.limit} bytes exhausted`);
    return p;
  }
  /** A slot of `n` float32 values (contents undefined). @throws RangeError beyond the arena's size */
  f32(n: number): Slot<Float32Array> {
    const p = this.take(4 * n);
    return { p, a: new Float32Array(this.k.memory.buffer, p, n) };
  }
  /** A slot of `n` float64 values (contents undefined). @throws RangeError beyond the arena's size */
  f64(n: number): Slot<Float64Array> {
    const p = this.take(8 * n);
    return { p, a: new Float64Array(this.k.memory.buffer, p, n) };
  }
  /** A slot of `n` int32 values (contents undefined). @throws RangeError beyond the arena's size */
  i32(n: number): Slot<Int32Array> {
    const p = this.take(4 * n);
    return { p, a: new Int32Array(this.k.memory.buffer, p, n) };
  }
  /** An f64 slot holding `values`. */
  f64Of(values: Float64Array): Slot<Float64Array> {
    const s = this.f64(values.length);
    s.a.set(values);
    return s;
  }
  /** An i32 slot holding `values`. */
  i32Of(values: Int32Array): Slot<Int32Array> {
    const s = this.i32(values.length);
    s.a.set(values);
    return s;
  }
}

/**
 * Copy the sub-box at offset `o` of shape `m` of a map (shape `shape`, x fastest) into `dst` (packed,
 * x fastest): a plane at a time, its rows copied in one piece into `stage` (at least
 * (m[1] − 1)·nx + m[0] floats) and packed by the kernel.
 */
export function cropInto(A: Arena, data: Float32Array, shape: readonly number[], o: readonly number[], m: readonly number[], stage: Slot<Float32Array>, dst: Slot<Float32Array>): void {
  const [nx, ny] = shape;
  const len = (m[1] - 1) * nx + m[0];
  for (let z = 0; z < m[2]; z++) {
    const src = ((z + o[2]) * ny + o[1]) * nx + o[0];
    stage.a.set(data.subarray(src, src + len));
    A.k.packRows(stage.p, nx, m[1], m[0], dst.p + 4 * z * m[0] * m[1]);
  }
}

/**
 * Run `fn(from, to)` over `[0, n)` in pieces of `step`: the kernels take their work a few planes
 * at a time, so that V8's optimising tier (compiled in the background once a kernel has run a
 * while; WebAssembly has no on-stack replacement) serves the later calls of a long loop.
 */
export function inPieces(n: number, step: number, fn: (from: number, to: number) => void): void {
  for (let a = 0; a < n; a += step) fn(a, Math.min(n, a + step));
}

/** Bytes of an arena holding slots of these byte sizes (with alignment). */
export function arenaBytes(...sizes: number[]): number {
  return sizes.reduce((s, b) => s + b + 16, 0);
}
