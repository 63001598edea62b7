/**
 * Estimate jobs of the GUI server: each runs `estimateFromFile` in a forked worker process
 * (`estimate-worker.ts`, through tsx when running from TypeScript sources), and its events are
 * kept and streamed to any number of server-sent-event clients (earlier events are replayed).
 * Cancelling kills the worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { solventDefinitionName } from '../../occupancy/masks-from-scale.js';
import type { EstimateSummaryView, JobEvent } from '../api.js';
import { COMMON_HEADERS, HttpError } from './http-util.js';
import { relativeToRoot, resolveInsideRoot } from './paths.js';
import type { Session, SessionMap } from './session.js';
import { commandLine, methodOptionsOf, parseSettings, settingsArgs } from './settings.js';
import type { EstimateTask, WorkerMessage } from './worker-protocol.js';

/** State of a job. */
export type JobState = 'running' | 'done' | 'error' | 'cancelled';

/** One estimate job. */
export interface Job {
  id: string;
  mapId: string;
  state: JobState;
  /** Every event so far, in order (replayed to new clients). */
  events: JobEvent[];
  /** Open event-stream answers. */
  clients: Set<ServerResponse>;
  /** The worker while it runs. */
  child?: ChildProcess;
  /** Resolves when the worker has exited. */
  exited: Promise<void>;
  /** Set by {@link JobManager.cancel}. */
  cancelRequested: boolean;
}

/** Milliseconds between SIGTERM and SIGKILL when cancelling. */
const KILL_GRACE_MS = 2000;

/** Fork the worker (through tsx's loader when this module runs from `.ts` sources). */
function startWorker(): ChildProcess {
  const here = new URL(import.meta.url);
  const ts = here.pathname.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./estimate-worker${ts ? '.ts' : '.js'}`, here));
  // tsx must resolve from any folder: pass its loader as an absolute URL
  const execArgv = ts ? ['--import', import.meta.resolve('tsx')] : [];
  return fork(entry, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

/** Last meaningful line of a worker's stderr (no stack frames). */
function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('^'));
  return lines.at(-1)?.slice(0, 300);
}

/** The jobs of a session. */
export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly session: Session;

  constructor(session: Session) {
    this.session = session;
  }

  /**
   * The job with this id.
   * @throws HttpError 404 when unknown
   */
  get(jobId: string): Job {
    const j = this.jobs.get(jobId);
    if (!j) throw new HttpError(404, `unknown job '${jobId}'`);
    return j;
  }

  /** Record an event and send it to the clients; terminal events end the streams. */
  private emit(job: Job, ev: JobEvent): void {
    if (job.state !== 'running') return;
    if (ev.type === 'done' || ev.type === 'error' || ev.type === 'cancelled') job.state = ev.type;
    job.events.push(ev);
    const line = `data: ${JSON.stringify(ev)}\n\n`;
    for (const res of job.clients) {
      res.write(line);
      if (job.state !== 'running') res.end();
    }
    if (job.state !== 'running') job.clients.clear();
  }

  /**
   * Start an estimate of a map with the page's settings (checked here). A job already running on
   * the same map is cancelled first.
   * @throws HttpError 400 for bad settings, 403/404 for a bad solvent-definition path
   */
  async start(map: SessionMap, rawSettings: unknown): Promise<Job> {
    const settings = parseSettings(rawSettings);
    let solventDefPath: string | undefined;
    let solventDefArg: string | undefined;
    let soldef: EstimateTask['soldef'];
    let commandPrefix = '';
    if (settings.solventDefPath !== undefined) {
      solventDefPath = await resolveInsideRoot(this.session.root, settings.solventDefPath, 'solventDefPath');
      solventDefArg = relativeToRoot(this.session.root, solventDefPath);
    } else if (settings.solventDefThreshold !== undefined) {
      const scalePath = map.layerFiles.scale;
      if (!scalePath) throw new HttpError(400, 'solventDefThreshold needs a scale map: run an estimate of this map first');
      const name = solventDefinitionName(settings.solventDefThreshold);
      solventDefPath = join(map.outputDir, name);
      solventDefArg = name;
      soldef = { scalePath, likePath: map.inputPath, threshold: settings.solventDefThreshold, outPath: solventDefPath };
      commandPrefix = commandLine(['occupy', 'soldef', basename(scalePath), '--threshold', String(settings.solventDefThreshold), '--like', map.commandPath]) + ' && ';
    }
    const options = methodOptionsOf(settings, solventDefPath);
    const task: EstimateTask = { options: { ...options, inputPath: map.inputPath, outputDir: map.outputDir, outputStem: map.stem }, soldef };
    const command = commandPrefix + commandLine(['occupy', '-i', map.commandPath, ...settingsArgs(settings, solventDefArg)]);

    for (const other of this.jobs.values()) if (other.mapId === map.info.mapId && other.state === 'running') await this.cancel(other.id);

    let id: string;
    do id = 'j' + randomBytes(6).toString('hex');
    while (this.jobs.has(id));
    const child = startWorker();
    const job: Job = { id, mapId: map.info.mapId, state: 'running', events: [], clients: new Set(), child, exited: Promise.resolve(), cancelRequested: false };
    this.jobs.set(id, job);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => {
      stderr = (stderr + t).slice(-4096);
    });
    job.exited = new Promise<void>((done) => {
      child.once('error', (err) => {
        if (child.pid !== undefined) return; // a failed kill or send: the exit event follows
        job.child = undefined;
        this.emit(job, job.cancelRequested ? { type: 'cancelled' } : { type: 'error', message: `cannot start the estimate worker: ${err.message}` });
        done();
      });
      child.once('exit', (code, signal) => {
        job.child = undefined;
        if (job.cancelRequested) this.emit(job, { type: 'cancelled' });
        else {
          const why = lastErrorLine(stderr);
          this.emit(job, { type: 'error', message: `the estimate worker stopped unexpectedly (${signal ?? `exit code ${code}`})${why ? `: ${why}` : ''}` });
        }
        done();
      });
    });
    child.on('message', (raw) => {
      const m = raw as WorkerMessage;
      if (job.cancelRequested) return;
      if (m.type === 'progress') this.emit(job, { type: 'progress', phase: m.phase, fraction: m.fraction });
      else if (m.type === 'log') this.emit(job, { type: 'log', level: m.level, text: m.text });
      else if (m.type === 'error') this.emit(job, { type: 'error', message: m.message });
      else if (m.type === 'done') {
        const files = [...(soldef ? [basename(soldef.outPath)] : []), ...m.summary.files.map((f) => basename(f))];
        this.session.setLayerFiles(map, {
          scale: m.layerFiles.scale,
          confidence: m.layerFiles.confidence,
          output: m.layerFiles.output,
          soldef: solventDefPath,
        });
        const view: EstimateSummaryView = {
          mapId: map.info.mapId,
          summary: { ...m.summary } as unknown as Record<string, unknown>,
          files,
          layers: this.session.layers(map),
          solventPlot: m.solventPlot,
          command,
        };
        map.result = view;
        this.emit(job, { type: 'done', result: view });
      }
    });
    child.send(task);
    return job;
  }

  /** Stream a job's events as server-sent events (earlier ones first); the stream ends after the last event. */
  subscribe(job: Job, req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    res.flushHeaders();
    for (const ev of job.events) res.write(`data: ${JSON.stringify(ev)}\n\n`);
    if (job.state !== 'running') {
      res.end();
      return;
    }
    job.clients.add(res);
    res.on('close', () => job.clients.delete(res));
  }

  /**
   * Cancel a running job: kill its worker and wait until it has exited (a `cancelled` event).
   * @returns whether the job was running
   * @throws HttpError 404 for an unknown job
   */
  async cancel(jobId: string): Promise<boolean> {
    const job = this.get(jobId);
    if (job.state !== 'running') return false;
    job.cancelRequested = true;
    const child = job.child;
    if (child) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await job.exited;
      clearTimeout(force);
    } else {
      this.emit(job, { type: 'cancelled' });
    }
    return true;
  }

  /** Cancel every running job and end every event stream. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.jobs.values()].filter((j) => j.state === 'running').map((j) => this.cancel(j.id)));
    for (const j of this.jobs.values()) {
      for (const res of j.clients) res.end();
      j.clients.clear();
    }
  }
}
