/**
 * The global FSC job (`occupy fsc`): read two half maps (and a mask), compute the FSC (with a mask
 * also RELION's phase-randomised corrected FSC), and write the curve as CSV and JSON and its plot
 * as one output set.
 * @see shared/spec/local-resolution.md
 */
import { dirname, join } from 'node:path';
import { fourierShellCorrelation, resolutionAtThreshold } from '../resolution/fsc.js';
import { halfMapContent } from '../resolution/half-map-content.js';
import { CORRECTION_SHELL_OFFSET, RANDOMISE_BELOW_FSC, SOLVENT_MIN_FRACTION, SOLVENT_OFFSET_SD, type CorrectedFscResult } from '../resolution/fsc-corrected.js';
import { mapStem } from '../occupancy/output-names.js';
import { checkSameGrid, readHalfMapArg, readMaskArg } from './read-map.js';
import { computeInThread } from './compute-thread.js';
import { nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { checkOutputNames, withOutputSet } from '../core/output-set.js';
import { findingJson, findingLine } from '../diagnostics/index.js';
import { refuseIdenticalHalves } from './input-diagnostics.js';
import { smallFscMaskProblem } from '../resolution/half-map-checks.js';
import type { Finding } from '../diagnostics/index.js';
import { jobInputs } from './job-inputs.js';
import { jobLogLines, jobRecord } from './resolution-job-common.js';
import { listedOutputs, type ListedOutputs } from './listed-outputs.js';
import type { RunRecord } from '../core/run-record.js';

/** Options of {@link fscJob}. */
export interface FscJobOptions extends ListedOutputs {
  /** `--mask` path: both halves are multiplied by it; adds the phase-randomised corrected FSC. */
  mask?: string;
  /** `--angpix` in Å: replaces the header's voxel size. */
  angpix?: number;
  /** Output prefix: `<prefix>.csv`, `.json`, `.png`, `.svg` (placement resolved by the caller). */
  outputPrefix: string;
  /** Seed of the phase randomisation (with `mask`); default 0. */
  seed?: number;
  /** Number of phase randomisations averaged (with `mask`); default 1, as RELION. */
  randomisations?: number;
  /** Each input-diagnostics warning (and the no-randomisation warning), once. */
  onWarning?: (line: string) => void;
  /** Notes (e.g. the `--angpix` override). */
  onInfo?: (line: string) => void;
  /** The arguments as typed after `occupy` (recorded; the GUI passes the equivalent command line). */
  commandLine?: readonly string[];
  /** Progress: the phase starting (`read`, `diagnostics`, `FSC`, `write`) and the fraction done. */
  onProgress?: (phase: string, fraction: number) => void;
}

/** What {@link fscJob} returns. */
export interface FscJobResult {
  /** The FSC result (`occupy fsc --json` without `files`): resolutions at 0.143 and 0.5, curves per shell, phase randomisation, diagnostics. */
  summary: Record<string, unknown> & {
    voxelSizeA: number;
    nyquistA: number;
    resolutionAt0143A: number | null;
    resolutionAt05A: number | null;
    resolutionAt0143CorrectedA: number | null;
    resolutionAt05CorrectedA: number | null;
    /** With a mask: the unmasked FSC's 0.143 resolution, Å; null without a mask or when not reached. */
    resolutionAt0143UnmaskedA: number | null;
    /** Per shell (index = shell), null for an empty shell. */
    fscUnmasked: (number | null)[] | null;
    fscCorrected: (number | null)[] | null;
    phaseRandomisation: { fromA: number | null } | null;
    diagnostics: Finding[];
    /** The run's record: command line, version, every input's SHA-256 and the settings. */
    record: RunRecord;
    /** Per shell: frequency (1/Å) and the FSC of the curve the resolutions come from (masked with a mask). */
    shells: { shell: number; frequencyPerA: number; fsc: number | null }[];
  };
  /** Files written: CSV, JSON, plot PNG and SVG, log. */
  files: string[];
  /** The Vega-Lite spec of the plot written (src/plots/fsc-plot.ts), for a page to draw. */
  plotSpec: Record<string, unknown>;
  /** The result in words for the terminal (resolutions, phase randomisation). */
  lines: string[];
}

/**
 * Run the global FSC job on files.
 * @param h1Path first half map
 * @param h2Path second half map
 * @throws Error naming a missing or unreadable file; RangeError naming the file when the second
 *   half map's or the mask's box or voxel size differs from the first half map's (`checkSameGrid`),
 *   or when the mask covers less than `MIN_FSC_MASK_VOXELS` (268) voxels (`smallFscMaskProblem`)
 */
export async function fscJob(h1Path: string, h2Path: string, o: FscJobOptions): Promise<FscJobResult> {
  const t0 = performance.now();
  const warnings: string[] = [];
  const warn = (line: string): void => {
    warnings.push(line);
    o.onWarning?.(line);
  };
  // one base for the four files (`-o half1.mrc` gives half1.csv … half1.svg, not half1.mrc.csv)
  const prefix = join(dirname(o.outputPrefix), mapStem(o.outputPrefix));
  const protect = jobInputs(h1Path, h2Path, o.mask);
  // an output name that is an input, a symbolic link or a folder is refused now, not after the FSC
  await checkOutputNames([...['csv', 'json', 'png', 'svg'].map((e) => `${prefix}.${e}`), `${prefix}_log.txt`], { protect, inputLabel: 'input map' });
  o.onProgress?.('read', 0);
  const h1 = await readHalfMapArg(h1Path, o.angpix, o.onInfo);
  const notCubic = nonCubicVoxelsError(h1.volume.voxelSizeA);
  if (notCubic) throw new RangeError(`half map '${h1Path}': ${notCubic}`);
  const h2 = await readHalfMapArg(h2Path, o.angpix);
  const mask = o.mask ? await readMaskArg(o.mask, o.angpix) : undefined;
  const first = { map: h1, path: h1Path, what: 'half map 1' };
  const gridWarnings = [checkSameGrid({ map: h2, path: h2Path, what: 'half map 2' }, first), checkSameGrid(mask && { map: mask, path: o.mask as string, what: '--mask map' }, first)];
  const smallMask = mask ? smallFscMaskProblem(mask.volume.data) : undefined;
  if (smallMask) throw new RangeError(`--mask map '${o.mask}' ${smallMask}`);
  // input diagnostics of the pair (identical or dependent halves, masked or sharpened halves …), each printed once
  o.onProgress?.('diagnostics', 0.2);
  // in a worker thread (the maps are shared): a signal is acted on at once, not after the diagnostics
  const { findings, interpolationTest } = await computeInThread('diagnoseHalfMapPair', [h1.volume, h2.volume, {}]);
  refuseIdenticalHalves(findings, [h1Path, h2Path]);
  for (const f of findings) warn(findingLine(f));
  for (const w of gridWarnings) if (w) warn(w);
  o.onProgress?.('FSC', 0.4);
  // in a worker thread (the maps and the mask are shared, not copied): SIGINT/SIGTERM/SIGHUP are
  // acted on at once, not after the whole phase (on the main thread 20 draws had held a signal for 20.7 s)
  const corr = mask ? await computeInThread('correctedFsc', [h1.volume, h2.volume, mask.volume.data, { seed: o.seed ?? 0, randomisations: o.randomisations ?? 1 }]) : undefined;
  const curve = corr ? corr.masked : fourierShellCorrelation(h1.volume, h2.volume);
  const r0143 = resolutionAtThreshold(curve, 0.143);
  const r05 = resolutionAtThreshold(curve, 0.5);
  const corrected = corr ? { fsc: corr.corrected, shellWidthPerA: curve.shellWidthPerA } : undefined;
  const rc0143 = corrected ? resolutionAtThreshold(corrected, 0.143) : undefined;
  const rc05 = corrected ? resolutionAtThreshold(corrected, 0.5) : undefined;
  if (corr && corr.randomiseFromShell === null) warn(`the unmasked FSC stays above ${RANDOMISE_BELOW_FSC} up to Nyquist: no phase randomisation, the corrected FSC is the masked one`);
  // Half maps low-passed before the FSC hold nothing beyond their cut (the shells the local FSC
  // finds empty: float round-off only); the masked FSC beyond it is the mask's leakage of the
  // coarser shells, correlated in both halves, so a crossing read there is not a measurement
  // (synth_halves128 cut at 6 Å: masked 0.143 'not reached' up to Nyquist, corrected 3.10 Å).
  // Half maps interpolated onto a finer grid hold beyond the old grid's Nyquist only the images of
  // coarser shells, correlated as those are (session 58): the same, a crossing read there is not one.
  // (the diagnostics' interpolation test on these halves: not run again)
  const content = halfMapContent(h1.volume, h2.volume, interpolationTest);
  const contentA = content?.limitA;
  const holds = content?.cause === 'interpolated' ? 'only the images of coarser shells' : 'nothing';
  // a printed resolution (null: not reached before Nyquist) finer than the halves' content
  const notMeasured = (r: number | null): boolean => contentA !== undefined && (r === null || r < contentA);
  const arr = (a: ArrayLike<number> | undefined) => (a ? Array.from(a, (v) => (Number.isFinite(v) ? v : null)) : null);
  const shells = Array.from(curve.fsc, (fsc, k) => ({
    shell: k,
    frequencyPerA: curve.frequencyPerA[k],
    resolutionA: k === 0 ? null : 1 / curve.frequencyPerA[k],
    fsc: Number.isFinite(fsc) ? fsc : null,
    samples: curve.count[k],
  }));
  o.onProgress?.('write', 0.9);
  const record = await jobRecord(o.commandLine, protect, {
    mask: o.mask ?? null,
    angpix: o.angpix ?? null,
    seed: corr ? corr.seed : null,
    randomisations: corr ? corr.randomisations : null,
  }, o.recordCwd);
  const ru0143 = corr ? resolutionAtThreshold(corr.unmasked, 0.143) : undefined;
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
    /** With --mask: from the unmasked FSC (the line `Resolution at FSC 0.143 (unmasked)`); null without a mask (then `resolutionAt0143A` is the unmasked one) or when not reached. */
    resolutionAt0143UnmaskedA: ru0143 ? (ru0143.crossed ? ru0143.resolutionA : null) : null,
    nyquistA: 2 * Math.max(...h1.volume.voxelSizeA),
    /** The half maps hold nothing beyond this resolution (low-passed), Å; null when their content runs to Nyquist. A resolution finer than it is not a measurement. */
    contentLimitA: contentA ?? null,
    /** Why the content ends before Nyquist: `low-passed` (round-off beyond) or `interpolated` (upsampled in real space: the images of coarser shells beyond); null with `contentLimitA`. */
    contentLimitCause: content?.cause ?? null,
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
    /** With --mask: each half's mean over the voxels outside the mask, subtracted before masking (map units); null when not subtracted (within 0.5 SD of 0, as RELION). */
    solventMeansSubtracted: corr ? corr.solventMeans : null,
    diagnostics: findings.map(findingJson),
    record,
    shells,
  };
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : v);
  const csvHead = corr ? 'shell,frequency_per_A,resolution_A,fsc,samples,fsc_unmasked,fsc_randomised_masked,fsc_corrected' : 'shell,frequency_per_A,resolution_A,fsc,samples';
  const csvRow = (s: (typeof shells)[number]) => {
    const base = [s.shell, s.frequencyPerA, s.resolutionA ?? '', s.fsc ?? '', s.samples];
    return (corr ? [...base, cell(result.fscUnmasked?.[s.shell]), cell(result.fscRandomisedMasked?.[s.shell]), cell(result.fscCorrected?.[s.shell])] : base).join(',');
  };
  const csv = [csvHead, ...shells.map(csvRow)].join('\n') + '\n';
  const plainFmt = (r: number | null) => (r === null ? 'not reached (FSC stays above it up to Nyquist)' : `${r.toFixed(2)} Å`);
  const fmt = (r: number | null) => (notMeasured(r) ? `${plainFmt(r)}: finer than the half maps hold (${holds} beyond ${(contentA as number).toFixed(2)} Å), not a measurement` : plainFmt(r));
  // the resolutions the text gives, each with its label
  const printed: [string, number | null][] = corr
    ? [
        ['Resolution at FSC 0.143 (corrected)', result.resolutionAt0143CorrectedA],
        ['Resolution at FSC 0.5   (corrected)', result.resolutionAt05CorrectedA],
        ['Resolution at FSC 0.143 (masked)   ', result.resolutionAt0143A],
        ['Resolution at FSC 0.143 (unmasked) ', result.resolutionAt0143UnmaskedA],
      ]
    : [
        ['Resolution at FSC 0.143', result.resolutionAt0143A],
        ['Resolution at FSC 0.5  ', result.resolutionAt05A],
      ];
  if (printed.some(([, r]) => notMeasured(r))) {
    // interpolated halves: the input diagnostics' `interpolated-halves` finding has said so (once)
    if (content?.cause !== 'interpolated')
      warn(`the half maps hold nothing beyond ${(contentA as number).toFixed(2)} Å (low-passed; the FSC needs the unfiltered halves, e.g. RELION's run_half1_class001_unfil.mrc): the FSC beyond it holds only ${corr ? 'the mask\'s leakage of coarser shells and ' : ''}round-off, so a resolution finer than ${(contentA as number).toFixed(2)} Å is not a measurement`);
  }
  const resolutionLines = printed.map(([label, r]) => `${label}: ${fmt(r)}`);
  const lines = corr
    ? [
        ...resolutionLines,
        corr.randomiseFromA !== null
          ? `Phases randomised beyond ${corr.randomiseFromA.toFixed(2)} Å (unmasked FSC < ${RANDOMISE_BELOW_FSC}), seed ${corr.seed}${corr.randomisations > 1 ? `, ${corr.randomisations} draws averaged` : ''}`
          : `No phase randomisation: the unmasked FSC stays above ${RANDOMISE_BELOW_FSC}`,
        solventLine(corr),
      ]
    : resolutionLines;
  // the CSV, JSON, plot and log appear together, only when all are complete
  const files: string[] = [];
  let plotSpec: Record<string, unknown> = {};
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    for (const [ext, text] of [['csv', csv], ['json', JSON.stringify(result, null, 1) + '\n']] as const) {
      const p = `${prefix}.${ext}`;
      await writeFileAtomic(p, text, outputs);
      files.push(p);
    }
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { fscPlotData, fscPlotSpec } = await import('../plots/fsc-plot.js');
    const plotData = corr
      ? fscPlotData(curve, corr, result.resolutionAt0143CorrectedA, result.resolutionAt05CorrectedA)
      : fscPlotData(curve, undefined, result.resolutionAt0143A, result.resolutionAt05A);
    const spec = fscPlotSpec(plotData, `FSC: ${mapStem(h1Path)} / ${mapStem(h2Path)}${o.mask ? ' (masked)' : ''}`);
    plotSpec = spec as unknown as Record<string, unknown>;
    files.push(...(await writePlot(prefix, await renderVegaLite(spec), outputs)));
    const logPath = `${prefix}_log.txt`;
    files.push(logPath);
    // the halves' content limit, as in the locres log and --json's contentLimitA (the log had not said it)
    const contentLine = contentA === undefined ? [] : [`Half maps' content : ${content?.cause === 'interpolated' ? `interpolated onto a finer grid: beyond ${contentA.toFixed(2)} Å only the images of coarser shells` : `nothing beyond ${contentA.toFixed(2)} Å (low-passed: float round-off only)`}; a resolution finer than ${contentA.toFixed(2)} Å is not a measurement`];
    const body = [`Inputs             : ${protect.join(', ')}`, ...lines, `Voxel size         : ${result.voxelSizeA.toFixed(4)} Å${o.angpix !== undefined ? ' (--angpix)' : ''}, Nyquist ${result.nyquistA.toFixed(2)} Å`, ...contentLine, ''];
    await writeFileAtomic(logPath, jobLogLines('global FSC', record, body, warnings, listedOutputs(files, o), (performance.now() - t0) / 1000).join('\n') + '\n', outputs);
  });
  return { summary: result, files, lines, plotSpec };
}

/** The log's line on the solvent mean outside the mask (subtracted before masking when off 0). */
function solventLine(corr: CorrectedFscResult): string {
  const out = corr.solventOutside;
  if (!out) return `Solvent mean not subtracted: under ${100 * SOLVENT_MIN_FRACTION} % of the box is outside the mask`;
  const both = `half 1 ${out[0].mean.toPrecision(3)} (SD ${out[0].sd.toPrecision(3)}), half 2 ${out[1].mean.toPrecision(3)} (SD ${out[1].sd.toPrecision(3)})`;
  return corr.solventMeans
    ? `Solvent mean outside the mask subtracted before masking: ${both}`
    : `Solvent mean outside the mask within ${SOLVENT_OFFSET_SD} SD of 0, not subtracted (as RELION): ${both}`;
}
