/**
 * `occupy check MAP [MAP2] [--json]`: is this map suitable for the method? Box, voxel size,
 * values, solvent statistics and findings (masked, flattened, sharpened, not a density; for two
 * maps also the half-map checks).
 */
import { Command } from 'commander';
import { headerSampling, readMapArg } from '../../jobs/read-map.js';
import { headerOriginA } from '../../io/mrc/origin.js';
import { angpixOption } from '../options.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { diagnoseHalfMaps, diagnoseMap, findingJson, findingLines, mapSummaryJson, mapSummaryLines } from '../../diagnostics/index.js';

/** Description shown in `occupy --help`. */
export const summary = 'diagnose a map (or two half maps): masked, flattened, sharpened, not a density map, half-map problems';

/** Options of `occupy check`. */
export interface CheckOptions {
  angpix?: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Add the arguments and options of `occupy check`. */
export function addCheckOptions(cmd: Command): Command {
  return cmd
    .argument('<map>', 'map to check (.mrc/.map/.ccp4, optionally .gz)')
    .argument('[map2]', 'second half map: also check the pair')
    .option('--angpix <A>', 'voxel size in Å instead of the header\'s', angpixOption('--angpix'))
    .option('--json', 'print {"map": …, "findings": [{"code", "severity", "message", "evidence"}]} on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)')
    .addHelpText('after', '\nFinding codes: masked, flattened, offset, sharpened, locally-filtered, not-density, inverted, anisotropic-voxels; with two maps also\nidentical-halves, anti-correlated-halves, not-independent, voxel-size-mismatch, box-mismatch, origin-mismatch, halves-look-masked, halves-differ-in-scale, low-passed-halves, interpolated-halves. See README "Is my map suitable?".\nThe exit code is 0 whatever the findings; 1 only when a map cannot be read.\n');
}

/** Run `occupy check`. */
export async function run(path: string, path2: string | undefined, o: CheckOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  // phases on stderr, as the other commands print them (a 1040³ map had been read and checked for
  // 8–11 s without a line; sweep, session 50)
  reporter.progress('read', 0);
  let m1: Awaited<ReturnType<typeof readMapArg>>;
  let m2: Awaited<ReturnType<typeof readMapArg>> | undefined;
  try {
    m1 = await readMapArg(path, 'map', o.angpix, (l) => reporter.detail(l));
    m2 = path2 ? await readMapArg(path2, 'map', o.angpix, (l) => reporter.detail(l)) : undefined;
  } catch (err) {
    reporter.abort();
    throw err;
  }
  reporter.progress('diagnostics', 0.5);
  if (!m2) {
    const d = diagnoseMap(m1.volume, { header: headerSampling(m1.header, m1.volume.shape, m1.volume.voxelSizeA) });
    reporter.finish();
    if (o.json) {
      process.stdout.write(JSON.stringify({ map: mapSummaryJson(path, d.map), findings: d.findings.map(findingJson) }) + '\n');
    } else if (reporter.verbosity !== 'quiet') {
      process.stdout.write([...mapSummaryLines(path, d), ...findingLines(d.findings), ...(reporter.verbosity === 'verbose' ? [`Checked in ${(1000 * d.seconds).toFixed(0)} ms.`] : [])].join('\n') + '\n');
    }
    return;
  }
  const originsA = [headerOriginA(m1.header, m1.volume.voxelSizeA), headerOriginA(m2.header, m2.volume.voxelSizeA)] as const;
  const p = diagnoseHalfMaps(m1.volume, m2.volume, { contentLimit: true, originsA });
  reporter.finish();
  if (o.json) {
    process.stdout.write(JSON.stringify({ map: [mapSummaryJson(path, p.maps[0].map), mapSummaryJson(path2 as string, p.maps[1].map)], findings: p.findings.map(findingJson) }) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    process.stdout.write([...mapSummaryLines(path, p.maps[0]), '', ...mapSummaryLines(path2 as string, p.maps[1]), '', ...findingLines(p.findings)].join('\n') + '\n');
  }
}
