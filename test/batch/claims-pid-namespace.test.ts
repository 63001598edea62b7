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
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { claimItem, LOCK_DIR } from '../../src/batch/claims.js';
import { pidNamespace } from '../../src/core/process-alive.js';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';

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
  for (let i = 0; i < 200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 20));
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
