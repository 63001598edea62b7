/**
 * Dispatch of `occupy locres` to issue 18's methods: `--shells` (radial shells), `--method
 * monodir` (local-directional), `--method monotomo` (half tomograms) and `--method resmap`
 * (ResMap-style). Every other method stays with the locres job.
 * @see issue 18
 */
import type { JobReporter } from './resolution-job-common.js';
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
 * Run the job of `--shells` or an issue-18 `--method`, when one is asked for. The options must
 * have passed `resolveLocresOptions` (src/resolution/locres-options.ts), which refuses the options
 * a method does not read (`--centre` without `--shells` or monodir, `--labels` with monodir, …).
 * @returns true when a job ran (the caller stops), false for the other methods
 * @throws whatever the job throws
 */
export async function runLocresMethodJob(h1Path: string, h2Path: string | undefined, o: LocresMethodOptions, reporter: JobReporter): Promise<boolean> {
  if (o.shells) {
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
