/**
 * Session state of the GUI server: the maps opened or uploaded (by id), each with a private output
 * folder, its last estimate result, the equivalent command line and the slice sources (the input
 * map and the written output maps). Map files stay on disk: they are read in worker threads
 * ({@link MapReader}) when needed, and the volumes are kept only in a cache of bounded size.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import type { Volume } from '../../core/volume.js';
import { mapStem } from '../../occupancy/output-names.js';
import type { EstimateSummaryView, HalfMapsView, MapInfo, ScaleRun, SliceLayer } from '../api.js';
import { HttpError } from './http-util.js';
import { MapReader } from './map-reader.js';
import { resolveInsideRoot, relativeToRoot } from './paths.js';
import { createSessionDir, removeStaleSessionDirs } from './temp-folders.js';

/** One map of the session. */
export interface SessionMap {
  info: MapInfo;
  /** Absolute real path of the input map (under the root, or in the session's upload folder). */
  inputPath: string;
  /** The input path as written in the equivalent command line (relative to the root for opened maps). */
  commandPath: string;
  /** EMDB accession (digits) of a map fetched from the EMDB: the command line says `--emdb <id>`. */
  emdbId?: string;
  /** Private output folder of this map. */
  outputDir: string;
  /** Output stem (the input's stem, as the CLI uses). */
  stem: string;
  /** Uncompressed size of the input file as its header promises (1024 + nsymbt + data bytes). */
  fileBytes: number;
  /** Last estimate, when one finished. */
  result?: EstimateSummaryView;
  /** Scale maps of every estimate in this session, oldest first (kept copies). */
  scaleRuns?: ScaleRun[];
  /** Last half-map run whose first half is this map, when one finished. */
  halfMaps?: HalfMapsView;
  /** Output files of the last estimate that are slice layers (absolute paths). */
  layerFiles: Partial<Record<Exclude<SliceLayer, 'input'>, string>>;
  /** File identity at open time (reopening an unchanged file gives the same map). */
  identity?: string;
}

/** Range and mean of a volume's values (see `map-reader.ts`). */
export { volumeStats } from './map-reader.js';

/** Default memory for cached volumes (slices of recently viewed layers), bytes. */
export const DEFAULT_VOLUME_CACHE_BYTES = 1024 ** 3;

/**
 * Volumes read back from disk, least recently used first out, at most `budget` bytes in all (the
 * most recent one is always kept, whatever its size).
 */
export class VolumeCache {
  private readonly entries = new Map<string, { volume: Promise<Volume>; bytes: number }>();
  private readonly budget: number;

  /** @param budget bytes of voxel data to keep at most */
  constructor(budget: number) {
    this.budget = budget;
  }

  /** The cached volume of `key`, or the one `load` gives (cached; a failure is not cached). */
  get(key: string, load: () => Promise<Volume>): Promise<Volume> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.volume;
    }
    const entry = { volume: load(), bytes: 0 };
    this.entries.set(key, entry);
    entry.volume.then(
      (v) => {
        entry.bytes = v.data.byteLength;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.volume;
  }

  /** Put a volume already read. */
  put(key: string, volume: Volume): void {
    this.entries.delete(key);
    this.entries.set(key, { volume: Promise.resolve(volume), bytes: volume.data.byteLength });
    this.evict();
  }

  /** Drop every key starting with `prefix`. */
  drop(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  /** Bytes of the volumes held now. */
  get bytes(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.bytes;
    return n;
  }

  private evict(): void {
    let total = this.bytes;
    for (const [k, e] of this.entries) {
      if (total <= this.budget || this.entries.size <= 1) break;
      if (e.bytes === 0) continue; // still loading
      this.entries.delete(k);
      total -= e.bytes;
    }
  }

  /** Forget everything. */
  clear(): void {
    this.entries.clear();
  }
}

/** Options of {@link Session.create}. */
export interface SessionOptions {
  /** Bytes of volumes kept in memory for slices (default {@link DEFAULT_VOLUME_CACHE_BYTES}). */
  volumeCacheBytes?: number;
  /** Where the session folder is made and stale ones are removed (default `os.tmpdir()`). */
  tempParent?: string;
}

/** Maps of one server run, with their temporary folders. */
export class Session {
  /** Real path of the root folder. */
  readonly root: string;
  /** Temporary folder of the session (`<tmp>/occupy-gui-<pid>-<random>`). */
  readonly tempDir: string;
  /** Map reads in worker threads. */
  readonly reader = new MapReader();
  private readonly maps = new Map<string, SessionMap>();
  /** Registrations under way, by file identity (or `emdb:<id>`): a second open of the same file joins the first. */
  private readonly opening = new Map<string, Promise<SessionMap>>();
  private readonly cache: VolumeCache;

  private constructor(root: string, tempDir: string, cacheBytes: number) {
    this.root = root;
    this.tempDir = tempDir;
    this.cache = new VolumeCache(cacheBytes);
  }

  /**
   * A session on `root` (must be an existing folder) with a new temporary folder; the folders of
   * GUI servers that are no longer running are removed first.
   * @throws Error when the root is not a folder
   */
  static async create(root: string, options: SessionOptions = {}): Promise<Session> {
    let real: string;
    try {
      real = await realpath(root);
    } catch {
      throw new Error(`root folder '${root}' not found`);
    }
    if (!(await stat(real)).isDirectory()) throw new Error(`root '${root}' is not a folder`);
    await removeStaleSessionDirs(options.tempParent);
    const tempDir = await createSessionDir(options.tempParent);
    return new Session(real, tempDir, options.volumeCacheBytes ?? DEFAULT_VOLUME_CACHE_BYTES);
  }

  /** A new unique map id. */
  private newId(): string {
    let id: string;
    do id = 'm' + randomBytes(6).toString('hex');
    while (this.maps.has(id));
    return id;
  }

  /**
   * The map with this id.
   * @throws HttpError 404 when unknown
   */
  get(mapId: string): SessionMap {
    const m = this.maps.get(mapId);
    if (!m) throw new HttpError(404, 'this map is not open in the GUI (was the GUI restarted?): open it again');
    return m;
  }

  /** All maps. */
  all(): SessionMap[] {
    return [...this.maps.values()];
  }

  /**
   * The registration under way for `key`, or a new one made by `make`: two requests for the same
   * file at once (a double click, two tabs) get one map, not two ids each holding a copy.
   */
  private registerOnce(key: string, make: () => Promise<SessionMap>): Promise<SessionMap> {
    const pending = this.opening.get(key);
    if (pending) return pending;
    const p = make().finally(() => this.opening.delete(key));
    this.opening.set(key, p);
    return p;
  }

  /** Read a map file (in a worker thread) and register it; its volume goes to the cache. */
  private async register(mapId: string, inputPath: string, name: string, path: string, commandPath: string, identity?: string): Promise<SessionMap> {
    const read = await this.reader.read(inputPath, /^(upload|emdb):/.test(path) ? name : path);
    const outputDir = join(this.tempDir, mapId);
    await mkdir(outputDir, { recursive: true });
    const [nx, ny, nz] = read.volume.shape;
    const [ax, ay, az] = read.volume.voxelSizeA;
    // the input diagnostics' findings travel with the map's info (shown by the page when it opens the map)
    const info: MapInfo = { mapId, name, path, box: [nx, ny, nz], voxelSizeA: [ax, ay, az], ...read.stats, findings: read.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })) };
    const entry: SessionMap = { info, inputPath, commandPath, outputDir, stem: mapStem(name), fileBytes: read.fileBytes, layerFiles: {}, identity };
    this.maps.set(mapId, entry);
    this.cache.put(`${mapId}:input`, read.volume);
    return entry;
  }

  /**
   * Open a map file under the root (a path relative to it). Reopening an unchanged file returns
   * the map already open (also while its first open is still reading it).
   * @throws HttpError 403 (outside the root), 404 (missing), 400 (not a file or not a map)
   */
  async open(rel: unknown): Promise<SessionMap> {
    const real = await resolveInsideRoot(this.root, rel, 'map path');
    const st = await stat(real);
    if (!st.isFile()) throw new HttpError(400, `'${String(rel)}' is not a file`);
    const identity = `${real}:${st.size}:${st.mtimeMs}`;
    const known = this.all().find((m) => m.identity === identity);
    if (known) return known;
    const relPath = relativeToRoot(this.root, real);
    return this.registerOnce(identity, () => this.register(this.newId(), real, basename(real), relPath, relPath, identity));
  }

  /** A map id and the path where its uploaded bytes go (the folder is created). */
  async reserveUpload(name: string): Promise<{ mapId: string; path: string }> {
    const mapId = this.newId();
    const dir = join(this.tempDir, 'uploads', mapId);
    await mkdir(dir, { recursive: true });
    return { mapId, path: join(dir, name) };
  }

  /** Remove what {@link reserveUpload} made for `mapId`. */
  async discardUpload(mapId: string): Promise<void> {
    await rm(join(this.tempDir, 'uploads', mapId), { recursive: true, force: true });
  }

  /**
   * Register an uploaded map written by {@link reserveUpload}'s path.
   * @throws HttpError 400 when it is not a readable map (the file is removed)
   */
  async addUpload(mapId: string, path: string, name: string): Promise<SessionMap> {
    try {
      // the command line names the file as the user dropped it, never the session's copy
      return await this.register(mapId, path, name, `upload:${name}`, name);
    } catch (err) {
      await this.discardUpload(mapId);
      throw err;
    }
  }

  /**
   * Register a map fetched from the EMDB into the cache (`fetchEmdbMap`): shown as
   * `emd_<id>.map.gz`, path `emdb:<id>`. Fetching the same accession again gives the same map.
   */
  async addEmdb(id: string, cachedPath: string): Promise<SessionMap> {
    const known = this.all().find((m) => m.emdbId === id);
    if (known) return known;
    return this.registerOnce(`emdb:${id}`, async () => {
      const entry = await this.register(this.newId(), cachedPath, `emd_${id}.map.gz`, `emdb:${id}`, `emd_${id}.map.gz`);
      entry.emdbId = id;
      return entry;
    });
  }

  /** Record the layer files of a finished estimate (cached layers are dropped). */
  setLayerFiles(m: SessionMap, layerFiles: Omit<SessionMap['layerFiles'], 'locres' | 'occupancy' | 'bfactor' | 'mask'>): void {
    const { locres, occupancy, bfactor, mask } = m.layerFiles;
    m.layerFiles = Object.fromEntries(Object.entries(layerFiles).filter(([, v]) => v !== undefined));
    // a half-map result stays
    if (locres !== undefined) m.layerFiles.locres = locres;
    if (occupancy !== undefined) m.layerFiles.occupancy = occupancy;
    if (bfactor !== undefined) m.layerFiles.bfactor = bfactor;
    if (mask !== undefined) m.layerFiles.mask = mask;
    for (const l of ['scale', 'confidence', 'soldef', 'output'] as const) this.cache.drop(`${m.info.mapId}:${l}`);
  }

  /**
   * Record the local-resolution map of a finished half-map run whose first half is `m`, its
   * decompose maps, and its mask (the `mask` layer: the page draws the voxels outside it, which
   * hold only the background value, apart from the resolution's colours).
   */
  setLocres(m: SessionMap, path: string, decompose?: { occupancy: string; bfactor: string }, mask?: string): void {
    m.layerFiles.locres = path;
    if (mask !== undefined) m.layerFiles.mask = mask;
    else delete m.layerFiles.mask;
    if (decompose) {
      m.layerFiles.occupancy = decompose.occupancy;
      m.layerFiles.bfactor = decompose.bfactor;
    } else {
      delete m.layerFiles.occupancy;
      delete m.layerFiles.bfactor;
    }
    for (const l of ['locres', 'occupancy', 'bfactor', 'mask']) this.cache.drop(`${m.info.mapId}:${l}`);
  }

  /** Layers that can be sliced now. */
  layers(m: SessionMap): SliceLayer[] {
    const order: SliceLayer[] = ['input', 'scale', 'confidence', 'soldef', 'output', 'locres', 'occupancy', 'bfactor', 'mask'];
    return order.filter((l) => l === 'input' || m.layerFiles[l] !== undefined);
  }

  /**
   * The volume of a layer (read from its file in a worker thread, kept in a bounded cache).
   * @throws HttpError 404 when the layer does not exist (yet); 400 when its file cannot be read
   */
  layerVolume(m: SessionMap, layer: SliceLayer, run?: number): Promise<Volume> {
    if (run !== undefined) {
      const kept = m.scaleRuns?.find((r) => r.run === run);
      if (!kept) return Promise.reject(new HttpError(404, `'${m.info.name}' has no scale map of run ${run}`));
      return this.cache.get(`${m.info.mapId}:scale-run${run}`, async () => (await this.reader.read(join(m.outputDir, kept.file), kept.file)).volume);
    }
    const file = layer === 'input' ? m.inputPath : m.layerFiles[layer];
    if (file === undefined) return Promise.reject(new HttpError(404, `'${m.info.name}' has no ${layer} layer yet (run an estimate first)`));
    const shown = layer === 'input' ? (/^(upload|emdb):/.test(m.info.path) ? m.info.name : m.info.path) : basename(file);
    return this.cache.get(`${m.info.mapId}:${layer}`, async () => (await this.reader.read(file, shown)).volume);
  }

  /** Bytes of volumes held in memory for slices. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /**
   * A message with the server's own paths replaced by what the user knows: a map's input by its
   * path under the root (or its uploaded name), its output folder by nothing (output files by
   * their names), other session paths by "the GUI session folder", the root by relative paths.
   */
  userText(text: string): string {
    const pairs: Array<[string, string]> = [];
    for (const m of this.maps.values()) {
      pairs.push([m.inputPath, /^(upload|emdb):/.test(m.info.path) ? m.info.name : m.info.path]);
      pairs.push([m.outputDir + sep, '']);
      pairs.push([m.outputDir, `the output folder of '${m.info.name}'`]);
    }
    pairs.push([this.tempDir, 'the GUI session folder'], [this.root + sep, '']);
    pairs.sort((a, b) => b[0].length - a[0].length);
    // an upload's file (registered or not): its name only
    const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const uploadDir = new RegExp(`${escape(join(this.tempDir, 'uploads') + sep)}m[0-9a-f]{12}${escape(sep)}`, 'g');
    let out = text.replace(uploadDir, '');
    for (const [from, to] of pairs) out = out.split(from).join(to);
    // a job's staging folder (jobs.ts) inside a map's output folder: its files by their names
    return out.replace(/\.job-j[0-9a-f]{12}[\\/]/g, '');
  }

  /** Stop reads, forget the maps and remove the session's temporary folder. */
  async dispose(): Promise<void> {
    await this.reader.close();
    this.maps.clear();
    this.cache.clear();
    await rm(this.tempDir, { recursive: true, force: true });
  }
}
