/**
 * The cancellation and progress contract shared by every long-running function of the API.
 */
import { loadFft } from '../math/fft.js';
import { turnOfEventLoop } from '../core/event-loop.js';
import { optionError } from './errors.js';

/** Progress callback: the phase now starting and the overall fraction done, in [0, 1]. */
export type ProgressListener = (phase: string, fraction: number) => void;

/** Options every long-running function of the API takes. */
export interface RunOptions {
  /**
   * Cancels the call: it rejects with `signal.reason` (a `DOMException` named `'AbortError'` for
   * `AbortController.abort()`) at once when already aborted, else at the next phase boundary.
   * `localResolution` and `decompose` compute in a worker thread, so an abort ends them at once;
   * so do `modifyMap`'s modification step (after its estimate) and `fsc`'s corrected FSC (with a
   * mask).
   * The estimate computes on the calling thread between boundaries, so an abort from a timer or
   * I/O callback (rather than from `onProgress`) is seen where the call yields to the event loop:
   * after loading, after each step that awaits (e.g. before its maps are padded back and
   * summarised), and within the low-pass, which reports `low-pass` again after each group of
   * planes of its transforms (about 2^20 voxels; since session 60).
   */
  signal?: AbortSignal;
  /**
   * Called at the start of each phase with its name and the overall fraction done (non-decreasing,
   * in [0, 1]); the last call is `('done', 1)`. Exceptions thrown by the listener abort the call
   * with that exception.
   */
  onProgress?: ProgressListener;
}

/** Drives progress and checks the signal at every phase boundary. */
export class RunControl {
  private last = 0;

  constructor(private readonly options: RunOptions) {
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw optionError('signal', 'an AbortSignal', options.signal);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw optionError('onProgress', 'a function (phase, fraction) => void', options.onProgress);
  }

  /** Throw the abort reason when the signal is aborted. */
  check(): void {
    this.options.signal?.throwIfAborted();
  }

  /** Check the signal, then report the start of `phase` at `fraction` (kept non-decreasing, clamped to [0, 1]). */
  phase(phase: string, fraction: number): void {
    this.check();
    this.last = Math.min(1, Math.max(this.last, fraction));
    this.options.onProgress?.(phase, this.last);
  }

  /** A listener for inner code whose own fractions in [0, 1] map to [from, to] of the whole call. */
  span(from: number, to: number, prefix?: string): ProgressListener {
    return (p, f) => this.phase(prefix ? `${prefix}: ${p}` : p, from + (to - from) * Math.min(1, Math.max(0, f)));
  }

  /**
   * Let due timers, I/O callbacks and signal handlers (an abort from them) run, then check the
   * signal ({@link turnOfEventLoop}).
   */
  async yield(): Promise<void> {
    await turnOfEventLoop();
    this.check();
  }

  /** Report `('done', 1)`. */
  done(): void {
    this.check();
    this.last = 1;
    this.options.onProgress?.('done', 1);
  }
}

/**
 * Start a call: check the signal (reject at once when already aborted), load the FFT (idempotent;
 * callers of the library never need `loadFft` themselves) and report the first phase.
 */
export async function startRun(options: RunOptions, firstPhase = 'load'): Promise<RunControl> {
  const rc = new RunControl(options);
  rc.check();
  rc.phase(firstPhase, 0);
  await loadFft();
  await rc.yield();
  return rc;
}
