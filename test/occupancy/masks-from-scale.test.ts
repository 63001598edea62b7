/**
 * Subtraction masks and solvent definitions from a scale map (spec §10), and their subcommands.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '../../src/core/volume.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { solventDefinitionFromScale, subtractionMask, subtractionMaskName, solventDefinitionName } from '../../src/occupancy/masks-from-scale.js';
import { sigmoidCurve } from '../../src/occupancy/modification-curves.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';

const run = promisify(execFile);

/** A 10x10x10 scale map ramping 0..1 along x. */
function ramp(): Volume {
  const n = 10;
  const data = new Float32Array(n ** 3);
  for (let i = 0; i < data.length; i++) data[i] = (i % n) / (n - 1);
  return { data, shape: [n, n, n], voxelSizeA: [2, 2, 2] };
}

describe('masks from scale', () => {
  it('attenuation mask = scale^(g-1), in [0, 1]', () => {
    const s = ramp();
    const m = subtractionMask(s, 'attenuate', 3);
    for (let i = 0; i < s.data.length; i++) assert.ok(Math.abs(m.data[i] - s.data[i] ** 2) < 1e-6);
  });
  it('sigmoid mask = f(s)/s below the pivot and 1 at and above it', () => {
    const s = ramp();
    const m = subtractionMask(s, 'sigmoid', 2, 0.5);
    const f = sigmoidCurve(2, 0.5);
    for (let i = 0; i < s.data.length; i++) {
      const v = s.data[i];
      const expected = v >= 0.5 ? 1 : v > 0 ? f(v) / v : 0;
      assert.ok(Math.abs(m.data[i] - expected) < 1e-6, `s=${v}`);
      assert.ok(m.data[i] >= 0 && m.data[i] <= 1);
    }
  });
  it('solvent definition = scale > threshold, resampled to another box on request', async () => {
    await loadFft();
    const s = ramp();
    const d = solventDefinitionFromScale(s, 0.5);
    for (let i = 0; i < s.data.length; i++) assert.equal(d.data[i], s.data[i] > 0.5 ? 1 : 0);
    const big = solventDefinitionFromScale(s, 0.5, [20, 20, 20]);
    assert.deepEqual([...big.shape], [20, 20, 20]);
    assert.ok(big.data.every((v) => v === 0 || v === 1));
  });
  it('names files as the spec does and rejects bad parameters', () => {
    assert.equal(subtractionMaskName('attenuate', 3), 'subtraction_mask_attn_3.0.mrc');
    assert.equal(subtractionMaskName('sigmoid', 2, 0.3), 'subtraction_mask_sigm_0.30.2.0.mrc');
    assert.equal(solventDefinitionName(0.2), 'soldef_by_scale_0.20.mrc');
    assert.throws(() => subtractionMask(ramp(), 'attenuate', 0.5), /--attenuate must be a power > 1/);
    assert.throws(() => solventDefinitionFromScale(ramp(), 1.5), /--threshold must be in \[0, 1\)/);
  });
});

describe('occupy subtraction-mask / soldef', () => {
  it('write the masks next to the scale map with the input geometry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-masks-'));
    try {
      const scalePath = join(dir, 'scale_occ_x.mrc');
      await writeMrc(scalePath, ramp());
      await run(process.execPath, [...NODE_ARGS, 'subtraction-mask', scalePath, '--attenuate', '2', '-q'], { cwd: PROJECT_ROOT });
      const m = await readMrc(join(dir, 'subtraction_mask_attn_2.0.mrc'));
      assert.deepEqual(m.volume.voxelSizeA, [2, 2, 2]);
      assert.ok(Math.abs(m.volume.data[5] - 5 / 9) < 1e-6);
      await run(process.execPath, [...NODE_ARGS, 'soldef', scalePath, '--threshold', '0.3', '-q'], { cwd: PROJECT_ROOT });
      const d = await readMrc(join(dir, 'soldef_by_scale_0.30.mrc'));
      assert.equal(d.volume.data[3], 1);
      assert.equal(d.volume.data[2], 0);
      const bad = await runInProcess(['subtraction-mask', scalePath, '-q']); // the error case in this process
      assert.ok(/exactly one of --attenuate/.test(bad.stderr) && bad.code !== 0, bad.stderr);
      // --pivot without --sigmoid was silently ignored
      const pivot = await runInProcess(['subtraction-mask', scalePath, '--attenuate', '2', '--pivot', '0.3', '-o', join(dir, 'p.mrc'), '-q']);
      assert.equal(pivot.code, 2);
      assert.match(pivot.stderr, /^occupy: error: --pivot is only used with --sigmoid\n$/);
      // a --like map of another extent (a crop of the same voxel size, or another voxel size) would
      // stretch the mask: refused; the same extent on another box (a down-sampled estimate) is fine
      const crop = join(dir, 'crop.mrc');
      await writeMrc(crop, { data: new Float32Array(8 ** 3).fill(1), shape: [8, 8, 8], voxelSizeA: [2, 2, 2] });
      for (const cmd of [['soldef', scalePath, '--threshold', '0.3'], ['subtraction-mask', scalePath, '--attenuate', '2']]) {
        const r = await runInProcess([...cmd, '--like', crop, '-o', join(dir, 'stretched.mrc'), '-q']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /^occupy: error: --like map '.*crop\.mrc' spans 16\.0 x 16\.0 x 16\.0 Å, the scale map '.*' 20\.0 x 20\.0 x 20\.0 Å: /);
      }
      const same = join(dir, 'same-extent.mrc');
      await writeMrc(same, { data: new Float32Array(20 ** 3).fill(1), shape: [20, 20, 20], voxelSizeA: [1, 1, 1] });
      const ok = await runInProcess(['soldef', scalePath, '--threshold', '0.3', '--like', same, '-o', join(dir, 'up.mrc'), '-q']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual((await readMrc(join(dir, 'up.mrc'))).volume.shape, [20, 20, 20]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
