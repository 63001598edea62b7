/**
 * What `-o` means, the same on every command: a path ending in `/` (or naming an existing folder)
 * is a folder to write into, with the outputs named after the input; anything else is a file name.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { mapStem } from '../occupancy/output-names.js';

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
 */
export function outputFolderAndStem(output: string, inputPath: string): { dir: string; stem: string } {
  if (isFolderOutput(output)) return { dir: resolve(output), stem: mapStem(inputPath) };
  return { dir: dirname(resolve(output)), stem: mapStem(output) };
}

/**
 * The output file of a command that writes one named file (`-o out/` → `out/<defaultName>`,
 * `-o file` → `file`).
 * @param output the `-o` value, or undefined for the default name in `defaultDir`
 * @param defaultName the file's name when `-o` is a folder or absent
 * @param defaultDir where the file goes without `-o` (default: the current folder)
 */
export function outputFile(output: string | undefined, defaultName: string, defaultDir = '.'): string {
  if (output === undefined) return resolve(defaultDir, defaultName);
  return isFolderOutput(output) ? join(resolve(output), defaultName) : resolve(output);
}
