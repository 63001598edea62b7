/**
 * Serialising the commits of output sets into one folder, between processes (and between sets of
 * one process): two runs writing the same output names (`occupy map.mrc -lp 8 -o x/ & occupy
 * map.mrc -lp 12 -o x/`) renamed their files one at a time, interleaved, and could leave
 * scale_res_x.mrc of one run beside conf_x.mrc and log_x.txt of the other (3 of 65 pairs in a
 * sweep, session 51). With the lock the later commit replaces the whole set.
 *
 * The lock is a symbolic link named {@link COMMIT_LOCK_NAME} in the folder whose target is its
 * holder (`occupy-commit-lock <host>[/<pid namespace>] <pid> <start> <nonce>`): created atomically and complete
 * from its first moment, it holds no data block (a nearly full disk can still take it), and it is
 * removed after the commit. A lock whose holder is gone (same host: PID not running, or running
 * with another start time; same host in another PID namespace: no process of it runs, when that
 * can be told; another host: untouched for {@link FOREIGN_STALE_MS}) is taken over, so
 * a killed holder never blocks a folder for ever. Where no lock can be made (a file system
 * without symbolic links, a file of that name that is not such a lock), the commit goes ahead
 * unlocked, as before.
 */
import { randomBytes } from 'node:crypto';
import { readlinkSync, unlinkSync } from 'node:fs';
import { link, lstat, readlink, rename, symlink, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FOREIGN_STALE_MS, lockHolderGone, pidNamespace, processStart } from './process-alive.js';

/** Name of the lock in the output folder (hidden). */
export const COMMIT_LOCK_NAME = '.occupy-commit.lock';

// a lock of another host is taken over when it was not changed for this long (commits take
// seconds): the rule the batch claims share (process-alive.ts)
export { FOREIGN_STALE_MS };

/** Longest wait between two tries while another live process holds the lock (ms). */
const MAX_POLL_MS = 100;

/** A wait for a live holder is reported once it has lasted this long (ms)… */
export const WAIT_NOTICE_MS = 2000;
/** …and again every this long while the same holder keeps the lock (ms). */
export const WAIT_REPORT_MS = 60_000;

/**
 * Told, in one line, when a commit has waited {@link WAIT_NOTICE_MS} for a lock another live
 * process holds (and again every {@link WAIT_REPORT_MS}): the wait had been silent, so a run
 * whose folder was locked by a stopped process, or by a run on another host that died (taken
 * over only after {@link FOREIGN_STALE_MS}), looked hung at its write phase.
 */
let waitListener: ((message: string) => void) | undefined;

/**
 * Set (or clear, with undefined) the listener told when a commit waits for another process's
 * commit lock (the CLI prints the line on stderr).
 * @param fn called with one line naming the lock, its holder and what ends the wait
 */
export function setCommitLockWaitListener(fn: ((message: string) => void) | undefined): void {
  waitListener = fn;
}

/** The line for a wait on the lock at `path` held as `text` (changed at `mtimeMs`); `doing`: what the holder does. */
function waitMessage(path: string, text: string, mtimeMs: number, doing = 'to write its outputs into this folder'): string {
  const m = LOCK_TEXT.exec(text);
  const [host, ns] = splitHost(m?.[1] ?? '?');
  const pid = m?.[2] ?? '?';
  const ownNs = pidNamespace();
  const otherNs = ns !== undefined && ownNs !== undefined && ns !== ownNs;
  const local = host === hostname();
  const at = `at ${new Date(mtimeMs + FOREIGN_STALE_MS).toISOString().slice(11, 19)} UTC (unchanged for ${FOREIGN_STALE_MS / 60000} min)`;
  const where = !local ? `host ${host}` : otherNs ? `this host in another PID namespace (a container, ${ns})` : 'this host';
  const end = !local ? `it is taken over if still there ${at}` : otherNs ? `it is taken over once no process of that namespace runs, or where that cannot be told, ${at}` : 'it is taken over as soon as that process ends';
  return `waiting for '${path}': process ${pid} on ${where} holds it ${doing}; ${end} (remove it if no occupy run is writing there)`;
}

const LOCK_TEXT = /^occupy-commit-lock (\S+) (\d+) (\S+) [0-9a-f]+$/;

/** Locks this process holds (path → its text) and side names of a take-over under way. */
const held = new Map<string, string>();
const aside = new Set<string>();

let ownStart: string | undefined | null = null;

/**
 * The holder's host as the lock names it: the host name, and where Linux tells, `/` and the PID
 * namespace (`vm/pid:[4026531836]`): a PID means something only in its namespace, and a run in a
 * container that shares the host's name (`docker run --network host`) had its live lock taken over
 * by a run on the host (its PID 1 read as the host's init, started at another time). Locks of
 * earlier versions name the host alone (taken as this namespace's).
 */
function lockHost(): string {
  const ns = pidNamespace();
  return ns === undefined ? hostname() : `${hostname()}/${ns}`;
}

/** The host name and PID namespace (undefined when the lock names none) of a lock's host field. */
function splitHost(field: string): [string, string | undefined] {
  const at = field.indexOf('/');
  return at < 0 ? [field, undefined] : [field.slice(0, at), field.slice(at + 1)];
}

/** This holder's text: host (and PID namespace), PID, start time (against PID reuse), a nonce. */
function lockText(): string {
  if (ownStart === null) ownStart = processStart(process.pid);
  return `occupy-commit-lock ${lockHost()} ${process.pid} ${ownStart ?? '-'} ${randomBytes(6).toString('hex')}`;
}

/**
 * Whether the lock `text` (changed `mtimeMs` ago) belongs to a holder that is gone. The same
 * process is a live holder (another output set of it commits).
 */
function isStale(text: string, mtimeMs: number): boolean {
  const m = LOCK_TEXT.exec(text);
  if (!m) return false;
  const [, field, pid, start] = m;
  const [host, pidns] = splitHost(field);
  return lockHolderGone({ host, pidns, pid: Number(pid), start: start === '-' ? undefined : start }, mtimeMs);
}

/**
 * Take over a stale lock whose text was `seen`: move it aside (atomic), and only if what was moved
 * is that stale lock, delete it; another run's lock that replaced it meanwhile is put back.
 */
async function removeStale(path: string, seen: string): Promise<void> {
  const side = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  aside.add(side);
  try {
    await rename(path, side);
  } catch {
    aside.delete(side);
    return; // gone already
  }
  const moved = await readlink(side).catch(() => '');
  if (moved !== seen) await link(side, path).catch(() => undefined); // a live lock: back (link does not follow the symbolic link)
  await unlink(side).catch(() => undefined);
  aside.delete(side);
}

/** Options of {@link acquireCommitLock}. */
export interface CommitLockOptions {
  /** The lock's name in the folder (default {@link COMMIT_LOCK_NAME}); e.g. one per file an EMDB download makes. */
  name?: string;
  /** What the holder does, for the wait line (default `to write its outputs into this folder`). */
  doing?: string;
  /** Ends the wait: rejects with the signal's reason (the lock is not taken). */
  signal?: AbortSignal;
}

/**
 * Take the commit lock of `dir`, waiting while a live process holds it.
 * @param dir the output folder (exists)
 * @param options another lock name in the folder, the holder's purpose for the wait line, a signal
 * @returns a function that releases the lock (nothing when the commit went ahead unlocked)
 * @throws the signal's reason when `options.signal` aborts while waiting
 */
export async function acquireCommitLock(dir: string, options: CommitLockOptions = {}): Promise<() => Promise<void>> {
  const path = join(dir, options.name ?? COMMIT_LOCK_NAME);
  const { signal } = options;
  const text = lockText();
  let wait = 5;
  const waitStart = Date.now();
  let reported: { text: string; at: number } | undefined;
  for (;;) {
    signal?.throwIfAborted();
    held.set(path, text); // before it exists: a signal meanwhile removes it if it was made
    try {
      await symlink(text, path);
      return async () => {
        if ((await readlink(path).catch(() => undefined)) === text) await unlink(path).catch(() => undefined);
        held.delete(path);
      };
    } catch (err) {
      held.delete(path);
      // no symbolic links here, no permission, no inode left …: unlocked, as before (the commit
      // itself says what is wrong with the folder, if anything)
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return async () => {};
    }
    let seen: string;
    try {
      seen = await readlink(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      return async () => {}; // a file of that name that is not a lock: never touched
    }
    if (!LOCK_TEXT.test(seen)) return async () => {};
    const st = await lstat(path).catch(() => undefined);
    if (st === undefined) continue;
    if (isStale(seen, st.mtimeMs)) {
      await removeStale(path, seen);
      continue;
    }
    const now = Date.now();
    if (waitListener !== undefined && now - waitStart >= WAIT_NOTICE_MS && (reported === undefined || reported.text !== seen || now - reported.at >= WAIT_REPORT_MS)) {
      reported = { text: seen, at: now };
      waitListener(waitMessage(path, seen, st.mtimeMs, options.doing));
    }
    if (signal) {
      try {
        await sleep(wait, undefined, { signal });
      } catch {
        signal.throwIfAborted(); // the signal's own reason, not the timer's AbortError
      }
    } else await sleep(wait);
    wait = Math.min(MAX_POLL_MS, wait * 2);
  }
}

/** Release, synchronously, every commit lock of this process (for signal handlers and the exit hook). */
export function releaseCommitLocksSync(): void {
  for (const [path, text] of held) {
    try {
      if (readlinkSync(path) === text) unlinkSync(path);
    } catch {
      // not made, or gone
    }
  }
  held.clear();
  for (const side of aside) {
    try {
      unlinkSync(side);
    } catch {
      // gone
    }
  }
  aside.clear();
}
