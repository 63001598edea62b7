/**
 * SLURM job arrays for `occupy batch --slurm`: one array task per shard.
 */
import { execFileSync } from 'node:child_process';

/** Settings of the sbatch script. */
export interface SlurmScriptOptions {
  /** Number of array tasks (shards). */
  tasks: number;
  partition?: string;
  /** Wall-time limit per task, sbatch syntax (e.g. 01:00:00). */
  time?: string;
  /** Memory per task, sbatch syntax (e.g. 8G). */
  mem?: string;
  /** CPUs per task (default 1). */
  cpusPerTask?: number;
  /** Job name. */
  jobName?: string;
  /** Folder for the task logs (slurm-%A_%a.out). */
  logDir: string;
  /** The batch command (node, occupy entry, inputs and options), without --shard. */
  command: string[];
  /** Working folder of the tasks. */
  workDir: string;
}

/** Quote a word for a POSIX shell. */
export function shellQuote(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/**
 * The sbatch script text: an array of `tasks` tasks, each running the batch command on its shard
 * `${SLURM_ARRAY_TASK_ID}/tasks` (results in `results.shard-i-of-N.jsonl`) with as many worker
 * processes as the task has CPUs.
 */
export function slurmScript(o: SlurmScriptOptions): string {
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw new RangeError(`--tasks must be a positive integer, got ${o.tasks}`);
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${o.jobName ?? 'occupy-batch'}`,
    `#SBATCH --array=0-${o.tasks - 1}`,
    `#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`,
    `#SBATCH --output=${o.logDir}/slurm-%A_%a.out`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
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
