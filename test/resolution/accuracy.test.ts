/**
 * `mapDifference`: the quantiles of |a − b| that compare a reproduction with the program it reproduces.
 * `nearDomainCentre`: the voxels a window radius inside a ball-shaped domain, for the interval's coverage;
 * `intervalCoverage`: how often the interval holds the truth there.
 * `finestValueShare`: issue 16's pinned figure, per voxel (at the finest value and the truth coarser than it by more than a box shell).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { finestValueShare, intervalCoverage, mapDifference, nearDomainCentre } from '../../src/resolution/accuracy.js';
import { emptyBeyondA } from '../../src/resolution/prewhiten.js';

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

describe('finestValueShare (issue 16: "≤ 2 % at the finest reported value unless the truth is that fine")', () => {
  it('at a content limit: the domain whose cut the limit measures is that fine, a coarser one read there is a miss', () => {
    // random 27017's case: 128³ box of 1.43 Å voxels, finest domain cut at 7.5 Å; the half maps
    // hold nothing from the first shell whose inner edge lies beyond 1/7.5 Å⁻¹ (emptyShells' shells:
    // shell s covers (s ± 0.5)·Δk), so the content limit is a little finer than the cut
    const dk = 1 / (128 * 1.43);
    const first = Math.ceil(1 / 7.5 / dk + 0.5);
    const empty = new Uint8Array(Math.ceil(0.5 / 1.43 / dk) + 1);
    for (let s = first; s < empty.length; s++) empty[s] = 1;
    const limit = emptyBeyondA({ shellWidthPerA: dk, empty }, 0.5 / 1.43) as number;
    assert.ok(limit < 7.5 && limit > 7.4, `content limit ${limit} Å`);
    // ten mask voxels: four of the 7.5 Å domain at the limit, two of a 9.5 Å domain at the limit
    // (one of them a hair above it, within the 0.1 % that counts as at it), four read elsewhere;
    // one voxel outside the mask at the limit with a 10 Å truth
    const est = [limit, limit, limit, limit, limit, limit * 1.0005, 7.6, 8, 9.4, 9.6, limit];
    const truth = [7.5, 7.5, 7.5, 7.5, 9.5, 9.5, 7.5, 7.5, 9.5, 9.5, 10];
    const mask = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0];
    const f = finestValueShare(est, truth, mask, limit, dk);
    assert.equal(f.voxels, 10);
    assert.ok(Math.abs(f.atFinestPercent - 60) < 1e-9, `${f.atFinestPercent} % at the limit`);
    assert.ok(Math.abs(f.missPercent - 20) < 1e-9, `${f.missPercent} % missed`);
    assert.ok(f.toleranceA >= 7.5 && f.toleranceA < 7.9, `tolerance ${f.toleranceA} Å`);
  });
  it('at Nyquist: a truth within one box shell of 2a is that fine, one beyond it is not', () => {
    // 128³ box: one shell below Nyquist is 2a·128/126; a 3 Å domain at 1.5 Å voxels (Nyquist 3 Å) is
    // that fine, at 1.47 Å voxels (Nyquist 2.94 Å, one shell below 2.987 Å) it is not
    for (const [a, missed] of [[1.5, 0], [1.47, 100]] as const) {
      const f = finestValueShare([2 * a, 2 * a], [3, 3], [1, 1], 2 * a, 1 / (128 * a));
      assert.equal(f.atFinestPercent, 100);
      assert.equal(f.missPercent, missed, `${a} Å voxels`);
      assert.ok(Math.abs(f.toleranceA - (2 * a * 128) / 126) < 1e-9);
    }
  });
  it('refuses mismatched lengths, an empty selection and a finest value or shell width that is not positive', () => {
    assert.throws(() => finestValueShare([1, 2], [1], [1, 1], 2, 0.01), RangeError);
    assert.throws(() => finestValueShare([1, 2], [1, 2], [0, 0], 2, 0.01), /no voxel selected/);
    assert.throws(() => finestValueShare([1, 2], [1, 2], [1, 1], 0, 0.01), RangeError);
    assert.throws(() => finestValueShare([1, 2], [1, 2], [1, 1], 2, 0), RangeError);
  });
});
