/**
 * Declarative option schemas: one row per option (key, flags, unit, type, range, default, help)
 * and the checks every schema shares. The estimate's table is `src/occupancy/options.ts`, local
 * resolution's `src/resolution/locres-options.ts`; the CLI builds its commander options from the
 * rows (`src/cli/options.ts`), the GUI checks values with them.
 *
 * Browser-safe: no Node imports.
 */
import { OptionError, inRange, rangeText } from './option-error.js';
import type { Range } from './option-error.js';

/** Kind of value an option takes. */
export type OptionType = 'number' | 'integer' | 'boolean' | 'string' | 'path' | 'paths' | 'choice';

/** What the options are about (for grouping in docs and the GUI): `input`, `estimate`, `solvent`, `modification`, `output`, `method`, … */
export type OptionGroup = string;

/** One option of a schema. */
export interface OptionSpec<K extends string = string> {
  /** Key in the library's option object (`lowpassA`, `tau`, …). */
  key: K;
  /** The commander flags as shown in help, e.g. `-r, --resolution <A>`. */
  flags: string;
  /** The long flag alone, e.g. `--resolution` (used in every message). */
  flag: string;
  /** The original OccuPy's multi-letter short flag (`-lp`, `-am`, `-at`), rewritten to {@link flag} before parsing. */
  occupyShort?: string;
  /** Hidden aliases: flags (no value) and description; `--lp-scale` sets the same key. */
  aliases?: { flags: string; doc: string }[];
  /** `--no-<name>` of a boolean whose default is true: its help text. */
  negation?: string;
  type: OptionType;
  /** Unit of a number: `Å`, `voxels`, `fraction`, `power`. */
  unit?: string;
  /** Allowed range of a number. */
  range?: Range;
  /** An extra condition on a number (odd, even, 0 = off, …) with {@link allowed} saying it. */
  valid?: (v: number) => boolean;
  /** The allowed values as text, for messages (`a number in (0, 1]`); derived from the range when absent. */
  allowed?: string;
  /** Allowed values of a `choice`. */
  choices?: readonly string[];
  /** With a boolean flag: the value the key takes when the flag is given (`--occupancy` → mode `occ`). */
  flagValue?: string;
  /** Default when not given (undefined: derived from the map, or off). */
  default?: number | string | boolean;
  /** Whether the CLI shows the default in its help (`(default: 256)`). */
  showDefault?: boolean;
  /** Help text (one line). */
  doc: string;
  group: OptionGroup;
}

/**
 * The error of two options given together that contradict each other (`--S0` and `--SW`, a flag
 * and its `--no-` form, `-v` and `-q`): one line naming both, `<a> and <b> contradict each other;
 * give one`; on the command line exit 2 (an {@link OptionError}).
 * @param first the first option as typed (its flag)
 * @param second the other
 * @param option the library key of `first`
 * @param note added after "give one" (with its leading space), e.g. which one is the default
 * @param allowed what is allowed, as text (default `<first> or <second>, not both`; a schema gives
 *   its keys)
 */
export function contradictionError(first: string, second: string, option: string, note = '', allowed = `${first} or ${second}, not both`): OptionError {
  return new OptionError(`${first} and ${second} contradict each other; give one${note}`, option, allowed, { flag: first });
}

/** The allowed values of an option as text (`a number in (0, 1] Å`, `one of original, centred`). */
export function allowedText(spec: OptionSpec): string {
  if (spec.allowed) return spec.allowed;
  if (spec.type === 'choice') return `one of ${(spec.choices ?? []).join(', ')}`;
  if (spec.type === 'boolean') return spec.flagValue !== undefined ? `one of ${(spec.choices ?? []).join(', ')}` : 'true or false';
  if (spec.type === 'string' || spec.type === 'path') return 'a non-empty string';
  if (spec.type === 'paths') return 'a list of non-empty paths';
  if (spec.range) return `${spec.type === 'integer' ? 'an integer' : 'a number'} ${rangeText(spec.range)}`;
  return spec.type === 'integer' ? 'an integer' : 'a finite number';
}

/** Whether a number is allowed for a numeric option (range and extra condition). */
export function numberAllowed(spec: OptionSpec, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (spec.type === 'integer' && !Number.isInteger(v)) return false;
  if (spec.range && !inRange(v, spec.range)) return false;
  return spec.valid ? spec.valid(v) : true;
}

/** The value as shown in messages: numbers as typed by a program (`2`), strings quoted. */
const shownValue = (v: unknown) => (typeof v === 'string' ? `'${v}'` : typeof v === 'number' ? String(v) : JSON.stringify(v));

/**
 * Check one option's value (type, range, choices).
 * @param spec the option
 * @param value the value (not undefined)
 * @param shown the value as it should appear in the message (default: the value itself)
 * @throws OptionError `<flag> must be <allowed>, got <value>`
 */
export function checkOptionValue(spec: OptionSpec, value: unknown, shown = shownValue(value)): void {
  let ok: boolean;
  switch (spec.type) {
    case 'number':
    case 'integer':
      ok = typeof value === 'number' && numberAllowed(spec, value);
      break;
    case 'boolean':
      ok = spec.flagValue !== undefined ? typeof value === 'string' && (spec.choices ?? []).includes(value) : typeof value === 'boolean';
      break;
    case 'choice':
      ok = typeof value === 'string' && (spec.choices ?? []).includes(value);
      break;
    case 'paths':
      ok = Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '');
      break;
    default:
      ok = typeof value === 'string' && value !== '';
  }
  if (!ok) {
    const allowed = allowedText(spec);
    throw new OptionError(`${spec.flagValue !== undefined ? spec.key : spec.flag} must be ${allowed}, got ${shown}`, spec.key, allowed, { flag: spec.flag, value });
  }
}

