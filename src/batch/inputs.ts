/**
 * Batch inputs: a manifest file, a folder, a glob, or a RELION Class3D `*_model.star`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { mapStem } from '../occupancy/output-names.js';
import { assertRegularFile, unreadableFileError } from '../core/regular-file.js';
import { fsErrorReason } from '../core/fs-error-reason.js';
import { readStar } from '../io/star/index.js';

/** One map of a batch. */
export interface BatchItem {
  /** Unique, safe name of the output folder: see {@link itemId}. */
  id: string;
  /** Absolute path of a local map, or `emdb:<ID>`. */
  source: string;
  /** As written by the user (manifest line, file name). */
  given: string;
  /** Class3D input: class number (1-based) and distribution. */
  classNumber?: number;
  classDistribution?: number;
}

const MAP_RE = /\.(mrc|map|ccp4|rec)(\.gz)?$/i;
const EMDB_RE = /^(?:EMD[-_]?)?(\d{4,5})$/i;

/** Longest readable part of a folder name (the hash suffix comes on top). */
const MAX_STEM = 80;

/**
 * A stem made safe as a folder name: characters outside `[A-Za-z0-9._+-]` become `_`, leading dots
 * and dashes are dropped (no `.`, `..`, hidden or option-like names), at most {@link MAX_STEM}
 * characters, and `map` when nothing is left.
 */
export function safeStem(stem: string): string {
  const s = stem.replace(/[^A-Za-z0-9._+-]/g, '_').replace(/^[.-]+/, '').slice(0, MAX_STEM);
  return s === '' ? 'map' : s;
}

/**
 * The identity of a local map: its real path (links resolved) when it exists, else its absolute
 * path. The same file given twice, relatively and absolutely or through a link, has one key.
 */
export function sourceKey(source: string): string {
  if (source.startsWith('emdb:')) return source;
  try {
    return realpathSync(source);
  } catch {
    return resolve(source);
  }
}

/** First `digits` hex digits of the SHA-256 of `key`. */
function shortHash(key: string, digits = 8): string {
  return createHash('sha256').update(key).digest('hex').slice(0, digits);
}

/**
 * The output folder name of an item: `emd_<ID>` for an EMDB entry; otherwise the safe stem of the
 * map's real path (with `classNNN_` for Class3D classes), `-`, and a short hash of that path. The
 * name never is `.`, `..` or empty, holds no path separator, never starts with a dot, differs for
 * different files with the same stem, and is the same in every run that reads the same file, under
 * whatever name (relative, absolute, through a link) it is given.
 */
export function itemId(item: Omit<BatchItem, 'id'>, hashDigits = 8): string {
  if (item.source.startsWith('emdb:')) return `emd_${item.source.slice(5)}`;
  const prefix = item.classNumber !== undefined ? `class${String(item.classNumber).padStart(3, '0')}_` : '';
  return safeStem(prefix + mapStem(sourceKey(item.source))) + '-' + shortHash(itemKey(item), hashDigits);
}

/** What makes two items the same map: the real path (and class number), or the EMDB ID. */
function itemKey(item: Omit<BatchItem, 'id'>): string {
  return sourceKey(item.source) + (item.classNumber !== undefined ? `#class${item.classNumber}` : '');
}

/**
 * Give every item its id ({@link itemId}); a map given more than once is kept once (the first). In
 * the unlikely case that two different maps get the same 8-digit id, the later gets 16 digits.
 */
function uniqueItems(items: Omit<BatchItem, 'id'>[]): BatchItem[] {
  const keyOf = new Map<string, string>();
  const out: BatchItem[] = [];
  for (const it of items) {
    const key = itemKey(it);
    let id = itemId(it);
    if (keyOf.has(id) && keyOf.get(id) !== key) id = itemId(it, 16);
    if (keyOf.has(id)) continue; // the same map again
    keyOf.set(id, key);
    out.push({ ...it, id });
  }
  return out;
}

/** Convert a simple glob (`*`, `?` in the last path component) to the matching files, sorted. */
function expandGlob(pattern: string): string[] {
  const dir = dirname(pattern);
  const re = new RegExp('^' + basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => resolve(dir, f));
}

/** Class maps of a RELION Class3D model.star (`data_model_classes`: rlnReferenceImage, rlnClassDistribution). */
async function classItems(starPath: string): Promise<Omit<BatchItem, 'id'>[]> {
  const star = await readStar(starPath);
  const block = star.blocks.find((b) => b.name === 'model_classes');
  if (!block) throw new Error(`${starPath}: no data_model_classes block: is this a RELION *_model.star?`);
  const loop = block.items.find((it) => it.kind === 'loop');
  if (!loop || loop.kind !== 'loop') throw new Error(`${starPath}: data_model_classes has no loop`);
  const col = (name: string) => {
    const i = loop.columns.indexOf(name);
    if (i < 0) throw new Error(`${starPath}: missing column ${name} in data_model_classes`);
    return i;
  };
  const ref = col('rlnReferenceImage');
  const dist = loop.columns.indexOf('rlnClassDistribution');
  // RELION writes paths relative to the project folder (where the job folders are); try that, then the star's folder
  const projectDir = resolve(dirname(starPath), '..', '..');
  return loop.rows.map((row, i) => {
    const rel = row[ref];
    const candidates = isAbsolute(rel) ? [rel] : [resolve(projectDir, rel), resolve(dirname(starPath), basename(rel))];
    const found = candidates.find((c) => existsSync(c)) ?? candidates[0];
    return { source: found, given: rel, classNumber: i + 1, classDistribution: dist >= 0 ? Number(row[dist]) : undefined };
  });
}

/**
 * Whether something is at `path` (after following links): false only when nothing is there.
 * @throws Error `cannot read batch input '<path>': permission denied` (or another fs reason) when it
 *   cannot be looked at (`existsSync` had said 'not found' for a file in a folder the user cannot
 *   search)
 */
function inputExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw unreadableFileError('batch input', path, fsErrorReason(err), err);
  }
}

/**
 * Resolve batch inputs into maps. Each argument is one of: a folder (its map files, sorted); a
 * glob (`*`/`?` in the file name); a RELION `*_model.star` (the class maps); a map file; an EMDB
 * ID; or a manifest file (one map path or EMDB ID per line, `#` comments, paths relative to the
 * manifest's folder).
 *
 * Paths that do not exist are kept (their record will say so); an argument that matches nothing
 * is an error. A map given more than once (also as a relative and an absolute path, or through a
 * link) is one item.
 * @throws Error naming the argument when it is neither a file, a folder, a glob with matches nor an
 *   EMDB ID, or cannot be looked at (`cannot read batch input '<arg>': permission denied`)
 */
export async function resolveBatchInputs(args: string[]): Promise<BatchItem[]> {
  const items: Omit<BatchItem, 'id'>[] = [];
  const addPath = (p: string, given: string) => items.push({ source: resolve(p), given });
  for (const arg of args) {
    const emdb = EMDB_RE.exec(arg);
    if (emdb && !existsSync(arg)) {
      items.push({ source: `emdb:${emdb[1]}`, given: arg });
    } else if (/[*?]/.test(arg)) {
      const files = expandGlob(arg);
      if (files.length === 0) throw new Error(`no file matches '${arg}'`);
      for (const f of files) addPath(f, f);
    } else if (!inputExists(arg)) {
      throw new Error(`batch input '${arg}' not found (a manifest, folder, glob, *_model.star, map or EMDB ID)`);
    } else if (statSync(arg).isDirectory()) {
      const files = readdirSync(arg).filter((f) => MAP_RE.test(f)).sort();
      if (files.length === 0) throw new Error(`folder '${arg}' holds no map (.mrc, .map, .ccp4, optionally .gz)`);
      for (const f of files) addPath(join(arg, f), join(arg, f));
    } else if (MAP_RE.test(arg)) {
      addPath(arg, arg); // checked when its item runs
    } else {
      // a manifest or *_model.star: a FIFO would block the read (and the process with it), a
      // device would never end
      assertRegularFile(statSync(arg), 'batch input', arg);
      if (/_model\.star$/i.test(arg) || /\.star$/i.test(arg)) {
        items.push(...(await classItems(resolve(arg))));
        continue;
      }
      const dir = dirname(resolve(arg));
      for (const raw of readFileSync(arg, 'utf8').split('\n')) {
        const line = raw.replace(/#.*$/, '').trim();
        if (!line) continue;
        const id = EMDB_RE.exec(line);
        if (id && !existsSync(resolve(dir, line))) items.push({ source: `emdb:${id[1]}`, given: line });
        else items.push({ source: isAbsolute(line) ? line : resolve(dir, line), given: line });
      }
    }
  }
  return uniqueItems(items);
}
