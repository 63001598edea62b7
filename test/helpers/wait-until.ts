/**
 * Waiting for an event in tests instead of for a fixed time: a loaded machine (the full suite at
 * two files at once, plus other work) can take several times longer than an idle one to start a
 * process, render a frame or answer a request, so a fixed pause that is ample on an idle machine
 * can be outrun. These helpers poll for the event itself, with a cap that only bounds a test that
 * would otherwise hang.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The cap of {@link waitUntil} by default (ms): far beyond any start-up or render seen under load. */
export const WAIT_CAP_MS = 60_000;

/**
 * Poll `check` until it returns true (or a promise of true).
 * @param check the condition; called at once, then every `pollMs`
 * @param what what is waited for, named in the error
 * @param capMs the longest wait (ms), default {@link WAIT_CAP_MS}
 * @param pollMs the pause between two checks (ms), default 20
 * @throws Error `<what>: not within <capMs> ms` when the cap passes first
 */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, capMs = WAIT_CAP_MS, pollMs = 20): Promise<void> {
  const end = performance.now() + capMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > end) throw new Error(`${what}: not within ${capMs} ms`);
    await sleep(pollMs);
  }
}
