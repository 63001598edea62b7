/**
 * Process one map of a batch: estimate (and modify) in a staging folder, then move the folder into
 * place and write its record. A map folder exists only when complete.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { hostname } from 'node:os';
import { fetchEmdbMap } from '../io/emdb/index.js';
import { estimateFromFile, type EstimateFileOptions } from '../occupancy/estimate-files.js';
import type { BatchItem } from './inputs.js';
import type { BatchRecord } from './record.js';

/** Method options of a batch: those of a single estimate without input and output placement. */
export type BatchMethodOptions = Omit<EstimateFileOptions, 'inputPath' | 'outputDir' | 'outputStem' | 'onProgress'>;

/** Name of the record file inside a finished map folder. */
export const RECORD_FILE = 'record.json';
/** Folder (inside the batch output folder) where maps are processed before they are moved into place. */
export const STAGING_DIR = '.staging';

/**
 * The staging folder of one batch run: `<outRoot>/.staging/<host>-<pid>`, so that concurrent runs
 * (SLURM shards) never touch each other's work in progress.
 */
export function runStagingDir(outRoot: string): string {
  return join(outRoot, STAGING_DIR, `${hostname()}-${process.pid}`);
}

/** Path of the finished folder of an item. */
export function itemDir(outRoot: string, item: BatchItem): string {
  return join(outRoot, item.id);
}

/** The record of a finished item, or undefined when it is not finished. */
export async function finishedRecord(outRoot: string, item: BatchItem): Promise<BatchRecord | undefined> {
  const p = join(itemDir(outRoot, item), RECORD_FILE);
  if (!existsSync(p)) return undefined;
  try {
    return JSON.parse(await readFile(p, 'utf8')) as BatchRecord;
  } catch {
    return undefined;
  }
}

/**
 * Run the estimate for one item. Success: outputs in `<outRoot>/<id>/` (moved there from a staging
 * folder only when complete, with `record.json` last); failure: nothing in place, an error record.
 * The seed of synthetic solvent noise defaults to 0 so that repeated and parallel runs give
 * byte-identical maps.
 */
export async function runItem(outRoot: string, item: BatchItem, options: BatchMethodOptions, shard?: string, stagingRoot = runStagingDir(outRoot)): Promise<BatchRecord> {
  const t0 = performance.now();
  const settings = { ...options } as Record<string, unknown>;
  delete settings.threads; // how it ran, not what it computed
  const base: Omit<BatchRecord, 'status' | 'seconds'> = {
    id: item.id,
    map: item.given,
    settings,
    warnings: [],
    ...(item.classNumber !== undefined ? { classNumber: item.classNumber, classDistribution: item.classDistribution } : {}),
    ...(shard ? { shard } : {}),
  };
  const staging = join(stagingRoot, `${item.id}.${process.pid}.${Math.floor(Math.random() * 1e9)}`);
  try {
    const input = item.source.startsWith('emdb:') ? await fetchEmdbMap(item.source.slice(5)) : item.source;
    if (!existsSync(input)) throw new Error(`cannot read map '${item.given}': no such file`);
    await mkdir(staging, { recursive: true });
    const { summary, result } = await estimateFromFile({ ...options, seed: options.seed ?? 0, inputPath: input, outputDir: staging, outputStem: item.id });
    let conf = 0;
    let sumScale = 0;
    let full = 0;
    for (let i = 0; i < result.scale.data.length; i++) {
      if (result.confidence.data[i] > 0.5) {
        conf++;
        sumScale += result.scale.data[i];
        if (result.scale.data[i] === 1) full++;
      }
    }
    const dir = itemDir(outRoot, item);
    const files = (await readdir(staging)).sort().map((f) => relative(outRoot, join(dir, f)));
    const record: BatchRecord = {
      ...base,
      status: 'ok',
      box: [...summary.boxInput],
      voxelSizeA: [...summary.voxelSizeA],
      mode: summary.mode,
      sMax: summary.sMax,
      solventModel: summary.solventModel,
      confidenceLimit: summary.confidenceLimit,
      variabilityLimit: summary.variabilityLimit,
      meanScaleConfident: conf > 0 ? sumScale / conf : null,
      fractionFullScale: conf > 0 ? full / conf : null,
      warnings: summary.warnings,
      files: [...files, relative(outRoot, join(dir, RECORD_FILE))],
      seconds: (performance.now() - t0) / 1000,
    };
    await writeFile(join(staging, RECORD_FILE), JSON.stringify(record) + '\n');
    if (existsSync(dir)) await rm(dir, { recursive: true, force: true }); // an earlier incomplete or --force run
    await rename(staging, dir);
    return record;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const message = ((err as Error)?.message ?? String(err)).split('\n')[0];
    return { ...base, status: 'error', message, seconds: (performance.now() - t0) / 1000 };
  }
}
