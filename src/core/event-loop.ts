/**
 * A turn of Node's event loop that is sure to pass its poll phase, where signals (SIGINT, SIGTERM,
 * SIGHUP) and I/O callbacks are delivered.
 */

/**
 * Let due timers, I/O callbacks and signal handlers run, then resolve: code that computes on the
 * calling thread awaits it between its steps so that Ctrl+C (the CLI's clean-up, which exits) or an
 * abort from a timer or I/O callback is acted on after the step that runs, not after all of them.
 *
 * Two `setImmediate` hops, not a 0 ms timer: libuv (1.45 and later, Node 20) runs due timers at
 * the end of each loop iteration, right after the check phase, so a timer set from an I/O or
 * `setImmediate` callback (a worker's message, a file read) fired before the next poll and the
 * signal waited for the step after (a SIGINT during the first steps of a 256³ estimate was acted on
 * 6–9 s later, after the low-pass, solvent model, confidence and noise spectrum). The second
 * immediate is queued in a check phase, so it runs in the next iteration's, after its timers and
 * poll.
 */
export function turnOfEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
