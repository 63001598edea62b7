/**
 * Clean up on SIGINT, SIGTERM and SIGHUP: remove this process's temporary and half-committed
 * output files (see `output-set.ts`), print one line, and exit with 128 + the signal number.
 */
import { constants } from 'node:os';
import { removeLiveOutputsSync } from './output-set.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;
const extraCleanups = new Set<() => void>();

/**
 * Register a synchronous clean-up to run before exit on a signal (e.g. killing worker processes,
 * removing a lock file). Returns a function that unregisters it.
 */
export function onSignalCleanup(fn: () => void): () => void {
  extraCleanups.add(fn);
  return () => extraCleanups.delete(fn);
}

/**
 * Install the handlers (once per process; later calls do nothing).
 * @param name program name for the message (default "occupy")
 * @param quiet print nothing (worker processes, whose parent reports)
 */
export function installSignalCleanup(name = 'occupy', quiet = false): void {
  if (installed) return;
  installed = true;
  for (const sig of SIGNALS) {
    process.on(sig, () => {
      for (const fn of extraCleanups) {
        try {
          fn();
        } catch {
          // keep cleaning
        }
      }
      const n = removeLiveOutputsSync();
      // another handler (e.g. the GUI server's graceful stop) owns the exit
      if (process.listenerCount(sig) > 1) return;
      if (!quiet) process.stderr.write(`${name}: interrupted by ${sig}${n > 0 ? `; removed ${n} unfinished output file${n === 1 ? '' : 's'}` : ''}\n`);
      process.exit(128 + (constants.signals[sig] ?? 1));
    });
  }
}
