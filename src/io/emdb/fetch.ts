import type { WriteStream } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { rootCertificates } from 'node:tls';
import { verifyGzippedMap } from './verify.js';
import { acquireCommitLock } from '../../core/commit-lock.js';
import { fsErrorReason } from '../../core/fs-error-reason.js';
import { statRegularFile, unreadableFileError } from '../../core/regular-file.js';
import { makeOutputFolder } from '../../core/output-folder.js';

/** Default EMDB archive root: the EBI FTP site over HTTPS. */
export const DEFAULT_EMDB_BASE_URL = 'https://ftp.ebi.ac.uk/pub/databases/emdb/structures';

/** Environment variable overriding the archive root (same layout as {@link DEFAULT_EMDB_BASE_URL}). */
export const EMDB_URL_ENV = 'OCCUPY_EMDB_URL';

/** Environment variable naming a PEM file with an extra CA certificate (private mirrors). */
export const EMDB_CA_ENV = 'OCCUPY_EMDB_CA';

/** Most redirects followed per request. */
const MAX_REDIRECTS = 5;
/** A connection idle for this long is dropped (and the download retried). */
const SOCKET_TIMEOUT_MS = 60_000;
/** Error codes of transient network failures worth a retry. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'ERR_STREAM_PREMATURE_CLOSE']);
/** Error codes of TLS certificate failures (reported with a hint, never retried). */
const CERT_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID/;

/** Options of {@link fetchEmdbMap}. */
export interface FetchEmdbOptions {
  /**
   * Cache folder holding `emd_<id>.map.gz`; created if missing. Default
   * `$XDG_CACHE_HOME/occupy-ts/emdb` (when XDG_CACHE_HOME is an absolute path) or
   * `~/.cache/occupy-ts/emdb` (see {@link defaultEmdbCacheDir}).
   */
  cacheDir?: string;
  /**
   * Archive root with the EMDB layout `<baseUrl>/EMD-<id>/map/emd_<id>.map.gz` (http or https).
   * Default: env `OCCUPY_EMDB_URL`, else {@link DEFAULT_EMDB_BASE_URL}.
   */
  baseUrl?: string;
  /**
   * Called as bytes arrive: `receivedBytes` of the compressed file so far (including a resumed
   * part), `totalBytes` when the server states the length. On a cache hit it is called once with
   * the cached file's size as both arguments.
   */
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
  /** Extra attempts after a network error, truncated body or HTTP 5xx, each resuming the part file (default 3). */
  retries?: number;
  /**
   * Called when an attempt failed and another follows: the attempt (1-based), how many there are in
   * all, the reason, and the wait before the next one in ms (a stalled server is otherwise silent
   * for up to a minute per attempt).
   */
  onRetry?: (attempt: number, attempts: number, reason: string, delayMs: number) => void;
  /** Delay before the first retry in ms, doubled for each further retry up to 10 s (default 1000). */
  retryDelayMs?: number;
  /** Cancels the download (the part file is kept for a later resume); rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Extra trusted CA certificate(s) in PEM, added to Node's default roots (for private mirrors or
   * tests). Default: contents of the file named by env `OCCUPY_EMDB_CA`, if set. Certificate
   * verification is always on.
   */
  ca?: string | Buffer;
}

/** Marks failures worth another attempt (network errors, truncated bodies, HTTP 5xx). */
class TransientError extends Error {}

/**
 * Normalize an EMDB accession to its digits.
 *
 * Accepts 4 or 5 digits, optionally prefixed by `EMD-` or `emd_` (any case): `1832`, `EMD-1832`,
 * `emd_11638` → `1832`, `1832`, `11638`.
 *
 * @param id the accession as given by the user
 * @returns the digits, e.g. `"1832"`
 * @throws TypeError when `id` is not a string
 * @throws RangeError naming the value when it is not a 4–5 digit EMDB ID
 */
export function normalizeEmdbId(id: string): string {
  if (typeof id !== 'string') throw new TypeError(`EMDB id must be a string, got ${typeof id}`);
  const m = /^(?:emd[-_])?(\d{4,5})$/i.exec(id);
  if (!m) throw new RangeError(`EMDB id must be 4-5 digits, optionally prefixed by EMD- or emd_ (e.g. 1832, EMD-11638), got ${JSON.stringify(id)}`);
  return m[1];
}

/** Validate an archive root and drop trailing slashes. */
function normalizeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RangeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  return baseUrl.replace(/\/+$/, '');
}

/**
 * URL of an EMDB primary map: `<baseUrl>/EMD-<id>/map/emd_<id>.map.gz`.
 *
 * @param id EMDB accession (see {@link normalizeEmdbId})
 * @param baseUrl archive root; default env `OCCUPY_EMDB_URL`, else {@link DEFAULT_EMDB_BASE_URL}
 * @throws RangeError when the id or the base URL is invalid
 */
export function emdbMapUrl(id: string, baseUrl?: string): string {
  const digits = normalizeEmdbId(id);
  const root = normalizeBaseUrl(baseUrl ?? (process.env[EMDB_URL_ENV] || DEFAULT_EMDB_BASE_URL));
  return `${root}/EMD-${digits}/map/emd_${digits}.map.gz`;
}

/**
 * Default cache folder of downloaded maps: `$XDG_CACHE_HOME/occupy-ts/emdb` when XDG_CACHE_HOME
 * is set to an absolute path, else `~/.cache/occupy-ts/emdb`.
 */
export function defaultEmdbCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  const root = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(root, 'occupy-ts', 'emdb');
}

/** Size of a file, or undefined when it does not exist. */
async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // ENOTDIR: a component is a file (said when the cache is made)
    throw err;
  }
}

/** One GET request; resolves with the response head. */
function requestOnce(url: URL, headers: OutgoingHttpHeaders, ca: (string | Buffer)[] | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method: 'GET', headers, signal, timeout: SOCKET_TIMEOUT_MS };
    const req = url.protocol === 'https:' ? https.request(url, { ...options, ...(ca ? { ca } : {}) }, resolve) : http.request(url, options, resolve);
    req.on('timeout', () => {
      const err = new TransientError(`no data from ${url.origin} for ${SOCKET_TIMEOUT_MS / 1000} s`);
      req.destroy(err);
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET following up to {@link MAX_REDIRECTS} redirects (never from https to http). */
async function requestFollowing(
  start: string,
  headers: OutgoingHttpHeaders,
  ca: (string | Buffer)[] | undefined,
  signal: AbortSignal | undefined,
): Promise<{ res: IncomingMessage; url: URL }> {
  let url = new URL(start);
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, headers, ca, signal);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || !location) return { res, url };
    res.resume();
    if (hop >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS}) from ${start}`);
    const next = new URL(location, url);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new Error(`redirect to unsupported URL ${next.href} from ${url.href}`);
    if (url.protocol === 'https:' && next.protocol === 'http:') throw new Error(`refusing redirect from https to http (${url.href} → ${next.href})`);
    url = next;
  }
}

/** Parse `Content-Range: bytes start-end/total` (total may be `*`). */
function parseContentRange(value: string | undefined): { start: number; total: number | undefined } | undefined {
  const m = value ? /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(value.trim()) : null;
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[2] === '*' ? undefined : Number(m[2]) };
}

/** What a single download attempt needs. */
interface AttemptContext {
  label: string;
  url: string;
  partPath: string;
  ca: (string | Buffer)[] | undefined;
  signal: AbortSignal | undefined;
  onProgress: FetchEmdbOptions['onProgress'];
}

/**
 * One attempt: GET (with a Range header when a part file exists) and append/write the body to the
 * part file. Resolves when the body is complete; throws TransientError for retryable failures.
 */
async function downloadAttempt(ctx: AttemptContext): Promise<void> {
  const offset = (await fileSize(ctx.partPath)) ?? 0;
  const headers: OutgoingHttpHeaders = { 'user-agent': 'occupy-ts', 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const { res, url } = await requestFollowing(ctx.url, headers, ctx.ca, ctx.signal);
  const status = res.statusCode ?? 0;
  const declared = Number(res.headers['content-length'] ?? NaN);
  const length = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;

  let start: number;
  let total: number | undefined;
  if (status === 200) {
    start = 0; // full body: restart from scratch
    total = length;
  } else if (status === 206 && offset > 0) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== offset) {
      res.resume();
      await rm(ctx.partPath, { force: true });
      throw new TransientError(`server resumed at the wrong offset (asked ${offset}, got ${res.headers['content-range'] ?? 'no Content-Range'}); restarting`);
    }
    start = offset;
    total = range.total ?? (length !== undefined ? offset + length : undefined);
  } else if (status === 416 && offset > 0) {
    res.resume();
    const range = /\/(\d+)\s*$/.exec(res.headers['content-range'] ?? '');
    if (range && Number(range[1]) === offset) return; // the part file is already complete
    await rm(ctx.partPath, { force: true });
    throw new TransientError(`server rejected resuming at byte ${offset} (HTTP 416); restarting`);
  } else {
    res.resume();
    if (status === 404) {
      await rm(ctx.partPath, { force: true }); // a stale part of a map that is gone
      throw new Error(`${ctx.label} not found at ${url.href} (HTTP 404)`);
    }
    const message = `HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''} from ${url.href}`;
    if (status >= 500 || status === 408 || status === 429) throw new TransientError(message);
    throw new Error(`${ctx.label}: ${message}`);
  }

  let received = start;
  ctx.onProgress?.(received, total);
  const counter = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      received += chunk.length;
      ctx.onProgress?.(received, total);
      yield chunk;
    }
  };
  let out: WriteStream;
  try {
    out = (await open(ctx.partPath, start > 0 ? 'a' : 'w')).createWriteStream(); // closes the handle when done or destroyed
  } catch (err) {
    res.destroy();
    throw err;
  }
  try {
    await pipeline(res, counter, out, { signal: ctx.signal });
  } catch (err) {
    if (ctx.signal?.aborted || !isTransient(err)) throw err;
    const reason = (err as Error).message === 'aborted' ? 'connection closed' : (err as Error).message;
    throw new TransientError(`${reason} after ${received} of ${total ?? 'unknown'} bytes`, { cause: err });
  }
  if (total !== undefined && received < total) {
    throw new TransientError(`body truncated: expected ${total} bytes, got ${received}`);
  }
}

/** Whether an attempt's failure is worth a retry. */
/**
 * A network failure in the user's terms: `no network: cannot reach EMDB (<host>: name not found)`
 * instead of `getaddrinfo ENOTFOUND <host>`; undefined when the error is not a network failure.
 */
export function networkFailure(err: unknown, url: URL): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const host = url.hostname;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `no network: cannot reach EMDB (${host}: name not found; check the connection, a proxy, or OCCUPY_EMDB_URL)`;
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EHOSTUNREACH':
      return `no network: cannot reach EMDB (${host} unreachable)`;
    case 'ECONNREFUSED':
      return `cannot reach EMDB: ${host} refused the connection`;
    case 'ETIMEDOUT':
      return `cannot reach EMDB: the connection to ${host} timed out`;
    default:
      return undefined;
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && TRANSIENT_CODES.has(code)) return true;
  return err instanceof Error && /^(aborted|socket hang up)$/i.test(err.message);
}

/** Read the extra CA from the option or OCCUPY_EMDB_CA; undefined keeps Node's default roots. */
async function extraCa(ca: string | Buffer | undefined): Promise<(string | Buffer)[] | undefined> {
  let pem = ca;
  if (pem === undefined) {
    const path = process.env[EMDB_CA_ENV];
    if (!path) return undefined;
    // a FIFO had blocked the download for ever, a device such as /dev/zero filled the memory
    await statRegularFile(path, EMDB_CA_ENV);
    try {
      pem = await readFile(path);
    } catch (err) {
      throw unreadableFileError(EMDB_CA_ENV, path, fsErrorReason(err), err);
    }
  }
  return [...rootCertificates, pem];
}

/** Codes of a file-system call that failed because the cache cannot be written (not a network failure). */
const CACHE_WRITE_CODES = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR']);

/** Downloads in flight in this process, by final path: a second call waits for the first. */
const inFlight = new Map<string, Promise<unknown>>();

/**
 * Download an EMDB primary map (`emd_<id>.map.gz`) into a local cache and return its path.
 *
 * A cached file is reused without network access after checking it (complete gzip stream whose
 * payload parses as an MRC map); a corrupt cached file is deleted and downloaded again. Downloads
 * go to `emd_<id>.map.gz.part`; an existing part file is resumed with `Range: bytes=<size>-`
 * (HTTP 206; on 200 the download restarts from scratch). Network errors, truncated bodies
 * (fewer bytes than Content-Length) and HTTP 5xx are retried `retries` times, each attempt
 * resuming the part file. The part is renamed to the final name only after it verified as a
 * complete gzip-compressed MRC map, so the final file is never half-written. After the last
 * failed attempt the part file is kept, and the next call resumes it.
 *
 * Transport is node:http/node:https with certificate verification always on; `ca` (or env
 * `OCCUPY_EMDB_CA`) adds a trusted CA for private mirrors. Up to 5 redirects are followed
 * (never from https to http). Calls for the same file are serialized, within one process and
 * between processes sharing the cache folder (a lock `.emd_<id>.map.gz.lock` beside it, held while
 * downloading; a later call waits and then finds the map cached; a killed holder's lock is taken
 * over).
 *
 * @param id EMDB accession: 4–5 digits, optionally prefixed by `EMD-`/`emd_` (e.g. `1832`, `EMD-11638`)
 * @param options see {@link FetchEmdbOptions}
 * @returns the path `join(cacheDir, 'emd_<id>.map.gz')` of the verified map
 * @throws RangeError when the id, `baseUrl` or `retries` is invalid
 * @throws Error `"EMD-<id> not found at <url> (HTTP 404)"` when the map does not exist
 * @throws Error `"EMD-<id>: downloaded file is not an MRC map (<reason>)"` when the payload is not
 *   gzip data or not an MRC map (e.g. an HTML error page); the part file is deleted
 * @throws Error `"EMD-<id>: download from <url> failed after <n> attempts: <reason>"` when retries run out
 * @throws Error `"EMD-<id>: TLS certificate verification failed for <url> ..."` for an untrusted server
 * @throws Error `"EMD-<id>: cannot write to the EMDB download cache '<dir>': read-only file system"`
 *   (or permission denied, no space left on device, …; `cannot create the EMDB download cache …`
 *   when the folder cannot be made) when the download cannot be stored
 * @throws the signal's reason (an AbortError) when `signal` aborts
 * @see https://www.ebi.ac.uk/emdb/ (archive layout `structures/EMD-<id>/map/emd_<id>.map.gz`)
 */
export async function fetchEmdbMap(id: string, options: FetchEmdbOptions = {}): Promise<string> {
  const digits = normalizeEmdbId(id);
  const url = emdbMapUrl(digits, options.baseUrl);
  const retries = options.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0) throw new RangeError(`retries must be an integer >= 0, got ${retries}`);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  if (!(retryDelayMs >= 0)) throw new RangeError(`retryDelayMs must be >= 0, got ${retryDelayMs}`);
  const cacheDir = options.cacheDir ?? defaultEmdbCacheDir();
  const finalPath = join(cacheDir, `emd_${digits}.map.gz`);

  const previous = inFlight.get(finalPath) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(() => fetchInto(digits, url, cacheDir, finalPath, retries, retryDelayMs, options));
  inFlight.set(finalPath, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(finalPath) === run) inFlight.delete(finalPath);
  }
}

/** The body of {@link fetchEmdbMap} once the arguments are validated. */
async function fetchInto(
  digits: string,
  url: string,
  cacheDir: string,
  finalPath: string,
  retries: number,
  retryDelayMs: number,
  options: FetchEmdbOptions,
): Promise<string> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();

  /** The verified cached map, or undefined (no file, or a corrupt one: removed when `removeCorrupt`). */
  const cached = async (removeCorrupt: boolean): Promise<string | undefined> => {
    const cachedSize = await fileSize(finalPath);
    if (cachedSize === undefined) return undefined;
    try {
      await verifyGzippedMap(finalPath, { signal });
      onProgress?.(cachedSize, cachedSize);
      return finalPath;
    } catch (err) {
      if (signal?.aborted) throw err;
      if (removeCorrupt) await rm(finalPath, { force: true }); // corrupt cache entry: download again
      return undefined;
    }
  };
  const hit = await cached(false); // a hit needs no lock: the map appears by a rename, whole
  if (hit !== undefined) return hit;

  // the cache in the user's terms: a read-only or full cache had been named an 'output folder'
  // ('cannot create output folder …/occupy-ts: read-only file system') or by a part file alone
  const hint = options.cacheDir === undefined ? ' (set XDG_CACHE_HOME to a writable folder)' : '';
  const cacheFailure = (err: unknown): Error => new Error(`EMD-${digits}: cannot write to the EMDB download cache '${cacheDir}': ${fsErrorReason(err)}${hint}`, { cause: err });
  try {
    await makeOutputFolder(cacheDir);
  } catch (err) {
    throw new Error(`EMD-${digits}: ${(err as Error).message.replace(/^cannot create output folder/, 'cannot create the EMDB download cache')}${hint}`, { cause: err });
  }
  // one download of a file at a time between processes sharing the cache: two runs fetching the
  // same map had written into one part file and both failed ('downloaded file is not an MRC map
  // (gzip data is corrupt …)'), or one renamed the part while the other still appended to it. The
  // later run waits, then finds the map in the cache. A killed holder's lock is taken over; where
  // no lock can be made (a read-only cache) the download goes ahead unlocked and fails there.
  const release = await acquireCommitLock(cacheDir, { name: `.emd_${digits}.map.gz.lock`, doing: `to download EMD-${digits} into this cache`, signal });
  try {
    return (await cached(true)) ?? (await download(digits, url, finalPath, retries, retryDelayMs, options));
  } catch (err) {
    throw CACHE_WRITE_CODES.has(String((err as NodeJS.ErrnoException).code)) ? cacheFailure(err) : err;
  } finally {
    await release();
  }
}

/** Download into `<finalPath>.part` (resumed), verify it and rename it to `finalPath`; the caller holds the lock. */
async function download(digits: string, url: string, finalPath: string, retries: number, retryDelayMs: number, options: FetchEmdbOptions): Promise<string> {
  const label = `EMD-${digits}`;
  const { signal, onProgress } = options;
  const partPath = `${finalPath}.part`;
  const ctx: AttemptContext = { label, url, partPath, ca: await extraCa(options.ca), signal, onProgress };

  /** Fetch the part file to its end (resuming it), retrying transient failures. */
  const fetchPart = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await downloadAttempt(ctx);
        break;
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (CERT_CODE.test(code)) {
          throw new Error(
            `${label}: TLS certificate verification failed for ${url}: ${(err as Error).message} ` +
              `(for a private mirror pass the CA certificate as 'ca' or set ${EMDB_CA_ENV} to its PEM file)`,
            { cause: err },
          );
        }
        const offline = networkFailure(err, new URL(url));
        if (!isTransient(err) && !offline) throw err;
        if (attempt >= retries || (offline && /^no network/.test(offline))) {
          const kept = (await fileSize(partPath)) ? ` (partial download kept at ${partPath}; the next call resumes it)` : '';
          if (offline) throw new Error(`${label}: ${offline}${kept}`, { cause: err });
          throw new Error(`${label}: download from ${url} failed after ${attempt + 1} attempts: ${(err as Error).message}${kept}`, { cause: err });
        }
        const delay = Math.min(retryDelayMs * 2 ** attempt, 10_000);
        options.onRetry?.(attempt + 1, retries + 1, (err as Error).message, delay);
        if (delay > 0) await sleep(delay, undefined, { signal });
      }
    }
  };
  /** Verify the part file: undefined when it is a whole gzip-compressed map, else the error. */
  const problem = async (): Promise<Error | undefined> => {
    try {
      await verifyGzippedMap(partPath, { signal });
      return undefined;
    } catch (err) {
      if (signal?.aborted) throw err;
      return err as Error;
    }
  };

  const resumed = ((await fileSize(partPath)) ?? 0) > 0;
  await fetchPart();
  let bad = await problem();
  if (bad !== undefined && resumed) {
    // the part an earlier run left was not the start of this file (damaged, or the entry was
    // updated since): it had failed the run with 'downloaded file is not an MRC map … from <url>',
    // blaming the server, and only the next run worked. Once more from scratch.
    await rm(partPath, { force: true });
    options.onRetry?.(1, 2, `the partial download kept from an earlier run was not the start of this map (${bad.message})`, 0);
    await fetchPart();
    bad = await problem();
  }
  if (bad !== undefined) {
    await rm(partPath, { force: true });
    throw new Error(`${label}: downloaded file is not an MRC map (${bad.message}) from ${url}`, { cause: bad });
  }
  await rename(partPath, finalPath);
  return finalPath;
}
