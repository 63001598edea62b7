/**
 * Per-phase wall-clock timing that also drives a progress callback.
 */

/** Progress callback: phase name and overall fraction in [0, 1]. */
export type ProgressCallback = (phase: string, fraction: number) => void;

/** Records how long each named phase takes (seconds) and reports phase starts as progress. */
export class PhaseTimer {
  /** Seconds spent per phase, in the order the phases ran. */
  readonly seconds: Record<string, number> = {};
  private current: string | undefined;
  private startedAt = 0;

  constructor(private readonly onProgress: ProgressCallback = () => {}) {}

  /** End the running phase (if any) and start `name`, reporting `fraction` as progress. */
  phase(name: string, fraction: number): void {
    this.stop();
    this.current = name;
    this.startedAt = performance.now();
    this.onProgress(name, fraction);
  }

  /** Report the running phase again, at `fraction` (its progress so far); nothing when no phase runs. */
  report(fraction: number): void {
    if (this.current !== undefined) this.onProgress(this.current, fraction);
  }

  /** End the running phase. */
  stop(): void {
    if (this.current !== undefined) {
      this.seconds[this.current] = (this.seconds[this.current] ?? 0) + (performance.now() - this.startedAt) / 1000;
      this.current = undefined;
    }
  }
}
