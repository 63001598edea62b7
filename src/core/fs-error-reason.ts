/**
 * The reason of a failed file-system call in the user's terms, without Node's errno code, system
 * call and (often temporary) path: `ENOSPC: no space left on device, write` → `no space left on
 * device`.
 */

/**
 * The reason of a failed file-system call, in the user's terms (no errno text).
 * @param err what the call threw (an `ErrnoException`, or any error: its message is used)
 * @returns e.g. `no space left on device`, `read-only file system`, `permission denied`; for
 *   other codes Node's description without its code, system call and path (`EIO: i/o error,
 *   write` → `i/o error`); for an error without a code, its message
 */
export function fsErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'EROFS':
      return 'read-only file system';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMLINK':
      return 'the parent folder holds too many folders';
    default: {
      const message = e?.message ?? String(err);
      // only Node's own errno text is cut ("EIO: i/o error, mkdir '/x'" → "i/o error")
      return typeof e?.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) ? message.replace(/^E[A-Z0-9]+: /, '').replace(/, \w+(?: '.*')?$/, '') : message;
    }
  }
}
