/**
 * Estimate jobs of the GUI server: each runs `estimateFromFile` in a forked worker process
 * (`estimate-worker.ts`, through tsx when running from TypeScript sources), and its events are
 * kept and streamed to any number of server-sent-event clients (earlier events are replayed).
 * At most `maxRunning` workers (default: the number of cores) run at once; later jobs wait in a
 * queue (state `queued`, with their place in it). Cancelling removes a waiting job from the queue
 * or kills the worker of a running one.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { solventDefinitionName } from '../../occupancy/masks-from-scale.js';
import type { CancelReason, EstimateSummaryView, JobEvent, JobStatus } from '../api.js';
import { aboutField, COMMON_HEADERS, HttpError } from './http-util.js';
import { outputFolderInsideRoot, relativeToRoot, removeEmptyFolders, resolveInsideRoot } from './paths.js';
import { copyFile, readFile, rename, rm, unlink } from 'node:fs/promises';
import { withOutputSet } from '../../core/output-set.js';
import { entryExecArgv, moduleEntry } from '../../core/module-worker.js';
import type { Session, SessionMap } from './session.js';
import { commandLine, methodOptionsOf, parseSettings, settingOfOptionError, settingsArgs } from './settings.js';
import { OptionError } from '../../core/option-error.js';
import { unreadEstimateOptions } from '../../occupancy/options.js';
import { checkEstimateResolutions } from '../../jobs/nyquist-check.js';
import { checkHalfMapGrids } from './half-map-grids.js';
import { decomposeFamily, directionalFscFamily, estimateFamily, locresFamily, refuseOtherKinds, retireStaleOutputs, staleOutputs, type OutputFamily } from '../../jobs/stale-outputs.js';
import { checkHalfMapsLocresGrid, locresMethodArgs, parseHalfMapsLocres } from './halfmaps-locres.js';
import type { EstimateTask, HalfMapsTask, WorkerMessage } from './worker-protocol.js';
import type { HalfMapsView, ScaleRun } from '../api.js';
import { readJsonObject } from './http-util.js';
import type { IncomingMessage as Req } from 'node:http';

/** State of a job: waiting for a free slot, running in a worker, or finished. */
export type JobState = JobStatus['state'];

/** One estimate job. */
export interface Job {
  id: string;
  mapId: string;
  /** Order of the request (first asked, first started): taken when the request arrives. */
  ticket: number;
  state: JobState;
  /** Every event so far, in order (replayed to new clients). */
  events: JobEvent[];
  /** Open event-stream answers. */
  clients: Set<ServerResponse>;
  /** The worker while it runs. */
  child?: ChildProcess;
  /** Resolves when the worker has exited (at once for a job that never started). */
  exited: Promise<void>;
  /** Set by {@link JobManager.cancel}. */
  cancelRequested: boolean;
  /** Set when the server itself cancelled the job (its `cancelled` event says why). */
  serverCancel?: ServerCancel;
  /** While the result is being saved (its done event follows). */
  finishing?: Promise<void>;
  /**
   * Set when the finishing chain passes its commit point (the first output moved into the map's
   * folder): from then on the job ends `done` and a cancel is answered as too late.
   */
  committed?: boolean;
  /** What the worker does, and what to do with its result. */
  run: ({ kind?: 'estimate'; map: SessionMap; task: EstimateTask; command: string; solventDefPath?: string } | { kind: 'halfmaps'; map: SessionMap; task: HalfMapsTask; commands: string[] }) & {
    /** Real path of a folder under the root where the outputs are also saved. */
    saveTo?: string;
    /**
     * The folders the request made for {@link saveTo} (innermost first): removed again, while
     * empty, when the job ends without saving (cancelled, failed, its save refused).
     */
    madeFolders?: string[];
    /** The job's staging folder ({@link stagingDir}): the worker writes there. */
    staging: string;
    /** Every input file of the run (real paths): no saved copy may replace one. */
    inputs: string[];
    /** Said in the job's log when it starts (e.g. settings left out of the run). */
    notes?: string[];
  };
}

/**
 * A job's staging folder, inside its map's output folder: the worker writes every output there,
 * and the server moves them into the output folder only once the job is done, so a job cancelled
 * or failed part-way (even while its outputs are being renamed into place) leaves the map's
 * earlier results exactly as they were. Made by the worker's first output (output sets create
 * their folders), so queuing a job awaits nothing and jobs start in the order they were asked
 * for; removed when the job ends.
 */
function stagingDir(map: SessionMap, jobId: string): string {
  return join(map.outputDir, `.job-${jobId}`);
}

/**
 * The output families of a job's run (`staleOutputs`): a half-map run's local resolution,
 * directional FSC and decompose outputs for its first half's stem, an estimate's outputs for its
 * map's stem. A later run saved into the same folder, or kept in the map's session folder, removes
 * the earlier run's files of these families that it does not write (the directional FSC and
 * decompose maps of a run that had them ticked, the interval maps of another local-resolution
 * method, an estimate's plots; never its scales or modified maps, whose names say their mode and
 * power: `estimateFamily`): one folder holds one run's set per stem.
 */
function runFamilies(run: Job['run']): OutputFamily[] {
  if (run.kind === 'halfmaps') return [locresFamily(`locres_${run.task.stem}`), directionalFscFamily(`3dfsc_${run.task.stem}`), decomposeFamily(run.task.stem)];
  return [estimateFamily(run.map.stem)];
}

/** How a job's logs list its outputs when no save folder was chosen (they stay in the session). */
const NOT_SAVED = 'not saved: download it from the GUI';

/** Milliseconds between SIGTERM and SIGKILL when cancelling. */
const KILL_GRACE_MS = 2000;

/** Fork the worker (`moduleEntry`: dist/'s build when fresh, else through tsx's loader when this module runs from `.ts` sources). */
export function startWorker(): ChildProcess {
  const entry = moduleEntry(import.meta.url, 'estimate-worker');
  return fork(fileURLToPath(entry.url), [], { execArgv: entryExecArgv(entry), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
}

/** Last meaningful line of a worker's stderr (no stack frames). */
function lastErrorLine(stderr: string): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('^'));
  return lines.at(-1)?.slice(0, 300);
}

/** Options of {@link JobManager}. */
export interface JobManagerOptions {
  /** Jobs whose workers run at once (default: `os.availableParallelism()`); later jobs wait in a queue. */
  maxRunning?: number;
  /** Start a worker process (default {@link startWorker}; tests may pass a stand-in). */
  launch?: () => ChildProcess;
  /**
   * Awaited in a finished job's saving chain just before its commit point (`'commit'`) and just
   * after it (`'committed'`); tests pause there to cancel at a known moment.
   */
  finishingHook?: (job: Job, point: 'commit' | 'committed') => Promise<void> | void;
}

/** What {@link JobManager.cancel} did: cancelled, or why not (e.g. its outputs were already being saved). */
export interface CancelOutcome {
  cancelled: boolean;
  /** Why the job was not cancelled. */
  reason?: string;
}

/** Await `work`; an {@link HttpError} it throws is answered as about the request field `field`. */
async function refusing<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw aboutField(err, field);
  }
}

/**
 * What the refusal of a map that is not a density map advises in the GUI, which has no `--force`
 * (the CLI's message said "Use --force to estimate anyway", an option the page does not offer).
 */
export const GUI_FORCE_ADVICE = 'The GUI does not estimate such a map; on the command line, occupy --force estimates it anyway';

/** Why the server cancelled a job itself, and what the page is told. */
export interface ServerCancel {
  reason: CancelReason;
  message: string;
}

/** A newer run of the same map was queued (one job per map at a time). */
const REPLACED: ServerCancel = { reason: 'replaced', message: 'cancelled by the server: a newer run of the same map was started, and replaces this one' };

/** A run of the same map asked for after this one was queued first (its checks ended sooner), and replaces this one. */
const SUPERSEDED: ServerCancel = { reason: 'replaced', message: 'cancelled by the server: a newer run of the same map was asked for after this one, and replaces it' };

/** The server is stopping ({@link JobManager.closeAll}). */
const SERVER_STOPPED: ServerCancel = { reason: 'server-stopped', message: 'the occupy gui server was stopped before this job finished: nothing of it was kept; start occupy gui again to run it' };

/** The `cancelled` event of a job: with the reason and message when the server cancelled it itself. */
function cancelledEvent(job: Job): JobEvent {
  return job.serverCancel ? { type: 'cancelled', reason: job.serverCancel.reason, message: job.serverCancel.message } : { type: 'cancelled' };
}

/** Thrown inside a finishing chain that a cancel stopped before its commit point. */
class CancelledBeforeCommit extends Error {}

/** The jobs of a session: a queue, and at most `maxRunning` worker processes at once. */
export class JobManager {
  private readonly jobs = new Map<string, Job>();
  /**
   * Ids given out by {@link newJobId} whose request is still being checked (not queued yet), with
   * their tickets: no later request's job starts before such a request is queued or refused, so
   * requests sent together start in the order they were sent, not in the order their checks end.
   */
  private readonly reserved = new Map<string, number>();
  private nextTicket = 0;
  /** Set by {@link closeAll}: no job is queued from then on. */
  private closing = false;
  private readonly session: Session;
  /** Jobs waiting for a slot, first in first out. */
  private readonly queue: Job[] = [];
  /** Jobs whose worker runs at once, at most. */
  readonly maxRunning: number;
  private readonly launch: () => ChildProcess;
  private readonly finishingHook?: JobManagerOptions['finishingHook'];
  private runningCount = 0;
  private peak = 0;
  private launched = 0;

  /**
   * @throws RangeError when `maxRunning` is not an integer >= 1
   */
  constructor(session: Session, options: JobManagerOptions = {}) {
    this.session = session;
    this.maxRunning = options.maxRunning ?? availableParallelism();
    if (!Number.isInteger(this.maxRunning) || this.maxRunning < 1) throw new RangeError(`the number of estimates run at once must be an integer >= 1, got ${this.maxRunning}`);
    this.launch = options.launch ?? startWorker;
    this.finishingHook = options.finishingHook;
  }

  /** Worker counts: running now, the most ever running at once, and started in all. */
  get stats(): { running: number; peakRunning: number; started: number; queued: number } {
    return { running: this.runningCount, peakRunning: this.peak, started: this.launched, queued: this.queue.length };
  }

  /**
   * The job with this id.
   * @throws HttpError 404 when unknown
   */
  get(jobId: string): Job {
    const j = this.jobs.get(jobId);
    if (!j) throw new HttpError(404, 'this estimate is not known to the GUI server (was the GUI restarted?)');
    return j;
  }

  /** State of a job (with its place in the queue while it waits). */
  status(job: Job): JobStatus {
    const s: JobStatus = { jobId: job.id, state: job.state };
    if (job.state === 'queued') s.position = this.queue.indexOf(job) + 1;
    return s;
  }

  /** Record an event and send it to the clients; terminal events end the streams. */
  private emit(job: Job, ev: JobEvent): void {
    if (job.state !== 'running' && job.state !== 'queued') return;
    if (ev.type === 'done' || ev.type === 'error' || ev.type === 'cancelled') job.state = ev.type;
    if (ev.type === 'error') ev = { type: 'error', message: this.session.userText(ev.message) };
    else if (ev.type === 'log') ev = { ...ev, text: this.session.userText(ev.text) };
    job.events.push(ev);
    const line = `data: ${JSON.stringify(ev)}\n\n`;
    const ended = job.state !== 'running' && job.state !== 'queued';
    for (const res of job.clients) {
      res.write(line);
      if (ended) res.end();
    }
    if (ended) job.clients.clear();
  }

  /** Tell every waiting job its (new) place in the queue. */
  private announcePositions(): void {
    this.queue.forEach((job, i) => {
      const last = [...job.events].reverse().find((e) => e.type === 'queued');
      if (last?.type === 'queued' && last.position === i + 1) return;
      this.emit(job, { type: 'queued', position: i + 1 });
    });
  }

  /** Start waiting jobs while slots are free, first asked first (never ahead of a request still being checked). */
  private pump(): void {
    const firstChecked = Math.min(...this.reserved.values());
    while (this.runningCount < this.maxRunning && this.queue.length > 0 && this.queue[0].ticket < firstChecked) this.launchJob(this.queue.shift() as Job);
    this.announcePositions();
  }

  /**
   * Check a request and queue its job under a ticket taken now; a refused request gives its ticket
   * back (and later requests may start).
   */
  private async queued(check: (id: string) => Promise<Job>): Promise<Job> {
    const id = this.newJobId();
    try {
      return await check(id);
    } finally {
      if (this.reserved.delete(id)) this.pump();
    }
  }

  /**
   * Queue an estimate of a map with the page's settings (checked here); it starts when fewer than
   * {@link maxRunning} jobs run. A job queued or running on the same map is cancelled first.
   * @throws HttpError 400 for bad settings, 403/404 for a bad solvent-definition path, 503 once
   *   {@link closeAll} was called
   */
  async start(map: SessionMap, rawSettings: unknown, outputFolder?: unknown): Promise<Job> {
    return this.queued((id) => this.checkEstimate(id, map, rawSettings, outputFolder));
  }

  /** The checks and task of {@link start}, for the job `id`. */
  private async checkEstimate(id: string, map: SessionMap, rawSettings: unknown, outputFolder?: unknown): Promise<Job> {
    const settings = parseSettings(rawSettings);
    // settings this run would not read (e.g. --hist-match without a modification, kept by the page
    // for later modifications) are left out of the run and of its command line, and said in its log
    const unread = unreadEstimateOptions(settings);
    for (const u of unread) delete settings[u.key as keyof typeof settings];
    const notes = unread.map((u) => `${u.flag} left out of this run: it is only used ${u.usedOnly}`);
    const staging = stagingDir(map, id);
    let solventDefPath: string | undefined;
    let solventDefArg: string | undefined;
    let soldef: EstimateTask['soldef'];
    let commandPrefix = '';
    if (settings.solventDefPath !== undefined) {
      const given = settings.solventDefPath;
      solventDefPath = await refusing('solventDefPath', () => resolveInsideRoot(this.session.root, given, 'the solvent mask (--solvent-def)'));
      solventDefArg = relativeToRoot(this.session.root, solventDefPath);
    } else if (settings.solventDefThreshold !== undefined) {
      const scalePath = map.layerFiles.scale;
      if (!scalePath) throw new HttpError(400, 'a threshold on the scale needs a scale map: run an estimate of this map first', 'solventDefThreshold');
      const name = solventDefinitionName(settings.solventDefThreshold);
      // written by the worker into the staging folder, read from there by the estimate, then moved
      solventDefPath = join(map.outputDir, name);
      solventDefArg = name;
      soldef = { scalePath, likePath: map.inputPath, threshold: settings.solventDefThreshold, outPath: join(staging, name) };
      commandPrefix = commandLine(['occupy', 'soldef', basename(scalePath), '--threshold', String(settings.solventDefThreshold), '--like', map.commandPath]) + ' && ';
    }
    // the target mask: a file under the root, given to the method by its real path
    const givenTarget = settings.targetMaskPath;
    const targetMaskPath = givenTarget === undefined ? undefined : await refusing('targetMaskPath', () => resolveInsideRoot(this.session.root, givenTarget, 'the target mask (--target-mask)'));
    if (targetMaskPath !== undefined) settings.targetMaskPath = relativeToRoot(this.session.root, targetMaskPath);
    const options = { ...methodOptionsOf({ ...settings, targetMaskPath }, soldef ? soldef.outPath : solventDefPath) };
    // as the CLI: a kernel or tile that does not fit the processing box, a low-pass, resolution or
    // output low-pass finer than the map's Nyquist limit are refused (header only), with the CLI's message
    try {
      await checkEstimateResolutions(map.inputPath, { lowpass: settings.lowpassA, resolution: settings.resolutionA, lowpassOutput: settings.lowpassOutputA, maxBox: settings.maxBox ?? 256, kernelSize: settings.kernelSize, tileSize: settings.tileSize });
    } catch (err) {
      throw new HttpError(400, (err as Error).message, err instanceof OptionError ? settingOfOptionError(err) : undefined);
    }
    const args = [...(map.emdbId ? ['--emdb', map.emdbId] : ['-i', map.commandPath]), ...settingsArgs(settings, solventDefArg)];
    // the save folder is made last, once nothing else can refuse the request
    const folder = outputFolder === undefined || outputFolder === null || outputFolder === '' ? undefined : await refusing('outputFolder', () => outputFolderInsideRoot(this.session.root, outputFolder));
    const saveTo = folder?.real;
    // the log, labels and --json record the equivalent command line, and name the outputs where
    // they will be: the saved copies' folder when one is chosen, else (summary: the map's output
    // folder, shown to the page by file name) the log says they are not saved
    // the record's command writes where the saved copies are (-o <folder>/, relative to the root,
    // the record's working folder), so running it there rewrites the same files byte for byte
    const recorded = saveTo ? [...args, '-o', `${relativeToRoot(this.session.root, saveTo) || '.'}/`] : args;
    const task: EstimateTask = { options: { ...options, inputPath: map.inputPath, outputDir: staging, finalDir: saveTo ?? map.outputDir, unsavedNote: saveTo ? undefined : NOT_SAVED, earlierOutputs: saveTo ? 'name' : 'keep', outputStem: map.stem, commandLine: recorded, cwd: this.session.root, forceAdvice: GUI_FORCE_ADVICE }, soldef };
    const command = commandPrefix + commandLine(['occupy', ...args]);
    const inputs = [map.inputPath, ...(settings.solventDefPath !== undefined && solventDefPath ? [solventDefPath] : []), ...(targetMaskPath ? [targetMaskPath] : [])];
    return this.enqueue(map, id, { map, task, command, solventDefPath, saveTo, madeFolders: folder?.made, staging, inputs, notes });
  }

  /**
   * Queue a half-map run (global FSC, local resolution) from a `POST /api/halfmaps` body: paths
   * under the root. The first half is opened as a session map; the outputs go to its folder and
   * its `locres` layer is the local-resolution map. A job queued or running on it is cancelled.
   * @throws HttpError 400 for a bad body or the same file twice, 403/404 for bad paths, 503 once
   *   {@link closeAll} was called
   */
  async startHalfMaps(req: Req): Promise<Job> {
    const body = await readJsonObject(req, ['half1', 'half2', 'mask', 'labels', 'outputFolder', 'locresMethod', 'locresSampling', 'directional', 'decompose']);
    return this.queued((id) => this.checkHalfMaps(id, body));
  }

  /** The checks and task of {@link startHalfMaps}, for the job `id` and the request's body. */
  private async checkHalfMaps(id: string, body: Record<string, unknown>): Promise<Job> {
    for (const k of ['directional', 'decompose'] as const) if (body[k] !== undefined && typeof body[k] !== 'boolean') throw new HttpError(400, `${k === 'directional' ? 'the directional FSC' : 'decompose'} must be ticked or not (true or false)`, k);
    const what = { half1: 'the first half map', half2: 'the second half map', mask: 'the mask', labels: 'the labels map' } as const;
    const paths: Partial<Record<keyof typeof what, string>> = {};
    const names: Partial<Record<keyof typeof what, string>> = {};
    for (const key of ['half1', 'half2', 'mask', 'labels'] as const) {
      const v = body[key];
      if (v === undefined || v === null || v === '') {
        if (key === 'half1' || key === 'half2') throw new HttpError(400, `choose ${what[key]}`, key);
        continue;
      }
      const real = await refusing(key, () => resolveInsideRoot(this.session.root, v, what[key]));
      paths[key] = real;
      names[key] = relativeToRoot(this.session.root, real);
    }
    if (paths.half1 === paths.half2) throw new HttpError(400, 'the two half maps are the same file: choose two independent halves', 'half2');
    // the local-resolution method: the CLI's option schema checks it (value, range, rules), then the
    // first half's header (cubic voxels, RELION's window in the box), with the CLI's messages
    const locres = parseHalfMapsLocres(body, { mask: names.mask, labels: names.labels });
    const map = await refusing('half1', () => this.session.open(names.half1));
    // each header once: the grid check returns the first half's, which the method's check reads
    const grid = await checkHalfMapGrids(paths, names);
    checkHalfMapsLocresGrid(locres, grid, names.half1 as string);
    // the save folder is made last, once nothing else can refuse the request
    const folder = body.outputFolder === undefined || body.outputFolder === null || body.outputFolder === '' ? undefined : await refusing('outputFolder', () => outputFolderInsideRoot(this.session.root, body.outputFolder));
    const saveTo = folder?.real;
    const staging = stagingDir(map, id);
    const task: HalfMapsTask = {
      kind: 'halfmaps',
      half1Path: paths.half1 as string,
      half2Path: paths.half2 as string,
      maskPath: paths.mask,
      labelsPath: paths.labels,
      names: { half1: names.half1 as string, half2: names.half2 as string, mask: names.mask, labels: names.labels },
      outputDir: staging,
      finalDir: saveTo,
      unsavedNote: saveTo ? undefined : NOT_SAVED,
      recordCwd: this.session.root,
      savedFolder: saveTo ? relativeToRoot(this.session.root, saveTo) || '.' : undefined,
      stem: map.stem,
      locres,
      directional: body.directional === true,
      decompose: body.decompose === true,
    };
    const out = `locres_${map.stem}.mrc`;
    const commands = [
      commandLine(['occupy', 'fsc', task.names.half1, task.names.half2, ...(task.names.mask ? ['--mask', task.names.mask] : [])]),
      ...(task.directional ? [commandLine(['occupy', 'fsc', task.names.half1, task.names.half2, ...(task.names.mask ? ['--mask', task.names.mask] : []), '--directional'])] : []),
      ...(task.decompose ? [commandLine(['occupy', 'decompose', task.names.half1, '--half-maps', task.names.half1, task.names.half2, ...(task.names.mask ? ['--mask', task.names.mask] : []), ...(task.names.labels ? ['--labels', task.names.labels] : [])])] : []),
      commandLine(['occupy', 'locres', task.names.half1, task.names.half2, ...(task.names.mask ? ['--mask', task.names.mask] : []), ...(task.names.labels ? ['--labels', task.names.labels] : []), ...locresMethodArgs(locres), '-o', out]),
    ];
    const inputs = Object.values(paths).filter((p): p is string => p !== undefined);
    return this.enqueue(map, id, { kind: 'halfmaps', map, task, commands, saveTo, madeFolders: folder?.made, staging, inputs });
  }

  /** A new job id, unique in the session. */
  private newJobId(): string {
    let id: string;
    do id = 'j' + randomBytes(6).toString('hex');
    while (this.jobs.has(id) || this.reserved.has(id));
    this.reserved.set(id, this.nextTicket++);
    return id;
  }

  /**
   * Add a job for `map` to the queue (a job queued or running on the same map is cancelled first).
   * The request asked for last wins: when a job of the same map asked for after this one (a later
   * ticket) is already queued or running, this job is not queued but ends `cancelled` as replaced
   * by it. Jobs of the same map never run at once: the cancels are repeated until none is left.
   * @throws HttpError 503 once {@link closeAll} has been called (the server is stopping)
   */
  private async enqueue(map: SessionMap, id: string, run: Job['run']): Promise<Job> {
    const ticket = this.reserved.get(id) ?? this.nextTicket++;
    const awaited = new Set<string>();
    for (;;) {
      if (this.closing) {
        await removeEmptyFolders(run.madeFolders ?? []);
        throw new HttpError(503, 'the occupy gui server is stopping: this run was not started; start occupy gui again to run it');
      }
      const live = [...this.jobs.values()].filter((o) => o.mapId === map.info.mapId && (o.state === 'running' || o.state === 'queued') && !awaited.has(o.id));
      if (live.some((o) => o.ticket > ticket)) return await this.superseded(map, id, ticket, run);
      if (live.length === 0) break;
      for (const other of live) {
        awaited.add(other.id);
        await this.cancel(other.id, REPLACED);
      }
    }
    this.reserved.delete(id);
    const job: Job = { id, mapId: map.info.mapId, ticket, state: 'queued', events: [], clients: new Set(), exited: Promise.resolve(), cancelRequested: false, run };
    this.jobs.set(id, job);
    for (const text of run.notes ?? []) this.emit(job, { type: 'log', level: 'info', text });
    // in ticket order: behind every job asked for before it
    let at = this.queue.length;
    while (at > 0 && this.queue[at - 1].ticket > ticket) at--;
    this.queue.splice(at, 0, job);
    this.pump();
    if (job.state === 'queued') {
      const ahead = this.queue.indexOf(job);
      // requests asked for earlier whose checks have not ended hold this one back too
      const checking = [...this.reserved.values()].filter((t) => t < ticket).length;
      this.emit(job, { type: 'log', level: 'info', text: `waiting: ${this.runningCount} job(s) running and ${ahead} waiting before this one${checking > 0 ? `, and ${checking} request(s) asked for earlier still being checked` : ''} (at most ${this.maxRunning} run at once)` });
    }
    return job;
  }

  /**
   * Record the job of a request that a later request of the same map has overtaken (its checks
   * ended first): it never runs, and ends `cancelled` as replaced by the later one.
   */
  private async superseded(map: SessionMap, id: string, ticket: number, run: Job['run']): Promise<Job> {
    this.reserved.delete(id);
    const job: Job = { id, mapId: map.info.mapId, ticket, state: 'queued', events: [], clients: new Set(), exited: Promise.resolve(), cancelRequested: true, serverCancel: SUPERSEDED, run };
    this.jobs.set(id, job);
    this.emit(job, cancelledEvent(job));
    this.pump();
    await removeEmptyFolders(run.madeFolders ?? []);
    return job;
  }

  /**
   * Keep a copy of an estimate's scale map as `run<n>_<name>` in the map's folder (later estimates
   * overwrite the scale map itself), so the page can show and compare the scales of every run.
   * @returns every kept run of the map, oldest first
   */
  private async keepScale(map: SessionMap, scalePath: string, mode: 'res' | 'occ', command: string): Promise<ScaleRun[]> {
    const runs = (map.scaleRuns ??= []);
    const n = (runs.at(-1)?.run ?? 0) + 1;
    const file = `run${n}_${basename(scalePath)}`;
    try {
      await copyFile(scalePath, join(map.outputDir, file));
      runs.push({ run: n, file, mode, command });
    } catch {
      // not kept: the latest scale map is still there
    }
    return [...runs];
  }

  /**
   * Copy a finished job's output files into the folder under the root the page chose (one output
   * set: all or none; no input of the job, map, half map, mask or labels, is ever replaced). A
   * failure is a warning of the job. An earlier run's outputs there of the run's families which
   * this run does not write ({@link runFamilies}) are removed with the set, and named in the job's log.
   */
  private async saveCopies(job: Job, map: SessionMap, files: readonly string[], folder: string | undefined): Promise<void> {
    if (!folder) return;
    const where = relativeToRoot(this.session.root, folder) || '.';
    try {
      // another map's output there whose name coincides (its content says another kind): refused, a warning of the job
      await refuseOtherKinds(folder, runFamilies(job.run), files);
      const removed = await withOutputSet({ protect: job.run.inputs, inputLabel: 'input' }, async (outputs) => {
        for (const f of files) await outputs.writeBytes(join(folder, f), await readFile(join(map.outputDir, f)));
        await retireStaleOutputs(outputs, folder, runFamilies(job.run), files, job.run.inputs);
        return outputs;
      }).then((outputs) => outputs.removed.map((p) => basename(p)));
      this.emit(job, { type: 'log', level: 'info', text: `saved ${files.length} files to ${where}/${removed.length > 0 ? `; removed ${removed.length} of an earlier run there that this run does not write: ${removed.join(', ')}` : ''}` });
    } catch (err) {
      this.emit(job, { type: 'log', level: 'warning', text: `could not save the outputs to ${where}/: ${(err as Error).message}` });
    }
  }

  /**
   * Move a finished job's output files from its staging folder into its map's output folder
   * (renames in one folder; the server is not killed by a cancel, so the set moves whole). This is
   * the job's commit point: a cancel asked for before it wins (nothing moves:
   * {@link CancelledBeforeCommit}); one asked for after it is answered as too late.
   */
  private async commitStaging(job: Job, files: readonly string[]): Promise<void> {
    await this.finishingHook?.(job, 'commit');
    if (job.cancelRequested) throw new CancelledBeforeCommit();
    job.committed = true;
    await this.finishingHook?.(job, 'committed');
    for (const f of files) await rename(join(job.run.staging, f), join(job.run.map.outputDir, f));
    // the map's session folder keeps one run's set too: an earlier run's files of the same families
    // that this run does not write go (nothing links them any more: the layers are this run's)
    const removed: string[] = [];
    for (const p of await staleOutputs(job.run.map.outputDir, runFamilies(job.run), files, job.run.inputs)) {
      if (await unlink(p).then(() => true, () => false)) removed.push(basename(p));
    }
    // named in the job's view (its log lines) when the run is not saved: they had been named
    // nowhere (a saved run names those of its save folder when it copies its files there)
    if (removed.length > 0 && !job.run.saveTo) this.emit(job, { type: 'log', level: 'info', text: `removed ${removed.length} of an earlier run in this map's session folder that this run does not write: ${removed.join(', ')}` });
  }

  /**
   * End a finishing chain that failed: `cancelled` when a cancel stopped it before its commit point
   * (the chain then ends once its staging folder is removed), else an error.
   */
  private async finishingFailed(job: Job, err: unknown): Promise<void> {
    if (err instanceof CancelledBeforeCommit) {
      this.emit(job, cancelledEvent(job));
      await this.dropStaging(job);
    } else this.emit(job, { type: 'error', message: `could not keep the outputs: ${(err as Error).message}` });
  }

  /** A copy of a JSON value with every string passed through `Session.userText`. */
  private userTextDeep(value: unknown): unknown {
    if (typeof value === 'string') return this.session.userText(value);
    if (Array.isArray(value)) return value.map((v) => this.userTextDeep(v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.userTextDeep(v)]));
    return value;
  }

  /**
   * Remove a job's staging folder (what a cancelled or failed worker wrote, and nothing else),
   * then the save folders its request made, while they are empty (a cancelled or failed run, or one
   * whose save was refused, had left them behind, empty: session 56; a folder that existed before
   * the request is never removed, nor one holding anything).
   * Awaited before `exited` and `finishing` resolve, so before a cancel is answered: it had been
   * answered while the removal was still under way, and the map's output folder still held
   * `.job-<id>` when the caller looked (session 52).
   */
  private async dropStaging(job: Job): Promise<void> {
    await rm(job.run.staging, { recursive: true, force: true }).catch(() => undefined);
    await removeEmptyFolders(job.run.madeFolders ?? []);
  }

  /** Start a job's worker and follow it. */
  private launchJob(job: Job): void {
    const run = job.run;
    job.state = 'running';
    this.runningCount++;
    this.launched++;
    this.peak = Math.max(this.peak, this.runningCount);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.runningCount--;
      this.pump();
    };
    let child: ChildProcess;
    try {
      child = this.launch();
    } catch (err) {
      this.emit(job, { type: 'error', message: `cannot start the estimate worker: ${(err as Error).message}` });
      release();
      return;
    }
    job.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (t: string) => {
      stderr = (stderr + t).slice(-4096);
    });
    job.exited = new Promise<void>((done) => {
      child.once('error', (err) => {
        if (child.pid !== undefined) return; // a failed kill or send: the exit event follows
        job.child = undefined;
        this.emit(job, job.cancelRequested ? cancelledEvent(job) : { type: 'error', message: `cannot start the estimate worker: ${err.message}` });
        const dropped = this.dropStaging(job);
        release();
        void dropped.then(done);
      });
      child.once('exit', (code, signal) => {
        job.child = undefined;
        const end = () => {
          if (job.cancelRequested) this.emit(job, cancelledEvent(job));
          else {
            const why = lastErrorLine(stderr);
            this.emit(job, { type: 'error', message: `the estimate worker stopped unexpectedly (${signal ?? `exit code ${code}`})${why ? `: ${why}` : ''}` });
          }
          const dropped = this.dropStaging(job);
          release(); // the slot is free at once: the next job has its own staging folder
          void dropped.then(done);
        };
        // a result still being saved ends the job with its done event first
        if (job.finishing) void job.finishing.then(end);
        else end();
      });
    });
    child.on('message', (raw) => {
      const m = raw as WorkerMessage;
      if (job.cancelRequested) return;
      if (m.type === 'progress') this.emit(job, { type: 'progress', phase: m.phase, fraction: m.fraction });
      else if (m.type === 'log') this.emit(job, { type: 'log', level: m.level, text: m.text });
      else if (m.type === 'error') this.emit(job, { type: 'error', message: m.message });
      else if (m.type === 'halfmaps-done' && run.kind === 'halfmaps') {
        const { locresPath, occupancyPath, bfactorPath, ...rest } = m.outcome;
        const final = (p: string) => join(run.map.outputDir, basename(p));
        // the CLI's report names the inputs by the server's paths: as the user knows them
        const view: HalfMapsView = { ...rest, locres: { ...rest.locres, report: rest.locres.report.map((l) => this.session.userText(l)) }, mapId: run.map.info.mapId, commands: run.commands };
        job.finishing = this.commitStaging(job, view.files)
          .then(() => {
            this.session.setLocres(run.map, final(locresPath), occupancyPath && bfactorPath ? { occupancy: final(occupancyPath), bfactor: final(bfactorPath) } : undefined, run.task.maskPath);
            run.map.halfMaps = view;
          })
          .then(() => this.saveCopies(job, run.map, view.files, run.saveTo))
          .then(() => this.emit(job, { type: 'done', result: view }))
          .catch((err: unknown) => this.finishingFailed(job, err));
      } else if (m.type === 'done' && run.kind !== 'halfmaps') {
        const { map, task, command, solventDefPath } = run;
        const soldef = task.soldef;
        const files = [...(soldef ? [basename(soldef.outPath)] : []), ...m.summary.files.map((f) => basename(f))];
        const final = (p: string) => join(map.outputDir, basename(p));
        const view: EstimateSummaryView = {
          mapId: map.info.mapId,
          // the server's own paths (session folder, an upload's copy) as the user knows them
          summary: this.userTextDeep(m.summary) as unknown as Record<string, unknown>,
          files,
          layers: [],
          solventPlot: m.solventPlot,
          solventPlotSpec: m.solventPlotSpec,
          command,
        };
        job.finishing = this.commitStaging(job, files)
          .then(() => {
            this.session.setLayerFiles(map, {
              scale: final(m.layerFiles.scale),
              confidence: final(m.layerFiles.confidence),
              output: m.layerFiles.output === undefined ? undefined : final(m.layerFiles.output),
              soldef: solventDefPath,
            });
            view.layers = this.session.layers(map);
            map.result = view;
            return this.keepScale(map, final(m.layerFiles.scale), m.summary.mode, command);
          })
          .then((runs) => {
            view.scaleRuns = runs;
          })
          .then(() => this.saveCopies(job, map, files, run.saveTo))
          .then(() => this.emit(job, { type: 'done', result: view }))
          .catch((err: unknown) => this.finishingFailed(job, err));
      }
    });
    try {
      child.send(run.task);
    } catch {
      // the worker is already gone: its exit event reports it
    }
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
    if (job.state !== 'running' && job.state !== 'queued') {
      res.end();
      return;
    }
    job.clients.add(res);
    res.on('close', () => job.clients.delete(res));
  }

  /**
   * Cancel a job: a waiting one leaves the queue at once; a running one's worker is killed and
   * awaited, and a result not yet committed is dropped (the map's earlier result and files stay as
   * they were). Either ends with a `cancelled` event. A job whose outputs are already being moved
   * into place (past its commit point) is not cancelled: it ends `done`, and the answer says so.
   * @param byServer why the server cancels the job itself (said in the `cancelled` event); none
   *   for a cancel the user asked for
   * @returns `{ cancelled: true }` when the job ended cancelled; else `cancelled: false` and why
   * @throws HttpError 404 for an unknown job
   */
  async cancel(jobId: string, byServer?: ServerCancel): Promise<CancelOutcome> {
    const job = this.get(jobId);
    if ((job.state === 'queued' || job.state === 'running') && !job.cancelRequested && !job.committed) job.serverCancel = byServer;
    if (job.state === 'queued') {
      job.cancelRequested = true;
      this.queue.splice(this.queue.indexOf(job), 1);
      // (no staging folder: it is made by the worker's first output; a save folder made for it goes)
      this.emit(job, cancelledEvent(job));
      this.announcePositions();
      await removeEmptyFolders(job.run.madeFolders ?? []);
      return { cancelled: true };
    }
    if (job.state !== 'running') return { cancelled: false, reason: `the job had already ended (${job.state})` };
    if (job.committed) {
      await job.finishing;
      return { cancelled: false, reason: 'too late: the job had finished and its outputs were being saved' };
    }
    job.cancelRequested = true;
    const child = job.child;
    if (child) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await job.exited;
      clearTimeout(force);
    } else if (job.finishing) {
      // the worker has exited and its result waits for the commit point, which sees the cancel
      await job.finishing;
    } else {
      this.emit(job, cancelledEvent(job));
    }
    // the commit point was passed before the cancel was seen (cannot happen: checked above)
    const ended = job.state as JobState;
    if (ended !== 'cancelled') return { cancelled: false, reason: `too late: the job ended ${ended}` };
    return { cancelled: true };
  }

  /**
   * Cancel every waiting and running job (their `cancelled` events say the server stopped) and end
   * every event stream. A request still being checked is refused (HttpError 503) when its checks
   * end: it had been queued and its worker started after this returned.
   */
  async closeAll(): Promise<void> {
    // a request still being checked is refused when its checks end, not started after this
    this.closing = true;
    for (const j of [...this.queue]) await this.cancel(j.id, SERVER_STOPPED);
    await Promise.all([...this.jobs.values()].filter((j) => j.state === 'running').map((j) => this.cancel(j.id, SERVER_STOPPED)));
    for (const j of this.jobs.values()) {
      for (const res of j.clients) res.end();
      j.clients.clear();
    }
  }
}
