/**
 * GUI job requests whose checks overlap (session 53 sweep): of two requests for the same map the
 * one asked for last runs, two jobs of one map never run at once, and a request still being
 * checked when the server stops is not started afterwards. A half-map request reads each input's
 * header once before it is queued (session 56: the first half's was read twice).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp, { mkdtemp, rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { standInWorker } from '../helpers/stand-in-worker.js';
import { JobManager, type Job } from '../../src/web/server/jobs.js';
import { Session } from '../../src/web/server/session.js';
import { HttpError } from '../../src/web/server/http-util.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';

let root: string;
let tempParent: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'occupy-job-requests-'));
  tempParent = await mkdtemp(join(tmpdir(), 'occupy-job-requests-tmp-'));
  const p = occupancyPhantom({ shape: [16, 16, 16], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [8, 8, 8], radiusA: 8, occupancy: 1 }], seed: 3 });
  for (const n of ['m.mrc', 'mask.mrc', 'soldef.mrc', 'h2.mrc']) await writeMrc(join(root, n), p.map);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(tempParent, { recursive: true, force: true });
});

/** Stand-in workers that are counted, and whose live ones can be listed. */
function workers(): { launch: () => ChildProcess; alive: () => number; launched: () => number } {
  let launched = 0;
  let alive = 0;
  return {
    launch: () => {
      launched++;
      alive++;
      const c = standInWorker();
      (c as unknown as EventEmitter).once('exit', () => alive--);
      return c;
    },
    alive: () => alive,
    launched: () => launched,
  };
}

const live = (j: Job) => j.state === 'queued' || j.state === 'running';

describe('GUI job requests whose checks overlap', () => {
  test('two requests for one map sent together: the one asked for last runs, whichever checks end first', async () => {
    const session = await Session.create(root, { tempParent });
    const w = workers();
    const jobs = new JobManager(session, { launch: w.launch, maxRunning: 2 });
    try {
      const map = await session.open('m.mrc');
      for (let trial = 0; trial < 4; trial++) {
        // the first request has more to check (two mask paths), so its checks tend to end last
        const [first, last] = await Promise.all([jobs.start(map, { targetMaskPath: 'mask.mrc', solventDefPath: 'soldef.mrc' }), jobs.start(map, {})]);
        assert.equal(last.state, 'running', `trial ${trial}: the request asked for last runs (it is ${last.state})`);
        assert.equal(first.state, 'cancelled', `trial ${trial}: the earlier request is replaced (it is ${first.state})`);
        const ev = first.events.at(-1);
        assert.ok(ev?.type === 'cancelled' && ev.reason === 'replaced', JSON.stringify(ev));
        assert.equal(w.alive(), 1, 'one worker for the map');
        await jobs.cancel(last.id);
      }
    } finally {
      await jobs.closeAll();
      await session.dispose();
    }
  });

  test('two requests replacing a running job of the same map: one job of the map runs afterwards, the last asked for', async () => {
    const session = await Session.create(root, { tempParent });
    const w = workers();
    const jobs = new JobManager(session, { launch: w.launch, maxRunning: 3 });
    try {
      const map = await session.open('m.mrc');
      const running = await jobs.start(map, {});
      assert.equal(running.state, 'running');
      // both wait for the running job's worker to end, then are queued
      const [a, b] = await Promise.all([jobs.start(map, {}), jobs.start(map, {})]);
      assert.equal(running.state, 'cancelled');
      assert.deepEqual([a, b].filter(live).map((j) => j.id), [b.id], `live jobs of the map: ${[a, b].map((j) => j.state).join(', ')}`);
      assert.equal(w.alive(), 1, 'one worker for the map');
    } finally {
      await jobs.closeAll();
      await session.dispose();
    }
  });

  test('closeAll while a request is being checked: the request is refused (503) and no worker starts', async () => {
    const session = await Session.create(root, { tempParent });
    const w = workers();
    const jobs = new JobManager(session, { launch: w.launch, maxRunning: 2 });
    try {
      const map = await session.open('m.mrc');
      const asked = jobs.start(map, { targetMaskPath: 'mask.mrc' }).then(
        (j) => j,
        (e: unknown) => e,
      );
      await jobs.closeAll();
      const outcome = await asked;
      assert.ok(outcome instanceof HttpError && outcome.status === 503, `answered ${outcome instanceof HttpError ? outcome.status : (outcome as Job).state}`);
      assert.equal(w.launched(), 0, 'workers started after closeAll');
    } finally {
      await jobs.closeAll();
      await session.dispose();
    }
  });

  test('a half-map request reads each input header once before it is queued (the first half\'s had been read twice)', async () => {
    const session = await Session.create(root, { tempParent });
    const w = workers();
    const jobs = new JobManager(session, { launch: w.launch, maxRunning: 1 });
    // every file opened through fs/promises meanwhile (the MRC reader opens each map with it)
    const opened: string[] = [];
    const open = fsp.open;
    try {
      // opened first, as the page opens it: the request then finds it in the session (no read)
      await session.open('m.mrc');
      fsp.open = ((path: Parameters<typeof open>[0], ...rest: unknown[]) => {
        opened.push(String(path));
        return (open as (...a: unknown[]) => ReturnType<typeof open>)(path, ...rest);
      }) as typeof open;
      syncBuiltinESMExports();
      const body = JSON.stringify({ half1: 'm.mrc', half2: 'h2.mrc', mask: 'mask.mrc', locresMethod: 'relion', locresSampling: 10 });
      const req = Object.assign(Readable.from([Buffer.from(body)]), { headers: {} }) as unknown as IncomingMessage;
      const job = await jobs.startHalfMaps(req);
      assert.equal(job.state, 'running');
    } finally {
      fsp.open = open;
      syncBuiltinESMExports();
      await jobs.closeAll();
      await session.dispose();
    }
    const times = (name: string) => opened.filter((p) => p === join(root, name)).length;
    assert.deepEqual({ half1: times('m.mrc'), half2: times('h2.mrc'), mask: times('mask.mrc') }, { half1: 1, half2: 1, mask: 1 }, opened.join('\n'));
  });
});
