/**
 * A clock the test moves, for code driven by timers and `performance.now()` (the CLI's progress
 * Reporter): node:test's mock timers stand in for `setTimeout` / `setInterval`, and
 * `performance.now()` follows them. Times are then exact: a real sleep of 6.0 s beside a 1 s
 * interval timer due at 6.0 s is a race a loaded machine decides (the check ran after the 6 s line
 * in CI on 0205b7f), and every real sleep adds its length to the suite.
 */
import type { TestContext } from 'node:test';

/** What {@link fakeClock} gives. */
export interface FakeClock {
  /** Move the clock on by `ms`, firing the timers that fall due on the way, each at its time (to `stepMs`). */
  advance(ms: number): void;
  /** The clock's time (ms), as `performance.now()` reads it. */
  now(): number;
}

/**
 * Mock `setTimeout`, `setInterval` and `performance.now()` for the rest of test `t` (undone when it
 * ends). Make the objects that read the clock (a Reporter keeps its start time) after this call.
 * @param stepMs the clock moves in steps of this many ms: a timer fires at most this late
 */
export function fakeClock(t: TestContext, stepMs = 10): FakeClock {
  let now = 0;
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
  t.mock.method(performance, 'now', () => now);
  return {
    advance(ms: number): void {
      for (let left = ms; left > 0; left -= stepMs) {
        const step = Math.min(stepMs, left);
        now += step;
        t.mock.timers.tick(step);
      }
    },
    now: () => now,
  };
}
