/**
 * Labels maps (`--labels`): integer labels are accepted, a soft mask or a density given as labels
 * is refused in one line naming the file and a voxel, before any work (src/core/label-map.ts).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelMapProblem, labelTableOmissions } from '../../src/core/label-map.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

const work = mkdtempSync(join(tmpdir(), 'occupy-labels-'));
after(() => rmSync(work, { recursive: true, force: true }));

describe('labelMapProblem', () => {
  it('integers (any sign, as float32 or read back from an int8 file) pass; a fraction or NaN is named with its voxel', async () => {
    const shape: [number, number, number] = [4, 3, 2];
    const ints = Float32Array.from({ length: 24 }, (_, i) => (i % 5) - 1);
    assert.equal(labelMapProblem(ints, shape), undefined);
    await writeMrc(join(work, 'i8.mrc'), { data: ints, shape, voxelSizeA: [1, 1, 1] }, { mode: 0 });
    assert.equal(labelMapProblem((await readMrc(join(work, 'i8.mrc'))).volume.data, shape), undefined);
    assert.equal(labelMapProblem(Float32Array.from(ints, (v) => v + 1e-4), shape), undefined, 'within 1e-3 of an integer');
    const soft = Float32Array.from(ints);
    soft[13] = 0.5; // x 1, y 0, z 1
    soft[20] = 2.25;
    assert.equal(labelMapProblem(soft, shape), 'holds non-integer values (0.5 at voxel x 1, y 0, z 1; 2 voxels): a labels map holds integer labels > 0 (0 for none), not a mask, a density or a resampled labels map');
    const nan = Float32Array.from(ints);
    nan[5] = Number.NaN;
    assert.match(labelMapProblem(nan, shape) ?? '', /^holds a value that is not a number \(NaN at voxel x 1, y 1, z 0\)$/);
  });
});

describe('--labels on the command line', () => {
  it('locres (local FSC and resmap) and decompose refuse a soft mask given as --labels in one line, writing nothing', async () => {
    const n = 40;
    const half = (seed: number) => occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2, n / 2, n / 2], radiusA: 12, occupancy: 1 }], seed });
    const a = half(3), b = half(4);
    const [h1, h2, soft] = ['h1.mrc', 'h2.mrc', 'soft.mrc'].map((f) => join(work, f));
    await writeMrc(h1, a.map);
    await writeMrc(h2, b.map);
    await writeMrc(soft, { ...a.map, data: Float32Array.from(a.map.data, (v) => Math.min(1, Math.max(0, v))) });
    const out = join(work, 'out');
    for (const args of [['locres', h1, h2, '--labels', soft, '-o', join(out, 'l.mrc')], ['locres', h1, h2, '--method', 'resmap', '--labels', soft, '-o', join(out, 'r.mrc')], ['decompose', h1, '--labels', soft, '-o', `${out}/`]]) {
      const r = await runInProcess([...args, '-q']);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /^occupy: error: --labels map '.*soft\.mrc' holds non-integer values \(.* at voxel x \d+, y \d+, z \d+; \d+ voxels\): a labels map holds integer labels > 0/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(readdirSync(work).includes('out') ? readdirSync(out) : [], [], 'nothing written');
  });

  it('negative labels and labels with no voxel inside the mask are warned, not dropped silently (locres)', async () => {
    // unit: the lines
    const data = Float32Array.from([0, 1, 1, -2, -2, 5, 5, 5, 7]);
    assert.deepEqual(labelTableOmissions(data, [1, 7], 'l.mrc', 'inside the mask'), [
      "--labels map 'l.mrc' holds negative values (2 voxels, e.g. -2): they are read as no label (labels are integers > 0, 0 for none)",
      "--labels map 'l.mrc': label 5 (3 voxels) has no voxel inside the mask, so it is not in the table",
    ]);
    assert.deepEqual(labelTableOmissions(data.map((v) => Math.max(0, v)), [1, 5, 7], 'l.mrc', 'inside the mask'), []);
    // the command: a domain labelled -2 and a label 9 in the solvent had vanished from the table without a word
    const n = 40;
    const half = (seed: number) => occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2, n / 2, n / 2], radiusA: 12, occupancy: 1 }], seed });
    const a = half(3), b = half(4);
    const [h1, h2, mask, labels] = ['w1.mrc', 'w2.mrc', 'wmask.mrc', 'wlabels.mrc'].map((f) => join(work, f));
    await writeMrc(h1, a.map);
    await writeMrc(h2, b.map);
    const inside = (i: number) => Math.hypot((i % n) - n / 2, (Math.floor(i / n) % n) - n / 2, Math.floor(i / (n * n)) - n / 2) < 8;
    await writeMrc(mask, { ...a.map, data: Float32Array.from(a.map.data, (_, i) => (inside(i) ? 1 : 0)) });
    // label 1 on x < n/2 inside the mask, -2 on x >= n/2 inside, 9 on the box's first 100 voxels (solvent)
    await writeMrc(labels, { ...a.map, data: Float32Array.from(a.map.data, (_, i) => (inside(i) ? (i % n < n / 2 ? 1 : -2) : i < 100 ? 9 : 0)) });
    const r = await runInProcess(['locres', h1, h2, '--mask', mask, '--labels', labels, '-o', join(work, 'warned', 'l.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { labels: { label: number }[]; warnings: string[] };
    assert.deepEqual(json.labels.map((l) => l.label), [1]);
    assert.ok(json.warnings.some((w) => /^--labels map '.*wlabels\.mrc' holds negative values \(\d+ voxels, e\.g\. -2\): they are read as no label/.test(w)), json.warnings.join('\n'));
    assert.ok(json.warnings.some((w) => /^--labels map '.*wlabels\.mrc': label 9 \(100 voxels\) has no voxel inside the mask, so it is not in the table$/.test(w)), json.warnings.join('\n'));
    assert.match(r.stderr, /WARNING: --labels map '.*wlabels\.mrc' holds negative values/);
  });
});
