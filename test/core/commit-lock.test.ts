/**
 * Commits of output sets into one folder are serialised between processes: two runs writing the
 * same names had renamed their files one at a time, interleaved, leaving a folder with one run's
 * scale map beside the other's confidence map and log (sweep, session 51: 3 of 65 pairs, and
 * every time with one run's renames slowed by strace). The lock in the folder is removed after the
 * commit, and a killed holder's lock does not block a folder for ever.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { lstat, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OutputSet } from '../../src/core/output-set.js';
import { COMMIT_LOCK_NAME, setCommitLockWaitListener } from '../../src/core/commit-lock.js';
import { pidNamespace, processStart } from '../../src/core/process-alive.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { uniformRandomMap } from '../helpers/fixtures.js';
import { occupy as occupyChild } from '../helpers/occupy-child.js';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-commit-lock-');

const NAMES = ['scale_res_x.mrc', 'conf_x.mrc', 'log_x.txt'];

/**
 * A child that stages the three outputs with `content` in `dir`, says `staged`, and commits when
 * it reads a line on stdin. With `slow`, each rename onto a final name is followed by a pause of
 * 300 ms and a line `renamed` (the sweep slowed one run's renames with strace).
 */
function stager(dir: string, content: string, slow: boolean): { child: ChildProcess; lines: string[]; next: (line: string) => Promise<void>; done: Promise<number | null> } {
  const script = `
    import { createRequire, syncBuiltinESMExports } from 'node:module';
    const require = createRequire(import.meta.url);
    if (${slow}) {
      const fsp = require('node:fs/promises');
      const rename = fsp.rename;
      fsp.rename = async (from, to) => {
        await rename(from, to);
        if (!String(to).endsWith('.tmp') && !String(to).includes('.stale-')) {
          process.stdout.write('renamed\\n');
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      syncBuiltinESMExports();
    }
    const { OutputSet } = await import(${JSON.stringify(join(PROJECT_ROOT, 'src/core/output-set.ts'))});
    const set = new OutputSet();
    for (const n of ${JSON.stringify(NAMES)}) await set.writeBytes(${JSON.stringify(dir)} + '/' + n, ${JSON.stringify(content)});
    process.stdout.write('staged\\n');
    await new Promise((r) => process.stdin.once('data', r));
    await set.commit();
    process.stdout.write('committed\\n');
    process.exit(0);`;
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n').filter(Boolean)) {
      lines.push(l);
      for (const w of waiters.filter((x) => x.line === l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const next = (line: string) => new Promise<void>((resolve) => (lines.includes(line) ? resolve() : waiters.push({ line, resolve })));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, lines, next, done };
}

test('two processes committing the same names into one folder: the later commit replaces the whole set', async () => {
  const dir = await tempFolder();
  const a = stager(dir, 'run A', true);
  const b = stager(dir, 'run B', false);
  await Promise.all([a.next('staged'), b.next('staged')]);
  a.child.stdin?.write('go\n');
  await a.next('renamed'); // A has renamed its first file and pauses before the next
  b.child.stdin?.write('go\n'); // B commits while A is part-way
  assert.deepEqual(await Promise.all([a.done, b.done]), [0, 0]);
  const contents = await Promise.all(NAMES.map((n) => readFile(join(dir, n), 'utf8')));
  assert.deepEqual(contents, ['run B', 'run B', 'run B'], `a mixed set: ${NAMES.map((n, i) => `${n} ${contents[i]}`).join(', ')}`);
  assert.deepEqual((await readdir(dir)).sort(), [...NAMES].sort(), 'no lock or temporary file left');
});

test('a lock left by a killed process is taken over; one of a live process is waited for', async () => {
  const dir = await tempFolder();
  // a holder that is gone: a process that ran and exited
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  await symlink(`occupy-commit-lock ${hostname()} ${Number(dead.stdout)} - 0123abcd`, join(dir, COMMIT_LOCK_NAME));
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'a.mrc'), 'a');
  const t0 = performance.now();
  await set.commit();
  // (a lock of a dead holder read as live would hold this commit until the holder is gone: for
  // ever; the commit of one small file takes milliseconds, so 20 s, not 2, tells the two apart on a
  // loaded machine too)
  assert.ok(performance.now() - t0 < 20_000, 'the stale lock was waited for');
  assert.deepEqual(await readdir(dir), ['a.mrc']);

  // a live holder (a sleeping process): the commit waits until it is gone, then goes ahead
  const holder = spawn('sleep', ['30']);
  await symlink(`occupy-commit-lock ${hostname()} ${holder.pid} - 4567abcd`, join(dir, COMMIT_LOCK_NAME));
  const second = new OutputSet();
  await second.writeBytes(join(dir, 'a.mrc'), 'second');
  let committed = false;
  const commit = second.commit().then(() => (committed = true));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(committed, false, 'committed while another live process held the lock');
  assert.equal(await readFile(join(dir, 'a.mrc'), 'utf8'), 'a');
  const closed = new Promise((r) => holder.on('close', r));
  holder.kill('SIGKILL');
  await closed;
  await commit;
  assert.equal(await readFile(join(dir, 'a.mrc'), 'utf8'), 'second');
  assert.deepEqual(await readdir(dir), ['a.mrc']);

  // a file of that name that is not a lock of occupy: never removed, the commit goes ahead
  await writeFile(join(dir, COMMIT_LOCK_NAME), 'not ours');
  const third = new OutputSet();
  await third.writeBytes(join(dir, 'a.mrc'), 'third');
  await third.commit();
  assert.equal(await readFile(join(dir, 'a.mrc'), 'utf8'), 'third');
  assert.ok((await lstat(join(dir, COMMIT_LOCK_NAME))).isFile());
});

test("a lock left by an earlier process with this process's PID (another start time) is taken over, not waited for ever", async () => {
  // a container's run has the same small PID every time: a run killed with kill -9 left a lock
  // whose PID is the next run's own, and the next run had taken it as its own set's, waiting for ever
  const dir = await tempFolder();
  const start = processStart(process.pid);
  if (start === undefined) return; // no /proc: start times are not known
  await symlink(`occupy-commit-lock ${hostname()} ${process.pid} ${Number(start) + 1} 89abcdef`, join(dir, COMMIT_LOCK_NAME));
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'a.mrc'), 'a');
  let timer: NodeJS.Timeout | undefined;
  // (the wrong outcome is a wait for ever; 20 s, not 3, so that a loaded machine's slow commit is not taken for it)
  const timedOut = new Promise<string>((r) => (timer = setTimeout(() => r('still waiting after 20 s'), 20_000)));
  const outcome = await Promise.race([set.commit().then(() => 'committed'), timedOut]);
  clearTimeout(timer);
  assert.equal(outcome, 'committed');
  assert.deepEqual(await readdir(dir), ['a.mrc']);
});

test('a wait for a live holder is said: the library listener, and one stderr line from the CLI naming the lock and its holder', async () => {
  const dir = await tempFolder();
  const holder = spawn('sleep', ['30']);
  const closed = new Promise((r) => holder.on('close', r));
  try {
    await symlink(`occupy-commit-lock ${hostname()} ${holder.pid} - 4567abcd`, join(dir, COMMIT_LOCK_NAME));
    const heard: string[] = [];
    setCommitLockWaitListener((m) => heard.push(m));
    try {
      const set = new OutputSet();
      await set.writeBytes(join(dir, 'a.mrc'), 'a');
      const commit = set.commit();
      // the line comes after 2 s of waiting (polled rather than slept for: on a loaded machine the
      // commit may reach its wait later than a fixed sleep assumes)
      const t0 = performance.now();
      while (heard.length === 0 && performance.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
      assert.ok(performance.now() - t0 >= 1900, 'not before 2 s of waiting');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(heard.length, 1, `one line after 2 s of waiting: ${JSON.stringify(heard)}`);
      assert.match(heard[0], new RegExp(`^waiting for '${join(dir, COMMIT_LOCK_NAME).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': process ${holder.pid} on this host holds it`));
      holder.kill('SIGKILL');
      await closed;
      await commit;
    } finally {
      setCommitLockWaitListener(undefined);
    }

    // the CLI: a run whose output folder is locked by a live process says why it waits
    const sleeper = spawn('sleep', ['600']);
    const gone = new Promise((r) => sleeper.on('close', r));
    await writeMrc(join(dir, 'in.mrc'), { data: uniformRandomMap([8, 8, 8], 1), shape: [8, 8, 8], voxelSizeA: [1, 1, 1] });
    await symlink(`occupy-commit-lock ${hostname()} ${sleeper.pid} - 0badcafe`, join(dir, COMMIT_LOCK_NAME));
    // the holder ends once the run has said why it waits (the line comes after 2 s of waiting). It
    // had been killed 4 s after the spawn: on a loaded machine the start-up from source and the
    // read took over 2 s, the holder was gone before the run had waited 2 s, and no line came (2 of
    // 2 runs under load failed). A run that never says it still ends: the holder goes after 60 s
    const run = occupyChild(['pixel-size', 'set', 'in.mrc', '--angpix', '1.1', '-o', 'out.mrc'], dir);
    let said = '';
    run.child.stderr?.on('data', (d: Buffer) => {
      said += d.toString();
      if (said.includes('occupy: waiting for ')) sleeper.kill('SIGKILL');
    });
    const killer = setTimeout(() => sleeper.kill('SIGKILL'), 60_000);
    const r = await run;
    clearTimeout(killer);
    await gone;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`occupy: waiting for '.*${COMMIT_LOCK_NAME.replace('.', '\\.')}': process ${sleeper.pid} on this host holds it`), r.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ['a.mrc', 'in.mrc', 'out.mrc']);
  } finally {
    holder.kill('SIGKILL');
  }
});

test('a live holder in another PID namespace of this host (a container sharing the host name) is waited for, then its lock taken over', async (t) => {
  // its PID 1 had been read as this host's init (started at another time): the live lock was
  // taken over at once, and both runs renamed into the folder together
  const probe = spawnSync('unshare', ['-pf', '--mount-proc', 'true']);
  if (probe.status !== 0 || pidNamespace() === undefined) {
    t.skip('no PID namespaces here (unshare needs root)');
    return;
  }
  const dir = await tempFolder();
  const lock = join(dir, COMMIT_LOCK_NAME);
  // the holder takes the lock with this code, as PID 1 of a new PID namespace, and holds it 2 s
  // it marks (outside the folder) that it is about to release, so the test can tell a commit after
  // the release from one over the live lock without racing the holder's exit
  const marker = join(await tempFolder(), 'releasing');
  const script = `const { acquireCommitLock } = await import(${JSON.stringify(join(PROJECT_ROOT, 'src/core/commit-lock.ts'))});
    const { writeFileSync } = await import('node:fs');
    const release = await acquireCommitLock(${JSON.stringify(dir)});
    await new Promise((r) => setTimeout(r, 2000));
    writeFileSync(${JSON.stringify(marker)}, '');
    await release();`;
  const holder = spawn('unshare', ['-pf', '--mount-proc', process.execPath, '--import', TSX, '--input-type=module', '-e', script], { stdio: 'ignore' });
  const ended = new Promise((r) => holder.on('close', r));
  // until the holder has the lock (its start-up from source in the new namespace took 1.0-1.7 s
  // under load, 34-56 of the 100 polls of 20 ms this loop had: without the lock the commit went
  // ahead at once and failed as if it had ignored a live holder)
  const t1 = performance.now();
  while (!(await lstat(lock).then(() => true, () => false)) && performance.now() - t1 < 60_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(await lstat(lock).then(() => true, () => false), 'the holder took the lock');
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'a.mrc'), 'a');
  const t0 = performance.now();
  await set.commit();
  // (the holder's exit may come a few ms after its release, so its end is not what is asserted: a
  // CI run committed 3 ms after the release, before the holder had exited)
  assert.ok(existsSync(marker), `committed after ${Math.round(performance.now() - t0)} ms while the holder in the other namespace still held the lock`);
  await ended;
  assert.deepEqual(await readdir(dir), ['a.mrc']);
});
