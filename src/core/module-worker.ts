/**
 * Worker threads whose entry is a module beside the caller, started the same way whether the
 * caller runs from the compiled `.js` (dist/) or from the TypeScript sources under tsx (tests).
 */
import { Worker } from 'node:worker_threads';

/**
 * Start a worker thread on the module `<entryName>.js` (or `.ts`) in the caller's folder.
 * From `.ts` sources the worker first registers tsx itself, because Node 20 does not pass
 * `--import` on to worker threads.
 * @param callerUrl the caller's `import.meta.url`
 * @param entryName the entry module's file name without extension, e.g. `scale-worker`
 * @returns the started Worker (errors arrive on its `error` event)
 */
export function startModuleWorker(callerUrl: string, entryName: string): Worker {
  const here = new URL(callerUrl);
  if (here.pathname.endsWith('.ts')) {
    const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const entry = JSON.stringify(new URL(`./${entryName}.ts`, here).href);
    return new Worker(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true });
  }
  return new Worker(new URL(`./${entryName}.js`, here));
}
