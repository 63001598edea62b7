/**
 * `occupy demo`: generate a synthetic map with known occupancies, estimate its local scale and
 * print the recovered mean scale per domain next to the truth.
 */
import { Command } from 'commander';
import { unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeMrc } from '../../io/mrc/index.js';
import { demoPhantom } from '../../synthetic/phantom.js';
import { estimateFromFile } from '../../jobs/estimate-job.js';
import { OutputSet } from '../../core/output-set.js';
import { onSignalCleanup } from '../../core/signal-cleanup.js';
import type { EstimateSummary } from '../../occupancy/summary.js';
import type { EstimateResult } from '../../occupancy/estimate.js';
import { Reporter } from '../reporter.js';
import { OptionRangeError, SEED_MAX, seedOption } from '../options.js';
import { verbosityOf, formatSummary } from './estimate.js';

/** One-line description shown in `occupy --help`. */
export const summary = 'run the estimate on a built-in synthetic map with known occupancies';

/** Options of the demo command. */
export interface DemoOptions {
  outputDir: string;
  seed: number;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** The arguments as typed after `occupy` (recorded: the log's rerun line is `occupy demo … --seed N`). */
  commandLine?: string[];
}

/** Add the demo's options to a command. */
export function addDemoOptions(cmd: Command): Command {
  return cmd
    .option('-d, --output-dir <folder>', 'where to write the synthetic map and the outputs', 'occupy-demo')
    .option('--seed <n>', 'seed of the synthetic map, an integer in 0..2147483647', seedOption('--seed'), 7)
    .option('--json', 'print the per-domain result as JSON on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print only the result table');
}

/** Per-domain outcome. */
export interface DomainResult {
  domain: number;
  trueOccupancy: number;
  meanScale: number;
  voxels: number;
}

/** Generate the phantom, estimate (occupancy mode) and compare per domain. */
export async function run(o: DemoOptions): Promise<DomainResult[]> {
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= SEED_MAX)) throw new OptionRangeError(`--seed must be an integer in 0..${SEED_MAX}, got ${o.seed}`);
  const reporter = new Reporter(verbosityOf(o));
  const dir = resolve(o.outputDir);
  // the folders made for the demo are its outputs too: removed again (when empty) if the demo
  // fails or is stopped, as every output set's (they had been left behind, empty)
  const folders = new OutputSet();
  await folders.makeFolder(o.outputDir);
  reporter.info(`Generating a synthetic 96³ map (1.2 Å voxels, 4 domains at occupancy 1.0 / 0.75 / 0.5 / 0.25, 4 Å, SNR 4) in ${dir}`);
  const { phantom, occupancies } = demoPhantom(o.seed);
  const mapPath = join(dir, 'demo_map.mrc');
  // demo_map.mrc is the estimate's input, so it is in place before the estimate starts; it is one
  // of the demo's outputs, so it stays only if the estimate's outputs are committed too: removed
  // again when the estimate fails (a full disk) or the run is stopped (SIGINT, SIGTERM, SIGHUP)
  const removeMap = (): void => {
    try {
      unlinkSync(mapPath);
    } catch {
      // already gone
    }
  };
  const unregister = onSignalCleanup(removeMap);
  let mapWritten = false;
  let s: EstimateSummary;
  let result: EstimateResult;
  try {
    await writeMrc(mapPath, phantom.map, { labels: ['occupy-ts demo phantom: domains at occupancy 1.0/0.75/0.5/0.25'] });
    mapWritten = true;
    ({ summary: s, result } = await estimateFromFile({
      inputPath: mapPath,
      mode: 'occ',
      outputDir: dir,
      // checked by the CLI's preAction hook, and demo_map.mrc was just written there
      outputFolderChecked: true,
      // recorded: `occupy demo` with its seed reruns it (the phantom's seed is the estimate's too)
      commandLine: o.commandLine ?? ['demo', '--output-dir', o.outputDir],
      seed: o.seed,
      onProgress: (p, f) => {
        // 'done' comes right after the estimate's outputs were committed: from then on the set is complete
        if (p === 'done') unregister();
        reporter.progress(p, f);
      },
    }));
  } catch (err) {
    unregister();
    reporter.abort();
    if (mapWritten) removeMap();
    await folders.abort();
    throw err;
  }
  unregister();
  await folders.commit();
  for (const w of s.warnings) reporter.warn(w);
  if (!o.json) reporter.info(formatSummary(s));
  const domains: DomainResult[] = occupancies.map((occ, i) => {
    let sum = 0;
    let n = 0;
    for (let v = 0; v < phantom.labels.length; v++) {
      if (phantom.labels[v] === i + 1) {
        sum += result.scale.data[v];
        n++;
      }
    }
    return { domain: i + 1, trueOccupancy: occ, meanScale: sum / n, voxels: n };
  });
  const ordered = domains.every((d, i) => i === 0 || domains[i - 1].meanScale > d.meanScale);
  if (o.json) {
    process.stdout.write(JSON.stringify({ domains, orderingRecovered: ordered }) + '\n');
  } else {
    const ref = domains[0].meanScale;
    const lines = [
      '',
      'Domain  true occupancy  mean scale  relative to domain 1',
      ...domains.map((d) => `  ${d.domain}         ${d.trueOccupancy.toFixed(2)}          ${d.meanScale.toFixed(3)}       ${(d.meanScale / ref).toFixed(2)}`),
    ];
    lines.push('', ordered ? `Ordering recovered: ${domains.map((d) => d.meanScale.toFixed(2)).join(' > ')} (truth 1.00 > 0.75 > 0.50 > 0.25)` : 'Ordering NOT recovered.');
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!ordered) process.exitCode = 1;
  return domains;
}
