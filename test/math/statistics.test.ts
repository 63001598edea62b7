/**
 * Small-list statistics of src/math/statistics.ts against values worked out by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleStdOf } from '../../src/math/statistics.js';

test('sampleStdOf: n − 1 in the denominator, non-finite entries left out, NaN below two', () => {
  // 1, 2, 3, 4: mean 2.5, squared deviations 5, sample variance 5/3
  assert.ok(Math.abs(sampleStdOf([1, 2, 3, 4]) - Math.sqrt(5 / 3)) < 1e-15);
  assert.equal(sampleStdOf([1, Number.NaN, 2, 3, Infinity, 4]), sampleStdOf([1, 2, 3, 4]));
  assert.equal(sampleStdOf([7, 7, 7]), 0);
  assert.ok(Number.isNaN(sampleStdOf([3])));
  assert.ok(Number.isNaN(sampleStdOf([Number.NaN, 3])));
  assert.ok(Number.isNaN(sampleStdOf([])));
});
