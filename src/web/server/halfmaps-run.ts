/**
 * The half-map run of the GUI (inside the worker process): global FSC (with a mask, RELION's
 * phase-randomised corrected FSC, seed 0, as `occupy fsc --mask`) and local resolution by local
 * FSC with the calibrated defaults (as `occupy locres HALF1 HALF2 [--mask M] [--labels L]`), the
 * same functions and options as those commands, so the numbers and the local-resolution map's
 * voxels are the CLI's. Writes `locres_<stem>.mrc` (header from the first half, as the CLI) and
 * `fsc_<stem>.csv` through one output set.
 */
import { join } from 'node:path';
import { readMrc, writeMrc, type MrcMap } from '../../io/mrc/index.js';
import { TOOL_VERSION } from '../../core/version.js';
import { withOutputSet } from '../../core/output-set.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { fourierShellCorrelation, resolutionAtThreshold } from '../../resolution/fsc.js';
import { correctedFsc } from '../../resolution/fsc-corrected.js';
import { localFsc } from '../../resolution/local-fsc.js';
import { labelSummary } from '../../resolution/label-summary.js';
import { diagnoseHalfMaps, findingLine } from '../../diagnostics/index.js';
import { fscPlotData, fscPlotSpec } from '../../plots/fsc-plot.js';
import type { HalfMapsView } from '../api.js';
import { basename } from 'node:path';
import { runDirectionalFscJob } from '../../jobs/directional-fsc-job.js';
import { decomposeFromFile, decomposeOutputNames } from '../../jobs/decompose-job.js';
import { localFscSettingsText } from '../../jobs/locres-job.js';
import { mapStem } from '../../occupancy/output-names.js';

/** What the worker is asked to do (absolute paths; names as the user knows them for messages). */
export interface HalfMapsTask {
  kind: 'halfmaps';
  half1Path: string;
  half2Path: string;
  maskPath?: string;
  labelsPath?: string;
  /** The inputs as the user named them (paths under the root), for labels and messages. */
  names: { half1: string; half2: string; mask?: string; labels?: string };
  outputDir: string;
  /** Output stem: the first half's. */
  stem: string;
  /** Also the directional FSC (`occupy fsc --directional`, its job in src/jobs). */
  directional?: boolean;
  /** Also `occupy decompose <half1> --half-maps <half1> <half2> [--mask] [--labels]` (relative occupancy and local B). */
  decompose?: boolean;
}

/** The result, without the session's map id (the server adds it). */
export type HalfMapsOutcome = Omit<HalfMapsView, 'mapId' | 'commands'> & { locresPath: string; occupancyPath?: string; bfactorPath?: string };

/** Lowest reported resolution of `occupy locres` (default `--lowest-resolution`), Å. */
const LOWEST_RESOLUTION_A = 50;

function sameBox(a: MrcMap, b: MrcMap | undefined, what: string): void {
  if (b && b.volume.shape.some((n, i) => n !== a.volume.shape[i])) throw new RangeError(`${what} box ${b.volume.shape.join('x')} does not match the half maps ${a.volume.shape.join('x')}`);
}

const nullable = (a: ArrayLike<number>): (number | null)[] => Array.from(a, (v) => (Number.isFinite(v) ? v : null));

/**
 * Run FSC and local resolution of a half-map pair.
 * @param progress phase and fraction in [0, 1]
 * @param warn a warning line (input diagnostics)
 * @throws RangeError for boxes that differ; Error for unreadable maps
 */
export async function runHalfMaps(t: HalfMapsTask, progress: (phase: string, fraction: number) => void, warn: (text: string) => void): Promise<HalfMapsOutcome> {
  progress('read', 0);
  const h1 = await readMrc(t.half1Path, { name: t.names.half1 });
  const h2 = await readMrc(t.half2Path, { name: t.names.half2 });
  const mask = t.maskPath ? await readMrc(t.maskPath, { name: t.names.mask }) : undefined;
  const labels = t.labelsPath ? await readMrc(t.labelsPath, { name: t.names.labels }) : undefined;
  sameBox(h1, h2, 'the second half map:');
  sameBox(h1, mask, 'the mask:');
  sameBox(h1, labels, 'the labels map:');
  progress('diagnostics', 0.03);
  const findings = diagnoseHalfMaps(h1.volume, h2.volume).findings;
  for (const f of findings) warn(findingLine(f));

  progress('global FSC', 0.06);
  const corr = mask ? correctedFsc(h1.volume, h2.volume, mask.volume.data, { seed: 0, randomisations: 1 }) : undefined;
  const curve = corr ? corr.masked : fourierShellCorrelation(h1.volume, h2.volume);
  const at = (c: { fsc: ArrayLike<number>; shellWidthPerA: number } | undefined, thr: number) => {
    if (!c) return null;
    const r = resolutionAtThreshold({ fsc: c.fsc as Float64Array, shellWidthPerA: c.shellWidthPerA }, thr);
    return r.crossed ? r.resolutionA : null;
  };
  const corrected = corr ? { fsc: corr.corrected, shellWidthPerA: curve.shellWidthPerA } : undefined;
  const fsc: HalfMapsView['fsc'] = {
    frequencyPerA: Array.from(curve.frequencyPerA),
    fsc: nullable(curve.fsc),
    fscUnmasked: corr ? nullable(corr.unmasked.fsc) : null,
    fscCorrected: corr ? nullable(corr.corrected) : null,
    resolutionAt0143A: at(curve, 0.143),
    resolutionAt05A: at(curve, 0.5),
    resolutionAt0143CorrectedA: at(corrected, 0.143),
    resolutionAt05CorrectedA: at(corrected, 0.5),
    randomiseFromA: corr?.randomiseFromA ?? null,
    nyquistA: 2 * Math.max(...h1.volume.voxelSizeA),
  };
  // the plot spec of occupy fsc (src/plots/fsc-plot.ts), drawn by the page with Vega
  const plotData = corr ? fscPlotData(curve, corr, fsc.resolutionAt0143CorrectedA, fsc.resolutionAt05CorrectedA) : fscPlotData(curve, undefined, fsc.resolutionAt0143A, fsc.resolutionAt05A);
  const stemOf = (n: string) => (n.split('/').pop() ?? n).replace(/\.gz$/i, '').replace(/\.(mrc|map|ccp4|rec)$/i, '');
  const spec = fscPlotSpec(plotData, `FSC: ${stemOf(t.names.half1)} / ${stemOf(t.names.half2)}${mask ? ' (masked)' : ''}`);

  const dirShare = (t.directional ? 0.25 : 0) + (t.decompose ? 0.25 : 0);
  progress('local FSC', 0.12);
  const r = localFsc(h1.volume, h2.volume, {
    mask: mask?.volume.data,
    lowestResolutionA: LOWEST_RESOLUTION_A,
    onProgress: (f) => progress('local FSC', 0.12 + (0.83 - dirShare) * f),
  });
  const settings = localFscSettingsText(r);
  const rows = labels ? labelSummary(r.resolution.data, labels.volume.data, mask?.volume.data, r.pinned) : null;
  progress('write', 0.96 - dirShare);
  const locresName = `locres_${t.stem}.mrc`;
  const locresPath = join(t.outputDir, locresName);
  const csvName = `fsc_${t.stem}.csv`;
  const protect = [t.half1Path, t.half2Path, ...(t.maskPath ? [t.maskPath] : []), ...(t.labelsPath ? [t.labelsPath] : [])];
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    await writeMrc(locresPath, r.resolution, {
      template: h1.header,
      labels: [`occupy-ts ${TOOL_VERSION}: local resolution (A), ${settings}`.slice(0, 80), `outside the mask: ${LOWEST_RESOLUTION_A} A (background)`, `GUI: occupy locres ${t.names.half1} ${t.names.half2}${t.names.mask ? ` --mask ${t.names.mask}` : ''}`.slice(0, 80)],
      protect,
      outputs,
    });
    const head = corr ? 'shell,frequency_per_A,resolution_A,fsc,fsc_unmasked,fsc_corrected' : 'shell,frequency_per_A,resolution_A,fsc';
    const rowsCsv = fsc.frequencyPerA.map((f, k) => [k, f, k === 0 ? '' : 1 / f, fsc.fsc[k] ?? '', ...(corr ? [fsc.fscUnmasked?.[k] ?? '', fsc.fscCorrected?.[k] ?? ''] : [])].join(','));
    await writeFileAtomic(join(t.outputDir, csvName), [head, ...rowsCsv].join('\n') + '\n', outputs);
  });
  // the directional FSC: occupy fsc --directional's own job (its files, plot and numbers)
  let directional: HalfMapsView['directional'] = null;
  const dirFiles: string[] = [];
  // progress of the optional steps: 0.25 each after the local FSC
  let cursor = 0.96 - dirShare;
  if (t.directional) {
    const from = cursor;
    cursor += 0.25;
    progress('directional FSC', from);
    const d = await runDirectionalFscJob(t.half1Path, t.half2Path, { mask: t.maskPath, output: `${t.outputDir}/` }, {
      verbosity: 'quiet',
      progress: (_phase, f) => progress('directional FSC', from + 0.25 * f),
      info: () => {},
      warn: () => {}, // the pair's diagnostics were reported above
      abort: () => {},
    });
    dirFiles.push(...d.files.map((f) => basename(f)));
    directional = { ...d.directional, coneAngleDeg: d.coneAngleDeg, globalResolutionA: d.globalResolutionA, plot: dirFiles.find((f) => f.endsWith('.svg')) ?? null };
  }
  // decompose: occupy decompose's own file pipeline (src/jobs), the first half as the map
  let decompose: HalfMapsView['decompose'] = null;
  let occupancyPath: string | undefined;
  let bfactorPath: string | undefined;
  if (t.decompose) {
    const start = cursor;
    progress('decompose', start);
    const { summary, files } = await decomposeFromFile({
      mapPath: t.half1Path,
      halfMapPaths: [t.half1Path, t.half2Path],
      maskPath: t.maskPath,
      labelsPath: t.labelsPath,
      outputDir: t.outputDir,
      onProgress: (phase, f) => progress(`decompose: ${phase}`, Math.min(0.99, start + 0.25 * f)),
    });
    const names = decomposeOutputNames(mapStem(t.half1Path));
    occupancyPath = join(t.outputDir, names.occupancy);
    bfactorPath = join(t.outputDir, names.bfactor);
    dirFiles.push(...files.map((f) => basename(f)));
    decompose = {
      occupancyFile: names.occupancy,
      bfactorFile: names.bfactor,
      occupancyMedian: summary.occupancyMedian,
      bfactorMedianA2: summary.bfactorMedianA2,
      globalBA2: summary.globalBA2,
      labels: summary.labels ?? null,
    };
    for (const w of summary.warnings) warn(w);
  }
  // colour range: the 5–95 % range inside the mask, widened to whole Å
  const lo = Math.max(r.finestA, Math.floor(r.p5A * 10) / 10);
  const hi = Math.max(lo + 0.1, Math.ceil(r.p95A * 10) / 10);
  return {
    kind: 'halfmaps',
    half1: t.names.half1,
    half2: t.names.half2,
    mask: t.names.mask ?? null,
    labels: t.names.labels ?? null,
    fsc,
    fscPlotSpec: spec as unknown as Record<string, unknown>,
    locres: {
      file: locresName,
      settings,
      globalResolutionA: r.globalResolutionA,
      windowVoxels: r.windowVoxels,
      stepVoxels: r.stepVoxels,
      threshold: r.threshold,
      medianA: r.medianA,
      p5A: r.p5A,
      p95A: r.p95A,
      finestA: r.finestA,
      pinnedPercent: (100 * r.pinnedVoxels) / Math.max(1, r.maskVoxels),
      rangeA: [lo, hi],
    },
    labelRows: rows,
    findings: findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    directional,
    decompose,
    files: [locresName, csvName, ...dirFiles],
    occupancyPath,
    bfactorPath,
    locresPath,
  };
}
