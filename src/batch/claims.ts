/**
 * Claiming a map of a batch: one lock file per map in `<outRoot>/.locks/`, created exclusively
 * (hard link of a complete file, or `wx`) and holding host + PID and the completion key of what the
 * holder computes, so that concurrent runs into one folder (two shells, SLURM shards) never compute
 * the same map at the same time, and a run can tell whether the holder computes its settings.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { writeNewFileSynced } from '../core/atomic-write.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ensureRealDir, isPlainName, removeEmptyDirSync } from './owned-dirs.js';
import { onSignalCleanup } from '../core/signal-cleanup.js';
import { FOREIGN_STALE_MS, lockHolderGone, pidNamespace, processAlive, processStart, processStat, type LockHolderProcess } from '../core/process-alive.js';

// moved to core (the output sets' commit locks use them too); re-exported for the batch's callers
export { processAlive, processStat, FOREIGN_STALE_MS };

/** Folder of the lock files, inside the batch output folder. */
export const LOCK_DIR = '.locks';
/** How often a held lock's file is touched (ms), so other hosts see it is alive. */
export const HEARTBEAT_MS = 60 * 1000;
/** A lock file that is still empty or not JSON after this long (ms) is stale (its writer died). */
const UNREADABLE_STALE_MS = 60 * 1000;

/** What a lock file says. */
interface LockInfo {
  host: string;
  pid: number;
  /** Start time of the process (Linux: field 22 of /proc/<pid>/stat), against PID reuse. */
  start?: string;
  /**
   * PID namespace of the holder (`pid:[4026531836]`, Linux): a PID means something only in its
   * namespace (a run in a container sharing the host's name has PIDs of its own). Absent in locks
   * of earlier versions, which are read as of this namespace.
   */
  pidns?: string;
  /** Random, unique to this claim. */
  nonce: string;
  /** Completion key (`run-key.ts`) of the settings the holder computes this map with, when known. */
  key?: string;
  /** When the map was claimed (ISO 8601). */
  since?: string;
}

/** Who holds a map's lock: host, PID and, when the holder wrote it, its completion key. */
export interface LockHolder {
  host: string;
  pid: number;
  /** Completion key (`run-key.ts`) of the holder's settings for this map; undefined when not known. */
  key?: string;
  /** When the holder claimed the map (ISO 8601); undefined for locks written without it (older versions). */
  since?: string;
}

/** A held claim. */
export interface Claim {
  /** Path of the lock file. */
  readonly path: string;
  /** Remove the lock (only if it is still this claim's). */
  release(): Promise<void>;
}

/**
 * What a lock file's text is: a lock of this tool (JSON with host, PID and nonce), empty (a lock
 * whose writer died between creating and writing it, where hard links are not supported), or
 * something else (a file this tool did not write, never removed).
 */
function parseLock(text: string): LockInfo | 'empty' | 'foreign' {
  if (text.trim() === '') return 'empty';
  try {
    const info = JSON.parse(text) as Partial<LockInfo> | null;
    if (info && typeof info === 'object' && typeof info.host === 'string' && typeof info.pid === 'number' && typeof info.nonce === 'string') return info as LockInfo;
  } catch {
    // not JSON
  }
  return 'foreign';
}

/** Whether a lock (its text and file time) belongs to a process that is gone. False for a file that is not a lock of this tool. */
function isStale(text: string, mtimeMs: number): boolean {
  const info = parseLock(text);
  if (info === 'foreign') return false;
  if (info === 'empty') return Date.now() - mtimeMs > UNREADABLE_STALE_MS;
  return lockHolderGone(info, mtimeMs);
}

/**
 * A unique name for a side file of a lock, naming its writer as a lock does (host, PID and, where
 * Linux tells, the PID namespace's inode): `<lock>.<kind>-<host>-<pid>-ns<inode>-<random>`
 * (without `-ns<inode>` where /proc does not tell, and in side files of earlier versions), so that
 * {@link cleanLockDir} can tell a stale one by the claims' rule. A run in a container sharing the
 * host's name has PIDs of its own: read as PIDs of this namespace, its side file had been removed
 * while it was being written.
 * @internal exported for tests
 */
export function sideName(path: string, kind: 'tmp' | 'stale'): string {
  const ns = /^pid:\[(\d+)\]$/.exec(pidNamespace() ?? '')?.[1];
  return `${path}.${kind}-${hostname()}-${process.pid}${ns === undefined ? '' : `-ns${ns}`}-${randomBytes(4).toString('hex')}`;
}

/** Side-file names with the writer's PID namespace, and (earlier versions, no /proc) without. */
const SIDE_NAME_NS = /\.lock\.(?:tmp|stale)-(.+)-(\d+)-ns(\d+)-[0-9a-f]{8}$/;
const SIDE_NAME = /\.lock\.(?:tmp|stale)-(.+)-(\d+)-[0-9a-f]{8}$/;

/** The writer a side file's name names (host, PID, PID namespace when named), or undefined for another name. */
function sideWriter(name: string): LockHolderProcess | undefined {
  const n = SIDE_NAME_NS.exec(name);
  if (n) return { host: n[1], pid: Number(n[2]), pidns: `pid:[${n[3]}]` };
  const m = SIDE_NAME.exec(name);
  return m ? { host: m[1], pid: Number(m[2]) } : undefined;
}


/**
 * Try to create the lock file exclusively, complete from the first moment: the text goes to a side
 * file that is then hard-linked to the lock's name (fails when it exists). Where hard links are not
 * supported, the lock is created with `wx` and written (a reader may then briefly see it empty).
 * @returns true when this call created it
 */
async function create(path: string, text: string): Promise<boolean> {
  const tmp = sideName(path, 'tmp');
  await writeNewFileSynced(tmp, text);
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  try {
    await writeNewFileSynced(path, text);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Tidy the lock folder: remove locks of dead processes (as {@link claimItem} would take them over)
 * and the side files (`*.tmp-…`, `*.stale-…`) that runs killed between two steps of a claim left
 * behind, by the rule for locks ({@link lockHolderGone}, from the writer its name records): of this
 * host and PID namespace when that PID is not running; of another PID namespace of this host when
 * no process of it runs (where that cannot be told, as for another host); of another host when
 * untouched for {@link FOREIGN_STALE_MS}. Locks of live runs, side files of live writers, and files
 * that are not locks of this tool (not JSON with host, PID and nonce, and not empty) are kept.
 */
export async function cleanLockDir(outRoot: string): Promise<void> {
  const dir = join(outRoot, LOCK_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (name.endsWith('.lock')) {
      try {
        const seen = await readFile(path, 'utf8');
        if (isStale(seen, (await stat(path)).mtimeMs)) await removeStale(path, seen);
      } catch {
        // released meanwhile
      }
      continue;
    }
    const writer = sideWriter(name);
    if (writer === undefined) continue;
    try {
      // the claims' rule (lockHolderGone), with the time the side file got its name (a renamed
      // lock keeps its old mtime; its ctime is the rename's)
      const st = await stat(path);
      if (lockHolderGone(writer, Math.max(st.mtimeMs, st.ctimeMs))) await unlink(path).catch(() => undefined);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Remove the batch folder's lock folder when it is empty (`rmdir`: a folder with any file in it,
 * another run's live lock among them, is left as it is). A run calls it as it ends and when stopped
 * by a signal (after its claims removed their locks): an empty `.locks` had stayed in the output
 * folder after every run. A run that claims next makes it again ({@link claimItem}).
 * @param outRoot the batch output folder
 */
export function removeEmptyLockDirSync(outRoot: string): void {
  removeEmptyDirSync(join(outRoot, LOCK_DIR));
}

/**
 * Take over a stale lock whose text was `seen`: move it aside (atomic), and only if what was moved
 * is still that stale lock, delete it. If another run replaced it in between, put theirs back.
 */
async function removeStale(path: string, seen: string): Promise<void> {
  const aside = sideName(path, 'stale');
  try {
    await rename(path, aside);
  } catch {
    return; // gone already
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== seen) await link(aside, path).catch(() => undefined); // someone else's live lock: restore it
  await unlink(aside).catch(() => undefined);
}

/**
 * Claim the map `id` of the batch folder `outRoot`: create `<outRoot>/.locks/<id>.lock` holding
 * this host, PID, a nonce and `key`. A lock of a process on this host that is not running (gone, or a
 * zombie not yet reaped: {@link processAlive}), or from another host one not touched for
 * {@link FOREIGN_STALE_MS}, is taken over (so is an empty lock file older than a minute: its writer
 * died before writing it); any other file at the lock's name is left alone. While held, the lock file is touched every
 * {@link HEARTBEAT_MS}. A run stopped by SIGINT, SIGTERM or SIGHUP (with the CLI's
 * `installSignalCleanup`) removes the locks it holds.
 * @param outRoot the batch output folder
 * @param id the map's id (one plain folder name)
 * @param key completion key (`run-key.ts`) of the settings this run computes the map with, written
 *   into the lock so that other runs can tell (see {@link lockHolder}); omitted when not known
 * @returns the claim, or undefined when another live run holds it
 * @throws Error when `id` is not one plain name, or when a file at the lock's name is not a lock of
 *   this tool (it is never removed)
 */
export async function claimItem(outRoot: string, id: string, key?: string): Promise<Claim | undefined> {
  if (!isPlainName(id)) throw new Error(`batch: unsafe map id '${id}'`);
  const dir = join(outRoot, LOCK_DIR);
  await ensureRealDir(dir);
  const path = join(dir, `${id}.lock`);
  const pidns = pidNamespace();
  const info: LockInfo = { host: hostname(), pid: process.pid, start: processStart(process.pid), ...(pidns === undefined ? {} : { pidns }), nonce: randomBytes(8).toString('hex'), since: new Date().toISOString(), ...(key === undefined ? {} : { key }) };
  const text = JSON.stringify(info) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = await create(path, text);
    } catch (err) {
      // another run that ended removed the empty lock folder (removeEmptyLockDirSync) meanwhile
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 2) throw err;
      await ensureRealDir(dir);
      continue;
    }
    if (created) {
      const timer = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => undefined);
      }, HEARTBEAT_MS);
      timer.unref();
      // stopped by a signal: remove the lock, only if it is still this claim's
      const unregister = onSignalCleanup(() => {
        try {
          if (readFileSync(path, 'utf8') === text) unlinkSync(path);
        } catch {
          // gone already
        }
        removeEmptyLockDirSync(outRoot);
      });
      return {
        path,
        release: async () => {
          clearInterval(timer);
          unregister();
          const current = await readFile(path, 'utf8').catch(() => undefined);
          if (current === text) await unlink(path).catch(() => undefined);
        },
      };
    }
    let seen: string;
    let mtimeMs: number;
    try {
      seen = await readFile(path, 'utf8');
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      continue; // released meanwhile: try again
    }
    if (parseLock(seen) === 'foreign') throw new Error(`'${path}' is not a lock of occupy batch (a file it did not write): move it away and rerun`);
    if (!isStale(seen, mtimeMs)) return undefined;
    await removeStale(path, seen);
  }
  return undefined;
}

/**
 * Who holds the lock of map `id` in `outRoot` (see {@link claimItem}): its host, PID, completion
 * key and claim time (each undefined for locks written without it, e.g. by older versions).
 * @returns the holder, or undefined when there is no lock or it cannot be read (released, half-written)
 */
export async function lockHolder(outRoot: string, id: string): Promise<LockHolder | undefined> {
  if (!isPlainName(id)) return undefined;
  try {
    const info = JSON.parse(await readFile(join(outRoot, LOCK_DIR, `${id}.lock`), 'utf8')) as Partial<LockInfo>;
    if (typeof info.host !== 'string' || typeof info.pid !== 'number') return undefined;
    return { host: info.host, pid: info.pid, ...(typeof info.key === 'string' ? { key: info.key } : {}), ...(typeof info.since === 'string' ? { since: info.since } : {}) };
  } catch {
    return undefined;
  }
}
