/**
 * The run record of `occupy decompose` (a child process): the log's `--- Record ---` block names
 * the command, version, every input with its SHA-256 and the settings (--labels, --sharpen,
 * --angpix); the maps' labels carry `cmd:` and `sha256:`; the logged rerun, run in the logged
 * folder, writes byte-identical maps (it holds --angpix: without it the maps differ).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc, readMrc } from '../../src/io/mrc/index.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { runCli } from '../helpers/cli.js';
import { shellWords } from '../helpers/shell-words.js';
import { loadFft } from '../../src/math/fft.js';

await loadFft();

const dir = mkdtempSync(join(tmpdir(), 'occupy-decompose-record-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const p = decompositionPhantom({ box: 40, voxelSizeA: 1.5, seed: 3, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }] });
writeFileSync(join(dir, 'ph.mrc'), encodeMrc(p.map));
writeFileSync(join(dir, 'ph_labels.mrc'), encodeMrc({ data: Float32Array.from(p.labels), shape: p.map.shape, voxelSizeA: p.map.voxelSizeA }));
const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

test('decompose: log, --json and labels carry the record; the logged rerun gives the same maps', async () => {
  const args = ['decompose', 'ph.mrc', '--labels', 'ph_labels.mrc', '--angpix', '1.6', '--sharpen', '--bands', '4', '-o', 'out/', '--json'];
  const { stdout } = await runCli(args, dir);
  const s = JSON.parse(stdout) as { record: { commandLine: string[]; rerun: string; input: { sha256: string }; settings: Record<string, unknown> } };
  assert.deepEqual(s.record.commandLine, args);
  for (const [k, v] of [['angpix', 1.6], ['labels', 'ph_labels.mrc'], ['sharpen', true], ['bands', 4], ['plot', false]] as const) assert.deepEqual(s.record.settings[k], v, k);
  const log = readFileSync(join(dir, 'out', 'log_decompose_ph.txt'), 'utf8');
  assert.match(log, /^--- Record ---$/m);
  assert.ok(log.includes(`SHA-256 ${sha256(join(dir, 'ph.mrc'))}`), log);
  assert.ok(log.includes(`ph_labels.mrc=${sha256(join(dir, 'ph_labels.mrc'))}`), log);
  assert.match(log, /^ {2}angpix +1\.6$/m);
  const labels = (await readMrc(join(dir, 'out', 'occupancy_ph.mrc'))).header.labels.join('\n');
  assert.ok(labels.includes(`cmd: ${s.record.rerun}`.slice(0, 80)), labels);
  assert.ok(labels.includes(`sha256: ${s.record.input.sha256}`), labels);

  const maps = readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.mrc')).sort();
  assert.deepEqual(maps, ['bands_ph.mrc', 'bfactor_ph.mrc', 'locbsharp_ph.mrc', 'occupancy_ph.mrc']);
  const before = new Map(maps.map((f) => [f, readFileSync(join(dir, 'out', f))]));
  const rerun = shellWords(/^Rerun \(same output\): (.*)$/m.exec(log)?.[1] ?? '');
  const cwd = /^Working folder +: (.*)$/m.exec(log)?.[1] ?? '';
  assert.equal(rerun[0], 'occupy');
  await runCli(rerun.slice(1), cwd);
  for (const f of maps) assert.ok(readFileSync(join(dir, 'out', f)).equals(before.get(f) as Buffer), `${f} differs after the rerun`);
});
