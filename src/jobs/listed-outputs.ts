/**
 * How a job's log lists the files it wrote when they are written somewhere other than where the
 * user will find them: a staging folder moved into place later (`finalDir`), or outputs kept in no
 * folder of the user's at all, such as the GUI's results without a save folder (`unsavedNote`).
 */
import { basename, join } from 'node:path';

/** Options of every job that writes a log of its files. */
export interface ListedOutputs {
  /**
   * The folder the outputs will finally live in, when it is not the folder they are written to
   * (a staging folder that is moved): the log names them there.
   */
  finalDir?: string;
  /**
   * Said of every file in the log instead of a folder, when the outputs will be in no folder the
   * user knows (the GUI without a save folder: `not saved (download it from the GUI)`); the log
   * names them by file name only. Takes precedence over {@link finalDir}.
   */
  unsavedNote?: string;
  /**
   * The folder the record names as the working folder, to which its command's relative paths
   * are relative and where its rerun line is to be run (default `process.cwd()`; the GUI passes its
   * root).
   */
  recordCwd?: string;
}

/**
 * The files as the log lists them: `<name> (<unsavedNote>)` with a note, `<finalDir>/<name>` with
 * a final folder, else the paths unchanged.
 * @param files paths of the written files (each directly in the folder written to)
 */
export function listedOutputs(files: readonly string[], o: ListedOutputs): string[] {
  if (o.unsavedNote !== undefined) return files.map((f) => `${basename(f)} (${o.unsavedNote})`);
  const dir = o.finalDir;
  if (dir !== undefined) return files.map((f) => join(dir, basename(f)));
  return [...files];
}
