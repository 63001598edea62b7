/**
 * Running the CLI from source as a child process, from any working folder.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from './shared-data.js';

/** The CLI entry point run from TypeScript sources. */
export const CLI = resolve(PROJECT_ROOT, 'test/helpers/run-cli.ts');
/** tsx's loader as an absolute URL, so `--import` works from any folder. */
export const TSX = import.meta.resolve('tsx');
/** Node arguments before the CLI's own arguments. */
export const NODE_ARGS = ['--import', TSX, CLI];

const execFileP = promisify(execFile);

/** Run `occupy <args>` from source; rejects with { code, stdout, stderr } on a non-zero exit. */
export function runCli(args: string[], cwd = PROJECT_ROOT, env?: NodeJS.ProcessEnv) {
  return execFileP(process.execPath, [...NODE_ARGS, ...args], { cwd, env, maxBuffer: 1 << 24 });
}
