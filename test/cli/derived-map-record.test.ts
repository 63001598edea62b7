/**
 * Maps made from other maps record where they come from: the labels of `soldef`,
 * `subtraction-mask` (with `--like`), `pixel-size resample` and `pixel-size set` name the command and carry the
 * SHA-256 of every input; `resample` keeps the input's own labels as room remains (they had held
 * a title only, and resample had dropped the input's labels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runCli } from '../helpers/cli.js';

await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-derived-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (f: string) => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
const labelsOf = async (f: string) => (await readMrc(join(dir, f))).header.labels;

test('soldef, subtraction-mask --like, pixel-size resample and set: command and input SHA-256 in the labels; resample keeps the input labels', async () => {
  const { map } = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 5, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }] });
  await writeMrc(join(dir, 'map.mrc'), map, { labels: ['EMDB deposition label', 'processed by hand'] });
  const scale = Float32Array.from(map.data, (v, i) => (i % 7) / 7);
  await writeMrc(join(dir, 'scale.mrc'), { ...map, data: scale });

  await runCli(['soldef', 'scale.mrc', '--threshold', '0.3', '-o', 'sd.mrc', '-q'], dir);
  const sd = await labelsOf('sd.mrc');
  assert.equal(sd[1], 'cmd: occupy soldef scale.mrc --threshold 0.3 -o sd.mrc -q');
  assert.ok(sd.includes(`sha256: ${sha256('scale.mrc')}`), sd.join('\n'));
  assert.ok(sd.some((l) => l.startsWith('set: threshold=0.3')), sd.join('\n'));

  await runCli(['subtraction-mask', 'scale.mrc', '--attenuate', '2', '--like', 'map.mrc', '-o', 's.mrc', '-q'], dir);
  const sub = await labelsOf('s.mrc');
  assert.equal(sub[1], 'cmd: occupy subtraction-mask scale.mrc --attenuate 2 --like map.mrc -o s.mrc -q');
  assert.ok(sub.includes(`sha256: ${sha256('scale.mrc')}`) && sub.includes(`sha256: ${sha256('map.mrc')}`), sub.join('\n'));

  await runCli(['pixel-size', 'resample', 'map.mrc', '--angpix', '2.5', '-o', 'r.mrc', '-q'], dir);
  const r = await labelsOf('r.mrc');
  assert.equal(r[1], 'cmd: occupy pixel-size resample map.mrc --angpix 2.5 -o r.mrc -q');
  assert.ok(r.includes(`sha256: ${sha256('map.mrc')}`), r.join('\n'));
  assert.deepEqual(r.slice(-2), ['EMDB deposition label', 'processed by hand']);

  // pixel-size set (session 50: it had recorded neither command nor hash)
  await runCli(['pixel-size', 'set', 'map.mrc', '--angpix', '1.9', '-o', 'set.mrc', '-q'], dir);
  const st = await labelsOf('set.mrc');
  assert.match(st[0], /voxel size set to 1\.9 A \(was 2\.0000,2\.0000,2\.0000\)/);
  assert.equal(st[1], 'cmd: occupy pixel-size set map.mrc --angpix 1.9 -o set.mrc -q');
  assert.ok(st.includes(`sha256: ${sha256('map.mrc')}`), st.join('\n'));
  assert.deepEqual(st.slice(-2), ['EMDB deposition label', 'processed by hand']);
});
