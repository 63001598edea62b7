/**
 * The tool's version, read from `package.json` at run time (never a copy in the sources), so that
 * every log, label and summary names the release that wrote it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitBuild } from './git-build.js';

/**
 * The `version` field of the package's own `package.json` (two folders above this module, both in
 * `src/core` and in the built `dist/core`).
 * @throws Error when the file cannot be read or has no version (a broken installation)
 */
function readPackageVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown };
  if (typeof pkg.version !== 'string' || pkg.version === '') throw new Error(`no version in ${url.pathname}`);
  return pkg.version;
}

/** Version of occupy-ts, from `package.json`. */
export const TOOL_VERSION: string = readPackageVersion();

let build: { value: string | undefined } | undefined;

/**
 * The commit of the package folder when it is a git checkout (`<short hash>`, `+modified` when a
 * tracked file was changed), else undefined (an npm install): read once, when first asked (by the
 * first run record), not at start-up.
 */
export function toolBuild(): string | undefined {
  build ??= { value: gitBuild(fileURLToPath(new URL('../../', import.meta.url))) };
  return build.value;
}
