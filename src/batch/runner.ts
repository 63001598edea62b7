/**
 * Run a batch: every map in turn or on worker threads, skipping finished maps, with one JSONL
 * record per map.
 */
import { lstat, readdir, rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BatchItem } from './inputs.js';
import { latestRecords, type BatchRecord } from './record.js';
import { createRunStaging, finishedRecord, inputIdentities, restoreParkedFoldersSync, runItem, runStagingDir, STAGING_DIR, type BatchMethodOptions } from './run-item.js';
import type { WorkerTask } from './worker.js';
import { claimItem, cleanLockDir, lockHolder, processAlive, removeEmptyLockDirSync, type LockHolder } from './claims.js';
import { removeEmptyDirSync, removeOwnedDir, removeOwnedDirSync } from './owned-dirs.js';
import { onSignalCleanup } from '../core/signal-cleanup.js';
import { entryExecArgv, moduleEntry } from '../core/module-worker.js';
import { OutputSet } from '../core/output-set.js';
import { checkOutputFolder } from '../core/output-folder.js';
import { OptionError } from '../core/option-error.js';
import { checkJobs } from './jobs-limit.js';
import { appendRecord, readResultsFiles, skippedLineMessage } from './results-file.js';
import { inputDigest, keySettings, runKey } from './run-key.js';
import { batchPlan, writePlan } from './plan.js';

export { readBatchRecords } from './results-file.js';

/** Options of {@link runBatch}. */
export interface BatchRunOptions {
  /** Output folder: one sub-folder per map, `results.jsonl` (or `results.shard-i-of-N.jsonl`). */
  outRoot: string;
  /** Worker processes (1 = in this process): an integer in 1..the CPU cores ({@link checkJobs}; default 1). */
  jobs?: number;
  /** Run only this slice: items k with k mod count == index. */
  shard?: { index: number; count: number };
  /** Redo maps whose outputs are complete. */
  force?: boolean;
  /** Called after each map. */
  onProgress?: (p: { done: number; failed: number; skipped: number; waited: number; total: number; last?: BatchRecord }) => void;
  /** Called with each warning (one line), e.g. a broken line of a results file. */
  onWarning?: (message: string) => void;
  /**
   * Called with one line when this run starts waiting for a map another live run holds (with its
   * settings or with others; any held map when this run is `force`), again when another run takes
   * it over, and every {@link waitReportMs} while the same run still holds it.
   */
  onWaiting?: (message: string) => void;
  /** How often a map still held by the same other run is reported again through `onWaiting` (ms; default {@link WAIT_REPORT_MS}). */
  waitReportMs?: number;
}

/** How often a run waiting for a map another run holds tries to claim it (ms). */
export const WAIT_POLL_MS = 1000;

/**
 * How often a run reports again that it still waits for a map the same other run holds (ms). The
 * wait has no limit of its own: it ends when the holder releases the map (done, failed, stopped),
 * dies (its lock is taken over at once on this host) or, on another host, stops renewing its lock
 * for `FOREIGN_STALE_MS` (claims.ts); a holder that is alive but hangs is named in these lines, so
 * whoever waits can stop it (or this run, or the SLURM `--time` limit does).
 */
export const WAIT_REPORT_MS = 5 * 60 * 1000;

/** Outcome of a batch run. */
export interface BatchRunResult {
  /** Records of this run's maps (computed now, by another run while this one waited, or before), sorted by id. */
  records: BatchRecord[];
  done: number;
  failed: number;
  /** Maps found complete with these settings before this run needed them (by an earlier or a concurrent run). */
  skipped: number;
  /** Maps another live run was computing with these settings: waited for, and complete once it was done. */
  waited: number;
  /** Ids of the {@link waited} maps, sorted. */
  waitedFor: string[];
  /** The JSONL file written. */
  resultsPath: string;
}

/**
 * Parse `i/N` (0-based shard index i of N).
 * @throws OptionError (`.option` 'shard'; exit 2 on the command line) unless `i/N` with 0 <= i < N
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || !(count >= 1) || !(index >= 0 && index < count)) throw new OptionError(`--shard must be i/N with 0 <= i < N, got '${text}'`, 'shard', 'i/N with 0 <= i < N', { flag: '--shard', value: text });
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
 * A worker process running `worker.js` (`moduleEntry`: from TypeScript sources, dist/'s build when fresh, else `worker.ts` through tsx).
 *
 * Processes, not threads: V8 allocating large typed arrays from two threads of one process
 * contends on the address-space lock (measured here: 1 MB allocations ran 4× slower with two
 * threads than with one, and a whole batch gained only 6 %); separate processes scale.
 */
function startWorker(): ChildProcess {
  const entry = moduleEntry(import.meta.url, 'worker');
  return fork(fileURLToPath(entry.url), [], { execArgv: entryExecArgv(entry), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/**
 * Whether the ok record `rec` of a finished folder is what the results files say about its map: the
 * latest of the map's records ({@link latestRecords}, what `collect` reports) is ok and has the same
 * finish time. False when it is missing, and when a later record (an error of a run with other
 * settings or of a failed `--force`, which left the folder as it was) supersedes it.
 */
function isCurrentRecord(records: BatchRecord[], rec: BatchRecord): boolean {
  const [latest] = latestRecords(records.filter((r) => r.id === rec.id));
  return latest !== undefined && latest.status === 'ok' && latest.finishedAt === rec.finishedAt;
}

/**
 * Run the estimate over `items`. Each map is claimed first (a lock file per map, see
 * {@link claimItem}), so concurrent runs into one folder never compute the same map. A map claimed
 * by another live run is waited for: this run does the rest of its maps, then tries again every
 * {@link WAIT_POLL_MS} (announced through `onWaiting`, and again every `waitReportMs` while the same
 * run holds it, naming its host, PID and claim time). Once released, a map that run completed with
 * this run's settings and input content (the same completion key; not when `force`) is counted as
 * `waited` (and named in `waitedFor`); otherwise (other settings, `force`, or the other run failed
 * or was stopped) this run computes it. So every map of a returned run is done, failed or
 * complete: a run never returns while another run still computes one of its maps. The wait ends
 * only when the holder releases the map or its lock goes stale (see {@link WAIT_REPORT_MS}).
 * Finished maps (a complete output folder made by this
 * tool, with `record.json`) are skipped unless `force`; when their record is not the latest of
 * their map in the results files (a run killed between the two, or a later error record of a run
 * that left the folder as it was), it is appended again with `recordedAt`, so that `collect`
 * reports what the run reports. Staging folders of killed runs on
 * this machine are removed first (only folders carrying this tool's marker). Each record is
 * appended to the results file as one line, fsynced, as it arrives; the file is never rewritten, so
 * runs with different inputs into one folder keep each other's records. Broken lines of results
 * files (a crash or a full disk) are skipped and reported through `onWarning`.
 */
export async function runBatch(items: BatchItem[], options: BatchMethodOptions, run: BatchRunOptions): Promise<BatchRunResult> {
  const { outRoot } = run;
  if (run.jobs !== undefined) checkJobs(run.jobs);
  // the folder as the user named it, as every command checks its own: a read-only -d had been
  // named by the run's hidden staging folder ("cannot create output folder '<out>/.staging'")
  await checkOutputFolder(outRoot);
  // the output folder and its missing parents, removed again when still empty if the run fails
  // or is stopped before it records anything (a full disk refusing the staging folder's marker
  // had left -d's folder and its .staging behind, empty)
  const folders = new OutputSet();
  await folders.makeFolder(outRoot);
  const stagingRoot = runStagingDir(outRoot);
  try {
    await removeStaleStaging(outRoot);
    await cleanLockDir(outRoot);
    await createRunStaging(outRoot, stagingRoot);
  } catch (err) {
    removeRunStagingSync(outRoot, stagingRoot);
    await folders.abort();
    throw err;
  }
  const workers = new Set<ChildProcess>();
  // stopped by SIGINT/SIGTERM/SIGHUP (the CLI's installSignalCleanup): stop the workers, then remove
  // this run's staging folder (its locks are removed by their claims, the last of which removes
  // the lock folder when empty; here when the run held none)
  const unregister = onSignalCleanup(() => {
    killWorkersSync(workers);
    removeRunStagingSync(outRoot, stagingRoot);
    removeEmptyLockDirSync(outRoot);
  });
  let result: BatchRunResult | undefined;
  try {
    result = await runClaimed(items, options, run, stagingRoot, workers);
    return result;
  } finally {
    unregister();
    killWorkersSync(workers);
    removeRunStagingSync(outRoot, stagingRoot);
    removeEmptyLockDirSync(outRoot);
    // a failed run's folders go when nothing is in them; a finished run's are the user's
    if (result) await folders.commit();
    else await folders.abort();
  }
}

/** The body of {@link runBatch}, once its staging folder exists: claim, compute and record every map. */
async function runClaimed(items: BatchItem[], options: BatchMethodOptions, run: BatchRunOptions, stagingRoot: string, workers: Set<ChildProcess>): Promise<BatchRunResult> {
  const { outRoot } = run;
  const mine = shardItems(items, run.shard);
  const shardLabel = run.shard ? `${run.shard.index}/${run.shard.count}` : undefined;
  const resultsPath = join(outRoot, resultsFileName(run.shard));
  // what this run (all its shards) is to record, so that `collect` can name what is missing
  await writePlan(outRoot, batchPlan(items, options, run.shard?.count ?? 1)).catch((err: Error) =>
    run.onWarning?.(`${err.message}: 'occupy batch collect' will not be able to name maps of this batch that have no record`),
  );
  const known = await readResultsFiles(outRoot);
  for (const s of known.skipped) run.onWarning?.(skippedLineMessage(s));
  const records = new Map<string, BatchRecord>();
  let done = 0;
  let failed = 0;
  let skipped = 0;
  const waitedFor: string[] = [];
  const total = mine.length;
  const progress = (last?: BatchRecord) => run.onProgress?.({ done, failed, skipped, waited: waitedFor.length, total, last });
  const skip = (rec: BatchRecord) => {
    records.set(rec.id, rec);
    skipped++;
    progress(rec);
  };

  /** The error record of a map that failed outside its estimate (a worker died, its lock cannot be taken). */
  const errorRecord = (item: BatchItem, message: string): BatchRecord => ({
    id: item.id, map: item.given, status: 'error', message, settings: keySettings(options), warnings: [], seconds: 0, finishedAt: new Date().toISOString(), ...(shardLabel ? { shard: shardLabel } : {}),
  });

  // complete means: computed with these settings from this input content (the key), not just a folder
  const keys = new Map<string, string | undefined>();
  const itemKey = async (item: BatchItem): Promise<string | undefined> => {
    if (!keys.has(item.id)) {
      const digest = await inputDigest(item);
      keys.set(item.id, digest === undefined ? undefined : runKey(options, digest));
    }
    return keys.get(item.id);
  };
  const finishedNow = async (item: BatchItem): Promise<BatchRecord | undefined> => {
    if (run.force) return undefined;
    const key = await itemKey(item);
    return key === undefined ? undefined : finishedRecord(outRoot, item, key);
  };

  // inputs of this run inside a map folder are kept when that folder is replaced
  const protectIds = await inputIdentities(items.map((it) => it.source));
  // a fatal error (e.g. the results file cannot be written) stops every lane and worker
  let stopping = false;

  // finished and recorded before this run: no claim needed
  const todo: BatchItem[] = [];
  for (const item of mine) {
    const rec = await finishedNow(item);
    if (rec && isCurrentRecord(known.records, rec)) skip(rec);
    else todo.push(item);
  }

  // maps another run holds: tried again once the queue is empty
  const queue = [...todo];
  const waiting: BatchItem[] = [];
  const nextItem = async (): Promise<BatchItem | undefined> => {
    if (queue.length > 0) return queue.shift();
    if (waiting.length === 0) return undefined;
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    return waiting.shift();
  };
  // per waited-for map: the holder last announced (host, PID, claim time), when, and whether it
  // computes this run's key
  const reportEvery = run.waitReportMs ?? WAIT_REPORT_MS;
  const holders = new Map<string, { tag: string; firstSeen: number; lastReport: number; sameKey: boolean }>();
  const announce = (item: BatchItem, holder: LockHolder, sameKey: boolean) => {
    const tag = JSON.stringify([holder.host, holder.pid, holder.since]);
    const seen = holders.get(item.id);
    const now = Date.now();
    const who = `another run (${holder.host}, PID ${holder.pid})`;
    if (!seen || seen.tag !== tag) {
      holders.set(item.id, { tag, firstSeen: now, lastReport: now, sameKey });
      const what = sameKey ? 'these settings; waiting for it to finish' : `${holder.key === undefined ? 'settings not known to be these' : 'other settings'}; waiting for it to finish, then computing this run's`;
      run.onWaiting?.(`${item.id}: ${who} is computing this map with ${what}`);
    } else if (now - seen.lastReport >= reportEvery) {
      seen.lastReport = now;
      const since = holder.since ?? new Date(seen.firstSeen).toISOString();
      const minutes = ((now - Date.parse(since)) / 60000).toFixed(0);
      run.onWaiting?.(`${item.id}: still waiting for ${who}, which has held this map since ${since} (${minutes} min); the wait ends when it finishes or stops (stop it to take the map over)`);
    }
  };

  /**
   * Claim an item and compute it (or record it, when another run finished it meanwhile). A map
   * another live run holds is put on `waiting`, to be claimed once that run releases it; if that
   * run completed it with this run's key (and this run is not `--force`), it is counted as waited for.
   */
  const process1 = async (item: BatchItem, compute: (item: BatchItem) => Promise<BatchRecord>) => {
    const key = await itemKey(item);
    let claim: Awaited<ReturnType<typeof claimItem>>;
    try {
      claim = await claimItem(outRoot, item.id, key);
    } catch (err) {
      // e.g. a file of the user's at the lock's name: that map fails, the others go on
      const rec = errorRecord(item, (err as Error).message);
      await appendRecord(resultsPath, rec);
      records.set(rec.id, rec);
      failed++;
      progress(rec);
      return;
    }
    if (!claim) {
      const holder = await lockHolder(outRoot, item.id);
      if (holder) announce(item, holder, !run.force && key !== undefined && holder.key === key);
      waiting.push(item);
      return;
    }
    try {
      const finished = await finishedNow(item);
      if (finished) {
        // finished by another run, by a run killed before it wrote the record, or superseded by a
        // later error record of a run that left the folder as it was: record it (again) as the latest
        if (!isCurrentRecord((await readResultsFiles(outRoot)).records, finished)) await appendRecord(resultsPath, { ...finished, recordedAt: new Date().toISOString() });
        if (holders.get(item.id)?.sameKey) {
          // another run computed it with these settings while this one waited
          waitedFor.push(item.id);
          records.set(finished.id, finished);
          progress(finished);
        } else skip(finished);
        return;
      }
      const rec = await compute(item);
      if (stopping) return; // the run failed meanwhile: a killed worker's map is not a result
      await appendRecord(resultsPath, rec);
      records.set(rec.id, rec);
      if (rec.status === 'ok') done++;
      else failed++;
      progress(rec);
    } finally {
      await claim.release();
    }
  };

  const jobs = Math.max(1, Math.min(run.jobs ?? 1, todo.length));
  if (jobs <= 1) {
    for (let item = await nextItem(); item; item = await nextItem()) await process1(item, (it) => runItem(outRoot, it, options, { shard: shardLabel, stagingRoot, force: run.force, protectIds }));
  } else {
    let fatal: { error: unknown } | undefined;
    const spawnWorker = () => {
      const w = startWorker();
      workers.add(w);
      w.once('exit', () => workers.delete(w));
      return w;
    };
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        let worker = spawnWorker();
        // each estimate may use a second thread only while the processes leave a core for it
        const taskOptions = { ...options, threads: 2 * jobs <= cpus().length };
        const compute = (item: BatchItem) =>
          new Promise<BatchRecord>((res) => {
            const task: WorkerTask = { outRoot, item, options: taskOptions, shard: shardLabel, stagingRoot, force: run.force, protectIds };
            const onExit = (code: number | null, signal: string | null) => {
              worker.off('message', onMessage);
              if (!stopping) worker = spawnWorker(); // a crashed worker fails its map, not the batch
              res(errorRecord(item, `batch worker exited (${signal ?? `code ${code}`}) while processing this map`));
            };
            const onMessage = (m: unknown) => {
              worker.off('exit', onExit);
              res(m as BatchRecord);
            };
            worker.once('exit', onExit);
            worker.once('message', onMessage);
            worker.send(task);
          });
        try {
          for (let item = await nextItem(); item && !stopping; item = await nextItem()) await process1(item, compute);
        } catch (error) {
          if (!stopping) {
            stopping = true;
            fatal = { error };
            for (const w of workers) w.kill('SIGKILL');
          }
        } finally {
          if (worker.connected) worker.disconnect();
        }
      }),
    );
    if (fatal) throw fatal.error;
  }
  const sorted = [...records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { records: sorted, done, failed, skipped, waited: waitedFor.length, waitedFor: waitedFor.sort(), resultsPath };
}

/**
 * Remove staging folders left by killed runs on this machine (`<host>-<pid>` whose process is not
 * running: gone, or a zombie not yet reaped, see {@link processAlive}) that carry this tool's
 * marker. Folders of other hosts (a shared file system on a cluster), of live runs, and anything
 * this tool did not create are kept; a `.staging` that is a link is not entered.
 */
async function removeStaleStaging(outRoot: string): Promise<void> {
  const dir = join(outRoot, STAGING_DIR);
  const st = await lstat(dir).catch(() => undefined);
  if (!st || !st.isDirectory()) return;
  const host = hostname();
  // another run may remove an empty `.staging` at any time
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  for (const name of names) {
    const m = /^(.*)-(\d+)$/.exec(name);
    if (m && m[1] === host && Number(m[2]) !== process.pid && !processAlive(Number(m[2]))) {
      restoreParkedFoldersSync(outRoot, join(dir, name)); // a map folder whose replacement was cut short
      await removeOwnedDir(dir, name);
    }
  }
  await rmdir(dir).catch(() => undefined);
}

/**
 * Stop worker processes at once (SIGKILL) and wait, briefly and synchronously, until they are gone,
 * so that none writes into the staging folder after it is removed. For signal handlers and clean-up.
 */
function killWorkersSync(workers: Set<ChildProcess>): void {
  const pids: number[] = [];
  for (const w of workers) {
    if (w.exitCode !== null || w.signalCode !== null || w.pid === undefined) continue;
    try {
      w.kill('SIGKILL');
      pids.push(w.pid);
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 2000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (pids.length > 0 && Date.now() < deadline) {
    // a killed child is a zombie ("Z") until reaped: that counts as gone
    const running = pids.filter((pid) => processAlive(pid));
    if (running.length === 0) break;
    Atomics.wait(pause, 0, 0, 10);
  }
}

/**
 * Remove this run's staging folder synchronously (signal handlers): first put back any map folder
 * whose replacement was cut short, then the folder itself (only with this tool's marker), and
 * `.staging` when no other run uses it.
 */
function removeRunStagingSync(outRoot: string, stagingRoot: string): void {
  restoreParkedFoldersSync(outRoot, stagingRoot);
  removeOwnedDirSync(dirname(stagingRoot), basename(stagingRoot));
  removeEmptyDirSync(join(outRoot, STAGING_DIR)); // not when another run uses it
}
