/**
 * The model of a STAR file (RELION 3.1+ dialect): blocks of key–value pairs, loops and comments,
 * with the quoting of every value kept so that a file round-trips; and the error of a broken file.
 * @see https://relion.readthedocs.io/en/release-3.1/Reference/Conventions.html
 */
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

