/** `mapDifference`: the quantiles of |a − b| that compare a reproduction with the program it reproduces. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mapDifference } from '../../src/resolution/accuracy.js';

describe('mapDifference', () => {
  it('gives the median and 90th percentile of |a − b| over the selected voxels only', () => {
    // ten selected voxels with |a − b| = 0..9 (signs mixed), and two unselected ones far apart
    const a = [0, 11, 12, 13, 4, 15, 6, 17, 8, 19, 100, -100];
    const b = [0, 10, 10, 10, 8, 10, 12, 10, 16, 10, 0, 0];
    const sel = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0.5];
    const d = mapDifference(a, b, sel);
    assert.equal(d.medianA, 5);
    assert.equal(d.p90A, 9);
  });
  it('is 0 for identical maps, and refuses mismatched lengths or an empty selection', () => {
    assert.deepEqual(mapDifference([3, 4, 5], [3, 4, 5], [1, 1, 1]), { medianA: 0, p90A: 0 });
    assert.throws(() => mapDifference([1, 2], [1], [1, 1]), RangeError);
    assert.throws(() => mapDifference([1, 2], [1, 2], [0, 0]), /no voxel selected/);
  });
});
