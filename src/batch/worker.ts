/**
 * Worker thread of `occupy batch --jobs N`: runs one map at a time, sent by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { loadFft } from '../math/fft.js';
import type { BatchItem } from './inputs.js';
import { runItem, type BatchMethodOptions } from './run-item.js';

/** A task sent to the worker. */
export interface WorkerTask {
  outRoot: string;
  item: BatchItem;
  options: BatchMethodOptions;
  shard?: string;
}

if (parentPort) {
  const port = parentPort;
  const ready = loadFft();
  port.on('message', async (task: WorkerTask) => {
    await ready;
    port.postMessage(await runItem(task.outRoot, task.item, task.options, task.shard));
  });
}
