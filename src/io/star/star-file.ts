import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { writeFileAtomic } from '../../core/atomic-write.js';

const gunzip = promisify(gunzipCallback);
const gzip = promisify(gzipCallback);

/**
 * Error raised for a broken STAR file (or a missing/non-numeric column asked for by a helper).
 *
 * The message is one line saying what was expected and what was found, prefixed with
 * `"<name>: "` when the parser was given a file name and `"line <n>: "` when the problem sits on
 * a line, e.g. `"particles.star: line 31: loop row has 3 values but the loop_ at line 22
 * declared 4 columns (rlnImageName, ...)"`.
 *
 * @see https://relion.readthedocs.io/en/release-3.1/Reference/Conventions.html (RELION STAR conventions)
 */
export class StarFormatError extends Error {
  override readonly name = 'StarFormatError';
  /** 1-based line number of the offending line, when the error is tied to one. */
  readonly line: number | undefined;

  /**
   * @param message one-line description: what was expected and what was found (already prefixed)
   * @param line 1-based line number, if any
   * @param options standard `ErrorOptions` (e.g. `cause` for a zlib error)
   */
  constructor(message: string, line?: number, options?: ErrorOptions) {
    super(message, options);
    this.line = line;
  }
}

/**
 * How a value was written, when it differs from what {@link formatStar} would choose by itself:
 * `'"'` or `"'"` = wrapped in that quote character, `'none'` = written bare even though the
 * default would quote it (e.g. a value starting with `_`).
 *
 * The default: bare unless the value is empty, contains whitespace, starts with `'`, `"`, `#` or
 * `_`, or starts with a STAR reserved word (`data_`, `loop_`, `save_`, `global_`, `stop_`); then
 * `"` (or `'` when the value contains `"` followed by whitespace).
 */
export type StarQuote = '"' | "'" | 'none';

/** A key–value line `_key value` (e.g. `_rlnNrClasses 3`). */
export interface StarPair {
  kind: 'pair';
  /** Label without the leading `_`, e.g. `rlnNrClasses`. */
  key: string;
  /** Raw value text (quotes removed), e.g. `"3"`, `""` for RELION's `""`. */
  value: string;
  /** Non-default quoting of the value (see {@link StarQuote}); absent = default. */
  quote?: StarQuote;
  /** Trailing comment on the same line, including its `#` (e.g. `"# in Angstrom"`). */
  comment?: string;
}

/** Non-default quoting of one loop cell (see {@link StarQuote}). */
export interface StarCellQuote {
  /** 0-based row index into {@link StarLoop.rows}. */
  row: number;
  /** 0-based column index into {@link StarLoop.columns}. */
  col: number;
  /** How the cell is written. */
  quote: StarQuote;
}

/**
 * A comment line inside a loop, kept at its position among the rows. A comment at the end of a
 * row line is kept as a comment before the next row (it is written on a line of its own).
 */
export interface StarLoopComment {
  /** The comment comes before row `row` (0-based; `rows.length` = after the last row). */
  row: number;
  /** Whole comment including `#`, e.g. `"# micrograph 2"`. */
  text: string;
}

/** A `loop_` table. */
export interface StarLoop {
  kind: 'loop';
  /** Column labels without `_`, in file order, e.g. `['rlnImageName', 'rlnDefocusU']`. */
  columns: string[];
  /** Rows, each of length `columns.length`, raw value strings in column order. */
  rows: string[][];
  /** Cells with non-default quoting; absent when none (see {@link StarQuote}). */
  quotes?: StarCellQuote[];
  /** Comment lines inside the loop; absent when none. */
  comments?: StarLoopComment[];
}

/** A whole-line comment between items of a block, e.g. `# version 30001`. */
export interface StarComment {
  kind: 'comment';
  /** Whole comment line including `#`, trimmed, e.g. `"# version 30001"`. */
  text: string;
}

/** One item of a data block, in file order. */
export type StarItem = StarPair | StarLoop | StarComment;

/** A `data_<name>` block. */
export interface StarBlock {
  /** Text after `data_` (may be empty for a bare `data_`), e.g. `"particles"`. */
  name: string;
  /** Pairs, loops and comment lines, in file order. */
  items: StarItem[];
}

/**
 * A parsed STAR file. Blank lines and column widths are layout and not kept; comment lines,
 * quoting and all blocks, keys, columns and values are, in file order.
 */
export interface StarFile {
  /** Blocks in file order. */
  blocks: StarBlock[];
  /** Comment lines (with `#`) before the first `data_` line; absent when none. */
  preamble?: string[];
}

/** A loop's columns and rows, as returned by {@link loopTable}. */
export interface StarTable {
  /** Column labels without `_`, in file order. */
  columns: string[];
  /** Rows, each of length `columns.length`. */
  rows: string[][];
  /** Name of the block the table came from (used in error messages), without `data_`. */
  blockName?: string;
}

// ---------------------------------------------------------------------------------------------
// Lexing

interface Token {
  value: string;
  /** Quote character the token was wrapped in, if any. */
  quoted?: '"' | "'";
}

interface LexedLine {
  tokens: Token[];
  /** Trailing comment including `#`, if any. */
  comment?: string;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\v' || c === '\f';

const RESERVED = /^(data|loop|save|global|stop)_/i;

/**
 * Split one line into whitespace-separated tokens. A token starting with `'` or `"` runs to the
 * next same quote that is followed by whitespace or the end of the line (STAR/CIF rule, so
 * `'it's'` is the value `it's`); a token starting with `#` starts a comment.
 */
function lex(line: string, fail: (msg: string) => never): LexedLine {
  const tokens: Token[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    const c = line[i];
    if (c === '#') return { tokens, comment: line.slice(i).trimEnd() };
    if (c === '"' || c === "'") {
      let k = i + 1;
      while (k < n && !(line[k] === c && (k + 1 === n || isSpace(line[k + 1])))) k++;
      if (k >= n) {
        fail(`unterminated ${c} quote starting at column ${i + 1}: expected a closing ${c} followed by whitespace or end of line, found ${JSON.stringify(line.slice(i))}`);
      }
      tokens.push({ value: line.slice(i + 1, k), quoted: c });
      i = k + 1;
      continue;
    }
    let k = i;
    while (k < n && !isSpace(line[k])) k++;
    tokens.push({ value: line.slice(i, k) });
    i = k;
  }
  return { tokens };
}

/** Quote character {@link formatStar} uses for `value` when given no quote hint ('none' = bare). */
function defaultQuote(value: string): StarQuote {
  const bare = value !== '' && !/\s/.test(value) && !/^['"#_]/.test(value) && !RESERVED.test(value);
  if (bare) return 'none';
  return /"\s/.test(value) ? "'" : '"';
}

/** The quote hint to store for a token: undefined when the default reproduces it. */
function quoteHint(token: Token): StarQuote | undefined {
  const actual: StarQuote = token.quoted ?? 'none';
  return actual === defaultQuote(token.value) ? undefined : actual;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const short = (s: string): string => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

/**
 * Parse the text of a STAR file (RELION 3.1+ dialect).
 *
 * Grammar (one statement per line; lines end with `\n` or `\r\n`; `data_`/`loop_` are matched
 * case-insensitively):
 * - `data_<name>` starts a block (`data_` alone = block named `""`);
 * - `loop_` starts a table; the following `_label` lines (optionally `_label #N`) are its
 *   columns, then each non-blank line is one row of whitespace-separated values, one per column;
 *   the table ends at a blank line, `data_`, `loop_`, a `_key` line, or end of file;
 * - outside a loop, `_key value` is a key–value pair;
 * - `#` starts a comment (whole-line comments are kept, `#N` after a column label is dropped);
 * - values may be wrapped in `'...'` or `"..."` (needed for spaces; `""` is the empty string).
 *
 * @param text file contents
 * @param name file name used as prefix in error messages (optional)
 * @returns the blocks with their pairs, loops and comments in file order (see {@link StarFile})
 * @throws StarFormatError (with `line` set) when: a loop row has a different number of values
 *   than the loop has columns; a `loop_` has no column lines; a `_key` has no value (or more than
 *   one); non-comment text appears before the first `data_`; a line in a block is neither key,
 *   loop, row nor comment; a quote is not closed on its line; a `data_`/`loop_`/column line has
 *   extra text.
 */
export function parseStar(text: string, name?: string): StarFile {
  const prefix = name ? `${name}: ` : '';
  const lines = text.split('\n');
  const blocks: StarBlock[] = [];
  const preamble: string[] = [];

  let block: StarBlock | undefined;
  let loop: StarLoop | undefined;
  let loopLine = 0;
  /** 'header': reading column lines; 'rows': reading rows. */
  let loopState: 'header' | 'rows' = 'header';
  /** Line number of the blank line that ended the last loop (for a hint), 0 if none. */
  let loopEndedAtBlank = 0;
  let lastLoopLine = 0;
  let lineNo = 0;

  const fail = (msg: string, at: number = lineNo): never => {
    throw new StarFormatError(`${prefix}line ${at}: ${msg}`, at);
  };

  /** Close the open loop (if any) because of `reason` found at the current line. */
  const endLoop = (reason: string): void => {
    if (loop && loop.columns.length === 0) {
      fail(`loop_ has no columns: expected '_label' column lines after it, found ${reason}${reason === 'end of file' ? '' : ` at line ${lineNo}`}`, loopLine);
    }
    if (loop) lastLoopLine = loopLine;
    loop = undefined;
  };

  for (let idx = 0; idx < lines.length; idx++) {
    lineNo = idx + 1;
    let raw = lines[idx];
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const trimmed = raw.trim();

    if (trimmed === '') {
      if (loop) {
        endLoop('a blank line');
        loopEndedAtBlank = lineNo;
      }
      continue;
    }

    if (trimmed.startsWith('#')) {
      if (loop) (loop.comments ??= []).push({ row: loop.rows.length, text: trimmed });
      else if (block) block.items.push({ kind: 'comment', text: trimmed });
      else preamble.push(trimmed);
      continue;
    }

    const lower = trimmed.toLowerCase();
    if (lower.startsWith('data_')) {
      endLoop(short(trimmed));
      const { tokens, comment } = lex(raw, fail);
      if (tokens.length !== 1 || tokens[0].quoted) {
        fail(`expected 'data_<name>' alone on the line, found ${short(trimmed)}`);
      }
      block = { name: tokens[0].value.slice(5), items: [] };
      if (comment) block.items.push({ kind: 'comment', text: comment });
      blocks.push(block);
      loopEndedAtBlank = 0;
      continue;
    }

    if (!block) {
      fail(`text outside any data block: expected 'data_<name>' or a '#' comment before any other text, found ${short(trimmed)}`);
      return { blocks }; // unreachable; narrows `block`
    }

    if (lower === 'loop_' || /^loop_[\s#]/.test(lower)) {
      endLoop(short(trimmed));
      const { tokens, comment } = lex(raw, fail);
      if (tokens.length !== 1) fail(`expected 'loop_' alone on the line, found ${short(trimmed)}`);
      loop = { kind: 'loop', columns: [], rows: [] };
      if (comment) loop.comments = [{ row: 0, text: comment }];
      block.items.push(loop);
      loopLine = lineNo;
      loopState = 'header';
      loopEndedAtBlank = 0;
      continue;
    }

    if (trimmed.startsWith('_')) {
      const { tokens, comment } = lex(raw, fail);
      const label = tokens[0].value.slice(1);
      if (loop && loopState === 'header') {
        if (tokens.length !== 1) {
          fail(`expected a column line '_label' or '_label #N' in the loop_ at line ${loopLine}, found ${short(trimmed)}`);
        }
        if (label === '') fail(`expected a column label after '_', found ${short(trimmed)}`);
        loop.columns.push(label);
        continue;
      }
      endLoop(short(trimmed));
      if (label === '') fail(`expected a key name after '_', found ${short(trimmed)}`);
      if (tokens.length === 1) {
        fail(`key _${label} has no value: expected '_${label} <value>' (use "" for an empty value), found ${short(trimmed)}`);
      }
      if (tokens.length > 2) {
        fail(`key _${label} has ${tokens.length - 1} values: expected one (quote values containing spaces), found ${short(trimmed)}`);
      }
      const pair: StarPair = { kind: 'pair', key: label, value: tokens[1].value };
      const hint = quoteHint(tokens[1]);
      if (hint) pair.quote = hint;
      if (comment) pair.comment = comment;
      block.items.push(pair);
      loopEndedAtBlank = 0;
      continue;
    }

    if (!loop) {
      const hint = loopEndedAtBlank ? ` (the loop_ at line ${lastLoopLine} ended at the blank line ${loopEndedAtBlank})` : '';
      fail(`expected '_key value', 'loop_', 'data_<name>' or a '#' comment in block data_${block.name}, found ${short(trimmed)}${hint}`);
      return { blocks }; // unreachable; narrows `loop`
    }
    if (loopState === 'header') {
      if (loop.columns.length === 0) endLoop(short(trimmed));
      loopState = 'rows';
    }
    const { tokens, comment } = lex(raw, fail);
    if (tokens.length !== loop.columns.length) {
      const cols = loop.columns.length <= 4 ? loop.columns.join(', ') : `${loop.columns.slice(0, 3).join(', ')}, ..., ${loop.columns[loop.columns.length - 1]}`;
      fail(`loop row has ${tokens.length} value${tokens.length === 1 ? '' : 's'} but the loop_ at line ${loopLine} declared ${loop.columns.length} column${loop.columns.length === 1 ? '' : 's'} (${cols}); found ${short(trimmed)}`);
    }
    const r = loop.rows.length;
    const row = new Array<string>(tokens.length);
    for (let c = 0; c < tokens.length; c++) {
      const t = tokens[c];
      row[c] = t.value;
      if (t.quoted || t.value.startsWith('_') || RESERVED.test(t.value)) {
        const hint = quoteHint(t);
        if (hint) (loop.quotes ??= []).push({ row: r, col: c, quote: hint });
      }
    }
    loop.rows.push(row);
    if (comment) (loop.comments ??= []).push({ row: r + 1, text: comment });
  }
  lineNo = lines.length;
  endLoop('end of file');

  const file: StarFile = { blocks };
  if (preamble.length > 0) file.preamble = preamble;
  return file;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i;

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
 * @returns the text, ending with a newline
 * @throws RangeError when a block name, key or column label is empty or contains whitespace
 *   (block names may be empty), a loop has no columns, a row's length differs from the number of
 *   columns, a comment does not start with `#`, or a value contains a line break or cannot be
 *   quoted (contains both `" ` and `' `)
 */
export function formatStar(file: StarFile): string {
  const out: string[] = [];
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
        formatLoop(item, block.name, out);
        out.push('');
      }
    }
    out.push('');
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

function formatLoop(loop: StarLoop, blockName: string, out: string[]): void {
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
  }
  while (k < comments.length) out.push(comments[k++].text);
}

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

/**
 * Read and parse a STAR file; gzip-compressed files (`.star.gz`, detected by their magic bytes)
 * are decompressed.
 * @param path file path
 * @throws StarFormatError for a broken file (message prefixed with the path) or a corrupt gzip
 *   stream; the fs error when the file cannot be read
 */
export async function readStar(path: string): Promise<StarFile> {
  let bytes: Buffer = await readFile(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzip(bytes);
    } catch (err) {
      throw new StarFormatError(`${path}: expected a valid gzip stream, found a corrupt one (${(err as Error).message})`, undefined, { cause: err });
    }
  }
  return parseStar(bytes.toString('utf8'), path);
}

/**
 * Format and write a STAR file (gzip-compressed when `path` ends with `.gz`). The text is first
 * written to a temporary file next to `path` and then renamed, so readers never see a partial
 * file; the temporary file is removed on failure.
 * @param path destination path
 * @param file the model (see {@link formatStar})
 * @throws RangeError from {@link formatStar}; the fs error when writing fails
 */
export async function writeStar(path: string, file: StarFile): Promise<void> {
  const text = formatStar(file);
  const data = path.endsWith('.gz') ? await gzip(Buffer.from(text, 'utf8')) : text;
  await writeFileAtomic(path, data);
}
