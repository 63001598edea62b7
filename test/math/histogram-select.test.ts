/**
 * Density histograms (spec §5.2, §7.1), the quickselect used by the tile search and basic
 * statistics, against brute-force references.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { binIndex, densityHistogram } from '../../src/math/histogram.js';
import { selectKth } from '../../src/math/select.js';
import { arrayStats, pearson } from '../../src/math/statistics.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';

function normals(n: number, seed: number, mu = 0, sigma = 1): Float32Array {
  const g = gaussianSampler(mulberry32(seed));
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = mu + sigma * g();
  return d;
}

describe('densityHistogram', () => {
  it('integrates to 1 (sum(density) × width), counts add up, lo/hi are the data range', () => {
    const data = normals(20000, 1, 0.3, 0.05);
    const h = densityHistogram(data, 1000);
    let s = 0;
    let c = 0;
    for (let b = 0; b < 1000; b++) {
      s += h.density[b] * h.width;
      c += h.counts[b];
    }
    assert.ok(Math.abs(s - 1) < 1e-12, `integral ${s}`);
    assert.equal(c, 20000);
    const st = arrayStats(data);
    assert.equal(h.lo, st.min);
    assert.equal(h.hi, st.max);
    assert.ok(Math.abs(h.width - (st.max - st.min) / 1000) < 1e-15);
  });

  it('the maximum falls in the last bin and the minimum in bin 0 (numpy convention)', () => {
    const data = normals(5000, 2);
    const h = densityHistogram(data, 1000);
    const st = arrayStats(data);
    assert.equal(binIndex(st.max, h.lo, h.width, 1000), 999);
    assert.equal(binIndex(st.min, h.lo, h.width, 1000), 0);
    assert.ok(h.counts[999] >= 1);
    assert.ok(h.counts[0] >= 1);
  });

  it('matches a brute-force count with numpy edges: [0..9] in 10 bins → one per bin; [0, .5, 1] in 2 bins → 1, 2', () => {
    const h = densityHistogram(Float64Array.from({ length: 10 }, (_, i) => i), 10);
    assert.deepEqual([...h.counts], new Array(10).fill(1));
    const g = densityHistogram([0, 0.5, 1], 2);
    assert.deepEqual([...g.counts], [1, 2]);
    assert.deepEqual([...g.density], [1 / (3 * 0.5), 2 / (3 * 0.5)]);
  });

  it('counts per bin equal a brute-force edge test on random data', () => {
    const data = normals(3000, 3);
    const h = densityHistogram(data, 37);
    const brute = new Array(37).fill(0);
    for (const v of data) {
      let b = 36;
      for (let i = 0; i < 37; i++) {
        if (v < h.lo + (i + 1) * h.width) { b = i; break; }
      }
      brute[b]++;
    }
    // Values within float rounding of an edge may land on either side; allow that many.
    let diff = 0;
    for (let b = 0; b < 37; b++) diff += Math.abs(brute[b] - h.counts[b]);
    assert.ok(diff <= 2, `brute ${brute} vs ${[...h.counts]}`);
  });

  it('a selection counts only the selected values', () => {
    const data = [10, 1, 2, 3, -50, 4];
    const h = densityHistogram(data, 3, [0, 1, 1, 1, 0, 1]);
    assert.equal(h.lo, 1);
    assert.equal(h.hi, 4);
    assert.deepEqual([...h.counts], [1, 1, 2]);
  });

  it('RangeError on constant data and on an empty selection', () => {
    assert.throws(() => densityHistogram(new Float32Array(100).fill(0.25)), (e: unknown) => e instanceof RangeError && /contrast|equal/.test(e.message));
    assert.throws(() => densityHistogram([1, 2, 3], 10, [0, 0, 0]), RangeError);
  });
});

describe('selectKth equals sort()[k]', () => {
  it('random Float32 arrays with many duplicates, every k, lengths 1..120', () => {
    const rand = mulberry32(42);
    for (let n = 1; n <= 120; n++) {
      const base = Float32Array.from({ length: n }, () => Math.floor(rand() * 7) - 3 + (rand() < 0.3 ? 0.5 : 0));
      const sorted = Float32Array.from(base).sort();
      for (let k = 0; k < n; k++) {
        const scratch = Float32Array.from(base);
        assert.equal(selectKth(scratch, n, k), sorted[k], `n ${n}, k ${k}`);
      }
    }
  });

  it('random Float64 arrays of distinct values, every k; sorted, reversed and all-equal inputs', () => {
    const rand = mulberry32(7);
    for (const n of [2, 3, 10, 101, 500]) {
      const base = Float64Array.from({ length: n }, () => rand() - 0.5);
      const inputs = [base, Float64Array.from(base).sort(), Float64Array.from(base).sort().reverse(), new Float64Array(n).fill(3)];
      for (const inp of inputs) {
        const sorted = Float64Array.from(inp).sort();
        for (let k = 0; k < n; k++) assert.equal(selectKth(Float64Array.from(inp), n, k), sorted[k], `n ${n}, k ${k}`);
      }
    }
  });

  it('considers only the first `count` entries of the buffer and permutes them in place', () => {
    const buf = Float32Array.from([5, 3, 9, 1, 7, -100, -200, 1000]);
    const v = selectKth(buf, 5, 4);
    assert.equal(v, 9);
    assert.deepEqual([...buf.subarray(0, 5)].sort((a, b) => a - b), [1, 3, 5, 7, 9]);
    assert.deepEqual([...buf.subarray(5)], [-100, -200, 1000]);
  });
});

describe('statistics', () => {
  it('pearson(a, 2a + 1) = 1 and pearson(a, -a) = -1', () => {
    const a = normals(1000, 9);
    const b = a.map((v) => 2 * v + 1);
    const c = a.map((v) => -v);
    assert.ok(Math.abs(pearson(a, b) - 1) < 1e-6, `${pearson(a, b)}`);
    assert.ok(Math.abs(pearson(a, c) + 1) < 1e-12, `${pearson(a, c)}`);
  });

  it('pearson over a mask ignores unselected voxels', () => {
    const a = [1, 2, 3, 4, 100];
    const b = [2, 4, 6, 8, -100];
    assert.ok(Math.abs(pearson(a, b, [1, 1, 1, 1, 0]) - 1) < 1e-12);
    assert.ok(pearson(a, b) < 0);
  });

  it('pearson is NaN for a constant series and throws on mismatched lengths', () => {
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
    assert.throws(() => pearson([1, 2], [1, 2, 3]), RangeError);
  });

  it('arrayStats: min, max, mean and population std of a known array', () => {
    const s = arrayStats([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.deepEqual(s, { min: 2, max: 9, mean: 5, std: 2 });
    assert.throws(() => arrayStats([]), RangeError);
  });
});
