/**
 * Which file a path names: device and inode after following symbolic links, so that two paths
 * that reach the same file (`lnk/in.mrc` with `lnk -> .`, a hard link, `./a/../in.mrc`) compare
 * equal where their strings do not.
 */
import { stat } from 'node:fs/promises';

/** Device and inode of an existing file (after following links). */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/**
 * The identity of the file `path` names, or undefined when nothing exists there (or it cannot
 * be reached: a dangling link, a folder without permission).
 */
export async function fileIdentity(path: string): Promise<FileIdentity | undefined> {
  try {
    const st = await stat(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/** Whether two identities name the same file. */
export function sameIdentity(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/** Whether two paths name the same existing file (false when either does not exist). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [ia, ib] = await Promise.all([fileIdentity(a), fileIdentity(b)]);
  return sameIdentity(ia, ib);
}
