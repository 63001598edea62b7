/**
 * The typed errors of the public API, so that a caller can tell a bad file, a bad option and a
 * class without solvent apart from a bug (which stays a plain `Error`; so do the I/O errors of
 * `readMrc`/`writeMrc`, whose messages name the path: `cannot read map '<path>': …`).
 *
 * An aborted call rejects with the signal's reason: by default a `DOMException` whose `name` is
 * `'AbortError'` (what `AbortController.abort()` sets).
 */
export { MrcFormatError } from '../io/mrc/errors.js';

import { OptionError } from '../core/option-error.js';

/**
 * An option (or an input argument) outside its allowed range, raised at the API boundary before
 * any work: the one class the CLI, the GUI server and `resolveEstimateOptions` throw too. Extends
 * `RangeError`. `option` is the key as the API spells it (`kernelSize`, `maxBox`, `half2`,
 * `volume.voxelSizeA`, …), `allowed` the allowed values or range in words (`an odd integer in
 * 1..63 …`, `a number in (0, 1]`), `value` the rejected value; the message is one line
 * `<option or flag> must be <allowed>, got <value>`.
 *
 * @example
 * try { await estimateLocalScale(v, { tau: 2 }); }
 * catch (e) { if (e instanceof OptionError) console.log(e.option, e.allowed); } // 'tau', 'a number in (0, 1]'
 */
export { OptionError };

/**
 * An {@link OptionError} for `option` with the message `<option> must be <allowed>, got <value>`
 * (or `message`).
 */
export function optionError(option: string, allowed: string, value: unknown, message?: string): OptionError {
  return new OptionError(message ?? `${option} must be ${allowed}, got ${describe(value)}`, option, allowed, { value });
}

/** Why the solvent model of a map failed. */
export type SolventFailure =
  /** The Gaussian fit to the solvent histogram did not converge or put the peak outside the data. */
  | 'fit-failed'
  /** The solvent region (inscribed sphere or `solventDef`) has no usable voxels or no contrast. */
  | 'no-solvent-region'
  /** The fit ran, but no density reaches confidence 0.5: the confidence map would be 0 everywhere. */
  | 'no-confident-density';

/**
 * The solvent model of the map could not be built (OccuPy paper, "solvent model"; spec
 * `shared/spec/occupy-algorithm.md` §5, §7): typically a map with no solvent in its box (a class
 * filling the box, a map masked to a constant, a map of noise). This is a property of the input,
 * not a bug: a classification loop can skip the class.
 */
export class SolventModelError extends Error {
  override readonly name = 'SolventModelError';
  /** What failed. */
  readonly reason: SolventFailure;

  /**
   * @param reason what failed
   * @param message one line for the user
   */
  constructor(reason: SolventFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}

/** A value as shown in an error message (short: a typed array by its type and length, never its elements). */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map((v) => describe(v)).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  return String(value);
}

/**
 * A rule's message in the library's terms: each command-line flag replaced by the library's key
 * for it (longest flags first, so `--lowpass-output` is not read as `--lowpass`), e.g.
 * `--locres-sampling needs --relion` → `samplingA needs method 'relion'` with the pairs given.
 * @param message the schema's one-line message, in command-line terms
 * @param pairs [flag, library key] for every option the message may name
 */
export function inLibraryTerms(message: string, pairs: readonly (readonly [string, string])[]): string {
  let out = message;
  for (const [flag, key] of [...pairs].sort((a, b) => b[0].length - a[0].length)) out = out.replace(new RegExp(`${flag.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}(?![\\w-])`, 'g'), key);
  return out;
}

