/**
 * `occupy batch` fixes of the tester's findings: `--force` keeps what batch did not write (and the
 * run's inputs) in a map folder; the sbatch script never replaces an input; a signal or a fatal
 * error removes the run's staging folder and locks; a FIFO is refused at once; `collect` writes its
 * two files as one set; failure messages name final paths, not the staging folder. Synthetic maps
 * only. The disk-full cases mount a small tmpfs and are skipped when that is not possible (not root).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { resolveBatchInputs } from '../../src/batch/inputs.js';
import { parseRecords, type BatchRecord } from '../../src/batch/record.js';
import { LOCK_DIR } from '../../src/batch/claims.js';
import { runBatch } from '../../src/batch/runner.js';
import { createRunStaging, STAGING_DIR } from '../../src/batch/run-item.js';
import { removeOwnedDir } from '../../src/batch/owned-dirs.js';
import { rmdir } from 'node:fs/promises';
import { loadFft } from '../../src/math/fft.js';
import { occupy, type Run } from '../helpers/occupy-child.js';
import { mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';


/** {@link occupy} killed (SIGKILL) after `ms`: then code -1 and stderr `timeout`. */
async function occupyWithin(args: string[], cwd: string, ms: number): Promise<Run> {
  const p = occupy(args, cwd);
  const timer = setTimeout(() => p.child.kill('SIGKILL'), ms);
  const r = await p;
  clearTimeout(timer);
  return r.signal === 'SIGKILL' ? { ...r, code: -1, stderr: `timeout; ${r.stderr}` } : r;
}

/** A small deterministic test map (n³) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/** Records of `results.jsonl` in `out`. */
function records(out: string): BatchRecord[] {
  return parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8'));
}


/** Fill a tmpfs until it is full. */
function fill(dir: string): void {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(dir, `fill${i}`), chunk);
    } catch {
      return;
    }
  }
}

describe('occupy batch fixes', () => {
  let work: string;
  const mounts: string[] = [];
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-fixes-'));
    await loadFft();
  });
  after(() => {
    for (const m of mounts) unmountTmpfs(m);
    rmSync(work, { recursive: true, force: true });
  });

  it('--force keeps files batch did not write in a map folder, and an input of the run there', async () => {
    const dir = join(work, 'force');
    mkdirSync(dir);
    const map = join(dir, 'map.mrc');
    writeFileSync(map, mapBytes(1));
    const out = join(dir, 'B');
    const [item] = await resolveBatchInputs([map]);
    assert.equal((await runBatch([item], { seed: 1 }, { outRoot: out })).done, 1);
    const userMap = join(out, item.id, 'user_map.mrc');
    const userMapBytes = mapBytes(2);
    writeFileSync(userMap, userMapBytes);
    writeFileSync(join(out, item.id, 'user_notes.txt'), 'note\n');
    const items = await resolveBatchInputs([map, userMap]);
    const r = await runBatch(items, { seed: 1 }, { outRoot: out, force: true });
    assert.equal(r.failed, 0, JSON.stringify(r.records.map((x) => x.message)));
    assert.equal(r.done, 2);
    assert.deepEqual(readFileSync(userMap), Buffer.from(userMapBytes));
    assert.equal(readFileSync(join(out, item.id, 'user_notes.txt'), 'utf8'), 'note\n');
    // the new record lists only batch's own files; a second --force and a rerun with other settings keep them too
    const rec = JSON.parse(readFileSync(join(out, item.id, 'record.json'), 'utf8')) as BatchRecord;
    assert.ok(!rec.files?.some((f) => /user_/.test(f)), JSON.stringify(rec.files));
    await runBatch([item], { seed: 1, modifications: [{ kind: 'amplify', gamma: 2 }] }, { outRoot: out });
    await runBatch([item], { seed: 1 }, { outRoot: out, force: true });
    assert.deepEqual(readFileSync(userMap), Buffer.from(userMapBytes));
    assert.equal(readFileSync(join(out, item.id, 'user_notes.txt'), 'utf8'), 'note\n');
    assert.ok(!existsSync(join(out, '.staging')));
    // a user file with the name of an output of the new run (not one of the folder's recorded
    // outputs): the map fails in one line, the folder is unchanged
    const clash = join(out, item.id, `ampl_2.0_${item.id}.mrc`);
    writeFileSync(clash, 'mine');
    const before = readdirSync(join(out, item.id)).sort();
    const r3 = await runBatch([item], { seed: 1, modifications: [{ kind: 'amplify', gamma: 2 }] }, { outRoot: out, force: true });
    assert.equal(r3.failed, 1);
    assert.match(r3.records[0].message ?? '', /ampl_2\.0_.*' was not written by occupy batch and this run writes a file of that name/);
    assert.equal(readFileSync(clash, 'utf8'), 'mine');
    assert.deepEqual(readdirSync(join(out, item.id)).sort(), before);
    assert.ok(!existsSync(join(out, '.staging')));
  });

  it('files in the output folder\'s .locks that are not locks of occupy batch are never removed; one at a map\'s lock name fails that map in one line', async () => {
    const dir = join(work, 'userlocks');
    mkdirSync(dir);
    const maps = [0, 1].map((k) => {
      const p = join(dir, `u${k}.mrc`);
      writeFileSync(p, mapBytes(20 + k));
      return p;
    });
    const items = await resolveBatchInputs(maps);
    // -d names a folder that already has a .locks folder of the user's (or of another tool)
    const out = join(dir, 'project');
    mkdirSync(join(out, LOCK_DIR), { recursive: true });
    const notes = join(out, LOCK_DIR, 'notes.lock');
    const json = join(out, LOCK_DIR, 'other-tool.lock');
    const atMapName = join(out, LOCK_DIR, `${items[1].id}.lock`);
    writeFileSync(notes, 'my notes\n');
    writeFileSync(json, '{"owner":"someone else"}\n');
    writeFileSync(atMapName, '{"pid":1,"host":"not-this-tool"}\n');
    const old = new Date(Date.now() - 2 * 3600 * 1000); // long past every staleness limit
    for (const f of [notes, json, atMapName]) utimesSync(f, old, old);
    const r = await occupy(['batch', ...maps, '-d', out, '--json', '-q']);
    assert.equal(r.code, 3, r.stderr);
    assert.deepEqual([JSON.parse(r.stdout).done, JSON.parse(r.stdout).failed], [1, 1]);
    assert.equal(readFileSync(notes, 'utf8'), 'my notes\n');
    assert.equal(readFileSync(json, 'utf8'), '{"owner":"someone else"}\n');
    assert.equal(readFileSync(atMapName, 'utf8'), '{"pid":1,"host":"not-this-tool"}\n');
    const failed = records(out).find((x) => x.id === items[1].id);
    assert.equal(failed?.message, `'${atMapName}' is not a lock of occupy batch (a file it did not write): move it away and rerun`);
    assert.ok(!existsSync(join(out, items[1].id)));
    // moved away: the rerun computes it
    rmSync(atMapName);
    const again = await occupy(['batch', ...maps, '-d', out, '--json', '-q']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(join(out, LOCK_DIR)).sort(), ['notes.lock', 'other-tool.lock']);
  });

  it('a run makes its staging folder even while other runs remove an empty .staging (SLURM tasks starting together)', async () => {
    // seen on a 4-task array: one task failed at once with "'<out>/.staging': no such file or
    // directory" (lstat), another task having removed the empty .staging between mkdir and lstat
    const out = join(work, 'staging-race');
    mkdirSync(out);
    let stop = false;
    const remover = (async () => {
      while (!stop) {
        await rmdir(join(out, STAGING_DIR)).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const errors: string[] = [];
    for (let i = 0; i < 1000; i++) {
      try {
        await createRunStaging(out, join(out, STAGING_DIR, `other-host-${i}`));
        await removeOwnedDir(join(out, STAGING_DIR), `other-host-${i}`);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    stop = true;
    await remover;
    assert.deepEqual(errors.slice(0, 3), [], `${errors.length} of 1000 failed`);
  });

  it('--slurm refuses an sbatch script name that is a link to an input map (one line, the map untouched)', async () => {
    const dir = join(work, 'slurmlink');
    mkdirSync(join(dir, 'SB'), { recursive: true });
    const victim = join(dir, 'victim.mrc');
    const bytes = mapBytes(3);
    writeFileSync(victim, bytes);
    symlinkSync('../victim.mrc', join(dir, 'SB', 'occupy_batch.sbatch'));
    const r = await occupy(['batch', 'victim.mrc', '-d', 'SB', '--slurm'], dir);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^occupy: error: refusing to overwrite input '.*victim\.mrc'/);
    assert.deepEqual(readFileSync(victim), Buffer.from(bytes));
    assert.ok(lstatSync(join(dir, 'SB', 'occupy_batch.sbatch')).isSymbolicLink());
    assert.deepEqual(readdirSync(join(dir, 'SB')).filter((f) => f.endsWith('.tmp')), []);
  });

  for (const [signal, jobs, code] of [['SIGTERM', 1, 143], ['SIGINT', 2, 130]] as const) {
    it(`${signal} during a run (--jobs ${jobs}) removes the run's staging folder and locks; exit ${code}`, async () => {
      const dir = join(work, `signal-${jobs}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.mrc'), mapBytes(4, 64));
      writeFileSync(join(dir, 'b.mrc'), mapBytes(5, 64));
      const out = join(dir, 'out');
      // another run's lock and staging folder (a live process: this test's) must stay
      mkdirSync(join(out, LOCK_DIR), { recursive: true });
      const other = join(out, '.staging', `${hostname()}-${process.pid}`);
      mkdirSync(other, { recursive: true });
      writeFileSync(join(other, '.occupy-batch'), JSON.stringify({ tool: 'occupy-ts batch', kind: 'run', host: hostname(), pid: process.pid }) + '\n');
      const otherLock = join(out, LOCK_DIR, 'zzz-other.lock');
      writeFileSync(otherLock, JSON.stringify({ host: hostname(), pid: process.pid, nonce: 'x' }) + '\n');
      const p = occupy(['batch', 'a.mrc', 'b.mrc', '-d', 'out', '--jobs', String(jobs), '-q'], dir);
      const mine = join(out, '.staging', `${hostname()}-${p.child.pid}`);
      // wait until a map is being computed (its staging folder and lock exist), then stop the run
      const t0 = Date.now();
      while (Date.now() - t0 < 30000) {
        const busy = existsSync(mine) && readdirSync(mine).some((f) => f.startsWith('a-') || f.startsWith('b-'));
        const locked = readdirSync(join(out, LOCK_DIR)).some((f) => f !== 'zzz-other.lock' && f.endsWith('.lock'));
        if (busy && locked) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      p.child.kill(signal);
      const r = await p;
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`interrupted by ${signal}`));
      // (no pause: the run waits for its killed workers before it removes its staging folder and exits)
      assert.ok(!existsSync(mine), `left ${mine}`);
      assert.deepEqual(readdirSync(join(out, LOCK_DIR)).sort(), ['zzz-other.lock']);
      assert.ok(existsSync(join(other, '.occupy-batch')));
    });
  }

  it('a run stopped by SIGINT mid-map (no other run) leaves no empty .locks; nor does a finished run (session 57: both left it)', async () => {
    const dir = join(work, 'signal-no-other');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.mrc'), mapBytes(8, 64));
    writeFileSync(join(dir, 'b.mrc'), mapBytes(9, 64));
    const out = join(dir, 'out');
    const p = occupy(['batch', 'a.mrc', 'b.mrc', '-d', 'out', '--jobs', '1', '-q'], dir);
    const t0 = Date.now();
    while (Date.now() - t0 < 30000) {
      if (existsSync(join(out, LOCK_DIR)) && readdirSync(join(out, LOCK_DIR)).some((f) => f.endsWith('.lock'))) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    p.child.kill('SIGINT');
    const r = await p;
    assert.equal(r.code, 130, r.stderr);
    assert.ok(!existsSync(join(out, LOCK_DIR)), `left ${LOCK_DIR}: ${existsSync(out) ? readdirSync(out).join(' ') : ''}`);
    const done = await occupy(['batch', 'a.mrc', '-d', 'done', '--jobs', '1', '-q'], dir);
    assert.equal(done.code, 0, done.stderr);
    assert.ok(existsSync(join(dir, 'done', 'results.jsonl')));
    assert.ok(!existsSync(join(dir, 'done', LOCK_DIR)), readdirSync(join(dir, 'done')).join(' '));
  });

  it('-q names each failed map in one occupy: error line (session 57: exit 3 with nothing on stderr)', async () => {
    const dir = join(work, 'quiet-failed');
    mkdirSync(dir);
    writeFileSync(join(dir, 'good.mrc'), mapBytes(10));
    writeFileSync(join(dir, 'short.mrc'), mapBytes(11).subarray(0, 5000));
    const r = await occupy(['batch', 'good.mrc', 'short.mrc', '-d', 'out', '--jobs', '1', '-q'], dir);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^occupy: error: short\.mrc: .*short\.mrc: data block truncated: expected 131072 bytes of voxel data \(32x32x32, mode 2\)/);
  });

  it('a fatal error (the results file cannot be written) removes the run staging folder, also with workers', async () => {
    for (const jobs of [1, 2]) {
      const dir = join(work, `fatal-${jobs}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'a.mrc'), mapBytes(6));
      writeFileSync(join(dir, 'b.mrc'), mapBytes(7));
      const out = join(dir, 'out');
      mkdirSync(join(out, 'results.jsonl'), { recursive: true }); // appending fails
      const r = await occupy(['batch', 'a.mrc', 'b.mrc', '-d', 'out', '--jobs', String(jobs), '-q'], dir);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^occupy: error: cannot append to '.*results\.jsonl'/);
      assert.ok(!existsSync(join(out, '.staging')), `--jobs ${jobs}: ${readdirSync(out).join(' ')}`);
      assert.ok(!existsSync(join(out, LOCK_DIR)), `--jobs ${jobs}: an empty ${LOCK_DIR} left`);
    }
  });

  it('a FIFO is refused at once: an error record for a FIFO map (exit 3), one line for a FIFO manifest', async () => {
    const dir = join(work, 'fifo');
    mkdirSync(dir);
    execFileSync('mkfifo', [join(dir, 'fifo.mrc'), join(dir, 'list.txt')]);
    writeFileSync(join(dir, 'good.mrc'), mapBytes(8));
    const t0 = Date.now();
    const r = await occupyWithin(['batch', 'fifo.mrc', 'good.mrc', '-d', 'bo', '-q'], dir, 20000);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(Date.now() - t0 < 20000);
    const recs = records(join(dir, 'bo'));
    const bad = recs.find((x) => x.map === 'fifo.mrc');
    assert.equal(bad?.status, 'error');
    assert.match(bad?.message ?? '', /^cannot read map 'fifo\.mrc': it is a named pipe \(FIFO\), not a regular file$/);
    assert.equal(recs.find((x) => x.map === 'good.mrc')?.status, 'ok');
    const m = await occupyWithin(['batch', 'list.txt', '-d', 'bo2'], dir, 20000);
    assert.equal(m.code, 1, m.stderr);
    assert.deepEqual(m.stderr.trim().split('\n'), ["occupy: error: cannot read batch input 'list.txt': it is a named pipe (FIFO), not a regular file"]);
  });

  it('collect writes results.csv and report.html as one set: neither when one cannot be written', async () => {
    const dir = join(work, 'collect');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.mrc'), mapBytes(9));
    const out = join(dir, 'out');
    const [item] = await resolveBatchInputs([join(dir, 'a.mrc')]);
    await runBatch([item], {}, { outRoot: out });
    mkdirSync(join(out, 'report.html')); // the report cannot be written
    const r = await occupy(['batch', 'collect', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /report\.html/);
    assert.ok(!existsSync(join(out, 'results.csv')), 'results.csv written without report.html');
    assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
  });

  it('disk full with one block left (tmpfs): no empty .plans and no lock side file are left behind (session 58: both were)', async (t) => {
    const mnt = join(work, 'tmpfs-one-block');
    const why = mountTmpfs(mnt, 'size=64k');
    if (why) {
      t.skip(why);
      return;
    }
    mounts.push(mnt);
    const map = join(work, 'one-block.mrc');
    writeFileSync(map, mapBytes(11));
    fill(mnt);
    // one 4 KiB block free: the staging folder's marker takes it, the plan and the lock find none
    rmSync(join(mnt, 'fill0'));
    const out = join(mnt, 'b');
    const r = await occupy(['batch', map, '-d', out, '-q']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no space left on device/);
    for (const hidden of ['.plans', '.locks', '.staging']) {
      const left = existsSync(join(out, hidden)) ? readdirSync(join(out, hidden)) : undefined;
      assert.ok(left === undefined || left.length > 0, `an empty ${hidden} left`);
      assert.deepEqual((left ?? []).filter((f) => f.includes('.tmp-')), [], `${hidden}: ${left?.join(' ')}`);
    }
  });

  it('disk full (tmpfs): a map failure names its final folder, not the staging folder; no short sbatch script; collect leaves neither file', async (t) => {
    const mnt = join(work, 'tmpfs');
    const why = mountTmpfs(mnt, 'size=96k');
    if (why) {
      t.skip(why);
      return;
    }
    mounts.push(mnt);
    const map = join(work, 'full.mrc');
    writeFileSync(map, mapBytes(10));
    const out = join(mnt, 'b');
    const [item] = await resolveBatchInputs([map]);
    const r = await runBatch([item], {}, { outRoot: out });
    assert.equal(r.failed, 1);
    const message = r.records[0].message ?? '';
    assert.match(message, new RegExp(`^cannot write '${out}/${item.id}/[^/]+_${item.id}\\.mrc': no space left on device$`));
    assert.doesNotMatch(message, /\.staging/);
    assert.ok(!existsSync(join(out, '.staging')));

    // results.jsonl of a finished map, then a full disk: collect writes neither file
    unmountTmpfs(mnt);
    assert.equal(mountTmpfs(mnt, 'size=16k'), undefined);
    mkdirSync(join(mnt, 'c'));
    writeFileSync(join(mnt, 'c', 'results.jsonl'), readFileSync(join(work, 'collect', 'out', 'results.jsonl')));
    const c = await occupy(['batch', 'collect', join(mnt, 'c')]);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stderr, /no space left on device/);
    assert.deepEqual(readdirSync(join(mnt, 'c')), ['results.jsonl']);

    // the sbatch script on a full disk: one line, nothing under its name
    mkdirSync(join(mnt, 's', 'slurm-logs'), { recursive: true });
    fill(mnt);
    const s = await occupy(['batch', map, '-d', join(mnt, 's'), '--slurm']);
    assert.equal(s.code, 1, s.stderr);
    assert.deepEqual(s.stderr.trim().split('\n'), [`occupy: error: cannot write '${join(mnt, 's', 'occupy_batch.sbatch')}': no space left on device`]);
    assert.deepEqual(readdirSync(join(mnt, 's')), ['slurm-logs']);
  });
});
