/**
 * The HTTP API between the GUI page and the local server (`occupy gui`). Shared types only: the
 * server implements these routes, the page calls them. All paths are relative to the server's root
 * folder; the server refuses anything outside it.
 *
 * Every `/api` request needs the session token (generated when the server starts, given in the
 * printed URL as `#token=<token>`): in the {@link SESSION_TOKEN_HEADER} header, or, for URLs the
 * browser loads itself (event streams, downloads), in a `token=<token>` query parameter. Without
 * it the answer is 403. A request with an `Origin` header must come from the page's own origin.
 *
 * Routes (JSON unless stated):
 * - `GET  /api/info` → {@link ServerInfo}
 * - `GET  /api/files?dir=<rel>` → {@link FileListing} (folders and map files under the root)
 * - `POST /api/open` body {@link OpenRequest} → {@link MapInfo} (a map file under the root)
 * - `POST /api/upload?name=<file name>` body: the raw map bytes (drag and drop) → {@link MapInfo};
 *   streamed to a file of the session folder; 413 over the upload limit (`occupy gui --max-upload`)
 * - `POST /api/emdb` body `{ id: "1832" }` → {@link MapInfo}: EMD-<id> downloaded into the cache
 *   of `occupy --emdb` (reused when there), path `emdb:<id>`; 400 for a bad ID, 502 when the
 *   download fails
 * - `POST /api/estimate` body {@link EstimateRequest} → {@link JobStarted}
 * - `POST /api/halfmaps` body {@link HalfMapsRequest} → {@link JobStarted} (same queue; the `done`
 *   event carries a {@link HalfMapsView})
 * - `GET  /api/jobs/<jobId>` → {@link JobStatus} (state, and the place in the queue while waiting)
 * - `GET  /api/jobs/<jobId>/events` → text/event-stream of {@link JobEvent} (JSON per `data:` line)
 * - `DELETE /api/jobs/<jobId>` → cancels a waiting or running job → { cancelled: boolean, reason? }: a job
 *   whose outputs are already being saved is not cancelled (`cancelled: false`, the reason; it ends `done`)
 *
 * Error answers are `{ error, field? }` ({@link ErrorAnswer}): `error` is one line for users;
 * `field`, when the refusal is about one field of the request (a setting of `POST /api/estimate`,
 * its `outputFolder`, a path of `POST /api/halfmaps`), names that field so the page can show the
 * reason next to it.
 * - `GET  /api/maps/<mapId>/slice?layer=<SliceLayer>&axis=x|y|z&index=<i>[&run=<n>]` → binary: little-endian
 *   Float32 values of the slice, row-major (rows along the second in-plane axis), with headers
 *   `X-Slice-Width`, `X-Slice-Height`, `X-Slice-Min`, `X-Slice-Max`
 * - `GET  /api/maps/<mapId>/mask` → binary: the last half-map run's mask on the input's box, one bit
 *   per voxel (bit `i % 8` of byte `i >> 3` is 1 where the mask is > 0.5; `i = (z*ny + y)*nx + x`),
 *   with header `X-Mask-Shape: nx,ny,nz`; 404 when the run had no mask
 * - `GET  /api/maps/<mapId>/files/<name>` → an output file (MRC, log, cxc, PNG, SVG) for download or Mol*
 * - `POST /api/maps/<mapId>/chimerax` → `{ launched, message }`: opens the last estimate's ChimeraX
 *   script in a local ChimeraX (a copy naming the maps by their paths on this machine); 404 without
 *   a script or without ChimeraX
 * - `GET  /api/maps/<mapId>/result` → {@link EstimateSummaryView} of the last estimate (404 before)
 * - `GET  /api/maps/<mapId>/halfmaps` → {@link HalfMapsView} of the last half-map run whose first half is this map (404 before)
 *
 * Slices are taken on the input's box: `axis=z` gives the XY plane at Z = index (width nx, height
 * ny); `axis=y` the XZ plane (width nx, height nz); `axis=x` the YZ plane (width ny, height nz).
 */
import type { DirectionalSummary } from '../resolution/directional-summary.js';

/** The body of every error answer of the API. */
export interface ErrorAnswer {
  /** One line for users, naming the option or file. */
  error: string;
  /**
   * The request field refused: a key of {@link EstimateSettings} (`lowpassA`, `targetMaskPath`, …),
   * `outputFolder`, or a key of {@link HalfMapsRequest} (`half1`, `half2`, `mask`, `labels`,
   * `locresMethod`, `locresSampling`).
   */
  field?: string;
}

/** Request header that carries the session token. */
export const SESSION_TOKEN_HEADER = 'X-Occupy-Token';

/** Query parameter that carries the session token in URLs the browser loads itself. */
export const SESSION_TOKEN_PARAM = 'token';

/** `GET /api/info`. */
export interface ServerInfo {
  tool: 'occupy-ts';
  version: string;
  /** The root folder the file browser shows (absolute). */
  root: string;
  /** A map given on the command line (`occupy gui map.mrc`), already opened. */
  initialMap?: MapInfo;
  /** Whether ChimeraX was found on this machine (the page then offers to open the result in it). */
  chimerax?: boolean;
}

/** One entry of a folder listing. */
export interface FileEntry {
  name: string;
  /** Path relative to the root, with `/` separators. */
  path: string;
  kind: 'dir' | 'map';
  /** Size in bytes (maps). */
  size?: number;
}

/** `GET /api/files`. */
export interface FileListing {
  /** The listed folder, relative to the root ('' = root). */
  dir: string;
  entries: FileEntry[];
}

/** `POST /api/open`. */
export interface OpenRequest {
  /** Map path relative to the root. */
  path: string;
}

/** A map opened in the session. */
export interface MapInfo {
  /** Session id of the map (used in the routes). */
  mapId: string;
  /** File name. */
  name: string;
  /** Path relative to the root, `upload:<name>` for drag-and-drop, `emdb:<id>` for an EMDB download. */
  path: string;
  /** Box [nx, ny, nz], voxels. */
  box: [number, number, number];
  /** Voxel size along X, Y, Z, Å. */
  voxelSizeA: [number, number, number];
  /** Data range. */
  min: number;
  max: number;
  mean: number;
  /**
   * Default iso level of the 3D surface (density units): the lowest of a set of levels enclosing
   * 0.5–15 % of the box at which the surface is still one piece (`server/iso-level.ts`).
   */
  isoLevel?: number;
  /** The input diagnostics' findings (`occupy check`), shown as banners when the map opens. */
  findings?: DiagnosticFinding[];
}

/** One finding of the input diagnostics (see `src/diagnostics/findings.ts`). */
export interface DiagnosticFinding {
  /** Stable code, e.g. `masked`, `sharpened`, `not-density`. */
  code: string;
  severity: 'warning' | 'error';
  /** What was seen and what it means for the result. */
  message: string;
}

/** Settings of an estimate, with the CLI's option names in camelCase (see `occupy --help`). */
export interface EstimateSettings {
  lowpassA?: number;
  resolutionA?: number;
  kernelSize?: number;
  kernelRadiusVoxels?: number;
  tau?: number;
  tileSize?: number;
  maxBox?: number;
  mode?: 'res' | 'occ';
  nlrc?: boolean;
  hedgeConfidence?: number;
  /** Solvent definition: a mask file under the root, or a threshold on the current scale map. */
  solventDefPath?: string;
  solventDefThreshold?: number;
  scaleLimit?: number;
  /** Modifications (each gives an output map). */
  amplify?: number;
  attenuate?: number;
  sigmoid?: number;
  pivot?: number;
  excludeSolvent?: boolean;
  /** `--lowpass-output`: low-pass the modified maps to this resolution, Å. */
  lowpassOutputA?: number;
  /** `--hist-match`: histogram-match modified maps to the input. */
  histMatch?: boolean;
  /** `--S0`: normalise by tau × the map maximum instead of the tile search. */
  useS0?: boolean;
  /** `--target-mask`: a mask file under the root; the summary reports the occupancy inside it. */
  targetMaskPath?: string;
  seed?: number;
}

/** `POST /api/estimate`: estimate (and, with modification settings, modify) a map. */
export interface EstimateRequest {
  mapId: string;
  settings: EstimateSettings;
  /** A folder under the root (created when missing) where the outputs are also saved. */
  outputFolder?: string;
}

/** `POST /api/estimate` answer. */
export interface JobStarted {
  jobId: string;
}

/**
 * `GET /api/jobs/<jobId>`: a job's state. Estimates wait in a queue while as many run as the
 * machine has cores; `position` (1 = next to start) is given while `queued`.
 */
export interface JobStatus {
  jobId: string;
  state: 'queued' | 'running' | 'done' | 'error' | 'cancelled';
  position?: number;
}

/**
 * The local-resolution methods of the half-map panel, as `occupy locres` runs them: `localfsc`
 * (the default: calibrated local FSC), `relion` (`--relion [--locres-sampling A]`, RELION 3.1's
 * `--locres`) and `monores` (`--method monores`). Their flags, units, ranges, defaults and messages
 * are the CLI's option schema's (`src/resolution/locres-options.ts`).
 */
export const HALF_MAPS_LOCRES_METHODS = ['localfsc', 'relion', 'monores'] as const;

/** A local-resolution method of the half-map panel ({@link HALF_MAPS_LOCRES_METHODS}). */
export type HalfMapsLocresMethod = (typeof HALF_MAPS_LOCRES_METHODS)[number];

/** `POST /api/halfmaps`: global FSC and local resolution of two half maps (paths under the root). */
export interface HalfMapsRequest {
  half1: string;
  half2: string;
  /** Soft mask: FSC corrected by phase randomisation, local resolution reported inside it. */
  mask?: string;
  /** Labels map (integers > 0): median and 10–90 % range of the local resolution per label. */
  labels?: string;
  /** A folder under the root (created when missing) where the outputs are also saved. */
  outputFolder?: string;
  /** The local-resolution method (default `localfsc`). */
  locresMethod?: HalfMapsLocresMethod;
  /** With `relion`: `--locres-sampling`, the window sampling in Å (default RELION's 25 Å). */
  locresSampling?: number;
  /** Also the directional FSC (`occupy fsc --directional`). */
  directional?: boolean;
  /** Also `occupy decompose` (relative occupancy and local B-factor). */
  decompose?: boolean;
}

/** The result of a half-map run (the numbers of `occupy fsc --json` and `occupy locres --json`). */
export interface HalfMapsView {
  kind: 'halfmaps';
  /** The session map of the first half: its `locres` slice layer is the local-resolution map. */
  mapId: string;
  half1: string;
  half2: string;
  mask: string | null;
  labels: string | null;
  fsc: {
    /** Spatial frequency per shell, 1/Å. */
    frequencyPerA: number[];
    /** FSC per shell (masked with a mask), null for an empty shell. */
    fsc: (number | null)[];
    fscUnmasked: (number | null)[] | null;
    /** With a mask: the phase-randomised corrected FSC. */
    fscCorrected: (number | null)[] | null;
    resolutionAt0143A: number | null;
    resolutionAt05A: number | null;
    resolutionAt0143CorrectedA: number | null;
    resolutionAt05CorrectedA: number | null;
    /** With a mask: the unmasked FSC's 0.143 resolution, Å (as `occupy fsc --mask` prints it); null without a mask or when not reached. */
    resolutionAt0143UnmaskedA: number | null;
    randomiseFromA: number | null;
    nyquistA: number;
  };
  /** The Vega-Lite spec of the FSC plot (the one `occupy fsc` renders to PNG/SVG). */
  fscPlotSpec: Record<string, unknown>;
  locres: {
    /** File name of the local-resolution map (Å per voxel). */
    file: string;
    /** The method run. */
    method: HalfMapsLocresMethod;
    /** One line of the method's settings (as in the log and the map's labels). */
    settings: string;
    /** `relion`: the window sampling used, Å; else null. */
    samplingA: number | null;
    /** Local FSC: the global FSC 0.143 resolution the window was derived from, Å; else null. */
    globalResolutionA: number | null;
    /** Local FSC: window edge and step, voxels, and the FSC threshold; `relion`: threshold 0.143; else null. */
    windowVoxels: number | null;
    stepVoxels: number | null;
    threshold: number | null;
    medianA: number;
    p5A: number;
    p95A: number;
    /** Local FSC and MonoRes: the finest reported value, Å (a bound); `relion`: null (its bound is Nyquist). */
    finestA: number | null;
    /** Local FSC and MonoRes: voxels pinned at `finestA` (a bound), and their % of the mask; else null. */
    pinnedVoxels: number | null;
    pinnedPercent: number | null;
    /** `relion`: windows whose FSC never fell below 0.143 (RELION then reports Nyquist), of all; else null. */
    pinnedWindows: { pinned: number; of: number } | null;
    /** With a mask: % of the mask reading ≥ 1.4 × coarser than a value within half a window (tends to read fine), else null. */
    besideFinerPercent: number | null;
    /** Colour range of the views (finest, coarsest), Å. */
    rangeA: [number, number];
    /** The window's reach, Å (half the window edge): the per-label column `> N Å from other labels`, as the CLI's table and warning name it. */
    windowReachA: number | null;
    /** The maps only some methods write (file names), null when this method wrote none: pinned (local FSC, MonoRes), 90 % interval ends (local FSC). */
    maps: { pinned: string | null; low: string | null; high: string | null };
    /** What `occupy locres` prints after the run (its summary, per-label table, files), line by line. */
    report: string[];
  };
  /**
   * With `directional`: the directional FSC of `occupy fsc --directional` (resolution per cone
   * direction, an ellipsoid fit: sphericity, best / worst resolution and directions as unit
   * vectors in map x, y, z) and its plot's SVG file.
   */
  directional: (DirectionalSummary & {
    /** Cone half-angle, degrees. */
    coneAngleDeg: number;
    /** Global 0.143 resolution of the same halves, Å. */
    globalResolutionA: number;
    /** The plot's SVG file, or null. */
    plot: string | null;
  }) | null;
  /**
   * With `decompose`: `occupy decompose <half1> --half-maps <half1> <half2>`: relative occupancy
   * and local B-factor maps (slice layers `occupancy`, `bfactor`), medians, per-label medians.
   */
  decompose: {
    occupancyFile: string;
    bfactorFile: string;
    occupancyMedian: number;
    bfactorMedianA2: number;
    /** Colour range of the B-factor layer, Å² (low, high): 5–95 % over the molecule, as the ChimeraX script's `color_by_bfactor`. */
    bfactorRangeA2: [number, number];
    globalBA2: number;
    labels: { label: number; voxels: number; occupancy: number; relativeOccupancy: number; bfactorA2: number }[] | null;
  } | null;
  /** Per label (with a labels map): voxels, median and 10–90 % range in Å, pinned voxels. */
  labelRows: { label: number; voxels: number; medianA: number; p10A: number; p90A: number; pinnedVoxels: number; coreVoxels?: number; intervalLowA?: number; intervalHighA?: number; besideFinerVoxels?: number }[] | null;
  findings: DiagnosticFinding[];
  /** Output files (downloadable at /api/maps/<mapId>/files/<name>). */
  files: string[];
  /** The equivalent command lines. */
  commands: string[];
}

/**
 * Why the server, not the user, cancelled a job: a newer run of the same map replaced it
 * (`replaced`), or the server was stopped (`server-stopped`, e.g. Ctrl+C on `occupy gui`).
 */
export type CancelReason = 'replaced' | 'server-stopped';

/**
 * Server-sent events of a job (`queued` again whenever its place in the queue changes). A
 * `cancelled` event without `reason` answers the user's cancel; with one, `message` says it.
 */
export type JobEvent =
  | { type: 'queued'; position: number }
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'log'; level: 'info' | 'warning'; text: string }
  | { type: 'done'; result: EstimateSummaryView | HalfMapsView }
  | { type: 'error'; message: string }
  | { type: 'cancelled'; reason?: CancelReason; message?: string };

/** What the page shows after an estimate. */
export interface EstimateSummaryView {
  mapId: string;
  /** The CLI summary (same fields as `occupy --json`). */
  summary: Record<string, unknown>;
  /** Output files (names, downloadable at /api/maps/<mapId>/files/<name>). */
  files: string[];
  /** Which slice layers exist now. */
  layers: SliceLayer[];
  /** Solvent-model plot data. */
  solventPlot: {
    x: number[];
    histogram: number[];
    fitted: number[];
    initial: number[];
    confidenceX: number[];
    confidence: number[];
  };
  /**
   * Scale maps of every estimate of this map in the session, oldest first (kept to compare):
   * run number, the kept file, its mode and command line. Slices: `layer=scale&run=<run>`.
   */
  scaleRuns?: ScaleRun[];
  /** The Vega-Lite spec of the solvent-model plot (the one `occupy --plot` renders to PNG/SVG). */
  solventPlotSpec?: Record<string, unknown>;
  /** The equivalent command line. */
  command: string;
}

/** One kept scale map (see {@link EstimateSummaryView.scaleRuns}). */
export interface ScaleRun {
  run: number;
  /** File name of the kept copy, `run<n>_scale_<mode>_<stem>.mrc`. */
  file: string;
  mode: 'res' | 'occ';
  command: string;
}

/**
 * Slice layers: the input, the scale, the confidence, the solvent definition, the last output,
 * the local resolution (Å) of a half-map run whose first half is this map, that run's `decompose`
 * maps (relative occupancy, local B-factor in Å²), and that run's mask (`mask`: where the local
 * resolution is reported, > 0.5; outside it the map holds only the background value).
 */
export type SliceLayer = 'input' | 'scale' | 'confidence' | 'soldef' | 'output' | 'locres' | 'occupancy' | 'bfactor' | 'mask';
