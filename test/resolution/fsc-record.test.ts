/**
 * The run record of plain `occupy fsc` (a child process): the JSON file and `--json` carry the
 * record (command line, version, every input's SHA-256, mask, seed), and `fsc_<stem>_log.txt` is
 * written with the other outputs, its `--- Record ---` block naming the command and inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { halfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { runCli } from '../helpers/cli.js';

await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-fsc-record-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('fsc: the JSON carries the record and a log with the record is written with the curve', async () => {
  const { half1, half2 } = halfMapPhantom({ shape: [32, 32, 32], voxelSizeA: 2, domains: [{ centreVoxel: [16, 16, 16], radiusA: 12, resolutionA: 6 }], seed: 4 });
  await writeMrc(join(dir, 'h1.mrc'), half1);
  await writeMrc(join(dir, 'h2.mrc'), half2);
  const args = ['fsc', 'h1.mrc', 'h2.mrc', '--angpix', '1.5', '-o', 'out/', '--json'];
  const { stdout } = await runCli(args, dir);
  const s = JSON.parse(stdout) as { record: { commandLine: string[]; version: string; input: { sha256: string }; settings: Record<string, unknown> } };
  assert.deepEqual(s.record.commandLine, args);
  assert.equal(s.record.settings.angpix, 1.5);
  assert.deepEqual(s.record.settings['inputs-sha256'], [`h1.mrc=${sha256(join(dir, 'h1.mrc'))}`, `h2.mrc=${sha256(join(dir, 'h2.mrc'))}`]);
  const file = JSON.parse(readFileSync(join(dir, 'out', 'fsc_h1.json'), 'utf8')) as { record: unknown };
  assert.deepEqual(file.record, s.record);
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['fsc_h1.csv', 'fsc_h1.json', 'fsc_h1.png', 'fsc_h1.svg', 'fsc_h1_log.txt']);
  const log = readFileSync(join(dir, 'out', 'fsc_h1_log.txt'), 'utf8');
  assert.match(log, /^--- Record ---$/m);
  assert.match(log, /^Command +: occupy fsc h1\.mrc h2\.mrc --angpix 1\.5 -o out\/ --json$/m);
  assert.ok(log.includes(`SHA-256 ${sha256(join(dir, 'h1.mrc'))}`), log);
  assert.match(log, /^Resolution at FSC 0\.143: /m);
});
