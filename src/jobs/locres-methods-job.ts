/**
 * Dispatch of `occupy locres` to issue 18's methods: `--shells` (radial shells), `--method
 * monodir` (local-directional), `--method monotomo` (half tomograms) and `--method resmap`
 * (ResMap-style). Every other method stays with the locres job.
 * @see issue 18
 */
import type { JobReporter } from './resolution-job-common.js';
import { UsageError } from '../core/exit-codes.js';
import { runRadialShellsJob, type RadialShellsJobOptions } from './radial-shells-job.js';
import { runMonoDirJob } from './monodir-job.js';
import { runResMapJob } from './resmap-job.js';
import { runMonoTomoJob } from './monotomo-job.js';

/** The `occupy locres` options these jobs read. */
export interface LocresMethodOptions extends RadialShellsJobOptions {
  /** `--method`. */
  method: string;
  /** `--shells`: FSC per spherical shell. */
  shells?: boolean;
  /** `--lowest-resolution`, Å. */
  lowestResolution?: number;
  /** `--labels` (resmap, monotomo). */
  labels?: string;
  /** `--cone-angle` (MonoDir's directional filters), degrees. */
  coneAngle?: number;
}

/** The methods handled here (`--method` values). */
export const ISSUE18_METHODS = ['monodir', 'monotomo', 'resmap'] as const;

/**
 * Run the job of `--shells` or an issue-18 `--method`, when one is asked for.
 * @returns true when a job ran (the caller stops), false for the other methods
 * @throws UsageError (exit 2) for contradictory options (`--shells` with another method, `--shell-width`
 *   or `--centre` without `--shells`), and whatever the job throws
 */
export async function runLocresMethodJob(h1Path: string, h2Path: string | undefined, o: LocresMethodOptions, reporter: JobReporter): Promise<boolean> {
  if (!o.shells && o.shellWidth !== undefined) throw new UsageError('--shell-width needs --shells');
  if (!o.shells && o.method !== 'monodir' && o.centre !== undefined) throw new UsageError('--centre needs --shells or --method monodir');
  if (o.method !== 'monodir' && o.coneAngle !== undefined) throw new UsageError('--cone-angle needs --method monodir');
  if (o.shells) {
    if (o.method !== 'localfsc') throw new UsageError(`--shells is an FSC per shell: not with --method ${o.method}`);
    await runRadialShellsJob(h1Path, h2Path, o, reporter);
    return true;
  }
  if (o.method === 'monodir') {
    await runMonoDirJob(h1Path, h2Path, o, reporter);
    return true;
  }
  if (o.method === 'resmap') {
    await runResMapJob(h1Path, h2Path, o, reporter);
    return true;
  }
  if (o.method === 'monotomo') {
    await runMonoTomoJob(h1Path, h2Path, o, reporter);
    return true;
  }
  return false;
}
