/**
 * The files `occupy locres` writes for one output map, and those of an earlier run in the same
 * folder that a new run does not write. Each method writes its own part of the family: local FSC
 * the map, `_pinned`, `_low` and `_high`; `--relion` the map alone; MonoRes the map and `_pinned`;
 * ResMap and MonoTomo the map alone; every method the histogram and the log, and `--filter` the
 * locally low-passed map. A later run of another method into the same folder had left the earlier
 * run's `_low`, `_high` and `_pinned` maps beside its own, where they read as its outputs (session
 * 56): a run removes them as part of its output set, and names them in its log.
 */
import { lstat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { refuseInputs } from '../core/output-set.js';

/** The suffixes of the files written beside the map `<stem>.mrc`, each method's and `--filter`'s. */
const LOCRES_SUFFIXES = ['_pinned.mrc', '_low.mrc', '_high.mrc', '_filtered.mrc', '_histogram.png', '_histogram.svg', '_log.txt'] as const;

/**
 * Every name `occupy locres` may write for the output map `<outStem>.mrc` (whatever the method):
 * the map, its pinned and 90 % interval maps, the locally low-passed map, the histogram plot and
 * the log.
 * @param outStem the output map's name without `.mrc` (`locres_<stem>` by default)
 */
export function locresOutputNames(outStem: string): string[] {
  return [`${outStem}.mrc`, ...LOCRES_SUFFIXES.map((s) => `${outStem}${s}`)];
}

/**
 * The files in `dir` that an earlier run of `occupy locres` wrote for the output map
 * `<outStem>.mrc` and this run does not write: of {@link locresOutputNames}, those present as
 * regular files (not a link, not a folder) that are not among `written` and are not an input of
 * the run (compared as files). Only this tool's own names for the stem are ever listed.
 * @param dir the folder the outputs end up in
 * @param outStem the output map's name without `.mrc`
 * @param written the names (or paths) this run writes
 * @param inputs the run's input files (never listed, however named)
 * @returns their paths in `dir`, in the order of {@link locresOutputNames}
 */
export async function staleLocresOutputs(dir: string, outStem: string, written: readonly string[], inputs: readonly string[]): Promise<string[]> {
  const writes = new Set(written.map((w) => basename(w)));
  const stale: string[] = [];
  for (const name of locresOutputNames(outStem)) {
    if (writes.has(name)) continue;
    const path = join(dir, name);
    if (!(await lstat(path).catch(() => undefined))?.isFile()) continue;
    if (!(await refuseInputs(path, inputs).then(() => true, () => false))) continue;
    stale.push(path);
  }
  return stale;
}

/**
 * The log's lines naming the earlier outputs a run removes (none: no line).
 * @param paths the removed files as the log names them
 */
export function removedOutputLines(paths: readonly string[]): string[] {
  return paths.length === 0 ? [] : ["Removed (an earlier run's outputs for this map that this run does not write):", ...paths.map((p) => `  ${p}`)];
}
