/**
 * Every map the estimate reads is hashed in its record (README, Safety): `--solvent-def` and
 * `--target-mask` are listed with their SHA-256 in the log, `--json` and the maps' `sha256:`
 * labels, so rewriting one of them changes the record (it had left the record unchanged while the
 * outputs changed).
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
const dir = mkdtempSync(join(tmpdir(), 'occupy-estimate-inputs-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** A 0/1 map on the 40³ box: 1 beyond (outside) or within `radius` voxels of the centre. */
function sphereMask(radius: number, outside: boolean) {
  const n = 40;
  const data = new Float32Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const r = Math.hypot(x - n / 2, y - n / 2, z - n / 2);
    data[(z * n + y) * n + x] = (outside ? r > radius : r <= radius) ? 1 : 0;
  }
  return { data, shape: [n, n, n] as [number, number, number], voxelSizeA: [2, 2, 2] as [number, number, number] };
}

test('--solvent-def and --target-mask: hashed in --json, the log and the labels; a rewritten solvent definition changes the record', async () => {
  const { map } = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 11, domains: [{ centreVoxel: [15, 20, 20], radiusA: 9, occupancy: 1 }, { centreVoxel: [26, 20, 20], radiusA: 8, occupancy: 0.5 }] });
  await writeMrc(join(dir, 'map.mrc'), map);
  await writeMrc(join(dir, 'sd.mrc'), sphereMask(16, true));
  await writeMrc(join(dir, 'tm.mrc'), sphereMask(10, false));
  const run = async (out: string) => {
    const { stdout } = await runCli(['map.mrc', '--solvent-def', 'sd.mrc', '--target-mask', 'tm.mrc', '-o', `${out}/`, '--json', '-q'], dir);
    return (JSON.parse(stdout) as { record: { settings: Record<string, unknown> } }).record;
  };
  const rec = await run('a');
  const [sd, tm] = [sha256(join(dir, 'sd.mrc')), sha256(join(dir, 'tm.mrc'))];
  assert.deepEqual(rec.settings['inputs-sha256'], [`map.mrc=${sha256(join(dir, 'map.mrc'))}`, `sd.mrc=${sd}`, `tm.mrc=${tm}`]);
  const log = readFileSync(join(dir, 'a', 'log_map.txt'), 'utf8');
  assert.ok(log.includes(`sd.mrc=${sd}`) && log.includes(`tm.mrc=${tm}`), log);
  const labels = (await readMrc(join(dir, 'a', 'scale_res_map.mrc'))).header.labels;
  assert.ok(labels.includes(`sha256: ${sd}`) && labels.includes(`sha256: ${tm}`), labels.join('\n'));

  await writeMrc(join(dir, 'sd.mrc'), sphereMask(18, true));
  const again = await run('b');
  assert.notDeepEqual(again.settings['inputs-sha256'], rec.settings['inputs-sha256']);
});
