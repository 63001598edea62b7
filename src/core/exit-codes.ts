/**
 * The exit codes of every `occupy` command (one table, documented in the README):
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | failed: bad input file, a fault while computing or writing (nothing left half-written) |
 * | 2 | usage: unknown or malformed option, value out of range, contradictory options |
 * | 3 | `occupy batch`: some maps failed (their records say why); the others are complete; `occupy batch collect`: maps of the batch have no record (a shard that never ran, a run stopped early) |
 *
 * A run stopped by a signal exits with 128 + the signal number (130 for Ctrl+C, 143 for SIGTERM).
 */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** The command failed (bad input, fault); nothing half-written is left. */
  failed: 1,
  /** The command line was wrong (option, value, missing argument); nothing was read or written. */
  usage: 2,
  /** `occupy batch`: some maps failed, the others are complete; `occupy batch collect`: maps of the batch have no record. */
  batchPartial: 3,
} as const;

/** One of the codes of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A wrong command line found after parsing (a contradiction, a missing required option): the CLI
 * prints its message as one `occupy: error:` line and exits with {@link EXIT.usage}.
 */
export class UsageError extends RangeError {
  /** @param message one line naming the option(s) and what is allowed */
  constructor(message: string) {
    super(message);
    // keeps the name `RangeError`: callers (and tests) that check the kind of a bad option value see one
  }
}
