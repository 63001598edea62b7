/**
 * `occupy locres HALF1 HALF2 ...`: local resolution in Å from half maps (local FSC), or the
 * monogenic (MonoRes-style) estimate from one map or two half maps.
 */
import type { Command } from 'commander';
import { addSchemaOptions } from '../options.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { LOCRES_OPTIONS, resolveLocresOptions } from '../../resolution/locres-options.js';
import type { LocresJobOptions, LocresJobResult } from '../../jobs/locres-job.js';
import { refuseSpecialFile } from '../../jobs/output-path.js';
import { checkOutputNames } from '../../core/output-set.js';
import { jobInputs } from '../../jobs/job-inputs.js';
import { mapStem } from '../../occupancy/output-names.js';

/** Description shown in `occupy --help`. */
export const summary = 'local resolution in Å from half maps (local FSC) or monogenic (MonoRes-style)';

/**
 * Options of `occupy locres`: the job's (the local FSC and MonoRes settings, paths, command line)
 * plus the issue-18 methods' and the output switches.
 */
export interface LocresOptions extends Omit<LocresJobOptions, 'method' | 'lowestResolution' | 'onProgress' | 'onWarning' | 'onInfo'> {
  /** `--method` (default localfsc). */
  method?: 'localfsc' | 'monores' | 'monodir' | 'monotomo' | 'resmap';
  /** `--lowest-resolution`, Å (default 50). */
  lowestResolution?: number;
  /** Issue 18: `--shells` (FSC per spherical shell), `--shell-width`, `--centre`, `--cone-angle` (monodir). */
  shells?: boolean;
  shellWidth?: number;
  centre?: string;
  coneAngle?: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Add the arguments and options of `occupy locres`. */
export function addLocresOptions(cmd: Command): Command {
  cmd
    .argument('<half1>', 'first half map (or the single map with --method monores)')
    .argument('[half2]', 'second half map');
  // the method's options come from the option schema (src/resolution/locres-options.ts)
  return addSchemaOptions(cmd, LOCRES_OPTIONS)
    .option('-o, --output <path>', 'output map (default: locres_<stem>.mrc in the current folder)')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/**
 * Run `occupy locres`.
 * @param typed the options as the user typed them (without commander's defaults: the schema fills
 *   them, and refuses an option the chosen method does not read)
 */
export async function run(half1Path: string, half2Path: string | undefined, typed: LocresOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(typed));
  // values, defaults and the rules between options (every method's): the option schema's
  const o = { ...typed, ...resolveLocresOptions(typed, half2Path ? 2 : 1) };
  // -o naming a device: refused before the work (every method's outputs are named from it)
  if (o.output !== undefined) refuseSpecialFile(o.output);
  // the jobs' modules are loaded by the command that runs them (start-up of the other commands)
  const [{ locresJob }, { runLocresMethodJob }] = await Promise.all([import('../../jobs/locres-job.js'), import('../../jobs/locres-methods-job.js')]);
  // the map's name (-o, or locres_<stem>.mrc here): an input, a symbolic link or a folder is refused
  // before the maps are read (--shells and monodir name their outputs themselves)
  if (!o.shells && o.method !== 'monodir') await checkOutputNames([o.output ?? `locres_${mapStem(half1Path)}.mrc`], { protect: jobInputs(half1Path, half2Path, o.mask, o.labels), inputLabel: 'input map' });
  if (await runLocresMethodJob(half1Path, half2Path, o, reporter)) return; // issue 18: --shells, monodir, monotomo, resmap
  const t0 = performance.now();
  // the pipeline (read, estimate, write the output set, log) is the locres job's
  let job: LocresJobResult;
  try {
    job = await locresJob(half1Path, half2Path, { ...o, method: o.method as 'localfsc' | 'monores', onProgress: (p, f) => reporter.progress(p, f), onWarning: (w) => reporter.warn(w), onInfo: (l) => reporter.info(l) }, t0);
  } catch (err) {
    reporter.abort();
    throw err;
  }
  reporter.finish(); // the last phase's line (write), as fsc and the estimate print it
  const { summary: result, report } = job;
  if (o.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    // the warnings went to stderr already: once there, not again here
    // the record block is in the log (and --json); the terminal gets the results
    process.stdout.write(['', ...report].join('\n') + '\n');
  }
}
