/**
 * What the command line prints: progress on stderr, messages by verbosity.
 */

/** Verbosity of a command: `quiet` prints only errors, `verbose` adds notes and stack traces. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Prints progress and messages to stderr according to the verbosity. */
export class Reporter {
  private lastPhase = '';
  private lastDraw = 0;
  private readonly tty: boolean;
  private lineOpen = false;

  constructor(
    readonly verbosity: Verbosity,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = stream.isTTY === true;
  }

  /**
   * A progress update: on a terminal one line redrawn in place; elsewhere (logs, pipes) one line
   * per phase, and only with --verbose, so that a failed run still prints a single error line.
   */
  progress(phase: string, fraction: number): void {
    if (this.verbosity === 'quiet') return;
    const pct = Math.round(100 * Math.min(1, Math.max(0, fraction)));
    if (this.tty) {
      const now = Date.now();
      if (phase === this.lastPhase && now - this.lastDraw < 100 && pct < 100) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round((width * pct) / 100);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${phase.padEnd(16)}`);
      this.lineOpen = true;
      if (pct >= 100) this.endLine();
    } else if (this.verbosity === 'verbose' && phase !== this.lastPhase) {
      this.stream.write(`[${String(pct).padStart(3)}%] ${phase}\n`);
    }
    this.lastPhase = phase;
  }

  /** Erase an unfinished progress line (before an error message is printed). */
  abort(): void {
    if (this.lineOpen) {
      this.stream.write('\r\x1b[K');
      this.lineOpen = false;
    }
  }

  private endLine(): void {
    if (this.lineOpen) {
      this.stream.write('\n');
      this.lineOpen = false;
    }
  }

  /** Normal output (suppressed by --quiet). */
  info(text: string): void {
    if (this.verbosity === 'quiet') return;
    this.endLine();
    this.stream.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** Only with --verbose. */
  detail(text: string): void {
    if (this.verbosity === 'verbose') this.info(text);
  }

  /** Warnings are shown unless --quiet. */
  warn(text: string): void {
    this.info(`WARNING: ${text}`);
  }
}
