/**
 * The one check that a path an input is read from is a regular file, and the one wording of its
 * refusal: `cannot read <what> '<path>': <reason>`, the reason naming what is there instead (no
 * such file, a folder, a character or block device, a named pipe (FIFO), a socket). A FIFO had
 * blocked the open for ever and a device such as /dev/zero had filled the memory; the map reader,
 * the STAR reader, `star join`, the EMDB CA file and `batch` had each made this check with their
 * own words (session 55).
 */
import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fsErrorReason } from './fs-error-reason.js';

/** The `stat` methods {@link notRegularFileReason} looks at (a `Stats` or a `Dirent`-like object). */
export interface FileTypeTests {
  isFile(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

/**
 * Why a file of this kind cannot be read as an input, in words for a message.
 * @param st its `stat` (after following links)
 * @returns undefined for a regular file; else `it is a folder, not a file`, `it is a character
 *   device, not a regular file`, `it is a block device, …`, `it is a named pipe (FIFO), …`, `it is
 *   a socket, …` or `it is not a regular file`
 */
export function notRegularFileReason(st: FileTypeTests): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'it is a folder, not a file';
  const kind = specialFileKind(st);
  return kind ? `it is ${kind}, not a regular file` : 'it is not a regular file';
}

/**
 * What a special file is, in words for a message ('a character device', 'a block device', 'a
 * named pipe (FIFO)', 'a socket'), or undefined for any other kind.
 * @param st its `stat`/`lstat`
 */
export function specialFileKind(st: FileTypeTests): string | undefined {
  return st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isFIFO() ? 'a named pipe (FIFO)' : st.isSocket() ? 'a socket' : undefined;
}

/**
 * The refusal of an input file: `cannot read <what> '<shown>': <reason>`.
 * @param what what the file was to be (`map`, `STAR file`, `OCCUPY_EMDB_CA`, `batch input`)
 * @param shown the path as the user gave it
 * @param reason from {@link notRegularFileReason}, `no such file`, or an fs error's reason
 */
export function unreadableFileError(what: string, shown: string, reason: string, cause?: unknown): Error {
  return new Error(`cannot read ${what} '${shown}': ${reason}`, cause === undefined ? undefined : { cause });
}

/** The reason of a failed `stat`: `no such file` for ENOENT, else the fs error in the user's terms. */
function statFailure(err: unknown): string {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : fsErrorReason(err);
}

/**
 * Throw the refusal when `st` is not a regular file.
 * @param st the file's `stat` (after following links)
 * @param what what the file was to be (see {@link unreadableFileError})
 * @param shown the path as the user gave it
 * @throws Error `cannot read <what> '<shown>': it is a folder, not a file` (or a device, a FIFO,
 *   a socket: see {@link notRegularFileReason})
 */
export function assertRegularFile(st: FileTypeTests, what: string, shown: string): void {
  const reason = notRegularFileReason(st);
  if (reason !== undefined) throw unreadableFileError(what, shown, reason);
}

/**
 * `stat` a path (following links) that an input is to be read from, and refuse anything but a
 * regular file before it is opened.
 * @param path the path to look at
 * @param what what the file was to be (`map`, `STAR file`, …), for the message
 * @param shown the path as the user gave it (default `path`)
 * @returns its `Stats`
 * @throws Error `cannot read <what> '<shown>': no such file`, `…: permission denied` (or another fs
 *   reason), or a reason of {@link notRegularFileReason}
 */
export async function statRegularFile(path: string, what: string, shown: string = path): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    throw unreadableFileError(what, shown, statFailure(err), err);
  }
  assertRegularFile(st, what, shown);
  return st;
}

/**
 * {@link statRegularFile}, synchronous.
 * @throws Error as {@link statRegularFile}
 */
export function statRegularFileSync(path: string, what: string, shown: string = path): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw unreadableFileError(what, shown, statFailure(err), err);
  }
  assertRegularFile(st, what, shown);
  return st;
}
