/**
 * Table access: blocks by name, the loop of a block as a table, string and numeric columns.
 */
import { StarFormatError, type StarFile, type StarBlock, type StarLoop, type StarTable } from './model.js';
import { NUMERIC } from './format.js';

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * The block named `name` (with or without the `data_` prefix), or undefined.
 * @param file parsed file
 * @param name block name, e.g. `"particles"` or `"data_particles"`
 */
export function getBlock(file: StarFile, name: string): StarBlock | undefined {
  const exact = file.blocks.find((b) => b.name === name);
  if (exact || !name.startsWith('data_')) return exact;
  return file.blocks.find((b) => b.name === name.slice(5));
}

/**
 * The first loop of a block as a table, or undefined when the block has none.
 * The returned `columns` and `rows` are the block's own arrays (not copies).
 * @param block a data block
 */
export function loopTable(block: StarBlock): StarTable | undefined {
  const loop = block.items.find((it): it is StarLoop => it.kind === 'loop');
  return loop ? { columns: loop.columns, rows: loop.rows, blockName: block.name } : undefined;
}

function columnIndex(table: StarTable, name: string): number {
  const label = name.startsWith('_') ? name.slice(1) : name;
  const i = table.columns.indexOf(label);
  if (i < 0) {
    const where = table.blockName !== undefined ? `block data_${table.blockName}` : 'loop';
    throw new StarFormatError(`missing column ${label} in ${where} (columns: ${table.columns.join(', ') || 'none'})`);
  }
  return i;
}

/**
 * The values of one column, in row order.
 * @param table a table from {@link loopTable} (or any loop)
 * @param name column label, with or without `_`, e.g. `"rlnImageName"`
 * @returns array of length `table.rows.length`, raw strings
 * @throws StarFormatError `"missing column <name> in block data_<block>"` when absent
 */
export function column(table: StarTable, name: string): string[] {
  const i = columnIndex(table, name);
  return table.rows.map((row) => row[i]);
}

/**
 * The values of one column parsed as decimal numbers (`1`, `-2.5`, `1e-3`; also `nan`, `inf`,
 * `-inf` as printed by RELION).
 * @param table a table from {@link loopTable} (or any loop)
 * @param name column label, with or without `_`, e.g. `"rlnDefocusU"`
 * @returns array of length `table.rows.length`
 * @throws StarFormatError when the column is missing, or a value is not a number (the message
 *   names the 1-based row and the value)
 */
export function numberColumn(table: StarTable, name: string): number[] {
  const i = columnIndex(table, name);
  const label = table.columns[i];
  const where = table.blockName !== undefined ? ` in block data_${table.blockName}` : '';
  return table.rows.map((row, r) => {
    const s = row[i];
    if (!NUMERIC.test(s)) {
      throw new StarFormatError(`column ${label}${where}: expected a number in row ${r + 1}, found ${JSON.stringify(s)}`);
    }
    const lower = s.toLowerCase().replace(/^\+/, '');
    if (lower === 'nan' || lower === '-nan') return Number.NaN;
    if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
    if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
    return Number(s);
  });
}
