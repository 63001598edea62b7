/**
 * Writing one file so that no reader ever sees a half-written one.
 */
import { open, unlink } from 'node:fs/promises';
import { withOutputSet, type OutputSet } from './output-set.js';
import { fsErrorReason } from './fs-error-reason.js';

/**
 * Write `data` to `path` atomically: to a hidden temporary name in the same folder (created when
 * missing), every write checked and fsynced, then renamed onto `path`. On failure the temporary
 * file is removed and the error rethrown; an existing `path` is only ever replaced whole. With
 * `outputs`, the file is staged in that set and appears when the set is committed.
 * @throws Error `cannot write '<path>': <reason>` (e.g. no space left on device)
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, outputs?: OutputSet): Promise<void> {
  if (outputs) return outputs.writeBytes(path, data);
  await withOutputSet({}, (set) => set.writeBytes(path, data));
}

/**
 * Write `data` to a new file `path` (`wx`: never over an existing file), check that every byte was
 * written and fsync it. On failure the file, when this call made it, is removed (nothing half-written stays).
 * @throws Error `cannot write '<path>': <reason>` (e.g. `no space left on device`, no errno text)
 *   with the fs error's `code` (`EEXIST` when `path` exists)
 */
export async function writeNewFileSynced(path: string, data: string): Promise<void> {
  const bytes = Buffer.from(data, 'utf8');
  let created = false;
  try {
    const fh = await open(path, 'wx');
    created = true;
    try {
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        if (bytesWritten <= 0) throw new Error('short write');
        off += bytesWritten;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    // the file this call made ('wx': no one else's) goes with the failure: a full disk had left
    // an empty `.locks/<id>.lock.tmp-…` of `occupy batch` behind (session 58)
    if (created) await unlink(path).catch(() => undefined);
    // the fs error's code (EEXIST, ENOSPC, …) is kept for callers that branch on it
    // in the user's terms, as every other write failure: "no space left on device", not
    // "ENOSPC: no space left on device, write"
    const e: NodeJS.ErrnoException = new Error(`cannot write '${path}': ${fsErrorReason(err)}`, { cause: err });
    e.code = (err as NodeJS.ErrnoException).code;
    throw e;
  }
}
