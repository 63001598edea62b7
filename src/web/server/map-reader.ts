/**
 * Reading maps for the GUI server off the event loop: each read runs `readMrc` in its own worker
 * thread (`map-read-worker.ts`), at most {@link MAX_PARALLEL_READS} at a time, so inflating a
 * large or hostile gzip file (a "bomb") never freezes the server. `readMrc` stops inflating once
 * the bytes exceed what the MRC header promises; a worker that still fails (out of memory, crash)
 * only fails that one read.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/module-worker.js';
import type { Shape3, Vec3, Volume } from '../../core/volume.js';
import { HttpError } from './http-util.js';
import type { Finding } from '../../diagnostics/findings.js';
import { UNKNOWN_VOXEL_SIZE_ADVICE } from '../../io/mrc/layout.js';

/**
 * A map reader's error message in the GUI's terms: the GUI has no `--angpix`, so the advice for a
 * header without a voxel size (cell 0) names only the header fix.
 */
export function guiReadMessage(message: string): string {
  return message.replace(UNKNOWN_VOXEL_SIZE_ADVICE, 'the GUI takes it from the header: fix the header with occupy pixel-size set MAP --angpix A and open the new map');
}

/** Reads that may run at once (each holds a whole map in memory while it runs). */
export const MAX_PARALLEL_READS = 2;

/** Message to a reader thread. */
export interface MapReadRequest {
  /** File to read. */
  path: string;
  /** Name used in error messages (never a server-side temporary path). */
  name: string;
}

/** Message from a reader thread. */
export type MapReadReply =
  | { ok: true; data: Float32Array; shape: Shape3; voxelSizeA: Vec3; stats: { min: number; max: number; mean: number; isoLevel?: number }; fileBytes: number; findings: Finding[] }
  | { ok: false; message: string };

/** Range and mean of a volume's values. */
export function volumeStats(data: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: data.length ? sum / data.length : 0 };
}

/** A map read by {@link MapReader.read}. */
export interface MapRead {
  volume: Volume;
  /** Range and mean of the voxels. */
  stats: { min: number; max: number; mean: number; isoLevel?: number };
  /** Uncompressed file size the header promises: 1024 + nsymbt + nx·ny·nz·bytes per voxel. */
  fileBytes: number;
  /** Input diagnostics of the map (`occupy check`), JSON form; empty when none (or when they failed). */
  findings: Finding[];
}

/** Start a reader thread (through tsx when this module runs from `.ts` sources). */
function startReader(): Worker {
  return startModuleWorker(import.meta.url, 'map-read-worker');
}

/** Map reads in worker threads, with a limit on how many run at once. */
export class MapReader {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly workers = new Set<Worker>();
  private closed = false;

  /**
   * Read a map file in a worker thread; the thread has exited when the returned promise settles.
   * @param path the file
   * @param name the name to show in error messages (the path is replaced by it)
   * @throws HttpError 400 when the file is not a readable map (the reader's message, in terms of
   *   `name`), 413 when reading it exhausted the reader's memory, 503 after {@link close}
   */
  async read(path: string, name: string): Promise<MapRead> {
    if (this.running >= MAX_PARALLEL_READS) await new Promise<void>((go) => this.waiting.push(go));
    this.running++;
    try {
      return await this.readNow(path, name);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private readNow(path: string, name: string): Promise<MapRead> {
    if (this.closed) return Promise.reject(new HttpError(503, 'the GUI server is shutting down'));
    const userText = (text: string) => text.split(path).join(name);
    return new Promise<MapRead>((resolve, reject) => {
      const w = startReader();
      this.workers.add(w);
      let settled = false;
      // the thread has ended before the read settles, and until then it stays in `workers`, so
      // that close() waits for it too: terminate() had not been awaited, and the thread (and its
      // message port) outlived the read and close() by some 100 ms
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        void w
          .terminate()
          .catch(() => undefined)
          .then(() => {
            this.workers.delete(w);
            fn();
          });
      };
      w.once('message', (reply: MapReadReply) => {
        finish(() => {
          if (reply.ok) resolve({ volume: { data: reply.data, shape: reply.shape, voxelSizeA: reply.voxelSizeA }, stats: reply.stats, fileBytes: reply.fileBytes, findings: reply.findings ?? [] });
          else {
            let why = userText(reply.message).replace(/^cannot read map '[^']*': /, '');
            if (why.startsWith(`${name}: `)) why = why.slice(name.length + 2);
            reject(new HttpError(400, `cannot read '${name}' as a map: ${why}`));
          }
        });
      });
      w.once('error', (err: Error & { code?: string }) => {
        finish(() =>
          reject(
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new HttpError(413, `cannot read '${name}': the map is too large for the memory of the GUI server`)
              : new HttpError(400, `cannot read '${name}' as a map: ${userText(err.message)}`),
          ),
        );
      });
      w.once('exit', (code) => {
        finish(() => reject(this.closed ? new HttpError(503, 'the GUI server is shutting down') : new HttpError(400, `cannot read '${name}' as a map: the reader stopped (exit code ${code})`)));
      });
      w.postMessage({ path, name } satisfies MapReadRequest);
    });
  }

  /**
   * Stop every read in progress (they fail with 503) and refuse new ones; resolves once every
   * reader thread (also one of a read that has just ended) has exited.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const go of this.waiting.splice(0)) go();
    await Promise.all([...this.workers].map((w) => w.terminate().catch(() => undefined)));
  }
}
