/**
 * Folders that `occupy batch` creates and may later remove or replace. Each carries a marker file
 * written by this tool; nothing without the marker, nothing reached through a symbolic link and
 * nothing outside the folder it is looked up in is ever removed.
 */
import { lstatSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { lstat, mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Name of the marker file inside every folder this tool created (staging and map folders). */
export const MARKER_FILE = '.occupy-batch';

/** What the marker file says. */
export interface Marker {
  tool: 'occupy-ts batch';
  /** `run` (a run's staging folder) or `map` (one map: staging, then its finished folder). */
  kind: 'run' | 'map';
  host: string;
  pid: number;
  /** The map's source, for `map` folders. */
  source?: string;
}

/** Whether `name` is a single plain path component (no separator, not `.`/`..`/empty). */
export function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

import { writeNewFileSynced } from '../core/atomic-write.js';

export { writeNewFileSynced };

/**
 * Create the folder `path` (it must not exist yet; its parent must) and its marker, so this tool
 * may remove it later.
 * @throws Error when it exists or cannot be created
 */
export async function createOwnedDir(path: string, kind: Marker['kind'], source?: string): Promise<void> {
  await mkdir(path); // not recursive: fails when it exists, so what is removed below is ours
  const marker: Marker = { tool: 'occupy-ts batch', kind, host: hostname(), pid: process.pid, ...(source !== undefined ? { source } : {}) };
  try {
    await writeNewFileSynced(join(path, MARKER_FILE), JSON.stringify(marker) + '\n');
  } catch (err) {
    await rm(path, { recursive: true, force: true });
    throw err;
  }
}

/** Whether `path` is a real folder (not a link) holding a marker file (a real file) of this tool. */
export async function isOwnedDir(path: string): Promise<boolean> {
  return isOwnedDirSync(path);
}

/** {@link isOwnedDir}, synchronously (for signal handlers): two lstat calls and a small read. */
export function isOwnedDirSync(path: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isDirectory() || st.isSymbolicLink()) return false;
    if (!lstatSync(join(path, MARKER_FILE)).isFile()) return false;
    const marker = JSON.parse(readFileSync(join(path, MARKER_FILE), 'utf8')) as Partial<Marker>;
    return marker.tool === 'occupy-ts batch';
  } catch {
    return false;
  }
}

/**
 * {@link removeOwnedDir}, synchronously (for signal handlers); never throws.
 * @returns whether it was removed
 */
export function removeOwnedDirSync(parent: string, name: string): boolean {
  if (!isPlainName(name)) return false;
  const path = join(parent, name);
  if (!isOwnedDirSync(path)) return false;
  try {
    rmSync(path, { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Remove the folder `name` inside `parent` only when it is one this tool created: `name` is one
 * plain path component, and the folder is a real folder (checked with lstat, so a link is never
 * followed) holding this tool's marker file.
 * @returns whether it was removed
 */
export async function removeOwnedDir(parent: string, name: string): Promise<boolean> {
  if (!isPlainName(name)) return false;
  const path = join(parent, name);
  if (!(await isOwnedDir(path))) return false;
  await rm(path, { recursive: true, force: true });
  return true;
}

/**
 * Make sure `path` is a real folder (created when missing), not a link or a file: the batch's own
 * folders (`.staging`, `.locks`) must not lead elsewhere.
 * @throws Error naming the path when something else is there
 */
export async function ensureRealDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
  const st = await lstat(path);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`'${path}' is not a folder made by occupy batch (a link or a file): remove it and rerun`);
}

/**
 * Remove the folder `path` when it is empty (`rmdir`: a folder with anything in it, another run's
 * file among them, is left as it is); never throws. For the batch's hidden folders (`.staging`,
 * `.locks`, `.plans`), which a run that ends or is stopped must not leave behind empty.
 */
export function removeEmptyDirSync(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // not empty (another run's file, a file the user put there), a link, or gone
  }
}
