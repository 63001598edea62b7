/**
 * `occupy locres -o DIR/` run again with another method into the same folder: the local FSC
 * writes `locres_<stem>_pinned/_low/_high.mrc` beside the map, RELION's mode none of them, MonoRes
 * only `_pinned`, ResMap none. A later run had left the earlier run's maps there, where they read
 * as its own (session 56). Each run now removes, with its output set, this tool's own outputs for
 * the same map that it does not write, and names them in its log and on stdout; a file of another
 * name, or an input of the run under such a name, stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { halfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-locres-stale-');

test('another method into the same folder removes the earlier run\'s maps it does not write, and says so; nothing else goes', async () => {
  const dir = await tempFolder();
  await loadFft();
  const p = halfMapPhantom({ shape: [48, 48, 48], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
  const [h1, h2, mask] = ['h1.mrc', 'h2.mrc', 'mask.mrc'].map((f) => join(dir, f));
  await writeMrc(h1, p.half1);
  await writeMrc(h2, p.half2);
  await writeMrc(mask, { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
  const out = join(dir, 'out');
  const run = async (args: string[]) => {
    const r = await runInProcess(['locres', h1, h2, '--mask', mask, ...args, '-o', `${out}/`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const listed = async () => (await readdir(out)).sort();
  await run([]);
  assert.deepEqual(await listed(), ['locres_h1.mrc', 'locres_h1_high.mrc', 'locres_h1_histogram.png', 'locres_h1_histogram.svg', 'locres_h1_log.txt', 'locres_h1_low.mrc', 'locres_h1_pinned.mrc']);
  // a file of the user's beside them, named like none of the outputs
  await writeFile(join(out, 'locres_h1_notes.txt'), 'mine');
  // RELION's mode writes the map, histogram and log only
  const stdout = await run(['--relion', '--locres-sampling', '10']);
  assert.deepEqual(await listed(), ['locres_h1.mrc', 'locres_h1_histogram.png', 'locres_h1_histogram.svg', 'locres_h1_log.txt', 'locres_h1_notes.txt']);
  const removed = ['pinned', 'low', 'high'].map((k) => `  ${join(out, `locres_h1_${k}.mrc`)}`);
  const log = (await readFile(join(out, 'locres_h1_log.txt'), 'utf8')).split('\n');
  const at = log.indexOf("Removed (an earlier run's outputs for this map that this run does not write):");
  assert.ok(at > log.indexOf('Files written:'), log.join('\n'));
  assert.deepEqual(log.slice(at + 1, at + 4), removed);
  assert.ok(stdout.includes(['Removed (an earlier run\'s outputs for this map that this run does not write):', ...removed].join('\n')), stdout);
  // the local FSC again, then MonoRes: its own pinned map replaces the earlier one, the interval maps go
  await run([]);
  await run(['--method', 'monores']);
  assert.deepEqual(await listed(), ['locres_h1.mrc', 'locres_h1_histogram.png', 'locres_h1_histogram.svg', 'locres_h1_log.txt', 'locres_h1_notes.txt', 'locres_h1_pinned.mrc']);
  // ResMap (issue 18's writer) too
  await run([]);
  const json = JSON.parse((await runInProcess(['locres', h1, h2, '--mask', mask, '--method', 'resmap', '-o', `${out}/`, '--json', '-q'])).stdout) as { removed?: string[] };
  assert.deepEqual(json.removed, ['pinned', 'low', 'high'].map((k) => join(out, `locres_h1_${k}.mrc`)));
  assert.deepEqual(await listed(), ['locres_h1.mrc', 'locres_h1_histogram.png', 'locres_h1_histogram.svg', 'locres_h1_log.txt', 'locres_h1_notes.txt']);
  // an input named like an output is never removed
  const inputMask = join(out, 'locres_h1_low.mrc');
  await writeMrc(inputMask, { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
  const r = await runInProcess(['locres', h1, h2, '--mask', inputMask, '--relion', '--locres-sampling', '10', '-o', `${out}/`, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await listed()).includes('locres_h1_low.mrc'), 'the --mask input was removed');
});
