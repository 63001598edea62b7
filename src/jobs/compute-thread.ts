/**
 * Runs one of the long, synchronous computations of {@link COMPUTE_METHODS} in a worker thread,
 * so that the main thread stays free while it computes: Ctrl+C, SIGTERM and SIGHUP are acted on
 * at once (the clean-up handler exits the process, which ends the thread), progress lines keep
 * coming when stderr is not a terminal, and an `AbortSignal` stops the computation itself rather
 * than waiting for its end. Before session 49, `occupy locres --method monores`, `--relion` and
 * `--method resmap` ran on the main thread and took 4.5–11 s at 128³ to stop after Ctrl+C
 * (minutes at 384³), and `occupy decompose` 10.4 s at 256³.
 *
 * Arrays in SharedArrayBuffer-backed memory are shared with the thread, not copied: the jobs read
 * their half maps, masks and maps so (`readMapArg(…, shared)`, src/jobs/read-map.ts), and the 256³
 * peaks fell (local FSC 0.79 → 0.71 GB). Other arguments are copied (structured clone). The
 * result's typed arrays are moved back without a copy.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/module-worker.js';
import { packViews, unpackViews } from '../core/shared-views.js';
import { OptionError } from '../core/option-error.js';
import { UsageError } from '../core/exit-codes.js';
import type { ComputeMethod, ComputeMethodName, ComputeProgress } from './compute-methods.js';

/** A request to the worker: the method's name and its arguments (the options without their functions). */
export interface ComputeRequest {
  method: ComputeMethodName;
  args: unknown[];
}

/** An error thrown in the worker, as data (its class is rebuilt on the caller's side). */
export interface ComputeErrorData {
  /** The class to rebuild: the project's own error classes keep the CLI's exit codes (2 for usage). */
  kind: 'OptionError' | 'UsageError' | 'RangeError' | 'TypeError' | 'Error';
  name: string;
  message: string;
  option?: string;
  allowed?: string;
  flag?: string;
  value?: unknown;
}

/** A message from the worker. */
export type ComputeReply = { type: 'progress'; args: unknown[] } | { type: 'done'; result: unknown } | { type: 'failed'; error: ComputeErrorData };

/** The error as data: class, message and (OptionError) the option's fields. */
export function errorData(err: unknown): ComputeErrorData {
  if (!(err instanceof Error)) return { kind: 'Error', name: 'Error', message: String(err) };
  if (err instanceof OptionError) {
    let value: unknown = err.value;
    try {
      structuredClone(value);
    } catch {
      value = String(value);
    }
    return { kind: 'OptionError', name: err.name, message: err.message, option: err.option, allowed: err.allowed, flag: err.flag, value };
  }
  const kind = err instanceof UsageError ? 'UsageError' : err instanceof RangeError ? 'RangeError' : err instanceof TypeError ? 'TypeError' : 'Error';
  return { kind, name: err.name, message: err.message };
}

/** The error rebuilt from {@link errorData}, of the same class (stack: the caller's). */
export function errorFromData(d: ComputeErrorData): Error {
  switch (d.kind) {
    case 'OptionError':
      return new OptionError(d.message, d.option ?? '', d.allowed ?? '', { flag: d.flag, value: d.value });
    case 'UsageError':
      return new UsageError(d.message);
    case 'RangeError':
      return new RangeError(d.message);
    case 'TypeError':
      return new TypeError(d.message);
    default: {
      const e = new Error(d.message);
      if (d.name !== 'Error') e.name = d.name;
      return e;
    }
  }
}

/** Options of {@link computeInThread}. */
export interface ComputeThreadOptions<K extends ComputeMethodName> {
  /**
   * Called with the arguments of the method's own `onProgress` (a fraction in [0, 1]; decompose:
   * phase, fraction). An exception it throws ends the thread and rejects the call with it.
   */
  onProgress?: ComputeProgress<K>;
  /** Ends the thread at once and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Run `COMPUTE_METHODS[method](...args)` in a new worker thread, ended when it returns.
 * Precondition: none (the thread loads the FFT itself).
 * @param method the method's name in {@link COMPUTE_METHODS}
 * @param args its arguments, every one given; the last one is its options object, whose
 *   `onProgress` is replaced by `options.onProgress`. Functions in any object argument are left out
 *   (a function cannot be sent to a thread). Not modified.
 * @returns what the method returns (its typed arrays moved back from the thread); the promise
 *   settles (either way) only once the thread has ended
 * @throws what the method throws, of the same class (OptionError, UsageError, RangeError,
 *   TypeError, Error); Error when the thread dies (e.g. out of memory); `signal.reason` on abort
 */
export function computeInThread<K extends ComputeMethodName>(method: K, args: Parameters<ComputeMethod<K>>, options: ComputeThreadOptions<K> = {}): Promise<ReturnType<ComputeMethod<K>>> {
  const { signal } = options;
  const onProgress = options.onProgress as ((...a: unknown[]) => void) | undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  // options objects without their functions (callbacks a caller left in, e.g. a job's onInfo)
  const sent: unknown[] = args.map((a: unknown) => (a !== null && typeof a === 'object' && !ArrayBuffer.isView(a) && !Array.isArray(a) ? Object.fromEntries(Object.entries(a).filter(([, v]) => typeof v !== 'function')) : a));
  return new Promise((resolve, reject) => {
    const w: Worker = startModuleWorker(import.meta.url, 'compute-worker');
    let settled = false;
    // the call settles once the thread has ended: a caller that goes on after an abort or an
    // error (reuses the shared arrays, counts the process's threads, exits) finds no thread still
    // running (it had settled first, and a thread still booting under load outlived a 200 ms wait)
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void w.terminate().then(fn, fn);
    };
    const onAbort = (): void => finish(() => reject(signal?.reason));
    signal?.addEventListener('abort', onAbort, { once: true });
    w.on('message', (m: ComputeReply) => {
      if (settled) return;
      if (m.type === 'progress') {
        // a listener that throws (a library caller's onProgress, or the API's abort check) ends
        // the call with its exception; thrown here, it would be an uncaught exception
        try {
          onProgress?.(...m.args);
        } catch (err) {
          finish(() => reject(err));
        }
      } else if (m.type === 'done') finish(() => resolve(unpackViews(m.result) as ReturnType<ComputeMethod<K>>));
      else finish(() => reject(errorFromData(m.error)));
    });
    w.on('error', (err) => finish(() => reject(err.message.includes('out of memory') || (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`${method} ran out of memory in its worker thread`) : err)));
    w.on('exit', (code) => finish(() => reject(new Error(`the ${method} worker thread exited (code ${code}) before it returned`))));
    // typed arrays go as buffer + offset + length: a view over 4 GiB would arrive truncated
    const request: ComputeRequest = { method, args: packViews(sent) as unknown[] };
    try {
      w.postMessage(request);
    } catch (err) {
      // an argument that cannot be cloned: end the thread, which would otherwise wait for ever
      // (and keep the process alive)
      finish(() => reject(err));
    }
  });
}
