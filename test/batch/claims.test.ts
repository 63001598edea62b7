/**
 * Claims of batch maps: the lock and staging folder of a killed run whose process is still a zombie
 * (not reaped by its parent) are taken over. Synthetic 32³ maps only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs } from '../../src/batch/inputs.js';
import { runBatch } from '../../src/batch/runner.js';
import { LOCK_DIR, processAlive, processStat } from '../../src/batch/claims.js';
import { createOwnedDir } from '../../src/batch/owned-dirs.js';
import { STAGING_DIR } from '../../src/batch/run-item.js';
import { loadFft } from '../../src/math/fft.js';

/** A small deterministic test map (n³) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/**
 * A real zombie: `sh` starts a short child, then becomes `sleep 60`, which never reaps it.
 * @returns the zombie's PID and the parent (kill it to let init reap the zombie)
 */
async function makeZombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((res, rej) => {
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res(Number(out.trim()));
    });
    parent.once('exit', () => rej(new Error('zombie parent exited')));
  });
  // the child exits at once; wait until the kernel shows it as a zombie
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let k = 0; k < 1000 && processStat(pid)?.state !== 'Z'; k++) Atomics.wait(pause, 0, 0, 10);
  return { pid, parent };
}

describe('batch claims: a zombie is not a live run', () => {
  let work: string;
  let zombie: { pid: number; parent: ChildProcess };
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-claims-'));
    await loadFft();
    zombie = await makeZombie();
  });
  after(() => {
    zombie.parent.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('processAlive: false for a zombie (state Z in /proc/<pid>/stat), true for its running parent and this process', () => {
    assert.equal(processStat(zombie.pid)?.state, 'Z');
    const start = processStat(zombie.pid)?.start;
    assert.equal(processAlive(zombie.pid), false);
    assert.equal(processAlive(zombie.pid, start), false);
    assert.equal(processAlive(zombie.parent.pid ?? -1), true);
    assert.equal(processAlive(process.pid, processStat(process.pid)?.start), true);
    assert.equal(processAlive(process.pid, 'not-its-start'), false, 'another start time: a reused PID');
  });

  it('a rerun takes over the lock and removes the staging folder of a killed run that is still a zombie', async () => {
    assert.equal(processStat(zombie.pid)?.state, 'Z');
    const dir = join(work, 'zombie');
    mkdirSync(dir);
    writeFileSync(join(dir, 'm.mrc'), mapBytes(7));
    const items = await resolveBatchInputs([join(dir, 'm.mrc')]);
    const out = join(dir, 'out');
    // what `occupy batch` SIGKILLed mid-map leaves: its lock (with its start time) and staging folder
    mkdirSync(join(out, LOCK_DIR), { recursive: true });
    const lock = join(out, LOCK_DIR, `${items[0].id}.lock`);
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: zombie.pid, start: processStat(zombie.pid)?.start, nonce: 'killed' }) + '\n');
    mkdirSync(join(out, STAGING_DIR));
    const staging = join(out, STAGING_DIR, `${hostname()}-${zombie.pid}`);
    await createOwnedDir(staging, 'run');
    const r = await runBatch(items, { seed: 0 }, { outRoot: out });
    assert.deepEqual([r.done, r.busy, r.failed], [1, 0, 0]);
    assert.ok(!existsSync(lock), 'the zombie lock was taken over and released');
    assert.deepEqual(readdirSync(join(out, LOCK_DIR)), []);
    assert.ok(!existsSync(staging), 'the zombie staging folder was removed');
  });
});
