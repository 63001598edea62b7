/**
 * `occupy fsc HALF1 HALF2 [--mask M] [--angpix A]`: global Fourier shell correlation; with a mask
 * also RELION's phase-randomised corrected FSC (see `resolution/fsc-corrected.ts`).
 */
import type { Command } from 'commander';
import { mapStem } from '../../occupancy/output-names.js';
import { addSchemaOptions } from '../options.js';
import { FSC_OPTIONS, resolveFscOptions } from '../../resolution/fsc-options.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { outputFile } from '../../jobs/output-path.js';

/** Description shown in `occupy --help`. */
export const summary = 'global FSC of two half maps: curve (CSV/JSON/plot) and resolution at 0.143 and 0.5';

/** Options of `occupy fsc`. */
export interface FscOptions {
  mask?: string;
  angpix?: number;
  output?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** Seed of the phase randomisation (with `--mask`); default 0. */
  seed?: number;
  /** Number of phase randomisations averaged (with `--mask`); default 1, as RELION. */
  randomisations?: number;
  /** Directional FSC (3DFSC-style, issue 18): see `src/jobs/directional-fsc-job.ts`. */
  directional?: boolean;
  /** Cone half-angle of `--directional`, degrees. */
  coneAngle?: number;
  /** The arguments as typed after `occupy` (recorded in the log of `--directional`). */
  commandLine?: string[];
}

/** Add the arguments and options of `occupy fsc`. */
export function addFscOptions(cmd: Command): Command {
  cmd
    .argument('<half1>', 'first half map')
    .argument('<half2>', 'second half map');
  // the FSC's options come from the option schema (src/resolution/fsc-options.ts)
  return addSchemaOptions(cmd, FSC_OPTIONS)
    .option('-o, --output <prefix>', 'output prefix: <prefix>.csv, .json, .png, .svg (default fsc_<half1 stem>; a map extension such as .mrc is dropped)')
    .option('--json', 'print the result (curve and resolutions) as one JSON object on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/** Run `occupy fsc`. */
export async function run(h1Path: string, h2Path: string, o: FscOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  resolveFscOptions(o); // values and rules (--cone-angle only with --directional)
  // the jobs' modules are loaded by the command that runs them (start-up of the other commands)
  if (o.directional) return void (await (await import('../../jobs/directional-fsc-job.js')).runDirectionalFscJob(h1Path, h2Path, o, reporter));
  const { fscJob } = await import('../../jobs/fsc-job.js');
  // the pipeline (read, FSC, write the output set) is the FSC job's; -o DIR/ → DIR/fsc_<stem>.*
  let job: Awaited<ReturnType<typeof fscJob>>;
  try {
    job = await fscJob(h1Path, h2Path, { ...o, outputPrefix: outputFile(o.output, `fsc_${mapStem(h1Path)}`), onWarning: (w) => reporter.warn(w), onInfo: (l) => reporter.info(l), onProgress: (p, f) => reporter.progress(p, f) });
  } catch (err) {
    reporter.abort();
    throw err;
  }
  reporter.finish();
  const { summary: result, files, lines } = job;
  if (o.json) {
    process.stdout.write(JSON.stringify({ ...result, files }) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    process.stdout.write([...lines, `Voxel size ${result.voxelSizeA.toFixed(4)} Å${o.angpix !== undefined ? ' (--angpix)' : ''}, Nyquist ${result.nyquistA.toFixed(2)} Å`, 'Files written:', ...files.map((f) => `  ${f}`)].join('\n') + '\n');
  }
}
