/**
 * The plan of a batch: which maps a run (or a SLURM job array) is to record, with which settings,
 * in which shard. Every run writes it into `<outRoot>/.plans/` before computing anything (so does
 * `--slurm` before the array is submitted), and `collect` checks the records against every plan,
 * so that a shard that never ran (or a run stopped early) is named instead of leaving a merged
 * results file that only looks complete.
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.js';
import type { BatchItem } from './inputs.js';
import { onSignalCleanup } from '../core/signal-cleanup.js';
import { ensureRealDir, removeEmptyDirSync } from './owned-dirs.js';
import type { BatchRecord } from './record.js';
import { canonicalJson, keySettings } from './run-key.js';

/** Folder of the plans, inside the batch output folder. */
export const PLAN_DIR = '.plans';
const PLAN_RE = /^plan-[0-9a-f]{16}\.json$/;

/** What a plan file says. */
export interface BatchPlan {
  /** Format version. */
  version: 1;
  /** The settings every record of the plan carries (`BatchRecord.settings`, see `keySettings`). */
  settings: Record<string, unknown>;
  /** Number of shards N (1 when not sharded): map k of the input list is in shard k mod N. */
  shards: number;
  /** Every map of the batch (all shards), in input order. */
  maps: { id: string; map: string; shard: number }[];
  /** When the plan was first written (ISO 8601). */
  createdAt: string;
}

/** A map of a plan without any record carrying the plan's settings. */
export interface MissingMap {
  id: string;
  /** The input as given. */
  map: string;
  /** The shard that was to record it, `i/N`; undefined when the plan is not sharded. */
  shard?: string;
  /** The results file that shard writes (`results.jsonl` or `results.shard-i-of-N.jsonl`). */
  resultsFile: string;
  /** Path of the plan file. */
  plan: string;
  /** Whether some record of this map has other settings (a run with other settings computed it). */
  otherSettings: boolean;
}

/** The plan of a batch of `items` computed with `options`, in `shards` shards (items k with k mod shards == i in shard i). */
export function batchPlan(items: readonly BatchItem[], options: object, shards = 1): BatchPlan {
  return { version: 1, settings: keySettings(options), shards, maps: items.map((it, k) => ({ id: it.id, map: it.given, shard: k % shards })), createdAt: new Date().toISOString() };
}

/** File name of a plan: a hash of its settings, shard count and map ids (not of its time). */
function planName(plan: BatchPlan): string {
  const text = canonicalJson({ settings: plan.settings, shards: plan.shards, ids: plan.maps.map((m) => m.id) });
  return `plan-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`;
}

/**
 * Write `plan` into `<outRoot>/.plans/` unless the same plan (settings, shards, maps) is there
 * already (every shard of an array writes the same one). Atomic: a reader never sees half a plan.
 * @returns the plan file's path
 * @throws Error `cannot write '<path>': <reason>`, or when `.plans` is a link or a file
 */
export async function writePlan(outRoot: string, plan: BatchPlan): Promise<string> {
  const dir = join(outRoot, PLAN_DIR);
  const path = join(dir, planName(plan));
  // stopped by a signal or failed (a full disk) before the plan is in place: no empty `.plans` is
  // left behind (before session 58 it was; the output set removes the plan's temporary file)
  const unregister = onSignalCleanup(() => removeEmptyDirSync(dir));
  try {
    for (let attempt = 0; ; attempt++) {
      await ensureRealDir(dir);
      if (await stat(path).then((st) => st.isFile(), () => false)) return path;
      try {
        await writeFileAtomic(path, JSON.stringify(plan) + '\n');
        return path;
      } catch (err) {
        // another run that was stopped removed the empty folder meanwhile: make it again
        const gone = await lstat(dir).then(() => false, () => true);
        if (!gone || attempt === 2) {
          removeEmptyDirSync(dir);
          throw err;
        }
      }
    }
  } finally {
    unregister();
  }
}

/** Whether a parsed JSON value is a plan. */
function isPlan(v: unknown): v is BatchPlan {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<BatchPlan>;
  return p.version === 1 && typeof p.settings === 'object' && p.settings !== null && Number.isInteger(p.shards) && (p.shards ?? 0) >= 1 && Array.isArray(p.maps) && p.maps.every((m) => typeof m?.id === 'string' && typeof m.map === 'string' && Number.isInteger(m.shard));
}

/**
 * The plans of a batch folder (none when there is no `.plans`, e.g. a folder of an older version).
 * A plan file that cannot be read or is not a plan is skipped and passed to `onWarning`.
 */
export async function readPlans(outRoot: string, onWarning?: (message: string) => void): Promise<{ path: string; plan: BatchPlan }[]> {
  const dir = join(outRoot, PLAN_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  const plans: { path: string; plan: BatchPlan }[] = [];
  for (const name of names.filter((n) => PLAN_RE.test(n)).sort()) {
    const path = join(dir, name);
    try {
      const v: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (!isPlan(v)) throw new Error('not a batch plan');
      plans.push({ path, plan: v });
    } catch (err) {
      onWarning?.(`${path}: skipped (${(err as Error).message}); maps of that batch without a record cannot be named`);
    }
  }
  return plans;
}

/**
 * The maps of `plans` that no record (of any results file, any status) carries with the plan's
 * settings: a shard that never ran, a run stopped before it recorded them, or one still running.
 * Sorted by plan, shard and id.
 * @param records every record of the folder (not only the latest per map)
 */
export function missingMaps(plans: readonly { path: string; plan: BatchPlan }[], records: readonly BatchRecord[]): MissingMap[] {
  const bySettings = new Map<string, Set<string>>();
  const anyRecord = new Set<string>();
  for (const r of records) {
    const s = canonicalJson(r.settings ?? {});
    if (!bySettings.has(s)) bySettings.set(s, new Set());
    bySettings.get(s)?.add(r.id);
    anyRecord.add(r.id);
  }
  const out: MissingMap[] = [];
  for (const { path, plan } of plans) {
    const have = bySettings.get(canonicalJson(plan.settings)) ?? new Set<string>();
    for (const m of plan.maps) {
      if (have.has(m.id)) continue;
      const sharded = plan.shards > 1;
      out.push({
        id: m.id,
        map: m.map,
        ...(sharded ? { shard: `${m.shard}/${plan.shards}` } : {}),
        resultsFile: sharded ? `results.shard-${m.shard}-of-${plan.shards}.jsonl` : 'results.jsonl',
        plan: path,
        otherSettings: anyRecord.has(m.id),
      });
    }
  }
  return out.sort((a, b) => (a.plan !== b.plan ? (a.plan < b.plan ? -1 : 1) : (a.shard ?? '') !== (b.shard ?? '') ? ((a.shard ?? '') < (b.shard ?? '') ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One line per plan and shard with missing maps: which shard, whether it ran (some of its maps
 * recorded with the plan's settings, or its results file there), and the maps without a record (at
 * most 20 named), e.g. `incomplete batch: shard 2/4 never ran (no results.shard-2-of-4.jsonl): no
 * record of its 3 maps: a-…, b-…, c-… (batch planned in '<plan>')`.
 * @param resultsFiles names of the results files present in the folder
 */
export function missingMessages(missing: readonly MissingMap[], plans: readonly { path: string; plan: BatchPlan }[], resultsFiles: readonly string[]): string[] {
  const groups = new Map<string, MissingMap[]>();
  for (const m of missing) {
    const k = `${m.plan}\n${m.shard ?? ''}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)?.push(m);
  }
  const lines: string[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const plan = plans.find((p) => p.path === first.plan)?.plan;
    const total = plan ? plan.maps.filter((m) => first.shard === undefined || `${m.shard}/${plan.shards}` === first.shard).length : group.length;
    const who = first.shard === undefined ? 'the run' : `shard ${first.shard}`;
    const names = group.slice(0, 20).map((m) => m.id + (m.otherSettings ? ' (recorded with other settings only)' : '')).join(', ') + (group.length > 20 ? `, and ${group.length - 20} more` : '');
    const what = group.length < total
      ? `${who} did not finish (stopped early, or still running): no record of ${group.length} of its ${total} maps`
      : resultsFiles.includes(first.resultsFile)
        ? `${who} never ran with these settings: no record of its ${total === 1 ? 'map' : `${total} maps`}`
        : `${who} never ran (no ${first.resultsFile}): no record of its ${total === 1 ? 'map' : `${total} maps`}`;
    lines.push(`incomplete batch: ${what}: ${names} (batch planned in '${first.plan}')`);
  }
  return lines;
}
