/**
 * Running a job on the server: `POST /api/estimate`, then the job's server-sent events
 * (progress, log lines, done / error / cancelled); Cancel is `DELETE /api/jobs/<id>`.
 */
import type { EstimateRequest, EstimateSummaryView, JobEvent } from '../api.js';
import { cancelJob, jobEventsUrl, startEstimate } from './api-client.js';

/** Callbacks of a job. */
export interface JobHandlers {
  progress(phase: string, fraction: number): void;
  log(level: 'info' | 'warning' | 'error', text: string): void;
  done(result: EstimateSummaryView): void;
  /** The job ended without a result (error, cancelled, connection lost). */
  failed(kind: 'error' | 'cancelled', message: string): void;
}

/** A running job. */
export class Job {
  private source?: EventSource;
  private finished = false;

  private constructor(
    readonly jobId: string,
    private readonly h: JobHandlers,
  ) {}

  /** Start a job and follow its events. */
  static async start(req: EstimateRequest, h: JobHandlers): Promise<Job> {
    const { jobId } = await startEstimate(req);
    const job = new Job(jobId, h);
    job.listen();
    return job;
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
      case 'log':
        this.h.log(e.level, e.text);
        break;
      case 'done':
        this.close();
        this.h.done(e.result);
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
