/**
 * The input diagnostics of `occupy locres` (every method) and `occupy fsc` run in a worker thread
 * (since session 58), as their computations do: the main thread stays free, so Ctrl+C, SIGTERM and
 * SIGHUP are acted on at once (on the main thread SIGINT during the diagnostics of 256³ half maps
 * waited 12 s on a loaded machine). Seen here as a timer due when the diagnostics begin, which
 * runs before the next phase is reported (on the main thread it ran after it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { locresJob } from '../../src/jobs/locres-job.js';
import { fscJob } from '../../src/jobs/fsc-job.js';
import { tempFolders } from '../helpers/temp-folder.js';

await loadFft();
const tempFolder = tempFolders('occupy-diagnostics-thread-');

/** Phases as reported, with `timer` where a 0 ms timer set when `diagnostics` began ran. */
function phaseRecorder(): { seen: string[]; onProgress: (phase: string) => void } {
  const seen: string[] = [];
  return {
    seen,
    onProgress: (phase) => {
      if (seen.at(-1) === phase) return;
      seen.push(phase);
      if (phase === 'diagnostics') setTimeout(() => seen.push('timer'), 0);
    },
  };
}

test('locres (local FSC, MonoRes on one map) and fsc: a timer due when the diagnostics begin runs before the next phase', async () => {
  const dir = await tempFolder();
  const p = fourDomainHalfMaps(1.4, [3, 5, 8, 3], 3, 4901);
  const [h1, h2] = [join(dir, 'h1.mrc'), join(dir, 'h2.mrc')];
  writeFileSync(h1, encodeMrc(p.half1));
  writeFileSync(h2, encodeMrc(p.half2));
  const mask = join(dir, 'mask.mrc');
  writeFileSync(mask, encodeMrc({ ...p.half1, data: p.mask }));
  const runs: [string, (onProgress: (phase: string) => void) => Promise<unknown>][] = [
    ['locres', (onProgress) => locresJob(h1, h2, { method: 'localfsc', lowestResolution: 30, output: join(dir, 'l.mrc'), onProgress })],
    ['locres one map', (onProgress) => locresJob(h1, undefined, { method: 'monores', lowestResolution: 30, mask, output: join(dir, 'm.mrc'), onProgress })],
    ['fsc', (onProgress) => fscJob(h1, h2, { outputPrefix: join(dir, 'f'), onProgress })],
  ];
  for (const [what, run] of runs) {
    const r = phaseRecorder();
    await run(r.onProgress);
    const at = r.seen.indexOf('diagnostics');
    assert.ok(at >= 0, `${what}: ${r.seen.join(', ')}`);
    assert.equal(r.seen[at + 1], 'timer', `${what}: ${r.seen.join(', ')}`);
  }
});
