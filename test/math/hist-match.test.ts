/**
 * Histogram matching (math/hist-match.ts): the radix-sorted ranks give what a stable comparator
 * sort gives, on seeded arrays with ties, negative values and −0; analytic properties.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { histogramMatch } from '../../src/math/hist-match.js';
import { mulberry32 } from '../../src/math/random.js';

/** The definition: indices sorted by value, ties in index order; the reference resampled by rank. */
function byComparator(values: Float32Array, reference: ArrayLike<number>): Float32Array {
  const n = values.length;
  const sortedRef = Float32Array.from(reference).sort();
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const v = values.slice();
  order.sort((a, b) => v[a] - v[b] || a - b);
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[order[k]] = sortedRef[n === 1 ? 0 : Math.round((k * (sortedRef.length - 1)) / (n - 1))];
  return out;
}

describe('histogramMatch', () => {
  it('equals the stable comparator sort (ties, negatives, −0, tiny and huge magnitudes, any lengths)', () => {
    const u = mulberry32(7);
    const cases: [number, number, (i: number) => number][] = [
      [1, 4, () => u()],
      [17, 3, () => Math.round(u() * 4) - 2], // many ties
      [5000, 5000, () => (u() - 0.5) * 1e-30],
      [40_000, 12_345, () => (u() < 0.3 ? 0 : (u() - 0.5) * 1e20)],
      [70_001, 2, (i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : u() - 0.5)], // −0 and +0 tie
    ];
    for (const [n, m, f] of cases) {
      const values = Float32Array.from({ length: n }, (_, i) => f(i));
      const reference = Float32Array.from({ length: m }, () => u() * 3 - 1);
      const want = byComparator(values, reference);
      const got = histogramMatch(values.slice(), reference);
      for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], want[i]), `n ${n}, m ${m}, voxel ${i}: ${got[i]} vs ${want[i]}`);
    }
  });

  it('equal lengths: the output is the reference multiset, ordered like the input', () => {
    const u = mulberry32(3);
    const values = Float32Array.from({ length: 1000 }, () => u() - 0.5);
    const reference = Float32Array.from({ length: 1000 }, () => u() * 10);
    const out = histogramMatch(values.slice(), reference);
    assert.deepEqual(Array.from(out.slice().sort()), Array.from(reference.slice().sort()));
    for (let i = 1; i < values.length; i++) if (values[i] > values[i - 1]) assert.ok(out[i] >= out[i - 1]);
  });

  it('refuses an empty reference', () => {
    assert.throws(() => histogramMatch(new Float32Array(3), []), /reference is empty/);
  });
});
