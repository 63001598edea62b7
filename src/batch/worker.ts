/**
 * Worker process of `occupy batch --jobs N`: runs one map at a time, sent by the parent over IPC.
 */
import { loadFft } from '../math/fft.js';
import type { BatchItem } from './inputs.js';
import { runItem, type BatchMethodOptions } from './run-item.js';
import { installSignalCleanup } from '../core/signal-cleanup.js';

/** A task sent to the worker. */
export interface WorkerTask {
  outRoot: string;
  item: BatchItem;
  options: BatchMethodOptions;
  shard?: string;
  /** The parent run's staging folder. */
  stagingRoot: string;
  /** `--force`: replace the map's folder instead of keeping earlier outputs beside the new ones. */
  force?: boolean;
  /** Identities of the run's inputs, kept when a map folder is replaced (see `inputIdentities`). */
  protectIds?: readonly string[];
}

if (process.send) {
  // stopped by a signal: remove the map's staging folder and temporary files (`runItem` registers
  // them), quietly (the parent reports), with exit code 128 + the signal
  installSignalCleanup('occupy batch worker', true);
  const send = process.send.bind(process);
  const ready = loadFft();
  process.on('message', async (task: WorkerTask) => {
    await ready;
    // a worker whose parent died (SIGKILL) must not put a map in place: a rerun may own it now
    const rec = await runItem(task.outRoot, task.item, task.options, { shard: task.shard, stagingRoot: task.stagingRoot, canCommit: () => process.connected, force: task.force, protectIds: task.protectIds });
    if (process.connected) send(rec);
  });
  process.on('disconnect', () => process.exit(0));
}
