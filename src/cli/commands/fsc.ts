/**
 * `occupy fsc HALF1 HALF2 [--mask M] [--angpix A]`: global Fourier shell correlation; with a mask
 * also RELION's phase-randomised corrected FSC (see `resolution/fsc-corrected.ts`).
 */
import { Command } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { fourierShellCorrelation, resolutionAtThreshold } from '../../resolution/fsc.js';
import { correctedFsc, CORRECTION_SHELL_OFFSET, RANDOMISE_BELOW_FSC } from '../../resolution/fsc-corrected.js';
import { mapStem } from '../../occupancy/output-names.js';
import { angpixOption, integerOption, rangeOption, seedOption } from '../options.js';
import { runDirectionalFscJob } from '../../jobs/directional-fsc-job.js';
import { UsageError } from '../../core/exit-codes.js';
import { readMapArg } from '../read-map.js';
import { Reporter } from '../reporter.js';
import { verbosityOf } from './estimate.js';
import { outputFile } from '../output-path.js';
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
  /** Seed of the phase randomisation (with `--mask`); default 0. */
  seed?: number;
  /** Number of phase randomisations averaged (with `--mask`); default 1, as RELION. */
  randomisations?: number;
  /** Directional FSC (3DFSC-style, issue 18): see `src/jobs/directional-fsc-job.ts`. */
  directional?: boolean;
  /** Cone half-angle of `--directional`, degrees. */
  coneAngle?: number;
  /** The arguments as typed after `occupy` (recorded in the log of `--directional`). */
  commandLine?: string[];
}

/** Add the arguments and options of `occupy fsc`. */
export function addFscOptions(cmd: Command): Command {
  return cmd
    .argument('<half1>', 'first half map')
    .argument('<half2>', 'second half map')
    .option('--mask <map>', 'multiply both halves by this (soft) mask first; also reports the phase-randomised corrected FSC (as relion_postprocess) and its 0.143 resolution')
    .option('--seed <n>', 'seed of the phase randomisation with --mask (default 0: reproducible)', seedOption('--seed'))
    .option('--randomisations <n>', 'with --mask: average the randomised-phase FSC over n draws (default 1, as RELION; more lowers its noise)', integerOption('--randomisations', 1, 'an integer in 1..100', 100))
    .option('--directional', 'directional FSC (3DFSC-style): FSC in cones around 300 directions, resolution per direction, fitted best/worst directions and sphericity; writes 3dfsc_<stem>.mrc/.csv/_xyz.csv/.png/.svg/_log.txt')
    .option('--cone-angle <deg>', 'with --directional: cone half-angle in degrees (default 20)', rangeOption('--cone-angle', { min: 0, max: 90, minOpen: true, maxOpen: true }))
    .option('--angpix <A>', 'voxel size in Å instead of the header\'s: rescales the frequency axis and the resolution (as RELION PostProcess)', angpixOption('--angpix'))
    .option('-o, --output <prefix>', 'output prefix: <prefix>.csv, .json, .png, .svg (default fsc_<half1 stem>)')
    .option('--json', 'print the result (curve and resolutions) as one JSON object on stdout')
    .option('-v, --verbose', 'more detail')
    .option('-q, --quiet', 'print nothing but errors (and --json)');
}

/** Run `occupy fsc`. */
export async function run(h1Path: string, h2Path: string, o: FscOptions): Promise<void> {
  const reporter = new Reporter(verbosityOf(o));
  if (o.directional) return void (await runDirectionalFscJob(h1Path, h2Path, o, reporter));
  if (o.coneAngle !== undefined) throw new UsageError('--cone-angle needs --directional');
  const h1 = await readMapArg(h1Path, 'half map', o.angpix, (l) => reporter.info(l));
  const h2 = await readMapArg(h2Path, 'half map', o.angpix);
  const mask = o.mask ? await readMapArg(o.mask, '--mask map', o.angpix) : undefined;
  if (mask && mask.volume.shape.some((n, i) => n !== h1.volume.shape[i])) throw new RangeError(`--mask box ${mask.volume.shape.join('x')} does not match the half maps ${h1.volume.shape.join('x')}`);
  // input diagnostics of the pair (identical or dependent halves, masked or sharpened halves …), each printed once
  const findings = diagnoseHalfMaps(h1.volume, h2.volume).findings;
  for (const f of findings) reporter.warn(findingLine(f));
  const corr = mask ? correctedFsc(h1.volume, h2.volume, mask.volume.data, { seed: o.seed ?? 0, randomisations: o.randomisations ?? 1 }) : undefined;
  const curve = corr ? corr.masked : fourierShellCorrelation(h1.volume, h2.volume);
  const r0143 = resolutionAtThreshold(curve, 0.143);
  const r05 = resolutionAtThreshold(curve, 0.5);
  const corrected = corr ? { fsc: corr.corrected, shellWidthPerA: curve.shellWidthPerA } : undefined;
  const rc0143 = corrected ? resolutionAtThreshold(corrected, 0.143) : undefined;
  const rc05 = corrected ? resolutionAtThreshold(corrected, 0.5) : undefined;
  if (corr && corr.randomiseFromShell === null) reporter.warn(`the unmasked FSC stays above ${RANDOMISE_BELOW_FSC} up to Nyquist: no phase randomisation, the corrected FSC is the masked one`);
  const arr = (a: ArrayLike<number> | undefined) => (a ? Array.from(a, (v) => (Number.isFinite(v) ? v : null)) : null);
  const prefix = outputFile(o.output, `fsc_${mapStem(h1Path)}`); // -o DIR/ → DIR/fsc_<stem>.*
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
    /** From the curve in `shells[].fsc`: the masked FSC with --mask (uncorrected), else the unmasked one. */
    resolutionAt0143A: r0143.crossed ? r0143.resolutionA : null,
    resolutionAt05A: r05.crossed ? r05.resolutionA : null,
    /** With --mask: from the phase-randomised corrected FSC (RELION's rlnFinalResolution, interpolated). */
    resolutionAt0143CorrectedA: rc0143 ? (rc0143.crossed ? rc0143.resolutionA : null) : null,
    resolutionAt05CorrectedA: rc05 ? (rc05.crossed ? rc05.resolutionA : null) : null,
    nyquistA: 2 * Math.max(...h1.volume.voxelSizeA),
    /** Per shell (index = shell), null for an empty shell. */
    fscUnmasked: arr(corr ? corr.unmasked.fsc : curve.fsc),
    fscMasked: arr(corr?.masked.fsc),
    fscRandomisedMasked: arr(corr?.randomisedMasked?.fsc),
    fscCorrected: arr(corr?.corrected),
    phaseRandomisation: corr
      ? {
          belowUnmaskedFsc: RANDOMISE_BELOW_FSC,
          fromShell: corr.randomiseFromShell,
          fromA: corr.randomiseFromA,
          correctedFromShell: corr.randomiseFromShell === null ? null : corr.randomiseFromShell + CORRECTION_SHELL_OFFSET,
          seed: corr.seed,
          randomisations: corr.randomisations,
        }
      : null,
    diagnostics: findings.map(findingJson),
    shells,
  };
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : v);
  const csvHead = corr ? 'shell,frequency_per_A,resolution_A,fsc,samples,fsc_unmasked,fsc_randomised_masked,fsc_corrected' : 'shell,frequency_per_A,resolution_A,fsc,samples';
  const csvRow = (s: (typeof shells)[number]) => {
    const base = [s.shell, s.frequencyPerA, s.resolutionA ?? '', s.fsc ?? '', s.samples];
    return (corr ? [...base, cell(result.fscUnmasked?.[s.shell]), cell(result.fscRandomisedMasked?.[s.shell]), cell(result.fscCorrected?.[s.shell])] : base).join(',');
  };
  const csv = [csvHead, ...shells.map(csvRow)].join('\n') + '\n';
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
    const plotData = corr
      ? {
          frequencyPerA: Array.from(curve.frequencyPerA),
          fsc: Array.from(corr.corrected),
          fscLabel: 'corrected (phase randomised)',
          extraCurves: [
            { label: 'masked', fsc: Array.from(corr.masked.fsc) },
            { label: 'unmasked', fsc: Array.from(corr.unmasked.fsc) },
            ...(corr.randomisedMasked ? [{ label: 'phase-randomised, masked', fsc: Array.from(corr.randomisedMasked.fsc) }] : []),
          ],
          randomiseFromA: corr.randomiseFromA ?? undefined,
          resolutionAt0143A: result.resolutionAt0143CorrectedA ?? undefined,
          resolutionAt05A: result.resolutionAt05CorrectedA ?? undefined,
        }
      : { frequencyPerA: Array.from(curve.frequencyPerA), fsc: Array.from(curve.fsc), resolutionAt0143A: result.resolutionAt0143A ?? undefined, resolutionAt05A: result.resolutionAt05A ?? undefined };
    const spec = fscPlotSpec(plotData, `FSC: ${mapStem(h1Path)} / ${mapStem(h2Path)}${o.mask ? ' (masked)' : ''}`);
    files.push(...(await writePlot(join(dirname(prefix), mapStem(prefix)), await renderVegaLite(spec), outputs)));
  });
  if (o.json) {
    process.stdout.write(JSON.stringify({ ...result, files }) + '\n');
  } else if (reporter.verbosity !== 'quiet') {
    const fmt = (r: number | null) => (r === null ? 'not reached (FSC stays above it up to Nyquist)' : `${r.toFixed(2)} Å`);
    const lines = corr
      ? [
          `Resolution at FSC 0.143 (corrected): ${fmt(result.resolutionAt0143CorrectedA)}`,
          `Resolution at FSC 0.5   (corrected): ${fmt(result.resolutionAt05CorrectedA)}`,
          `Resolution at FSC 0.143 (masked)   : ${fmt(result.resolutionAt0143A)}`,
          `Resolution at FSC 0.143 (unmasked) : ${fmt(resolutionAtThreshold(corr.unmasked, 0.143).crossed ? resolutionAtThreshold(corr.unmasked, 0.143).resolutionA : null)}`,
          corr.randomiseFromA !== null
            ? `Phases randomised beyond ${corr.randomiseFromA.toFixed(2)} Å (unmasked FSC < ${RANDOMISE_BELOW_FSC}), seed ${corr.seed}${corr.randomisations > 1 ? `, ${corr.randomisations} draws averaged` : ''}`
            : `No phase randomisation: the unmasked FSC stays above ${RANDOMISE_BELOW_FSC}`,
        ]
      : [`Resolution at FSC 0.143: ${fmt(result.resolutionAt0143A)}`, `Resolution at FSC 0.5  : ${fmt(result.resolutionAt05A)}`];
    process.stdout.write([...lines, `Voxel size ${result.voxelSizeA.toFixed(4)} Å${o.angpix !== undefined ? ' (--angpix)' : ''}, Nyquist ${result.nyquistA.toFixed(2)} Å`, 'Files written:', ...files.map((f) => `  ${f}`)].join('\n') + '\n');
  }
}
