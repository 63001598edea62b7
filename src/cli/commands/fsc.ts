/**
 * `occupy fsc HALF1 HALF2 [--mask M] [--angpix A]`: global Fourier shell correlation.
 */
import { Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { fourierShellCorrelation, resolutionAtThreshold } from '../../resolution/fsc.js';
import { mapStem } from '../../occupancy/output-names.js';
import { angpixOption } from '../options.js';
import { readMapArg } from '../read-map.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { withOutputSet } from '../../core/output-set.js';
import { diagnoseHalfMaps, findingJson, findingLine } from '../../diagnostics/index.js';

/** Description shown in `occupy --help`. */
export const summary = 'global FSC of two half maps: curve (CSV/JSON/plot) and resolution at 0.143 and 0.5';

/** Options of `occupy fsc`. */
export interface FscOptions {
  mask?: string;
  angpix?: number;
  output?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** Add the arguments and options of `occupy fsc`. */
export function addFscOptions(cmd: Command): Command {
  return cmd
    .argument('<half1>', 'first half map')
    .argument('<half2>', 'second half map')
    .option('--mask <map>', 'multiply both halves by this (soft) mask first')
    .option('--angpix <A>', 'voxel size in Å instead of the header\'s: rescales the frequency axis and the resolution (as RELION PostProcess)', angpixOption('--angpix'))
    .option('-o, --output <prefix>', 'output prefix: <prefix>.csv, .json, .png, .svg (default fsc_<half1 stem>)')
    .option('--json', 'print the result (curve and resolutions) as one JSON object on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/** Run `occupy fsc`. */
export async function run(h1Path: string, h2Path: string, o: FscOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  const h1 = await readMapArg(h1Path, 'half map', o.angpix, (l) => reporter.info(l));
  const h2 = await readMapArg(h2Path, 'half map', o.angpix);
  const mask = o.mask ? await readMapArg(o.mask, '--mask map', o.angpix) : undefined;
  if (mask && mask.volume.shape.some((n, i) => n !== h1.volume.shape[i])) throw new RangeError(`--mask box ${mask.volume.shape.join('x')} does not match the half maps ${h1.volume.shape.join('x')}`);
  // input diagnostics of the pair (identical or dependent halves, masked or sharpened halves …), each printed once
  const findings = diagnoseHalfMaps(h1.volume, h2.volume).findings;
  for (const f of findings) reporter.warn(findingLine(f));
  const curve = fourierShellCorrelation(h1.volume, h2.volume, mask?.volume.data);
  const r0143 = resolutionAtThreshold(curve, 0.143);
  const r05 = resolutionAtThreshold(curve, 0.5);
  const prefix = resolve(o.output ?? `fsc_${mapStem(h1Path)}`);
  const shells = Array.from(curve.fsc, (fsc, k) => ({
    shell: k,
    frequencyPerA: curve.frequencyPerA[k],
    resolutionA: k === 0 ? null : 1 / curve.frequencyPerA[k],
    fsc: Number.isFinite(fsc) ? fsc : null,
    samples: curve.count[k],
  }));
  const result = {
    half1: h1Path,
    half2: h2Path,
    mask: o.mask ?? null,
    voxelSizeA: h1.volume.voxelSizeA[0],
    resolutionAt0143A: r0143.crossed ? r0143.resolutionA : null,
    resolutionAt05A: r05.crossed ? r05.resolutionA : null,
    nyquistA: 2 * Math.max(...h1.volume.voxelSizeA),
    diagnostics: findings.map(findingJson),
    shells,
  };
  const csv = ['shell,frequency_per_A,resolution_A,fsc,samples', ...shells.map((s) => [s.shell, s.frequencyPerA, s.resolutionA ?? '', s.fsc ?? '', s.samples].join(','))].join('\n') + '\n';
  // the CSV, JSON and plot appear together, only when all are complete
  const files: string[] = [];
  await withOutputSet({ protect: [h1Path, h2Path, ...(o.mask ? [o.mask] : [])], inputLabel: 'input map' }, async (outputs) => {
    for (const [ext, text] of [['csv', csv], ['json', JSON.stringify(result, null, 1) + '\n']] as const) {
      const p = `${prefix}.${ext}`;
      await writeFileAtomic(p, text, outputs);
      files.push(p);
    }
    const { renderVegaLite, writePlot } = await import('../../plots/render.js'); // on demand: slow to import
    const { fscPlotSpec } = await import('../../plots/fsc-plot.js');
    const spec = fscPlotSpec({ frequencyPerA: Array.from(curve.frequencyPerA), fsc: Array.from(curve.fsc), resolutionAt0143A: result.resolutionAt0143A ?? undefined, resolutionAt05A: result.resolutionAt05A ?? undefined }, `FSC: ${mapStem(h1Path)} / ${mapStem(h2Path)}${o.mask ? ' (masked)' : ''}`);
    files.push(...(await writePlot(join(dirname(prefix), mapStem(prefix)), await renderVegaLite(spec), outputs)));
  });
  if (o.json) {
    process.stdout.write(JSON.stringify({ ...result, files }) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    const fmt = (r: number | null) => (r === null ? 'not reached (FSC stays above it up to Nyquist)' : `${r.toFixed(2)} Å`);
    process.stdout.write([`Resolution at FSC 0.143: ${fmt(result.resolutionAt0143A)}`, `Resolution at FSC 0.5  : ${fmt(result.resolutionAt05A)}`, `Voxel size ${result.voxelSizeA.toFixed(4)} Å${o.angpix !== undefined ? ' (--angpix)' : ''}, Nyquist ${result.nyquistA.toFixed(2)} Å`, 'Files written:', ...files.map((f) => `  ${f}`)].join('\n') + '\n');
  }
}
