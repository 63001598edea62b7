/**
 * Process one map of a batch: estimate (and modify) in a staging folder, then move the folder into
 * place and write its record. A map folder exists only when complete.
 */
import { lstatSync, readdirSync, renameSync } from 'node:fs';
import { link, lstat, readFile, readdir, rename, stat } from 'node:fs/promises';
import { keySettings, runKey } from './run-key.js';
import { mergeEarlierOutputs } from './merge-outputs.js';
import { TOOL_VERSION } from '../core/version.js';
import { join, relative } from 'node:path';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fetchEmdbMap } from '../io/emdb/index.js';
import { estimateFromFile, type EstimateFileOptions } from '../jobs/estimate-job.js';
import { drawsRandomNumbers } from '../occupancy/options.js';
import type { BatchItem } from './inputs.js';
import type { BatchRecord } from './record.js';
import { createOwnedDir, ensureRealDir, isOwnedDir, isOwnedDirSync, isPlainName, MARKER_FILE, removeOwnedDir, removeOwnedDirSync, writeNewFileSynced } from './owned-dirs.js';
import { onSignalCleanup } from '../core/signal-cleanup.js';
import { statRegularFile } from '../core/regular-file.js';

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

/**
 * Path of the finished folder of an item.
 * @throws Error when the id is not one plain folder name (it always is for ids of {@link resolveBatchInputs})
 */
export function itemDir(outRoot: string, item: BatchItem): string {
  if (!isPlainName(item.id) || item.id.startsWith('.')) throw new Error(`batch: unsafe map id '${item.id}'`);
  return join(outRoot, item.id);
}

/**
 * The record of an item's folder (any settings), or undefined when there is none: the folder must
 * be a real folder made by this tool, with a complete `ok` record of this id.
 */
export async function folderRecord(outRoot: string, item: BatchItem): Promise<BatchRecord | undefined> {
  const dir = itemDir(outRoot, item);
  if (!(await isOwnedDir(dir))) return undefined;
  try {
    const rec = JSON.parse(await readFile(join(dir, RECORD_FILE), 'utf8')) as BatchRecord;
    return rec && rec.id === item.id && rec.status === 'ok' ? rec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The record of an item finished with these settings and this input content, or undefined: its
 * folder's record ({@link folderRecord}) must list `key` (see `run-key.ts`) among the keys whose
 * outputs it holds. Without `key`, any complete record counts.
 */
export async function finishedRecord(outRoot: string, item: BatchItem, key?: string): Promise<BatchRecord | undefined> {
  const rec = await folderRecord(outRoot, item);
  if (!rec || key === undefined) return rec;
  return (rec.keys ?? (rec.key ? [rec.key] : [])).includes(key) ? rec : undefined;
}

/**
 * Create the staging folder of a run (with this tool's marker), inside `<outRoot>/.staging`, which
 * must be a real folder.
 */
export async function createRunStaging(outRoot: string, stagingRoot = runStagingDir(outRoot)): Promise<void> {
  // a concurrent run (another SLURM task) removes `.staging` when it finds it empty
  // (`removeStaleStaging`, the end of a run), possibly between making it and looking at it, or
  // making our folder in it: make it again
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureRealDir(join(outRoot, STAGING_DIR));
      if (await isOwnedDir(stagingRoot)) return;
      await createOwnedDir(stagingRoot, 'run');
      return;
    } catch (err) {
      if (await isOwnedDir(stagingRoot)) return; // EEXIST from a sibling worker is fine
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw err;
    }
  }
}

/** Prefix of a replaced map folder parked in the run's staging folder: `.old.<id>.<pid>.<hex>` (ids never start with a dot). */
const OLD_PREFIX = '.old.';
const OLD_RE = /^\.old\.(.+)\.\d+\.[0-9a-f]{8}$/;

/**
 * Identities (`dev:ino`, of the path itself and of what it leads to) of a run's local input files,
 * so that a map folder's replacement can tell an input of the run inside it (see {@link RunItemOptions.protectIds}).
 * Paths that cannot be read give nothing.
 */
export async function inputIdentities(paths: readonly string[]): Promise<string[]> {
  const ids = new Set<string>();
  for (const p of paths) {
    if (p.startsWith('emdb:')) continue;
    for (const f of [lstat, stat]) {
      const st = await f(p, { bigint: true }).catch(() => undefined);
      if (st) ids.add(`${st.dev}:${st.ino}`);
    }
  }
  return [...ids];
}

/**
 * Which entries of an existing map folder `dir` occupy batch did not write: everything but its
 * marker, `record.json` and the regular files named after the map (`*<id>*`) that its record lists
 * among its outputs (all such files when the record lists none), and anything that is an input of
 * this run (`protectIds`, by device and inode).
 */
async function foreignEntries(outRoot: string, dir: string, id: string, record: BatchRecord | undefined, protectIds: ReadonlySet<string>): Promise<string[]> {
  const listed = record?.files ? new Set(record.files) : undefined;
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    if (name === MARKER_FILE) continue;
    const st = await lstat(join(dir, name), { bigint: true });
    if (protectIds.has(`${st.dev}:${st.ino}`)) out.push(name);
    else if (name === RECORD_FILE) continue;
    else if (!st.isFile() || !name.includes(id) || (listed && !listed.has(relative(outRoot, join(dir, name))))) out.push(name);
  }
  return out;
}

/**
 * Put back the map folders that a commit parked in `stagingRoot` (`.old.<id>.…`) when their map
 * folder is missing (the run was stopped between the two renames of {@link commitItemDir}).
 * Synchronous, never throws: for signal handlers and for the clean-up of killed runs' folders.
 */
export function restoreParkedFoldersSync(outRoot: string, stagingRoot: string): void {
  let names: string[];
  try {
    names = readdirSync(stagingRoot);
  } catch {
    return;
  }
  for (const name of names) {
    const m = OLD_RE.exec(name);
    if (!m || !isPlainName(m[1]) || m[1].startsWith('.')) continue;
    const parked = join(stagingRoot, name);
    const dir = join(outRoot, m[1]);
    try {
      if (!isOwnedDirSync(parked)) continue;
      try {
        lstatSync(dir);
        continue; // the new folder is in place: the parked one is only removed
      } catch {
        renameSync(parked, dir);
      }
    } catch {
      // keep going
    }
  }
}

/**
 * Put a complete staging folder in place as the item's folder. An existing folder is replaced only
 * when this tool made it (a real folder with the marker); it is parked in the staging folder first
 * and removed from there. What occupy batch did not write in it (user files, an input of the run;
 * see {@link foreignEntries}) is kept: hard-linked into the new folder, so it never leaves its
 * path for longer than the two renames, and a stop in between puts the old folder back
 * ({@link restoreParkedFoldersSync}).
 * @throws Error when something else has the item's name, when a kept file has the name of a new
 *   output, or when a kept entry is a folder or cannot be linked (the old folder is then unchanged)
 */
async function commitItemDir(staging: string, dir: string, stagingRoot: string, outRoot: string, id: string, protectIds: ReadonlySet<string>): Promise<void> {
  const existing = await lstat(dir).catch(() => undefined);
  if (!existing) {
    await rename(staging, dir);
    return;
  }
  if (!(await isOwnedDir(dir))) throw new Error(`'${dir}' exists and was not written by occupy batch: not replacing it`);
  const record = await readFile(join(dir, RECORD_FILE), 'utf8').then((t) => JSON.parse(t) as BatchRecord).catch(() => undefined);
  for (const name of await foreignEntries(outRoot, dir, id, record, protectIds)) {
    const path = join(dir, name);
    const input = protectIds.has(await lstat(path, { bigint: true }).then((st) => `${st.dev}:${st.ino}`));
    const what = input ? 'is an input of this run' : 'was not written by occupy batch';
    if (await lstat(join(staging, name)).then(() => true, () => false)) throw new Error(`'${path}' ${what} and this run writes a file of that name: not replacing the folder; move it away and rerun`);
    if ((await lstat(path)).isDirectory()) throw new Error(`'${path}' is a folder that occupy batch did not write: not replacing '${dir}'; move it away and rerun`);
    try {
      await link(path, join(staging, name));
    } catch (err) {
      throw new Error(`'${path}' ${what} and cannot be kept (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): not replacing '${dir}'; move it away and rerun`);
    }
  }
  const old = `${OLD_PREFIX}${id}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const parked = join(stagingRoot, old);
  await rename(dir, parked);
  try {
    await rename(staging, dir);
  } catch (err) {
    await rename(parked, dir).catch(() => undefined);
    throw err;
  }
  // the new folder holds its own links to what was kept: the parked folder is only batch's now
  await removeOwnedDir(stagingRoot, old).catch(() => undefined);
}

/** A failure message naming final paths: the item's staging folder (`…/.staging/<run>/<id>.<pid>.<hex>`) becomes its folder. */
function finalPathsIn(message: string, staging: string, dir: string): string {
  return message.split(staging).join(dir);
}

/** Options of {@link runItem} beyond the method options. */
export interface RunItemOptions {
  /** Which shard runs it ("i/N"). */
  shard?: string;
  /** The run's staging folder (default {@link runStagingDir}). */
  stagingRoot?: string;
  /**
   * Asked just before the finished folder is moved into place: false abandons the item (e.g. a
   * worker whose parent run has died, so a rerun may own the map by now).
   */
  canCommit?: () => boolean;
  /**
   * `--force`: replace the map's folder. Without it, the outputs of an earlier run with other
   * settings stay beside the new ones (an output of the same name with other voxels is refused).
   */
  force?: boolean;
  /**
   * Identities of the run's inputs ({@link inputIdentities}): such a file inside a map folder is
   * never removed when the folder is replaced.
   */
  protectIds?: readonly string[];
}

/**
 * Run the estimate for one item. Success: outputs in `<outRoot>/<id>/` (moved there from a staging
 * folder only when complete, with `record.json` last; an earlier folder of the map is replaced only
 * when this tool made it); failure: nothing in place, an error record.
 * The seed of synthetic solvent noise defaults to 0 so that repeated and parallel runs give
 * byte-identical maps.
 */
export async function runItem(outRoot: string, item: BatchItem, options: BatchMethodOptions, placement: RunItemOptions = {}): Promise<BatchRecord> {
  const { shard, stagingRoot = runStagingDir(outRoot), canCommit } = placement;
  const t0 = performance.now();
  const settings = keySettings(options); // how it ran (threads) is not what it computed
  const base: Omit<BatchRecord, 'status' | 'seconds'> = {
    id: item.id,
    map: item.given,
    settings,
    seed: settings.seed as number,
    version: TOOL_VERSION,
    warnings: [],
    ...(item.classNumber !== undefined ? { classNumber: item.classNumber, classDistribution: item.classDistribution } : {}),
    ...(shard ? { shard } : {}),
  };
  const stagingName = `${item.id}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const staging = join(stagingRoot, stagingName);
  let unregister = (): unknown => undefined;
  let dir = staging;
  try {
    dir = itemDir(outRoot, item);
    const input = item.source.startsWith('emdb:') ? await fetchEmdbMap(item.source.slice(5)) : item.source;
    // a FIFO would block the first open (and the process with it), a device would never end
    await statRegularFile(input, 'map', item.given);
    await createRunStaging(outRoot, stagingRoot);
    await createOwnedDir(staging, 'map', item.source);
    unregister = onSignalCleanup(() => {
      restoreParkedFoldersSync(outRoot, stagingRoot);
      removeOwnedDirSync(stagingRoot, stagingName);
    });
    // the record: the batch's command line, and as its rerun line this map's own estimate command,
    // run in the map's folder (the map, the method options of the batch, -o naming the stem): the
    // same in every output folder, so that maps of runs into other folders stay byte-identical
    const rerunAs = options.rerunArgs ? { args: [input, ...options.rerunArgs, '-o', `${item.id}.mrc`], cwd: dir } : undefined;
    // the batch's default seed 0 only where the run draws random numbers: a seed given to a run
    // that draws none is recorded, and would put a --seed the CLI refuses into the rerun line
    const seed = options.seed ?? (drawsRandomNumbers(options) ? 0 : undefined);
    const { summary, result } = await estimateFromFile({ ...options, rerunAs, seed, inputPath: input, outputDir: staging, outputStem: item.id, finalDir: dir });
    const inputSha256 = summary.record?.input?.sha256;
    const key = runKey(options, item.source.startsWith('emdb:') ? item.source : (inputSha256 ?? ''));
    // an earlier run's outputs (other settings) stay beside these ones, unless --force
    const previous = placement.force ? undefined : await folderRecord(outRoot, item);
    const protectIds = new Set(placement.protectIds ?? []);
    const keep = previous ? await foreignEntries(outRoot, dir, item.id, previous, protectIds) : [];
    const earlierKeys = previous ? await mergeEarlierOutputs(dir, staging, previous, new Set(keep)) : [];
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
    const files = (await readdir(staging)).filter((f) => f !== MARKER_FILE).sort().map((f) => relative(outRoot, join(dir, f)));
    const record: BatchRecord = {
      ...base,
      key,
      keys: [...new Set([...earlierKeys, key])],
      ...(inputSha256 ? { inputSha256 } : {}),
      resolvedSettings: summary.record?.settings,
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
      diagnostics: summary.diagnostics,
      files: [...files, relative(outRoot, join(dir, RECORD_FILE))],
      seconds: (performance.now() - t0) / 1000,
      finishedAt: new Date().toISOString(),
    };
    await writeNewFileSynced(join(staging, RECORD_FILE), JSON.stringify(record) + '\n');
    if (canCommit && !canCommit()) throw new Error('abandoned: the batch run that started this map has ended');
    await commitItemDir(staging, dir, stagingRoot, outRoot, item.id, protectIds);
    return record;
  } catch (err) {
    await removeOwnedDir(stagingRoot, stagingName).catch(() => undefined);
    const message = finalPathsIn(((err as Error)?.message ?? String(err)).split('\n')[0], staging, dir);
    return { ...base, status: 'error', message, seconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString() };
  } finally {
    unregister();
  }
}
