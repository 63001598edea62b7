/**
 * Running the CLI as a child process, from any working folder: the compiled `dist/` build when it
 * is the build of the sources as they are now (`npm ci` and `npm run build` make it; CI's clean
 * clone always has it), else the TypeScript sources through tsx. The two run the same code; the
 * build starts about a second of CPU time sooner per process (tsx resolves and transforms every
 * module of the CLI on each start), which adds up over the hundreds of runs of the suite.
 * `OCCUPY_TEST_FROM_SOURCE=1` always runs the sources.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from './shared-data.js';
import { distIsFresh } from '../../src/core/module-worker.js';

/** The CLI entry point run from TypeScript sources. */
export const CLI = resolve(PROJECT_ROOT, 'test/helpers/run-cli.ts');
/** tsx's loader as an absolute URL, so `--import` works from any folder. */
export const TSX = import.meta.resolve('tsx');
/** The entry point of the compiled CLI (`dist/cli/index.js`'s `main`), as the package installs it. */
export const BUILT_CLI = resolve(PROJECT_ROOT, 'bin/occupy.js');

/**
 * Whether `dist/` holds the build of every source file tsc compiles (src/, but the page's
 * src/web/app, which vite bundles): src/core/module-worker.ts's, which also starts worker threads
 * and processes from dist/ when it is fresh.
 */
export { distIsFresh };

/** Whether the child processes run the compiled build (see the module's note). */
export const RUNS_BUILD = process.env.OCCUPY_TEST_FROM_SOURCE !== '1' && distIsFresh();
/** Node arguments before the CLI's own arguments. */
export const NODE_ARGS = RUNS_BUILD ? [BUILT_CLI] : ['--import', TSX, CLI];

const execFileP = promisify(execFile);

/** Run `occupy <args>` (the build or the sources, {@link NODE_ARGS}); rejects with { code, stdout, stderr } on a non-zero exit. */
export function runCli(args: string[], cwd = PROJECT_ROOT, env?: NodeJS.ProcessEnv) {
  return execFileP(process.execPath, [...NODE_ARGS, ...args], { cwd, env, maxBuffer: 1 << 24 });
}
