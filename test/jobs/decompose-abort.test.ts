/**
 * `decomposeFromFile`'s `signal` (the job behind `occupy decompose` and the GUI): an abort during
 * the input diagnostics ends the run there (they run in a worker thread, as the decomposition:
 * on the calling thread they held Ctrl+C for 2.5 s at 256³ before session 58), and a signal that
 * is never aborted leaves the run as without one (it had been sent to the thread with the
 * options: a DataCloneError).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { decomposeFromFile } from '../../src/jobs/decompose-job.js';
import { diagnoseCommandInput } from '../../src/jobs/input-diagnostics.js';

await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-decompose-abort-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const ph = decompositionPhantom({ box: 48, voxelSizeA: 1.5, seed: 9, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }] });
const files = { map: join(dir, 'ph.mrc'), h1: join(dir, 'ph_h1.mrc'), h2: join(dir, 'ph_h2.mrc') };
writeFileSync(files.map, encodeMrc(ph.map));
writeFileSync(files.h1, encodeMrc(ph.half1));
writeFileSync(files.h2, encodeMrc(ph.half2));

test('an abort when the diagnostics begin rejects with its reason there: no later phase, nothing written', async () => {
  const out = join(dir, 'aborted');
  const ac = new AbortController();
  const phases: string[] = [];
  const run = decomposeFromFile({
    mapPath: files.map,
    halfMapPaths: [files.h1, files.h2],
    outputDir: out,
    signal: ac.signal,
    onProgress: (phase) => {
      if (phases.at(-1) !== phase) phases.push(phase);
      if (phase === 'diagnostics') setImmediate(() => ac.abort());
    },
  });
  await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  assert.deepEqual(phases, ['read', 'diagnostics']);
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'outputs were written');
});

test('a signal that is never aborted: the run completes as without one', async () => {
  const out = join(dir, 'whole');
  const { summary, files: written } = await decomposeFromFile({ mapPath: files.map, halfMapPaths: [files.h1, files.h2], outputDir: out, signal: new AbortController().signal, chimerax: false });
  const plain = await decomposeFromFile({ mapPath: files.map, halfMapPaths: [files.h1, files.h2], outputDir: join(dir, 'plain'), chimerax: false });
  assert.equal(summary.occupancyMedian, plain.summary.occupancyMedian);
  assert.equal(summary.bfactorMedianA2, plain.summary.bfactorMedianA2);
  assert.deepEqual(written.map((f) => f.slice(out.length)), plain.files.map((f) => f.slice(join(dir, 'plain').length)));
});

test('diagnoseCommandInput in a thread: the same findings, and timers run while it computes', async () => {
  const onThread = diagnoseCommandInput(ph.map, { halves: [ph.half1, ph.half2], inThread: true });
  let ticks = 0;
  const tick = setInterval(() => ticks++, 1);
  const a = await onThread;
  clearInterval(tick);
  const b = await diagnoseCommandInput(ph.map, { halves: [ph.half1, ph.half2] });
  assert.deepEqual(a, b);
  // on the calling thread the event loop is held until the findings are back (no tick)
  assert.ok(ticks >= 1, `${ticks} ticks`);
});
