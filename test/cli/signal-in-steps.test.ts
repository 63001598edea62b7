/**
 * Ctrl+C during the estimate's input diagnostics and its low-pass, the two blocks that were left on
 * the main thread after session 59 (a SIGINT waited for them: ~4 s and ~5 s at 256³ on a loaded
 * machine). Both now run in steps with a turn of the event loop after each, so the signal is acted
 * on within a step. The child sends itself SIGINT at a progress report (`OCCUPY_TEST_SIGNAL_AT`,
 * src/cli/test-signal.ts): where the run is when the signal comes is an event, not a time, and
 * a report made after it shows that the run went on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-signal-steps-');

/** `occupy IN -o OUT` with the hook set; resolves with the exit code and stderr. */
function interrupted(input: string, out: string, at: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_ARGS, input, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OCCUPY_TEST_SIGNAL_AT: at } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('SIGINT during the diagnostics or the low-pass of the estimate: acted on within the step (no further progress), exit 130, nothing under a final name, the input unchanged', async () => {
  const dir = await tempFolder();
  // 96³: the estimate's local scale runs in its worker thread (from 64³), the low-pass on the main thread
  const n = 96;
  const p = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2 - 8, n / 2, n / 2], radiusA: 16, occupancy: 1 }, { centreVoxel: [n / 2 + 10, n / 2, n / 2], radiusA: 12, occupancy: 0.5 }], seed: 3 });
  const input = join(dir, 'in.mrc');
  await writeMrc(input, p.map);
  const sha = async () => createHash('sha256').update(await readFile(input)).digest('hex');
  const before = await sha();
  // the diagnostics' first report is their start; the low-pass's second is the end of its first
  // step (the forward transform's planes), where it now yields
  for (const at of ['diagnostics', 'low-pass#2']) {
    const outDir = join(dir, at.replace('#', '-'));
    const r = await interrupted(input, join(outDir, 'in.mrc'), at);
    assert.match(r.stderr, new RegExp(`occupy-test: SIGINT at ${at.split('#')[0]} #`), `${at}: the run reached the point (exit ${r.code}): ${r.stderr}`);
    // before session 60 the diagnostics ran to their end and the estimate reported `resample`
    // before it yielded; the low-pass had no point within it where the run could be interrupted
    assert.doesNotMatch(r.stderr, /progress after SIGINT/, `${at}: the run went on after the signal: ${r.stderr}`);
    assert.equal(r.code, 130, `${at}: ${r.stderr}`);
    assert.match(r.stderr, /^occupy: interrupted by SIGINT$/m, at);
    const left = await readdir(outDir).catch(() => [] as string[]);
    assert.deepEqual(left, [], `${at}: left ${left.join(', ')}`);
  }
  assert.equal(await sha(), before, 'the input is unchanged');
});
