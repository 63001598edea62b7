/**
 * Run a batch: every map in turn or on worker threads, skipping finished maps, with one JSONL
 * record per map.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BatchItem } from './inputs.js';
import { latestRecords, parseRecords, type BatchRecord } from './record.js';
import { finishedRecord, runItem, runStagingDir, STAGING_DIR, type BatchMethodOptions } from './run-item.js';
import type { WorkerTask } from './worker.js';
import { writeFileAtomic } from '../core/atomic-write.js';

/** Options of {@link runBatch}. */
export interface BatchRunOptions {
  /** Output folder: one sub-folder per map, `results.jsonl` (or `results.shard-i-of-N.jsonl`). */
  outRoot: string;
  /** Worker processes (1 = in this process). */
  jobs?: number;
  /** Run only this slice: items k with k mod count == index. */
  shard?: { index: number; count: number };
  /** Redo maps whose outputs are complete. */
  force?: boolean;
  /** Called after each map. */
  onProgress?: (p: { done: number; failed: number; skipped: number; total: number; last: BatchRecord }) => void;
}

/** Outcome of a batch run. */
export interface BatchRunResult {
  records: BatchRecord[];
  done: number;
  failed: number;
  skipped: number;
  /** The JSONL file written. */
  resultsPath: string;
}

/** Parse `i/N` (0-based shard index i of N). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count)) throw new RangeError(`--shard must be i/N with 0 <= i < N, got '${text}'`);
  return { index, count };
}

/** Items of one shard (round-robin, so shards get similar work). */
export function shardItems<T>(items: T[], shard?: { index: number; count: number }): T[] {
  return shard ? items.filter((_, k) => k % shard.count === shard.index) : items;
}

/** Name of the JSONL file of a run. */
export function resultsFileName(shard?: { index: number; count: number }): string {
  return shard ? `results.shard-${shard.index}-of-${shard.count}.jsonl` : 'results.jsonl';
}

/**
 * A worker process running `worker.ts` (through tsx when running from TypeScript sources).
 *
 * Processes, not threads: V8 allocating large typed arrays from two threads of one process
 * contends on the address-space lock (measured here: 1 MB allocations ran 4× slower with two
 * threads than with one, and a whole batch gained only 6 %); separate processes scale.
 */
function startWorker(): ChildProcess {
  const here = new URL(import.meta.url);
  const ts = here.pathname.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./worker${ts ? '.ts' : '.js'}`, here));
  // tsx must resolve from any folder: pass its loader as an absolute URL
  const execArgv = ts ? ['--import', import.meta.resolve('tsx')] : [];
  return fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Run the estimate over `items`. Finished maps (a complete output folder with `record.json`) are
 * skipped unless `force`; staging folders of killed runs on this machine are removed first (those of
 * concurrent runs, e.g. other SLURM shards, are left alone). Each record is
 * appended to the results file as it arrives; at the end the file is rewritten with exactly one
 * record per map (this run's, skipped ones included, and earlier runs' other maps), sorted by id.
 */
export async function runBatch(items: BatchItem[], options: BatchMethodOptions, run: BatchRunOptions): Promise<BatchRunResult> {
  const { outRoot } = run;
  await mkdir(outRoot, { recursive: true });
  await removeStaleStaging(outRoot);
  const stagingRoot = runStagingDir(outRoot);
  const mine = shardItems(items, run.shard);
  const shardLabel = run.shard ? `${run.shard.index}/${run.shard.count}` : undefined;
  const resultsPath = join(outRoot, resultsFileName(run.shard));
  // records of earlier runs into the same folder (other maps) are kept
  const previous = existsSync(resultsPath) ? parseRecords(await readFile(resultsPath, 'utf8')) : [];
  const records: BatchRecord[] = [];
  let done = 0;
  let failed = 0;
  let skipped = 0;
  const todo: BatchItem[] = [];
  for (const item of mine) {
    const rec = run.force ? undefined : await finishedRecord(outRoot, item);
    if (rec) {
      records.push(rec);
      skipped++;
    } else {
      todo.push(item);
    }
  }
  const total = mine.length;
  const accept = async (rec: BatchRecord) => {
    records.push(rec);
    if (rec.status === 'ok') done++;
    else failed++;
    await appendFile(resultsPath, JSON.stringify(rec) + '\n');
    run.onProgress?.({ done, failed, skipped, total, last: rec });
  };
  const jobs = Math.max(1, Math.min(run.jobs ?? 1, todo.length));
  if (jobs <= 1) {
    for (const item of todo) await accept(await runItem(outRoot, item, options, shardLabel, stagingRoot));
  } else {
    const queue = [...todo];
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        const worker = startWorker();
        try {
          for (let item = queue.shift(); item; item = queue.shift()) {
            // each estimate may use a second thread only while the processes leave a core for it
            const task: WorkerTask = { outRoot, item, options: { ...options, threads: 2 * jobs <= cpus().length }, shard: shardLabel, stagingRoot };
            const rec = await new Promise<BatchRecord>((res, rej) => {
              const onExit = (code: number | null) => rej(new Error(`batch worker exited (code ${code}) while processing ${item?.id}`));
              worker.once('exit', onExit);
              worker.once('message', (m) => {
                worker.off('exit', onExit);
                res(m as BatchRecord);
              });
              worker.send(task);
            });
            await accept(rec);
          }
        } finally {
          worker.disconnect();
        }
      }),
    );
  }
  await rm(stagingRoot, { recursive: true, force: true });
  await rmdir(join(outRoot, STAGING_DIR)).catch(() => undefined); // only when no other run uses it
  const final = latestRecords([...previous, ...records]);
  await writeFileAtomic(resultsPath, final.map((r) => JSON.stringify(r)).join('\n') + (final.length ? '\n' : ''));
  return { records: final, done, failed, skipped, resultsPath };
}

/** Whether a process with this PID exists on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove staging folders left by killed runs on this machine (`<host>-<pid>` with a dead PID).
 * Folders of other hosts (a shared file system on a cluster) and of live runs are kept.
 */
async function removeStaleStaging(outRoot: string): Promise<void> {
  const dir = join(outRoot, STAGING_DIR);
  if (!existsSync(dir)) return;
  const host = hostname();
  for (const name of await readdir(dir)) {
    const m = /^(.*)-(\d+)$/.exec(name);
    if (m && m[1] === host && Number(m[2]) !== process.pid && !alive(Number(m[2]))) await rm(join(dir, name), { recursive: true, force: true });
    else if (!m) await rm(join(dir, name), { recursive: true, force: true }); // older layout
  }
  await rmdir(dir).catch(() => undefined);
}

/** All records of a batch folder: every `results*.jsonl` merged, one per map (the last one wins). */
export async function readBatchRecords(outRoot: string): Promise<BatchRecord[]> {
  if (!existsSync(outRoot)) throw new Error(`batch folder '${outRoot}' not found`);
  const files = (await readdir(outRoot)).filter((f) => /^results.*\.jsonl$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no results*.jsonl in '${outRoot}': nothing to collect`);
  const all: BatchRecord[] = [];
  for (const f of files) all.push(...parseRecords(await readFile(join(outRoot, f), 'utf8')));
  return latestRecords(all);
}
