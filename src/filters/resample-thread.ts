/**
 * A second thread for the Fourier crop/pad of a map read plane by plane
 * ({@link fourierResamplePlanes} with `threads: true`): on a 2-core machine the 512³ -> 256³ crop
 * of the estimate's `--max-box` is mostly 1D transforms of independent planes and columns, which
 * split evenly between two threads.
 *
 * The work block, the planes handed over and the output are SharedArrayBuffer-backed, so nothing
 * is copied between the threads, and each thread allocates its buffers (a plane's rows, its wasm
 * scratch) once per map: V8 allocating large typed arrays from two threads of one process contends
 * (see src/batch/runner.ts), so nothing is allocated per plane.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../core/module-worker.js';
import { packViews } from '../core/shared-views.js';
import type { Shape3, Vec3 } from '../core/volume.js';
import type { ResampleLowpass } from './fourier-resample.js';

/** Messages to the worker; each is answered by one {@link ResampleReply} with its `id`. */
export type ResampleRequest =
  | { id: number; kind: 'init'; inShape: Shape3; outShape: Shape3; block: Float32Array; lowpass?: ResampleLowpass & { voxelSizeA: Vec3 }; lowBlock?: Float32Array }
  | { id: number; kind: 'planes'; inShape: Shape3; first: number; count: number; data: Float32Array }
  | { id: number; kind: 'z'; c0: number; c1: number }
  | { id: number; kind: 'inverse'; out: Float32Array; z0: number; z1: number; low?: Float32Array };

/** The worker's answer; `ms` is the time the worker spent on the request (milliseconds). */
export type ResampleReply = { id: number; ok: true; ms: number } | { id: number; ok: false; message: string };

/** Distributes `Omit<ResampleRequest, 'id'>` without losing the union. */
type Request = ResampleRequest extends infer R ? (R extends ResampleRequest ? Omit<R, 'id'> : never) : never;

/** A started worker thread for one resampling; {@link close} it when done (also on failure). */
export class ResampleThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (ms: number) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor() {
    this.worker = startModuleWorker(import.meta.url, 'resample-worker');
    this.worker.on('message', (reply: ResampleReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.ms);
      else p.reject(new Error(reply.message));
    });
    const fail = (err: Error) => {
      this.failed ??= err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the resampling worker thread exited (code ${code})`)));
  }

  /**
   * Send one request; resolves, with the milliseconds the worker spent on it, when it is done.
   * @throws Error with the worker's message, or when the worker died
   */
  run(request: Request): Promise<number> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(packViews({ ...request, id })); // a view over 4 GiB would arrive truncated
    });
  }

  /** Stop the worker thread. */
  async close(): Promise<void> {
    this.failed ??= new Error('the resampling worker thread was closed');
    await this.worker.terminate();
  }
}
