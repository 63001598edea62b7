/**
 * Running `occupy` for tests that check many command lines: as a child process, or in this
 * process (`main(argv)`, much faster) with the CLI's output captured. Neither rejects on a
 * non-zero exit.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { main } from '../../src/cli/index.js';
import { NODE_ARGS } from './cli.js';

const execFileP = promisify(execFile);

/** Exit code, output and wall time of one run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `occupy <args>` as a child process in `cwd` (timeout 120 s). */
export async function runChild(args: string[], cwd: string): Promise<CliRun> {
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [...NODE_ARGS, ...args], { cwd, timeout: 120_000, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr, ms: performance.now() - t0 };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '', ms: performance.now() - t0 };
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * `main(argv)` in this process with the CLI's (string) output captured; the test runner's own
 * binary reports pass through. Calls are queued and never overlap (they share stdout/stderr).
 */
export function runInProcess(argv: string[]): Promise<CliRun> {
  const next = queue.then(() => runNow(argv));
  queue = next.catch(() => undefined);
  return next;
}

async function runNow(argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write;
  const ew = process.stderr.write;
  process.stdout.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? ((stdout += c), true) : (ow as (...a: unknown[]) => boolean).call(process.stdout, c, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array, ...rest: unknown[]) => (typeof c === 'string' ? ((stderr += c), true) : (ew as (...a: unknown[]) => boolean).call(process.stderr, c, ...rest))) as typeof process.stderr.write;
  const t0 = performance.now();
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
  return { code, stdout, stderr, ms: performance.now() - t0 };
}
