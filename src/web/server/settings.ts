/**
 * Estimate settings of the GUI: checked as strictly as the CLI's options, translated into library
 * options by the CLI's own mapping (`toMethodOptions`: a modification implies occupancy mode), and
 * written back as the equivalent `occupy` command line.
 */
import { toMethodOptions, type EstimateCliOptions, type MethodOptions } from '../../cli/commands/estimate.js';
import type { EstimateSettings } from '../api.js';
import { HttpError } from './http-util.js';

/** Seed used when the page gives none (the CLI's would be random; the GUI's is reproducible). */
export const DEFAULT_GUI_SEED = 0;
/** The CLI's defaults of the options that have one. */
const CLI_DEFAULTS = { maxBox: 256, scaleLimit: 0.05, minVisScale: 0.2, lowpassMask: 'original' } as const;

type NumberKey = { [K in keyof EstimateSettings]-?: EstimateSettings[K] extends number | undefined ? K : never }[keyof EstimateSettings];

/** Numeric settings: the CLI flag and the check of its parser. */
const NUMBER_SETTINGS: Record<NumberKey, { flag: string; ok: (v: number) => boolean; expect: string }> = {
  lowpassA: { flag: '--lowpass', ok: (v) => v > 0, expect: 'a number of Å > 0' },
  resolutionA: { flag: '--resolution', ok: (v) => v > 0, expect: 'a number of Å > 0' },
  kernelSize: { flag: '--kernel-size', ok: (v) => Number.isInteger(v) && v >= 1, expect: 'an odd integer >= 1' },
  kernelRadiusVoxels: { flag: '--kernel-radius', ok: (v) => v > 0, expect: 'a number of voxels > 0' },
  tau: { flag: '--tau', ok: (v) => v > 0 && v <= 1, expect: 'in (0, 1]' },
  tileSize: { flag: '--tile-size', ok: (v) => Number.isInteger(v) && v >= 1, expect: 'an integer >= 1' },
  maxBox: { flag: '--max-box', ok: (v) => Number.isInteger(v) && v >= 0, expect: 'an even integer >= 10, or 0' },
  hedgeConfidence: { flag: '--hedge-confidence', ok: (v) => v >= 1, expect: 'a number >= 1' },
  solventDefThreshold: { flag: '--threshold', ok: (v) => v >= 0 && v < 1, expect: 'in [0, 1)' },
  scaleLimit: { flag: '--scale-limit', ok: (v) => v >= 0 && v < 1, expect: 'in [0, 1)' },
  amplify: { flag: '--amplify', ok: (v) => v > 1, expect: 'a power > 1' },
  attenuate: { flag: '--attenuate', ok: (v) => v > 1, expect: 'a power > 1' },
  sigmoid: { flag: '--sigmoid', ok: (v) => v > 1, expect: 'a power > 1' },
  pivot: { flag: '--pivot', ok: (v) => v >= 0.01 && v <= 0.99, expect: 'in [0.01, 0.99]' },
  seed: { flag: '--seed', ok: (v) => Number.isInteger(v) && v >= 0, expect: 'an integer >= 0' },
};
const BOOLEAN_SETTINGS = ['nlrc', 'excludeSolvent'] as const;
const OTHER_SETTINGS = ['mode', 'solventDefPath'] as const;

/**
 * Check the settings sent by the page (unknown keys, types, ranges as the CLI's parsers).
 * `null` values count as absent. Keys are looked up with `Object.hasOwn`, so names of
 * `Object.prototype` (`constructor`, `toString`, `__proto__`) are unknown settings like any other.
 * @throws HttpError 400 naming the setting and the value
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
      if (typeof value !== 'number' || !Number.isFinite(value) || !spec.ok(value)) throw new HttpError(400, `${key} (${spec.flag}) must be ${spec.expect}, got ${JSON.stringify(value)}`);
    } else if ((BOOLEAN_SETTINGS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new HttpError(400, `${key} must be true or false, got ${JSON.stringify(value)}`);
    } else if (key === 'mode') {
      if (value !== 'res' && value !== 'occ') throw new HttpError(400, `mode must be 'res' or 'occ', got ${JSON.stringify(value)}`);
    } else if (key === 'solventDefPath') {
      if (typeof value !== 'string' || value === '') throw new HttpError(400, 'solventDefPath must be a non-empty path relative to the root folder');
    } else {
      const known = [...Object.keys(NUMBER_SETTINGS), ...BOOLEAN_SETTINGS, ...OTHER_SETTINGS].join(', ');
      throw new HttpError(400, `unknown setting '${key}' (known: ${known})`);
    }
    out[key] = value;
  }
  const s = { ...out } as EstimateSettings;
  if (s.solventDefPath !== undefined && s.solventDefThreshold !== undefined) throw new HttpError(400, 'give either solventDefPath or solventDefThreshold, not both');
  return s;
}

/**
 * Library options of an estimate, by the CLI's mapping (`toMethodOptions`), with the GUI's seed
 * default ({@link DEFAULT_GUI_SEED}). `solventDefPath` is the already resolved mask path.
 * @throws HttpError 400 for contradictory settings (e.g. `sigmoid` without `pivot`, even kernel)
 */
export function methodOptionsOf(s: EstimateSettings, solventDefPath: string | undefined): MethodOptions {
  const cli: Omit<EstimateCliOptions, 'inputMap' | 'emdb' | 'outputMap' | 'keepOutputPath' | 'showChimerax'> = {
    lowpass: s.lowpassA,
    resolution: s.resolutionA,
    kernelSize: s.kernelSize,
    kernelRadius: s.kernelRadiusVoxels,
    tau: s.tau,
    tileSize: s.tileSize,
    lowpassMask: CLI_DEFAULTS.lowpassMask,
    maxBox: s.maxBox ?? CLI_DEFAULTS.maxBox,
    occupancy: s.mode === 'occ',
    solventDef: solventDefPath,
    hedgeConfidence: s.hedgeConfidence,
    nlrc: s.nlrc,
    scaleLimit: s.scaleLimit ?? CLI_DEFAULTS.scaleLimit,
    amplify: s.amplify,
    attenuate: s.attenuate,
    sigmoid: s.sigmoid,
    pivot: s.pivot,
    excludeSolvent: s.excludeSolvent,
    seed: s.seed ?? DEFAULT_GUI_SEED,
    minVisScale: CLI_DEFAULTS.minVisScale,
  };
  try {
    return toMethodOptions(cli);
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
}

/** Quote an argument for a POSIX shell when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The CLI arguments equivalent to the settings (without `-i`), e.g. `--amplify 2 --seed 0`.
 * Options at their CLI default are left out, except the seed (always given).
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
  if (s.maxBox !== undefined && s.maxBox !== CLI_DEFAULTS.maxBox) num('maxBox');
  const modifying = s.amplify !== undefined || s.attenuate !== undefined || s.sigmoid !== undefined;
  if (s.mode === 'occ' && !modifying) args.push('--occupancy');
  if (solventDefArg !== undefined) args.push('--solvent-def', solventDefArg);
  num('hedgeConfidence');
  if (s.nlrc) args.push('--nlrc');
  if (s.scaleLimit !== undefined && s.scaleLimit !== CLI_DEFAULTS.scaleLimit) num('scaleLimit');
  num('amplify');
  num('attenuate');
  num('sigmoid');
  num('pivot');
  if (s.excludeSolvent) args.push('--exclude-solvent');
  args.push('--seed', String(s.seed ?? DEFAULT_GUI_SEED));
  return args;
}

/** Join arguments into one shell command line. */
export function commandLine(args: string[]): string {
  return args.map(shellQuote).join(' ');
}
