/**
 * `occupy pixel-size set` and `resample`: header-only change vs Fourier resampling.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { arrayStats } from '../../src/math/statistics.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';

describe('occupy pixel-size set / resample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-px-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const input = join(dir, 'in.mrc');

  it('set: new voxel size and cell in the header, voxel values untouched, with the warning', async () => {
    const { map } = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 1.1, resolutionA: 5, snr: 5, seed: 3, domains: [{ centreVoxel: [20, 20, 20], radiusA: 12, occupancy: 1 }] });
    await writeMrc(input, map);
    const res = await runCli(['pixel-size', 'set', input, '--angpix', '1.05', '-o', join(dir, 'set.mrc'), '--json']);
    assert.match(res.stderr, /must not be used as a reference for further refinement/);
    const s = JSON.parse(res.stdout);
    assert.deepEqual(s.cellA, [42, 42, 42]);
    const out = await readMrc(join(dir, 'set.mrc'));
    assert.deepEqual(out.volume.voxelSizeA, [1.05, 1.05, 1.05]);
    assert.ok(Math.abs(out.header.cella[0] - 42) < 1e-4);
    assert.deepEqual(out.volume.data, (await readMrc(input)).volume.data);
  });

  it('resample: box and voxel size change together (same physical size), mean density kept; --box crops/pads', async () => {
    const s = JSON.parse((await runCli(['pixel-size', 'resample', input, '--angpix', '2.2', '-o', join(dir, 'res.mrc'), '--json', '-q'])).stdout);
    assert.deepEqual(s.box, [20, 20, 20]);
    assert.ok(Math.abs(s.voxelSizeA[0] - 2.2) < 1e-9);
    const a = (await readMrc(input)).volume;
    const b = (await readMrc(join(dir, 'res.mrc'))).volume;
    assert.ok(Math.abs(arrayStats(b.data).mean - arrayStats(a.data).mean) < 1e-4 * (arrayStats(a.data).std + 1e-9));
    const p = JSON.parse((await runCli(['pixel-size', 'resample', input, '--angpix', '2.2', '--box', '32', '-o', join(dir, 'pad.mrc'), '--json', '-q'])).stdout);
    assert.deepEqual(p.box, [32, 32, 32]);
    const padded = (await readMrc(join(dir, 'pad.mrc'))).volume;
    assert.equal(padded.data[0], 0, 'padding is zero');
  });

  it('--angpix is required and must be positive', async () => {
    const noAngpix = await runInProcess(['pixel-size', 'set', input, '-o', join(dir, 'x.mrc')]); // error cases in this process
    assert.ok(noAngpix.code === 2 && /--angpix/.test(noAngpix.stderr), noAngpix.stderr);
    const negative = await runInProcess(['pixel-size', 'set', input, '--angpix', '-1', '-o', join(dir, 'x.mrc')]);
    assert.ok(negative.code !== 0 && /--angpix/.test(negative.stderr), negative.stderr);
  });
});
