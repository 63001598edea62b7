/**
 * A job's input files: what its run record hashes, its log and `--json` list, and what no output
 * may overwrite (`protect` of `writeMrc` / `OutputSet`, compared by device and inode).
 */

/**
 * The input files given, in order (the map or half maps, then `--mask`, `--labels`, …), with the
 * options not given (undefined or '') left out. Every file the job reads belongs here: one left
 * out can be overwritten by an `-o` that names it.
 * @param paths the input paths as typed, absent options as undefined
 * @returns the paths given, in the same order
 */
export function jobInputs(...paths: (string | undefined)[]): string[] {
  return paths.filter((p): p is string => p !== undefined && p !== '');
}
