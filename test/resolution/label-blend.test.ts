/**
 * Per-label summaries say how much of each label lies beyond the window's reach of other labels
 * (`coreVoxels`), and `occupy locres --labels` warns when a label's median is a blend with its
 * neighbours'.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { labelSummary } from '../../src/resolution/label-summary.js';
import { runInProcess } from '../helpers/cli-run.js';
import { SHARED_REFERENCE } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';

describe('labelSummary core voxels', () => {
  // 40 x 10 x 10 box, label 1 for x < 20, label 2 for x >= 20
  const shape = [40, 10, 10] as const;
  const n = 40 * 10 * 10;
  const labels = Float32Array.from({ length: n }, (_, i) => (i % 40 < 20 ? 1 : 2));
  const res = Float32Array.from(labels, (l) => 3 * l);

  it('counts voxels farther than the radius from the other label (exact Euclidean distance)', () => {
    // 1 Å voxels, radius 5 Å: label 1 keeps x <= 14 (distance to x = 20 is 6 > 5), label 2 x >= 25 (to x = 19)
    const rows = labelSummary(res, labels, undefined, { blend: { shape, voxelSizeA: [1, 1, 1], radiusA: 5 } });
    assert.deepEqual(rows.map((r) => [r.label, r.voxels, r.coreVoxels]), [[1, 2000, 1500], [2, 2000, 1500]]);
    // 2 Å voxels along x: the same radius reaches 2.5 columns -> x <= 17 and x >= 22
    const wide = labelSummary(res, labels, undefined, { blend: { shape, voxelSizeA: [2, 1, 1], radiusA: 5 } });
    assert.deepEqual(wide.map((r) => r.coreVoxels), [1800, 1800]);
  });

  it('counts only voxels inside the mask, but other labels outside it still count as neighbours', () => {
    const mask = Float32Array.from({ length: n }, (_, i) => (i % 40 < 10 ? 1 : 0)); // only x < 10: label 1 only
    const rows = labelSummary(res, labels, mask, { blend: { shape, voxelSizeA: [1, 1, 1], radiusA: 12 } });
    // x <= 7 is farther than 12 Å from x = 20
    assert.deepEqual(rows.map((r) => [r.label, r.voxels, r.coreVoxels]), [[1, 1000, 800]]);
  });

  it('no blend option: no core count; a radius wider than the box: none clear', () => {
    assert.equal(labelSummary(res, labels)[0].coreVoxels, undefined);
    const rows = labelSummary(res, labels, undefined, { blend: { shape, voxelSizeA: [1, 1, 1], radiusA: 25 } });
    assert.deepEqual(rows.map((r) => r.coreVoxels), [0, 0]);
    assert.throws(() => labelSummary(res, labels, undefined, { blend: { shape: [10, 10, 10], voxelSizeA: [1, 1, 1], radiusA: 5 } }), /--labels has 4000 voxels, the box 10x10x10 needs 1000/);
  });
});

describe('occupy locres --labels: blended labels', () => {
  const tempFolder = tempFolders('occupy-blend-');
  it('synth_halves128 with a 34-voxel window: every label has < 20 % clear voxels and is named in a warning', async () => {
    const R = join(SHARED_REFERENCE, 'synth_halves128');
    const dir = await tempFolder();
    const run = await runInProcess(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--mask', join(R, 'truth_mask.mrc.gz'), '--labels', join(R, 'truth_labels.mrc.gz'), '--window', '34', '-o', join(dir, 'w34.mrc'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout) as { labels: { label: number; voxels: number; coreVoxels: number }[]; warnings: string[] };
    // the four domains (radius 14 Å, touching) against a 17 Å reach: 11–15 % of each is clear
    for (const l of s.labels) assert.ok(l.coreVoxels > 0.08 * l.voxels && l.coreVoxels < 0.2 * l.voxels, `label ${l.label}: ${l.coreVoxels} of ${l.voxels}`);
    assert.equal(s.warnings.filter((w) => /^labels 1, 2, 3, 4: fewer than half of the voxels lie farther than the window's reach \(17\.0 Å\)/.test(w)).length, 1, s.warnings.join('\n'));
    assert.match(run.stderr, /WARNING: labels 1, 2, 3, 4: fewer than half/);
  });
});
