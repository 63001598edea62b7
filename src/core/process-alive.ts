/**
 * Whether a process is alive, from its PID and (Linux) its start time: for locks that hold the
 * PID of their holder (batch claims, output-set commit locks), so that a killed holder's lock is
 * known as stale.
 */
import { readFileSync } from 'node:fs';

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
