/**
 * `occupy decompose MAP [--half-maps H1 H2] ...`: relative occupancy and local B-factor maps.
 */
import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { addSchemaOptions } from '../options.js';
import { DECOMPOSE_OPTIONS, resolveDecomposeOptions } from '../../decomposition/options.js';
import { UsageError } from '../../core/exit-codes.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { checkNotFinerThanNyquist, peekMapGrid } from '../../jobs/nyquist-check.js';
import { outputFolderAndStem } from '../../jobs/output-path.js';

/** Description shown in `occupy --help`. */
export const summary = 'separate occupancy from disorder: relative occupancy and local B-factor maps (one map or half maps)';

/** Parsed options of `occupy decompose`. */
export interface DecomposeCliOptions {
  halfMaps?: string[];
  mask?: string;
  labels?: string;
  lowestResolution: number;
  highestResolution?: number;
  bands: number;
  maxBox: number;
  sharpen?: boolean;
  plot?: boolean;
  chimerax?: boolean;
  angpix?: number;
  noiseDraws?: number;
  noiseDrawSeed?: number;
  output?: string;
  keepOutputPath?: boolean;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** The arguments as typed after `occupy` (recorded in the log and labels). */
  commandLine?: string[];
}

/** Add the arguments and options of `occupy decompose`. */
export function addDecomposeOptions(cmd: Command): Command {
  cmd
    .argument('<map>', 'the map (raw, unsharpened, unmasked); its stem names the outputs');
  // the decomposition's options come from the option schema (src/decomposition/options.ts)
  return addSchemaOptions(cmd, DECOMPOSE_OPTIONS)
    .option('-o, --output <path>', 'output folder and stem: -o out/name.mrc writes out/occupancy_name.mrc, ...')
    .option('--keep-output-path', 'write the outputs next to the map instead of the current folder')
    .option('--json', 'print the summary as one JSON object on stdout (and nothing else there)')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/**
 * Run `occupy decompose`.
 * @throws Error / RangeError with a one-line message on bad input (the entry point prints it)
 */
export async function run(mapPath: string, o: DecomposeCliOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  // the job's modules are loaded by the command that runs it (start-up of the other commands)
  const { decomposeFromFile, formatDecomposeLog } = await import('../../jobs/decompose-job.js');
  resolveDecomposeOptions(o); // values and rules (two half maps, highest finer than lowest): the option schema's
  if (o.output !== undefined && o.keepOutputPath) throw new UsageError('--keep-output-path and -o/--output contradict each other; give one');
  // band centres finer than the map's Nyquist limit are impossible (header only)
  const grid = await peekMapGrid(mapPath, o.angpix);
  // (voxels far from cubic, e.g. a header with mz = 1: the message names that as the cause)
  if (grid) for (const [flag, v] of [['--highest-resolution', o.highestResolution], ['--lowest-resolution', o.lowestResolution]] as const) checkNotFinerThanNyquist(flag, v, grid.voxelSizeA, undefined, undefined, grid.cell);
  let outputDir = o.keepOutputPath ? dirname(resolve(mapPath)) : '.';
  let outputStem: string | undefined;
  if (o.output) {
    ({ dir: outputDir, stem: outputStem } = outputFolderAndStem(o.output, mapPath)); // -o DIR/: named after the map
  }
  let s;
  try {
    ({ summary: s } = await decomposeFromFile({
      mapPath,
      halfMapPaths: o.halfMaps ? [o.halfMaps[0], o.halfMaps[1]] : undefined,
      maskPath: o.mask,
      labelsPath: o.labels,
      lowestResolutionA: o.lowestResolution,
      highestResolutionA: o.highestResolution,
      bands: o.bands,
      maxBox: o.maxBox,
      sharpen: o.sharpen === true,
      plot: o.plot === true,
      chimerax: o.chimerax,
      angpix: o.angpix,
      noiseDraws: o.noiseDraws,
      noiseDrawSeed: o.noiseDrawSeed,
      commandLine: o.commandLine,
      outputDir,
      outputStem,
      onProgress: (p, f) => reporter.progress(p, f),
    }));
  } catch (err) {
    reporter.abort();
    throw err;
  }
  for (const w of s.warnings) reporter.warn(w);
  if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
  else if (reporter.verbosity !== 'quiet') process.stdout.write('\n' + formatDecomposeLog(s, false).split('\n').slice(1).join('\n'));
}
