/**
 * Temporary folders of GUI sessions: `<tmp>/occupy-gui-<pid>-<6 random characters>`, one per
 * server process. A server killed with SIGKILL cannot remove its folder, so every new server
 * removes the folders of servers that are gone: only names of exactly this pattern, directly in
 * the temporary folder, that are real directories (checked with `lstat`, so a symbolic link is
 * never followed) owned by this user, whose process id is no longer alive.
 */
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Prefix of every session folder name. */
export const SESSION_DIR_PREFIX = 'occupy-gui-';

/** The exact name of a session folder: prefix, pid, `-`, mkdtemp's 6 random characters. */
export const SESSION_DIR_PATTERN = /^occupy-gui-([1-9][0-9]{0,9})-[A-Za-z0-9]{6}$/;

/**
 * Create this process's session folder `<parent>/occupy-gui-<pid>-XXXXXX`.
 * @param parent folder to create it in (default: `os.tmpdir()`)
 */
export function createSessionDir(parent: string = tmpdir()): Promise<string> {
  return mkdtemp(join(parent, `${SESSION_DIR_PREFIX}${process.pid}-`));
}

/**
 * Whether a process id is alive: `kill(pid, 0)` succeeds, or fails with EPERM (the process exists
 * but belongs to another user). Any other failure than ESRCH counts as alive (nothing is removed
 * when in doubt).
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Remove the session folders left by GUI servers that are no longer running (e.g. killed with
 * SIGKILL). Only entries of `parent` whose name matches {@link SESSION_DIR_PATTERN}, whose pid is
 * not alive and not this process, and that `lstat` shows to be a directory (not a link) owned by
 * this user are removed; errors are ignored (a folder that cannot be removed is left).
 *
 * @param parent folder to clean (default: `os.tmpdir()`)
 * @returns the names removed
 */
export async function removeStaleSessionDirs(parent: string = tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const removed: string[] = [];
  for (const name of names) {
    const m = SESSION_DIR_PATTERN.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    const full = join(parent, name);
    try {
      const st = await lstat(full);
      if (!st.isDirectory() || st.isSymbolicLink()) continue;
      if (uid !== undefined && st.uid !== uid) continue;
      // fs.rm removes links inside the folder without following them
      await rm(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // vanished or not removable: left alone
    }
  }
  return removed;
}
