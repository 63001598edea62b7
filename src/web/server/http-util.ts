/**
 * Small HTTP helpers of the GUI server: JSON answers, errors without stack traces, bounded bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error with the HTTP status to answer (400, 403, 404, 409, 413, 500, 503, 507). */
export class HttpError extends Error {
  /** HTTP status code. */
  readonly status: number;
  /** The request field refused (see `ErrorAnswer.field` in `../api.ts`), when the error is about one. */
  readonly field?: string;
  /**
   * @param status HTTP status code
   * @param message one line for users
   * @param field the request field refused, when the error is about one
   */
  constructor(status: number, message: string, field?: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    if (field !== undefined) this.field = field;
  }
}

/**
 * The same error about the request field `field`: an {@link HttpError} keeps its status and
 * message (and a field it already names); any other error is returned as it is.
 */
export function aboutField(err: unknown, field: string): unknown {
  return err instanceof HttpError && err.field === undefined ? new HttpError(err.status, err.message, field) : err;
}

/** Headers sent with every answer. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};

/** Send a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Messages of file-system errors, in the user's terms (no path, no errno text). */
const ERRNO_MESSAGES: Readonly<Record<string, [number, string]>> = {
  ENOENT: [404, 'file or folder not found'],
  ENOTDIR: [404, 'file or folder not found'],
  EACCES: [403, 'permission denied'],
  EPERM: [403, 'permission denied'],
  EISDIR: [400, 'a folder was given where a file is expected'],
  ENAMETOOLONG: [400, 'a path or file name is too long'],
  ENOSPC: [507, 'no space left on the disk of the GUI server'],
  EDQUOT: [507, 'disk quota exceeded on the GUI server'],
  EMFILE: [503, 'too many open files: try again'],
  ENFILE: [503, 'too many open files: try again'],
};

/**
 * Send `{ error, field? }` (`ErrorAnswer` of `../api.ts`) for any thrown value: the status of an {@link HttpError}; for file-system errors
 * a status and message by their code; 500 otherwise. Only the message, never a stack; `userText`
 * rewrites server paths in it (see `Session.userText`).
 */
export function sendError(res: ServerResponse, err: unknown, userText: (text: string) => string = (t) => t): void {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const errno = !(err instanceof HttpError) && typeof code === 'string' && Object.hasOwn(ERRNO_MESSAGES, code) ? ERRNO_MESSAGES[code] : undefined;
  const status = err instanceof HttpError ? err.status : errno ? errno[0] : 500;
  const message = userText(errno ? errno[1] : err instanceof Error ? err.message : String(err));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error: message || 'internal error', ...(err instanceof HttpError && err.field !== undefined ? { field: err.field } : {}) });
}

/**
 * Read a request body up to `limit` bytes.
 * @throws HttpError 413 when it is larger
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `request body too large (${declared} bytes; limit ${limit})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new HttpError(413, `request body too large (limit ${limit} bytes)`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * Read and parse a JSON object body (at most 1 MB) with only the keys `allowed`, into a
 * null-prototype object (so `body.constructor` is never `Object`).
 * @throws HttpError 400 for invalid JSON, a non-object, or a key not in `allowed` (named)
 */
export async function readJsonObject(req: IncomingMessage, allowed: readonly string[]): Promise<Record<string, unknown>> {
  const body = await readBody(req, 1 << 20);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    if (!allowed.includes(key)) throw new HttpError(400, `unknown field '${key}' in the request (known: ${allowed.join(', ')})`);
    out[key] = v;
  }
  return out;
}
