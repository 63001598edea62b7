/**
 * SLURM job arrays for `occupy batch --slurm`: one array task per shard.
 */
import { execFileSync } from 'node:child_process';
import { UsageError } from '../core/exit-codes.js';

/** Settings of the sbatch script. */
export interface SlurmScriptOptions {
  /** Number of array tasks (shards). */
  tasks: number;
  partition?: string;
  /** Wall-time limit per task, sbatch syntax (e.g. 01:00:00). */
  time?: string;
  /** Memory per task, sbatch syntax (e.g. 8G). */
  mem?: string;
  /** CPUs per task (default 1); the task runs as many worker processes. */
  cpusPerTask?: number;
  /** Account charged for the job (`--account`). */
  account?: string;
  /** Quality of service (`--qos`). */
  qos?: string;
  /** Generic resources per task, sbatch syntax (e.g. gpu:1 or gpu:a100:2). */
  gres?: string;
  /** Further sbatch options, each one `--name=value`, `--name value`, `--flag`, `-X value` or `-Xvalue`: one `#SBATCH` line each. */
  sbatchArgs?: readonly string[];
  /** Job name. */
  jobName?: string;
  /** Folder for the task logs (slurm-%A_%a.out). */
  logDir: string;
  /** The batch command (node, occupy entry, inputs and options), without --shard. */
  command: string[];
  /** Working folder of the tasks. */
  workDir: string;
}

/** Quote a word for a POSIX shell: bare when it holds only safe characters, else in single quotes. */
export function shellQuote(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** SLURM partition list: comma-separated names of letters, digits, `_`, `.`, `-`. */
const PARTITION_RE = /^[A-Za-z0-9_.-]{1,128}(,[A-Za-z0-9_.-]{1,128}){0,63}$/;
/** SLURM time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
const TIME_RE = /^(\d{1,9}|\d{1,9}:\d{1,2}|\d{1,9}:\d{1,2}:\d{1,2}|\d{1,5}-\d{1,2}|\d{1,5}-\d{1,2}:\d{1,2}|\d{1,5}-\d{1,2}:\d{1,2}:\d{1,2})$/;
/** SLURM memory: an integer with an optional K, M, G or T suffix. */
const MEM_RE = /^\d{1,12}[KMGTkmgt]?$/;
/** Job name: letters, digits, `_`, `.`, `-`. */
const JOB_NAME_RE = /^[A-Za-z0-9_.-]{1,128}$/;
/** Account or QOS name: letters, digits, `_`, `.`, `-`. */
const NAME_RE = /^[A-Za-z0-9_.-]{1,128}$/;
/** One generic resource: name[:type][:count], count with an optional k/m/g/t/p suffix (sbatch --gres). */
const GRES_ITEM = '[A-Za-z][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9_.-]{1,64})?(:\\d{1,9}[kKmMgGtTpP]?)?';
/** Generic resources: comma-separated {@link GRES_ITEM}s, or `none`. */
const GRES_RE = new RegExp(`^(none|${GRES_ITEM}(,${GRES_ITEM}){0,31})$`);
/**
 * Value of an extra sbatch option: letters, digits and `_ @ % + = : , . / - [ ] | & * ! ^ ~` (node
 * lists, constraints, mail addresses, dependencies), nothing that sbatch would unquote or split
 * (spaces, quotes, `\`, `$`, `;`, `#`, control characters).
 */
const SBATCH_VALUE = '[A-Za-z0-9_@%+=:,./\\[\\]|&*!^~-]{1,512}';
/** An extra sbatch option: `--name`, `--name=value`, `--name value`, `-X`, `-X value` or `-Xvalue`. */
const SBATCH_ARG_RE = new RegExp(`^(--[a-z][a-z0-9-]{0,63}([= ]${SBATCH_VALUE})?|-[A-Za-z]( ?${SBATCH_VALUE})?)$`);
/**
 * sbatch options that occupy sets itself or that have their own option here: given through
 * `--sbatch-arg` they would contradict the script (array, log files, working folder) or the
 * dedicated option, so they are refused with its name.
 */
const RESERVED_SBATCH: Readonly<Record<string, string>> = {
  '--array': 'set by occupy from --tasks/--maps-per-task', '-a': 'set by occupy from --tasks/--maps-per-task',
  '--output': 'set by occupy (slurm-logs/ in the output folder)', '-o': 'set by occupy (slurm-logs/ in the output folder)',
  '--chdir': 'set by occupy (the submitting folder)', '-D': 'set by occupy (the submitting folder)',
  '--wrap': 'not for a script', '--job-name': 'set by occupy', '-J': 'set by occupy',
  '--partition': 'use --partition', '-p': 'use --partition',
  '--time': 'use --time', '-t': 'use --time', '--mem': 'use --mem',
  '--account': 'use --account', '-A': 'use --account', '--qos': 'use --qos', '-q': 'use --qos',
  '--cpus-per-task': 'use --cpus-per-task', '-c': 'use --cpus-per-task', '--gres': 'use --gres',
};
/** Largest `--cpus-per-task` accepted (SLURM's own limit is the node's CPU count). */
export const CPUS_PER_TASK_MAX = 4096;

/**
 * The option name of an extra sbatch argument: `--mail-type=END` → `--mail-type`, `-N 2` → `-N`.
 * @param arg one `--sbatch-arg` value
 */
export function sbatchArgName(arg: string): string {
  return arg.startsWith('--') ? arg.split(/[= ]/)[0] : arg.slice(0, 2);
}

/**
 * Check one `--sbatch-arg` value (see {@link SBATCH_ARG_RE}, {@link RESERVED_SBATCH}).
 * @throws RangeError naming `--sbatch-arg`, the allowed form and the value
 */
export function checkSbatchArg(arg: string): void {
  if (!SBATCH_ARG_RE.test(arg)) {
    throw new UsageError(
      `--sbatch-arg must be one sbatch option: --name, --name=value, --name value, -X value or -Xvalue, the value of letters, digits and _ @ % + = : , . / - [ ] | & * ! ^ ~ (no spaces, quotes, $, ;, # or control characters; e.g. --mail-type=END,FAIL or --constraint=a100), got ${shown(arg)}`,
    );
  }
  const name = sbatchArgName(arg);
  const reserved = RESERVED_SBATCH[name];
  if (reserved) throw new UsageError(`--sbatch-arg ${shown(arg)}: ${name} is ${reserved.startsWith('use') ? `an option of occupy batch: ${reserved}` : reserved}`);
}

/** A value for an error message: quoted, with newlines and other control characters escaped. */
function shown(v: string): string {
  return JSON.stringify(v);
}

/** The batch options read only when writing the sbatch script (`--slurm`): flag → option key. */
export const SCRIPT_ONLY_OPTIONS: Readonly<Record<string, string>> = {
  '--submit': 'submit', '--partition': 'partition', '--tasks': 'tasks', '--maps-per-task': 'mapsPerTask', '--time': 'time', '--mem': 'mem',
  '--account': 'account', '--qos': 'qos', '--cpus-per-task': 'cpusPerTask', '--gres': 'gres', '--sbatch-arg': 'sbatchArg',
};

/**
 * Check which batch options go together, so that none is silently ignored: the script's options
 * (`--partition`, `--tasks`, `--submit`, … {@link SCRIPT_ONLY_OPTIONS}) only with `--slurm`; with
 * `--slurm`, `--jobs` and `--shard` are not given (each array task runs its own shard with
 * `--cpus-per-task` workers), and `--tasks` and `--maps-per-task` not both (either sets the count).
 * @param o the batch options as parsed (keys of `BatchCliOptions`; absent options undefined)
 * @throws UsageError naming the option and what to do
 */
export function checkSlurmCombination(o: Readonly<Record<string, unknown>>): void {
  const given = (key: string) => o[key] !== undefined && o[key] !== false && !(Array.isArray(o[key]) && o[key].length === 0);
  if (!o.slurm) {
    const flag = Object.keys(SCRIPT_ONLY_OPTIONS).find((f) => given(SCRIPT_ONLY_OPTIONS[f]));
    if (flag) throw new UsageError(`${flag} is an option of the sbatch script: give --slurm with it, or leave it out (without --slurm the maps run here)`);
    return;
  }
  if (given('jobs')) throw new UsageError('--jobs is not used with --slurm: each array task runs --cpus-per-task worker processes (default 1)');
  if (given('shard')) throw new UsageError('--shard is not used with --slurm: each array task runs its own shard (set the number with --tasks or --maps-per-task)');
  if (given('tasks') && given('mapsPerTask')) throw new UsageError('--tasks and --maps-per-task contradict each other (either sets the number of array tasks); give one');
}

/**
 * Check the SLURM options that go into `#SBATCH` lines against SLURM's syntax, so no value can
 * add a line to the script.
 * @throws RangeError naming the option, the allowed form and the value
 */
export function checkSlurmOptions(o: {
  partition?: string;
  time?: string;
  mem?: string;
  jobName?: string;
  account?: string;
  qos?: string;
  gres?: string;
  cpusPerTask?: number;
  sbatchArgs?: readonly string[];
}): void {
  if (o.partition !== undefined && !PARTITION_RE.test(o.partition)) {
    throw new UsageError(`--partition must be comma-separated partition names of letters, digits, '_', '.', '-' (e.g. gpu or gpu,long), got ${shown(o.partition)}`);
  }
  if (o.time !== undefined && !TIME_RE.test(o.time)) {
    throw new UsageError(`--time must be a SLURM time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. 90 or 01:30:00 or 1-12), got ${shown(o.time)}`);
  }
  if (o.mem !== undefined && !MEM_RE.test(o.mem)) {
    throw new UsageError(`--mem must be an integer with an optional K, M, G or T suffix (e.g. 8G or 16000), got ${shown(o.mem)}`);
  }
  if (o.jobName !== undefined && !JOB_NAME_RE.test(o.jobName)) {
    throw new UsageError(`SLURM job name must be letters, digits, '_', '.', '-', got ${shown(o.jobName)}`);
  }
  if (o.account !== undefined && !NAME_RE.test(o.account)) {
    throw new UsageError(`--account must be a SLURM account name of letters, digits, '_', '.', '-' (e.g. lab_smith), got ${shown(o.account)}`);
  }
  if (o.qos !== undefined && !NAME_RE.test(o.qos)) {
    throw new UsageError(`--qos must be a SLURM QOS name of letters, digits, '_', '.', '-' (e.g. normal or high), got ${shown(o.qos)}`);
  }
  if (o.gres !== undefined && !GRES_RE.test(o.gres)) {
    throw new UsageError(`--gres must be comma-separated name[:type][:count] (e.g. gpu:1 or gpu:a100:2), got ${shown(o.gres)}`);
  }
  if (o.cpusPerTask !== undefined && !(Number.isInteger(o.cpusPerTask) && o.cpusPerTask >= 1 && o.cpusPerTask <= CPUS_PER_TASK_MAX)) {
    throw new UsageError(`--cpus-per-task must be an integer in 1..${CPUS_PER_TASK_MAX}, got ${o.cpusPerTask}`);
  }
  for (const a of o.sbatchArgs ?? []) checkSbatchArg(a);
}

/**
 * The `--output=` value of the log files in the `#SBATCH` header (not read by the shell but by
 * sbatch, which knows only double quotes): `%` is doubled (SLURM's file-name patterns), a path with
 * spaces is double-quoted.
 * @throws RangeError for a folder whose path holds a control character, `"` or `\`
 */
function sbatchOutputPath(logDir: string): string {
  if (/[\x00-\x1f\x7f"\\]/.test(logDir)) {
    throw new UsageError(`-d/--output-dir: with --slurm the folder path must not contain newlines, control characters, '"' or '\\', got ${shown(logDir)}`);
  }
  const p = `${logDir.replace(/%/g, '%%')}/slurm-%A_%a.out`;
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(p) ? p : `"${p}"`;
}

/**
 * The sbatch script text: an array of `tasks` tasks, each running the batch command on its shard
 * `${SLURM_ARRAY_TASK_ID}/tasks` (results in `results.shard-i-of-N.jsonl`) with as many worker
 * processes as the task has CPUs. Every `#SBATCH` value is checked ({@link checkSlurmOptions}) and
 * written on its own line (partition, time, mem, account, qos, gres, then each `--sbatch-arg` in
 * the order given), so the script records them;
 * the working folder and every word of the command are shell-quoted.
 * @throws RangeError naming the option when a value does not fit SLURM's syntax
 */
export function slurmScript(o: SlurmScriptOptions): string {
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw new UsageError(`--tasks must be a positive integer, got ${o.tasks}`);
  const cpus = o.cpusPerTask ?? 1;
  checkSlurmOptions({ ...o, cpusPerTask: cpus });
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName ?? 'occupy-batch'}`,
    `#SBATCH --array=0-${o.tasks - 1}`,
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --output=${sbatchOutputPath(o.logDir)}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.qos ? [`#SBATCH --qos=${o.qos}`] : []),
    ...(o.gres ? [`#SBATCH --gres=${o.gres}`] : []),
    ...(o.sbatchArgs ?? []).map((a) => `#SBATCH ${a}`),
    '# written by occupy-ts (occupy batch): each array task runs one shard of the maps',
    'set -euo pipefail',
    `cd ${shellQuote(o.workDir)}`,
    `${o.command.map(shellQuote).join(' ')} --jobs "\${SLURM_CPUS_PER_TASK:-1}" --shard "\${SLURM_ARRAY_TASK_ID}/${o.tasks}"`,
    '',
  ];
  return lines.join('\n');
}

/**
 * Submit a script with sbatch; returns the job ID.
 * @throws Error when sbatch is not installed or refuses the job
 */
export function submitSlurm(scriptPath: string): string {
  try {
    return execFileSync('sbatch', ['--parsable', scriptPath], { encoding: 'utf8' }).trim().split(';')[0];
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('sbatch not found: is SLURM installed here? The script was written; submit it on the cluster with sbatch');
    throw new Error(`sbatch refused the job: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
  }
}
