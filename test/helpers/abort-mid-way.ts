/**
 * Abort a library call from a timer while it computes (not from its progress listener), and
 * report how far it had got: a call that computes on the calling thread runs no timer until its
 * work is done, so the abort is seen only at its end (the last fraction before it is the
 * computation's end); one that computes in a worker thread is aborted mid-way.
 */
import type { ProgressListener, RunOptions } from '../../src/index.js';

/** What {@link abortFromTimer} saw. */
export interface AbortFromTimer {
  /** The fraction of the last progress call before the timer aborted the call (−1: never aborted). */
  fractionAtAbort: number;
  /** What the call rejected with (undefined when it resolved). */
  error: unknown;
}

/**
 * Start `call` with a signal and a progress listener; at the first progress call whose phase
 * matches `phase`, set a 0 ms timer that aborts.
 * @param call the library call, given its run options
 * @param phase the phase (regular expression) at whose start the timer is set
 */
export async function abortFromTimer(call: (options: RunOptions) => Promise<unknown>, phase: RegExp): Promise<AbortFromTimer> {
  const controller = new AbortController();
  let last = 0;
  let armed = false;
  let fractionAtAbort = -1;
  const onProgress: ProgressListener = (p, f) => {
    last = f;
    if (!armed && phase.test(p)) {
      armed = true;
      setTimeout(() => {
        fractionAtAbort = last;
        controller.abort();
      }, 0);
    }
  };
  try {
    await call({ signal: controller.signal, onProgress });
    return { fractionAtAbort, error: undefined };
  } catch (error) {
    return { fractionAtAbort, error };
  }
}
