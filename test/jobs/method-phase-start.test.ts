/**
 * A resolution method's progress phase begins when the method is started, not at its first report:
 * until then the set-up was counted in the held `diagnostics` phase, and a 256³ `locres --method
 * resmap` printed nothing for 17 s (monores 11 s; session 54).
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Volume } from '../../src/core/volume.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { loadFft } from '../../src/math/fft.js';
import { locresJob } from '../../src/jobs/locres-job.js';
import { computeJob, type JobReporter } from '../../src/jobs/resolution-job-common.js';

/** Two 24³ half maps: a shared random signal plus independent noise. */
function halves(): [Volume, Volume] {
  const n = 24 ** 3;
  const normal = gaussianSampler(mulberry32(5));
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = 3 * normal();
  const half = () => ({ data: s.map((v) => v + normal()), shape: [24, 24, 24] as [number, number, number], voxelSizeA: [1.5, 1.5, 1.5] as [number, number, number] });
  return [half(), half()];
}

describe('the method\'s phase begins with the method', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-phase-start-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(() => loadFft());

  it('computeJob: the phase is reported (at 0) before the method runs', async () => {
    const events: [string, number][] = [];
    const reporter: JobReporter = { verbosity: 'normal', progress: (p, f) => events.push([p, f]), info: () => {}, warn: () => {}, abort: () => {} };
    const [h1, h2] = halves();
    const run = computeJob(reporter, 'resMapLocalResolution', [{ half1: h1, half2: h2 }, new Float32Array(h1.data.length).fill(1), {}], 'ResMap-style test');
    // synchronously, before the worker thread could report anything
    assert.deepEqual(events[0], ['ResMap-style test', 0], JSON.stringify(events));
    await run;
    assert.deepEqual(events[events.length - 1], ['write', 0]);
  });

  it('locresJob --method monores: the monogenic phase starts at 0, right after the diagnostics', async () => {
    const [h1, h2] = halves();
    await writeMrc(join(dir, 'h1.mrc'), h1);
    await writeMrc(join(dir, 'h2.mrc'), h2);
    const events: [string, number][] = [];
    await locresJob(join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), { method: 'monores', lowestResolution: 50, output: join(dir, 'l.mrc'), onProgress: (p, f) => events.push([p, f]) });
    const d = events.findIndex(([p]) => p === 'diagnostics');
    assert.ok(d >= 0, JSON.stringify(events));
    assert.deepEqual(events[d + 1], ['monogenic', 0], JSON.stringify(events));
  });
});
