/**
 * The half-map run of the GUI (inside the worker process): global FSC (with a mask, RELION's
 * phase-randomised corrected FSC, seed 0, as `occupy fsc --mask`) and local resolution by the
 * method chosen on the page — local FSC with the calibrated defaults, RELION 3.1's `--relion
 * [--locres-sampling A]` or `--method monores` (as `occupy locres HALF1 HALF2 [--mask M] [--labels L]
 * [method options]`, the options resolved by the CLI's schema, `resolveLocresOptions`), the
 * same functions and options as those commands, so the numbers and the local-resolution map's
 * voxels are the CLI's: the run calls those commands' jobs (src/jobs/fsc-job.ts, locres-job.ts), which
 * write `fsc_<stem>.{csv,json,png,svg}` and `locres_<stem>.mrc` with its pinned/interval maps,
 * histogram and log, each as one output set.
 */
import { basename, join } from 'node:path';
import { checkHalfMapGrids } from './half-map-grids.js';
import { fscJob } from '../../jobs/fsc-job.js';
import { locresJob } from '../../jobs/locres-job.js';
import { resolveLocresOptions } from '../../resolution/locres-options.js';
import { locresMethodArgs, locresMethodValues, locresOutputMaps, type HalfMapsLocres } from './halfmaps-locres.js';
import type { HalfMapsView } from '../api.js';
import { runDirectionalFscJob } from '../../jobs/directional-fsc-job.js';
import { decomposeFromFile, decomposeOutputNames } from '../../jobs/decompose-job.js';
import { mapStem } from '../../occupancy/output-names.js';
import type { ListedOutputs } from '../../jobs/listed-outputs.js';

/**
 * What the worker is asked to do (absolute paths; names as the user knows them for messages). The
 * logs name the outputs where they will be ({@link ListedOutputs}: the save folder, or "not saved"),
 * never the staging folder they are written to.
 */
export interface HalfMapsTask extends ListedOutputs {
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
  /**
   * The save folder relative to the GUI root (`.` for the root itself), when the outputs are saved:
   * each job's recorded command then ends in `-o <folder>/`, so that its rerun line, run in the
   * record's working folder ({@link ListedOutputs.recordCwd}, the root), writes the same files.
   */
  savedFolder?: string;
  /** The local-resolution method and its settings (default: local FSC with the calibrated defaults). */
  locres?: HalfMapsLocres;
  /** Also the directional FSC (`occupy fsc --directional`, its job in src/jobs). */
  directional?: boolean;
  /** Also `occupy decompose <half1> --half-maps <half1> <half2> [--mask] [--labels]` (relative occupancy and local B). */
  decompose?: boolean;
}

/** The result, without the session's map id (the server adds it). */
export type HalfMapsOutcome = Omit<HalfMapsView, 'mapId' | 'commands'> & { locresPath: string; occupancyPath?: string; bfactorPath?: string };

/**
 * Run FSC and local resolution of a half-map pair: `occupy fsc`'s and `occupy locres`'s jobs
 * (src/jobs), then optionally the directional FSC and decompose jobs; the view is built from the
 * jobs' results.
 * @param progress phase and fraction in [0, 1]
 * @param report receives each warning line once (input diagnostics, then the local FSC's own warnings)
 * @throws HttpError 400 naming the field for a second half, mask or labels map on another grid, or a file that is not a map (`checkHalfMapGrids`)
 */
export async function runHalfMaps(t: HalfMapsTask, progress: (phase: string, fraction: number) => void, report: (text: string) => void): Promise<HalfMapsOutcome> {
  // a line two jobs give (e.g. the mask's origin, checked by fsc and by locres) is reported once
  const said = new Set<string>();
  const warn = (text: string): void => {
    if (said.has(text)) return;
    said.add(text);
    report(text);
  };
  progress('read', 0);
  // the grids are checked before any job runs, as the server checks them before it queues the run
  // (the jobs check them too; the labels only in the last one)
  await checkHalfMapGrids({ half1: t.half1Path, half2: t.half2Path, mask: t.maskPath, labels: t.labelsPath }, t.names);
  const listed: ListedOutputs = { finalDir: t.finalDir, unsavedNote: t.unsavedNote, recordCwd: t.recordCwd };
  const savedTo = t.savedFolder !== undefined ? ['-o', `${t.savedFolder}/`] : [];
  const commandLine = (cmd: string, extra: string[]) => [cmd, t.names.half1, t.names.half2, ...(t.names.mask ? ['--mask', t.names.mask] : []), ...extra, ...savedTo];

  // the global FSC: occupy fsc's job (its diagnostics are the pair's, reported once here)
  progress('global FSC', 0.03);
  const fscRun = await fscJob(t.half1Path, t.half2Path, { mask: t.maskPath, outputPrefix: join(t.outputDir, `fsc_${t.stem}`), ...listed, onWarning: warn, commandLine: commandLine('fsc', []) });
  const g = fscRun.summary;
  const fsc: HalfMapsView['fsc'] = {
    frequencyPerA: g.shells.map((s) => s.frequencyPerA),
    fsc: g.shells.map((s) => s.fsc),
    fscUnmasked: t.maskPath ? g.fscUnmasked : null,
    fscCorrected: g.fscCorrected,
    resolutionAt0143A: g.resolutionAt0143A,
    resolutionAt05A: g.resolutionAt05A,
    resolutionAt0143CorrectedA: g.resolutionAt0143CorrectedA,
    resolutionAt05CorrectedA: g.resolutionAt05CorrectedA,
    resolutionAt0143UnmaskedA: t.maskPath ? g.resolutionAt0143UnmaskedA : null,
    randomiseFromA: g.phaseRandomisation?.fromA ?? null,
    nyquistA: g.nyquistA,
  };

  // local resolution: occupy locres's job with the method chosen (the CLI's schema resolves its
  // options and defaults, as `occupy locres` does), plus the mask and labels
  const dirShare = (t.directional ? 0.25 : 0) + (t.decompose ? 0.25 : 0);
  const way = t.locres ?? { method: 'localfsc' };
  const locOptions = resolveLocresOptions({ mask: t.maskPath, labels: t.labelsPath, ...locresMethodValues(way) }, 2);
  const methodPhase = locOptions.method === 'monores' ? 'monogenic' : 'local FSC';
  progress(methodPhase, 0.12);
  const locresName = `locres_${t.stem}.mrc`;
  const locresPath = join(t.outputDir, locresName);
  const loc = await locresJob(t.half1Path, t.half2Path, {
    ...locOptions,
    ...listed,
    method: locOptions.method as 'localfsc' | 'monores',
    output: locresPath,
    commandLine: commandLine('locres', [...(t.names.labels ? ['--labels', t.names.labels] : []), ...locresMethodArgs(way)]),
    // the job's own phases (read, diagnostics, local FSC or monogenic, write), as the CLI prints them
    onProgress: (phase, f) => (phase === 'write' ? progress('write', 0.96 - dirShare) : progress(phase, 0.12 + (0.83 - dirShare) * f)),
    onWarning: () => {}, // the pair's diagnostics were reported with the global FSC; the rest follow
  });
  // the method's own warnings (threshold at its floor, labels blended by the window) come after
  // the pair's input diagnostics in the job's list
  for (const w of (loc.summary.warnings as string[]).slice((loc.summary.diagnostics as unknown[]).length)) warn(w);
  const num = (key: string) => Number(loc.summary[key]);
  // the directional FSC: occupy fsc --directional's own job (its files, plot and numbers)
  let directional: HalfMapsView['directional'] = null;
  const dirFiles: string[] = [];
  // progress of the optional steps: 0.25 each after the local FSC
  let cursor = 0.96 - dirShare;
  if (t.directional) {
    const from = cursor;
    cursor += 0.25;
    progress('directional FSC', from);
    const d = await runDirectionalFscJob(t.half1Path, t.half2Path, { mask: t.maskPath, output: `${t.outputDir}/`, ...listed, commandLine: commandLine('fsc', ['--directional']) }, {
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
      ...listed,
      // the equivalent command line (as the page shows it), recorded in the log and labels
      commandLine: ['decompose', t.names.half1, '--half-maps', t.names.half1, t.names.half2, ...(t.names.mask ? ['--mask', t.names.mask] : []), ...(t.names.labels ? ['--labels', t.names.labels] : []), ...savedTo],
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
      bfactorRangeA2: summary.bfactorRangeA2,
      globalBA2: summary.globalBA2,
      labels: summary.labels ?? null,
    };
    for (const w of summary.warnings) warn(w);
  }
  // colour range: the 5–95 % range inside the mask, widened to tenths of an Å (not finer than the
  // finest value reported: the local FSC's and MonoRes' finest, RELION's Nyquist)
  const finestA = loc.summary.finestA === undefined ? fsc.nyquistA : num('finestA');
  const lo = Math.max(finestA, Math.floor(num('p5A') * 10) / 10);
  const hi = Math.max(lo + 0.1, Math.ceil(num('p95A') * 10) / 10);
  const orNull = (key: string): number | null => (typeof loc.summary[key] === 'number' ? num(key) : null);
  const relion = loc.summary.relion === true;
  return {
    kind: 'halfmaps',
    half1: t.names.half1,
    half2: t.names.half2,
    mask: t.names.mask ?? null,
    labels: t.names.labels ?? null,
    fsc,
    fscPlotSpec: fscRun.plotSpec,
    locres: {
      file: locresName,
      method: way.method,
      settings: loc.settings,
      samplingA: relion ? Number((num('samplingVoxels') * (fsc.nyquistA / 2)).toPrecision(6)) : null,
      globalResolutionA: orNull('globalResolutionA'),
      windowVoxels: orNull('windowVoxels'),
      stepVoxels: orNull('stepVoxels'),
      threshold: orNull('threshold'),
      medianA: num('medianA'),
      p5A: num('p5A'),
      p95A: num('p95A'),
      finestA: orNull('finestA'),
      pinnedVoxels: orNull('pinnedVoxels'),
      pinnedPercent: orNull('pinnedPercent'),
      pinnedWindows: relion ? { pinned: num('pinnedWindows'), of: num('points') } : null,
      besideFinerPercent: orNull('besideFinerPercent'),
      rangeA: [lo, hi],
      windowReachA: loc.windowReachA ?? null,
      maps: locresOutputMaps(loc.files.map((f) => basename(f)), locresName),
      report: loc.report,
    },
    labelRows: loc.labelRows ?? null,
    findings: g.diagnostics.map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    directional,
    decompose,
    files: [...loc.files, ...fscRun.files].map((f) => basename(f)).concat(dirFiles),
    occupancyPath,
    bfactorPath,
    locresPath,
  };
}
