/**
 * The typed errors of the public API, so that a caller can tell a bad file, a bad option and a
 * class without solvent apart from a bug (which stays a plain `Error`).
 *
 * An aborted call rejects with the signal's reason: by default a `DOMException` whose `name` is
 * `'AbortError'` (what `AbortController.abort()` sets).
 */
export { MrcFormatError } from '../io/mrc/errors.js';

/**
 * An option (or an input argument) outside its allowed range, raised at the API boundary before
 * any work. Extends `RangeError`, so `instanceof RangeError` also holds.
 *
 * The message is one line: `<option> must be <allowed>, got <value>`.
 *
 * @example
 * try { await estimateLocalScale(v, { tau: 2 }); }
 * catch (e) { if (e instanceof OptionError) console.log(e.option, e.allowed); } // 'tau', 'a number in (0, 1]'
 */
export class OptionError extends RangeError {
  override readonly name = 'OptionError';
  /** The option's key as the API spells it (`kernelSize`, `maxBox`, `half2`, `volume.voxelSizeA`, …). */
  readonly option: string;
  /** The allowed values or range in words, e.g. `an odd integer in 1..63`, `'res' or 'occ'`. */
  readonly allowed: string;
  /** The rejected value. */
  readonly value: unknown;

  /**
   * @param option the option key as the API spells it
   * @param allowed the allowed range in words
   * @param value the rejected value
   * @param message the full message (default `<option> must be <allowed>, got <value>`)
   */
  constructor(option: string, allowed: string, value: unknown, message?: string, options?: ErrorOptions) {
    super(message ?? `${option} must be ${allowed}, got ${describe(value)}`, options);
    this.option = option;
    this.allowed = allowed;
    this.value = value;
  }
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

/** A value as shown in an error message (short). */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map((v) => describe(v)).join(', ')}]`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  return String(value);
}
