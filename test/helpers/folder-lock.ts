/**
 * A machine-wide lock between test processes (`npm test` runs two test files at once): a folder
 * (mkdir is atomic) holding the owner's pid; a lock whose owner is gone (a killed test run, by
 * the tool's own rule, `processAlive`: not running, or a zombie) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive } from '../../src/core/process-alive.js';

/**
 * Wait (up to `timeoutMs`) until this process holds the lock folder `path`; returns its release
 * (which acts once: a second call must not remove a lock another process took since).
 * @param what what the holder is doing, for the timeout's message
 * @throws Error after `timeoutMs` with the holder's pid
 */
export async function lockFolder(path: string, timeoutMs: number, what: string): Promise<() => void> {
  const t0 = Date.now();
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      let held = true;
      return () => {
        if (held) rmSync(path, { recursive: true, force: true });
        held = false;
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
    } catch {
      // being written or removed: look again
    }
    // best effort: two waiters that both find it stale at the same moment could both proceed,
    // which only a killed run can set up
    if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) rmSync(path, { recursive: true, force: true });
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what} (pid ${owner}, lock ${path}) is still running after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
