/**
 * A throw-away single-node SLURM cluster (slurmctld + slurmd, and munged when it is not already
 * running) for the batch tests, without systemd. See ../shared/spec/slurm-on-one-machine.md.
 *
 * Everything the daemons write (state, spool, logs, pid files, slurm.conf, cgroup.conf) lives in a
 * scratch folder; every slurm command must get the returned `env` (it sets SLURM_CONF). Daemons are
 * stopped by the PIDs of their pid files only, never by name.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, chownSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { lockFolder } from './folder-lock.js';

const execFileP = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Folders searched after PATH for the daemons (root's PATH normally holds them already). */
const EXTRA_BIN = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Absolute path of an executable on PATH (then the sbin folders), or undefined. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_BIN];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when slurmctld, slurmd, sbatch and munged are installed and we are root. */
export function slurmAvailable(): boolean {
  return process.getuid?.() === 0 && ['slurmctld', 'slurmd', 'sbatch', 'munged'].every((n) => which(n) !== undefined);
}

/**
 * The `skip` option of tests that need SLURM: false when available; a message when not; throws
 * under CI=true so the run fails instead of silently skipping.
 */
export function skipWithoutSlurm(): false | string {
  if (slurmAvailable()) return false;
  const why = process.getuid?.() !== 0 ? 'not running as root' : `missing: ${['slurmctld', 'slurmd', 'sbatch', 'munged'].filter((n) => !which(n)).join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`CI=true but SLURM is not usable here (${why}): .ci/run must install slurmctld slurmd slurm-client munge`);
  return `SLURM not available (${why}; install slurmctld slurmd slurm-client munge and run as root): SLURM tests skipped`;
}

/** A running single-node cluster. */
export interface SlurmCluster {
  /** Environment for slurm commands (process.env plus SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** The scratch folder (slurm.conf, logs, state). */
  dir: string;
  /** Stop slurmd, slurmctld, then munged if this helper started it (by PID, TERM then KILL). */
  stop(): Promise<void>;
}

/** One daemon this helper started: its pid file and expected process name (a guard against PID reuse). */
interface Daemon {
  name: string;
  pidFile: string;
  pid?: number;
  log: string;
}

/** A free TCP port on 127.0.0.1 (so several clusters, or a leftover one, do not collide). */
async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** The PID of a pid file, or undefined. */
function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** /proc/PID/stat: process name and state letter, or undefined when gone. */
function procStat(pid: number): { comm: string; state: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = s.indexOf('(');
    const close = s.lastIndexOf(')');
    return { comm: s.slice(open + 1, close), state: s.slice(close + 2, close + 3) };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (PID 1 of a container may never reap re-parented daemons). */
function alive(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** Stop one daemon by its PID: TERM, wait up to `graceMs`, then KILL if still alive. */
async function stopDaemon(d: Daemon, graceMs = 10_000): Promise<void> {
  const pid = d.pid ?? readPid(d.pidFile);
  if (pid === undefined || !alive(pid)) return;
  // guard against a recycled PID: the process must still be the daemon we started
  const comm = procStat(pid)?.comm ?? '';
  if (!comm.startsWith(d.name.slice(0, 15))) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  while (alive(pid) && Date.now() - t0 < graceMs) await sleep(100);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    const t1 = Date.now();
    while (alive(pid) && Date.now() - t1 < 2000) await sleep(50);
  }
}

/** Last `n` lines of a file ('' when missing). */
function tail(file: string, n = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Start a daemon that forks: run it with stdout/stderr appended to `log`, wait for the parent to
 * exit and for its pid file.
 */
async function startDaemon(d: Daemon, bin: string, args: string[], env: NodeJS.ProcessEnv, ids?: { uid: number; gid: number }): Promise<void> {
  const fd = openSync(d.log, 'a');
  try {
    if (ids) chownSync(d.log, ids.uid, ids.gid);
    const child = spawn(bin, args, { env, stdio: ['ignore', fd, fd], ...(ids ?? {}) });
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    if (code !== 0) throw new Error(`${d.name} exited with code ${code}:\n${tail(d.log)}`);
  } finally {
    closeSync(fd);
  }
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000) {
    const pid = readPid(d.pidFile);
    if (pid !== undefined && alive(pid)) {
      d.pid = pid;
      return;
    }
    await sleep(50);
  }
  throw new Error(`${d.name} wrote no live pid in ${d.pidFile}:\n${tail(d.log)}`);
}

/** Whether a munge credential round-trips (munged is up and its key works). */
async function mungeWorks(): Promise<boolean> {
  try {
    await execFileP('/bin/sh', ['-c', 'munge -n | unmunge'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Numeric uid and gid of a user. */
function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/** Start munged as the munge user (dirs under /run, /var/log, /var/lib as the Debian service does). */
async function startMunged(): Promise<Daemon> {
  const ids = userIds('munge');
  for (const [dir, mode] of [['/run/munge', 0o755], ['/var/log/munge', 0o700], ['/var/lib/munge', 0o711]] as const) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, ids.uid, ids.gid);
    chmodSync(dir, mode);
  }
  const key = '/etc/munge/munge.key';
  if (!existsSync(key)) {
    const mungekey = which('mungekey');
    if (!mungekey) throw new Error(`${key} is missing and mungekey is not installed`);
    execFileSync(mungekey, ['--create', `--keyfile=${key}`], { uid: ids.uid, gid: ids.gid });
  }
  const d: Daemon = { name: 'munged', pidFile: '/run/munge/munged.pid', log: '/var/log/munge/munged.start.log' };
  await startDaemon(d, which('munged') as string, [], { ...process.env }, ids);
  const t0 = Date.now();
  while (!(await mungeWorks())) {
    if (Date.now() - t0 > 10_000) throw new Error(`munged started but munge -n | unmunge fails:\n${tail('/var/log/munge/munged.log')}`);
    await sleep(100);
  }
  return d;
}

/** Short host name (as slurmd matches NodeName). */
function shortHostname(): string {
  try {
    return execFileSync('hostname', ['-s'], { encoding: 'utf8' }).trim();
  } catch {
    return hostname().split('.')[0];
  }
}

/**
 * One cluster at a time on this machine: test files run side by side (`npm test` runs two at once),
 * and two clusters would share munged, which the one that started it stops when it ends. The lock
 * is a folder (mkdir is atomic) holding the owner's pid; a lock whose owner is gone is taken over.
 */
const CLUSTER_LOCK = join(tmpdir(), 'occupy-test-slurm.lock');

/** Wait (up to `timeoutMs`) until this process holds {@link CLUSTER_LOCK}; returns its release. */
function lockCluster(timeoutMs: number): Promise<() => void> {
  return lockFolder(CLUSTER_LOCK, timeoutMs, "another test's SLURM cluster");
}

/**
 * Start a one-node cluster with its files under `workDir/slurm` (created). Resolves once `sinfo`
 * shows the node idle (30 s), else stops what it started and throws with the daemons' log tails.
 */
export async function startSlurm(workDir: string, timeoutMs = 30_000): Promise<SlurmCluster> {
  const unlock = await lockCluster(900_000);
  try {
    return await startLocked(workDir, timeoutMs, unlock);
  } catch (err) {
    // a throw before the cluster's stop() exists (its stop releases the lock otherwise; twice is harmless)
    unlock();
    throw err;
  }
}

/** {@link startSlurm} once the lock is held; `unlock` is called when the cluster stops or setup fails. */
async function startLocked(workDir: string, timeoutMs: number, unlock: () => void): Promise<SlurmCluster> {
  const dir = join(workDir, 'slurm');
  for (const sub of ['state', 'spool', 'log', 'run']) mkdirSync(join(dir, sub), { recursive: true });
  const host = shortHostname();
  const memMiB = Math.floor((totalmem() / 2 ** 20) * 0.9);
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      '# written by test/helpers/slurm-cluster.ts: a throw-away one-node cluster',
      'ClusterName=occupytest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'AuthType=auth/munge',
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'run', 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'run', 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'SlurmctldDebug=info',
      'SlurmdDebug=info',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SlurmdParameters=config_overrides',
      'ReturnToService=2',
      'MpiDefault=none',
      'MailProg=/bin/true',
      'MinJobAge=300',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus().length} RealMemory=${memMiB} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'cgroup.conf'), 'CgroupPlugin=cgroup/v1\n');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };

  const ctld: Daemon = { name: 'slurmctld', pidFile: join(dir, 'run', 'slurmctld.pid'), log: join(dir, 'log', 'slurmctld.log') };
  const slurmd: Daemon = { name: 'slurmd', pidFile: join(dir, 'run', 'slurmd.pid'), log: join(dir, 'log', 'slurmd.log') };
  let munged: Daemon | undefined;
  const stop = async () => {
    // cancel what is still queued or running (a failed or timed-out test), so no task outlives the cluster
    if (ctld.pid !== undefined && alive(ctld.pid)) {
      try {
        const opts = { env, timeout: 10_000 };
        const ids = (await execFileP('squeue', ['-h', '-o', '%A'], opts)).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
        if (ids.length) {
          await execFileP('scancel', ids, opts);
          const t0 = Date.now();
          while ((await execFileP('squeue', ['-h'], opts)).stdout.trim() !== '' && Date.now() - t0 < 10_000) await sleep(250);
        }
      } catch {
        // best effort: the daemons are stopped below anyway
      }
    }
    try {
      await stopDaemon(slurmd);
      await stopDaemon(ctld);
      if (munged) await stopDaemon(munged);
    } finally {
      unlock();
    }
  };
  const logs = () =>
    [[ctld.log, 'slurmctld'], [slurmd.log, 'slurmd'], ...(munged ? [['/var/log/munge/munged.log', 'munged']] : [])]
      .map(([f, n]) => `--- ${n} (${f}):\n${tail(f)}`)
      .join('\n');
  try {
    if (!(await mungeWorks())) munged = await startMunged();
    await startDaemon(ctld, which('slurmctld') as string, ['-f', conf], env);
    await startDaemon(slurmd, which('slurmd') as string, ['-f', conf], env);
    const t0 = Date.now();
    let states = '';
    for (;;) {
      try {
        states = (await execFileP(which('sinfo') ?? 'sinfo', ['-h', '-o', '%T'], { env, timeout: 10_000 })).stdout.trim();
      } catch (err) {
        states = `sinfo failed: ${(err as Error).message.split('\n')[0]}`;
      }
      if (states === 'idle') break;
      if (Date.now() - t0 > timeoutMs) throw new Error(`the SLURM node is not idle after ${timeoutMs / 1000} s (sinfo: '${states}')\n${logs()}`);
      await sleep(250);
    }
  } catch (err) {
    await stop();
    if (err instanceof Error && !err.message.includes('--- slurmctld')) err.message += `\n${logs()}`;
    throw err;
  }
  return { env, dir, stop };
}

/** Wait until `squeue -h -j ID` lists nothing (the job and all its array tasks have ended). */
export async function waitForJob(jobId: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    let out: string;
    try {
      out = (await execFileP('squeue', ['-h', '-j', jobId], { env, timeout: 10_000 })).stdout.trim();
    } catch (err) {
      const e = err as { stderr?: string };
      // a job purged from slurmctld (MinJobAge) is reported as invalid: it has ended
      if (/Invalid job id/i.test(e.stderr ?? '')) return;
      throw err;
    }
    if (out === '') return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${jobId} still queued/running after ${timeoutMs / 1000} s:\n${out}`);
    await sleep(500);
  }
}

/** State of one job or array task, from `scontrol -o show job`. */
export interface JobState {
  jobId: string;
  /** Array task ID (or range of still-pending tasks), when an array job. */
  arrayTaskId?: string;
  /** e.g. COMPLETED, FAILED, TIMEOUT, CANCELLED. */
  state: string;
  /** ExitCode=code:signal. */
  exitCode?: string;
}

/** States of a job: one entry per array task (`scontrol -o show job ID`, one line per task). */
export async function jobStates(jobId: string, env: NodeJS.ProcessEnv): Promise<JobState[]> {
  const { stdout } = await execFileP('scontrol', ['-o', 'show', 'job', jobId], { env, timeout: 10_000 });
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(line)?.[1];
      return { jobId: field('JobId') ?? '', arrayTaskId: field('ArrayTaskId'), state: field('JobState') ?? 'UNKNOWN', exitCode: field('ExitCode') };
    });
}
