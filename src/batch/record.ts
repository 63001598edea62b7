/**
 * One line of `results.jsonl`: what a batch run measured for one map.
 */

/** The record of one map of a batch. */
export interface BatchRecord {
  /** Unique name of the map in this batch (its output folder). */
  id: string;
  /** The input as given: a path or an EMDB ID. */
  map: string;
  status: 'ok' | 'error';
  /** Error message when status is 'error'. */
  message?: string;
  /** Options of the run (the same for every map of a batch). */
  settings: Record<string, unknown>;
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
  /** Output files, relative to the batch output folder. */
  files?: string[];
  /** Class3D input: class number and its distribution (fraction of particles). */
  classNumber?: number;
  classDistribution?: number;
  /** Wall-clock seconds for this map. */
  seconds: number;
  /** Which shard ran it ("i/N"), when sharded. */
  shard?: string;
}

/** Parse a JSONL text into records (blank lines ignored). */
export function parseRecords(text: string): BatchRecord[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BatchRecord);
}

/** One record per map id, the last one winning, sorted by id. */
export function latestRecords(records: BatchRecord[]): BatchRecord[] {
  const byId = new Map<string, BatchRecord>();
  for (const r of records) byId.set(r.id, r);
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
