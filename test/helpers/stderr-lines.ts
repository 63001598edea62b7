/**
 * The lines of a command's stderr besides its progress lines. A refusal that comes from the work
 * itself (the half-map checks of the input diagnostics: identical or anti-correlated halves) can
 * follow a held phase's percentage line when that phase runs 5 s, as on a loaded CI machine
 * (`[   5.6 s] diagnostics 2 % (5.1 s so far)`): the progress a user is owed, not a second
 * message. Tests that assert "one error line" count the other lines.
 */

/** A progress line of the reporter (`[ 1.2 s] phase (0.34 s)` or `[ 5.1 s] phase 2 % (5.1 s so far)`). */
export const PROGRESS_LINE = /^\[\s*[\d.]+ s\] .* \([\d.]+ s( so far)?\)$/;

/**
 * The non-empty lines of `stderr` that are not progress lines.
 * @param stderr a command's whole stderr
 */
export function linesBesidesProgress(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !PROGRESS_LINE.test(l));
}
