/**
 * Option value parsers shared by the commands: each names the option, the allowed range and the
 * value on error.
 *
 * The parsers throw {@link OptionRangeError} (not commander's InvalidArgumentError), so the entry
 * point prints the message as its one `occupy: error: ...` line and exits non-zero.
 */
import { ANGPIX_MAX_A, ANGPIX_MIN_A, voxelSizeError } from '../core/voxel-size-limits.js';
import { UsageError } from '../core/exit-codes.js';

/** An out-of-range or malformed option value; the message names the option, the range and the value. */
export class OptionRangeError extends UsageError {
  /** @param message one line: the option, the allowed range and the value */
  constructor(message: string) {
    super(message);
    this.name = 'OptionRangeError';
  }
}

/** Largest value of an integer option unless the option says otherwise (2³¹ − 1). */
export const INT_OPTION_MAX = 2 ** 31 - 1;
/** Range of every `--seed`: an integer in 0..2³¹ − 1. */
export const SEED_MAX = 2 ** 31 - 1;
export { ANGPIX_MIN_A, ANGPIX_MAX_A } from '../core/voxel-size-limits.js';
/** Smallest value of resolution-like options (`--lowpass`, `--resolution`, ...), Å. */
export const RESOLUTION_MIN_A = 0.1;
/** Largest value of resolution-like options (`--lowpass`, `--resolution`, ...), Å. */
export const RESOLUTION_MAX_A = 1000;

/** The value as typed, quoted, for messages (`got 'abc'`, `got ''`). */
const shown = (raw: string) => `'${raw}'`;

/** Parse a number strictly: no empty/blank text, no NaN or ±Infinity, no hex/binary/octal tricks. */
function strictNumber(raw: string): number {
  const t = raw.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number.NaN;
  return Number(t);
}

/**
 * A finite number parser for option `name`, optionally bounded by `check`.
 * @param name the option as typed, e.g. `--tau`
 * @param check extra condition on the finite value
 * @param expect what is allowed, for the message (`--tau must be <expect>, got 'abc'`)
 */
export function numberOption(name: string, check?: (v: number) => boolean, expect = 'a finite number'): (raw: string) => number {
  return (raw: string) => {
    const v = strictNumber(raw);
    if (!Number.isFinite(v) || (check && !check(v))) throw new OptionRangeError(`${name} must be ${expect}, got ${shown(raw)}`);
    return v;
  };
}

/** Bounds of {@link rangeOption}. */
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

/** A parser for a finite number in a range: `--tau must be a number in (0, 1], got '2'`. */
export function rangeOption(name: string, r: Range, what = 'a number'): (raw: string) => number {
  return numberOption(name, (v) => inRange(v, r), `${what} ${rangeText(r)}`);
}

/**
 * An integer parser for option `name`: `min..max` (default max 2³¹ − 1).
 * @param expect the allowed values for the message; default `an integer in min..max`
 */
export function integerOption(name: string, min: number, expect?: string, max = INT_OPTION_MAX): (raw: string) => number {
  return numberOption(name, (v) => Number.isInteger(v) && v >= min && v <= max, expect ?? `an integer in ${min}..${max}`);
}

/** The `--seed` parser (every command): an integer in 0..2³¹ − 1. */
export function seedOption(name = '--seed'): (raw: string) => number {
  return integerOption(name, 0, undefined, SEED_MAX);
}

/** A voxel/pixel size parser (`--angpix` and friends): a number of Å in [0.01, 100]. */
export function angpixOption(name = '--angpix'): (raw: string) => number {
  return rangeOption(name, { min: ANGPIX_MIN_A, max: ANGPIX_MAX_A, unit: 'Å' });
}

/** A resolution-like parser (`--lowpass`, `--resolution`, ...): a number of Å in [0.1, 1000]. */
export function resolutionOption(name: string): (raw: string) => number {
  return rangeOption(name, { min: RESOLUTION_MIN_A, max: RESOLUTION_MAX_A, unit: 'Å' });
}

/**
 * Check a voxel size given as an option against a box: in [0.01, 100] Å, and the cell (box × size)
 * finite and representable as a float32 in an MRC header (non-zero, not infinite).
 * @param name the option, e.g. `--angpix`
 * @param angpix the value in Å
 * @param box the map's box (any order)
 * @throws OptionRangeError naming the option, the range and the value
 */
export function checkVoxelSize(name: string, angpix: number, box?: readonly number[]): void {
  const error = voxelSizeError(name, angpix, box);
  if (error) throw new OptionRangeError(error);
}
