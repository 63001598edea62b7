/**
 * Session state of the GUI server: the maps opened or uploaded (by id), each with a private output
 * folder, its last estimate result, the equivalent command line and the slice sources (the input
 * map and the written output maps, read back and cached in memory).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Volume } from '../../core/volume.js';
import { readMrc } from '../../io/mrc/index.js';
import { mapStem } from '../../occupancy/output-names.js';
import type { EstimateSummaryView, MapInfo, SliceLayer } from '../api.js';
import { HttpError } from './http-util.js';
import { resolveInsideRoot, relativeToRoot } from './paths.js';

/** One map of the session. */
export interface SessionMap {
  info: MapInfo;
  /** Absolute real path of the input map (under the root, or in the session's upload folder). */
  inputPath: string;
  /** The input path as written in the equivalent command line (relative to the root for opened maps). */
  commandPath: string;
  /** Private output folder of this map. */
  outputDir: string;
  /** Output stem (the input's stem, as the CLI uses). */
  stem: string;
  /** The input volume (canonical layout). */
  input: Volume;
  /** Last estimate, when one finished. */
  result?: EstimateSummaryView;
  /** Output files of the last estimate that are slice layers (absolute paths). */
  layerFiles: Partial<Record<Exclude<SliceLayer, 'input'>, string>>;
  /** Layer volumes read back from `layerFiles`, cached. */
  layerCache: Map<SliceLayer, Promise<Volume>>;
  /** File identity at open time (reopening an unchanged file gives the same map). */
  identity?: string;
}

/** Range and mean of a volume's values. */
export function volumeStats(data: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: data.length ? sum / data.length : 0 };
}

/** Maps of one server run, with their temporary folders. */
export class Session {
  /** Real path of the root folder. */
  readonly root: string;
  /** Temporary folder of the session (`<tmp>/occupy-gui-<random>`). */
  readonly tempDir: string;
  private readonly maps = new Map<string, SessionMap>();

  private constructor(root: string, tempDir: string) {
    this.root = root;
    this.tempDir = tempDir;
  }

  /**
   * A session on `root` (must be an existing folder) with a new temporary folder.
   * @throws Error when the root is not a folder
   */
  static async create(root: string): Promise<Session> {
    let real: string;
    try {
      real = await realpath(root);
    } catch {
      throw new Error(`root folder '${root}' not found`);
    }
    if (!(await stat(real)).isDirectory()) throw new Error(`root '${root}' is not a folder`);
    const tempDir = await mkdtemp(join(tmpdir(), 'occupy-gui-'));
    return new Session(real, tempDir);
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
    if (!m) throw new HttpError(404, `unknown map '${mapId}'`);
    return m;
  }

  /** All maps. */
  all(): SessionMap[] {
    return [...this.maps.values()];
  }

  /** Read a map file and register it. */
  private async register(mapId: string, inputPath: string, name: string, path: string, commandPath: string, identity?: string): Promise<SessionMap> {
    let volume: Volume;
    try {
      volume = (await readMrc(inputPath)).volume;
    } catch (err) {
      throw new HttpError(400, `cannot read '${name}' as a map: ${(err as Error).message}`);
    }
    const outputDir = join(this.tempDir, mapId);
    await mkdir(outputDir, { recursive: true });
    const [nx, ny, nz] = volume.shape;
    const [ax, ay, az] = volume.voxelSizeA;
    const info: MapInfo = { mapId, name, path, box: [nx, ny, nz], voxelSizeA: [ax, ay, az], ...volumeStats(volume.data) };
    const entry: SessionMap = { info, inputPath, commandPath, outputDir, stem: mapStem(name), input: volume, layerFiles: {}, layerCache: new Map(), identity };
    this.maps.set(mapId, entry);
    return entry;
  }

  /**
   * Open a map file under the root (a path relative to it). Reopening an unchanged file returns
   * the map already open.
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
    return this.register(this.newId(), real, basename(real), relPath, relPath, identity);
  }

  /** A map id and the path where its uploaded bytes go (the folder is created). */
  async reserveUpload(name: string): Promise<{ mapId: string; path: string }> {
    const mapId = this.newId();
    const dir = join(this.tempDir, 'uploads', mapId);
    await mkdir(dir, { recursive: true });
    return { mapId, path: join(dir, name) };
  }

  /**
   * Register an uploaded map written by {@link reserveUpload}'s path.
   * @throws HttpError 400 when it is not a readable map (the file is removed)
   */
  async addUpload(mapId: string, path: string, name: string): Promise<SessionMap> {
    try {
      return await this.register(mapId, path, name, `upload:${name}`, path);
    } catch (err) {
      await rm(join(this.tempDir, 'uploads', mapId), { recursive: true, force: true });
      throw err;
    }
  }

  /** Record the layer files of a finished estimate (cached layers are dropped). */
  setLayerFiles(m: SessionMap, layerFiles: SessionMap['layerFiles']): void {
    m.layerFiles = Object.fromEntries(Object.entries(layerFiles).filter(([, v]) => v !== undefined));
    m.layerCache.clear();
  }

  /** Layers that can be sliced now. */
  layers(m: SessionMap): SliceLayer[] {
    const order: SliceLayer[] = ['input', 'scale', 'confidence', 'soldef', 'output'];
    return order.filter((l) => l === 'input' || m.layerFiles[l] !== undefined);
  }

  /**
   * The volume of a layer (read back from its file once, then cached).
   * @throws HttpError 404 when the layer does not exist (yet)
   */
  layerVolume(m: SessionMap, layer: SliceLayer): Promise<Volume> {
    if (layer === 'input') return Promise.resolve(m.input);
    const file = m.layerFiles[layer];
    if (file === undefined) return Promise.reject(new HttpError(404, `map '${m.info.mapId}' has no ${layer} layer yet (run an estimate first)`));
    let p = m.layerCache.get(layer);
    if (!p) {
      p = readMrc(file).then((r) => r.volume);
      p.catch(() => m.layerCache.delete(layer));
      m.layerCache.set(layer, p);
    }
    return p;
  }

  /** Remove the session's temporary folder. */
  async dispose(): Promise<void> {
    this.maps.clear();
    await rm(this.tempDir, { recursive: true, force: true });
  }
}
