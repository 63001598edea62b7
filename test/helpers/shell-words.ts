/**
 * Reading back a command line that a run record wrote (`shellCommand` in src/core/run-record.ts).
 */

/** Split a command line written by `shellCommand` into its words (bare words and '...' quoted words). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : m[2]);
  return words;
}
