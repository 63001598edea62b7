/**
 * The options of the global FSC (`occupy fsc`), declared once ({@link FSC_OPTIONS}: key, flag,
 * unit, type, range, default, help) with {@link resolveFscOptions}, which checks the values, fills
 * the defaults and applies the rules between options. The CLI builds its commander options and
 * help from the table.
 * @see shared/spec/local-resolution.md (FSC, RELION's corrected FSC)
 */
import { OptionError } from '../core/option-error.js';
import { checkOptionValue, type OptionSpec } from '../core/option-schema.js';
import { ANGPIX_MAX_A, ANGPIX_MIN_A } from '../core/voxel-size-limits.js';

/** Largest `--seed` (2³¹ − 1). */
const SEED_MAX = 2 ** 31 - 1;

/** What a user may give to the FSC (every field optional). */
export interface FscOptionValues {
  /** `--mask` path: both halves are multiplied by it; adds the phase-randomised corrected FSC. */
  mask?: string;
  /** `--seed` of the phase randomisation (default 0): glibc `srand` seed, RELION's `--random_seed`. */
  seed?: number;
  /** `--randomisations`: draws averaged, 1..100 (default 1, as RELION). */
  randomisations?: number;
  /** `--directional`: 3DFSC-style FSC in cones. */
  directional?: boolean;
  /** `--cone-angle` in degrees, in (0, 90) (with `directional`). */
  coneAngle?: number;
  /** `--angpix` in Å. */
  angpix?: number;
}

/** Key of an FSC option. */
export type FscOptionKey = keyof FscOptionValues;

/** The options of `occupy fsc` (without output placement and verbosity), in the order of its help. */
export const FSC_OPTIONS: readonly OptionSpec<FscOptionKey>[] = [
  { key: 'mask', flags: '--mask <map>', flag: '--mask', type: 'path', doc: 'multiply both halves by this (soft) mask first; also reports the phase-randomised corrected FSC (as relion_postprocess) and its 0.143 resolution', group: 'input' },
  { key: 'seed', flags: '--seed <n>', flag: '--seed', type: 'integer', range: { min: 0, max: SEED_MAX }, allowed: `an integer in 0..${SEED_MAX}`, default: 0, doc: 'seed of the phase randomisation with --mask, as relion_postprocess --random_seed: the same random phases (default 0, RELION\'s default; 0 and 1 draw alike)', group: 'method' },
  { key: 'randomisations', flags: '--randomisations <n>', flag: '--randomisations', type: 'integer', range: { min: 1, max: 100 }, allowed: 'an integer in 1..100', default: 1, doc: 'with --mask: average the randomised-phase FSC over n draws (default 1, as RELION; more lowers its noise)', group: 'method' },
  { key: 'directional', flags: '--directional', flag: '--directional', type: 'boolean', doc: 'directional FSC (3DFSC-style): FSC in cones around 300 directions, resolution per direction, fitted best/worst directions and sphericity; writes 3dfsc_<stem>.mrc/.csv/_xyz.csv/.png/.svg/_log.txt', group: 'method' },
  { key: 'coneAngle', flags: '--cone-angle <deg>', flag: '--cone-angle', type: 'number', unit: '°', range: { min: 0, max: 90, minOpen: true, maxOpen: true }, doc: 'with --directional: cone half-angle in degrees (default 20)', group: 'method' },
  { key: 'angpix', flags: '--angpix <A>', flag: '--angpix', type: 'number', unit: 'Å', range: { min: ANGPIX_MIN_A, max: ANGPIX_MAX_A, unit: 'Å' }, doc: 'voxel size in Å instead of the header\'s: rescales the frequency axis and the resolution (as RELION PostProcess)', group: 'input' },
];

/** The spec of an FSC option by key. */
export const FSC_OPTION: Readonly<Record<FscOptionKey, OptionSpec<FscOptionKey>>> = Object.fromEntries(FSC_OPTIONS.map((s) => [s.key, s])) as Record<FscOptionKey, OptionSpec<FscOptionKey>>;

/**
 * Check FSC options: every value against {@link FSC_OPTIONS}, then `coneAngle` only with
 * `directional`, `seed` and `randomisations` only with `mask` and not with `directional` (they
 * were silently ignored before session 47). Defaults (seed 0, one randomisation) are applied by
 * the FSC itself.
 * @param values the options given (undefined values count as absent; other keys are ignored)
 * @returns the values unchanged
 * @throws OptionError naming the option (`.option` = key), what is allowed and the value
 */
export function resolveFscOptions<T extends FscOptionValues>(values: T): T {
  const given = values as Record<string, unknown>;
  for (const spec of FSC_OPTIONS) if (given[spec.key] !== undefined) checkOptionValue(spec, given[spec.key]);
  if (values.coneAngle !== undefined && !values.directional) throw new OptionError('--cone-angle needs --directional', 'coneAngle', 'only with directional', { flag: '--cone-angle', value: values.coneAngle });
  // the phase randomisation is the masked FSC's correction: its seed and draws are read there only
  for (const key of ['seed', 'randomisations'] as const) {
    const v = values[key];
    if (v === undefined) continue;
    const flag = FSC_OPTION[key].flag;
    if (values.directional) throw new OptionError(`${flag} is not used by --directional (the directional FSC has no phase randomisation)`, key, 'not with directional', { flag, value: v });
    if (values.mask === undefined) throw new OptionError(`${flag} needs --mask (the phase randomisation of the corrected FSC runs only with a mask)`, key, 'only with mask', { flag, value: v });
  }
  return values;
}
