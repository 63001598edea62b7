/**
 * The FFT wrapper's recovery from a full wasm heap (src/math/fft/wasm.ts): `getPlan` frees every
 * cached kissfft plan and the scratch buffers and tries once more; `ensureScratch` frees the idle
 * plans but the caller's (the most recently used) and tries once more. A real full heap needs a
 * 512³ run (README, "Large boxes"), so these tests drive both functions with a stand-in for the
 * kissfft module whose heap holds a fixed number of bytes (its own dims, never the real module's:
 * the plan cache is shared by the process).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ensureScratch, getPlan, scratchIn, scratchOut, type KissWasm } from '../../src/math/fft/wasm.js';

/** A kissfft stand-in with a heap of `capacity` bytes; each N-D or 1D plan costs `planBytes`. */
function fakeKiss(capacity: number, planBytes: number) {
  const live = new Map<number, number>();
  let used = 0;
  let next = 16;
  const malloc = (bytes: number): number => {
    if (used + bytes > capacity) return 0;
    const p = next;
    next += bytes + 16;
    used += bytes;
    live.set(p, bytes);
    return p;
  };
  const free = (p: number): void => {
    const b = live.get(p);
    if (b === undefined) return;
    used -= b;
    live.delete(p);
  };
  const plan = (): number => malloc(planBytes);
  const w: KissWasm = {
    HEAPF32: new Float32Array(0),
    HEAP32: new Int32Array(1 << 16),
    _malloc: malloc,
    _free: free,
    _kiss_fftnd_alloc: plan,
    _kiss_fftnd: () => {},
    _kiss_fftndr_alloc: plan,
    _kiss_fftndr: () => {},
    _kiss_fftndri: () => {},
    _kiss_fft_alloc: plan,
    _kiss_fft: () => {},
    _kiss_fftr_alloc: plan,
    _kiss_fftr: () => {},
    _kiss_fftri: () => {},
  };
  return { w, live, used: () => used };
}

describe('FFT wasm heap: plans and scratch freed and retried when the heap is full', () => {
  test('getPlan frees the cached plans and scratch buffers, then allocates the new plan', () => {
    const k = fakeKiss(1000, 250);
    const sIn = ensureScratch(k.w, scratchIn, 300);
    const a = getPlan(k.w, 'c', [7, 11, 13]);
    const b = getPlan(k.w, 'ci', [7, 11, 13]);
    assert.deepEqual([...k.live.keys()].sort((x, y) => x - y), [sIn, a, b].sort((x, y) => x - y));
    assert.equal(k.used(), 800);
    // a third plan does not fit beside them (800 + 250 > 1000): all three are freed, the plan made
    const c = getPlan(k.w, 'r', [7, 11, 14]);
    assert.ok(c > 0);
    assert.deepEqual([...k.live.keys()], [c]);
    assert.equal(k.used(), 250);
    assert.equal(scratchIn.ptr, 0);
    assert.equal(scratchIn.bytes, 0);
    // the cache now holds only the new plan: asking again returns it, asking for a freed one makes a new one
    assert.equal(getPlan(k.w, 'r', [7, 11, 14]), c);
    const a2 = getPlan(k.w, 'c', [7, 11, 13]);
    assert.ok(a2 > 0 && a2 !== a);
    assert.equal(k.used(), 500);
  });

  test('getPlan throws a clear error when the plan does not fit even in an empty heap', () => {
    const k = fakeKiss(200, 250);
    assert.throws(() => getPlan(k.w, 'c', [5, 9, 17]), /kissfft could not allocate a plan for dims 5x9x17 \(out of wasm memory\?\)/);
    assert.equal(k.used(), 0);
  });

  test('ensureScratch frees every cached plan but the one asked for last, then allocates', () => {
    const k = fakeKiss(1000, 250);
    const older = getPlan(k.w, 'c', [3, 11, 13]);
    const last = getPlan(k.w, 'ci', [3, 11, 13]);
    // 500 + 600 > 1000: the older plan goes, the caller's stays
    const p = ensureScratch(k.w, scratchOut, 600);
    assert.ok(p > 0);
    assert.ok(k.live.has(last));
    assert.ok(!k.live.has(older));
    assert.equal(k.used(), 850);
    assert.equal(scratchOut.ptr, p);
    assert.equal(scratchOut.bytes, 600);
    // still cached
    assert.equal(getPlan(k.w, 'ci', [3, 11, 13]), last);
    // a buffer that fits no heap: one clear error
    assert.throws(() => ensureScratch(k.w, scratchOut, 2000), /kissfft-wasm: cannot allocate 2000 bytes of wasm memory/);
  });
});
