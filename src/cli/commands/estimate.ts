/**
 * `occupy [estimate] -i MAP ...`: estimate the local scale of a map (OccuPy's main command).
 */
import { Command, Option } from 'commander';
import { statRegularFileSync } from '../../core/regular-file.js';
import { removedOutputLines } from '../../core/output-set.js';
import { dirname, resolve } from 'node:path';
import { estimateFromFile, type EstimateFileOptions } from '../../jobs/estimate-job.js';
import { limitsLines, settingsLines, type EstimateSummary } from '../../occupancy/summary.js';
import { ESTIMATE_OPTIONS, INPUT_CHECK_OPTION, checkEstimateOptionsRead, resolveEstimateOptions, type EstimateOptionValues } from '../../occupancy/options.js';
import { addSchemaOptions, schemaValues } from '../options.js';
import { contradictionError } from '../../core/option-schema.js';
import { detectByteOrder, parseMrcHeader, MRC_HEADER_BYTES } from '../../io/mrc/index.js';
import { openMapFile } from '../../io/mrc/layout.js';
import { createGunzip } from 'node:zlib';
import { PROGRESS_STYLES, Reporter, type ProgressStyle, type Verbosity } from '../reporter.js';
import { outputFolderAndStem } from '../../jobs/output-path.js';
import { UsageError } from '../../core/exit-codes.js';
import { showInChimerax } from '../chimerax-launch.js';

/** One-line description shown in `occupy --help`. */
export const summary = 'estimate the local scale (relative occupancy or resolution) of a map';

/** Parsed options of the estimate command (commander's camel-cased names). */
export interface EstimateCliOptions {
  inputMap?: string;
  emdb?: string;
  /** `--emdb-id`: the original OccuPy's name of `--emdb`. */
  emdbId?: string;
  /** `--SW`: the tile-based normalisation (the default; the original's opposite of `--S0`). */
  SW?: boolean;
  /** `--chimerax-silent`: also write `chimX_<stem>_silent.cxc` for `chimerax --offscreen` (four PNG views). */
  chimeraxSilent?: boolean;
  /** `--progress`: how progress is shown on stderr (`auto`: a bar on a terminal, one line per phase elsewhere). */
  progress?: ProgressStyle;
  /** The arguments as typed after `occupy` (set by the entry point; recorded in the log). */
  commandLine?: string[];
  plot?: boolean;
  angpix?: number;
  resolution?: number;
  lowpass?: number;
  kernelSize?: number;
  kernelRadius?: number;
  tau?: number;
  tileSize?: number;
  lowpassMask: 'original' | 'centred';
  maxBox: number;
  occupancy?: boolean;
  rawScale?: boolean;
  S0?: boolean;
  solventDef?: string;
  hedgeConfidence?: number;
  nlrc?: boolean;
  targetMask?: string;
  scaleLimit: number;
  amplify?: number;
  attenuate?: number;
  sigmoid?: number;
  pivot?: number;
  excludeSolvent?: boolean;
  retainSolvent?: boolean;
  omitConfidence?: boolean;
  lowpassOutput?: number;
  histMatch?: boolean;
  scaleFrom?: 'estimate' | 'decompose';
  seed?: number;
  outputMap?: string;
  keepOutputPath?: boolean;
  saveAllMaps?: boolean;
  chimerax?: boolean;
  showChimerax?: boolean;
  minVisScale: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** `--force`: estimate a map the input diagnostics call `not-density`. */
  force?: boolean;
}

/** Add the estimation options (OccuPy's names) to a command. */
export function addEstimateOptions(cmd: Command): Command {
  cmd
    .argument('[map]', 'input map, the same as -i MAP')
    .option('-i, --input-map <map>', 'input map (.mrc/.map/.ccp4, optionally .gz): raw, unsharpened, unmasked is best')
    .option('--emdb <id>', 'download EMD-<id> from the EMDB archive (HTTPS, cached) and use it as the input map (alias --emdb-id)')
    .addOption(new Option('--emdb-id <id>', 'same as --emdb (the original OccuPy\'s name)').hideHelp());
  addMethodOptions(cmd)
    .option('-o, --output-map <path>', 'output folder (ending in /, or an existing folder: outputs named after the input) or name (out/name.mrc: outputs in out/, named after name)')
    .option('--keep-output-path', 'write the outputs next to the input map instead of the current folder')
    .option('--show-chimerax', 'open the ChimeraX script in ChimeraX when it is installed')
    .option(INPUT_CHECK_OPTION.force.flags, INPUT_CHECK_OPTION.force.doc);
  return addVerbosityOptions(cmd);
}

/** --json, --verbose and --quiet. */
export function addVerbosityOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--progress <style>', 'progress on stderr: auto (a bar on a terminal, one line per phase with elapsed time elsewhere), bar, lines, json (one JSON line per phase), none').choices([...PROGRESS_STYLES]).default('auto'))
    .option('--json', 'print the summary as one JSON object on stdout (and nothing else there)')
    .option('-v, --verbose', 'more detail, and stack traces on errors')
    .option('-q, --quiet', 'print only errors and the warnings that make the result invalid (solvent model failed or bad; input masked, flattened, sharpened or not a density map), and --json');
}

/**
 * The options of the method itself (estimation, modification, plots, ChimeraX script), from the
 * option schema (`ESTIMATE_OPTIONS`): shared with `occupy batch`.
 */
export function addMethodOptions(cmd: Command): Command {
  return addSchemaOptions(cmd, ESTIMATE_OPTIONS);
}

/**
 * Verbosity from --quiet/--verbose (every command that has both reads them here).
 * @throws OptionError (exit 2) when both are given: they contradict each other
 */
export function verbosityOf(o: { quiet?: boolean; verbose?: boolean }): Verbosity {
  if (o.quiet && o.verbose) throw contradictionError('-v/--verbose', '-q/--quiet', 'verbose');
  return o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
}

/** The reporter of a command: its verbosity and `--progress` style. */
export function reporterOf(o: { quiet?: boolean; verbose?: boolean; progress?: ProgressStyle }): Reporter {
  return new Reporter(verbosityOf(o), process.stderr, o.progress ?? 'auto');
}

/** Human-readable summary printed after a run. */
export function formatSummary(s: EstimateSummary): string {
  const files = s.files.map((f) => `  ${f}`);
  return ['', ...settingsLines(s), '', ...limitsLines(s), '', 'Files written:', ...files, ...removedOutputLines(s.removed ?? []), `Done in ${s.seconds.toFixed(2)} s (${Object.entries(s.timingsS).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}).`].join('\n');
}

/** The method options of one run, without input and output placement (shared with `occupy batch`). */
export type MethodOptions = Omit<EstimateFileOptions, 'inputPath' | 'outputDir' | 'outputStem' | 'onProgress'>;

/** Translate parsed options into library options. */
export function toFileOptions(o: EstimateCliOptions, inputPath: string, shape?: readonly number[]): EstimateFileOptions {
  let outputDir = o.keepOutputPath ? dirname(resolve(inputPath)) : '.';
  let outputStem: string | undefined;
  if (o.outputMap) {
    if (o.keepOutputPath) throw new UsageError('--keep-output-path and -o/--output-map contradict each other; give one');
    ({ dir: outputDir, stem: outputStem } = outputFolderAndStem(o.outputMap, inputPath));
  }
  return { ...toMethodOptions(o, shape), inputPath, outputDir, outputStem, force: o.force === true, commandLine: o.commandLine };
}

/** The schema's option values of parsed commander options (`--occupancy` → mode `occ`, `--lowpass` → `lowpassA`, …). */
export function estimateValuesOf(o: object): EstimateOptionValues {
  return schemaValues(ESTIMATE_OPTIONS, o) as EstimateOptionValues;
}

/**
 * Translate the parsed method options (estimation, modification, plots) into library options,
 * through the option schema (`resolveEstimateOptions`: defaults, ranges, the rules between options).
 * @param shape the input's box when known (box-dependent checks of --kernel-size, --tile-size, --angpix)
 * @throws OptionError for out-of-range, contradictory or incomplete options
 */
export function toMethodOptions(o: Omit<EstimateCliOptions, 'inputMap' | 'emdb' | 'outputMap' | 'keepOutputPath' | 'showChimerax'>, shape?: readonly number[]): MethodOptions {
  return resolveEstimateOptions(estimateValuesOf(o), { shape });
}

/**
 * Run the estimate command: parse-level checks, the library call, then printing.
 * @param typed the options as the user typed them (commander's defaults left out; default `o`):
 *   an option the run would not read is refused (`checkEstimateOptionsRead`)
 * @throws Error with a one-line message on bad input (the entry point prints it)
 */
export async function run(o: EstimateCliOptions, positional?: string, typed: object = o): Promise<void> {
  const reporter = reporterOf(o);
  checkEstimateOptionsRead(estimateValuesOf(typed));
  // (it had been taken, and said afterwards that no script was written to open)
  if (o.showChimerax && o.chimerax === false) throw contradictionError('--show-chimerax', '--no-chimerax', 'showChimerax');
  if (positional !== undefined) {
    if (o.inputMap !== undefined && o.inputMap !== positional) throw new UsageError(`two input maps: '${positional}' and -i '${o.inputMap}'; give one`);
    o = { ...o, inputMap: positional };
  }
  if (o.emdbId !== undefined) {
    if (o.emdb !== undefined && o.emdb !== o.emdbId) throw new UsageError('--emdb and --emdb-id name the same option; give one');
    o = { ...o, emdb: o.emdbId };
  }
  if (o.emdb !== undefined) {
    if (o.inputMap) throw new UsageError('give either -i/--input-map or --emdb, not both');
    const id = o.emdb;
    const { fetchEmdbMap, normalizeEmdbId } = await import('../../io/emdb/index.js'); // only for downloads
    // a malformed ID is a usage error (exit 2), found before any download
    try {
      normalizeEmdbId(id);
    } catch (err) {
      throw new UsageError(`--emdb: ${(err as Error).message}`);
    }
    try {
      o = {
        ...o,
        inputMap: await fetchEmdbMap(id, {
          onProgress: (got, total) => reporter.progress(`EMD-${normalizeEmdbId(id)} download`, total ? got / total : 0),
          // each failed attempt is said (a server that accepts and never answers takes 60 s an attempt)
          onRetry: (attempt, attempts, reason, delayMs) => reporter.warn(`EMD-${normalizeEmdbId(id)}: download attempt ${attempt} of ${attempts} failed (${reason}); trying again in ${(delayMs / 1000).toFixed(0)} s`),
        }),
      };
    } catch (err) {
      reporter.abort();
      throw err;
    }
    reporter.detail(`EMD-${normalizeEmdbId(id)}: ${o.inputMap}`);
  }
  if (!o.inputMap) throw new UsageError('no input map: give one with -i/--input-map or --emdb <id> (see occupy --help), or try `occupy demo`');
  statRegularFileSync(o.inputMap, 'map'); // no such file, permission denied, a folder or a special file
  for (const [flag, p] of [['--solvent-def', o.solventDef], ['--target-mask', o.targetMask]] as const) {
    if (p !== undefined) statRegularFileSync(p, `${flag} map`);
  }
  // Options that depend on the map's box (--kernel-size, --tile-size, the cell of --angpix) are
  // checked on its header before the map is read and processed.
  const shape = await peekMapBox(o.inputMap);
  if (shape) toMethodOptions(o, shape);
  // --lowpass, -r and --lowpass-output finer than Nyquist or coarser than the box are refused by
  // estimateFromFile itself (checkEstimateResolutions, header only, before anything is read)
  const fileOptions = toFileOptions(o, o.inputMap, shape);
  // an output folder that cannot be written is refused before the map is read: by the CLI's
  // preAction hook (src/cli/index.ts), for every writing command; estimateFromFile does not probe
  // it again. Except --keep-output-path with --emdb: the outputs go beside the download, in the
  // EMDB cache, which the hook (run before the download) did not know and did not check; a
  // read-only cache had been found only at the write, after the whole estimate
  const hookChecked = !(o.keepOutputPath === true && o.emdb !== undefined);
  let s: EstimateSummary;
  try {
    ({ summary: s } = await estimateFromFile({ ...fileOptions, outputFolderChecked: hookChecked, onProgress: (p, f) => reporter.progress(p, f) }));
  } catch (err) {
    reporter.abort();
    throw err;
  }
  reporter.finish();
  // -q hides warnings, but never one that makes the result invalid
  for (const w of s.warnings) {
    if (invalidatesResult(w)) reporter.critical(w);
    else reporter.warn(w);
  }
  if (s.boxProcessing.join() !== s.boxInput.join()) {
    // the processing box changes what every voxel-based setting means: always said (not only with -v)
    reporter.info(`Note: box ${s.boxInput.join('x')} was Fourier-cropped to ${s.boxProcessing.join('x')} by --max-box ${o.maxBox} (voxel ${s.processingVoxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å); kernel and tile sizes are in processing voxels.`);
  }
  for (const n of s.notes) reporter.detail(n);
  if (o.showChimerax) {
    const script = s.files.find((f) => f.endsWith('.cxc'));
    reporter.info(script ? showInChimerax(script) : '--show-chimerax: no ChimeraX script was written (--no-chimerax)');
  }
  if (o.json) {
    process.stdout.write(JSON.stringify(s) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    process.stdout.write(formatSummary(s) + '\n');
  }
}

/**
 * Whether a warning says the result itself cannot be trusted: the solvent model failed or is bad
 * (`Potentially bad solvent model`, `[solvent-model]`), no voxel is confidently density, or an input
 * finding that makes the confidence or the scale unreliable (`[masked]`, `[flattened]`,
 * `[sharpened]`, `[not-density]`; README "Is my map suitable?"). Such warnings are printed even with
 * `--quiet`; advisories (a small kernel that *may* give a bad solvent model) are not.
 */
export function invalidatesResult(warning: string): boolean {
  return /solvent model failed|^Potentially bad solvent model|^\[(solvent-model|not-density|inverted|masked|flattened|sharpened)\]|confidence map is 0 everywhere/i.test(warning);
}

/**
 * The box [nx, ny, nz] of a map file from its header alone (the first 1024 bytes, inflated when
 * the file is gzip-compressed), for checking box-dependent options before reading the map.
 * The file is opened like the reader opens it ({@link openMapFile}): only a regular file, checked
 * before it is opened, so a FIFO is refused at once instead of blocking the open for ever.
 * @returns undefined when the header is not a valid MRC header (the reader then reports the problem)
 * @throws Error `cannot read map '<path>': no such file | it is a folder, not a file | permission
 *   denied | it is a character device, not a regular file (…)` when the file cannot be opened as a
 *   map (the wording of `statRegularFile`, src/core/regular-file.ts)
 */
export async function peekMapBox(path: string): Promise<[number, number, number] | undefined> {
  const { fh, head: raw, gzip } = await openMapFile(path);
  let head: Uint8Array;
  try {
    try {
      head = gzip ? await inflateHead(fh.createReadStream({ start: 0, autoClose: false })) : raw;
    } finally {
      await fh.close();
    }
    if (head.length < MRC_HEADER_BYTES) return undefined;
    const h = parseMrcHeader(head, detectByteOrder(head).littleEndian);
    const box: [number, number, number] = [h.nx, h.ny, h.nz];
    return box.every((n) => Number.isInteger(n) && n > 0) ? box : undefined;
  } catch {
    return undefined;
  }
}

/** The first 1024 inflated bytes of a gzip stream (fewer when the stream is shorter or corrupt). */
function inflateHead(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const gunzip = createGunzip();
    const finish = () => {
      stream.unpipe(gunzip);
      gunzip.destroy();
      (stream as unknown as { destroy?: () => void }).destroy?.();
      done(new Uint8Array(Buffer.concat(chunks)).subarray(0, MRC_HEADER_BYTES));
    };
    gunzip.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= MRC_HEADER_BYTES) finish();
    });
    gunzip.on('end', finish);
    gunzip.on('error', finish);
    stream.on('error', finish);
    stream.pipe(gunzip);
  });
}
