/**
 * A GUI server for tests. `startGuiServer`: from the compiled `dist/` build when the CLI's child processes run
 * it ({@link RUNS_BUILD}: dist/ is the build of the sources as they are), else from the sources.
 * The server forks a worker process per job; from dist/, or from the sources while dist/ is fresh
 * (src/core/module-worker.ts), each job's worker starts without tsx, about a second of CPU time
 * sooner than through it. The same code runs either way. A test that also builds the server's Session
 * or JobManager itself (from src/) keeps them apart from this server: the two never share objects.
 * `startGuiTestServer`: a fresh root (filled by the caller) and session parent folder, requests
 * with the session token, and a job run to its end. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RUNS_BUILD } from './cli.js';
import { PROJECT_ROOT } from './shared-data.js';
import { readJobEvents } from './job-events.js';
import type * as ServerModule from '../../src/web/server/server.js';
import type { GuiServer } from '../../src/web/server/server.js';
import type { JobEvent } from '../../src/web/api.js';

export type { GuiServer, GuiServerOptions } from '../../src/web/server/server.js';

const server: typeof ServerModule = RUNS_BUILD
  ? ((await import(pathToFileURL(resolve(PROJECT_ROOT, 'dist/web/server/server.js')).href)) as typeof ServerModule)
  : await import('../../src/web/server/server.js');

/** The GUI server's `startGuiServer` (src/web/server/server.ts), from the build or the sources. */
export const startGuiServer: typeof ServerModule.startGuiServer = server.startGuiServer;

/** What {@link startGuiTestServer} gives. */
export interface GuiTestServer {
  /** The served root. */
  root: string;
  /** Where the server makes its session folder. */
  tempParent: string;
  server: GuiServer;
  /** A request to the API with the session token. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** A POST of a JSON body with the session token. */
  postJson(path: string, body: unknown): Promise<Response>;
  /** Start a job (`api/estimate`, `api/halfmaps`) and read its events to the end, asserted `done`. */
  runJob(path: string, body: unknown): Promise<JobEvent[]>;
  /** Stop the server and remove both folders. */
  close(): Promise<void>;
}

/**
 * Start a GUI server on a new root, after `fill` has written the test's inputs there.
 * @param prefix the temporary folders' name prefix
 */
export async function startGuiTestServer(prefix: string, fill: (root: string) => Promise<void>): Promise<GuiTestServer> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  const tempParent = await mkdtemp(join(tmpdir(), `${prefix}temp-`));
  await fill(root);
  const server = await startGuiServer({ root, port: 0, staticDir: root, tempParent });
  const call = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), { ...init, headers: { 'X-Occupy-Token': server.token, ...(init?.headers as Record<string, string> | undefined) } });
  const postJson = (path: string, body: unknown) => call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return {
    root, tempParent, server, call, postJson,
    async runJob(path, body) {
      const res = await postJson(path, body);
      assert.equal(res.status, 200, await res.clone().text());
      const { jobId } = (await res.json()) as { jobId: string };
      const ev = await readJobEvents(await call(`api/jobs/${jobId}/events`));
      assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
      return ev;
    },
    async close() {
      await server.close();
      await rm(root, { recursive: true, force: true });
      await rm(tempParent, { recursive: true, force: true });
    },
  };
}
