/**
 * Keeping the outputs of earlier runs of a batch map beside the new ones: a rerun with other
 * settings (e.g. `--attenuate 2` after `--amplify 2`) adds its maps to the map's folder instead of
 * replacing it; an output of the same name whose voxels would change is refused.
 */
import { link, copyFile, open, readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { MARKER_FILE } from './owned-dirs.js';
import type { BatchRecord } from './record.js';

/** Name of the record file inside a map folder (as `run-item.ts`). */
const RECORD_FILE = 'record.json';

/** Byte range of the MRC header that holds the label count and the labels (words 56–256). */
const LABELS_START = 220;
const LABELS_END = 1024;

/**
 * Whether two MRC files hold the same map: every byte equal except the label count and labels
 * (which name the run that wrote them). Read in chunks of 16 MiB.
 */
export async function sameMapIgnoringLabels(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()]);
    if (sa.size !== sb.size) return false;
    const chunk = 16 << 20;
    const ba = Buffer.alloc(Math.min(chunk, sa.size));
    const bb = Buffer.alloc(Math.min(chunk, sa.size));
    for (let off = 0; off < sa.size; off += chunk) {
      const n = Math.min(chunk, sa.size - off);
      await Promise.all([fa.read(ba, 0, n, off), fb.read(bb, 0, n, off)]);
      if (off === 0 && n >= LABELS_END) {
        ba.fill(0, LABELS_START, LABELS_END);
        bb.fill(0, LABELS_START, LABELS_END);
      }
      if (!ba.subarray(0, n).equals(bb.subarray(0, n))) return false;
    }
    return true;
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

/** Hard-link (or, where links fail, copy) `from` to the new name `to`. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/**
 * Bring the outputs of the map's earlier runs from its folder `dir` into the new run's staging
 * folder, before the staging folder replaces `dir`:
 * - files the new run did not write are kept (hard-linked into the staging folder);
 * - maps (`.mrc`) the new run wrote again must hold the same voxels (labels aside);
 * - the earlier log `log_<stem>.txt` is kept as `log_<stem>.<earlier key>.txt`; the new run's log,
 *   ChimeraX script and plots describe the new run.
 * Nothing in `dir` is changed. Entries in `leave` (what occupy batch did not write there) are not
 * taken: they are not outputs, and the folder's replacement keeps them where they are.
 * @param previous the record of `dir` (its keys are carried over)
 * @param leave names of entries of `dir` to leave alone
 * @returns the keys of the earlier runs whose outputs the folder keeps
 * @throws Error naming the map that would change and the two ways out (`--force`, a new `-d`)
 */
export async function mergeEarlierOutputs(dir: string, staging: string, previous: BatchRecord, leave: ReadonlySet<string> = new Set()): Promise<string[]> {
  const fresh = new Set(await readdir(staging));
  const earlier = (await readdir(dir)).filter((f) => f !== MARKER_FILE && f !== RECORD_FILE && !leave.has(f));
  const tag = (previous.key ?? 'earlier').slice(0, 8);
  for (const f of earlier) {
    const old = join(dir, f);
    if (!(await lstat(old)).isFile()) continue;
    if (!fresh.has(f)) {
      await linkOrCopy(old, join(staging, f));
      continue;
    }
    if (/\.mrc$/i.test(f)) {
      if (!(await sameMapIgnoringLabels(old, join(staging, f)))) {
        throw new Error(`${f} of an earlier run with other settings is in '${dir}' and would change: rerun with --force to replace that map's outputs, or write to a new -d folder`);
      }
    } else if (/^log_.*\.txt$/.test(f)) {
      const archived = f.replace(/\.txt$/, `.${tag}.txt`);
      if (!fresh.has(archived)) await linkOrCopy(old, join(staging, archived));
    }
  }
  return previous.keys ?? (previous.key ? [previous.key] : []);
}
