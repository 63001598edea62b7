/**
 * The GUI's local HTTP server (`occupy gui`): the bundled page and the API of `src/web/api.ts`,
 * bound to 127.0.0.1 only. Requests whose Host is not this machine (DNS rebinding), requests
 * from any origin but the page's own, and API requests without the session token (printed in
 * the URL at start) are refused. Uploads are streamed to the session folder (capped), maps are
 * read in worker threads, and estimates wait in a queue while as many run as there are cores.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream } from 'node:fs';
import { readFile, realpath, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { OCCUPY_VERSION } from '../../jobs/estimate-job.js';
import { SESSION_TOKEN_HEADER, SESSION_TOKEN_PARAM, type JobStarted, type ServerInfo } from '../api.js';
import { listFolder, serveMapFile } from './files.js';
import { fetchEmdbMap, normalizeEmdbId } from '../../io/emdb/index.js';
import { findChimerax, scriptWithAbsolutePaths, showInChimerax } from '../../jobs/chimerax-launch.js';
import { COMMON_HEADERS, HttpError, readJsonObject, sendError, sendJson } from './http-util.js';
import { JobManager, type JobManagerOptions } from './jobs.js';
import { isInside, relativeToRoot, sanitizeUploadName } from './paths.js';
import { Session } from './session.js';
import { extractSlice, maskBits, parseSliceQuery, sliceBytes } from './slices.js';
import { defaultStaticDir, serveStatic } from './static.js';

/** Options of {@link startGuiServer}. */
export interface GuiServerOptions {
  /** Folder the file browser shows; nothing outside it can be reached. */
  root: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** A map to open at start: a path relative to the current folder or to the root, inside the root. */
  initialMapPath?: string;
  /** Folder of the bundled page (default: `<package root>/dist/web`). */
  staticDir?: string;
  /** Largest accepted upload, bytes (default {@link MAX_UPLOAD_BYTES}); larger ones get 413. */
  maxUploadBytes?: number;
  /** Estimates run at once (default: `os.availableParallelism()`); later ones wait in a queue. */
  maxConcurrentJobs?: number;
  /** Bytes of map volumes kept in memory for slices (default 1 GiB). */
  volumeCacheBytes?: number;
  /** Folder for the session folder, where stale session folders are also removed (default `os.tmpdir()`). */
  tempParent?: string;
  /** EMDB downloads (`POST /api/emdb`): archive root and cache folder (defaults as `occupy --emdb`). */
  emdb?: { baseUrl?: string; cacheDir?: string };
  /**
   * For tests: awaited in a finished job's saving chain at its commit point (see
   * `JobManagerOptions.finishingHook`), to act (cancel, reload the page, stop the server) at a known moment.
   */
  finishingHook?: JobManagerOptions['finishingHook'];
}

/** A running GUI server. */
export interface GuiServer {
  /** `http://127.0.0.1:<port>/` (the API also needs {@link token}). */
  url: string;
  /** The URL to open: `http://127.0.0.1:<port>/#token=<token>` (the page reads the token from it). */
  pageUrl: string;
  /** The session token every `/api` request must carry. */
  token: string;
  port: number;
  /** Counters: estimate workers running now, the most at once, started in all, jobs waiting; bytes of cached volumes. */
  stats(): { running: number; peakRunning: number; started: number; queued: number; cachedBytes: number };
  /** Cancel running jobs, close every connection and remove the session's temporary files. */
  close(): Promise<void>;
}

/** Largest accepted upload, bytes. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** A size in MiB or GiB for messages. */
function sizeText(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${+(bytes / 1024 ** 3).toFixed(2)} GiB` : `${+(bytes / 1024 ** 2).toFixed(2)} MiB`;
}

/** The 413 error of an upload over the limit. */
function uploadTooLarge(name: string, limit: number): HttpError {
  return new HttpError(413, `'${name}' is larger than the upload limit of ${sizeText(limit)}: open it with the file browser instead, or start occupy gui with a larger --max-upload`);
}

/** A transform that fails with `error()` once more than `limit` bytes went through. */
function byteLimit(limit: number, error: () => Error): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > limit) cb(error());
      else cb(null, chunk);
    },
  });
}

/**
 * Refuse query parameters other than `allowed` (and the token).
 * @throws HttpError 400 naming the first unknown parameter
 */
function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  for (const key of query.keys()) {
    if (key !== SESSION_TOKEN_PARAM && !allowed.includes(key)) throw new HttpError(400, `unknown query parameter '${key}'${allowed.length ? ` (known: ${allowed.join(', ')})` : ''}`);
  }
}

/** Answer 200 with binary `bytes` and the headers `described` (which the page may read). */
function sendBinary(res: ServerResponse, bytes: Buffer, described: Record<string, string>): void {
  res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length, ...described, 'Access-Control-Expose-Headers': Object.keys(described).join(', ') });
  res.end(bytes);
}

/** Whether two strings are equal, in time independent of where they differ. */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Decoded segments of a URL path. */
function pathSegments(rawPath: string): string[] {
  try {
    return rawPath.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
}

/** Open the map given on the command line: relative to the current folder or to the root, inside the root. */
async function openInitialMap(session: Session, path: string): Promise<string> {
  for (const candidate of [resolve(path), resolve(session.root, path)]) {
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      continue;
    }
    if (isInside(session.root, real)) return (await session.open(relativeToRoot(session.root, real))).info.mapId;
  }
  throw new Error(`map '${path}' not found inside the root folder '${session.root}' (use --root to choose the folder)`);
}

/**
 * Start the GUI server on 127.0.0.1 (never on other interfaces).
 *
 * @returns the URL, the port and `close()`
 * @throws Error when the root is not a folder, the initial map is missing or outside the root or
 *   not a map, or the port is taken
 */
export async function startGuiServer(options: GuiServerOptions): Promise<GuiServer> {
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD_BYTES;
  if (!(Number.isSafeInteger(maxUpload) && maxUpload > 0)) throw new RangeError(`the upload limit (--max-upload) must be a whole number of bytes > 0 below 2^53, got ${maxUpload}`);
  const session = await Session.create(options.root, { volumeCacheBytes: options.volumeCacheBytes, tempParent: options.tempParent });
  let jobs: JobManager;
  try {
    jobs = new JobManager(session, { maxRunning: options.maxConcurrentJobs, finishingHook: options.finishingHook });
  } catch (err) {
    await session.dispose();
    throw err;
  }
  const userText = (t: string) => session.userText(t);
  const token = randomBytes(24).toString('base64url');
  const staticDir = options.staticDir ?? defaultStaticDir();
  let initialMapId: string | undefined;
  try {
    if (options.initialMapPath !== undefined) initialMapId = await openInitialMap(session, options.initialMapPath);
  } catch (err) {
    await session.dispose();
    throw err instanceof HttpError ? new Error(err.message) : err;
  }
  // Host must name this machine (DNS rebinding: a foreign host name resolving to 127.0.0.1 is
  // refused); any port, so a development proxy (vite on another local port) works.
  const localHost = /^(127\.0\.0\.1|localhost)(:\d{1,5})?$/;
  // the page's own origins, set once the port is known
  let ownOrigins: readonly string[] = [];

  async function api(req: IncomingMessage, res: ServerResponse, seg: string[], query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    switch (true) {
      case method === 'GET' && seg.length === 2 && seg[1] === 'info': {
        checkQuery(query, []);
        const info: ServerInfo = { tool: 'occupy-ts', version: OCCUPY_VERSION, root: session.root, chimerax: findChimerax() !== undefined };
        if (initialMapId !== undefined) info.initialMap = session.get(initialMapId).info;
        return sendJson(res, 200, info);
      }
      case method === 'GET' && seg.length === 2 && seg[1] === 'files':
        checkQuery(query, ['dir']);
        return sendJson(res, 200, await listFolder(session.root, query.get('dir') ?? ''));
      case method === 'POST' && seg.length === 2 && seg[1] === 'open': {
        checkQuery(query, []);
        const body = await readJsonObject(req, ['path']);
        return sendJson(res, 200, (await session.open(body.path)).info);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'upload': {
        checkQuery(query, ['name']);
        const rawName = query.get('name');
        if (!rawName) throw new HttpError(400, 'upload needs ?name=<file name>');
        const name = sanitizeUploadName(rawName);
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxUpload) throw uploadTooLarge(name, maxUpload);
        // straight to a file of the session folder, never the whole body in memory
        const { mapId, path } = await session.reserveUpload(name);
        try {
          // the request is not destroyed on a failure, so that the 413 answer can still be sent
          await pipeline(req.iterator({ destroyOnReturn: false }), byteLimit(maxUpload, () => uploadTooLarge(name, maxUpload)), createWriteStream(path, { flags: 'wx' }));
        } catch (err) {
          await session.discardUpload(mapId);
          if (err instanceof HttpError) throw err;
          const code = (err as NodeJS.ErrnoException).code;
          throw new HttpError(code === 'ENOSPC' || code === 'EDQUOT' ? 507 : 400, `upload of '${name}' failed: ${code === 'ENOSPC' || code === 'EDQUOT' ? 'no space left on the disk of the GUI server' : 'the transfer was interrupted'}`);
        }
        return sendJson(res, 200, (await session.addUpload(mapId, path, name)).info);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'estimate': {
        checkQuery(query, []);
        const body = await readJsonObject(req, ['mapId', 'settings', 'outputFolder']);
        if (typeof body.mapId !== 'string') throw new HttpError(400, 'no map is open: open a map first');
        const job = await jobs.start(session.get(body.mapId), body.settings, body.outputFolder);
        const answer: JobStarted = { jobId: job.id };
        return sendJson(res, 200, answer);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'emdb': {
        checkQuery(query, []);
        const body = await readJsonObject(req, ['id']);
        // a string or a whole number only (an array or object is not an ID, and may not even print)
        const raw = typeof body.id === 'string' || (typeof body.id === 'number' && Number.isInteger(body.id)) ? String(body.id) : undefined;
        let id: string;
        try {
          if (raw === undefined) throw new Error('not a string');
          id = normalizeEmdbId(raw);
        } catch {
          throw new HttpError(400, `${raw === undefined ? `the EMDB ID must be text or a whole number, got ${body.id === null ? 'null' : Array.isArray(body.id) ? 'a list' : typeof body.id}` : `'${raw}' is not an EMDB ID`} (4–5 digits, e.g. 1832 or EMD-1832)`);
        }
        let path: string;
        try {
          path = await fetchEmdbMap(id, { baseUrl: options.emdb?.baseUrl, cacheDir: options.emdb?.cacheDir, retries: 1 });
        } catch (err) {
          throw new HttpError(502, `could not fetch EMD-${id}: ${(err as Error).message}`);
        }
        return sendJson(res, 200, (await session.addEmdb(id, path)).info);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'halfmaps': {
        checkQuery(query, []);
        const job = await jobs.startHalfMaps(req);
        const answer: JobStarted = { jobId: job.id };
        return sendJson(res, 200, answer);
      }
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'halfmaps': {
        checkQuery(query, []);
        const map = session.get(seg[2]);
        if (!map.halfMaps) throw new HttpError(404, `'${map.info.name}' has no half-map result yet`);
        return sendJson(res, 200, map.halfMaps);
      }
      case method === 'GET' && seg.length === 3 && seg[1] === 'jobs':
        checkQuery(query, []);
        return sendJson(res, 200, jobs.status(jobs.get(seg[2])));
      case method === 'GET' && seg.length === 4 && seg[1] === 'jobs' && seg[3] === 'events':
        checkQuery(query, []);
        return jobs.subscribe(jobs.get(seg[2]), req, res);
      case method === 'DELETE' && seg.length === 3 && seg[1] === 'jobs':
        checkQuery(query, []);
        return sendJson(res, 200, await jobs.cancel(seg[2]));
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'slice': {
        checkQuery(query, ['layer', 'axis', 'index', 'run']);
        const map = session.get(seg[2]);
        const q = parseSliceQuery(query, map.info.box);
        const vol = await session.layerVolume(map, q.layer, q.run);
        const slice = extractSlice(vol, map.info.box, q.axis, q.index);
        const bytes = sliceBytes(slice);
        return sendBinary(res, bytes, { 'X-Slice-Width': String(slice.width), 'X-Slice-Height': String(slice.height), 'X-Slice-Min': String(slice.min), 'X-Slice-Max': String(slice.max) });
      }
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'mask': {
        // the half-map run's mask, whole, in one answer (the 3D view's grey outside it)
        checkQuery(query, []);
        const map = session.get(seg[2]);
        if (map.layerFiles.mask === undefined) throw new HttpError(404, `'${map.info.name}' has no half-map run with a mask`);
        const bytes = maskBits(await session.layerVolume(map, 'mask'), map.info.box);
        return sendBinary(res, bytes, { 'X-Mask-Shape': map.info.box.join(',') });
      }
      case (method === 'GET' || method === 'HEAD') && seg.length === 5 && seg[1] === 'maps' && seg[3] === 'files':
        checkQuery(query, ['download']);
        return serveMapFile(req, res, session.get(seg[2]), seg[4], query.get('download') === '1');
      case method === 'POST' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'chimerax': {
        checkQuery(query, []);
        const map = session.get(seg[2]);
        const cxc = map.result?.files.find((f) => /^chimX_.*\.cxc$/.test(f) && !f.endsWith('_silent.cxc'));
        if (!cxc) throw new HttpError(404, `'${map.info.name}' has no ChimeraX script yet: run an estimate first`);
        if (!findChimerax()) throw new HttpError(404, 'ChimeraX was not found on this machine (PATH or the usual install places)');
        // a copy of the script naming the maps by their paths on this machine (the input is not next to the outputs)
        const text = await readFile(join(map.outputDir, cxc), 'utf8');
        const local = join(map.outputDir, cxc.replace(/\.cxc$/, '_local.cxc'));
        await writeFile(local, scriptWithAbsolutePaths(text, map.outputDir, basename(map.inputPath), map.inputPath));
        showInChimerax(local);
        return sendJson(res, 200, { launched: true, message: `ChimeraX opened ${cxc}` });
      }
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'result': {
        checkQuery(query, []);
        const map = session.get(seg[2]);
        if (!map.result) throw new HttpError(404, `'${map.info.name}' has no estimate result yet`);
        return sendJson(res, 200, map.result);
      }
      default:
        throw new HttpError(404, `no route ${method} /${seg.join('/')}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!localHost.test(host)) throw new HttpError(403, 'this server only answers requests addressed to 127.0.0.1 or localhost');
    // a browser names the page that sent a request: only this server's own page is answered
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins.includes(origin.toLowerCase())) throw new HttpError(403, 'requests from other web pages are refused: use the GUI page itself');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    if (rawPath === '/api' || rawPath.startsWith('/api/')) {
      const header = req.headers[SESSION_TOKEN_HEADER.toLowerCase()];
      const given = typeof header === 'string' ? header : query.get(SESSION_TOKEN_PARAM) ?? '';
      if (!sameSecret(given, token)) throw new HttpError(403, 'missing or wrong session token: open the GUI with the full URL that occupy gui printed (it ends with #token=…)');
      return api(req, res, pathSegments(rawPath), query);
    }
    return serveStatic(req, res, rawPath, staticDir);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError && err.status === 413) {
        // do not read the rest of an oversized body: answer, then close the connection
        res.setHeader('Connection', 'close');
        res.once('finish', () => req.destroy());
      } else req.resume();
      sendError(res, err, userText);
    });
  });
  // event streams stay open; uploads of large maps may be slow
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;

  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen({ port: options.port ?? 0, host: '127.0.0.1', exclusive: true }, () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (err) {
    await session.dispose();
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code === 'EADDRINUSE' ? `port ${options.port} is already in use: choose another with --port, or omit it` : `cannot start the GUI server: ${e.message}`);
  }
  const port = (server.address() as AddressInfo).port;
  ownOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    pageUrl: `http://127.0.0.1:${port}/#token=${token}`,
    token,
    port,
    stats: () => ({ ...jobs.stats, cachedBytes: session.cachedBytes }),
    close() {
      closing ??= (async () => {
        await jobs.closeAll();
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        await closed;
        await session.dispose();
      })();
      return closing;
    },
  };
}
