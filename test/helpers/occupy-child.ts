/**
 * `occupy` from source as a child process whose handle the test keeps (to signal it), for tests of
 * signals and concurrent runs.
 */
import { spawn } from 'node:child_process';
import { NODE_ARGS } from './cli.js';
import { PROJECT_ROOT } from './shared-data.js';

/** Outcome of a CLI child process. */
export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `occupy <args>` from source as a child process; never rejects. `.child` is the process. */
export function occupy(args: string[], cwd = PROJECT_ROOT): Promise<Run> & { child: ReturnType<typeof spawn> } {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const p = new Promise<Run>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr }))) as Promise<Run> & { child: typeof child };
  p.child = child;
  return p;
}
