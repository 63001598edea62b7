/**
 * `occupy locres HALF1 HALF2 ...`: local resolution in Å from half maps (local FSC), or the
 * monogenic (MonoRes-style) estimate from one map or two half maps.
 */
import { Command, Option } from 'commander';
import { CALIBRATED_THRESHOLD } from '../../resolution/local-fsc.js';
import { angpixOption, integerOption, rangeOption, resolutionOption } from '../options.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { HANN_KERNEL_SHELLS, LOCAL_FSC_WINDOW_MIN } from '../../resolution/window-minimum.js';
import { locresJob, type LocresJobResult } from '../../jobs/locres-job.js';
import { runLocresMethodJob } from '../../jobs/locres-methods-job.js';

/** Description shown in `occupy --help`. */
export const summary = 'local resolution in Å from half maps (local FSC) or monogenic (MonoRes-style)';

/** Options of `occupy locres`. */
export interface LocresOptions {
  method: 'localfsc' | 'monores' | 'monodir' | 'monotomo' | 'resmap';
  /** Issue 18: `--shells` (FSC per spherical shell), `--shell-width`, `--centre`, `--cone-angle` (monodir). */
  shells?: boolean;
  shellWidth?: number;
  centre?: string;
  coneAngle?: number;
  mask?: string;
  window?: number;
  step?: number;
  threshold?: number;
  randomizeAt?: number;
  relion?: boolean;
  locresSampling?: number;
  whiten?: boolean;
  labels?: string;
  lowestResolution: number;
  filter?: boolean;
  angpix?: number;
  output?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** The arguments as typed after `occupy` (set by the entry point; recorded in the log, labels and --json). */
  commandLine?: string[];
}

/** Add the arguments and options of `occupy locres`. */
export function addLocresOptions(cmd: Command): Command {
  return cmd
    .argument('<half1>', 'first half map (or the single map with --method monores)')
    .argument('[half2]', 'second half map')
    .addOption(new Option('--method <method>', 'localfsc (half maps, blocres family), monores (monogenic), monodir (local-directional: monodir_<stem>_*.mrc), monotomo (half tomograms, noise estimated locally), resmap (ResMap-style, one map or half maps)').choices(['localfsc', 'monores', 'monodir', 'monotomo', 'resmap']).default('localfsc'))
    .option('--mask <map>', 'where to report (> 0.5); required for monores and resmap with one map')
    .option('--shells', 'FSC resolution per spherical shell about --centre (blocres -shell): shells_<stem>.csv/.mrc/plot')
    .option('--shell-width <A>', 'with --shells: shell width in Å (default 4 voxels)', resolutionOption('--shell-width'))
    .option('--centre <x,y,z>', 'with --shells or --method monodir: centre in voxels (0-based; default the box centre)')
    .option('--cone-angle <deg>', 'with --method monodir: cone half-angle of the directional filters in degrees (default 30)', rangeOption('--cone-angle', { min: 0, max: 90, minOpen: true, maxOpen: true }))
    .option('--window <voxels>', 'local FSC window edge; default round(6 × global resolution / voxel) made even, >= 16', integerOption('--window', LOCAL_FSC_WINDOW_MIN, `an integer in ${LOCAL_FSC_WINDOW_MIN}..(smallest edge of the box): a smaller Hann window leaves fewer than two independent FSC shells (its Fourier kernel spans ${HANN_KERNEL_SHELLS} of the window/2 shells)`, 4096))
    .option('--step <voxels>', 'local FSC sampling step; default window / 4', integerOption('--step', 1, 'an integer in 1..4096', 4096))
    .option('--threshold <fsc>', `FSC threshold (default ${CALIBRATED_THRESHOLD}, calibrated with pre-whitening)`, rangeOption('--threshold', { min: 0, max: 1, minOpen: true, maxOpen: true }))
    .option('--no-whiten', 'local FSC without spectral pre-whitening (window leakage then inflates the FSC near Nyquist)')
    .option('--relion', "RELION 3.1's --locres: soft spherical windows, phase randomisation beyond 25 Å, FSC 0.143")
    .option('--locres-sampling <A>', 'with --relion: window sampling in Å (RELION --locres_sampling)', resolutionOption('--locres-sampling'), undefined)
    .option('--labels <map>', 'labels map (domains, segments; integers > 0) on the same box: median and 10–90 % range per label')
    .option('--randomize-at <A>', 'correct window-induced noise correlation by phase randomisation beyond this resolution (Å)', resolutionOption('--randomize-at'))
    .option('--lowest-resolution <A>', 'coarsest reported value, also written outside the mask (Å)', resolutionOption('--lowest-resolution'), 50)
    .option('--filter', 'also write the map locally low-passed at its local resolution')
    .option('--angpix <A>', 'override the voxel size of the inputs (Å)', angpixOption('--angpix'))
    .option('-o, --output <path>', 'output map (default: locres_<stem>.mrc in the current folder)')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/** Run `occupy locres`. */
export async function run(half1Path: string, half2Path: string | undefined, o: LocresOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  if (await runLocresMethodJob(half1Path, half2Path, o, reporter)) return; // issue 18: --shells, monodir, monotomo, resmap
  const t0 = performance.now();
  if (o.method === 'localfsc' && !half2Path) throw new RangeError('local FSC needs two half maps: occupy locres HALF1 HALF2 (or --method monores MAP --mask M)');
  if (o.method === 'monores' && !half2Path && !o.mask) throw new RangeError('--method monores with one map needs --mask (molecule inside, noise outside)');
  if (o.locresSampling !== undefined && !o.relion) throw new RangeError('--locres-sampling needs --relion');
  if (o.relion) {
    if (o.method === 'monores') throw new RangeError('--relion is a local-FSC mode: not with --method monores');
    for (const [flag, v] of [['--window', o.window], ['--step', o.step], ['--threshold', o.threshold]] as const) {
      if (v !== undefined) throw new RangeError(`${flag} cannot be combined with --relion (RELION's --locres sets windows by --locres-sampling and uses FSC 0.143)`);
    }
  }
  // the pipeline (read, estimate, write the output set, log) is the locres job's
  let job: LocresJobResult;
  try {
    job = await locresJob(half1Path, half2Path, { ...o, method: o.method as 'localfsc' | 'monores', onProgress: (p, f) => reporter.progress(p, f), onWarning: (w) => reporter.warn(w), onInfo: (l) => reporter.info(l) }, t0);
  } catch (err) {
    reporter.abort();
    throw err;
  }
  const { summary: result, lines } = job;
  if (o.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    // the warnings went to stderr already: once there, not again here
    // the record block is in the log (and --json); the terminal gets the results
    process.stdout.write(['', ...lines.slice(lines.findIndex((l) => l.startsWith('Inputs '))).filter((l) => !l.startsWith('WARNING: '))].join('\n') + '\n');
  }
}
