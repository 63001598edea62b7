/**
 * Worker-thread entry of {@link ./compute-thread.ts}: loads the FFT and the named method, runs it
 * once with a progress callback that posts (at most every 100 ms, a new phase and a last fraction at once), and
 * posts the result with its typed arrays moved, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { loadFft } from '../math/fft.js';
import { COMPUTE_METHODS } from './compute-methods.js';
import { packViews, unpackViews } from '../core/shared-views.js';
import { errorData, type ComputeReply, type ComputeRequest } from './compute-thread.js';

/** The ArrayBuffers under `value` (typed arrays in objects and arrays, a few levels deep), each once. */
function buffersOf(value: unknown, out: Set<ArrayBuffer>, depth = 0): Set<ArrayBuffer> {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.add(value.buffer);
    return out;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) buffersOf(v, out, depth + 1);
  return out;
}

parentPort?.once('message', (req: ComputeRequest) => {
  void (async () => {
    let reply: ComputeReply;
    let transfer: ArrayBuffer[] = [];
    try {
      await loadFft();
      const fn = (await COMPUTE_METHODS[req.method]()) as (...a: unknown[]) => unknown;
      const args = unpackViews(req.args) as unknown[];
      let lastPost = 0;
      let lastKey = '';
      // at most every 100 ms, and whenever a phase (a string argument) changes or a fraction reaches 1
      const onProgress = (...a: unknown[]): void => {
        const now = performance.now();
        const key = a.filter((x) => typeof x !== 'number').join('\u0000');
        if (now - lastPost >= 100 || key !== lastKey || a.some((x) => typeof x === 'number' && x >= 1)) {
          lastPost = now;
          lastKey = key;
          parentPort?.postMessage({ type: 'progress', args: a } satisfies ComputeReply);
        }
      };
      args[args.length - 1] = { ...(args[args.length - 1] as object | undefined), onProgress };
      const result = fn(...args);
      transfer = [...buffersOf(result, new Set())];
      // moved buffers arrive whole, but a view over 4 GiB of one would arrive truncated
      reply = { type: 'done', result: packViews(result) };
    } catch (err) {
      reply = { type: 'failed', error: errorData(err) };
    }
    parentPort?.postMessage(reply, transfer);
  })();
});
