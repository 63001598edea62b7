/**
 * `mapDifference`: the quantiles of |a − b| that compare a reproduction with the program it reproduces.
 * `nearDomainCentre`: the voxels a window radius inside a ball-shaped domain, for the interval's coverage;
 * `intervalCoverage`: how often the interval holds the truth there.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intervalCoverage, mapDifference, nearDomainCentre } from '../../src/resolution/accuracy.js';

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

describe('nearDomainCentre', () => {
  it('selects the voxels within reach of each centre, in Å, labelled by the centre', () => {
    // 12³ box of 0.5 Å voxels; centre 1 at voxel (4, 4, 4) = 2 Å, centre 2 at voxel (9, 4, 4)
    const out = nearDomainCentre([12, 12, 12], 0.5, [[2, 2, 2], [4.5, 2, 2]], 0.5);
    const at = (x: number, y: number, z: number) => out[(z * 12 + y) * 12 + x];
    let ones = 0;
    let twos = 0;
    for (const v of out) (v === 1 ? ones++ : v === 2 ? twos++ : 0);
    assert.equal(ones, 7); // the centre and its six face neighbours (0.5 Å away); edges are 0.71 Å
    assert.equal(twos, 7);
    assert.equal(at(4, 4, 4), 1);
    assert.equal(at(5, 4, 4), 1);
    assert.equal(at(5, 5, 4), 0);
    assert.equal(at(9, 4, 5), 2);
    assert.equal(nearDomainCentre([4, 4, 4], 1, [[1, 1, 1]], 0).reduce((a, b) => a + b, 0), 0); // no reach, nothing
  });
});

describe('intervalCoverage', () => {
  it('counts the voxels selected and inside the mask whose interval holds the truth (1e-4 Å slack), with their median width', () => {
    const low = [1, 2, 3, 4, 5, 0];
    const high = [2, 3, 4, 5, 6, 100];
    const truth = [1.5, 3.00005, 5, 4, 9, 50]; // in, in (slack), out, in, out (not selected), in (masked out)
    const select = [1, 2, 1, 1, 0, 1];
    const mask = [1, 1, 1, 0.6, 1, 0.4];
    assert.deepEqual(intervalCoverage(low, high, truth, select, mask), { voxels: 4, covered: 3, medianWidthA: 1 });
    assert.ok(Number.isNaN(intervalCoverage([1], [2], [1.5], [0], [1]).medianWidthA));
  });
});
