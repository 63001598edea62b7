/**
 * The one error of a bad option value or a contradictory set of options, shared by the CLI, the
 * GUI server and the library (`resolveEstimateOptions` and the other option schemas).
 *
 * Browser-safe: no Node imports (the GUI page imports the schemas that throw it).
 */
import { UsageError } from './exit-codes.js';

/**
 * An out-of-range, malformed or contradictory option. The message is one line naming the option
 * (as the command line spells it, e.g. `--tau`), what is allowed and the value given; `option` is
 * the option's key in the library's option object (e.g. `tau`), `flag` its command-line flag and
 * `allowed` the allowed values as text (`a number in (0, 1]`). The CLI prints the message and
 * exits with code 2 (it is a {@link UsageError}).
 */
export class OptionError extends UsageError {
  /** Key of the option in the library's option object (`tau`, `lowpassA`, `sigmoid`, …). */
  readonly option: string;
  /** What is allowed, as text: `a number in (0, 1]`, `one of res, occ`, `give --pivot with --sigmoid`. */
  readonly allowed: string;
  /** The command-line flag of the option (`--tau`), when it has one. */
  readonly flag?: string;
  /** The value that was refused, when one was given. */
  readonly value?: unknown;

  /**
   * @param message one line: the option, what is allowed and the value
   * @param option the option's key in the library's option object
   * @param allowed what is allowed, as text
   * @param detail the command-line flag and the refused value, when known
   */
  constructor(message: string, option: string, allowed: string, detail: { flag?: string; value?: unknown } = {}) {
    super(message);
    this.name = 'OptionError';
    this.option = option;
    this.allowed = allowed;
    this.flag = detail.flag;
    this.value = detail.value;
  }
}

/** Bounds of a numeric option. */
export interface Range {
  min: number;
  max: number;
  /** Exclude `min` itself (default: included). */
  minOpen?: boolean;
  /** Exclude `max` itself (default: included). */
  maxOpen?: boolean;
  /** Unit for the message, e.g. `Å`. */
  unit?: string;
}

/** The range as text: `in [0.01, 100] Å`, `in (0, 1]`. */
export function rangeText(r: Range): string {
  return `in ${r.minOpen ? '(' : '['}${r.min}, ${r.max}${r.maxOpen ? ')' : ']'}${r.unit ? ` ${r.unit}` : ''}`;
}

/** Whether `v` is a finite number inside `r`. */
export function inRange(v: number, r: Range): boolean {
  return Number.isFinite(v) && (r.minOpen ? v > r.min : v >= r.min) && (r.maxOpen ? v < r.max : v <= r.max);
}

/** Parse a number strictly: no empty/blank text, no NaN or ±Infinity, no hex/binary/octal tricks; NaN when malformed. */
export function strictNumber(raw: string): number {
  const t = raw.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number.NaN;
  return Number(t);
}
