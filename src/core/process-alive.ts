/**
 * Whether a process is alive, from its PID and (Linux) its start time: for locks that hold the
 * PID of their holder (batch claims, output-set commit locks), so that a killed holder's lock is
 * known as stale.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** State (field 3) and start time (field 22) of a process from /proc/<pid>/stat (Linux), or undefined. */
export function processStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] }; // fields 3 and 22 overall
  } catch {
    return undefined;
  }
}

/** Start time of a process from /proc (Linux, field 22 of /proc/<pid>/stat), or undefined. */
export function processStart(pid: number): string | undefined {
  return processStat(pid)?.start;
}

/**
 * Whether a process with this PID (and start time, when known) is running on this machine: it
 * exists (`kill(pid, 0)` succeeds or fails with EPERM) and, where /proc tells (Linux), it is not a
 * zombie (state `Z`, killed or exited but not yet reaped by its parent) nor dead (`X`), and its start
 * time is `start`. Without /proc, existing counts as running.
 * @param pid process ID
 * @param start start time as in field 22 of /proc/<pid>/stat (against PID reuse); not compared when undefined
 */
export function processAlive(pid: number, start?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = processStat(pid);
  if (stat === undefined) return true;
  if (stat.state === 'Z' || stat.state === 'X' || stat.state === 'x') return false;
  return start === undefined || stat.start === start;
}

/** The PID namespace every process of a host starts in (Linux's PROC_PID_INIT_INO): from it, /proc shows every process. */
export const INITIAL_PID_NAMESPACE = 'pid:[4026531836]';

/**
 * The PID namespace of a process (`pid:[<inode>]`, Linux), or undefined where /proc does not tell.
 * A lock's PID means something only in its holder's namespace: a run in a container that shares
 * the host's name (`docker run --network host`) has PIDs of its own.
 * @param pid the process (default this one)
 */
export function pidNamespace(pid: number | 'self' = 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/**
 * Whether a lock holder of this host in another PID namespace `ns` may still be running: true
 * when a process of that namespace is running, false when none is, undefined when that cannot be
 * told (this process is itself in a container, whose /proc shows only its own processes; no /proc).
 * Processes whose namespace cannot be read (init, other users') are passed over. Callers treat
 * undefined as for a lock of another host.
 * @param ns the holder's namespace as {@link pidNamespace} gives it
 */
export function namespaceInUse(ns: string): boolean | undefined {
  if (pidNamespace() !== INITIAL_PID_NAMESPACE) return undefined;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (readlinkSync(`/proc/${n}/ns/pid`) === ns) return true;
    } catch {
      // gone meanwhile, or not readable (init, another user's process): not that holder's, as far
      // as can be told (a holder of another user in a container is missed, as before namespaces were
      // compared at all)
    }
  }
  return false;
}

/** A lock of another host (or of a PID namespace this process cannot look into) is stale when its file was not touched for this long (ms). */
export const FOREIGN_STALE_MS = 10 * 60 * 1000;

/** Who a lock names as its holder (the batch claims and the output-set commit lock both record these). */
export interface LockHolderProcess {
  /** Host name. */
  host: string;
  /** PID namespace (`pid:[<inode>]`); undefined in locks that do not record it (read as this one's). */
  pidns?: string;
  pid: number;
  /** Start time as in field 22 of /proc/<pid>/stat; undefined when not recorded. */
  start?: string;
}

/**
 * Whether the holder a lock names is gone, so that its lock may be taken over: another host's lock
 * when not touched for {@link FOREIGN_STALE_MS}; a holder in another PID namespace of this host (a
 * container sharing the host's name, whose PIDs mean nothing here) when no process of that
 * namespace runs, or where that cannot be told, by the other-host rule; this process never, unless
 * the start time says the PID is a reused one (a container's run has the same small PID every time,
 * and a lock left by a killed run with it had been waited for for ever); else when the PID is not
 * running with that start time ({@link processAlive}).
 * @param holder what the lock names
 * @param mtimeMs when the lock was last touched (ms since the epoch)
 */
export function lockHolderGone(holder: LockHolderProcess, mtimeMs: number): boolean {
  const untouched = Date.now() - mtimeMs > FOREIGN_STALE_MS;
  if (holder.host !== hostname()) return untouched;
  const own = pidNamespace();
  if (holder.pidns !== undefined && own !== undefined && holder.pidns !== own) {
    const inUse = namespaceInUse(holder.pidns);
    return inUse === undefined ? untouched : !inUse;
  }
  if (holder.pid === process.pid) {
    const ownStart = processStart(process.pid);
    if (holder.start === undefined || ownStart === undefined || holder.start === ownStart) return false;
  }
  return !processAlive(holder.pid, holder.start);
}
