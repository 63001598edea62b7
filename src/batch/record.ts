/**
 * One line of `results.jsonl`: what a batch run measured for one map.
 */
import type { Finding } from '../diagnostics/findings.js';

/** The record of one map of a batch. */
export interface BatchRecord {
  /** Unique name of the map in this batch (its output folder). */
  id: string;
  /** The input as given: a path or an EMDB ID. */
  map: string;
  status: 'ok' | 'error';
  /** Error message when status is 'error'. */
  message?: string;
  /** Options of the run (the same for every map of a batch), with the seed filled in (default 0). */
  settings: Record<string, unknown>;
  /**
   * Completion key: a hash of the resolved settings and the input's content (`run-key.ts`). A map
   * counts as complete for a rerun only when its folder's record lists the rerun's key in {@link keys}.
   */
  key?: string;
  /** Keys of every run whose outputs this map's folder holds (outputs of several settings side by side). */
  keys?: string[];
  /** Seed of the synthetic solvent noise (batch default 0). */
  seed?: number;
  /** occupy-ts version that computed it (from package.json). */
  version?: string;
  /** SHA-256 of the input file (absent for EMDB entries that failed to download). */
  inputSha256?: string;
  /** Every resolved setting of the estimate (as in the log's record), by option name. */
  resolvedSettings?: Record<string, unknown>;
  /** Box [nx, ny, nz] in voxels. */
  box?: [number, number, number];
  /** Voxel size along X, Y, Z in Å. */
  voxelSizeA?: [number, number, number];
  mode?: 'res' | 'occ';
  /** s_max (full scale), density units. */
  sMax?: number;
  /** Solvent model: peak height c, peak mu and width sigma (density units). */
  solventModel?: { c: number; mu: number; sigma: number };
  confidenceLimit?: number;
  variabilityLimit?: number;
  /** Mean local scale over voxels with confidence > 0.5 (null when no voxel is confident). */
  meanScaleConfident?: number | null;
  /** Fraction of the confident voxels at full scale (scale == 1); null when no voxel is confident. */
  fractionFullScale?: number | null;
  warnings: string[];
  /**
   * Findings of the input diagnostics and the solvent-model self-check (`{code, severity, message,
   * evidence}`, as `occupy check --json`; each message is also among {@link warnings}).
   */
  diagnostics?: Finding[];
  /** Output files, relative to the batch output folder. */
  files?: string[];
  /** Class3D input: class number and its distribution (fraction of particles). */
  classNumber?: number;
  classDistribution?: number;
  /** Wall-clock seconds for this map. */
  seconds: number;
  /** Which shard ran it ("i/N"), when sharded. */
  shard?: string;
  /** When the map was finished (ISO 8601); orders records of one map from different files. */
  finishedAt?: string;
  /**
   * When this line was appended, if later than {@link finishedAt} (ISO 8601): set on the record of a
   * finished folder that a run found complete and recorded again because a later record of that map
   * (e.g. an error of a run with other settings that left the folder as it was) said otherwise.
   * Orders records in {@link latestRecords} before `finishedAt`.
   */
  recordedAt?: string;
}

/** A line of a results file that is not a record (e.g. cut short by a crash or a full disk). */
export interface BrokenLine {
  /** 1-based line number. */
  line: number;
  /** Why it was skipped. */
  reason: string;
}

/** Whether a parsed JSON value has the fields every record has. */
function isRecord(v: unknown): v is BatchRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return typeof r.id === 'string' && r.id !== '' && (r.status === 'ok' || r.status === 'error') && Array.isArray(r.warnings);
}

/**
 * Parse a JSONL text into records, skipping blank lines and reporting every line that is not a
 * complete record (truncated, not JSON, or missing `id`/`status`/`warnings`) instead of failing.
 */
export function parseRecordLines(text: string): { records: BatchRecord[]; broken: BrokenLine[] } {
  const records: BatchRecord[] = [];
  const broken: BrokenLine[] = [];
  const lines = text.split('\n');
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      broken.push({ line: i + 1, reason: i === lines.length - 1 ? 'incomplete last line' : 'not valid JSON' });
      return;
    }
    if (isRecord(v)) records.push(v);
    else broken.push({ line: i + 1, reason: 'not a batch record' });
  });
  return { records, broken };
}

/** Parse a JSONL text into records (blank and broken lines skipped: see {@link parseRecordLines}). */
export function parseRecords(text: string): BatchRecord[] {
  return parseRecordLines(text).records;
}

/** When a record was written, for ordering: `recordedAt`, else `finishedAt`, else '' (oldest). */
function recordTime(r: BatchRecord): string {
  return r.recordedAt ?? r.finishedAt ?? '';
}

/**
 * One record per map id, sorted by id. Of several records of one map the most recently written
 * wins (`recordedAt`, else `finishedAt`; records with neither count as oldest), and among equals
 * the last one given.
 */
export function latestRecords(records: BatchRecord[]): BatchRecord[] {
  const byId = new Map<string, BatchRecord>();
  for (const r of records) {
    const prev = byId.get(r.id);
    if (!prev || recordTime(r) >= recordTime(prev)) byId.set(r.id, r);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
