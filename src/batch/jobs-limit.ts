/**
 * The batch's `--jobs`: how many worker processes run maps at once, and its one limit.
 */
import { availableParallelism } from 'node:os';
import { OptionError } from '../core/option-error.js';

/**
 * Largest `--jobs`: the CPU cores this process may run on (`os.availableParallelism()`, which
 * honours a SLURM task's CPU affinity), at least 1. Every estimate is compute-bound and each worker
 * holds its own maps in memory, so more workers than cores run no faster and only multiply the
 * memory: `--jobs 1e6` had been accepted (one worker per map, for a batch of a thousand maps a
 * thousand processes).
 */
export function maxJobs(): number {
  return Math.max(1, availableParallelism());
}

/** Default `--jobs`: half the cores (at least 1), as every estimate runs on two threads. */
export function defaultJobs(): number {
  return Math.max(1, Math.floor(maxJobs() / 2));
}

/** What `--jobs` allows, for its message: `an integer in 1..8 (the CPU cores of this machine: …)`. */
export function jobsAllowed(max = maxJobs()): string {
  return `an integer in 1..${max} (the CPU cores of this machine: more worker processes run no faster, and each holds its own maps in memory)`;
}

/**
 * Check a worker count: an integer in 1..{@link maxJobs}.
 * @param jobs the requested number of worker processes
 * @throws OptionError (option `jobs`, flag `--jobs`) naming the allowed range and the value
 */
export function checkJobs(jobs: number): void {
  const max = maxJobs();
  if (Number.isInteger(jobs) && jobs >= 1 && jobs <= max) return;
  throw new OptionError(`--jobs must be ${jobsAllowed(max)}, got ${jobs}`, 'jobs', jobsAllowed(max), { flag: '--jobs', value: jobs });
}
