/**
 * Join RELION 3.1 particle STAR files (`data_optics` + `data_particles`), like
 * `relion_star_handler --combine`, but refusing to merge optics groups that share a name and
 * differ in their values.
 *
 * What RELION 3.1.3 `relion_star_handler --combine --i "a.star b.star"` does (checked on the
 * installed binary): optics groups are matched by `rlnOpticsGroupName` only; a name already seen
 * is "joined" to the earlier group — even when its pixel size, voltage, ... differ (it prints a
 * warning and silently keeps the first file's values); new names are appended and numbered
 * 1..K in order of first appearance (the first file's groups are renumbered 1..n in table order
 * too), and every particle's `rlnOpticsGroup` is renumbered to match. Particle columns missing
 * from some file are dropped with a warning; optics columns are filled by its ObservationModel.
 *
 * Here: the same numbering and particle rows as RELION, but the same name with different
 * values is a StarFormatError (RELION's silent merge assigns particles the wrong pixel size),
 * columns missing from some file are an error instead of being dropped; on request (`occupy star
 * join` asks) files that share identical particle rows (the same file twice, or overlapping
 * subsets) are refused instead of duplicating those particles.
 */
import { StarFormatError, getBlock, type StarBlock, type StarCellQuote, type StarFile, type StarItem, type StarLoop } from './star-file.js';

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Same value: equal text, or both decimal numbers with the same value (`1.0` = `1.000000`). */
function sameValue(a: string, b: string): boolean {
  return a === b || (NUMERIC.test(a) && NUMERIC.test(b) && Number(a) === Number(b));
}

interface InputTable {
  loop: StarLoop;
  block: StarBlock;
}

function tableOf(file: StarFile, blockName: string, fileName: string): InputTable {
  const block = getBlock(file, blockName);
  if (!block) {
    const found = file.blocks.map((b) => `data_${b.name}`).join(', ') || 'none';
    throw new StarFormatError(`${fileName}: missing block data_${blockName}: expected a RELION 3.1 particle file with data_optics and data_particles, found ${found}`);
  }
  const loop = block.items.find((it): it is StarLoop => it.kind === 'loop');
  if (!loop) throw new StarFormatError(`${fileName}: block data_${blockName} has no loop_ table`);
  loop.rows.forEach((row, r) => {
    if (row.length !== loop.columns.length) {
      throw new StarFormatError(`${fileName}: data_${blockName} row ${r + 1} has ${row.length} values, expected ${loop.columns.length} (one per column: ${loop.columns.join(', ')})`);
    }
  });
  return { loop, block };
}

function requireColumn(loop: StarLoop, label: string, blockName: string, fileName: string): number {
  const i = loop.columns.indexOf(label);
  if (i < 0) throw new StarFormatError(`${fileName}: missing column ${label} in block data_${blockName} (columns: ${loop.columns.join(', ') || 'none'})`);
  return i;
}

/** For each output column, its index in `loop` — or a StarFormatError naming a column that is missing or extra. */
function columnMap(loop: StarLoop, columns: string[], blockName: string, fileName: string, firstName: string): number[] {
  for (const c of loop.columns) {
    if (!columns.includes(c)) throw new StarFormatError(`column ${c} of data_${blockName} is in ${fileName} but missing in ${firstName}: all files must have the same ${blockName} columns`);
  }
  return columns.map((c) => {
    const i = loop.columns.indexOf(c);
    if (i < 0) throw new StarFormatError(`column ${c} of data_${blockName} is in ${firstName} but missing in ${fileName}: all files must have the same ${blockName} columns`);
    return i;
  });
}

function quoteMap(loop: StarLoop): Map<string, StarCellQuote['quote']> {
  const m = new Map<string, StarCellQuote['quote']>();
  for (const q of loop.quotes ?? []) m.set(`${q.row},${q.col}`, q.quote);
  return m;
}

/** Options of {@link joinParticleStars}. */
export interface JoinOptions {
  /**
   * A particle row of one file identical (every column, after renumbering) to a row of an
   * earlier file: `'keep'` (default, as RELION) writes both; `'refuse'` throws a StarFormatError
   * naming both rows (the same file given twice, or overlapping subsets).
   */
  overlap?: 'keep' | 'refuse';
  /**
   * Called every 10,000 particle rows with the fraction of all the files' particle rows joined
   * (0..1), and with 1 at the end: a million rows take seconds, and the join is synchronous, so a
   * caller's progress line can only come from here.
   */
  onProgress?: (fraction: number) => void;
}

interface OutGroup {
  name: string;
  /** Values in output optics column order (rlnOpticsGroup cell replaced by the new number). */
  values: string[];
  fileName: string;
}

/**
 * Join RELION 3.1 particle STAR files into one.
 *
 * - Optics groups are identified by `rlnOpticsGroupName`; a name seen in an earlier file with
 *   the same values in every optics column except `rlnOpticsGroup` (numbers compared by value,
 *   so `1.0` = `1.000000`) is the same group.
 * - Distinct groups are numbered 1..K in order of first appearance (files in order, optics rows
 *   in table order), and `rlnOpticsGroup` of every particle row is renumbered to match.
 * - Particle rows are concatenated in file order; columns follow the first file's order (other
 *   files may order them differently). Optics rows likewise.
 * - The output keeps the first file's preamble and the non-table items (comments, pairs) of its
 *   `data_optics` and `data_particles` blocks; other blocks and loop comments are not copied.
 *   Quoting hints of cells are carried over.
 *
 * The inputs are not modified. Matches `relion_star_handler --combine` in content (same optics
 * rows and particle rows, same renumbering) except where RELION would merge or drop data: see
 * the module comment.
 *
 * @param files parsed particle STAR files (at least one)
 * @param names file names for messages, same length as `files`; default `file 1`, `file 2`, ...
 * @param options `overlap: 'refuse'` refuses files that share identical particle rows (what
 *   `occupy star join` does); the default `'keep'` concatenates them, as RELION does
 * @returns a new StarFile with `data_optics` and `data_particles`
 * @throws StarFormatError when a file lacks `data_optics`/`data_particles` or their loops, a
 *   needed column (`rlnOpticsGroup`, `rlnOpticsGroupName`) is missing, the optics or particle
 *   columns differ between files (naming the column and files), a row has the wrong number of
 *   values, a group number or name repeats within one file, a particle refers to a group missing
 *   from its file's `data_optics`, or the same group name appears with different values:
 *   `optics group name 'X' appears in A.star and B.star with different values: rlnImagePixelSize 1.0 vs 0.95`; with `overlap: 'refuse'`, when a particle row of one file is identical (every column, after renumbering) to a row of
 *   an earlier file — the same file given twice, or overlapping files — which would duplicate
 *   particles (identical rows within one file are kept, as RELION does)
 * @throws RangeError when `files` is empty or `names` has a different length
 */
export function joinParticleStars(files: StarFile[], names?: string[], options: JoinOptions = {}): StarFile {
  if (files.length === 0) throw new RangeError('files must contain at least one STAR file, got 0');
  if (names && names.length !== files.length) throw new RangeError(`names must have one entry per file (${files.length}), got ${names.length}`);
  const fileNames = names ?? files.map((_, i) => `file ${i + 1}`);

  const optics = files.map((f, i) => tableOf(f, 'optics', fileNames[i]));
  const particles = files.map((f, i) => tableOf(f, 'particles', fileNames[i]));
  const opticsColumns = [...optics[0].loop.columns];
  const particleColumns = [...particles[0].loop.columns];
  const oGroupCol = requireColumn(optics[0].loop, 'rlnOpticsGroup', 'optics', fileNames[0]);
  requireColumn(optics[0].loop, 'rlnOpticsGroupName', 'optics', fileNames[0]);
  const pGroupCol = requireColumn(particles[0].loop, 'rlnOpticsGroup', 'particles', fileNames[0]);
  const nameCol = opticsColumns.indexOf('rlnOpticsGroupName');

  const groups: OutGroup[] = [];
  const byName = new Map<string, number>(); // name -> index into groups
  const outOptics: StarLoop = { kind: 'loop', columns: opticsColumns, rows: [] };
  const outParticles: StarLoop = { kind: 'loop', columns: particleColumns, rows: [] };
  const opticsQuotes: StarCellQuote[] = [];
  const particleQuotes: StarCellQuote[] = [];
  // every output particle row (after renumbering) -> where it came from, to refuse overlapping files
  const seenRows = new Map<string, { file: number; row: number }>();
  const imageCol = particleColumns.indexOf('rlnImageName');
  const refuseOverlap = options.overlap === 'refuse';
  const totalRows = particles.reduce((a, p) => a + p.loop.rows.length, 0) || 1;
  let doneRows = 0;

  files.forEach((_, f) => {
    const fileName = fileNames[f];
    const oLoop = optics[f].loop;
    const oMap = columnMap(oLoop, opticsColumns, 'optics', fileName, fileNames[0]);
    const oQuotes = quoteMap(oLoop);
    const renumber = new Map<string, number>(); // old group number (as number text) -> new
    const seenNames = new Set<string>();
    oLoop.rows.forEach((row, r) => {
      const values = oMap.map((i) => row[i]);
      const oldText = values[oGroupCol];
      const old = Number(oldText);
      if (!Number.isInteger(old) || !NUMERIC.test(oldText)) {
        throw new StarFormatError(`${fileName}: data_optics row ${r + 1}: expected an integer rlnOpticsGroup, found ${JSON.stringify(oldText)}`);
      }
      const name = values[nameCol];
      if (renumber.has(String(old))) throw new StarFormatError(`${fileName}: optics group number ${old} appears twice in data_optics`);
      if (seenNames.has(name)) throw new StarFormatError(`${fileName}: optics group name '${name}' appears twice in data_optics`);
      seenNames.add(name);
      const existing = byName.get(name);
      if (existing !== undefined) {
        const g = groups[existing];
        const diffs = opticsColumns
          .map((c, k) => ({ c, a: g.values[k], b: values[k] }))
          .filter(({ c, a, b }) => c !== 'rlnOpticsGroup' && !sameValue(a, b))
          .map(({ c, a, b }) => `${c} ${a} vs ${b}`);
        if (diffs.length > 0) {
          throw new StarFormatError(`optics group name '${name}' appears in ${g.fileName} and ${fileName} with different values: ${diffs.join(', ')}; if they are different optics, give one of them another name in its file's data_optics (rlnOpticsGroupName; RELION's import names every first group opticsGroup1) and join again`);
        }
        renumber.set(String(old), existing + 1);
        return;
      }
      const number = groups.length + 1;
      values[oGroupCol] = String(number);
      groups.push({ name, values, fileName });
      byName.set(name, groups.length - 1);
      renumber.set(String(old), number);
      const outRow = outOptics.rows.length;
      oMap.forEach((i, k) => {
        const q = oQuotes.get(`${r},${i}`);
        if (q && k !== oGroupCol) opticsQuotes.push({ row: outRow, col: k, quote: q });
      });
      outOptics.rows.push(values);
    });

    const pLoop = particles[f].loop;
    const pMap = columnMap(pLoop, particleColumns, 'particles', fileName, fileNames[0]);
    const pQuotes = quoteMap(pLoop);
    const known = () => [...renumber.keys()].join(', ');
    pLoop.rows.forEach((row, r) => {
      const values = pMap.map((i) => row[i]);
      const oldText = values[pGroupCol];
      const mapped = NUMERIC.test(oldText) ? renumber.get(String(Number(oldText))) : undefined;
      if (mapped === undefined) {
        throw new StarFormatError(`${fileName}: data_particles row ${r + 1} has rlnOpticsGroup ${JSON.stringify(oldText)}, which is not a group in its data_optics (groups ${known()})`);
      }
      values[pGroupCol] = String(mapped);
      const key = values.join('\u0000');
      const earlier = seenRows.get(key);
      if (refuseOverlap && earlier !== undefined && earlier.file !== f) {
        const image = imageCol >= 0 ? ` (rlnImageName ${values[imageCol]})` : '';
        throw new StarFormatError(`particle ${r + 1} of ${fileName}${image} is identical to particle ${earlier.row + 1} of ${fileNames[earlier.file]}: the files overlap, and joining them would duplicate particles; give each particle once`);
      }
      if (earlier === undefined) seenRows.set(key, { file: f, row: r });
      const outRow = outParticles.rows.length;
      pMap.forEach((i, k) => {
        const q = pQuotes.get(`${r},${i}`);
        if (q && k !== pGroupCol) particleQuotes.push({ row: outRow, col: k, quote: q });
      });
      outParticles.rows.push(values);
      if (++doneRows % 10000 === 0) options.onProgress?.(doneRows / totalRows);
    });
  });
  options.onProgress?.(1);

  if (opticsQuotes.length > 0) outOptics.quotes = opticsQuotes;
  if (particleQuotes.length > 0) outParticles.quotes = particleQuotes;
  const withLoop = (block: StarBlock, loop: StarLoop, original: StarLoop): StarBlock => ({
    name: block.name,
    items: block.items.map((it): StarItem => (it === original ? loop : it.kind === 'loop' ? it : { ...it })).filter((it) => it.kind !== 'loop' || it === loop),
  });
  const out: StarFile = {
    blocks: [withLoop(optics[0].block, outOptics, optics[0].loop), withLoop(particles[0].block, outParticles, particles[0].loop)],
  };
  if (files[0].preamble) out.preamble = [...files[0].preamble];
  return out;
}
