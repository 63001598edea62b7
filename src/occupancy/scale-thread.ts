/**
 * Runs {@link computeLocalScale} in a worker thread, so that on a 2-core machine the maximum
 * filter (the slowest step) overlaps the low-pass, solvent fit and confidence on the main thread.
 * `npm run bench` measured a default 256³ estimate at ~1.45 s of compute on one thread; the
 * two branches take ~0.6 s each when overlapped.
 *
 * Data are shared, not copied: the input and output must be backed by a SharedArrayBuffer
 * (see {@link sharedFloat32}). One worker per process is started on demand and kept (unref'd, so it
 * never keeps the process alive) for later maps.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/module-worker.js';
import { packViews } from '../core/shared-views.js';
import type { LocalScaleParams, LocalScaleResult } from './local-scale.js';

/** A Float32Array of `length` elements backed by a SharedArrayBuffer (zero-filled). */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/** Whether an array's memory can be seen by a worker thread without a copy. */
export function isShared(a: Float32Array): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** Message to the worker. */
export interface ScaleRequest {
  id: number;
  input: Float32Array;
  out: Float32Array;
  params: LocalScaleParams;
}

/** Message from the worker. */
export type ScaleReply =
  | { id: number; ok: true; result: LocalScaleResult }
  | { id: number; ok: false; name: string; message: string };

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: LocalScaleResult) => void; reject: (e: Error) => void }>();

function startWorker(): Worker {
  const w = startModuleWorker(import.meta.url, 'scale-worker');
  w.on('message', (reply: ScaleReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(reply.name === 'RangeError' ? new RangeError(reply.message) : new Error(reply.message));
  });
  const fail = (err: Error) => {
    worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the local-scale worker thread exited (code ${code})`)));
  w.unref(); // after the listeners: adding a 'message' listener refs the worker again
  return w;
}

/**
 * Start the worker thread now (idempotent), so that its start-up (~40 ms) overlaps other work,
 * e.g. reading the map.
 */
export function prestartScaleThread(): void {
  worker ??= startWorker();
}

/**
 * {@link computeLocalScale} in the worker thread.
 * @param input scale input, SharedArrayBuffer-backed; not modified
 * @param params see {@link LocalScaleParams}
 * @param out SharedArrayBuffer-backed output of the same length
 * @throws TypeError when an array is not shared; RangeError/Error as computeLocalScale, or Error
 *   when the worker thread dies
 */
export function computeLocalScaleInThread(input: Float32Array, params: LocalScaleParams, out: Float32Array): Promise<LocalScaleResult> {
  if (!isShared(input) || !isShared(out)) throw new TypeError('computeLocalScaleInThread needs SharedArrayBuffer-backed arrays');
  prestartScaleThread();
  const w = worker as Worker;
  const id = nextId++;
  return new Promise<LocalScaleResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref(); // keep the process alive while the worker computes
    const request: ScaleRequest = { id, input, out, params };
    w.postMessage(packViews(request)); // a view over 4 GiB would arrive truncated
  }).finally(() => {
    if (pending.size === 0) worker?.unref();
  });
}

/**
 * An estimate stopped (aborted, or failed on the calling thread) while its local scale was still
 * being computed: end the worker when that request is the only one it has, so the abandoned work
 * does not go on using a core and delaying the next call (12 aborted 128³ estimates had made the
 * next one twice as slow; sweep, session 49). Another call's request in flight keeps the worker.
 * The abandoned request's promise rejects (the caller has stopped waiting for it).
 */
export function abandonScaleRequest(): void {
  if (pending.size <= 1) void stopScaleThread();
}

/** How many local-scale requests the worker thread holds (sent, not answered). */
export function scaleRequestsPending(): number {
  return pending.size;
}

/** Whether the worker thread is started (and not stopped). */
export function scaleThreadStarted(): boolean {
  return worker !== null;
}

/** Stop the worker thread (tests; the process may also simply exit). */
export async function stopScaleThread(): Promise<void> {
  const w = worker;
  worker = null;
  if (!w) return;
  // this worker's requests end here; its exit must not touch a worker started after it (its
  // 'exit' listener had cleared the new one and rejected the next call's request)
  w.removeAllListeners('exit');
  w.removeAllListeners('error');
  w.removeAllListeners('message');
  const err = new Error('the local-scale worker thread was stopped');
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  await w.terminate();
}
