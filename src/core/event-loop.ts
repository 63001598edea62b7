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

/**
 * A computation cut into steps: a generator that yields, between its steps, the fraction of the
 * work done (in [0, 1]) and returns its result. {@link runSteps} runs it at once on the calling
 * thread; {@link runStepsYielding} takes a turn of the event loop at every yield, so that a signal
 * or an abort is acted on after the step that runs rather than after the whole computation.
 */
export type Steps<T> = Generator<number, T, void>;

/**
 * Run every step of `steps` at once and return its result.
 * @param steps the computation (e.g. `lowpassHardSteps(…)`)
 */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Run `steps` with a {@link turnOfEventLoop} after each step, then `onStep(fraction)`: an exception
 * thrown by `onStep` (the API's abort check in its progress listener) ends the computation with it.
 * The result is that of {@link runSteps}, bit for bit (the same code runs in the same order).
 * @param steps the computation
 * @param onStep called after each turn with the fraction the step reached
 */
export async function runStepsYielding<T>(steps: Steps<T>, onStep?: (fraction: number) => void): Promise<T> {
  try {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await turnOfEventLoop();
      onStep?.(r.value);
    }
  } finally {
    steps.return(undefined as T); // ended early (an exception): the generator's own clean-up runs
  }
}

/**
 * The steps of `inner` with their fractions mapped from [0, 1] to [from, to] (a part of a larger
 * computation), returning its result: `return yield* stepsWithin(inner, 0, 0.5)`.
 */
export function* stepsWithin<T>(inner: Steps<T>, from: number, to: number): Steps<T> {
  for (;;) {
    const r = inner.next();
    if (r.done) return r.value;
    yield from + (to - from) * r.value;
  }
}
