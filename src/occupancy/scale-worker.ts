/**
 * Worker-thread entry of {@link ./scale-thread.ts}: computes the local scale on shared memory.
 */
import { parentPort } from 'node:worker_threads';
import { unpackViews } from '../core/shared-views.js';
import { computeLocalScale } from './local-scale.js';
import type { ScaleReply, ScaleRequest } from './scale-thread.js';

parentPort?.on('message', (packed: unknown) => {
  const req = unpackViews(packed) as ScaleRequest;
  let reply: ScaleReply;
  try {
    reply = { id: req.id, ok: true, result: computeLocalScale(req.input, req.params, req.out) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    reply = { id: req.id, ok: false, name: e.name, message: e.message };
  }
  parentPort?.postMessage(reply);
});
