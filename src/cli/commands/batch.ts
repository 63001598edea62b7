/**
 * `occupy batch INPUTS... -d OUT`: the estimate over many maps, on worker threads or as a SLURM
 * job array; `occupy batch collect OUT`: one results table and report.
 */
import { Command } from 'commander';
import { chmod } from 'node:fs/promises';
import { withOutputSet } from '../../core/output-set.js';
import { join, resolve } from 'node:path';
import { defaultJobs, jobsAllowed, maxJobs } from '../../batch/jobs-limit.js';
import { checkSlurmOptions, checkSlurmCombination, CPUS_PER_TASK_MAX, slurmScript, submitSlurm } from '../../batch/slurm.js';
import { integerOption } from '../options.js';
import { Reporter } from '../reporter.js';
import { addMethodOptions, addVerbosityOptions, estimateValuesOf, reporterOf, toMethodOptions, type EstimateCliOptions } from './estimate.js';
import { checkEstimateOptionsRead } from '../../occupancy/options.js';
import { EXIT, UsageError } from '../../core/exit-codes.js';

/** Description shown in `occupy --help`. */
export const summary = 'run the estimate over many maps (manifest, folder, glob, Class3D model.star) locally or on SLURM';

/** Options of `occupy batch`. */
export interface BatchCliOptions extends Omit<EstimateCliOptions, 'inputMap' | 'emdb' | 'emdbId' | 'outputMap' | 'keepOutputPath' | 'showChimerax' | 'commandLine'> {
  outputDir?: string;
  jobs?: number;
  shard?: string;
  force?: boolean;
  slurm?: boolean;
  partition?: string;
  tasks?: number;
  mapsPerTask?: number;
  time?: string;
  mem?: string;
  account?: string;
  qos?: string;
  cpusPerTask?: number;
  gres?: string;
  /** Raw sbatch options, one `#SBATCH` line each (repeatable `--sbatch-arg`). */
  sbatchArg?: string[];
  submit?: boolean;
}

/** Options of the batch command that must not reach the SLURM tasks' command line. */
const SLURM_ONLY = new Set(['--slurm', '--submit', '--partition', '--tasks', '--maps-per-task', '--time', '--mem', '--account', '--qos', '--cpus-per-task', '--gres', '--sbatch-arg', '--jobs', '--shard']);
const SLURM_FLAGS = new Set(['--slurm', '--submit']);

/** Add the batch arguments and options. */
export function addBatchOptions(cmd: Command): Command {
  cmd
    .argument('[inputs...]', 'manifest files, folders, globs, RELION *_model.star, map files or EMDB IDs')
    .option('-d, --output-dir <folder>', 'output folder: one sub-folder per map, results*.jsonl (required)')
    .option('--jobs <n>', `worker processes, at most the CPU cores (default: ${defaultJobs()}, half the cores: each estimate uses two threads)`, integerOption('--jobs', 1, jobsAllowed(), maxJobs()))
    .option('--shard <i/N>', 'run only shard i of N (0-based): maps k with k mod N == i')
    .option('--force', 'redo maps already computed with these settings, and replace (rather than keep beside the new ones) the outputs of other settings')
    .option('--slurm', 'write an sbatch job-array script (one shard per task) instead of running')
    .option('--partition <name>', 'SLURM partition')
    .option('--tasks <n>', 'SLURM array tasks (default: one per map)', integerOption('--tasks', 1))
    .option('--maps-per-task <k>', 'SLURM: maps per array task (sets --tasks)', integerOption('--maps-per-task', 1))
    .option('--time <limit>', 'SLURM time limit per task (e.g. 01:00:00)')
    .option('--mem <size>', 'SLURM memory per task (e.g. 8G)')
    .option('--account <name>', 'SLURM account to charge')
    .option('--qos <name>', 'SLURM quality of service')
    .option('--cpus-per-task <n>', 'SLURM CPUs per array task (default 1); each task runs that many worker processes', integerOption('--cpus-per-task', 1, undefined, CPUS_PER_TASK_MAX))
    .option('--gres <list>', 'SLURM generic resources per task, name[:type][:count] (e.g. gpu:1)')
    .option('--sbatch-arg <option>', 'any other sbatch option, one per use, written as its own #SBATCH line (e.g. --sbatch-arg=--mail-type=END); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--submit', 'submit the SLURM script with sbatch');
  addMethodOptions(cmd);
  return addVerbosityOptions(cmd);
}

/** Options of the batch that are not the estimate's: left out of one map's own command. */
const BATCH_ONLY = new Set([...SLURM_ONLY, '--output-dir', '--force']);

/**
 * The estimate options of a batch command line, as the estimate command of one of its maps takes
 * them: the inputs and the batch's own options (output folder, --force, workers, shards, SLURM)
 * left out. E.g. `a.mrc b.mrc -d out --jobs 2 --amplify 2` → `--amplify 2`.
 * @param args the arguments after `occupy batch` (multi-letter flags rewritten)
 */
export function perMapArgs(args: readonly string[]): string[] {
  const options = addBatchOptions(new Command()).options;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') break; // inputs only after it
    const name = a.split('=')[0];
    const opt = a.startsWith('-') ? options.find((o) => o.long === name || o.short === a.slice(0, 2)) : undefined;
    if (!opt) continue; // an input
    // a value in the next word unless given with `=` or attached to a short flag (`-dout`)
    const inline = a.includes('=') || (opt.short === a.slice(0, 2) && a.length > 2);
    const words = opt.required && !inline ? [a, args[++i]] : [a];
    if (!BATCH_ONLY.has(opt.long ?? '')) out.push(...words.filter((w): w is string => w !== undefined));
  }
  return out;
}

/** The task command line: this program and its arguments without the SLURM-only options. */
function taskCommand(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.split('=')[0];
    if (SLURM_ONLY.has(name)) {
      if (!SLURM_FLAGS.has(name) && !a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  // node options such as `--import tsx` must resolve from the tasks' folder too: make them absolute
  const execArgv = process.execArgv.map((a, i, all) => {
    if (i === 0 || all[i - 1] !== '--import' || a.startsWith('file:') || a.startsWith('.') || a.startsWith('/')) return a;
    try {
      return import.meta.resolve(a);
    } catch {
      return a;
    }
  });
  return [process.execPath, ...execArgv, resolve(process.argv[1]), ...out];
}

/**
 * Run `occupy batch`.
 * @param typed the options as the user typed them (commander's defaults left out; default `o`):
 *   an estimate option no run would read is refused (`checkEstimateOptionsRead`)
 */
export async function run(inputs: string[], o: BatchCliOptions, rawArgs: string[], typed: object = o): Promise<void> {
  const reporter = reporterOf(o);
  checkEstimateOptionsRead(estimateValuesOf(typed));
  if (inputs.length === 0) throw new UsageError('no inputs: give manifest files, folders, globs, a *_model.star, maps or EMDB IDs');
  if (!o.outputDir) throw new UsageError('-d/--output-dir <folder> is required');
  // before anything is read or written: these values go into the sbatch script; a value outside
  // SLURM's syntax is a usage error (exit 2)
  checkSlurmCombination({ ...o });
  try {
    checkSlurmOptions({ ...o, sbatchArgs: o.sbatchArg });
  } catch (e) {
    throw e instanceof RangeError && !(e instanceof UsageError) ? new UsageError(e.message) : e;
  }
  // each map's record: the batch's command line, and that map's own estimate command to rerun it
  const options = { ...toMethodOptions(o), commandLine: rawArgs, rerunArgs: perMapArgs(rawArgs.slice(1)) };
  // the batch modules are loaded by the command that runs them (start-up of the other commands)
  const [{ resolveBatchInputs }, { parseShard, runBatch, shardItems }] = await Promise.all([import('../../batch/inputs.js'), import('../../batch/runner.js')]);
  const items = await resolveBatchInputs(inputs);
  const outRoot = resolve(o.outputDir);
  if (o.slurm) {
    const tasks = o.mapsPerTask ? Math.ceil(items.length / o.mapsPerTask) : Math.min(o.tasks ?? items.length, items.length);
    const scriptPath = join(outRoot, 'occupy_batch.sbatch');
    // the script is made (and refuses a folder path sbatch cannot read, e.g. one with '"') before
    // any folder is: a refused run creates nothing (the slurm-logs folder had been made first, and
    // was left behind by the refusal of -d 'bo"ut')
    const script = slurmScript({ tasks, partition: o.partition, time: o.time, mem: o.mem, account: o.account, qos: o.qos, cpusPerTask: o.cpusPerTask, gres: o.gres, sbatchArgs: o.sbatchArg, logDir: join(outRoot, 'slurm-logs'), workDir: process.cwd(), command: taskCommand(rawArgs) });
    // through an output set: complete or absent (a full disk leaves no short script), and never
    // over an input (a script name that is a link to a map or manifest of this run is refused);
    // the log folder is the set's too, so a script refused or failed leaves no folder either
    const protect = [...items.map((it) => it.source).filter((p) => !p.startsWith('emdb:')), ...inputs.map((a) => resolve(a))];
    await withOutputSet({ protect }, async (set) => {
      await set.writeBytes(scriptPath, script);
      await set.makeFolder(join(outRoot, 'slurm-logs'));
    });
    await chmod(scriptPath, 0o755).catch(() => undefined);
    // what the array is to record, so that `collect` names the maps of a task that never ran
    const { batchPlan, writePlan } = await import('../../batch/plan.js');
    await writePlan(outRoot, batchPlan(items, options, tasks));
    const lines = [`Wrote ${scriptPath}: ${items.length} maps in ${tasks} array tasks.`];
    let jobId: string | undefined;
    if (o.submit) {
      jobId = submitSlurm(scriptPath);
      lines.push(`Submitted job ${jobId}. When it is done: occupy batch collect ${outRoot}`);
    } else {
      lines.push(`Submit with: sbatch ${scriptPath}   then: occupy batch collect ${outRoot}`);
    }
    if (o.json) process.stdout.write(JSON.stringify({ script: scriptPath, tasks, maps: items.length, jobId }) + '\n');
    else reporter.info(lines.join('\n'));
    return;
  }
  const shard = o.shard ? parseShard(o.shard) : undefined;
  const mine = shardItems(items, shard).length;
  const t0 = performance.now();
  const jobs = o.jobs ?? defaultJobs();
  reporter.detail(`${items.length} maps${shard ? `, shard ${o.shard}: ${mine}` : ''}, ${jobs} worker process(es), output ${outRoot}`);
  let computedSoFar = 0;
  // one phase for the whole run: its timer writes a percentage line every 5 s while a map computes
  // (a 256³ map with --scale-from decompose took 8.4 s with no line; only finished maps had one)
  reporter.progress('maps', 0);
  const result = await runBatch(items, options, {
    outRoot,
    jobs,
    shard,
    force: o.force,
    onWarning: (message) => reporter.warn(message),
    onWaiting: (message) => reporter.info(message),
    onProgress: ({ done, failed, skipped, waited, total, last }) => {
      const finished = done + failed + skipped + waited;
      const elapsed = (performance.now() - t0) / 1000;
      const rate = done + failed > 0 ? elapsed / (done + failed) : 0;
      const eta = rate * (total - finished);
      // one line per map computed now (maps found complete are counted, not listed)
      const computed = done + failed > computedSoFar;
      computedSoFar = done + failed;
      const what = computed && last ? `${last.id} ${last.status === 'ok' ? 'done' : 'FAILED'} (${last.seconds.toFixed(1)} s); ` : '';
      if (what || finished === total) reporter.step(`${what}maps ${finished}/${total}, failed ${failed}, ETA ${eta.toFixed(0)} s`, total ? finished / total : 1);
      reporter.progress('maps', total ? finished / total : 1);
    },
  });
  reporter.finish();
  const seconds = (performance.now() - t0) / 1000;
  const out = { maps: mine, done: result.done, skipped: result.skipped, waited: result.waited, waitedFor: result.waitedFor, failed: result.failed, results: result.resultsPath, seconds };
  const failedRecords = result.records.filter((r) => r.status === 'error');
  if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
  else if (reporter.verbosity === 'quiet') {
    // --quiet still prints errors: one line per failed map (exit 3 had come with no word of which)
    for (const r of failedRecords) process.stderr.write(`occupy: error: ${r.map}: ${r.message}\n`);
  } else {
    const failedLines = failedRecords.map((r) => `  ${r.map}: ${r.message}`);
    reporter.info(
      [
        `Batch: ${mine} maps, ${result.done} done, ${result.skipped} already complete, ${result.failed} failed${result.waited ? `, ${result.waited} computed by another run with these settings while this one waited` : ''}, in ${seconds.toFixed(1)} s.`,
        ...(failedLines.length ? ['Failed:', ...failedLines] : []),
        ...(result.waited ? [`Waited for (computed by another run with these settings, complete): ${result.waitedFor.join(', ')}`] : []),
        `Records: ${result.resultsPath}`].join('\n'),
    );
  }
  if (result.failed > 0) process.exitCode = EXIT.batchPartial;
}

/**
 * Run `occupy batch collect DIR`: broken lines of the results files are skipped with a warning each;
 * maps of the batch without a record (a shard that never ran, a run stopped early) are named, one
 * line per shard, and the exit code is {@link EXIT.batchPartial} (the files list them as missing);
 * it is that too when a record says its map failed, as for the batch run itself.
 */
export async function runCollect(dir: string, o: { json?: boolean; quiet?: boolean }): Promise<void> {
  const reporter = new Reporter(o.quiet ? 'quiet' : 'normal');
  const { collectBatch } = await import('../../batch/collect.js');
  const { records, missing, missingLines, csvPath, htmlPath } = await collectBatch(resolve(dir), (message) => reporter.warn(message));
  const failed = records.filter((r) => r.status === 'error').length;
  const absent = new Set(missing.map((m) => m.id)).size;
  // the incompleteness is printed even with --quiet: the files are not the whole batch
  for (const line of missingLines) process.stderr.write(`WARNING: ${line}\n`);
  const maps = new Set([...records.map((r) => r.id), ...missing.map((m) => m.id)]).size;
  if (o.json) process.stdout.write(JSON.stringify({ maps, failed, missing: absent, missingIds: [...new Set(missing.map((m) => m.id))].sort(), csv: csvPath, html: htmlPath }) + '\n');
  else if (!o.quiet) process.stdout.write(`${maps} maps (${failed} failed${absent ? `, ${absent} missing: no record, see the warnings` : ''})\nWrote ${csvPath}${absent ? ' (incomplete)' : ''}\nWrote ${htmlPath}${absent ? ' (incomplete)' : ''}\n`);
  // failed maps too, as the batch run itself exits: a script collecting a SLURM array had got 0 with
  // maps failed (sweep, session 52)
  if (missing.length > 0 || failed > 0) process.exitCode = EXIT.batchPartial;
}

