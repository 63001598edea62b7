/**
 * The `--plot` modification curves carry the map's stem, as every other output does: two maps
 * estimated into one folder had both written `gamma_modification.png/.svg`, the second run's
 * curves replacing the first's while the first run's log still listed the file (session 55).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const temp = tempFolders('occupy-plot-names-');

test('two maps with --plot into one folder: each its own modification plots, named by its stem', async () => {
  const dir = await temp();
  const p = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [15, 20, 20], radiusA: 10, occupancy: 1 }, { centreVoxel: [26, 20, 20], radiusA: 8, occupancy: 0.5 }], seed: 3 });
  await writeMrc(join(dir, 'm1.mrc'), p.map);
  await writeMrc(join(dir, 'm2.mrc'), p.map);
  const out = join(dir, 'same') + '/';
  for (const args of [['m1.mrc', '--amplify', '2'], ['m2.mrc', '--attenuate', '3'], ['m2.mrc', '--sigmoid', '4', '--pivot', '0.3']]) {
    const r = await runInProcess([join(dir, args[0]), ...args.slice(1), '--plot', '-o', out, '-q']);
    assert.equal(r.code, 0, r.stderr);
  }
  const files = readdirSync(out).filter((f) => /modification/.test(f)).sort();
  assert.deepEqual(files, ['gamma_modification_m1.png', 'gamma_modification_m1.svg', 'gamma_modification_m2.png', 'gamma_modification_m2.svg', 'sigmoid_modification_m2.png', 'sigmoid_modification_m2.svg']);
  // each map's figure shows its own curve, and its log lists its own file
  const m1 = readFileSync(join(out, 'gamma_modification_m1.svg'), 'utf8');
  assert.ok(m1.includes('amplify g=2.0') && !m1.includes('attenuate g=3.0'), 'm1: its amplify curve only');
  assert.ok(readFileSync(join(out, 'gamma_modification_m2.svg'), 'utf8').includes('attenuate g=3.0'));
  assert.match(readFileSync(join(out, 'log_m1.txt'), 'utf8'), /gamma_modification_m1\.png/);
});
