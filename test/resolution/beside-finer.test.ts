/**
 * `besideFiner` flags the mask voxels that read much coarser than a value within reach (a coarse
 * region beside a finer one, whose local-FSC windows take in the finer signal); analytic cases.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { besideFiner, BESIDE_FINER_RATIO } from '../../src/resolution/beside-finer.js';
import { labelSummary } from '../../src/resolution/label-summary.js';

describe('besideFiner', () => {
  // 30 x 10 x 10 box at 1 Å: x < 15 reads 3 Å, x ≥ 15 reads 8 Å
  const shape = [30, 10, 10] as const;
  const n = 3000;
  const res = Float32Array.from({ length: n }, (_, i) => (i % 30 < 15 ? 3 : 8));

  it('flags the coarse voxels within reach of the fine ones, exactly (blocks of 1 and of 5)', () => {
    for (const block of [1, 5]) {
      const r = besideFiner(res, [...shape], 1, 5, undefined, block);
      // x = 15..19 lie within 5 Å of x = 14 (voxel-wise; with blocks of 5 the block x 15–19 touches x 10–14)
      let ok = true;
      for (let i = 0; i < n; i++) if (r.flagged[i] !== (i % 30 >= 15 && i % 30 <= 19 ? 1 : 0)) ok = false;
      assert.ok(ok, `block ${block}`);
      assert.equal(r.voxels, 500);
      assert.equal(r.maskVoxels, n);
      assert.ok(Math.abs(r.fraction - 500 / 3000) < 1e-12);
      assert.equal(r.reachA, 5);
    }
  });

  it('nothing flagged when values are equal or differ by less than the ratio', () => {
    assert.equal(besideFiner(new Float32Array(n).fill(5), [...shape], 1, 5).voxels, 0);
    const near = Float32Array.from(res, (v) => (v === 8 ? 3 * BESIDE_FINER_RATIO * 0.99 : v));
    assert.equal(besideFiner(near, [...shape], 1, 5).voxels, 0);
    assert.equal(besideFiner(near, [...shape], 1, 5, undefined, 1, 1.3).voxels, 500);
  });

  it('only mask voxels count, as values and as neighbours; reach is in Å', () => {
    // the fine half outside the mask: nothing is finer than the coarse half within the mask
    const mask = Float32Array.from({ length: n }, (_, i) => (i % 30 >= 15 ? 1 : 0));
    const r = besideFiner(res, [...shape], 1, 5, mask);
    assert.equal(r.voxels, 0);
    assert.equal(r.maskVoxels, 1500);
    // at 2 Å per voxel the same 5 Å reach spans 2 voxels: x = 15, 16
    assert.equal(besideFiner(res, [...shape], 2, 5).voxels, 200);
  });

  it('labelSummary counts each label\'s flagged voxels', () => {
    const labels = Float32Array.from(res, (v) => (v === 3 ? 1 : 2));
    const r = besideFiner(res, [...shape], 1, 5);
    const rows = labelSummary(res, labels, undefined, { besideFiner: r.flagged });
    assert.deepEqual(rows.map((l) => l.besideFinerVoxels), [0, 500]);
    assert.equal(labelSummary(res, labels)[0].besideFinerVoxels, undefined);
    assert.throws(() => labelSummary(res, labels, undefined, { besideFiner: new Uint8Array(3) }), /beside-finer map has 3 voxels, the map 3000/);
  });

  it('refuses bad arguments, naming them', () => {
    assert.throws(() => besideFiner(new Float32Array(5), [...shape], 1, 5), /resolution map has 5 voxels, the box 3000/);
    assert.throws(() => besideFiner(res, [...shape], 1, 5, new Float32Array(2)), /mask has 2 voxels/);
    assert.throws(() => besideFiner(res, [...shape], 1, 0), /reach must be > 0 Å/);
    assert.throws(() => besideFiner(res, [...shape], 0, 5), /voxel size must be > 0 Å/);
    assert.throws(() => besideFiner(res, [...shape], 1, 5, undefined, 1.5), /block edge must be an integer/);
    assert.throws(() => besideFiner(res, [...shape], 1, 5, undefined, 1, 1), /ratio must be > 1/);
  });
});
