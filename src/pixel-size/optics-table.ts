/**
 * Internal helpers: the `data_optics` table of a RELION 3.1 STAR file and its list-valued cells.
 */
import { StarFormatError, getBlock, loopTable, type StarFile, type StarTable } from '../io/star/index.js';

/**
 * The `data_optics` loop of a RELION 3.1 STAR file.
 * @throws StarFormatError when the block or its loop is missing, or the loop has no rows
 */
export function opticsTable(star: StarFile): StarTable {
  const block = getBlock(star, 'optics');
  if (!block) {
    const names = star.blocks.map((b) => `data_${b.name}`).join(', ') || 'none';
    throw new StarFormatError(`missing block data_optics: expected a RELION 3.1 STAR file with an optics table, found blocks ${names}`);
  }
  const table = loopTable(block);
  if (!table) throw new StarFormatError('block data_optics has no loop_ table: expected one row per optics group');
  if (table.rows.length === 0) throw new StarFormatError('block data_optics has no rows: expected one row per optics group');
  return table;
}

/** Whether the table has this column. */
export const hasColumn = (table: StarTable, name: string): boolean => table.columns.includes(name);

/**
 * Parse a RELION list cell such as `[0.1,-0.2,3e-3]` (brackets optional, commas and/or spaces
 * between values).
 * @param text the cell text
 * @param what description for error messages, e.g. "rlnEvenZernike of optics group 1"
 * @throws StarFormatError when a value is not a number
 */
export function parseNumberList(text: string, what: string): number[] {
  const inner = text.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  if (inner === '') return [];
  return inner.split(/[\s,]+/).filter((t) => t !== '').map((t) => {
    const v = Number(t);
    if (t === '' || Number.isNaN(v)) throw new StarFormatError(`${what}: expected a bracketed comma-separated list of numbers like [0.1,0.2], found ${JSON.stringify(text)}`);
    return v;
  });
}
