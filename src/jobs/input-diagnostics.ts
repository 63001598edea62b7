/**
 * The input diagnostics (`src/diagnostics`, issue 15) for commands that read a density map besides
 * the estimate, locres and fsc: `pixel-size set/resample`, `soldef` and `subtraction-mask`
 * (their `--like` map) and `decompose` (the map and its half maps). Each finding becomes one
 * warning line (printed once by the caller) and one JSON entry for `--json`.
 * @see docs/diagnostics.md
 */
import type { Volume } from '../core/volume.js';
import { loadFft } from '../math/fft.js';
import { diagnoseHalfMaps, diagnoseMap, findingJson, findingLine, type Finding, type PairFindings } from '../diagnostics/index.js';
import { computeInThread } from './compute-thread.js';
import type { InterpolationTest } from '../resolution/half-map-content.js';

/** Findings of a command's input maps as warning lines and JSON. */
export interface InputDiagnostics {
  /** One line per finding, `[code] message` (the reporter adds `WARNING: `). */
  warnings: string[];
  /** The findings as JSON (`{code, severity, message, evidence}`), for `--json` under `diagnostics`. */
  diagnostics: Finding[];
  /** With half maps: their interpolation test (`PairDiagnosis.interpolationTest`), for the command's method; absent when not run. */
  interpolationTest?: InterpolationTest;
}

/** Options of {@link diagnoseCommandInput}. */
export interface CommandInputOptions {
  /** Two half maps on the map's box: pair checks and each half's own findings. */
  halves?: readonly [Volume, Volume];
  /** How the map is named in the warnings when it is not the command's main map (e.g. "--like map"). */
  what?: string;
  /**
   * The command analyses the data's box of a box padded with zeros (as `decompose` does): the
   * map's `masked` finding said as padded is left out (default false).
   */
  paddingHandled?: boolean;
  /**
   * The command's result does not depend on a constant added to the map (as `decompose`, which
   * removes the mean: synth_occres128 + 100 × its std gave the raw map's label occupancies and B
   * to ±1 Å²): the map's `offset` finding, which speaks of the local scale, is left out (default false).
   */
  levelHandled?: boolean;
  /**
   * Compute the findings in a worker thread ({@link computeInThread}), so that Ctrl+C, SIGTERM and
   * SIGHUP are acted on at once rather than after the diagnostics (default false). Give it maps in
   * shared memory (`readMapArg(…, shared)`), which the thread takes without a copy; other maps are
   * copied. `occupy decompose` does (its diagnostics held a signal for 2.5 s at 256³ before
   * session 58).
   */
  inThread?: boolean;
  /** With `inThread`: ends the thread at once and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * One map's own findings as a command reports them: those the command handles itself
 * ({@link CommandInputOptions.paddingHandled}, {@link CommandInputOptions.levelHandled}) left out.
 * The FFT must be loaded (`loadFft`).
 * @param map the density map (canonical layout, x fastest); not modified
 * @param options what the command handles
 * @throws TypeError/RangeError for an invalid volume or non-finite voxels (from `diagnoseMap`)
 */
export function mapFindings(map: Volume, options: Pick<CommandInputOptions, 'paddingHandled' | 'levelHandled'> = {}): Finding[] {
  const { paddingHandled = false, levelHandled = false } = options;
  return diagnoseMap(map, { sampledRange: true }).findings.filter((f) => !(paddingHandled && f.code === 'masked' && f.evidence.padded === true) && !(levelHandled && f.code === 'offset'));
}

/**
 * Diagnose a command's input: one map, and optionally two half maps of it (pair checks and each
 * half's own findings, named "half map 1/2").
 * @param map the density map (canonical layout, x fastest); not modified
 * @param options half maps, the map's name in the warnings, padding handled by the command
 * @throws TypeError/RangeError for an invalid volume or non-finite voxels (from `diagnoseMap`)
 */
export async function diagnoseCommandInput(map: Volume, options: CommandInputOptions = {}): Promise<InputDiagnostics> {
  const { halves, what, inThread = false, paddingHandled, levelHandled, signal } = options;
  let found: PairFindings;
  if (inThread) found = await computeInThread('commandInputFindings', [map, { halves, paddingHandled, levelHandled }], { signal });
  else {
    await loadFft();
    found = commandInputFindings(map, options);
  }
  const { findings, interpolationTest } = found;
  return { warnings: findings.map((f) => findingLine(f, what)), diagnostics: findings.map(findingJson), ...(interpolationTest ? { interpolationTest } : {}) };
}

/**
 * The findings of {@link diagnoseCommandInput} on the calling thread: the map's own
 * ({@link mapFindings}), then with `halves` the pair's and each half's, and the halves'
 * interpolation test. The FFT must be loaded.
 * @param map the density map (canonical layout, x fastest); not modified
 * @param options half maps and what the command handles
 * @throws TypeError/RangeError for an invalid volume or non-finite voxels (from `diagnoseMap`)
 */
export function commandInputFindings(map: Volume, options: Pick<CommandInputOptions, 'halves' | 'paddingHandled' | 'levelHandled'> = {}): PairFindings {
  const { halves } = options;
  const pair = halves ? diagnoseHalfMaps(halves[0], halves[1], { sampledRange: true }) : undefined;
  return { findings: [...mapFindings(map, options), ...(pair ? pair.findings : [])], ...(pair?.interpolationTest ? { interpolationTest: pair.interpolationTest } : {}) };
}

/** Pair findings that make every half-map result meaningless: the jobs refuse them. */
const REFUSED_PAIR_CODES: readonly string[] = ['identical-halves', 'anti-correlated-halves'];

/**
 * Refuse two half maps that the diagnostics call identical (`identical-halves`: FSC ≥ 0.999 in
 * every shell, i.e. one map given twice) or anti-correlated (`anti-correlated-halves`: FSC below
 * −0.5 at low frequency, i.e. one half × −1). An FSC, a local resolution or a half-map noise
 * estimate from them is meaningless: before session 50, `occupy locres h1.mrc h1.mrc` wrote
 * 2.87 Å over the whole box of `synth_halves128` with exit 0 and only a warning; before session
 * 51, `occupy fsc h1.mrc h2inv.mrc` read 96 Å (the box) and locres 49.5 Å everywhere, exit 0.
 * @param findings the pair's findings (from `diagnoseHalfMaps` or {@link diagnoseCommandInput})
 * @param paths the two half maps as the user gave them
 * @throws Error naming both files, when one of these findings is among `findings`
 */
export function refuseIdenticalHalves(findings: readonly Finding[], paths: readonly [string, string]): void {
  const f = findings.find((x) => REFUSED_PAIR_CODES.includes(x.code));
  if (f) throw new Error(`half maps '${paths[0]}' and '${paths[1]}': ${f.message}`);
}
