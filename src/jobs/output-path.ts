/**
 * What `-o` means, the same on every command: a path ending in `/` (or naming an existing folder)
 * is a folder to write into, with the outputs named after the input; anything else is a file name.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { UsageError } from '../core/exit-codes.js';
import { specialFileKind } from '../core/regular-file.js';
import { mapStem } from '../occupancy/output-names.js';

/**
 * Refuse an `-o` that names a device, a named pipe or a socket (or a link to one), before any
 * work: the outputs are named from it and written beside it (`-o /dev/null` had written
 * `/dev/scale_res_null.mrc` and its siblings), or renamed onto it, which would replace the node
 * (that was refused only when writing, after the computation).
 * @param output the `-o` value as given
 * @throws UsageError (exit 2) naming `-o`, the path and what it is
 */
export function refuseSpecialFile(output: string): void {
  let st;
  try {
    st = statSync(output);
  } catch {
    return; // missing (a new name), or unreadable: the write says why
  }
  if (st.isFile() || st.isDirectory()) return;
  const kind = specialFileKind(st) ?? 'not a regular file';
  throw new UsageError(`-o '${output}' is ${kind}, not a folder or a file name: give a folder (ending in /) or a name for the outputs (e.g. out/map.mrc)`);
}

/** Whether `-o` names a folder: it ends with a path separator, or is an existing folder. */
export function isFolderOutput(path: string): boolean {
  if (path.endsWith('/') || path.endsWith(sep)) return true;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The output folder and stem of a command whose outputs are named from a stem (`occupy -o`,
 * `occupy decompose -o`): `-o out/` (or an existing folder) writes into `out` with the input's
 * stem; `-o out/name.mrc` writes into `out` with the stem `name`.
 * @param output the `-o` value
 * @param inputPath the input map, whose stem names the outputs in a folder
 * @throws UsageError when `output` is a device, a named pipe or a socket
 */
export function outputFolderAndStem(output: string, inputPath: string): { dir: string; stem: string } {
  refuseSpecialFile(output);
  if (isFolderOutput(output)) return { dir: resolve(output), stem: mapStem(inputPath) };
  return { dir: dirname(resolve(output)), stem: mapStem(output) };
}

/**
 * The output file of a command that writes one named file (`-o out/` → `out/<defaultName>`,
 * `-o file` → `file`).
 * @param output the `-o` value, or undefined for the default name in `defaultDir`
 * @param defaultName the file's name when `-o` is a folder or absent
 * @param defaultDir where the file goes without `-o` (default: the current folder)
 * @throws UsageError when `output` is a device, a named pipe or a socket
 */
export function outputFile(output: string | undefined, defaultName: string, defaultDir = '.'): string {
  if (output === undefined) return resolve(defaultDir, defaultName);
  refuseSpecialFile(output);
  return isFolderOutput(output) ? join(resolve(output), defaultName) : resolve(output);
}
