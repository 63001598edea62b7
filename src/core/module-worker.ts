/**
 * Worker threads and processes whose entry is a module beside the caller, started the same way
 * whether the caller runs from the compiled `.js` (dist/) or from the TypeScript sources under tsx
 * (tests, development). From the sources, the entry is the compiled twin in dist/ when dist/ is the
 * build of the sources as they are now ({@link distIsFresh}): the same code, started without tsx
 * (which resolves and transforms every module of the worker again on each start: 0.4 CPU s more per
 * compute thread, 1 s more per GUI job process, measured in session 59). Otherwise, and always with
 * `OCCUPY_TEST_FROM_SOURCE=1`, the worker runs the sources through tsx.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The package's root folder (above src/ and dist/), from this module's place in either. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Whether `dist` holds the build of every source file tsc compiles (`src`, but the page's
 * src/web/app, which vite bundles): each `src/<f>.ts` has its `dist/<f>.js`, written after the
 * source was last changed. A source edited, added or renamed since the last build makes it false,
 * as does a missing `dist/cli/index.js`.
 * @param src the sources' folder (default the package's src/)
 * @param dist the build's folder (default the package's dist/)
 */
export function distIsFresh(src = join(ROOT, 'src'), dist = join(ROOT, 'dist')): boolean {
  if (!existsSync(join(dist, 'cli', 'index.js'))) return false;
  const walk = (dir: string): boolean => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (path === join(src, 'web', 'app')) continue;
        if (!walk(path)) return false;
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
        const out = join(dist, path.slice(src.length + 1).replace(/\.ts$/, '.js'));
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(path).mtimeMs) return false;
      }
    }
    return true;
  };
  return walk(src);
}

/** {@link distIsFresh} of the package, asked once per process (when a worker first starts from the sources). */
let packageDistFresh: boolean | undefined;

/** How to start a module as a worker thread or process. */
export interface ModuleEntry {
  /** The entry module. */
  url: URL;
  /** Whether it is a TypeScript source that needs tsx's loader (`--import tsx`, or its API in a thread). */
  tsx: boolean;
}

/**
 * The module `<entryName>` in the caller's folder as a worker's entry: beside a compiled caller its
 * `.js`; beside a source caller the compiled twin `dist/<path>.js` when the package's dist/ is fresh
 * ({@link distIsFresh}) and `OCCUPY_TEST_FROM_SOURCE` is not `1`, else its `.ts` through tsx.
 * @param callerUrl the caller's `import.meta.url`
 * @param entryName the entry module's file name without extension, e.g. `scale-worker`
 */
export function moduleEntry(callerUrl: string, entryName: string): ModuleEntry {
  const here = new URL(callerUrl);
  if (!here.pathname.endsWith('.ts')) return { url: new URL(`./${entryName}.js`, here), tsx: false };
  const source = new URL(`./${entryName}.ts`, here);
  const srcRoot = join(ROOT, 'src') + sep;
  const path = fileURLToPath(source);
  if (process.env.OCCUPY_TEST_FROM_SOURCE !== '1' && path.startsWith(srcRoot)) {
    packageDistFresh ??= distIsFresh();
    const built = join(ROOT, 'dist', path.slice(srcRoot.length).replace(/\.ts$/, '.js'));
    if (packageDistFresh && existsSync(built)) return { url: pathToFileURL(built), tsx: false };
  }
  return { url: source, tsx: true };
}

/** Node's arguments that start {@link moduleEntry}'s entry in a child process (tsx's loader as an absolute URL, so it resolves from any folder). */
export function entryExecArgv(entry: ModuleEntry): string[] {
  return entry.tsx ? ['--import', import.meta.resolve('tsx')] : [];
}

/**
 * Start a worker thread on the module `<entryName>` in the caller's folder ({@link moduleEntry}).
 * A `.ts` entry first registers tsx in the thread, because Node 20 does not pass `--import` on to
 * worker threads.
 * @param callerUrl the caller's `import.meta.url`
 * @param entryName the entry module's file name without extension, e.g. `scale-worker`
 * @returns the started Worker (errors arrive on its `error` event)
 */
export function startModuleWorker(callerUrl: string, entryName: string): Worker {
  const entry = moduleEntry(callerUrl, entryName);
  if (entry.tsx) {
    const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    return new Worker(`import(${api}).then((m) => { m.register(); return import(${JSON.stringify(entry.url.href)}); })`, { eval: true });
  }
  return new Worker(entry.url);
}
