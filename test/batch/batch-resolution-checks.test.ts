/**
 * `occupy batch` holds each map to the estimate's own rules for `--lowpass`, `-r` and
 * `--lowpass-output` (finer than the map's Nyquist limit, coarser than its box), as the CLI and the
 * GUI do before they run: the batch had computed a map with `--lowpass 0.5` on 1.2 Å voxels
 * (exit 0, and a rerun line the CLI refuses) and failed one with `--lowpass 1000` on a 115 Å box
 * with "histogram: all 463400 values equal …; the map has no contrast" (sweep, session 52). The
 * same for `--tile-size` and `--kernel-size` against the processing box (session 53).
 * Synthetic 32³ maps at 2 Å (Nyquist 4 Å, box 64 Å).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs } from '../../src/batch/inputs.js';
import { runBatch } from '../../src/batch/runner.js';
import type { BatchMethodOptions } from '../../src/batch/run-item.js';
import { loadFft } from '../../src/math/fft.js';

describe('occupy batch: --lowpass and -r against each map', () => {
  let work: string;
  let mapPath: string;
  before(async () => {
    await loadFft();
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-res-'));
    const { map } = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [11, 16, 16], radiusA: 9, occupancy: 1 }, { centreVoxel: [22, 16, 16], radiusA: 8, occupancy: 0.5 }] });
    mapPath = join(work, 'm.mrc');
    writeFileSync(mapPath, encodeMrc(map));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const cases: [string, BatchMethodOptions, RegExp][] = [
    ['--lowpass finer than Nyquist', { lowpassA: 3 }, /^--lowpass 3 Å is finer than the Nyquist limit of the map \(2 × 2 Å voxel = 4 Å\)/],
    ['-r finer than Nyquist', { resolutionA: 1 }, /^-r\/--resolution 1 Å is finer than the Nyquist limit/],
    ['--lowpass coarser than the box', { lowpassA: 1000 }, /^--lowpass 1000 Å is coarser than the box \(64 Å along its longest edge, 32x32x32 voxels\)/],
    ['--lowpass-output finer than Nyquist', { lowpassOutputA: 1, modifications: [{ kind: 'amplify', gamma: 2 }] }, /^--lowpass-output 1 Å is finer than the Nyquist limit/],
    // the option schema's message, as `occupy estimate` and the GUI server give it (the batch had
    // failed the map at the tiling with "--tile-size 100000 is larger than the box (32 voxels)")
    ['--tile-size larger than the box', { tileSize: 100000 }, /^--tile-size must be an integer in 1\.\.32 for this map \(processing box 32x32x32\), got 100000$/],
    ['--kernel-size larger than the box', { kernelSize: 41 }, /^--kernel-size must be an odd integer in 1\.\.31 for this map \(processing box 32x32x32: the kernel must fit it\), got 41$/],
  ];
  for (const [what, options, message] of cases) {
    it(`${what}: the map fails with the CLI's message, nothing written for it`, async () => {
      const out = join(work, what.replace(/\W+/g, '-'));
      const r = await runBatch(await resolveBatchInputs([mapPath]), options, { outRoot: out });
      assert.equal(r.failed, 1, `${what}: ${JSON.stringify(r.records)}`);
      assert.equal(r.done, 0);
      const rec = r.records[0];
      assert.equal(rec.status, 'error');
      assert.match(rec.message ?? '', message);
      assert.deepEqual(readdirSync(out).filter((f) => !f.startsWith('.')), ['results.jsonl'], 'no map folder');
    });
  }

  it('a low-pass within the limits still runs', async () => {
    const r = await runBatch(await resolveBatchInputs([mapPath]), { lowpassA: 8 }, { outRoot: join(work, 'ok') });
    assert.equal(r.done, 1, JSON.stringify(r.records));
  });
});
