/**
 * Batch claims of a run in another PID namespace of this host (a container sharing the host's
 * name, e.g. `docker run --network host`): its PID means nothing here, and its live claim had been
 * taken over at once (the PID read as one of this namespace, not running or started at another
 * time), so both runs computed the map. As for the commit lock (test/core/commit-lock.test.ts): the
 * claim is kept while a process of that namespace runs, and taken over once none does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimItem, cleanLockDir, LOCK_DIR } from '../../src/batch/claims.js';
import { pidNamespace } from '../../src/core/process-alive.js';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { waitUntil } from '../helpers/wait-until.js';

const tempFolder = tempFolders('occupy-claims-ns-');

test('a live claim of a run in another PID namespace of this host is not taken over; once that run has ended it is', async (t) => {
  const probe = spawnSync('unshare', ['-pf', '--mount-proc', 'true']);
  if (probe.status !== 0 || pidNamespace() === undefined) {
    t.skip('no PID namespaces here (unshare needs root)');
    return;
  }
  const out = await tempFolder();
  const marker = join(await tempFolder(), 'releasing');
  // the holder claims map 'm1' with this code, as PID 1 of a new PID namespace, and holds it 2 s
  const script = `const { claimItem } = await import(${JSON.stringify(join(PROJECT_ROOT, 'src/batch/claims.ts'))});
    const { writeFileSync } = await import('node:fs');
    const claim = await claimItem(${JSON.stringify(out)}, 'm1');
    if (!claim) process.exit(3);
    await new Promise((r) => setTimeout(r, 2000));
    writeFileSync(${JSON.stringify(marker)}, '');
    await claim.release();`;
  const holder = spawn('unshare', ['-pf', '--mount-proc', process.execPath, '--import', TSX, '--input-type=module', '-e', script], { stdio: 'ignore' });
  const ended = new Promise<number | null>((r) => holder.on('close', r));
  const lock = join(out, LOCK_DIR, 'm1.lock');
  // until the holder has claimed the map (its start-up from source in the new namespace takes 1-2 s
  // under load; 200 polls of 20 ms had left a margin of about 2 s)
  const t1 = performance.now();
  while (!existsSync(lock) && performance.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(existsSync(lock), 'the holder claimed the map');
  const mine = await claimItem(out, 'm1');
  if (mine) {
    const early = !existsSync(marker);
    await mine.release();
    assert.ok(!early, 'the live claim of the other namespace was taken over');
  }
  assert.equal(await ended, 0, 'the holder ran to its end');
  const after = await claimItem(out, 'm1');
  assert.ok(after, 'claimed once the holder has gone');
  await after.release();
});

test('a side file of a claim being written by a run in another PID namespace of this host is kept by cleanLockDir; once that run has ended it is removed', async (t) => {
  const probe = spawnSync('unshare', ['-pf', '--mount-proc', 'true']);
  if (probe.status !== 0 || pidNamespace() === undefined) {
    t.skip('no PID namespaces here (unshare needs root)');
    return;
  }
  // the writer gets a PID that no process has here (set through the new namespace's
  // ns_last_pid), as a run in a container has: one its PID namespace alone knows
  const running = new Set(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number));
  let pid = 30000;
  while (pid > 1000 && (running.has(pid) || running.has(pid - 1))) pid--;
  const out = await tempFolder();
  const signals = await tempFolder();
  const ready = join(signals, 'ready');
  const go = join(signals, 'go');
  // the writer has a side file of the lock of 'm1' (as claimItem writes before linking it) and is
  // still writing it until told to go on; it says so in `ready`, written under another name and
  // renamed (writeFileSync creates the file empty before it fills it: the wait below could read it
  // in between and fail on JSON.parse)
  const script = `const { sideName, LOCK_DIR } = await import(${JSON.stringify(join(PROJECT_ROOT, 'src/batch/claims.ts'))});
    const { existsSync, mkdirSync, renameSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    mkdirSync(join(${JSON.stringify(out)}, LOCK_DIR), { recursive: true });
    const side = sideName(join(${JSON.stringify(out)}, LOCK_DIR, 'm1.lock'), 'tmp');
    writeFileSync(side, '{"host":');
    writeFileSync(${JSON.stringify(ready + '.part')}, JSON.stringify({ side, pid: process.pid }));
    renameSync(${JSON.stringify(ready + '.part')}, ${JSON.stringify(ready)});
    for (let i = 0; i < 1500 && !existsSync(${JSON.stringify(go)}); i++) await new Promise((r) => setTimeout(r, 20));`;
  const inner = `echo ${pid - 1} > /proc/sys/kernel/ns_last_pid; "$0" --import "$1" --input-type=module -e "$2" & wait $!`;
  const writer = spawn('unshare', ['-pf', '--mount-proc', 'sh', '-c', inner, process.execPath, TSX, script], { stdio: 'ignore' });
  const ended = new Promise<number | null>((r) => writer.on('close', r));
  try {
    // (until the writer, started from source in a new namespace, has written it: 500 polls of 20 ms
    // had assumed that within 10 s; the holder of the test above took 1.0-1.7 s under load)
    await waitUntil(() => existsSync(ready), 'the writer wrote its side file');
    const { side, pid: itsPid } = JSON.parse(readFileSync(ready, 'utf8')) as { side: string; pid: number };
    if (itsPid !== pid || existsSync(`/proc/${itsPid}`)) {
      t.skip(`the writer's PID ${itsPid} is one of a process here too`);
      return;
    }
    await cleanLockDir(out);
    assert.ok(existsSync(side), "the side file of a live writer in another PID namespace was removed (its PID read as one of this namespace's)");
  } finally {
    writeFileSync(go, '');
    await ended;
  }
  const { side } = JSON.parse(readFileSync(ready, 'utf8')) as { side: string };
  // (a few tries: a namespace made meanwhile by another test may briefly reuse the ended one's inode)
  for (let i = 0; i < 50 && existsSync(side); i++) {
    await cleanLockDir(out);
    if (existsSync(side)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(!existsSync(side), 'the side file of a writer whose namespace has gone is removed');
});
