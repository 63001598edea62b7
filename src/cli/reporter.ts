/**
 * What the command line prints: progress on stderr, messages by verbosity.
 */
import { testSignalHook } from './test-signal.js';

/** Verbosity of a command: `quiet` prints only errors, `verbose` adds notes and stack traces. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** The `--progress` styles. */
export const PROGRESS_STYLES = ['auto', 'bar', 'lines', 'json', 'none'] as const;

/**
 * How progress is shown (`--progress`): `bar` redraws one line in place (a terminal), `lines` prints
 * one line per finished phase with its elapsed time (logs, pipes, SLURM), `json` one JSON object per
 * finished phase, `none` nothing; `auto` is `bar` on a terminal and `lines` elsewhere.
 */
export type ProgressStyle = (typeof PROGRESS_STYLES)[number];

/**
 * Phases that read and check the input: their lines are held back until a later phase begins,
 * so an input refused while it is read or checked still gives exactly one (error) line. Also
 * `read <file>` (a STAR file read by name) and `join` (`star join` refuses clashing optics groups
 * while it joins).
 */
const HELD_PHASES = new Set(['read', 'diagnostics', 'join']);

/** Whether a phase's lines are held back (see {@link HELD_PHASES}). */
function isHeld(phase: string): boolean {
  return HELD_PHASES.has(phase) || phase.startsWith('read ');
}

/**
 * Held phases get percentage lines only once the job has run this many seconds (then every
 * `interimEveryS`): an input refused within them still gives one line, and reading two 145 MB
 * STAR files and joining them (7 s of held phases) or a check of a large map is no longer silent
 * to its end (session 54).
 */
const HELD_QUIET_S = 5;

/**
 * Once a running (not held) phase has run this many seconds, the input phases' held lines are
 * written, and a job that has written nothing yet gets the phase's percentage line, before the
 * first interval has passed: an EMDB download had its first line 5.6 s in, a batch 5-6 s in
 * (session 54). Not at once when the phase begins: an option refused as the method starts still
 * gives one line.
 */
const FIRST_LINE_S = 1;

/** How early the 1 s timer's tick may land against a phase's start (ms): it counts as a second. */
const TIMER_SLACK_MS = 100;

/** The running reporters' interim timers (stopped by {@link stopProgressTimers}). */
const running = new Set<Reporter>();

/**
 * Stop every reporter's interim-line timer: the command ended (done or failed), so no percentage
 * line may follow its last line or its error message. `main` calls it before returning.
 */
export function stopProgressTimers(): void {
  for (const r of [...running]) r.stopTimer();
}

/** Prints progress and messages to stderr according to the verbosity and the progress style. */
export class Reporter {
  private lastPhase = '';
  private lastDraw = 0;
  private readonly style: Exclude<ProgressStyle, 'auto'>;
  private lineOpen = false;
  private readonly t0 = performance.now();
  private phaseStart = performance.now();
  private held: string[] = [];
  private lastInterim = performance.now();
  private lastFraction = 0;
  /** When the last percentage line (of any phase) was written; -Infinity before the first. */
  private lastAnyInterim = Number.NEGATIVE_INFINITY;
  /** Whether anything has been written yet. */
  private wroteAny = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The tests' `OCCUPY_TEST_SIGNAL_AT` hook (./test-signal.ts); undefined in every ordinary run. */
  private readonly signalHook = testSignalHook();

  /**
   * @param verbosity `quiet` prints only errors and result-invalidating warnings
   * @param stream where everything goes (stderr)
   * @param style `--progress` (default `auto`)
   * @param interimEveryS with `lines` or `json`, a phase still running after this many seconds gets
   *   a line with its percentage, and again after each further interval, also when the phase reports
   *   nothing new (a 1 s timer, unref'd; it runs while a method computes in a worker thread or the
   *   job awaits I/O; the first one already after 1 s when nothing has been written yet). Default 5 (30 until session 49: `locres --method resmap` was silent for 35 s
   *   in a log); the reading and checking of the input gets one only once the job has run
   *   `HELD_QUIET_S` (5 s), see `HELD_PHASES`.
   */
  constructor(
    readonly verbosity: Verbosity,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    style: ProgressStyle = 'auto',
    private readonly interimEveryS = 5,
  ) {
    this.style = style === 'auto' ? (stream.isTTY === true ? 'bar' : 'lines') : style;
  }

  /**
   * A progress update of a long job. With `bar`, one line redrawn in place; with `lines` or `json`,
   * one line when a phase finishes (that is, when the next one starts, or at {@link finish}) giving
   * the phase, its seconds and the seconds since the start, and a line with the phase's percentage
   * every `interimEveryS` while it runs (a 512³ `locres --relion` is one phase of minutes); nothing
   * with `--quiet` or `none`.
   */
  progress(phase: string, fraction: number): void {
    this.signalHook?.(phase);
    if (this.verbosity === 'quiet' || this.style === 'none') return;
    const pct = Math.round(100 * Math.min(1, Math.max(0, fraction)));
    if (this.style === 'bar') {
      const now = Date.now();
      if (phase === this.lastPhase && now - this.lastDraw < 100 && pct < 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round((width * pct) / 100);
      this.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${phase.padEnd(16)}`);
      this.lineOpen = true;
      if (pct >= 100) this.endLine();
      this.lastPhase = phase;
      return;
    }
    this.lastFraction = fraction;
    if (phase === this.lastPhase) {
      this.interim();
      return;
    }
    this.endPhase();
    this.lastPhase = phase;
    this.phaseStart = performance.now();
    this.lastInterim = this.phaseStart;
    if (this.timer === undefined && this.interimEveryS > 0) {
      this.timer = setInterval(() => this.interim(), 1000);
      this.timer.unref();
      running.add(this);
    }
  }

  /** The running phase's percentage line, when the interval has passed since the last line. */
  private interim(): void {
    const phase = this.lastPhase;
    if (phase === '' || phase === 'done') return;
    const now = performance.now();
    if (isHeld(phase)) {
      // a held phase: once the job has run HELD_QUIET_S, at the interval since the last percentage line of any phase
      if (now - this.t0 < 1000 * HELD_QUIET_S || now - this.lastAnyInterim < 1000 * this.interimEveryS) return;
    } else {
      // a later phase has begun, so the input was read and checked; its held lines go once that
      // phase has run a second (a timer tick), not at its end or first percentage line (`locres`
      // on two 256³ half maps had printed nothing for the first 7.7 s, its read and diagnostics
      // lines waiting 5 s into the local FSC), and not at once: an option refused as the method
      // starts (decompose's --lowest-resolution against Nyquist) still gives one line
      const young = now - this.phaseStart < 1000 * FIRST_LINE_S - TIMER_SLACK_MS;
      if (!young && this.held.length > 0) this.flushHeld();
      if (now - this.lastInterim < 1000 * this.interimEveryS && (this.wroteAny || young)) return;
    }
    this.lastInterim = now;
    this.lastAnyInterim = now;
    // the earlier phases' held lines go first (a later phase is running, so the input was read
    // and checked; or a held phase has run for HELD_QUIET_S)
    this.flushHeld();
    const fraction = Math.min(1, Math.max(0, this.lastFraction));
    const elapsed = (now - this.t0) / 1000;
    const seconds = (now - this.phaseStart) / 1000;
    this.write(
      this.style === 'json'
        ? JSON.stringify({ phase, fraction: round3(fraction), seconds: round3(seconds), elapsedS: round3(elapsed), running: true }) + '\n'
        : `[${elapsed.toFixed(1).padStart(6)} s] ${phase} ${Math.round(100 * fraction)} % (${seconds.toFixed(1)} s so far)\n`,
    );
  }

  /** Write to the stream, noting that a line has been written (see {@link FIRST_LINE_S}). */
  private write(text: string): void {
    this.wroteAny = true;
    this.stream.write(text);
  }

  /** Stop the interim-line timer (at the end of the job; also {@link stopProgressTimers}). */
  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    running.delete(this);
  }

  /**
   * One line for an event that is its own step (a map of a batch finished): printed at once with
   * `lines`/`json` (`{"event": text, "elapsedS": …}`), drawn as the bar's label with `bar`.
   */
  step(text: string, fraction: number): void {
    if (this.verbosity === 'quiet' || this.style === 'none') return;
    if (this.style === 'bar') {
      this.progress(text, fraction);
      return;
    }
    const elapsed = (performance.now() - this.t0) / 1000;
    this.write(this.style === 'json' ? JSON.stringify({ event: text, fraction: round3(fraction), elapsedS: round3(elapsed) }) + '\n' : `[${elapsed.toFixed(1).padStart(6)} s] ${text}\n`);
  }

  /** The line of the phase that just finished (held back while the input is being read and checked). */
  private endPhase(): void {
    if (this.lastPhase === '' || this.lastPhase === 'done') return;
    const now = performance.now();
    const seconds = (now - this.phaseStart) / 1000;
    const elapsed = (now - this.t0) / 1000;
    const line =
      this.style === 'json'
        ? JSON.stringify({ phase: this.lastPhase, seconds: round3(seconds), elapsedS: round3(elapsed) }) + '\n'
        : `[${elapsed.toFixed(1).padStart(6)} s] ${this.lastPhase} (${seconds.toFixed(2)} s)\n`;
    if (isHeld(this.lastPhase)) {
      this.held.push(line);
      return;
    }
    this.flushHeld();
    this.write(line);
  }

  /** The job is done: the last phase's line (with `lines`/`json`), and a finished bar. */
  finish(): void {
    if (this.verbosity === 'quiet' || this.style === 'none') return;
    if (this.style === 'bar') {
      this.endLine();
      return;
    }
    this.stopTimer();
    this.endPhase();
    this.flushHeld();
    this.lastPhase = 'done';
  }

  /** Write the held lines of the input's phases (read, diagnostics), in order, and forget them. */
  private flushHeld(): void {
    for (const h of this.held) this.write(h);
    this.held = [];
  }

  /** Erase an unfinished progress line (before an error message is printed); held phase lines are dropped. */
  abort(): void {
    this.stopTimer();
    this.held = [];
    if (this.lineOpen) {
      this.write('\r\x1b[K');
      this.lineOpen = false;
    }
  }

  private endLine(): void {
    if (this.lineOpen) {
      this.write('\n');
      this.lineOpen = false;
    }
  }

  /** Normal output (suppressed by --quiet). */
  info(text: string): void {
    if (this.verbosity === 'quiet') return;
    this.endLine();
    this.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Only with --verbose. */
  detail(text: string): void {
    if (this.verbosity === 'verbose') this.info(text);
  }

  /** Warnings are shown unless --quiet. */
  warn(text: string): void {
    this.info(`WARNING: ${text}`);
  }

  /** A warning that makes the result invalid (the solvent model failed): shown even with --quiet. */
  critical(text: string): void {
    this.endLine();
    this.write(`WARNING: ${text}\n`);
  }
}

/** A number rounded to 3 decimals, for JSON progress lines. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
