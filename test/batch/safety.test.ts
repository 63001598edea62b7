/**
 * `occupy batch` safety (issue 12, items 1, 7, 9): safe per-map folder names, nothing removed that
 * the tool did not create, an append-only results file that survives a cut-short line, one claim
 * per map across concurrent runs, and SLURM values that cannot add lines to the sbatch script.
 * Ends with the acceptance runs: a mixed manifest killed with SIGKILL and rerun, and two concurrent
 * runs into one folder. Synthetic 32³ maps only, so it needs no ../shared.
 */
import { mulberry32 } from '../../src/math/random.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { itemId, resolveBatchInputs } from '../../src/batch/inputs.js';
import { latestRecords, parseRecordLines, parseRecords, type BatchRecord } from '../../src/batch/record.js';
import { appendRecord, readBatchRecords } from '../../src/batch/results-file.js';
import { claimItem, LOCK_DIR } from '../../src/batch/claims.js';
import { processStart } from '../../src/core/process-alive.js';
import { inputDigest, runKey } from '../../src/batch/run-key.js';
import { MARKER_FILE } from '../../src/batch/owned-dirs.js';
import { runBatch } from '../../src/batch/runner.js';
import { checkSlurmOptions, slurmScript } from '../../src/batch/slurm.js';
import { loadFft } from '../../src/math/fft.js';
import { occupy } from '../helpers/occupy-child.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';


/** A small deterministic test map (32³ by default) as MRC bytes. */
function mapBytes(seed: number, n = 32): Uint8Array {
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  return encodeMrc(map);
}

/** Every entry under `root` except the folder `skip` (relative path → sha256 of a file, `dir`, or `link -> target`). */
function snapshot(root: string, skip: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (p === skip) continue;
      const st = lstatSync(p);
      const rel = relative(root, p);
      if (st.isSymbolicLink()) out.set(rel, 'link');
      else if (st.isDirectory()) {
        out.set(rel, 'dir');
        walk(p);
      } else out.set(rel, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(root);
  return out;
}

/** All records of every results file of a batch folder, unmerged. */
function allRecords(out: string): BatchRecord[] {
  return readdirSync(out)
    .filter((f) => /^results.*\.jsonl$/.test(f))
    .flatMap((f) => parseRecords(readFileSync(join(out, f), 'utf8')));
}

/** Files anywhere under `dir` (relative paths). */
function walkFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (lstatSync(join(dir, f)).isDirectory() ? walkFiles(join(dir, f)).map((g) => join(f, g)) : [f]));
}

describe('occupy batch safety', () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-batch-safety-'));
    await loadFft(); // for the runs in this process
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('per-map folder names (item 1)', () => {
    it('dot names give safe, distinct, stable folder names; one item per file however it is named', async () => {
      const dir = join(work, 'names');
      mkdirSync(join(dir, 'a'), { recursive: true });
      mkdirSync(join(dir, 'b'));
      const names = ['...mrc', '.mrc', '..mrc', '.map.gz', 'ok.mrc'];
      for (const n of names) writeFileSync(join(dir, n), 'x');
      writeFileSync(join(dir, 'a', 'same.mrc'), 'x');
      writeFileSync(join(dir, 'b', 'same.mrc'), 'x');
      symlinkSync(join(dir, 'ok.mrc'), join(dir, 'link.mrc'));
      const manifest = join(dir, 'maps.txt');
      // ok.mrc three times: relative, absolute, through a link; plus two files with one stem
      writeFileSync(manifest, [...names, join(dir, 'ok.mrc'), 'link.mrc', 'a/same.mrc', 'b/same.mrc', 'sub/../ok.mrc', 'missing.mrc'].join('\n') + '\n');
      const items = await resolveBatchInputs([manifest]);
      const again = await resolveBatchInputs([manifest]);
      assert.deepEqual(again.map((i) => i.id), items.map((i) => i.id), 'stable across runs');
      assert.equal(items.length, names.length + 2 + 1, `one item per distinct file: ${items.map((i) => i.given).join(', ')}`);
      assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'distinct ids');
      for (const it of items) {
        assert.match(it.id, /^[A-Za-z0-9_+][A-Za-z0-9._+-]*-[0-9a-f]{8}$/, it.id);
        assert.ok(!it.id.includes('/') && !it.id.includes('\\') && it.id !== '.' && it.id !== '..');
      }
      assert.equal(items.filter((i) => i.given.endsWith('same.mrc')).length, 2);
      // the id depends on the file, not on the order of the inputs
      const reversed = await resolveBatchInputs([join(dir, 'b', 'same.mrc'), join(dir, 'a', 'same.mrc')]);
      const byGiven = new Map(items.map((i) => [i.source, i.id]));
      for (const r of reversed) assert.equal(r.id, byGiven.get(r.source));
      assert.equal(itemId({ source: 'emdb:1832', given: '1832' }), 'emd_1832');
    });

    it('a batch over ..., ., .., empty-stem maps writes only inside the output folder and keeps every sibling', async () => {
      const parent = join(work, 'dotnames');
      const inputs = join(parent, 'inputs');
      mkdirSync(inputs, { recursive: true });
      writeFileSync(join(parent, 'sibling.txt'), 'keep me');
      mkdirSync(join(parent, 'sibling-folder'));
      writeFileSync(join(parent, 'sibling-folder', 'data.txt'), 'keep me too');
      const dotNames = ['...mrc', '.mrc', '..mrc', '.map.gz'];
      dotNames.forEach((n, k) => writeFileSync(join(inputs, n), n.endsWith('.gz') ? gzipSync(mapBytes(10 + k)) : mapBytes(10 + k)));
      const out = join(parent, 'out');
      mkdirSync(out);
      writeFileSync(join(out, 'user-notes.txt'), 'mine');
      const before = snapshot(parent, out);
      const items = await resolveBatchInputs(dotNames.map((n) => join(inputs, n)));
      const r = await runBatch(items, {}, { outRoot: out });
      assert.deepEqual([r.done, r.failed], [4, 0], r.records.map((x) => x.message).join('; '));
      assert.deepEqual(snapshot(parent, out), before, 'nothing outside the output folder changed');
      assert.equal(readFileSync(join(out, 'user-notes.txt'), 'utf8'), 'mine');
      const recs = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8'));
      assert.equal(recs.length, 4);
      for (const rec of recs) {
        assert.equal(rec.status, 'ok', rec.message);
        assert.ok(statSync(join(out, rec.id)).isDirectory() && existsSync(join(out, rec.id, 'record.json')), rec.id);
      }
      assert.ok(!existsSync(join(out, '.staging')) && !existsSync(join(out, LOCK_DIR)));
    });

    it('never removes what it did not create: a foreign folder under a map name, a user folder in .staging, a linked .staging', async () => {
      const parent = join(work, 'foreign');
      mkdirSync(parent);
      const map = join(parent, 'm.mrc');
      writeFileSync(map, mapBytes(20));
      const out = join(parent, 'out');
      const [item] = await resolveBatchInputs([map]);
      // a folder with the map's name that this tool did not make: --force must not replace it
      mkdirSync(join(out, item.id), { recursive: true });
      writeFileSync(join(out, item.id, 'precious.txt'), 'do not delete');
      // a stale-looking run folder without the marker, and a user folder of another name
      mkdirSync(join(out, '.staging', `${hostname()}-999999999`), { recursive: true });
      writeFileSync(join(out, '.staging', `${hostname()}-999999999`, 'keep.txt'), 'x');
      mkdirSync(join(out, '.staging', 'notes'));
      const r = await runBatch([item], {}, { outRoot: out, force: true });
      assert.equal(r.failed, 1);
      const [rec] = parseRecords(readFileSync(join(out, 'results.jsonl'), 'utf8'));
      assert.match(rec.message ?? '', /not written by occupy batch/);
      assert.equal(readFileSync(join(out, item.id, 'precious.txt'), 'utf8'), 'do not delete');
      assert.ok(existsSync(join(out, '.staging', `${hostname()}-999999999`, 'keep.txt')));
      assert.ok(existsSync(join(out, '.staging', 'notes')));

      // .staging as a link to another folder: refused with one line, the target untouched
      const out2 = join(parent, 'out2');
      const victim = join(parent, 'victim');
      mkdirSync(join(victim, 'precious'), { recursive: true });
      mkdirSync(join(victim, `${hostname()}-999999998`));
      writeFileSync(join(victim, `${hostname()}-999999998`, MARKER_FILE), '{"tool":"occupy-ts batch","kind":"run"}');
      mkdirSync(out2);
      symlinkSync(victim, join(out2, '.staging'));
      const r2 = await occupy(['batch', map, '-d', out2, '-q']);
      assert.notEqual(r2.code, 0);
      assert.equal(r2.stderr.trim().split('\n').length, 1, r2.stderr);
      assert.match(r2.stderr, /\.staging' is not a folder made by occupy batch/);
      assert.ok(existsSync(join(victim, 'precious')) && existsSync(join(victim, `${hostname()}-999999998`)));
    });
  });

  describe('results file and claims (item 7)', () => {
    it('parses around a cut-short line and appends on a new line', async () => {
      const dir = join(work, 'append');
      mkdirSync(dir);
      const file = join(dir, 'results.jsonl');
      const rec = (id: string): BatchRecord => ({ id, map: id, status: 'ok', settings: {}, warnings: [], seconds: 1 });
      writeFileSync(file, JSON.stringify(rec('a')) + '\n' + JSON.stringify(rec('b')).slice(0, 20));
      const parsed = parseRecordLines(readFileSync(file, 'utf8'));
      assert.deepEqual(parsed.records.map((r) => r.id), ['a']);
      assert.deepEqual(parsed.broken.map((b) => b.line), [2]);
      await appendRecord(file, rec('c'));
      const warnings: string[] = [];
      const all = await readBatchRecords(dir, (m) => warnings.push(m));
      assert.deepEqual(all.map((r) => r.id), ['a', 'c']);
      assert.deepEqual(warnings, [`${file} line 2: broken record skipped (not valid JSON)`]);
      // newest finishedAt wins across files
      writeFileSync(join(dir, 'results.shard-0-of-1.jsonl'), JSON.stringify({ ...rec('a'), status: 'error', warnings: [], finishedAt: '2030-01-01T00:00:00.000Z' }) + '\n');
      assert.equal(latestRecords([...parseRecords(readFileSync(file, 'utf8')), ...parseRecords(readFileSync(join(dir, 'results.shard-0-of-1.jsonl'), 'utf8'))]).find((r) => r.id === 'a')?.status, 'error');
    });

    it('a lock is exclusive, released, taken over only from a dead process', async () => {
      const out = join(work, 'locks');
      mkdirSync(out);
      const a = await claimItem(out, 'm-00000000');
      assert.ok(a);
      assert.equal(await claimItem(out, 'm-00000000'), undefined, 'held by this process');
      await a.release();
      assert.ok(!existsSync(a.path));
      const lock = join(out, LOCK_DIR, 'm-00000000.lock');
      // a live process on this host holds it
      const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
      try {
        writeFileSync(lock, JSON.stringify({ host: hostname(), pid: sleeper.pid, nonce: 'x' }));
        assert.equal(await claimItem(out, 'm-00000000'), undefined, 'live owner');
      } finally {
        sleeper.kill('SIGKILL');
      }
      await new Promise((r) => sleeper.on('exit', r));
      // now the owner is dead: taken over
      const b = await claimItem(out, 'm-00000000');
      assert.ok(b, 'stale lock of a dead process is taken over');
      assert.equal(JSON.parse(readFileSync(lock, 'utf8')).pid, process.pid);
      await b.release();
      // another host: busy while recently touched, stale after 10 minutes
      writeFileSync(lock, JSON.stringify({ host: 'elsewhere.example', pid: 1, nonce: 'y' }));
      assert.equal(await claimItem(out, 'm-00000000'), undefined);
      const old = new Date(Date.now() - 11 * 60 * 1000);
      utimesSync(lock, old, old);
      const c = await claimItem(out, 'm-00000000');
      assert.ok(c);
      await c.release();
      // this process's PID with another start time: a killed earlier run whose PID this run has
      // again (a container's PID 1), taken over; with this process's own start time it is held
      const ownStart = processStart(process.pid);
      if (ownStart !== undefined) {
        writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, start: String(Number(ownStart) + 1), nonce: 'z' }));
        const d = await claimItem(out, 'm-00000000');
        assert.ok(d, "a lock with this process's PID but another start time (a reused PID) is taken over");
        await d.release();
        writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, start: ownStart, nonce: 'w' }));
        assert.equal(await claimItem(out, 'm-00000000'), undefined, "this process's own lock is held");
        rmSync(lock);
      }
      // a half-written (empty) lock is busy while fresh
      writeFileSync(lock, '');
      assert.equal(await claimItem(out, 'm-00000000'), undefined);
      rmSync(lock);
    });

    it('batch and collect go on past a truncated results line (file and line named); no map is computed twice or left unrecorded', async () => {
      const dir = join(work, 'state');
      mkdirSync(dir);
      const maps = [0, 1, 2].map((k) => {
        const p = join(dir, `s${k}.mrc`);
        writeFileSync(p, mapBytes(30 + k));
        return p;
      });
      const out = join(dir, 'out');
      const first = await runBatch(await resolveBatchInputs([maps[0], maps[1]]), {}, { outRoot: out });
      assert.equal(first.done, 2);
      const results = join(out, 'results.jsonl');
      const lines = readFileSync(results, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 2);
      // the record of map 1 cut short (a crash while appending): map 1 is finished but unrecorded
      writeFileSync(results, lines[0] + '\n' + lines[1].slice(0, 40));
      const second = await occupy(['batch', ...maps, '-d', out, '--json']);
      assert.equal(second.code, 0, second.stderr);
      // besides the progress lines (one per map computed: stderr is not a terminal), only the warning
      assert.deepEqual(second.stderr.trim().split('\n').filter((l) => !/^\[ *\d+\.\d s\] /.test(l)), [`WARNING: ${results} line 2: broken record skipped (incomplete last line)`]);
      const s = JSON.parse(second.stdout);
      assert.deepEqual([s.done, s.skipped, s.waited, s.failed], [1, 2, 0, 0]);
      const recs = parseRecords(readFileSync(results, 'utf8'));
      assert.deepEqual(recs.map((r) => r.map).sort(), [...maps].sort(), 'each map recorded once');
      const c = await occupy(['batch', 'collect', out, '--json']);
      assert.equal(c.code, 0, c.stderr);
      assert.equal(JSON.parse(c.stdout).maps, 3);
      assert.match(c.stderr, /results\.jsonl line 2: broken record skipped/);
      // a map claimed by another live run computing it with the same settings is not computed
      // while claimed: waited for, then (that run released it without finishing) computed
      const [item] = await resolveBatchInputs([maps[2]]);
      rmSync(join(out, item.id), { recursive: true });
      const held = await claimItem(out, item.id, runKey({}, (await inputDigest(item)) ?? ''));
      assert.ok(held);
      let computedWhileClaimed = false;
      const res = await runBatch([item], {}, { outRoot: out, onWaiting: () => {
        computedWhileClaimed = existsSync(join(out, item.id));
        void held.release();
      } });
      assert.ok(!computedWhileClaimed, 'not computed while claimed');
      assert.deepEqual([res.waited, res.done], [0, 1]);
    });
  });

  describe('SLURM script (item 9)', () => {
    it('refuses --partition/--time/--mem outside SLURM syntax with one line naming the option', async () => {
      const out = join(work, 'slurm-bad');
      const map = join(work, 'slurm-map.mrc');
      writeFileSync(map, mapBytes(40));
      const r = await occupy(['batch', map, '-d', out, '--slurm', '--partition', 'gpu\ntouch /tmp/x', '-q']);
      assert.notEqual(r.code, 0);
      assert.deepEqual(r.stderr.trim().split('\n'), [`occupy: error: --partition must be comma-separated partition names of letters, digits, '_', '.', '-' (e.g. gpu or gpu,long), got "gpu\\ntouch /tmp/x"`]);
      const cases: [Record<string, string>, RegExp][] = [
        [{ partition: 'gpu;reboot' }, /^--partition must be/],
        [{ partition: 'gpu,' }, /^--partition must be/],
        [{ time: '1:00:00\n#SBATCH --x' }, /^--time must be a SLURM time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS .*got "1:00:00\\n#SBATCH --x"$/],
        [{ time: 'one hour' }, /^--time must be/],
        [{ time: '1-2-3' }, /^--time must be/],
        [{ mem: '4GB' }, /^--mem must be an integer with an optional K, M, G or T suffix/],
        [{ mem: '8G $(id)' }, /^--mem must be/],
        [{ mem: '' }, /^--mem must be/],
      ];
      for (const [o, re] of cases) assert.throws(() => checkSlurmOptions(o), { name: 'RangeError', message: re }, JSON.stringify(o));
      assert.ok(!existsSync(join(out, 'occupy_batch.sbatch')), 'no script written');
      for (const ok of [{ partition: 'gpu,long-1.a_b' }, { time: '90' }, { time: '30:00' }, { time: '01:30:00' }, { time: '1-12' }, { time: '2-03:04' }, { time: '2-03:04:05' }, { mem: '16000' }, { mem: '8G' }, { mem: '512M' }]) {
        assert.doesNotThrow(() => checkSlurmOptions(ok), JSON.stringify(ok));
      }
    });

    it('quotes the working folder, the log folder and every command word: running the script gives back the exact words', () => {
      const weird = join(work, "dir with 'quotes' $(touch pwned) `x`\nnewline");
      mkdirSync(weird, { recursive: true });
      const words = ['printf', '[%s]\\n', "it's", '$(touch pwned)', '`touch pwned`', 'a\nb', '*', '', '; touch pwned', '"q"', '\\'];
      const script = slurmScript({ tasks: 3, logDir: join(work, 'logs 100%'), workDir: weird, command: words });
      assert.match(script, /^#SBATCH --output="[^"\n]*logs 100%%\/slurm-%A_%a\.out"$/m);
      const env: NodeJS.ProcessEnv = { ...process.env, SLURM_ARRAY_TASK_ID: '1' };
      delete env.SLURM_CPUS_PER_TASK;
      const out = execFileSync('bash', ['-c', script], { env, encoding: 'utf8' });
      const expected = [...words.slice(2), '--jobs', '1', '--shard', '1/3'].map((w) => `[${w}]`).join('\n') + '\n';
      assert.equal(out, expected);
      assert.ok(!existsSync(join(weird, 'pwned')) && !existsSync(join(PROJECT_ROOT, 'pwned')), 'nothing ran');
      assert.throws(() => slurmScript({ tasks: 1, logDir: join(work, 'a\n#SBATCH --x'), workDir: work, command: ['true'] }), /-d\/--output-dir/);
    });
  });

  describe('acceptance: a mixed manifest', () => {
    let parent: string;
    let manifest: string;
    let extraManifest: string;
    let good: string[];
    before(() => {
      parent = join(work, 'accept');
      const inputs = join(parent, 'inputs');
      mkdirSync(inputs, { recursive: true });
      good = [];
      for (let k = 0; k < 6; k++) {
        const p = join(inputs, `g${k}.mrc`);
        writeFileSync(p, mapBytes(50 + k));
        good.push(p);
      }
      ['...mrc', '.mrc', '..mrc', '.map.gz'].forEach((n, k) => {
        writeFileSync(join(inputs, n), n.endsWith('.gz') ? gzipSync(mapBytes(60 + k)) : mapBytes(60 + k));
        good.push(join(inputs, n));
      });
      writeFileSync(join(inputs, 'truncated.mrc'), Buffer.from(mapBytes(70)).subarray(0, 3000));
      const extra = join(inputs, 'extra.mrc');
      writeFileSync(extra, mapBytes(71));
      manifest = join(inputs, 'maps.txt');
      // g0 twice (relative and absolute), a missing and a truncated map among the good ones
      const lines = ['g0.mrc', '...mrc', 'missing.mrc', 'g1.mrc', '.mrc', join(inputs, 'g0.mrc'), 'truncated.mrc', 'g2.mrc', '..mrc', 'g3.mrc', '.map.gz', 'g4.mrc', 'g5.mrc'];
      writeFileSync(manifest, `# mixed\n${lines.join('\n')}\n`);
      extraManifest = join(inputs, 'more.txt');
      writeFileSync(extraManifest, `${lines.join('\n')}\nextra.mrc\n`);
      writeFileSync(join(parent, 'sibling.txt'), 'keep');
    });

    /** Checks shared by both runs: per good map exactly one ok record; missing/truncated failed; nothing left over. */
    function checkOutput(out: string, expectGood: string[]): void {
      const recs = allRecords(out);
      for (const g of expectGood) {
        const ok = recs.filter((r) => r.status === 'ok' && resolveMap(r.map) === g);
        assert.equal(ok.length, 1, `${g}: ${ok.length} ok records`);
        assert.ok(existsSync(join(out, ok[0].id, 'record.json')));
      }
      const latest = latestRecords(recs);
      assert.equal(latest.length, expectGood.length + 2, latest.map((r) => r.map).join(', '));
      assert.match(latest.find((r) => r.map === 'missing.mrc')?.message ?? '', /no such file/);
      assert.equal(latest.find((r) => r.map === 'truncated.mrc')?.status, 'error');
      assert.ok(!existsSync(join(out, '.staging')), 'no staging folder left');
      assert.ok(!existsSync(join(out, LOCK_DIR)), 'no lock (nor lock folder) left');
      assert.deepEqual(walkFiles(out).filter((f) => /\.tmp$|\.part$|\.stale-/.test(f)), []);
    }
    const resolveMap = (given: string) => (given.startsWith('/') ? given : join(parent, 'inputs', given));

    it('(a) SIGKILL at a seeded random point, then a rerun: every good map done once, all records, nothing outside touched', async () => {
      const out = join(parent, 'out-a');
      const before = snapshot(parent, out);
      const rand = mulberry32(Number(process.env.OCCUPY_BATCH_KILL_SEED ?? 12)); // another seed: another kill point
      const killAfter = 1 + Math.floor(rand() * 6); // records written before the kill
      const extraMs = Math.floor(rand() * 400);
      const run1 = occupy(['batch', manifest, '-d', out, '--jobs', '2', '-q']);
      const results = join(out, 'results.jsonl');
      for (let i = 0; i < 1200; i++) {
        if (existsSync(results) && readFileSync(results, 'utf8').split('\n').length - 1 >= killAfter) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await new Promise((r) => setTimeout(r, extraMs));
      run1.child.kill('SIGKILL');
      const r1 = await run1;
      assert.equal(r1.signal, 'SIGKILL', `the first run was killed (after ${killAfter} records + ${extraMs} ms), not finished`);
      const recordedBefore = parseRecords(readFileSync(results, 'utf8')).filter((r) => r.status === 'ok');
      const stamps = new Map(recordedBefore.map((r) => [r.id, statSync(join(out, r.id, 'record.json')).mtimeMs]));
      const r2 = await occupy(['batch', manifest, '-d', out, '--jobs', '2', '--json', '-q']);
      assert.equal(r2.code, 3, r2.stderr); // some maps failed (the missing and the truncated map)
      const s = JSON.parse(r2.stdout);
      assert.equal(s.maps, 12, 'g0 given twice is one map');
      assert.equal(s.done + s.skipped, 10, `${r2.stdout} ${JSON.stringify(allRecords(out).map((r) => [r.map, r.status, r.message]))}`);
      for (const [id, t] of stamps) assert.equal(statSync(join(out, id, 'record.json')).mtimeMs, t, `${id} was redone`);
      checkOutput(out, good);
      assert.deepEqual(snapshot(parent, out), before, 'nothing outside the output folder changed (inputs included)');
      const merged = await readBatchRecords(out);
      assert.deepEqual([merged.length, merged.filter((r) => r.status === 'error').length], [12, 2]);
    });

    it('(b) two concurrent runs with different manifests into one folder: every good map computed once in total, all records', async () => {
      const out = join(parent, 'out-b');
      const before = snapshot(parent, out);
      const [ra, rb] = await Promise.all([occupy(['batch', manifest, '-d', out, '--jobs', '1', '--json', '-q']), occupy(['batch', extraManifest, '-d', out, '--jobs', '1', '--json', '-q'])]);
      const a = JSON.parse(ra.stdout);
      const b = JSON.parse(rb.stdout);
      const all = [...good, join(parent, 'inputs', 'extra.mrc')];
      assert.equal(a.done + b.done, all.length, `computed: ${a.done} + ${b.done} (skipped ${a.skipped} + ${b.skipped}, waited ${a.waited} + ${b.waited})`);
      assert.equal(a.done + a.skipped + a.waited + a.failed, 12);
      assert.equal(b.done + b.skipped + b.waited + b.failed, 13);
      // neither exits before every one of its maps is done or failed (none left to the other run)
      assert.deepEqual([ra.code, rb.code], [3, 3], ra.stderr + rb.stderr);
      checkOutput(out, all);
      assert.deepEqual(snapshot(parent, out), before);
      assert.equal((await readBatchRecords(out)).length, 13);
    });
  });
});
