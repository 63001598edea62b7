/**
 * STAR writer: {@link StarFile} → text, quoting values only where needed (or as they were read).
 */
import type { StarFile, StarPair, StarLoop, StarQuote } from './model.js';
import { RESERVED, defaultQuote } from './parse.js';

// ---------------------------------------------------------------------------------------------
// Formatting

export const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i;

/**
 * Text of one value as written: quoted per `hint` or the default (see {@link StarQuote}).
 * `first` = first value on its line in a loop row (a bare `_x` or `data_x` there would not parse).
 */
function renderValue(value: string, hint: StarQuote | undefined, first: boolean, where: () => string): string {
  if (/[\n\r]/.test(value)) throw new RangeError(`${where()}: value must not contain a line break, got ${JSON.stringify(value)}`);
  if (hint === 'none') {
    const bareOk = value !== '' && !/\s/.test(value) && !/^['"#]/.test(value) && !(first && (value.startsWith('_') || RESERVED.test(value)));
    if (bareOk) return value;
  }
  let q = hint === '"' || hint === "'" ? hint : defaultQuote(value);
  if (q === 'none') return value;
  const closes = (ch: string): boolean => new RegExp(`${ch}\\s`).test(value);
  if (closes(q)) q = q === '"' ? "'" : '"';
  if (closes(q)) {
    throw new RangeError(`${where()}: value cannot be quoted in STAR (contains both '" ' and "' "), got ${JSON.stringify(value)}`);
  }
  return `${q}${value}${q}`;
}

function checkLabel(label: string, what: string): void {
  if (label === '' || /\s/.test(label)) throw new RangeError(`${what} must be non-empty without whitespace, got ${JSON.stringify(label)}`);
}

function checkComment(text: string, what: string): void {
  if (!text.startsWith('#') || /[\n\r]/.test(text)) {
    throw new RangeError(`${what} must start with '#' and be one line, got ${JSON.stringify(text)}`);
  }
}

/**
 * Write a STAR file in RELION 3.1 layout: `data_<name>`, blank line, key–value pairs with aligned
 * values, or `loop_`, `_label #N` column lines and rows with columns aligned (numbers
 * right-aligned, text left-aligned), each table followed by a blank line. Values are quoted as
 * recorded in the model, else only when needed (see {@link StarQuote}).
 *
 * Round trip: `parseStar(formatStar(f))` deep-equals `f` for any valid `f` (blank lines and
 * widths are not part of the model); for a parsed file, formatting reproduces its blocks, pairs,
 * columns, rows, values, quoting and comment lines in the same order.
 *
 * @param file the model; not modified
 * @param onProgress called every 10,000 loop rows with the fraction of all the loops' rows
 *   formatted (0..1; each row is rendered, then written: half a step each), and with 1 at the end
 * @returns the text, ending with a newline
 * @throws RangeError when a block name, key or column label is empty or contains whitespace
 *   (block names may be empty), a loop has no columns, a row's length differs from the number of
 *   columns, a comment does not start with `#`, or a value contains a line break or cannot be
 *   quoted (contains both `" ` and `' `)
 */
export function formatStar(file: StarFile, onProgress?: (fraction: number) => void): string {
  const out: string[] = [];
  // progress: two steps per loop row (render, then write)
  let steps = 0;
  for (const b of file.blocks) for (const it of b.items) if (it.kind === 'loop') steps += 2 * it.rows.length;
  const progress = onProgress ? { total: steps || 1, done: 0, on: onProgress } : undefined;
  if (file.preamble && file.preamble.length > 0) {
    out.push('');
    for (const c of file.preamble) {
      checkComment(c, 'preamble comment');
      out.push(c);
    }
    out.push('');
  }
  file.blocks.forEach((block, b) => {
    if (/\s/.test(block.name)) throw new RangeError(`block ${b} name must not contain whitespace, got ${JSON.stringify(block.name)}`);
    out.push(`data_${block.name}`, '');
    const items = block.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item.kind === 'comment') {
        checkComment(item.text, `data_${block.name} comment`);
        out.push(item.text);
        if (items[i + 1]?.kind !== 'comment') out.push('');
      } else if (item.kind === 'pair') {
        let j = i;
        while (j < items.length && items[j].kind === 'pair') j++;
        const run = items.slice(i, j) as StarPair[];
        const width = Math.max(...run.map((p) => p.key.length)) + 1;
        for (const p of run) {
          checkLabel(p.key, `data_${block.name} key`);
          const v = renderValue(p.value, p.quote, false, () => `data_${block.name} key _${p.key}`);
          const line = `_${p.key.padEnd(width)} ${v}`;
          out.push(p.comment !== undefined ? (checkComment(p.comment, `comment of _${p.key}`), `${line} ${p.comment}`) : line);
        }
        out.push('');
        i = j - 1;
      } else {
        formatLoop(item, block.name, out, progress);
        out.push('');
      }
    }
    out.push('');
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  onProgress?.(1);
  return `${out.join('\n')}\n`;
}

/** The progress of {@link formatStar}: `done` of `total` row steps, reported by `on` every 10,000. */
interface FormatProgress {
  total: number;
  done: number;
  on: (fraction: number) => void;
}

/** One row step done: every 10,000, the fraction to `p.on`. */
function step(p: FormatProgress | undefined): void {
  if (p !== undefined && ++p.done % 10000 === 0) p.on(p.done / p.total);
}

function formatLoop(loop: StarLoop, blockName: string, out: string[], progress?: FormatProgress): void {
  const nc = loop.columns.length;
  if (nc === 0) throw new RangeError(`loop in data_${blockName} must have at least one column, got 0`);
  out.push('loop_');
  loop.columns.forEach((c, i) => {
    checkLabel(c, `data_${blockName} column ${i + 1}`);
    out.push(`_${c} #${i + 1}`);
  });
  const hints = new Map<number, StarQuote>();
  for (const q of loop.quotes ?? []) hints.set(q.row * nc + q.col, q.quote);
  const cells: string[][] = loop.rows.map((row, r) => {
    if (row.length !== nc) throw new RangeError(`data_${blockName} loop row ${r} must have ${nc} values (one per column), got ${row.length}`);
    step(progress);
    return row.map((v, c) => renderValue(v, hints.get(r * nc + c), c === 0, () => `data_${blockName} row ${r} column ${loop.columns[c]}`));
  });
  const widths = new Array<number>(nc).fill(0);
  for (const row of cells) for (let c = 0; c < nc; c++) if (row[c].length > widths[c]) widths[c] = row[c].length;
  const comments = [...(loop.comments ?? [])].sort((a, b) => a.row - b.row);
  let k = 0;
  for (let r = 0; r <= cells.length; r++) {
    while (k < comments.length && comments[k].row <= r) {
      checkComment(comments[k].text, `data_${blockName} loop comment`);
      out.push(comments[k].text);
      k++;
    }
    if (r === cells.length) break;
    const row = cells[r];
    let line = '';
    for (let c = 0; c < nc; c++) {
      const s = row[c];
      const cell = NUMERIC.test(s) ? s.padStart(widths[c]) : s.padEnd(widths[c]);
      line += c === 0 ? cell : ` ${cell}`;
    }
    out.push(line.trimEnd());
    step(progress);
  }
  while (k < comments.length) out.push(comments[k++].text);
}

