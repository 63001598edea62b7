/**
 * Creating a run's output folder, with one line in the user's terms when it cannot be made.
 *
 * Node's recursive `mkdir` hides the real cause: on a read-only file system it reports ENOENT for
 * the first missing folder (`ENOENT: no such file or directory, mkdir '…/newdir'`), and when a
 * component is a file it reports EEXIST or ENOTDIR. Here every missing component is made one at a
 * time (non-recursive `mkdir`), so the error is the true one, and it is said as
 * `cannot create output folder '<path>': <reason>`.
 */
import { constants } from 'node:fs';
import { access, lstat, mkdir, stat } from 'node:fs/promises';
import { dirname, normalize, sep } from 'node:path';
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

/**
 * Check, without creating anything, that the output folder `path` exists or can be created: no
 * component of it is a file, and the deepest existing folder is writable (a read-only file
 * system or a folder without write permission is refused). For refusing a bad output folder
 * before a long run instead of after it.
 * @param path the output folder, as the user gave it (named so in the message)
 * @throws Error `cannot create output folder '<path>': '<component>' is a file | read-only file
 *   system | permission denied`
 */
export async function checkOutputFolder(path: string): Promise<void> {
  const { missing, existing } = await missingComponents(path);
  if (missing.length === 0) return;
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw folderError(path, reasonOf(err), err);
  }
}

/**
 * Create the output folder `path` and its missing parents (like `mkdir -p`), each missing
 * component with a non-recursive `mkdir`, so that a failure gives its true cause.
 * @param path the output folder, as the user gave it (named so in the message)
 * @returns the first folder created (the top-most missing one), or undefined when `path` existed
 * @throws Error `cannot create output folder '<path>': '<component>' is a file | read-only file
 *   system | permission denied | no space left on device | …` (one line, no errno text)
 */
export async function makeOutputFolder(path: string): Promise<string | undefined> {
  const { missing } = await missingComponents(path);
  let first: string | undefined;
  for (const p of missing.reverse()) {
    try {
      await mkdir(p);
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
