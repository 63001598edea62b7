/**
 * Option value parsers shared by the commands: each names the option, the allowed range and the
 * value on error.
 *
 * The parsers throw {@link OptionRangeError} (not commander's InvalidArgumentError), so the entry
 * point prints the message as its one `occupy: error: ...` line and exits non-zero.
 */
import { Option, type Command } from 'commander';
import { ANGPIX_MAX_A, ANGPIX_MIN_A, voxelSizeError } from '../core/voxel-size-limits.js';
import { OptionError, inRange, rangeText, strictNumber, type Range } from '../core/option-error.js';
import { allowedText, contradictionError, numberAllowed, type OptionSpec } from '../core/option-schema.js';
import { INT_OPTION_MAX, SEED_MAX, RESOLUTION_MAX_A, RESOLUTION_MIN_A } from '../occupancy/options.js';

/** An out-of-range or malformed option value; the message names the option, the range and the value. */
export class OptionRangeError extends OptionError {
  /**
   * @param message one line: the option, the allowed range and the value
   * @param option the option's key (default: the flag the message starts with)
   * @param allowed what is allowed (default: the message)
   */
  constructor(message: string, option?: string, allowed?: string) {
    const flag = /^(--?[A-Za-z0-9][\w-]*)/.exec(message)?.[1];
    super(message, option ?? flag ?? '', allowed ?? message, { flag });
    this.name = 'OptionRangeError';
  }
}

export { INT_OPTION_MAX, SEED_MAX, RESOLUTION_MIN_A, RESOLUTION_MAX_A } from '../occupancy/options.js';
export { ANGPIX_MIN_A, ANGPIX_MAX_A } from '../core/voxel-size-limits.js';
export { rangeText, inRange, type Range } from '../core/option-error.js';

/** The value as typed, quoted, for messages (`got 'abc'`, `got ''`). */
const shown = (raw: string) => `'${raw}'`;

/**
 * A finite number parser for option `name`, optionally bounded by `check`.
 * @param name the option as typed, e.g. `--tau`
 * @param check extra condition on the finite value
 * @param expect what is allowed, for the message (`--tau must be <expect>, got 'abc'`)
 */
export function numberOption(name: string, check?: (v: number) => boolean, expect = 'a finite number'): (raw: string) => number {
  return (raw: string) => {
    const v = strictNumber(raw);
    if (!Number.isFinite(v) || (check && !check(v))) throw new OptionRangeError(`${name} must be ${expect}, got ${shown(raw)}`, undefined, expect);
    return v;
  };
}

/**
 * The commander options of a schema's option (its flags, help, parser, default, choices, hidden
 * aliases and `--no-` negation), so that the CLI's options and help come from the schema.
 * @param spec one row of an option schema (e.g. `ESTIMATE_OPTIONS`)
 */
export function commanderOptions(spec: OptionSpec): Option[] {
  const main = new Option(spec.flags, spec.doc);
  if (spec.type === 'number' || spec.type === 'integer') {
    main.argParser(numberOption(spec.flag, (v) => numberAllowed(spec, v), allowedText(spec)));
    if (spec.showDefault && spec.default !== undefined) main.default(spec.default);
  } else if (spec.type === 'choice') {
    main.choices([...(spec.choices ?? [])]);
    if (spec.showDefault && spec.default !== undefined) main.default(spec.default);
  }
  const out = [main];
  for (const alias of spec.aliases ?? []) out.push(new Option(alias.flags, alias.doc).hideHelp().implies({ [main.attributeName()]: true }));
  if (spec.negation) out.push(new Option(spec.flags.replace(/^--/, '--no-'), spec.negation));
  return out;
}

/**
 * Add the options of a schema to a command, in the schema's order. A negatable option given in
 * both forms (`--chimerax --no-chimerax`, in either order; commander would keep the last) is
 * refused as the schema's other contradictions are ({@link contradictionError}).
 */
export function addSchemaOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    for (const opt of commanderOptions(spec)) cmd.addOption(opt);
    if (spec.negation) {
      const negated = spec.flag.replace(/^--/, '--no-');
      const typed = new Set<string>();
      const seen = (flag: string) => {
        typed.add(flag);
        if (typed.size === 2) throw contradictionError(spec.flag, negated, spec.key);
      };
      cmd.on(`option:${spec.flag.slice(2)}`, () => seen(spec.flag));
      cmd.on(`option:${negated.slice(2)}`, () => seen(negated));
    }
  }
  return cmd;
}

/**
 * The schema's option values from commander's parsed options (keyed by attribute name): a flag
 * with a `flagValue` (`--occupancy`) gives that value when set.
 */
export function schemaValues<K extends string>(specs: readonly OptionSpec<K>[], parsed: object): Partial<Record<K, unknown>> {
  const o = parsed as Record<string, unknown>;
  const out: Partial<Record<K, unknown>> = {};
  for (const spec of specs) {
    const v = o[new Option(spec.flags).attributeName()];
    if (v === undefined) continue;
    if (spec.flagValue !== undefined) {
      if (v === true) out[spec.key] = spec.flagValue;
    } else out[spec.key] = v;
  }
  return out;
}

/**
 * The options the user typed: commander's parsed options without the values it filled from a
 * default (a schema fills its defaults itself, and can refuse an option given to a way that does
 * not read it only when the defaults are not there).
 * @param cmd the command whose action runs
 * @param parsed its parsed options (`cmd.opts()`, as the action receives them)
 */
export function typedOptions<T extends object>(cmd: Command, parsed: T): Partial<T> {
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => cmd.getOptionValueSource(key) !== 'default')) as Partial<T>;
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

/** Value options meant to be given more than once (each use adds one value). */
const REPEATABLE_FLAGS: ReadonlySet<string> = new Set(['--sbatch-arg']);

/**
 * Refuse a value option given twice with different values, on `program` and every subcommand:
 * commander keeps the last one silently, so `occupy -i a.mrc -i b.mrc` estimated b.mrc,
 * `-o out1/ -o out2/` wrote into out2/ only and `locres … --mask m1.mrc --mask m2.mrc` used
 * m2.mrc, while `occupy a.mrc -i b.mrc` is refused as two input maps. The same value typed twice
 * is taken (nothing is ambiguous); flags without a value, variadic options (`--half-maps A B`) and
 * {@link REPEATABLE_FLAGS} are not counted. Call once the options are defined; the check runs as
 * each value is parsed, so the refusal comes before any work.
 * @throws OptionRangeError (exit 2) `<flags> is given twice ('<first>' and '<second>'): give it once`
 */
export function refuseRepeatedOptions(program: Command): void {
  const watch = (cmd: Command): void => {
    const seen = new Map<string, string>();
    for (const opt of cmd.options) {
      if (!(opt.required || opt.optional) || opt.variadic || (opt.long !== undefined && REPEATABLE_FLAGS.has(opt.long))) continue;
      const name = opt.name();
      cmd.on(`option:${name}`, (value: unknown) => {
        if (typeof value !== 'string') return;
        const first = seen.get(name);
        if (first !== undefined && first !== value) {
          const flags = [opt.short, opt.long].filter((f): f is string => f !== undefined).join('/');
          throw new OptionRangeError(`${flags} is given twice (${shown(first)} and ${shown(value)}): give it once`, undefined, 'one value');
        }
        seen.set(name, value);
      });
    }
    cmd.commands.forEach(watch);
  };
  watch(program);
}
