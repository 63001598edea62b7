/**
 * `occupy [estimate] -i MAP ...`: estimate the local scale of a map (OccuPy's main command).
 */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { estimateFromFile, type EstimateFileOptions } from '../../occupancy/estimate-files.js';
import { limitsLines, settingsLines, type EstimateSummary } from '../../occupancy/summary.js';
import { mapStem } from '../../occupancy/output-names.js';
import type { ModificationRequest } from '../../occupancy/modify.js';
import { estimateOptionErrors } from '../../occupancy/estimate-options.js';
import { checkEstimateResolutions } from '../nyquist-check.js';
import { angpixOption, checkVoxelSize, INT_OPTION_MAX, integerOption, numberOption, OptionRangeError, rangeOption, resolutionOption, seedOption } from '../options.js';
import { detectByteOrder, parseMrcHeader, MRC_HEADER_BYTES } from '../../io/mrc/index.js';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PROGRESS_STYLES, Reporter, type ProgressStyle, type Verbosity } from '../reporter.js';
import { outputFolderAndStem } from '../output-path.js';
import { UsageError } from '../../core/exit-codes.js';
import { showInChimerax } from '../chimerax-launch.js';
import { fetchEmdbMap, normalizeEmdbId } from '../../io/emdb/index.js';

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
    .option('--force', 'estimate even a map that `occupy check` calls not-density (a mask, scale or local-resolution map)');
  return addVerbosityOptions(cmd);
}

/** --json, --verbose and --quiet. */
export function addVerbosityOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--progress <style>', 'progress on stderr: auto (a bar on a terminal, one line per phase with elapsed time elsewhere), bar, lines, json (one JSON line per phase), none').choices([...PROGRESS_STYLES]).default('auto'))
    .option('--json', 'print the summary as one JSON object on stdout (and nothing else there)')
    .option('-v, --verbose', 'more detail, and stack traces on errors')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/** The options of the method itself (estimation, modification, plots, ChimeraX script): shared with `occupy batch`. */
export function addMethodOptions(cmd: Command): Command {
  return cmd
    .option('--angpix <A>', 'voxel size in Å instead of the header\'s (logged; outputs carry it)', angpixOption('--angpix'))
    .option('-r, --resolution <A>', 'resolution of the map in Å (used as low-pass when --lowpass is not given)', resolutionOption('--resolution'))
    .option('--lowpass <A>', 'low-pass cut-off in Å; default max(8, 3 × voxel size)', resolutionOption('--lowpass'))
    .option('--kernel-size <voxels>', 'edge of the local kernel in voxels (odd); default from the low-pass, 3–9', numberOption('--kernel-size', (v) => Number.isInteger(v) && v >= 1 && v % 2 === 1 && v <= INT_OPTION_MAX, 'an odd integer >= 1 that fits the map\'s box'))
    .option('--kernel-radius <voxels>', 'radius of the spherical kernel in voxels; default low-pass / (2 × voxel size)', rangeOption('--kernel-radius', { min: 0, max: 1000, minOpen: true, unit: 'voxels' }))
    .option('-t, --tau <fraction>', 'percentile for the full-scale search, in (0, 1]; default from the kernel', rangeOption('--tau', { min: 0, max: 1, minOpen: true }))
    .addOption(new Option('--lowpass-mask <style>', 'low-pass mask: original (as OccuPy, reproduces its solvent model) or centred (on DC)').choices(['original', 'centred']).default('original'))
    .option('--tile-size <voxels>', 'edge of the tiles of the full-scale search in voxels; default box/20', integerOption('--tile-size', 1, 'an integer in 1..(smallest edge of the box)'))
    .option('--max-box <voxels>', 'Fourier-crop larger boxes to this size (even); 0 = never', numberOption('--max-box', (v) => v === 0 || (Number.isInteger(v) && v >= 10 && v % 2 === 0 && v <= INT_OPTION_MAX), 'an even integer >= 10, or 0 for no limit'), 256)
    .option('--occupancy', 'estimate occupancy: the scale of the low-passed map (alias --lp-scale)')
    .addOption(new Option('--lp-scale', 'same as --occupancy').hideHelp().implies({ occupancy: true }))
    .option('--raw-scale', 'estimate on the raw map (resolution mode) even when modifying')
    .option('--S0', 'normalise by tau × the map maximum instead of the tile search')
    .option('--SW', 'normalise by the tile search (the default; the original\'s opposite of --S0)')
    .option('--solvent-def <map>', 'solvent (or molecule) mask, same box as the input, binarised at 0.9')
    .option('--hedge-confidence <exponent>', 'raise the confidence to this power (> 1) to be more conservative', rangeOption('--hedge-confidence', { min: 1, max: 1000 }))
    .option('--nlrc', 'noise-level recalibration: rescale the scale so the confidence limit maps to 0')
    .option('--target-mask <map>', 'report the occupancy of the region where this mask > 0.5')
    .option('--scale-limit <fraction>', 'scales at or below this are never modified', rangeOption('--scale-limit', { min: 0, max: 1, maxOpen: true }), 0.05)
    .option('--amplify <power>', 'amplify partial occupancies by scale^(1/g - 1); implies --occupancy', rangeOption('--amplify', { min: 1, max: 100, minOpen: true }, 'a power'))
    .option('--attenuate <power>', 'attenuate partial occupancies by scale^(g - 1); implies --occupancy', rangeOption('--attenuate', { min: 1, max: 100, minOpen: true }, 'a power'))
    .option('--sigmoid <power>', 'sigmoid-modify: amplify above --pivot, attenuate below; implies --occupancy', rangeOption('--sigmoid', { min: 1, max: 100, minOpen: true }, 'a power'))
    .option('--pivot <scale>', 'scale left unchanged by --sigmoid, in [0.01, 0.99]', rangeOption('--pivot', { min: 0.01, max: 0.99 }))
    .option('--exclude-solvent', 'flatten the solvent to 0 in modified maps (alone: write solExcl_<stem>.mrc)')
    .option('--retain-solvent', 'keep the input solvent in modified maps (default)')
    .option('--omit-confidence', 'do not suppress solvent by confidence when modifying (not recommended)')
    .option('--lowpass-output <A>', 'low-pass modified maps to this resolution in Å', resolutionOption('--lowpass-output'))
    .option('--hist-match', 'histogram-match modified maps to the input instead of clipping to its range')
    .addOption(new Option('--scale-from <source>', 'what the modifications act on: the local scale (estimate) or the decomposed relative occupancy (decompose: a flexible, fully occupied domain is not amplified as if partial)').choices(['estimate', 'decompose']).default('estimate'))
    .option('--seed <n>', 'seed of the synthetic solvent noise added when attenuating (default: random, logged)', seedOption('--seed'))
    .option('--save-all-maps', 'also write the low-passed (and down-sampled) input')
    .option('--chimerax', 'write the ChimeraX script chimX_<stem>.cxc (the default)')
    .option('--no-chimerax', 'do not write the ChimeraX script')
    .option('--chimerax-silent', 'also write chimX_<stem>_silent.cxc: `chimerax --offscreen` renders four views to PNG and exits')
    .option('--plot', 'write the solvent-model plot solModel_<stem>.png/.svg and the modification curves')
    .option('--min-vis-scale <fraction>', 'lowest scale of the ChimeraX colour range', rangeOption('--min-vis-scale', { min: 0, max: 1, maxOpen: true }), 0.2);
}

/** Verbosity from --quiet/--verbose. */
export function verbosityOf(o: { quiet?: boolean; verbose?: boolean }): Verbosity {
  return o.quiet ? 'quiet' : o.verbose ? 'verbose' : 'normal';
}

/** The reporter of a command: its verbosity and `--progress` style. */
export function reporterOf(o: { quiet?: boolean; verbose?: boolean; progress?: ProgressStyle }): Reporter {
  return new Reporter(verbosityOf(o), process.stderr, o.progress ?? 'auto');
}

/** Human-readable summary printed after a run. */
export function formatSummary(s: EstimateSummary): string {
  const files = s.files.map((f) => `  ${f}`);
  return ['', ...settingsLines(s), '', ...limitsLines(s), '', 'Files written:', ...files, `Done in ${s.seconds.toFixed(2)} s (${Object.entries(s.timingsS).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}).`].join('\n');
}

/** The method options of one run, without input and output placement (shared with `occupy batch`). */
export type MethodOptions = Omit<EstimateFileOptions, 'inputPath' | 'outputDir' | 'outputStem' | 'onProgress'>;

/** Translate parsed options into library options. */
export function toFileOptions(o: EstimateCliOptions, inputPath: string): EstimateFileOptions {
  let outputDir = o.keepOutputPath ? dirname(resolve(inputPath)) : '.';
  let outputStem: string | undefined;
  if (o.outputMap) {
    if (o.keepOutputPath) throw new UsageError('--keep-output-path and -o/--output-map contradict each other; give one');
    ({ dir: outputDir, stem: outputStem } = outputFolderAndStem(o.outputMap, inputPath));
  }
  return { ...toMethodOptions(o), inputPath, outputDir, outputStem, force: o.force === true, commandLine: o.commandLine };
}

/**
 * Translate the parsed method options (estimation, modification, plots) into library options.
 * @throws RangeError for contradictory or incomplete options
 */
export function toMethodOptions(o: Omit<EstimateCliOptions, 'inputMap' | 'emdb' | 'outputMap' | 'keepOutputPath' | 'showChimerax'>): MethodOptions {
  const optionErrors = estimateOptionErrors({ maxBox: o.maxBox, hedgeConfidence: o.hedgeConfidence, kernelSize: o.kernelSize, tileSize: o.tileSize });
  if (optionErrors.length > 0) throw new UsageError(optionErrors[0]);
  if (o.excludeSolvent && o.retainSolvent) throw new UsageError('--exclude-solvent and --retain-solvent contradict each other; give one');
  if (o.S0 && o.SW) throw new UsageError('--S0 and --SW contradict each other; give one (--SW, the tile search, is the default)');
  if (o.pivot !== undefined && o.sigmoid === undefined) throw new UsageError('--pivot is only used with --sigmoid');
  if (o.sigmoid !== undefined && o.pivot === undefined) throw new UsageError('--sigmoid needs --pivot <scale> (the scale left unchanged, e.g. 0.5)');
  const modifications: ModificationRequest[] = [];
  if (o.amplify !== undefined) modifications.push({ kind: 'amplify', gamma: o.amplify });
  if (o.attenuate !== undefined) modifications.push({ kind: 'attenuate', gamma: o.attenuate });
  if (o.sigmoid !== undefined) modifications.push({ kind: 'sigmoid', gamma: o.sigmoid, pivot: o.pivot });
  const modifying = modifications.length > 0;
  return {
    mode: (o.occupancy || modifying) && !o.rawScale ? 'occ' : 'res',
    lowpassA: o.lowpass,
    resolutionA: o.resolution,
    kernelSize: o.kernelSize,
    kernelRadiusVoxels: o.kernelRadius,
    tau: o.tau,
    tileSize: o.tileSize,
    lowpassMask: o.lowpassMask,
    maxBox: o.maxBox,
    useS0: o.S0 === true,
    solventDefPath: o.solventDef,
    hedgeConfidence: o.hedgeConfidence,
    nlrc: o.nlrc === true,
    targetMaskPath: o.targetMask,
    scaleLimit: o.scaleLimit,
    saveAllMaps: o.saveAllMaps === true,
    chimerax: o.chimerax,
    chimeraxSilent: o.chimeraxSilent === true,
    minVisScale: o.minVisScale,
    modifications,
    excludeSolvent: o.excludeSolvent === true,
    omitConfidence: o.omitConfidence === true,
    lowpassOutputA: o.lowpassOutput,
    histMatch: o.histMatch === true,
    scaleFrom: o.scaleFrom ?? 'estimate',
    seed: o.seed,
    plot: o.plot === true,
    angpix: o.angpix,
  };
}

/**
 * Run the estimate command: parse-level checks, the library call, then printing.
 * @throws Error with a one-line message on bad input (the entry point prints it)
 */
export async function run(o: EstimateCliOptions, positional?: string): Promise<void> {
  const reporter = reporterOf(o);
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
    try {
      o = { ...o, inputMap: await fetchEmdbMap(id, { onProgress: (got, total) => reporter.progress(`EMD-${normalizeEmdbId(id)} download`, total ? got / total : 0) }) };
    } catch (err) {
      reporter.abort();
      throw err;
    }
    reporter.detail(`EMD-${normalizeEmdbId(id)}: ${o.inputMap}`);
  }
  if (!o.inputMap) throw new UsageError('no input map: give one with -i/--input-map or --emdb <id> (see occupy --help), or try `occupy demo`');
  if (!existsSync(o.inputMap)) throw new Error(`cannot read map '${o.inputMap}': no such file`);
  for (const [flag, p] of [['--solvent-def', o.solventDef], ['--target-mask', o.targetMask]] as const) {
    if (p !== undefined && !existsSync(p)) throw new Error(`cannot read ${flag} map '${p}': no such file`);
  }
  // Options that depend on the map's box (--kernel-size, --tile-size, the cell of --angpix) are
  // checked on its header before the map is read and processed.
  const shape = await peekMapBox(o.inputMap);
  if (shape) {
    const boxErrors = estimateOptionErrors({ maxBox: o.maxBox, hedgeConfidence: o.hedgeConfidence, kernelSize: o.kernelSize, tileSize: o.tileSize, shape });
    if (boxErrors.length > 0) throw new OptionRangeError(boxErrors[0]);
    if (o.angpix !== undefined) checkVoxelSize('--angpix', o.angpix, shape);
  }
  // --lowpass, -r and --lowpass-output finer than Nyquist are refused (header only)
  await checkEstimateResolutions(o.inputMap, { lowpass: o.lowpass, resolution: o.resolution, lowpassOutput: o.lowpassOutput, maxBox: o.maxBox, angpix: o.angpix });
  const fileOptions = toFileOptions(o, o.inputMap);
  let s: EstimateSummary;
  try {
    ({ summary: s } = await estimateFromFile({ ...fileOptions, onProgress: (p, f) => reporter.progress(p, f) }));
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
 * Whether a warning says the result itself cannot be trusted (the solvent model failed, no voxel
 * is confidently density, the input is not a density map): such warnings are printed even with
 * `--quiet`.
 */
export function invalidatesResult(warning: string): boolean {
  return /solvent model failed|bad solvent model|^\[solvent-model\]|^\[not-density\]|confidence map is 0 everywhere/i.test(warning);
}

/**
 * The box [nx, ny, nz] of a map file from its header alone (the first 1024 bytes, inflated when
 * the file is gzip-compressed), for checking box-dependent options before reading the map.
 * @returns undefined when the header cannot be read or is not a valid MRC header (the reader then
 *   reports the problem)
 */
export async function peekMapBox(path: string): Promise<[number, number, number] | undefined> {
  let head: Uint8Array;
  try {
    const fh = await open(path, 'r');
    try {
      const raw = new Uint8Array(MRC_HEADER_BYTES);
      const { bytesRead } = await fh.read(raw, 0, raw.length, 0);
      head = raw.subarray(0, bytesRead);
      if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) head = await inflateHead(fh.createReadStream({ start: 0, autoClose: false }));
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
