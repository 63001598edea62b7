/**
 * Running a job on the server: `POST /api/estimate`, then the job's server-sent events
 * (progress, log lines, done / error / cancelled); Cancel is `DELETE /api/jobs/<id>`.
 */
import type { EstimateRequest, EstimateSummaryView, HalfMapsRequest, HalfMapsView, JobEvent, JobStarted } from '../api.js';
import { cancelJob, jobEventsUrl, startEstimate, startHalfMaps } from './api-client.js';

/** Callbacks of a job; `R` is what its `done` event carries. */
export interface JobHandlers<R = EstimateSummaryView> {
  progress(phase: string, fraction: number): void;
  /** The job waits in the server's queue at this place (1 = next). */
  queued?(position: number): void;
  log(level: 'info' | 'warning' | 'error', text: string): void;
  done(result: R): void;
  /** The job ended without a result (error, cancelled, connection lost). */
  failed(kind: 'error' | 'cancelled', message: string): void;
}

/** A running job. */
export class Job {
  private source?: EventSource;
  private finished = false;

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

  /** Start an estimate and follow its events. */
  static start(req: EstimateRequest, h: JobHandlers<EstimateSummaryView>): Promise<Job> {
    return Job.follow(startEstimate(req), h as JobHandlers<never>, (r) => {
      if (!('kind' in r)) h.done(r);
    });
  }

  /** Start a half-map run and follow its events. */
  static startHalfMaps(req: HalfMapsRequest, h: JobHandlers<HalfMapsView>): Promise<Job> {
    return Job.follow(startHalfMaps(req), h as JobHandlers<never>, (r) => {
      if ('kind' in r && r.kind === 'halfmaps') h.done(r);
    });
  }

  get running(): boolean {
    return !this.finished;
  }

  private listen(): void {
    const es = new EventSource(jobEventsUrl(this.jobId));
    this.source = es;
    es.onmessage = (ev: MessageEvent<string>) => {
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
      // EventSource reconnects on its own; a finished job's stream is closed on purpose
      if (this.finished) return;
      if (es.readyState === EventSource.CLOSED) this.end('error', 'lost the connection to the server');
    };
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
        this.close();
        this.onDone(e.result);
        break;
      case 'error':
        this.end('error', e.message);
        break;
      case 'cancelled':
        this.end('cancelled', 'cancelled');
        break;
    }
  }

  private close(): void {
    this.finished = true;
    this.source?.close();
  }

  private end(kind: 'error' | 'cancelled', message: string): void {
    this.close();
    this.h.failed(kind, message);
  }

  /** Ask the server to cancel; the `cancelled` event ends the job. */
  async cancel(): Promise<void> {
    if (this.finished) return;
    const r = await cancelJob(this.jobId);
    if (!r.cancelled) this.h.log('warning', 'the job had already finished');
  }
}
