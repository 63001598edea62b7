/**
 * Which commit a git checkout of the package is at, read from the `.git` files directly (no `git`
 * process): the short hash of HEAD, and `+modified` when a tracked file differs from the index's
 * record of it (size or modification time, as `git status` first compares them).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** Length of the short commit hash, hex digits. */
const SHORT_HASH = 7;

/**
 * The build of a package folder that is a git checkout: `<short hash>` or `<short hash>+modified`.
 * @param root the package folder (holding `.git`, a folder or a `gitdir:` file)
 * @returns undefined when `root` is not a git checkout or its HEAD cannot be read (an npm install)
 */
export function gitBuild(root: string): string | undefined {
  try {
    const gitDir = gitDirOf(root);
    const hash = headCommit(gitDir);
    if (!hash) return undefined;
    return `${hash.slice(0, SHORT_HASH)}${trackedFilesChanged(root, gitDir) ? '+modified' : ''}`;
  } catch {
    return undefined;
  }
}

/** The git folder of a checkout: `.git`, or where a `.git` file (`gitdir: …`, a worktree) points. */
function gitDirOf(root: string): string {
  const dotGit = join(root, '.git');
  if (statSync(dotGit).isDirectory()) return dotGit;
  const target = /^gitdir: (.*)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim() ?? '';
  return isAbsolute(target) ? target : resolve(root, target);
}

/** The commit HEAD names (40 hex digits): detached, a loose ref, or a packed ref. */
function headCommit(gitDir: string): string | undefined {
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined;
  const ref = head.slice(5);
  // a worktree's refs live in the common folder
  const common = readOptional(join(gitDir, 'commondir'))?.trim();
  const refDirs = [gitDir, ...(common ? [resolve(gitDir, common)] : [])];
  for (const dir of refDirs) {
    const loose = readOptional(join(dir, ref))?.trim();
    if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
    const packed = readOptional(join(dir, 'packed-refs'));
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
    if (line && /^[0-9a-f]{40} /.test(line)) return line.slice(0, 40);
  }
  return undefined;
}

/** A file's text, or undefined when it does not exist. */
function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether a tracked file differs from the index: missing, another size, or another modification
 * time than the index recorded (index versions 2 and 3; version 4 or an unreadable index counts
 * as changed, to be safe).
 */
function trackedFilesChanged(root: string, gitDir: string): boolean {
  const index = readFileSync(join(gitDir, 'index'));
  if (index.toString('latin1', 0, 4) !== 'DIRC') return true;
  const version = index.readUInt32BE(4);
  if (version !== 2 && version !== 3) return true;
  const count = index.readUInt32BE(8);
  let at = 12;
  for (let k = 0; k < count; k++) {
    const mtimeS = index.readUInt32BE(at + 8);
    const mtimeNs = index.readUInt32BE(at + 12);
    const size = index.readUInt32BE(at + 36);
    const flags = index.readUInt16BE(at + 60);
    const extended = version === 3 && (flags & 0x4000) !== 0;
    const nameAt = at + 62 + (extended ? 2 : 0);
    const nameEnd = index.indexOf(0, nameAt);
    const name = index.toString('utf8', nameAt, nameEnd);
    // entries are padded with 1–8 NULs to a multiple of 8 bytes from the entry's start
    at += Math.ceil((nameEnd - at + 1) / 8) * 8;
    let st;
    try {
      st = statSync(join(root, name), { bigint: true });
    } catch {
      return true; // deleted
    }
    if (Number(st.size % 2n ** 32n) !== size) return true;
    if (Number(st.mtimeNs / 1_000_000_000n) !== mtimeS) return true;
    if (mtimeNs !== 0 && Number(st.mtimeNs % 1_000_000_000n) !== mtimeNs) return true;
  }
  return false;
}
