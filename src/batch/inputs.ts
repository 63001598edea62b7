/**
 * Batch inputs: a manifest file, a folder, a glob, or a RELION Class3D `*_model.star`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { mapStem } from '../occupancy/output-names.js';
import { readStar } from '../io/star/index.js';

/** One map of a batch. */
export interface BatchItem {
  /** Unique name (output folder), from the map's stem (or `emd_<ID>`). */
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

/** Give every item a unique id: duplicates get `_2`, `_3`, … in input order. */
function uniqueIds(items: Omit<BatchItem, 'id'>[], ids: string[]): BatchItem[] {
  const seen = new Map<string, number>();
  return items.map((it, i) => {
    const base = ids[i];
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return { ...it, id: k === 1 ? base : `${base}_${k}` };
  });
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
 * Resolve batch inputs into maps. Each argument is one of: a folder (its map files, sorted); a
 * glob (`*`/`?` in the file name); a RELION `*_model.star` (the class maps); a map file; an EMDB
 * ID; or a manifest file (one map path or EMDB ID per line, `#` comments, paths relative to the
 * manifest's folder).
 *
 * Paths that do not exist are kept (their record will say so); an argument that matches nothing
 * is an error.
 * @throws Error naming the argument when it is neither a file, a folder, a glob with matches nor an EMDB ID
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
    } else if (!existsSync(arg)) {
      throw new Error(`batch input '${arg}' not found (a manifest, folder, glob, *_model.star, map or EMDB ID)`);
    } else if (statSync(arg).isDirectory()) {
      const files = readdirSync(arg).filter((f) => MAP_RE.test(f)).sort();
      if (files.length === 0) throw new Error(`folder '${arg}' holds no map (.mrc, .map, .ccp4, optionally .gz)`);
      for (const f of files) addPath(join(arg, f), join(arg, f));
    } else if (/_model\.star$/i.test(arg) || /\.star$/i.test(arg)) {
      items.push(...(await classItems(resolve(arg))));
    } else if (MAP_RE.test(arg)) {
      addPath(arg, arg);
    } else {
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
  const ids = items.map((it) => (it.source.startsWith('emdb:') ? `emd_${it.source.slice(5)}` : it.classNumber !== undefined ? `class${String(it.classNumber).padStart(3, '0')}_${mapStem(it.source)}` : mapStem(it.source)));
  return uniqueIds(items, ids);
}
