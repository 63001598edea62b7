/**
 * The bundled page (`dist/web`): static files with their content types, `/` → `index.html`, and a
 * short "run npm run build" page when the bundle is missing. Only local resources: the page gets
 * a Content-Security-Policy that allows nothing but this server.
 */
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMON_HEADERS, HttpError } from './http-util.js';
import { isInside } from './paths.js';

/** Content types by file extension (lower case, with the dot). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.mrc': 'application/octet-stream',
  '.cxc': 'text/plain; charset=utf-8',
};

/**
 * Content-Security-Policy of the page: scripts, styles, images, fonts, workers and connections
 * only from this server (plus `blob:`/`data:` URLs the page makes itself). `'unsafe-eval'` is
 * allowed because plotting and 3D libraries compile expressions; no remote origin is.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** `<package root>/dist/web`, from this module's location (works from `src/` with tsx and from `dist/`). */
export function defaultStaticDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..', 'dist', 'web');
}

/** Content type of a file name (octet-stream when unknown). */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

const MISSING_BUNDLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>occupy GUI: page not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>The GUI page is not built</h1>
<p>The browser bundle (<code>dist/web</code>) is missing. In the occupy-ts folder, <b>run npm run build</b>, then restart <code>occupy gui</code>.</p>
</body></html>
`;

/**
 * Serve a static file of the bundle for a GET/HEAD request (the raw, undecoded URL path).
 * @throws HttpError 400/403/404 for bad or missing paths
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, rawPath: string, staticDir: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(404, `no route ${req.method} ${rawPath}`);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw new HttpError(400, 'malformed URL');
  }
  if (path.includes('\0')) throw new HttpError(403, 'path refused: it contains a NUL byte');
  if (path.split(/[\\/]+/).some((s) => s === '..' || s.includes('%2e%2e') || s.includes('%2E%2E'))) throw new HttpError(403, "path refused: '..' is not allowed");
  if (path === '/' || path === '') path = '/index.html';
  const indexPath = join(staticDir, 'index.html');
  if (path === '/index.html' && !existsSync(indexPath)) {
    res.writeHead(500, { ...COMMON_HEADERS, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(req.method === 'HEAD' ? undefined : MISSING_BUNDLE_PAGE);
    return;
  }
  const target = resolve(staticDir, '.' + path);
  let real: string;
  let dirReal: string;
  try {
    dirReal = await realpath(staticDir);
    real = await realpath(target);
  } catch {
    throw new HttpError(404, `not found: ${path}`);
  }
  if (!isInside(dirReal, real)) throw new HttpError(403, 'path refused: outside the page bundle');
  const st = await stat(real);
  if (!st.isFile()) throw new HttpError(404, `not found: ${path}`);
  const type = contentTypeOf(real);
  const headers: Record<string, string | number> = { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': st.size };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = PAGE_CSP;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const stream = createReadStream(real);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      done();
    });
    stream.pipe(res);
  });
}
