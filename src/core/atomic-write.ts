/**
 * Writing one file so that no reader ever sees a half-written one.
 */
import { withOutputSet, type OutputSet } from './output-set.js';

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
