/**
 * Recorded command lines that rerun: a map of `occupy batch` records the batch command line and,
 * as its rerun line (log and `cmd:` labels), that map's own estimate command; `occupy demo`
 * records `occupy demo … --seed N`. Each rerun line, run in the logged folder, writes the same
 * maps byte for byte (they had recorded `occupy --seed 0`, which exits 2, and a random seed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { perMapArgs } from '../../src/cli/commands/batch.js';
import { runCli } from '../helpers/cli.js';
import { shellWords } from '../helpers/shell-words.js';

const work = mkdtempSync(join(tmpdir(), 'occupy-rerun-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

/** Rerun what `log` records (its rerun line, in its rerun or working folder) and check that the maps of `dir` come out the same. */
async function rerunGivesSameMaps(log: string, dir: string): Promise<void> {
  const maps = readdirSync(dir).filter((f) => f.endsWith('.mrc'));
  assert.ok(maps.length >= 2, maps.join(', '));
  const before = new Map(maps.map((f) => [f, readFileSync(join(dir, f))]));
  const words = shellWords(/^Rerun \(same output\): (.*)$/m.exec(log)?.[1] ?? '');
  assert.equal(words[0], 'occupy');
  const cwd = /^Rerun folder +: (.*) \(run the rerun line there\)$/m.exec(log)?.[1] ?? /^Working folder +: (.*)$/m.exec(log)?.[1] ?? '';
  await runCli(words.slice(1), cwd);
  for (const f of maps) assert.ok(readFileSync(join(dir, f)).equals(before.get(f) as Buffer), `${f} differs after the rerun`);
}

test('perMapArgs keeps the estimate options and drops inputs and the batch\'s own options', () => {
  assert.deepEqual(perMapArgs(['a.mrc', '-d', 'out', '--jobs', '2', '--amplify', '2', 'b.mrc', '--force', '--lowpass=9', '--shard', '0/2', '-q']), ['--amplify', '2', '--lowpass=9', '-q']);
});

test('batch: the log records the batch command and the map\'s own command, which reruns it in the map\'s folder', async () => {
  const n = 32;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [11, 16, 16], radiusA: 9, occupancy: 1 }, { centreVoxel: [22, 16, 16], radiusA: 8, occupancy: 0.5 }] });
  await writeMrc(join(work, 'a.mrc'), map);
  const args = ['batch', 'a.mrc', '-d', 'out', '--jobs', '1', '--amplify', '2', '-q'];
  await runCli(args, work);
  const [id] = readdirSync(join(work, 'out')).filter((f) => !f.startsWith('.') && statSync(join(work, 'out', f)).isDirectory());
  const dir = join(work, 'out', id);
  const log = readFileSync(join(dir, `log_${id}.txt`), 'utf8');
  assert.match(log, new RegExp(`^Command +: occupy ${args.join(' ')}$`, 'm'));
  assert.match(log, new RegExp(`^Rerun \\(same output\\): occupy ${join(work, 'a.mrc')} --amplify 2 -q -o ${id}.mrc$`, 'm')); // no --seed: --amplify draws no random number (the CLI refuses --seed then)
  assert.ok(log.includes(`Rerun folder       : ${dir} `), log);
  const labels = (await readMrc(join(dir, `scale_occ_${id}.mrc`))).header.labels;
  assert.ok(labels[1].startsWith(`cmd: occupy ${join(work, 'a.mrc')} --amplify 2`), labels.join('\n'));
  await rerunGivesSameMaps(log, dir);
});

test('demo: the log and labels record occupy demo with its seed, which reruns it', async () => {
  await runCli(['demo', '-d', 'demo', '-q', '--json'], work);
  const log = readFileSync(join(work, 'demo', 'log_demo_map.txt'), 'utf8');
  assert.match(log, /^Rerun \(same output\): occupy demo -d demo -q --json --seed 7$/m);
  const labels = (await readMrc(join(work, 'demo', 'scale_occ_demo_map.mrc'))).header.labels;
  assert.equal(labels[1], 'cmd: occupy demo -d demo -q --json --seed 7');
  await rerunGivesSameMaps(log, join(work, 'demo'));
});
