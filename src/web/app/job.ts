/**
 * Running a job on the server: `POST /api/estimate` (or `/api/halfmaps`), then the job's
 * server-sent events (progress, log lines, done / error / cancelled); Cancel is
 * `DELETE /api/jobs/<id>`.
 *
 * The page follows the server's job states: a cancel the server answers as too late (the job had
 * passed its commit point) is reported through {@link JobHandlers.tooLate} with the job's `done`;
 * a job the server cancelled itself (replaced, or the server stopped) says so; a lost event
 * stream is followed up with `GET /api/jobs/<id>` (reattach, or the server is gone: the job ends
 * `server-gone` instead of waiting for ever). The running job is remembered in the tab's storage,
 * so a reloaded page can follow it again ({@link Job.recall}).
 */
import type { EstimateRequest, EstimateSummaryView, HalfMapsRequest, HalfMapsView, JobEvent, JobStarted } from '../api.js';
import { ApiError, cancelJob, getJobStatus, jobEventsUrl, startEstimate, startHalfMaps } from './api-client.js';

/** How a job ended without a result: an error, a cancel, or the server went away. */
export type JobFailure = 'error' | 'cancelled' | 'server-gone';

/** Callbacks of a job; `R` is what its `done` event carries. */
export interface JobHandlers<R = EstimateSummaryView> {
  progress(phase: string, fraction: number): void;
  /** The job waits in the server's queue at this place (1 = next). */
  queued?(position: number): void;
  log(level: 'info' | 'warning' | 'error', text: string): void;
  done(result: R): void;
  /** The job ended without a result (error, cancelled, server stopped or lost). */
  failed(kind: JobFailure, message: string): void;
  /**
   * The user's cancel came too late: the job had passed its commit point and ended `done` (its
   * {@link done} has run); `reason` is the server's answer.
   */
  tooLate?(reason: string): void;
}

/** What the tab remembers of its running job (`sessionStorage`), to follow it after a reload. */
export interface RememberedJob {
  jobId: string;
  /** What the page needs to follow it again (the kind of run, the map, the request). */
  about: unknown;
}

/** Key of the remembered job in the tab's storage. */
const JOB_STORAGE_KEY = 'occupy-gui-job';

/** Milliseconds between the looks at a job whose event stream broke (the last one gives up). */
const RECOVERY_DELAYS_MS = [0, 500, 1500];

/** Reattachments of one job's event stream at most (a stream that keeps breaking ends the job). */
const MAX_REATTACH = 20;

/** The too-late answer of a job that had already ended, when the server gave no reason. */
const ALREADY_FINISHED = 'the job had already finished';

/** Set when the page is being left or reloaded: its streams close then, which is no loss of the server. */
let leaving = false;
addEventListener('pagehide', () => {
  leaving = true;
});

/** A running job. */
export class Job {
  private source?: EventSource;
  private finished = false;
  private endedDone = false;
  /** Events received (a reattached stream replays them all: this many are skipped). */
  private seen = 0;
  private skip = 0;
  private reattached = 0;
  private refusal?: string;

  private constructor(
    readonly jobId: string,
    private readonly h: JobHandlers<never>,
    private readonly onDone: (result: EstimateSummaryView | HalfMapsView) => void,
  ) {}

  private static async follow(started: Promise<JobStarted>, h: JobHandlers<never>, onDone: (r: EstimateSummaryView | HalfMapsView) => void): Promise<Job> {
    const { jobId } = await started;
    const job = new Job(jobId, h, onDone);
    job.listen();
    return job;
  }

  private static estimateDone(h: JobHandlers<EstimateSummaryView>): (r: EstimateSummaryView | HalfMapsView) => void {
    return (r) => {
      if (!('kind' in r)) h.done(r);
    };
  }

  private static halfMapsDone(h: JobHandlers<HalfMapsView>): (r: EstimateSummaryView | HalfMapsView) => void {
    return (r) => {
      if ('kind' in r && r.kind === 'halfmaps') h.done(r);
    };
  }

  /**
   * Start an estimate and follow its events.
   * @throws ApiError when the server refuses it (`field` names the refused setting, if one)
   */
  static start(req: EstimateRequest, h: JobHandlers<EstimateSummaryView>): Promise<Job> {
    return Job.follow(startEstimate(req), h as JobHandlers<never>, Job.estimateDone(h));
  }

  /**
   * Start a half-map run and follow its events.
   * @throws ApiError when the server refuses it (`field` names the refused path, if one)
   */
  static startHalfMaps(req: HalfMapsRequest, h: JobHandlers<HalfMapsView>): Promise<Job> {
    return Job.follow(startHalfMaps(req), h as JobHandlers<never>, Job.halfMapsDone(h));
  }

  /** Follow an estimate started earlier (e.g. before a reload): its events are replayed from the start. */
  static attach(jobId: string, h: JobHandlers<EstimateSummaryView>): Job {
    const job = new Job(jobId, h as JobHandlers<never>, Job.estimateDone(h));
    job.listen();
    return job;
  }

  /** Follow a half-map run started earlier: its events are replayed from the start. */
  static attachHalfMaps(jobId: string, h: JobHandlers<HalfMapsView>): Job {
    const job = new Job(jobId, h as JobHandlers<never>, Job.halfMapsDone(h));
    job.listen();
    return job;
  }

  /** The job this tab remembers as running (see {@link remember}), if any. */
  static recall(): RememberedJob | undefined {
    try {
      const text = sessionStorage.getItem(JOB_STORAGE_KEY);
      if (!text) return undefined;
      const r = JSON.parse(text) as Partial<RememberedJob>;
      return typeof r.jobId === 'string' ? { jobId: r.jobId, about: r.about } : undefined;
    } catch {
      return undefined; // storage disabled or unreadable
    }
  }

  /** Forget the remembered job (it ended, or the server no longer knows it). */
  static forget(jobId?: string): void {
    try {
      if (jobId === undefined || Job.recall()?.jobId === jobId) sessionStorage.removeItem(JOB_STORAGE_KEY);
    } catch {
      // storage disabled
    }
  }

  /** Remember this job in the tab's storage until it ends, with what the page needs to follow it again. */
  remember(about: unknown): void {
    if (this.finished) return;
    try {
      sessionStorage.setItem(JOB_STORAGE_KEY, JSON.stringify({ jobId: this.jobId, about } satisfies RememberedJob));
    } catch {
      // storage disabled: a reload forgets the job
    }
  }

  get running(): boolean {
    return !this.finished;
  }

  /** The server's answer to a cancel that came too late (the job ended `done`), if there was one. */
  get cancelRefused(): string | undefined {
    return this.refusal;
  }

  private listen(): void {
    const es = new EventSource(jobEventsUrl(this.jobId));
    this.source = es;
    es.onmessage = (ev: MessageEvent<string>) => {
      this.seen++;
      if (this.skip > 0) {
        this.skip--;
        return;
      }
      let e: JobEvent;
      try {
        e = JSON.parse(ev.data) as JobEvent;
      } catch {
        this.h.log('warning', `unreadable event: ${ev.data}`);
        return;
      }
      this.handle(e);
    };
    es.onerror = () => {
      // a finished job's stream is closed on purpose; a page being left keeps its job remembered
      if (this.finished || leaving) return;
      // EventSource would reconnect on its own for ever (and replay every event): look first
      es.close();
      void this.recover();
    };
  }

  /** The event stream broke: follow the job again if the server still has it, else end it. */
  private async recover(): Promise<void> {
    let last: unknown;
    for (const delay of RECOVERY_DELAYS_MS) {
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (this.finished || leaving) return;
      try {
        await getJobStatus(this.jobId);
        if (this.finished) return;
        if (++this.reattached > MAX_REATTACH) break;
        // the stream replays every event: skip those already handled
        this.skip = this.seen;
        this.seen = 0;
        this.listen();
        return;
      } catch (e) {
        last = e;
        // the server answers but no longer knows this job, or this page's token: it was restarted
        if (e instanceof ApiError && e.status !== 0) {
          this.end('server-gone', `the occupy gui server no longer knows this job (it was restarted?): its result is lost; open the URL the server printed and run it again`);
          return;
        }
      }
    }
    this.end('server-gone', last instanceof ApiError && last.status === 0 ? `lost the connection to the occupy gui server: it has stopped, so this job's result is lost; start occupy gui again and run it again` : 'lost the connection to the occupy gui server');
  }

  private handle(e: JobEvent): void {
    if (this.finished) return;
    switch (e.type) {
      case 'progress':
        this.h.progress(e.phase, e.fraction);
        break;
      case 'queued':
        this.h.queued?.(e.position);
        break;
      case 'log':
        this.h.log(e.level, e.text);
        break;
      case 'done':
        this.endedDone = true;
        this.close();
        this.onDone(e.result);
        if (this.refusal !== undefined) this.h.tooLate?.(this.refusal);
        break;
      case 'error':
        this.end('error', e.message);
        break;
      case 'cancelled':
        this.end(e.reason === 'server-stopped' ? 'server-gone' : 'cancelled', e.message ?? 'cancelled');
        break;
    }
  }

  private close(): void {
    this.finished = true;
    this.source?.close();
    Job.forget(this.jobId);
  }

  private end(kind: JobFailure, message: string): void {
    this.close();
    this.h.failed(kind, message);
  }

  /**
   * Ask the server to cancel; the `cancelled` event ends the job. When the server answers that
   * the job had passed its commit point, the job ends `done` and {@link JobHandlers.tooLate} says
   * so (after its `done`, whichever of the answer and the event arrives first).
   * @throws ApiError when the server cannot be reached
   */
  async cancel(): Promise<void> {
    if (this.finished) return;
    const r = await cancelJob(this.jobId);
    if (r.cancelled) return;
    this.refusal = r.reason ?? ALREADY_FINISHED;
    if (!this.finished) return; // its done event follows and reports the refusal
    if (this.endedDone) this.h.tooLate?.(this.refusal);
    else this.h.log('info', `cancel: ${this.refusal}`);
  }
}
