/**
 * STAR lexer and parser: text → {@link StarFile} (values, quoting, comments and line numbers kept).
 */
import { StarFormatError, type StarFile, type StarBlock, type StarPair, type StarLoop, type StarQuote } from './model.js';

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

export const RESERVED = /^(data|loop|save|global|stop)_/i;

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
export function defaultQuote(value: string): StarQuote {
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
  const parser = new StarLineParser(name);
  for (const line of text.split('\n')) parser.line(line);
  return parser.end();
}

/**
 * The parser of {@link parseStar} fed one line at a time, so that a file is parsed without ever
 * being held as one string (V8 strings end at 2^29 − 24 characters, about 512 MiB: a particle
 * file of 4.6 M rows had failed with "Cannot create a string longer than 0x1fffffe8 characters").
 * Feed every line (without its `\n`; a trailing `\r` is dropped) with {@link line}, then call
 * {@link end} once.
 */
export class StarLineParser {
  private readonly prefix: string;
  private readonly blocks: StarBlock[] = [];
  private readonly preamble: string[] = [];
  private block: StarBlock | undefined;
  private loop: StarLoop | undefined;
  private loopLine = 0;
  /** 'header': reading column lines; 'rows': reading rows. */
  private loopState: 'header' | 'rows' = 'header';
  /** Line number of the blank line that ended the last loop (for a hint), 0 if none. */
  private loopEndedAtBlank = 0;
  private lastLoopLine = 0;
  private lineNo = 0;

  /** @param name file name used as prefix in error messages (optional) */
  constructor(name?: string) {
    this.prefix = name ? `${name}: ` : '';
  }

  private fail(msg: string, at: number = this.lineNo): never {
    throw new StarFormatError(`${this.prefix}line ${at}: ${msg}`, at);
  }

  /** Close the open loop (if any) because of `reason` found at the current line. */
  private endLoop(reason: string): void {
    const loop = this.loop;
    if (loop && loop.columns.length === 0) {
      this.fail(`loop_ has no columns: expected '_label' column lines after it, found ${reason}${reason === 'end of file' ? '' : ` at line ${this.lineNo}`}`, this.loopLine);
    }
    if (loop) this.lastLoopLine = this.loopLine;
    this.loop = undefined;
  }

  /**
   * Parse the next line of the file.
   * @throws StarFormatError as {@link parseStar}
   */
  line(text: string): void {
    this.lineNo++;
    const lineNo = this.lineNo;
    const fail = (msg: string): never => this.fail(msg);
    // a UTF-8 byte-order mark (some Windows editors write one) is not part of the first token
    let raw = lineNo === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const trimmed = raw.trim();

    if (trimmed === '') {
      if (this.loop) {
        this.endLoop('a blank line');
        this.loopEndedAtBlank = lineNo;
      }
      return;
    }

    if (trimmed.startsWith('#')) {
      if (this.loop) (this.loop.comments ??= []).push({ row: this.loop.rows.length, text: trimmed });
      else if (this.block) this.block.items.push({ kind: 'comment', text: trimmed });
      else this.preamble.push(trimmed);
      return;
    }

    const lower = trimmed.toLowerCase();
    if (lower.startsWith('data_')) {
      this.endLoop(short(trimmed));
      const { tokens, comment } = lex(raw, fail);
      if (tokens.length !== 1 || tokens[0].quoted) {
        fail(`expected 'data_<name>' alone on the line, found ${short(trimmed)}`);
      }
      const block: StarBlock = { name: tokens[0].value.slice(5), items: [] };
      if (comment) block.items.push({ kind: 'comment', text: comment });
      this.blocks.push(block);
      this.block = block;
      this.loopEndedAtBlank = 0;
      return;
    }

    const block = this.block;
    if (!block) {
      fail(`text outside any data block: expected 'data_<name>' or a '#' comment before any other text, found ${short(trimmed)}`);
      return; // unreachable; narrows `block`
    }

    if (lower === 'loop_' || /^loop_[\s#]/.test(lower)) {
      this.endLoop(short(trimmed));
      const { tokens, comment } = lex(raw, fail);
      if (tokens.length !== 1) fail(`expected 'loop_' alone on the line, found ${short(trimmed)}`);
      const loop: StarLoop = { kind: 'loop', columns: [], rows: [] };
      if (comment) loop.comments = [{ row: 0, text: comment }];
      block.items.push(loop);
      this.loop = loop;
      this.loopLine = lineNo;
      this.loopState = 'header';
      this.loopEndedAtBlank = 0;
      return;
    }

    if (trimmed.startsWith('_')) {
      const { tokens, comment } = lex(raw, fail);
      const label = tokens[0].value.slice(1);
      if (this.loop && this.loopState === 'header') {
        if (tokens.length !== 1) {
          fail(`expected a column line '_label' or '_label #N' in the loop_ at line ${this.loopLine}, found ${short(trimmed)}`);
        }
        if (label === '') fail(`expected a column label after '_', found ${short(trimmed)}`);
        this.loop.columns.push(label);
        return;
      }
      this.endLoop(short(trimmed));
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
      this.loopEndedAtBlank = 0;
      return;
    }

    const loop = this.loop;
    if (!loop) {
      const hint = this.loopEndedAtBlank ? ` (the loop_ at line ${this.lastLoopLine} ended at the blank line ${this.loopEndedAtBlank})` : '';
      fail(`expected '_key value', 'loop_', 'data_<name>' or a '#' comment in block data_${block.name}, found ${short(trimmed)}${hint}`);
      return; // unreachable; narrows `loop`
    }
    if (this.loopState === 'header') {
      if (loop.columns.length === 0) this.endLoop(short(trimmed));
      this.loopState = 'rows';
    }
    const { tokens, comment } = lex(raw, fail);
    if (tokens.length !== loop.columns.length) {
      const cols = loop.columns.length <= 4 ? loop.columns.join(', ') : `${loop.columns.slice(0, 3).join(', ')}, ..., ${loop.columns[loop.columns.length - 1]}`;
      fail(`loop row has ${tokens.length} value${tokens.length === 1 ? '' : 's'} but the loop_ at line ${this.loopLine} declared ${loop.columns.length} column${loop.columns.length === 1 ? '' : 's'} (${cols}); found ${short(trimmed)}`);
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

  /**
   * The file parsed so far, after its last line.
   * @throws StarFormatError when a loop_ at the end has no columns
   */
  end(): StarFile {
    this.endLoop('end of file');
    const file: StarFile = { blocks: this.blocks };
    if (this.preamble.length > 0) file.preamble = this.preamble;
    return file;
  }
}
