/**
 * Creating a run's output folder, with one line in the user's terms when it cannot be made.
 *
 * Node's recursive `mkdir` hides the real cause: on a read-only file system it reports ENOENT for
 * the first missing folder (`ENOENT: no such file or directory, mkdir '…/newdir'`), and when a
 * component is a file it reports EEXIST or ENOTDIR. Here every missing component is made one at a
 * time (non-recursive `mkdir`), so the error is the true one, and it is said as
 * `cannot create output folder '<path>': <reason>`.
 */
import { randomBytes } from 'node:crypto';
import { constants, unlinkSync } from 'node:fs';
import { access, lstat, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fsErrorReason as reasonOf } from './fs-error-reason.js';

/** The path without trailing separators (`file/` → `file`; `/` stays `/`). */
function trimmed(path: string): string {
  const n = normalize(path);
  return n.length > 1 && n.endsWith(sep) ? n.replace(/[/\\]+$/, '') || sep : n;
}

/** What a file that is in the way of a folder is. */
function kindOf(st: { isFile(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (st.isFile()) return 'a file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isSocket()) return 'a socket';
  return 'not a folder';
}

/** The error of a folder that cannot be created. */
function folderError(path: string, reason: string, cause?: unknown): Error {
  return new Error(`cannot create output folder '${path}': ${reason}`, cause === undefined ? undefined : { cause });
}

/**
 * Walk up from `path` to its deepest existing ancestor.
 * @returns the missing components, deepest first, and the existing ancestor
 * @throws Error when an existing component is not a folder, or cannot be looked at
 */
async function missingComponents(path: string): Promise<{ missing: string[]; existing: string }> {
  const missing: string[] = [];
  let p = trimmed(path);
  for (;;) {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: an ancestor is a file, found further up
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw folderError(path, reasonOf(err), err);
      const parent = dirname(p);
      if (parent === p) throw folderError(path, reasonOf(err), err);
      missing.push(p);
      p = parent;
      continue;
    }
    if (!st.isDirectory()) throw folderError(path, `'${p}' is ${kindOf(st)}`);
    return { missing, existing: p };
  }
}

/** Write probes of {@link checkOutputFolder} not yet removed (a signal meanwhile removes them). */
const probes = new Set<string>();

/**
 * Remove, synchronously, the write probes of {@link checkOutputFolder} under way (for signal
 * handlers and the exit hook of `output-set.ts`).
 */
export function removeWriteProbesSync(): void {
  for (const p of probes) {
    try {
      unlinkSync(p);
    } catch {
      // not made yet, or already gone
    }
  }
  probes.clear();
}

/**
 * Whether a file can be made in the existing folder `dir`: a hidden empty file is created and
 * removed at once. Catches what `access(W_OK)` does not (root on a read-only bind mount or an NFS
 * export that squashes root, a full file system without a free inode).
 * @throws the fs error of the creation
 */
async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.occupy-write-check.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  probes.add(probe);
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
    await unlink(probe);
  } finally {
    probes.delete(probe);
  }
}

/**
 * Check that the output folder `path` can be written: when it exists, that a file can be made in
 * it; when it does not, that no component of it is a file and that the deepest existing folder
 * can take the new folder (a read-only file system, a folder without write permission, a full
 * file system are refused). Nothing is left behind: a hidden probe file is created and removed
 * in the existing folder. For refusing a bad output folder before a long run instead of after it.
 * @param path the output folder, as the user gave it (named so in the message)
 * @throws Error `cannot write to output folder '<path>': read-only file system | permission denied
 *   | no space left on device | …` for an existing folder; `cannot create output folder '<path>':
 *   '<component>' is a file | read-only file system | permission denied | …` for a missing one
 */
export async function checkOutputFolder(path: string): Promise<void> {
  const { missing, existing } = await missingComponents(path);
  const fail = (err: unknown): Error =>
    missing.length === 0 ? new Error(`cannot write to output folder '${path}': ${reasonOf(err)}`, { cause: err }) : folderError(path, reasonOf(err), err);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
    await probeWritable(existing);
  } catch (err) {
    throw fail(err);
  }
}

/**
 * Create the output folder `path` and its missing parents (like `mkdir -p`), each missing
 * component with a non-recursive `mkdir`, so that a failure gives its true cause.
 * @param path the output folder, as the user gave it (named so in the message)
 * @param made called with each folder as soon as it is created (outermost first), also when a
 *   deeper one then fails: for removing what a failed or stopped run made (`OutputSet`)
 * @returns the first folder created (the top-most missing one), or undefined when `path` existed
 * @throws Error `cannot create output folder '<path>': '<component>' is a file | read-only file
 *   system | permission denied | no space left on device | …` (one line, no errno text)
 */
export async function makeOutputFolder(path: string, made?: (folder: string) => void): Promise<string | undefined> {
  const { missing } = await missingComponents(path);
  let first: string | undefined;
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
      made?.(p);
      first ??= p;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        // made meanwhile (by another run), or something else is in the way
        const st = await stat(p).catch(() => undefined);
        if (st?.isDirectory()) continue;
        if (st) throw folderError(path, `'${p}' is ${kindOf(st)}`);
        const link = await lstat(p).catch(() => undefined);
        throw folderError(path, link?.isSymbolicLink() ? `'${p}' is a broken symbolic link` : reasonOf(err), err);
      }
      throw folderError(path, reasonOf(err), err);
    }
  }
  return first;
}
