/**
 * `occupy decompose MAP [--half-maps H1 H2] ...`: relative occupancy and local B-factor maps.
 */
import type { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { decomposeFromFile, formatDecomposeLog } from '../../jobs/decompose-job.js';
import { angpixOption, integerOption, numberOption, rangeOption, resolutionOption } from '../options.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { checkNotFinerThanNyquist, peekMapGrid } from '../../jobs/nyquist-check.js';
import { outputFolderAndStem } from '../output-path.js';
import { UsageError } from '../../core/exit-codes.js';

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
  output?: string;
  keepOutputPath?: boolean;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Add the arguments and options of `occupy decompose`. */
export function addDecomposeOptions(cmd: Command): Command {
  return cmd
    .argument('<map>', 'the map (raw, unsharpened, unmasked); its stem names the outputs')
    .option('--half-maps <maps...>', 'two half maps on the same box: signal from their mean, noise from their difference')
    .option('--mask <map>', 'molecule mask (> 0.5), same box (default: from the smoothed map)')
    .option('--labels <map>', 'label map (integers > 0), same box: per-label medians in the summary')
    .option('--lowest-resolution <A>', 'coarsest band centre in Å', resolutionOption('--lowest-resolution'), 30)
    .option('--highest-resolution <A>', 'finest band centre in Å (default: where the map meets noise)', resolutionOption('--highest-resolution'))
    .option('--bands <K>', 'number of bands, 2..32', integerOption('--bands', 2, 'an integer in 2..32', 32), 6)
    .option('--max-box <voxels>', 'analyse a Fourier-cropped box of at most this edge (even, >= 32); 0 = never', numberOption('--max-box', (v) => v === 0 || (Number.isInteger(v) && v >= 32 && v % 2 === 0 && v <= 4096), 'an even integer in 32..4096, or 0'), 256)
    .option('--sharpen', 'also write locbsharp_<stem>.mrc: each band restored by the local B, noise-limited bands dropped')
    .option('--plot', 'write the local Guinier fits of three regions and histograms of occupancy and B')
    .option('--no-chimerax', 'do not write the ChimeraX script chimX_decompose_<stem>.cxc')
    .option('--angpix <A>', 'override the voxel size of every input (Å)', angpixOption('--angpix'))
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
  if (o.halfMaps && o.halfMaps.length !== 2) throw new UsageError(`--half-maps needs exactly two maps, got ${o.halfMaps.length}`);
  if (o.highestResolution !== undefined && o.highestResolution >= o.lowestResolution) {
    throw new UsageError(`--highest-resolution (${o.highestResolution} Å) must be finer than --lowest-resolution (${o.lowestResolution} Å)`);
  }
  // band centres finer than the map's Nyquist limit are impossible (header only)
  const grid = await peekMapGrid(mapPath, o.angpix);
  if (grid) for (const [flag, v] of [['--highest-resolution', o.highestResolution], ['--lowest-resolution', o.lowestResolution]] as const) checkNotFinerThanNyquist(flag, v, grid.voxelSizeA);
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
  else if (reporter.verbosity !== 'quiet') process.stdout.write('\n' + formatDecomposeLog(s).split('\n').slice(1).join('\n'));
}
