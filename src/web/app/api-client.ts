/**
 * Typed calls of the GUI server's HTTP API (`src/web/api.ts` is the contract). Every URL is
 * relative to the page, so the page works wherever the server mounts it; nothing leaves the
 * machine. Every call carries the session token that `occupy gui` put in the page's URL
 * (`#token=…`): as a header for `fetch`, and as a query parameter in URLs the browser loads
 * itself (event streams, downloads, Mol*).
 */
import { SESSION_TOKEN_HEADER, SESSION_TOKEN_PARAM, type EstimateRequest, type FileListing, type HalfMapsRequest, type HalfMapsView, type JobStarted, type JobStatus, type MapInfo, type ServerInfo, type SliceLayer } from '../api.js';

/** Slice axes: the axis the slice is perpendicular to. */
export type Axis = 'x' | 'y' | 'z';

/** A slice of a map layer as the server sends it. */
export interface Slice {
  /** Values, length width*height, index row*width + column, rows along the second in-plane axis. */
  data: Float32Array;
  width: number;
  height: number;
  min: number;
  max: number;
}

/** An error answer of the server, with its status, message and the request field it refused. */
export class ApiError extends Error {
  /**
   * @param status HTTP status, 0 when the server could not be reached at all
   * @param message the server's one line (or {@link SERVER_UNREACHABLE})
   * @param field the request field refused (`ErrorAnswer.field` of `../api.ts`), when named
   */
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** What a request that reached no server says (status 0). */
export const SERVER_UNREACHABLE = 'cannot reach the occupy gui server: it has stopped (start occupy gui again and open the URL it prints)';

/** Key under which the token is kept for the tab (a reload without `#token=` still works). */
const TOKEN_STORAGE_KEY = 'occupy-gui-token';

/** The session token: from the page URL's `#token=…`, else from this tab's storage, else ''. */
function readSessionToken(): string {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  try {
    if (fromHash) sessionStorage.setItem(TOKEN_STORAGE_KEY, fromHash);
    return fromHash ?? sessionStorage.getItem(TOKEN_STORAGE_KEY) ?? '';
  } catch {
    return fromHash ?? ''; // storage disabled
  }
}

/** The session token sent with every request. */
export const sessionToken: string = readSessionToken();

/**
 * Absolute URL of an API path (`api/...`) resolved against the page, with the session token as a
 * query parameter (for URLs the browser loads itself; `fetch` calls also send it as a header).
 */
export function apiUrl(path: string): string {
  const url = new URL(`api/${path}`, document.baseURI);
  url.searchParams.set(SESSION_TOKEN_PARAM, sessionToken);
  return url.href;
}

/** `init` with the session token header added. */
function withToken(init?: RequestInit): RequestInit {
  const headers = new Headers(init?.headers);
  headers.set(SESSION_TOKEN_HEADER, sessionToken);
  return { ...init, headers };
}

async function failure(res: Response): Promise<ApiError> {
  let text = '';
  let field: string | undefined;
  try {
    text = await res.text();
    const j = JSON.parse(text) as { error?: unknown; message?: unknown; field?: unknown };
    const m = j.error ?? j.message;
    if (typeof m === 'string') text = m;
    if (typeof j.field === 'string') field = j.field;
  } catch {
    // not JSON: keep the text
  }
  // the server's message is written for users; the HTTP status is for the log's details only
  return new ApiError(res.status, text || `the server answered ${res.status} ${res.statusText}`, field);
}

/** `fetch`, with a request that reaches no server (stopped) thrown as `ApiError(0, SERVER_UNREACHABLE)`. */
async function request(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, SERVER_UNREACHABLE);
  }
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await request(apiUrl(path), withToken(init));
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** `GET /api/info`. */
export function getInfo(): Promise<ServerInfo> {
  return json<ServerInfo>('info');
}

/** `GET /api/files?dir=`: folders and map files of a folder under the root. */
export function listFiles(dir: string): Promise<FileListing> {
  return json<FileListing>(`files?dir=${encodeURIComponent(dir)}`);
}

/** `POST /api/open`: open a map under the root. */
export function openMap(path: string): Promise<MapInfo> {
  return json<MapInfo>('open', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path }) });
}

/** `POST /api/emdb`: download EMD-<id> (cached) and open it. */
export function openEmdb(id: string): Promise<MapInfo> {
  return json<MapInfo>('emdb', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id }) });
}

/** `POST /api/upload?name=`: open a dropped map file. */
export function uploadMap(file: File): Promise<MapInfo> {
  return json<MapInfo>(`upload?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: file,
  });
}

/** `POST /api/estimate`: start an estimate (with modifications when the settings ask for them). */
export function startEstimate(req: EstimateRequest): Promise<JobStarted> {
  return json<JobStarted>('estimate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req) });
}

/** `POST /api/halfmaps`: start a half-map run (global FSC and local resolution). */
export function startHalfMaps(req: HalfMapsRequest): Promise<JobStarted> {
  return json<JobStarted>('halfmaps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req) });
}

/** `GET /api/maps/<id>/halfmaps`: the last half-map result of a map, or undefined. */
export async function getHalfMaps(mapId: string): Promise<HalfMapsView | undefined> {
  const res = await fetch(apiUrl(`maps/${encodeURIComponent(mapId)}/halfmaps`), withToken());
  return res.ok ? ((await res.json()) as HalfMapsView) : undefined;
}

/** `DELETE /api/jobs/<id>`: cancel a waiting or running job (`reason` says why not, e.g. its outputs were already being saved). */
export function cancelJob(jobId: string): Promise<{ cancelled: boolean; reason?: string }> {
  return json<{ cancelled: boolean; reason?: string }>(`jobs/${encodeURIComponent(jobId)}`, { method: 'DELETE' });
}

/** `GET /api/jobs/<id>`: a job's state (and its place in the queue while it waits). */
export function getJobStatus(jobId: string): Promise<JobStatus> {
  return json<JobStatus>(`jobs/${encodeURIComponent(jobId)}`);
}

/** URL of the event stream of a job. */
export function jobEventsUrl(jobId: string): string {
  return apiUrl(`jobs/${encodeURIComponent(jobId)}/events`);
}

/** URL of an output file of a map (`download` adds `?download=1`). */
export function fileUrl(mapId: string, name: string, download = false): string {
  return apiUrl(`maps/${encodeURIComponent(mapId)}/files/${encodeURIComponent(name)}${download ? '?download=1' : ''}`);
}

/** `GET /api/maps/<id>/slice`: one slice of a layer (little-endian Float32 body). */
export async function getSlice(mapId: string, layer: SliceLayer, axis: Axis, index: number, signal?: AbortSignal, run?: number): Promise<Slice> {
  const res = await request(apiUrl(`maps/${encodeURIComponent(mapId)}/slice?layer=${layer}&axis=${axis}&index=${index}${run !== undefined ? `&run=${run}` : ''}`), withToken({ signal }));
  if (!res.ok) throw await failure(res);
  const width = Number(res.headers.get('X-Slice-Width'));
  const height = Number(res.headers.get('X-Slice-Height'));
  const buf = await res.arrayBuffer();
  if (!(width > 0 && height > 0) || buf.byteLength !== width * height * 4) {
    throw new ApiError(res.status, `slice of ${buf.byteLength} bytes does not match ${width}x${height} float32`);
  }
  const view = new DataView(buf);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true);
  let min = Number(res.headers.get('X-Slice-Min'));
  let max = Number(res.headers.get('X-Slice-Max'));
  if (!Number.isFinite(min) || !Number.isFinite(max) || res.headers.get('X-Slice-Min') === null) {
    min = Infinity;
    max = -Infinity;
    for (const v of data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { data, width, height, min, max };
}

/**
 * `GET /api/maps/<id>/mask`: the last half-map run's mask, whole, as 1 per voxel inside it (> 0.5)
 * and 0 outside, index (z*ny + y)*nx + x on the box [nx, ny, nz] the server names.
 */
export async function getMask(mapId: string): Promise<{ inside: Uint8Array; box: [number, number, number] }> {
  const res = await request(apiUrl(`maps/${encodeURIComponent(mapId)}/mask`), withToken());
  if (!res.ok) throw await failure(res);
  const box = (res.headers.get('X-Mask-Shape') ?? '').split(',').map(Number) as [number, number, number];
  const bits = new Uint8Array(await res.arrayBuffer());
  const n = box.length === 3 && box.every((v) => Number.isInteger(v) && v > 0) ? box[0] * box[1] * box[2] : 0;
  if (n === 0 || bits.length !== Math.ceil(n / 8)) throw new ApiError(res.status, `mask of ${bits.length} bytes does not match the box ${box.join('x')} (one bit per voxel)`);
  const inside = new Uint8Array(n);
  for (let i = 0; i < n; i++) inside[i] = (bits[i >> 3] >> (i & 7)) & 1;
  return { inside, box };
}

/** Download a whole file of a map as bytes. */
export async function getFileBytes(mapId: string, name: string): Promise<ArrayBuffer> {
  const res = await request(fileUrl(mapId, name), withToken());
  if (!res.ok) throw await failure(res);
  return res.arrayBuffer();
}
