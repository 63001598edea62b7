/**
 * Path safety of the GUI server: every path a client sends is resolved against the root folder,
 * `realpath`ed, and must stay inside the root's real path. Traversal (`..`, also percent-encoded),
 * absolute paths, NUL bytes and symbolic links leading outside are refused with 403.
 */
import { lstat, mkdir, readlink, realpath, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { HttpError } from './http-util.js';

/** Whether `child` is `parent` or lies below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  if (child === parent) return true;
  const p = parent.endsWith(sep) ? parent : parent + sep;
  return child.startsWith(p);
}

/** The string and its successive percent-decodings (up to 3), so `%2e%2e` and `%252e` are seen as `..`. */
function decodings(text: string): string[] {
  const out = [text];
  let cur = text;
  for (let i = 0; i < 3; i++) {
    let next: string;
    try {
      next = decodeURIComponent(cur);
    } catch {
      break;
    }
    if (next === cur) break;
    out.push(next);
    cur = next;
  }
  return out;
}

/**
 * Check a client path for traversal without touching the disk.
 * @throws HttpError 400 for a non-string; 403 for NUL bytes, absolute paths or `..` segments
 *   (also percent-encoded)
 */
export function checkRelativePath(rel: unknown, what = 'path'): string {
  if (typeof rel !== 'string') throw new HttpError(400, `${what} must be a string`);
  for (const form of decodings(rel)) {
    if (form.includes('\0')) throw new HttpError(403, `${what} refused: it contains a NUL byte`);
    if (isAbsolute(form) || /^[\\/]/.test(form) || /^[A-Za-z]:/.test(form)) throw new HttpError(403, `${what} refused: absolute paths are not allowed (give a path relative to the root folder)`);
    if (form.split(/[\\/]+/).some((s) => s === '..')) throw new HttpError(403, `${what} refused: '..' is not allowed`);
  }
  return rel;
}

/**
 * Why `mkdir -p abs` failed, in the user's terms: the part of the path in the way (a file, a
 * symbolic link whose target does not exist) or the system's reason (no permission …).
 */
async function whyNotMade(rootReal: string, abs: string, err: NodeJS.ErrnoException): Promise<string> {
  for (let p = abs; isInside(rootReal, p) && p !== rootReal; p = resolve(p, '..')) {
    const st = await lstat(p).catch(() => undefined);
    if (!st) continue;
    const name = relativeToRoot(rootReal, p);
    if (st.isSymbolicLink()) return `'${name}' is a symbolic link to '${await readlink(p).catch(() => '?')}', which does not exist`;
    if (!st.isDirectory()) return `'${name}' is a file, in the way of the folder`;
    break;
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') return 'no permission';
  if (err.code === 'EROFS') return 'the file system is read-only';
  if (err.code === 'ENOSPC') return 'the disk is full';
  return `the file system refused (${err.code ?? err.message})`;
}

/** A save folder under the root, and the folders its request made for it. */
export interface OutputFolder {
  /** The folder's real path. */
  real: string;
  /**
   * The folders made for it (it and its parents that were missing), innermost first: a run that
   * ends without saving anything removes them again while they are empty ({@link removeEmptyFolders}).
   */
  made: string[];
}

/**
 * A folder under the root for saved outputs: created (with its parents) when missing, then
 * resolved like {@link resolveInsideRoot}, so a symbolic link cannot lead it outside the root.
 * Call it only once everything else of a request is checked: a refused request makes no folder.
 * @returns its real path and the folders made for it (a folder that existed is never among them)
 * @throws HttpError 403 when unsafe or outside the root; 400 when it cannot be made (a file or a
 *   dangling symbolic link in the way, no permission …), naming why
 */
export async function outputFolderInsideRoot(rootReal: string, rel: unknown, what = 'the output folder'): Promise<OutputFolder> {
  const text = checkRelativePath(rel, what);
  const abs = resolve(rootReal, text);
  if (!isInside(rootReal, abs)) throw new HttpError(403, `${what} refused: outside the root folder`);
  // every existing part of the path must already be inside the root before anything is created
  let probe = abs;
  while (probe !== rootReal && !(await realpath(probe).then(() => true, () => false))) probe = resolve(probe, '..');
  if (!isInside(rootReal, await realpath(probe))) throw new HttpError(403, `${what} refused: '${text}' leads outside the root folder`);
  let first: string | undefined;
  try {
    first = await mkdir(abs, { recursive: true });
  } catch (err) {
    throw new HttpError(400, `${what} '${text}' cannot be made: ${await whyNotMade(rootReal, abs, err as NodeJS.ErrnoException)}`);
  }
  // mkdir gives the outermost folder it made: the made ones are it and those below it, up to abs
  const made: string[] = [];
  if (first !== undefined) for (let p = abs; isInside(first, p); p = resolve(p, '..')) made.push(p);
  try {
    const real = await resolveInsideRoot(rootReal, text, what);
    if (!(await stat(real)).isDirectory()) throw new HttpError(400, `${what} '${text}' is a file, not a folder`);
    return { real, made };
  } catch (err) {
    await removeEmptyFolders(made);
    throw err;
  }
}

/**
 * Remove folders while they are empty, in the order given (innermost first), stopping at the
 * first that is not (it holds something) or cannot be removed; one already gone is passed over.
 * For the folders a run made for its saved outputs, when it ends without saving any.
 */
export async function removeEmptyFolders(folders: readonly string[]): Promise<void> {
  for (const f of folders) {
    try {
      await rmdir(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
}

/**
 * Resolve a client path (relative to `rootReal`, the real path of the root) to the real path of
 * an existing file or folder inside the root.
 * @throws HttpError 403 when it is unsafe or leads outside the root (symbolic links included);
 *   404 when it does not exist
 */
export async function resolveInsideRoot(rootReal: string, rel: unknown, what = 'path'): Promise<string> {
  const text = checkRelativePath(rel, what);
  const abs = resolve(rootReal, text);
  if (!isInside(rootReal, abs)) throw new HttpError(403, `${what} refused: outside the root folder`);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new HttpError(404, `${what} '${text}' not found`);
    if (code === 'EACCES' || code === 'ELOOP') throw new HttpError(403, `${what} '${text}' cannot be accessed`);
    if (code === 'ENAMETOOLONG') throw new HttpError(400, `${what} is too long (${text.length} characters)`);
    throw err;
  }
  if (!isInside(rootReal, real)) throw new HttpError(403, `${what} refused: '${text}' leads outside the root folder`);
  return real;
}

/** The `/`-separated path of `real` relative to `rootReal` ('' for the root itself). */
export function relativeToRoot(rootReal: string, real: string): string {
  if (real === rootReal) return '';
  return real.slice(rootReal.length + (rootReal.endsWith(sep) ? 0 : 1)).split(sep).join('/');
}

/**
 * Check a single file name taken from a URL (already decoded once): no separators, no `..`, no
 * NUL, not empty.
 * @throws HttpError 403 (or 400 when empty)
 */
export function checkFileName(name: string): string {
  if (name === '') throw new HttpError(400, 'empty file name');
  for (const form of decodings(name)) {
    if (form.includes('\0')) throw new HttpError(403, 'file name refused: it contains a NUL byte');
    if (/[\\/]/.test(form) || form === '.' || form === '..') throw new HttpError(403, `file name refused: '${name}'`);
  }
  return name;
}

/** A safe local file name from an uploaded file's name: its base name with unusual characters replaced by `_`. */
export function sanitizeUploadName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^\.+/, '');
  return clean.length > 0 ? clean.slice(0, 200) : 'upload.mrc';
}
