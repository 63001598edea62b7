/**
 * Estimate settings of the GUI: checked by the estimate's option schema (`ESTIMATE_OPTIONS`: the
 * same types and ranges as the CLI's options), resolved by `resolveEstimateOptions` (defaults; a
 * modification implies occupancy mode; sigmoid needs a pivot), and written back as the equivalent
 * `occupy` command line.
 */
import type { EstimateSettings } from '../api.js';
import { HttpError } from './http-util.js';
import { OptionError } from '../../core/option-error.js';
import { allowedText, checkOptionValue, DEFAULT_MAX_BOX, DEFAULT_SCALE_LIMIT, drawsRandomNumbers, ESTIMATE_OPTION, resolveEstimateOptions, type OptionSpec, type ResolvedEstimateOptions } from '../../occupancy/options.js';

/** Seed used when the page gives none (the CLI's would be random; the GUI's is reproducible). */
export const DEFAULT_GUI_SEED = 0;

type NumberKey = { [K in keyof EstimateSettings]-?: EstimateSettings[K] extends number | undefined ? K : never }[keyof EstimateSettings];

/** `solventDefThreshold`: the page's threshold on the current scale map (`occupy soldef --threshold`), not an estimate option. */
const THRESHOLD_SPEC: OptionSpec = { key: 'solventDefThreshold', flags: '--threshold <scale>', flag: '--threshold', type: 'number', range: { min: 0, max: 1, maxOpen: true }, allowed: 'in [0, 1)', doc: 'threshold on the scale map that defines the solvent', group: 'solvent' };

/** Numeric settings: their schema rows (the estimate's, plus the page's solvent threshold). */
const NUMBER_SETTINGS: Record<NumberKey, OptionSpec> = {
  lowpassA: ESTIMATE_OPTION.lowpassA,
  resolutionA: ESTIMATE_OPTION.resolutionA,
  kernelSize: ESTIMATE_OPTION.kernelSize,
  kernelRadiusVoxels: ESTIMATE_OPTION.kernelRadiusVoxels,
  tau: ESTIMATE_OPTION.tau,
  tileSize: ESTIMATE_OPTION.tileSize,
  maxBox: ESTIMATE_OPTION.maxBox,
  hedgeConfidence: ESTIMATE_OPTION.hedgeConfidence,
  solventDefThreshold: THRESHOLD_SPEC,
  scaleLimit: ESTIMATE_OPTION.scaleLimit,
  amplify: ESTIMATE_OPTION.amplify,
  attenuate: ESTIMATE_OPTION.attenuate,
  sigmoid: ESTIMATE_OPTION.sigmoid,
  pivot: ESTIMATE_OPTION.pivot,
  seed: ESTIMATE_OPTION.seed,
  lowpassOutputA: ESTIMATE_OPTION.lowpassOutputA,
};
const BOOLEAN_SETTINGS = ['nlrc', 'excludeSolvent', 'histMatch', 'useS0'] as const;
const OTHER_SETTINGS = ['mode', 'solventDefPath', 'targetMaskPath'] as const;

/** A value as the page sent it (numbers as JavaScript prints them: 1e309 is Infinity, which JSON would print as null). */
function shownValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/**
 * Check the settings sent by the page (unknown keys, types, ranges as the CLI's parsers).
 * `null` values count as absent. Keys are looked up with `Object.hasOwn`, so names of
 * `Object.prototype` (`constructor`, `toString`, `__proto__`) are unknown settings like any other.
 * @throws HttpError 400 naming the setting and the value (its `field`: the setting's key)
 */
export function parseSettings(raw: unknown): EstimateSettings {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new HttpError(400, 'settings must be an object');
  // own keys only (never `constructor`, `__proto__`, … from Object.prototype), into a null-prototype object
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (Object.hasOwn(NUMBER_SETTINGS, key)) {
      const spec = NUMBER_SETTINGS[key as NumberKey];
      try {
        checkOptionValue(spec, value);
      } catch {
        // named by the option users know (the page's field and the CLI), not the API key
        throw new HttpError(400, `${spec.flag} must be ${allowedText(spec)}, got ${shownValue(value)}`, key);
      }
    } else if ((BOOLEAN_SETTINGS as readonly string[]).includes(key)) {
      const flag = { nlrc: '--nlrc', excludeSolvent: '--exclude-solvent', histMatch: '--hist-match', useS0: '--S0' }[key as (typeof BOOLEAN_SETTINGS)[number]];
      if (typeof value !== 'boolean') throw new HttpError(400, `${flag} must be on or off (true or false), got ${shownValue(value)}`, key);
    } else if (key === 'mode') {
      if (value !== 'res' && value !== 'occ') throw new HttpError(400, `the mode must be resolution or occupancy (--occupancy), got ${shownValue(value)}`, key);
    } else if (key === 'solventDefPath' || key === 'targetMaskPath') {
      if (typeof value !== 'string' || value === '') throw new HttpError(400, `${key === 'solventDefPath' ? 'the solvent mask (--solvent-def)' : 'the target mask (--target-mask)'} must be a path relative to the root folder`, key);
    } else {
      const known = [...Object.keys(NUMBER_SETTINGS), ...BOOLEAN_SETTINGS, ...OTHER_SETTINGS].join(', ');
      throw new HttpError(400, `unknown setting '${key}' (known: ${known})`, key);
    }
    out[key] = value;
  }
  const s = { ...out } as EstimateSettings;
  if (s.solventDefPath !== undefined && s.solventDefThreshold !== undefined) throw new HttpError(400, 'give either a solvent mask or a threshold on the scale (--solvent-def), not both', 'solventDefPath');
  return s;
}

/** Flags of the settings that are not numbers. */
const OTHER_FLAGS: Readonly<Record<string, keyof EstimateSettings>> = {
  '--nlrc': 'nlrc',
  '--exclude-solvent': 'excludeSolvent',
  '--hist-match': 'histMatch',
  '--S0': 'useS0',
  '--occupancy': 'mode',
  '--solvent-def': 'solventDefPath',
  '--target-mask': 'targetMaskPath',
};

/**
 * The page's setting an option error is about: the {@link EstimateSettings} key of its flag (or
 * of its option key), or undefined when it is none of the page's settings.
 */
export function settingOfOptionError(err: OptionError): keyof EstimateSettings | undefined {
  for (const [key, spec] of Object.entries(NUMBER_SETTINGS)) if ((err.flag !== undefined && spec.flag === err.flag) || key === err.option) return key as NumberKey;
  if (err.flag !== undefined && Object.hasOwn(OTHER_FLAGS, err.flag)) return OTHER_FLAGS[err.flag];
  return (BOOLEAN_SETTINGS as readonly string[]).includes(err.option) || (OTHER_SETTINGS as readonly string[]).includes(err.option) ? (err.option as keyof EstimateSettings) : undefined;
}

/**
 * Library options of an estimate, resolved by the option schema (`resolveEstimateOptions`), with
 * the GUI's seed default ({@link DEFAULT_GUI_SEED}) where the run draws random numbers. `solventDefPath` is the already resolved mask path.
 * @throws HttpError 400 for contradictory settings (e.g. `sigmoid` without `pivot`, even kernel),
 *   its `field` the setting named (see {@link settingOfOptionError})
 */
export function methodOptionsOf(s: EstimateSettings, solventDefPath: string | undefined): ResolvedEstimateOptions {
  const { solventDefThreshold: _threshold, solventDefPath: _path, ...estimate } = s;
  try {
    // the default seed only where the run draws random numbers (given otherwise, it would be recorded)
    return resolveEstimateOptions({ ...estimate, solventDefPath, seed: s.seed ?? (drawsRandomNumbers(estimate) ? DEFAULT_GUI_SEED : undefined) });
  } catch (err) {
    if (err instanceof OptionError) throw new HttpError(400, err.message, settingOfOptionError(err));
    throw err;
  }
}

/** Quote an argument for a POSIX shell when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CLI arguments equivalent to the settings (without `-i`), e.g. `--attenuate 2 --seed 0`.
 * Options at their CLI default are left out, except the seed, given whenever the run draws random
 * numbers ({@link drawsRandomNumbers}; the CLI refuses it otherwise).
 * @param solventDefArg the `--solvent-def` argument as the user would type it
 */
export function settingsArgs(s: EstimateSettings, solventDefArg?: string): string[] {
  const args: string[] = [];
  const num = (key: NumberKey) => {
    const v = s[key];
    if (v !== undefined) args.push(NUMBER_SETTINGS[key].flag, String(v));
  };
  num('resolutionA');
  num('lowpassA');
  num('kernelSize');
  num('kernelRadiusVoxels');
  num('tau');
  num('tileSize');
  if (s.maxBox !== undefined && s.maxBox !== DEFAULT_MAX_BOX) num('maxBox');
  const modifying = s.amplify !== undefined || s.attenuate !== undefined || s.sigmoid !== undefined;
  if (s.mode === 'occ' && !modifying) args.push('--occupancy');
  if (solventDefArg !== undefined) args.push('--solvent-def', solventDefArg);
  num('hedgeConfidence');
  if (s.nlrc) args.push('--nlrc');
  if (s.scaleLimit !== undefined && s.scaleLimit !== DEFAULT_SCALE_LIMIT) num('scaleLimit');
  num('amplify');
  num('attenuate');
  num('sigmoid');
  num('pivot');
  if (s.excludeSolvent) args.push('--exclude-solvent');
  num('lowpassOutputA');
  if (s.histMatch) args.push('--hist-match');
  if (s.useS0) args.push('--S0');
  if (s.targetMaskPath !== undefined) args.push('--target-mask', s.targetMaskPath);
  if (drawsRandomNumbers(s)) args.push('--seed', String(s.seed ?? DEFAULT_GUI_SEED));
  return args;
}

/** Join arguments into one shell command line. */
export function commandLine(args: string[]): string {
  return args.map(shellQuote).join(' ');
}
