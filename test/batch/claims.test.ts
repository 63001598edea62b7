/**
 * Claims of batch maps: a map another live run holds while computing other settings is waited for
 * and then computed (a run never returns with such a map left undone); one it computes with the
 * same settings is left to it; the lock and staging folder of a killed run whose process is still
 * a zombie (not reaped by its parent) are taken over. Locks are held by hand, not by racing two
 * runs. Synthetic 32³ maps only.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs, type BatchItem } from '../../src/batch/inputs.js';
import { parseRecords, type BatchRecord } from '../../src/batch/record.js';
import { appendRecord } from '../../src/batch/results-file.js';
import { runBatch } from '../../src/batch/runner.js';
import { LOCK_DIR, processAlive, processStat } from '../../src/batch/claims.js';
import { inputDigest, runKey } from '../../src/batch/run-key.js';
import type { BatchMethodOptions } from '../../src/batch/run-item.js';
import { createOwnedDir } from '../../src/batch/owned-dirs.js';
import { runItem, STAGING_DIR } from '../../src/batch/run-item.js';
import { loadFft } from '../../src/math/fft.js';
import { occupy } from '../helpers/occupy-child.js';

/** A small deterministic test map (n³) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/**
 * A real zombie: `sh` starts a child, then becomes `sleep 60`, which never reaps it; the child exits
 * only once its parent is `sleep` (so the shell cannot have reaped it before the exec).
 * @returns the zombie's PID and the parent (kill it to let init reap the zombie)
 */
async function makeZombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const script = '(while [ "$(cat /proc/$$/comm)" != sleep ]; do sleep 0.01; done) & echo $!; exec sleep 60';
  const parent = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await new Promise<number>((res, rej) => {
    let out = '';
    parent.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res(Number(out.trim()));
    });
    parent.once('exit', () => rej(new Error('zombie parent exited')));
  });
  // wait until the kernel shows the child as a zombie
  while (processStat(pid) !== undefined && processStat(pid)?.state !== 'Z') await new Promise((r) => setTimeout(r, 10));
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
    assert.deepEqual([r.done, r.waited, r.failed], [1, 0, 0]);
    assert.ok(!existsSync(lock), 'the zombie lock was taken over and released');
    assert.ok(!existsSync(join(out, LOCK_DIR)), 'the empty lock folder was removed');
    assert.ok(!existsSync(staging), 'the zombie staging folder was removed');
  });
});

describe('batch claims: a map another live run holds is waited for, never reported done before it is', () => {
  let work: string;
  let other: ChildProcess;
  const amplify: BatchMethodOptions = { seed: 0, modifications: [{ kind: 'amplify', gamma: 2 }] };
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-wait-'));
    await loadFft();
    // stands for the other run: a live process on this host, alive until after() (or until this
    // process ends: its stdin closes). It had been \`sleep 60\`, and the suite takes over 60 s on a
    // loaded machine: the holder was gone before the last test, whose run then took the lock over
    // at once instead of waiting (1 of 3 runs under load failed 'released')
    other = spawn('sh', ['-c', 'read _'], { stdio: ['pipe', 'ignore', 'ignore'] });
  });
  after(() => {
    other.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  /** Three maps, and a lock of `other` written by hand into `out` for map k with `key`. */
  async function setUp(name: string) {
    const dir = join(work, name);
    mkdirSync(dir);
    const paths = [1, 2, 3].map((k) => {
      const p = join(dir, `m${k}.mrc`);
      writeFileSync(p, mapBytes(10 + k));
      return p;
    });
    const items = await resolveBatchInputs(paths);
    const out = join(dir, 'out');
    mkdirSync(join(out, LOCK_DIR), { recursive: true });
    const hold = (k: number, key?: string) => {
      // as another run's claim makes it (a run that ends removes it when empty)
      mkdirSync(join(out, LOCK_DIR), { recursive: true });
      const lock = join(out, LOCK_DIR, `${items[k].id}.lock`);
      writeFileSync(lock, JSON.stringify({ host: hostname(), pid: other.pid, start: processStat(other.pid ?? -1)?.start, nonce: `held-${k}`, ...(key === undefined ? {} : { key }) }) + '\n');
      return lock;
    };
    return { items, out, hold };
  }

  for (const jobs of [1, 2]) it(`waits for maps held with other settings (or without a key), then computes them: every map done, none waited (--jobs ${jobs})`, async () => {
    const { items, out, hold } = await setUp(`other-${jobs}`);
    const locks = new Map([[items[0].id, hold(0, 'attenuate-run-key')], [items[1].id, hold(1)]]);
    const waits: string[] = [];
    // the other run finishes a map (releases its lock) only when this run says it waits for it
    const r = await runBatch(items, amplify, {
      outRoot: out,
      jobs,
      onWaiting: (message) => {
        waits.push(message);
        rmSync(locks.get(message.split(':')[0]) ?? '');
      },
    });
    assert.deepEqual([r.done, r.waited, r.failed, r.skipped], [3, 0, 0, 0]);
    assert.equal(waits.length, 2, waits.join('\n'));
    waits.sort(); // lanes of --jobs 2 may announce in either order
    assert.match(waits[0], new RegExp(`^${items[0].id}: another run \\(${hostname()}, PID ${other.pid}\\) is computing this map with other settings; waiting`));
    assert.match(waits[1], new RegExp(`^${items[1].id}: .* settings not known to be these; waiting`));
    for (const it of items) assert.ok(existsSync(join(out, it.id, `ampl_2.0_${it.id}.mrc`)), it.id);
    assert.ok(!existsSync(join(out, LOCK_DIR)), 'the empty lock folder was removed');
  });

  /** What the other run does for map `k` when it finishes: its folder and record, then its lock released. */
  async function finishAs(out: string, item: BatchItem, lock: string): Promise<BatchRecord> {
    const rec = await runItem(out, item, amplify);
    assert.equal(rec.status, 'ok', rec.message);
    await appendRecord(join(out, 'results.jsonl'), rec);
    rmSync(lock);
    return rec;
  }

  for (const jobs of [1, 2]) it(`waits for a map held with the same settings (completion key): counted as waited once that run completed it, never computed twice (--jobs ${jobs})`, async () => {
    const { items, out, hold } = await setUp(`same-${jobs}`);
    const key = runKey(amplify, (await inputDigest(items[0])) ?? '');
    const lock = hold(0, key);
    const waits: string[] = [];
    let theirRun: Promise<BatchRecord> | undefined;
    let folderAtWait: boolean | undefined;
    const r = await runBatch(items, amplify, {
      outRoot: out,
      jobs,
      onWaiting: (m) => {
        waits.push(m);
        folderAtWait = existsSync(join(out, items[0].id));
        theirRun ??= finishAs(out, items[0], lock);
      },
    });
    const theirs = await theirRun;
    assert.deepEqual([r.done, r.waited, r.skipped, r.failed], [2, 1, 0, 0]);
    assert.deepEqual(r.waitedFor, [items[0].id]);
    assert.equal(folderAtWait, false, 'not complete when the wait began');
    assert.deepEqual(waits, [`${items[0].id}: another run (${hostname()}, PID ${other.pid}) is computing this map with these settings; waiting for it to finish`]);
    // the run returns the other run's record: that run computed it, this one did not
    assert.equal(r.records.find((x) => x.id === items[0].id)?.finishedAt, theirs?.finishedAt);
    const recs = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8')).filter((x) => x.id === items[0].id);
    assert.equal(recs.length, 1, 'one record of the waited-for map');
    for (const it of items) assert.ok(existsSync(join(out, it.id, `ampl_2.0_${it.id}.mrc`)), it.id);
    assert.ok(!existsSync(join(out, LOCK_DIR)), 'the empty lock folder was removed');
  });

  it('a map held with the same settings whose run ends without completing it is computed by this run; --force recomputes a map another run held', async () => {
    const { items, out, hold } = await setUp('same-dies');
    const key = runKey(amplify, (await inputDigest(items[0])) ?? '');
    const lock = hold(0, key);
    const waits: string[] = [];
    const r = await runBatch(items, amplify, { outRoot: out, onWaiting: (m) => (waits.push(m), rmSync(lock)) });
    assert.deepEqual([r.done, r.waited, waits.length], [3, 0, 1]);
    hold(0, key);
    const f = await runBatch(items, amplify, { outRoot: out, force: true, onWaiting: (m) => (waits.push(m), rmSync(lock)) });
    assert.deepEqual([f.done, f.waited, waits.length], [3, 0, 2]);
    assert.match(waits[1], /with other settings|not known/);
  });

  it('a map held with the same settings (CLI): exit 0 only once the other run completed it; the summary names it', async () => {
    const { items, out, hold } = await setUp('same-cli');
    // what the other run (same command line, same settings) leaves: computed into a folder of its own
    const ref = join(work, 'same-cli', 'ref');
    const first = await occupy(['batch', items[0].source, '-d', ref, '--amplify', '2', '--jobs', '1', '-q']);
    assert.equal(first.code, 0, first.stderr);
    const refRecord = JSON.parse(readFileSync(join(ref, items[0].id, 'record.json'), 'utf8')) as BatchRecord;
    const lock = hold(0, refRecord.key);
    const p = occupy(['batch', ...items.map((it) => it.source), '-d', out, '--amplify', '2', '--jobs', '1']);
    let finishedByOther = false;
    let completeAtWait: boolean | undefined;
    p.child.stderr?.on('data', (d: Buffer) => {
      if (finishedByOther || !d.toString().includes('these settings; waiting for it to finish')) return;
      finishedByOther = true;
      completeAtWait = existsSync(join(out, items[0].id));
      // the other run finishes: its folder moved into place, its record appended, its lock released
      setTimeout(() => {
        cpSync(join(ref, items[0].id), join(out, items[0].id), { recursive: true });
        appendFileSync(join(out, 'results.jsonl'), JSON.stringify(refRecord) + '\n');
        rmSync(lock);
      }, 1500);
    });
    const r = await p;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(finishedByOther, r.stderr);
    assert.equal(completeAtWait, false);
    assert.match(r.stderr, new RegExp(`${items[0].id}: another run \\(${hostname()}, PID ${other.pid}\\) is computing this map with these settings; waiting for it to finish`));
    assert.match(r.stderr, /Batch: 3 maps, 2 done, 0 already complete, 0 failed, 1 computed by another run with these settings while this one waited/);
    assert.match(r.stderr, new RegExp(`Waited for \\(computed by another run with these settings, complete\\): ${items[0].id}\n`));
    for (const it of items) assert.ok(existsSync(join(out, it.id, `ampl_2.0_${it.id}.mrc`)), it.id);
  });

  it('a wait with no end in sight is reported again (holder, PID, since when) every waitReportMs', async () => {
    const { items, out } = await setUp('reminder');
    const since = '2030-01-02T03:04:05.000Z';
    const lock = join(out, LOCK_DIR, `${items[0].id}.lock`);
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: other.pid, start: processStat(other.pid ?? -1)?.start, nonce: 'hung', key: 'other', since }) + '\n');
    const waits: { at: number; m: string }[] = [];
    const t0 = Date.now();
    // the hung holder is stopped after a while in any case, so a run that never reports again still
    // ends (60 s: 6 s had raced the third report, due about 3-4 s after the wait begins, when a
    // loaded machine was slow to reach the wait)
    const stop = setTimeout(() => rmSync(lock, { force: true }), 60_000);
    const r = await runBatch([items[0]], amplify, {
      outRoot: out,
      waitReportMs: 1500,
      onWaiting: (m) => {
        waits.push({ at: Date.now() - t0, m });
        if (waits.length === 3) rmSync(lock);
      },
    });
    clearTimeout(stop);
    assert.equal(r.done, 1);
    assert.equal(waits.length, 3, waits.map((w) => w.m).join('\n'));
    assert.match(waits[0].m, /is computing this map with other settings; waiting for it to finish/);
    for (const w of waits.slice(1)) assert.equal(w.m, `${items[0].id}: still waiting for another run (${hostname()}, PID ${other.pid}), which has held this map since ${since} (${w.m.match(/\((-?\d+) min\)/)?.[1]} min); the wait ends when it finishes or stops (stop it to take the map over)`);
    assert.ok(waits[2].at - waits[1].at >= 1400, `reported every 1.5 s, not more often: ${waits.map((w) => w.at).join(', ')}`);
  });

  it('occupy batch: says which map it waits for and why, exits 0 only once its own outputs are all there', async () => {
    const { items, out, hold } = await setUp('cli');
    const lock = hold(0, 'attenuate-run-key');
    const p = occupy(['batch', ...items.map((it) => it.source), '-d', out, '--amplify', '2', '--jobs', '1', '--json']);
    // the other run finishes when this one says it waits for it
    let released = false;
    const onData = (d: Buffer) => {
      if (!released && d.toString().includes('waiting for it to finish')) {
        released = true;
        rmSync(lock);
      }
    };
    p.child.stderr?.on('data', onData);
    const r = await p;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(released, r.stderr);
    assert.match(r.stderr, new RegExp(`${items[0].id}: another run .* is computing this map with other settings; waiting for it to finish, then computing this run's`));
    const s = JSON.parse(r.stdout) as { done: number; waited: number };
    assert.deepEqual([s.done, s.waited], [3, 0]);
    for (const it of items) assert.ok(existsSync(join(out, it.id, `ampl_2.0_${it.id}.mrc`)), it.id);
  });
});
