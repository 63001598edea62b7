/**
 * The GUI's local HTTP server (`occupy gui`): the bundled page and the API of `src/web/api.ts`,
 * bound to 127.0.0.1 only. Requests whose Host is not this server (DNS rebinding) and state
 * changes from other origins are refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createWriteStream } from 'node:fs';
import { realpath, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { OCCUPY_VERSION } from '../../occupancy/estimate-files.js';
import type { JobStarted, ServerInfo } from '../api.js';
import { listFolder, serveMapFile } from './files.js';
import { COMMON_HEADERS, HttpError, readJsonObject, sendError, sendJson } from './http-util.js';
import { JobManager } from './jobs.js';
import { isInside, relativeToRoot, sanitizeUploadName } from './paths.js';
import { Session } from './session.js';
import { extractSlice, parseSliceQuery, sliceBytes } from './slices.js';
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
}

/** A running GUI server. */
export interface GuiServer {
  /** `http://127.0.0.1:<port>/`. */
  url: string;
  port: number;
  /** Cancel running jobs, close every connection and remove the session's temporary files. */
  close(): Promise<void>;
}

/** Largest accepted upload, bytes. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

/** A transform that fails once more than `limit` bytes went through. */
function byteLimit(limit: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > limit) cb(new HttpError(413, `upload too large (limit ${limit} bytes)`));
      else cb(null, chunk);
    },
  });
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
  const session = await Session.create(options.root);
  const jobs = new JobManager(session);
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
  const localOrigin = /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?$/;

  async function api(req: IncomingMessage, res: ServerResponse, seg: string[], query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    switch (true) {
      case method === 'GET' && seg.length === 2 && seg[1] === 'info': {
        const info: ServerInfo = { tool: 'occupy-ts', version: OCCUPY_VERSION, root: session.root };
        if (initialMapId !== undefined) info.initialMap = session.get(initialMapId).info;
        return sendJson(res, 200, info);
      }
      case method === 'GET' && seg.length === 2 && seg[1] === 'files':
        return sendJson(res, 200, await listFolder(session.root, query.get('dir') ?? ''));
      case method === 'POST' && seg.length === 2 && seg[1] === 'open': {
        const body = await readJsonObject(req);
        return sendJson(res, 200, (await session.open(body.path)).info);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'upload': {
        const rawName = query.get('name');
        if (!rawName) throw new HttpError(400, 'upload needs ?name=<file name>');
        const name = sanitizeUploadName(rawName);
        const declared = Number(req.headers['content-length']);
        if (Number.isFinite(declared) && declared > MAX_UPLOAD_BYTES) throw new HttpError(413, `upload too large (limit ${MAX_UPLOAD_BYTES} bytes)`);
        const { mapId, path } = await session.reserveUpload(name);
        try {
          await pipeline(req, byteLimit(MAX_UPLOAD_BYTES), createWriteStream(path, { flags: 'wx' }));
        } catch (err) {
          await rm(path, { force: true });
          throw err instanceof HttpError ? err : new HttpError(400, `upload failed: ${(err as Error).message}`);
        }
        return sendJson(res, 200, (await session.addUpload(mapId, path, name)).info);
      }
      case method === 'POST' && seg.length === 2 && seg[1] === 'estimate': {
        const body = await readJsonObject(req);
        if (typeof body.mapId !== 'string') throw new HttpError(400, 'mapId must be a string');
        const job = await jobs.start(session.get(body.mapId), body.settings);
        const answer: JobStarted = { jobId: job.id };
        return sendJson(res, 200, answer);
      }
      case method === 'GET' && seg.length === 4 && seg[1] === 'jobs' && seg[3] === 'events':
        return jobs.subscribe(jobs.get(seg[2]), req, res);
      case method === 'DELETE' && seg.length === 3 && seg[1] === 'jobs':
        return sendJson(res, 200, { cancelled: await jobs.cancel(seg[2]) });
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'slice': {
        const map = session.get(seg[2]);
        const q = parseSliceQuery(query, map.input.shape);
        const vol = await session.layerVolume(map, q.layer);
        const slice = extractSlice(vol, map.input.shape, q.axis, q.index);
        const bytes = sliceBytes(slice);
        res.writeHead(200, {
          ...COMMON_HEADERS,
          'Content-Type': 'application/octet-stream',
          'Content-Length': bytes.length,
          'X-Slice-Width': String(slice.width),
          'X-Slice-Height': String(slice.height),
          'X-Slice-Min': String(slice.min),
          'X-Slice-Max': String(slice.max),
          'Access-Control-Expose-Headers': 'X-Slice-Width, X-Slice-Height, X-Slice-Min, X-Slice-Max',
        });
        res.end(bytes);
        return;
      }
      case (method === 'GET' || method === 'HEAD') && seg.length === 5 && seg[1] === 'maps' && seg[3] === 'files':
        return serveMapFile(req, res, session.get(seg[2]), seg[4], query.get('download') === '1');
      case method === 'GET' && seg.length === 4 && seg[1] === 'maps' && seg[3] === 'result': {
        const map = session.get(seg[2]);
        if (!map.result) throw new HttpError(404, `map '${seg[2]}' has no estimate result yet`);
        return sendJson(res, 200, map.result);
      }
      default:
        throw new HttpError(404, `no route ${method} /${seg.join('/')}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!localHost.test(host)) throw new HttpError(403, 'this server only answers requests addressed to 127.0.0.1 or localhost');
    const origin = req.headers.origin;
    if (origin !== undefined && req.method !== 'GET' && req.method !== 'HEAD' && !localOrigin.test(origin.toLowerCase())) {
      throw new HttpError(403, 'requests from other origins are refused');
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    if (rawPath === '/api' || rawPath.startsWith('/api/')) return api(req, res, pathSegments(rawPath), query);
    return serveStatic(req, res, rawPath, staticDir);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      req.resume();
      sendError(res, err);
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

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
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
