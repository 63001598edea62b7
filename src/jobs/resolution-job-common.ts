/**
 * What the file pipelines of issue 18's resolution methods (directional FSC, radial shells,
 * MonoDir, MonoTomo, ResMap-style) share with `occupy locres`: the box checks, the input
 * diagnostics, the run record, the log, and what goes to stdout (maps are read by read-map.ts).
 * @see issue 18 item 6
 */
import { computeInThread } from './compute-thread.js';
import type { ComputeMethod, ComputeMethodName, ComputeProgress } from './compute-methods.js';
import { dirname, join, resolve } from 'node:path';
import { MRC_LABEL_COUNT, type MrcMap } from '../io/mrc/index.js';
import { hashInputs, INPUTS_SHA256, inputsSha256Setting, makeRunRecord, recordLabels, type RunRecord } from '../core/run-record.js';
import { TOOL_VERSION } from '../core/version.js';
import { findingJson, findingLine } from '../diagnostics/index.js';
import type { Volume } from '../core/volume.js';
import type { InterpolationTest } from '../resolution/half-map-content.js';
import { recordLines } from '../occupancy/summary.js';
import { checkSameGrid, readHalfMapArg, readMaskArg, type NamedMap } from './read-map.js';
import type { ListedOutputs } from './listed-outputs.js';
import { nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { isFolderOutput, refuseSpecialFile } from './output-path.js';
import { removedOutputLines } from '../core/output-set.js';

/** The part of the CLI's reporter the jobs use (progress and messages on stderr). */
export interface JobReporter {
  readonly verbosity: 'quiet' | 'normal' | 'verbose';
  /** Progress of a phase, fraction in [0, 1]. */
  progress(phase: string, fraction: number): void;
  info(text: string): void;
  warn(text: string): void;
  /** Erase an unfinished progress line before an error is printed. */
  abort(): void;
}

/** A reporter that prints nothing (library calls, tests). */
export const SILENT_REPORTER: JobReporter = { verbosity: 'quiet', progress: () => {}, info: () => {}, warn: () => {}, abort: () => {} };

/** The program version recorded in every output. */
export const JOB_VERSION = TOOL_VERSION;

/** The options every issue-18 job takes (as `occupy locres` / `occupy fsc` name them). */
export interface ResolutionJobOptions extends ListedOutputs {
  /** `--mask`: the mask map's path. */
  mask?: string;
  /** `--angpix`: voxel size of every input, Å (overrides the headers). */
  angpix?: number;
  /** `-o`: where the outputs go (each job says how it reads it). */
  output?: string;
  json?: boolean;
  /** The arguments as typed after `occupy` (recorded). */
  commandLine?: readonly string[];
}

/** Two half maps and the optional mask of a job, read and checked, with the input diagnostics. */
export interface HalfMapInputs {
  h1: MrcMap;
  h2: MrcMap;
  mask: MrcMap | undefined;
  /** The diagnostics' warning lines (already printed). */
  warnings: string[];
  diagnostics: ReturnType<typeof findingJson>[];
}

/**
 * Read two half maps and the optional `--mask`, check that they lie on one grid
 * ({@link checkOtherMaps}), and run the input diagnostics on the halves (progress phases `read`
 * and `diagnostics`).
 * @throws Error naming a missing file; MrcFormatError for a broken one; RangeError naming the
 *   second half map or `--mask` when its box or voxel size differs from the first half map's
 */
export async function readHalfMapInputs(h1Path: string, h2Path: string, maskPath: string | undefined, angpix: number | undefined, reporter: JobReporter): Promise<HalfMapInputs> {
  reporter.progress('read', 0);
  const h1 = await readHalfMapArg(h1Path, angpix, (l) => reporter.info(l));
  const notCubic = nonCubicVoxelsError(h1.volume.voxelSizeA);
  if (notCubic) throw new RangeError(`half map '${h1Path}': ${notCubic}`);
  const h2 = await readHalfMapArg(h2Path, angpix);
  const mask = maskPath ? await readMaskArg(maskPath, angpix) : undefined;
  const gridWarnings = checkOtherMaps({ map: h1, path: h1Path, what: 'half map 1' }, [
    { map: h2, path: h2Path, what: 'half map 2' },
    mask && maskPath ? { map: mask, path: maskPath, what: '--mask map' } : undefined,
  ]);
  reporter.progress('diagnostics', 0);
  const d = await diagnoseInputs(reporter, h1.volume, h2.volume);
  return { h1, h2, mask, ...withWarnings(reporter, d, gridWarnings) };
}

/**
 * Run a job's computation in a worker thread ({@link computeInThread}: a signal is acted on at
 * once), its progress shown as `phase`; on an error, erase the unfinished progress line first
 * (then rethrow). Then the `write` phase starts.
 * @param method the computation's name in COMPUTE_METHODS
 * @param args its arguments, every one given, the options last (their `onProgress` is replaced)
 * @param phase the progress phase's name, e.g. `ResMap-style test`
 */
export async function computeJob<K extends ComputeMethodName>(reporter: JobReporter, method: K, args: Parameters<ComputeMethod<K>>, phase: string): Promise<ReturnType<ComputeMethod<K>>> {
  let r: ReturnType<ComputeMethod<K>>;
  // the phase begins now, not at the method's first report (ResMap's came 12 s into a 256³ run,
  // the set-up until then counted as diagnostics, a held phase: no line at all; session 54)
  reporter.progress(phase, 0);
  try {
    r = await computeInThread(method, args, { onProgress: ((f: number) => reporter.progress(phase, f)) as unknown as ComputeProgress<K> });
  } catch (err) {
    reporter.abort();
    throw err;
  }
  reporter.progress('write', 0);
  return r;
}

/**
 * Check a job's other maps (second half map, `--mask`, `--labels`) against its first one with
 * `checkSameGrid` (src/jobs/read-map.ts): box and voxel size refused, an origin that differs warned of.
 * @param first the first (half) map, named
 * @param others the other maps, named; undefined entries (options not given) are skipped
 * @returns the origin warnings, not yet printed
 * @throws RangeError naming the file and both boxes or voxel sizes
 */
export function checkOtherMaps(first: NamedMap, others: readonly (NamedMap | undefined)[]): string[] {
  return others.map((m) => checkSameGrid(m, first)).filter((w): w is string => w !== undefined);
}

/** The diagnostics' warnings followed by `extra` warning lines, which are printed here. */
export function withWarnings<T extends { warnings: string[] }>(reporter: JobReporter, d: T, extra: readonly string[]): T {
  for (const w of extra) reporter.warn(w);
  return { ...d, warnings: [...d.warnings, ...extra] };
}

/**
 * The input diagnostics of one map or a pair of half maps (masked, sharpened, identical or
 * dependent halves …), each printed once as a warning.
 * @returns the warning lines, the findings as JSON and, for a pair, the halves' interpolation test
 *   (`PairDiagnosis.interpolationTest`; absent when not run), which a method on these very halves
 *   takes rather than run it again
 */
export async function diagnoseInputs(reporter: JobReporter, first: Volume, second?: Volume): Promise<{ warnings: string[]; diagnostics: ReturnType<typeof findingJson>[]; interpolationTest?: InterpolationTest }> {
  // one map: its `offset` finding (which speaks of the local scale) is left out: a constant does
  // not move the local resolution (ResMap on synth_occ128 + 0.034: every voxel as on the map).
  // In a worker thread, so that a signal is acted on at once (session 58: on this thread, SIGINT
  // during locres' diagnostics of 256³ half maps waited 12 s on a loaded machine)
  const { findings, interpolationTest } = second ? await computeInThread('diagnoseHalfMapPair', [first, second, {}]) : { findings: (await computeInThread('diagnoseMapFindings', [first, {}])).filter((f) => f.code !== 'offset'), interpolationTest: undefined };
  const warnings = findings.map((f) => findingLine(f));
  for (const w of warnings) reporter.warn(w);
  return { warnings, diagnostics: findings.map(findingJson), ...(interpolationTest ? { interpolationTest } : {}) };
}

/**
 * Output prefix of a job (`-o` as every command: a folder ending in `/` or an existing folder →
 * `<folder>/<defaultStem>`; a file name → that name without its `.mrc`/`.map` extension; absent →
 * `<defaultStem>` in the current folder).
 */
export function jobPrefix(output: string | undefined, defaultStem: string): string {
  if (output === undefined) return resolve(defaultStem);
  refuseSpecialFile(output);
  if (isFolderOutput(output)) return join(resolve(output), defaultStem);
  return resolve(output).replace(/\.(mrc|map|ccp4|mrcs)(\.gz)?$/i, '');
}

/**
 * Output folder of a job whose file names are fixed (`monodir_<stem>_*.mrc`, `shells_<stem>.*`):
 * `-o DIR/` or an existing folder → DIR; `-o path/file.mrc` → its folder; absent → the current one.
 */
export function jobFolder(output: string | undefined): string {
  if (output === undefined) return resolve('.');
  const prefix = jobPrefix(output, 'x');
  return dirname(prefix);
}

/**
 * The record of a run (command line, version, input SHA-256 and resolved settings), as
 * `occupy locres` records it.
 * @param inputs the input files, first the map (half map 1), then the others
 * @param cwd the working folder to record (default `process.cwd()`; the GUI's root)
 */
export async function jobRecord(commandLine: readonly string[] | undefined, inputs: readonly string[], settings: Record<string, unknown>, cwd?: string): Promise<RunRecord> {
  const hashes = await hashInputs(inputs);
  // a `seed` setting here is a fixed default or the typed --seed, never drawn at random (the
  // estimate's record line had said `0 (drawn at random; --seed 0 reproduces it)` for `fsc --mask
  // --seed 5`, and described the estimate's solvent noise when no seed was used; session 54)
  const seed = settings.seed;
  const typed = (commandLine ?? []).some((a) => a === '--seed' || a.startsWith('--seed='));
  const seedText = !('seed' in settings) ? undefined : typeof seed === 'number' ? `${seed} (${typed ? 'given' : 'the default'}; the rerun line reproduces it)` : 'not used';
  return makeRunRecord({
    commandLine,
    cwd,
    input: hashes[0],
    seed: typeof seed === 'number' ? seed : 0,
    seedGiven: typed,
    hasSeedOption: false,
    ...(seedText !== undefined ? { seedText } : {}),
    settings: { ...settings, [INPUTS_SHA256]: inputsSha256Setting(hashes) },
  });
}

/**
 * MRC labels of an output map: what it holds, then the record in short form (at most 8 labels),
 * then as many of `kept` (e.g. the input map's own labels) as fit in the header's 10.
 */
export function jobLabels(what: string, record: RunRecord, kept: readonly string[] = []): string[] {
  const labels = [`occupy-ts ${JOB_VERSION}: ${what}`.slice(0, 80), ...recordLabels(record, 8)];
  return [...labels, ...kept.slice(0, Math.max(0, MRC_LABEL_COUNT - labels.length))];
}

/**
 * The log of a job: title, record, the job's own lines, warnings, files and time.
 * @param removed an earlier run's outputs the job removed (`removedOutputLines`), listed after the files
 */
export function jobLogLines(title: string, record: RunRecord, body: readonly string[], warnings: readonly string[], files: readonly string[], seconds: number, removed: readonly string[] = []): string[] {
  return [
    `occupy-ts ${JOB_VERSION} — ${title}`,
    '',
    '--- Record ---',
    ...recordLines(record),
    '',
    ...body,
    ...warnings.map((w) => `WARNING: ${w}`),
    '',
    'Files written:',
    ...files.map((f) => `  ${f}`),
    ...removedOutputLines(removed),
    `Done in ${seconds.toFixed(2)} s.`,
  ];
}

/**
 * Print the result: one JSON object with `--json`, else the body lines and the files, and an
 * earlier run's outputs the job removed (nothing with `--quiet`).
 */
export function printJobResult(reporter: JobReporter, json: boolean | undefined, result: object, body: readonly string[], files: readonly string[], removed: readonly string[] = []): void {
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (reporter.verbosity !== 'quiet') process.stdout.write([...body, 'Files written:', ...files.map((f) => `  ${f}`), ...removedOutputLines(removed)].join('\n') + '\n');
}
