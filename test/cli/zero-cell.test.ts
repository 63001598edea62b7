/**
 * A map whose header cell is zero (voxel size unknown) is refused with the way out, and `--angpix`
 * rescues it, as the README says ("`--angpix` when the header's cell is wrong"): the estimate,
 * decompose and `pixel-size set` read it when the voxel size is given (before session 48 every one
 * refused it, `--angpix` or not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc, readMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

test('a zero header cell: refused naming --angpix; --angpix rescues the estimate, and pixel-size set writes a fixed header', async () => {
  await loadFft();
  const dir = await mkdtemp(join(tmpdir(), 'occupy-cell0-'));
  try {
    const p = occupancyPhantom({ shape: [48, 48, 48], voxelSizeA: 2, resolutionA: 8, snr: 5, seed: 4, domains: [{ centreVoxel: [24, 24, 24], radiusA: 20, occupancy: 1 }] });
    const bytes = encodeMrc(p.map);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const w of [10, 11, 12]) view.setFloat32(4 * w, 0, true); // cella = 0, 0, 0
    const map = join(dir, 'cell0.mrc');
    await writeFile(map, bytes);
    const refused = await runInProcess([map, '-o', join(dir, 'a/'), '-q']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cell dimensions are zero or invalid.*give it with --angpix/);
    const rescued = await runInProcess([map, '--angpix', '2', '-o', join(dir, 'b/'), '-q']);
    assert.equal(rescued.code, 0, rescued.stderr);
    assert.deepEqual((await readMrc(join(dir, 'b', 'scale_res_cell0.mrc'))).volume.voxelSizeA.map((a) => Number(a.toFixed(4))), [2, 2, 2]);
    const fixed = await runInProcess(['pixel-size', 'set', map, '--angpix', '2', '-o', join(dir, 'fixed.mrc'), '-q']);
    assert.equal(fixed.code, 0, fixed.stderr);
    const f = await readMrc(join(dir, 'fixed.mrc'));
    assert.deepEqual(f.header.cella.map((c) => Number(c.toFixed(3))), [96, 96, 96]);
    assert.deepEqual(f.volume.data, (await readMrc(map, { ignoreCell: true })).volume.data, 'data untouched');
    // --json: the voxel size before is unknown, not the reader's stand-in of 1 Å (it had said [1, 1, 1])
    const json = await runInProcess(['pixel-size', 'set', map, '--angpix', '2', '-o', join(dir, 'fixed2.mrc'), '--json']);
    assert.equal(json.code, 0, json.stderr);
    const r = JSON.parse(json.stdout) as { voxelSizeBeforeA: unknown; cellBeforeA: unknown; voxelSizeA: number };
    assert.equal(r.voxelSizeBeforeA, null);
    assert.deepEqual(r.cellBeforeA, [0, 0, 0]);
    assert.equal(r.voxelSizeA, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
