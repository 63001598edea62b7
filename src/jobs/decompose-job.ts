/**
 * `occupy decompose` as users run it: read the map (and half maps, mask, labels), decompose, and
 * write the occupancy, B-factor and usable-band maps, the log, the ChimeraX script and (optionally)
 * the locally sharpened map and the plots — all staged in one output set.
 */
import { dirname, join, relative, resolve } from 'node:path';
import type { Volume } from '../core/volume.js';
import { writeMrc, type MrcMap } from '../io/mrc/index.js';
import { diagnoseCommandInput, refuseIdenticalHalves } from './input-diagnostics.js';
import { matchHalfMapScale, type Finding } from '../diagnostics/index.js';
import { labelTableOmissions } from '../core/label-map.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { checkOutputNames, removedOutputLines, withOutputSet } from '../core/output-set.js';
import { voxelSizeError } from '../core/voxel-size-limits.js';
import { mapStem } from '../occupancy/output-names.js';
import { OCCUPY_VERSION } from './estimate-job.js';
import { quantileWhere } from '../math/select.js';
import { halfMapMean } from '../math/half-map-combination.js';
import type { DecomposeOptions, DecomposeResult } from '../decomposition/decompose.js';
import { localBSharpen } from '../decomposition/sharpen.js';
import { checkDecomposeMemory } from './memory-check.js';
import { trilinearResize } from '../filters/trilinear-resize.js';
import { decomposeChimeraxScript } from '../decomposition/chimerax-script.js';
import { computeInThread } from './compute-thread.js';
import { decompositionMedians, type DecompositionMedians } from '../decomposition/medians.js';
import { jobInputs } from './job-inputs.js';
import { listedOutputs, type ListedOutputs } from './listed-outputs.js';
import { decomposeFamily, refuseOtherKinds, retireStaleOutputs } from './stale-outputs.js';
import { assertLabelMap, checkSameGrid, readMapArg } from './read-map.js';
import { jobLabels, jobRecord } from './resolution-job-common.js';
import { recordLines } from '../occupancy/summary.js';
import type { RunRecord } from '../core/run-record.js';
import { constantHalfMapProblem } from '../resolution/half-map-checks.js';
import { DEFAULT_BANDS, DEFAULT_DECOMPOSE_MAX_BOX, DEFAULT_LOWEST_RESOLUTION_A, refuseLowestBandNearNyquist } from '../decomposition/options.js';

/** Options of {@link decomposeFromFile}. */
export interface DecomposeFileOptions extends Omit<DecomposeOptions, 'halfMaps' | 'mask'>, ListedOutputs {
  /** The map (its stem names the outputs). */
  mapPath: string;
  /** Two half-map paths (`--half-maps`). */
  halfMapPaths?: [string, string];
  /** Molecule mask path (`--mask`, > 0.5). */
  maskPath?: string;
  /** Label map path (`--labels`): per-label medians in the summary (integer labels > 0). */
  labelsPath?: string;
  /** Write the locally B-sharpened map (`--sharpen`). */
  sharpen?: boolean;
  /** Write the Guinier-fit plot and histograms (`--plot`). */
  plot?: boolean;
  /** Write the ChimeraX script (default true). */
  chimerax?: boolean;
  /** Output folder (default the current folder) and stem (default the map's stem). */
  outputDir?: string;
  outputStem?: string;
  /** `--angpix`: voxel size in Å replacing every input's header value. */
  angpix?: number;
  /**
   * `--noise-draws`: 0 (default, off) or N ≥ 2: 2N reruns on half maps with redrawn noise
   * (`noiseRedrawSpread`): the summary gets an estimated SD of every median. Half maps only.
   */
  noiseDraws?: number;
  /** `--noise-draw-seed`: seed of the redraws (default 1). */
  noiseDrawSeed?: number;
  /** The arguments as typed after `occupy` (recorded; the GUI passes the equivalent command line). */
  commandLine?: readonly string[];
  /** Memory available in bytes, for the check before reading (default: from the system, `availableMemoryBytes`; tests set it). */
  availableMemoryBytes?: number;
}

/** Per-label medians. */
export interface LabelMedians {
  label: number;
  voxels: number;
  occupancy: number;
  /** Occupancy relative to the label with the highest median occupancy. */
  relativeOccupancy: number;
  bfactorA2: number;
  /** With `noiseDraws`: estimated SD over noise draws of the label's median occupancy (`noiseRedrawSpread`). */
  occupancySd?: number;
  /** With `noiseDraws`: estimated SD over noise draws of the label's median B, Å². */
  bfactorSdA2?: number;
}

/** The summary printed (`--json`) and logged. */
export interface DecomposeSummary {
  version: string;
  /** The run's record: command line, version, every input's SHA-256 and the resolved settings. */
  record: RunRecord;
  inputs: { map: string; halfMaps?: [string, string]; mask?: string; labels?: string };
  voxelSizeA: number[];
  box: number[];
  processingBox: number[];
  noiseModel: DecomposeResult['noiseModel'];
  noiseLimitA: number;
  noiseLimitSource: string;
  /** The map (or half maps) interpolated onto a finer grid: the old grid's Nyquist, Å, and the box it was upsampled from; no band is finer than 1.1 × it. Absent otherwise. */
  contentLimit?: { limitA: number; cause: 'interpolated'; fromBox: number[] };
  bands: { resolutionA: number; windowSigmaA: number; referenceAmplitude: number; noiseAmplitude: number; usableFraction: number }[];
  globalBA2: number;
  moleculeVoxels: number;
  occupancyMedian: number;
  bfactorMedianA2: number;
  /**
   * Colour range of the local B-factor, Å² (low, high): the 5th and 95th percentiles of the B map
   * over the molecule's fitted voxels (two or more usable bands), the range of the ChimeraX script's
   * `color_by_bfactor` and of the GUI's B-factor slices; [0, 0] when no voxel was fitted.
   */
  bfactorRangeA2: [number, number];
  labels?: LabelMedians[];
  /**
   * With `noiseDraws`: the estimated SD over independent noise draws of the whole molecule's median
   * occupancy and B (Å²), from `draws` decompositions with the noise estimate redrawn and `draws`
   * with ε × a noise draw added to the mean (`noiseRedrawSpread`), the seed, ε and each draw's
   * medians (per label too). The maps written are from the original run only.
   */
  noiseRedraw?: { draws: number; seed: number; epsilon: number; occupancySd: number; bfactorSdA2: number; perDrawDifference: DecompositionMedians[]; perDrawMean: DecompositionMedians[] };
  warnings: string[];
  /** Input diagnostics of the map and its half maps (`src/diagnostics`): `{code, severity, message, evidence}`; their messages open `warnings`. */
  diagnostics: Finding[];
  notes: string[];
  files: string[];
  /**
   * An earlier run's outputs for the same stem in the output folder that this run does not write
   * (`--sharpen`'s map, `--plot`'s plots; `decomposeFamily`), removed with this run's outputs (in
   * place; written elsewhere first, whoever moves them removes them), paths as the log names them;
   * absent when none.
   */
  removed?: string[];
  timingsS: Record<string, number>;
  seconds: number;
}

/** Output file names of one run. */
export function decomposeOutputNames(stem: string): { occupancy: string; bfactor: string; bands: string; log: string; chimerax: string; sharpened: string; guinier: string; occupancyHist: string; bfactorHist: string } {
  return {
    occupancy: `occupancy_${stem}.mrc`,
    bfactor: `bfactor_${stem}.mrc`,
    bands: `bands_${stem}.mrc`,
    log: `log_decompose_${stem}.txt`,
    chimerax: `chimX_decompose_${stem}.cxc`,
    sharpened: `locbsharp_${stem}.mrc`,
    guinier: `guinier_${stem}`,
    occupancyHist: `occupancy_hist_${stem}`,
    bfactorHist: `bfactor_hist_${stem}`,
  };
}

/** Median of the selected voxels and their number. */
function median(values: Float32Array, sel: (i: number) => boolean): { value: number; count: number } {
  return quantileWhere(values, sel, 0.5, new Float32Array(values.length));
}

/** The summary's per-label rows: each label's medians ({@link decompositionMedians}) and its occupancy relative to the highest. */
function labelMedians(m: DecompositionMedians): LabelMedians[] {
  const best = Math.max(...m.labels.map((x) => (Number.isFinite(x.occupancy) ? x.occupancy : 0)));
  return m.labels.map((l) => ({ label: l.label, voxels: l.voxels, occupancy: l.occupancy, relativeOccupancy: best > 0 ? l.occupancy / best : Number.NaN, bfactorA2: l.bfactorA2 }));
}

/** A map of the command ({@link readMapArg}), with `--angpix` also checked against its box. */
async function readInput(path: string, what: string, angpix?: number): Promise<MrcMap> {
  const m = await readMapArg(path, what, angpix, undefined, true); // shared: the compute thread takes no copy
  if (angpix !== undefined) {
    const err = voxelSizeError('--angpix', angpix, m.volume.shape);
    if (err) throw new RangeError(err);
  }
  return m;
}

/**
 * Read, decompose, write. Every output is staged in one output set: all appear together, none on
 * failure, and no output may replace an input.
 *
 * @throws Error naming the file for unreadable inputs; RangeError for boxes that do not match or
 *   out-of-range options (see `decompose`)
 */
export async function decomposeFromFile(opts: DecomposeFileOptions): Promise<{ summary: DecomposeSummary; files: string[]; result: DecomposeResult }> {
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const outDir = resolve(opts.outputDir ?? '.');
  const stem = opts.outputStem ?? mapStem(opts.mapPath);
  const names = decomposeOutputNames(stem);
  const protect = jobInputs(opts.mapPath, ...(opts.halfMapPaths ?? []), opts.maskPath, opts.labelsPath);
  // an output name that is an input, a symbolic link or a folder is refused now, not after the decomposition
  const always = [names.occupancy, names.bfactor, names.bands, names.log, ...(opts.sharpen ? [names.sharpened] : []), ...(opts.chimerax !== false ? [names.chimerax] : [])];
  await checkOutputNames(always.map((n) => join(outDir, n)), { protect, inputLabel: 'input map' });
  // another map's output under one of these names (the estimate of decompose_X writes log_decompose_X.txt)
  await refuseOtherKinds(outDir, [decomposeFamily(stem)], always);
  progress('read', 0);
  await checkDecomposeMemory(opts.mapPath, { halfMaps: !!opts.halfMapPaths, sharpen: !!opts.sharpen }, opts.availableMemoryBytes, opts.angpix);
  const input = await readInput(opts.mapPath, 'map', opts.angpix);
  let halves = opts.halfMapPaths ? await Promise.all(opts.halfMapPaths.map((p, i) => readInput(p, `half map ${i + 1}`, opts.angpix))) : undefined;
  const mask = opts.maskPath ? await readInput(opts.maskPath, '--mask map', opts.angpix) : undefined;
  const labels = opts.labelsPath ? assertLabelMap(await readInput(opts.labelsPath, '--labels map', opts.angpix), opts.labelsPath) : undefined;
  const box = input.volume.shape;
  // box, voxel size and origin of every other map against the map's, named by file (the method's
  // own check compares the grids without knowing the names)
  const first = { map: input, path: opts.mapPath, what: 'the map' };
  const gridWarnings = [
    ...(halves ?? []).map((h, i) => checkSameGrid({ map: h, path: opts.halfMapPaths?.[i] ?? `half map ${i + 1}`, what: `half map ${i + 1}` }, first)),
    checkSameGrid(mask && { map: mask, path: opts.maskPath as string, what: '--mask map' }, first),
    checkSameGrid(labels && { map: labels, path: opts.labelsPath as string, what: '--labels map' }, first),
  ].filter((w): w is string => w !== undefined);
  // options refused from the header and the options alone, before the diagnostics (several seconds
  // at 256³, and a loaded machine's percentage line of them came before the refusal: session 59)
  refuseLowestBandNearNyquist(box, input.volume.voxelSizeA, opts.lowestResolutionA, opts.maxBox ?? DEFAULT_DECOMPOSE_MAX_BOX);
  // a constant map has no molecule and no band: said naming the file, as the estimate says it (it had
  // been "no molecule found: … (give --mask)", after the diagnostics)
  const constant = constantHalfMapProblem(input.volume.data);
  if (constant) throw new RangeError(`${opts.mapPath}: the map ${constant}; there is nothing to decompose`);
  const draws = opts.noiseDraws ?? 0;
  if (draws !== 0 && !(Number.isInteger(draws) && draws >= 2)) throw new RangeError(`--noise-draws must be 0 or an integer >= 2, got ${draws}`);
  if (draws > 0 && !halves) throw new RangeError('--noise-draws needs --half-maps (the noise is redrawn from their difference)');
  // input diagnostics (masked, sharpened, identical halves …): warnings (printed once by the caller) and the summary's diagnostics
  progress('diagnostics', 0.02);
  // zero padding is left out of the analysis (decompose.ts), so it is not a finding here; in a
  // worker thread, as the decomposition below (on this thread a signal waited 2.5 s at 256³)
  const diag = await diagnoseCommandInput(input.volume, { halves: halves ? [halves[0].volume, halves[1].volume] : undefined, paddingHandled: true, levelHandled: true, inThread: true, signal: opts.signal });
  if (halves) refuseIdenticalHalves(diag.diagnostics, [opts.halfMapPaths?.[0] ?? 'half map 1', opts.halfMapPaths?.[1] ?? 'half map 2']);
  // halves at another scale or level (warned by the finding): their difference, the noise, would hold
  // signal (one half + 5 moved the label B factors by 13 Å²); half 2 is brought to half 1's mean and SD
  const rescaled = halves !== undefined && diag.diagnostics.some((f) => f.code === 'halves-differ-in-scale');
  if (halves && rescaled) matchHalfMapScale(halves[0].volume.data, halves[1].volume.data);
  const share = 0.85 / (2 * draws + 1); // progress: the original run and each redraw's decomposition alike
  // the signal stops the threads (an AbortSignal cannot be sent to one: it had been, and the call
  // failed with a DataCloneError before session 58)
  const { signal, ...settings } = opts;
  const decomposeOptions = {
    ...settings,
    halfMaps: halves ? [halves[0].volume, halves[1].volume] as const : undefined,
    mask: mask?.volume.data,
  };
  // in a worker thread, so that Ctrl+C acts at once (on the calling thread it waited for the
  // decomposition: 10 s at 256³) and the progress timer keeps its lines coming
  // with the diagnostics' interpolation test of the half maps (not run again), unless half 2 was
  // rescaled since; for this run only (the noise redraws decompose other half maps)
  const result = await computeInThread('decompose', [input.volume, { ...decomposeOptions, halfMapsInterpolationTest: rescaled ? undefined : diag.interpolationTest }], { onProgress: (p, f) => progress(p, 0.05 + share * f), signal });
  const spread = draws > 0
    ? await computeInThread('noiseRedrawSpread', [input.volume, decomposeOptions, {
      draws,
      seed: opts.noiseDrawSeed ?? 1,
      finestBandA: result.bands.at(-1)?.resolutionA,
      labels: labels?.volume.data,
    }], { onProgress: (k, n, f) => progress(`noise redraw ${k}/${n}`, 0.05 + share * (k + f)), signal })
    : undefined;
  // the map --sharpen filters (the half maps' mean); the half maps are then let go, so that their
  // memory (two whole boxes) is free before the sharpening takes its own (512³ phantom, half maps,
  // --sharpen: peak 6.4 GB with the half maps held, 5.4 GB without, the analysis' own peak)
  const sharpenSource = !opts.sharpen ? undefined : halves ? { data: halfMapMean(halves[0].volume.data, halves[1].volume.data), shape: box, voxelSizeA: input.volume.voxelSizeA } : input.volume;
  halves = undefined;
  decomposeOptions.halfMaps = undefined;
  signal?.throwIfAborted();
  progress('write', 0.92);
  const files: string[] = [];
  // the record: every input's SHA-256 and each setting that changes the outputs (with defaults)
  const record = await jobRecord(opts.commandLine, protect, {
    'half-maps': opts.halfMapPaths ?? null,
    mask: opts.maskPath ?? null,
    labels: opts.labelsPath ?? null,
    angpix: opts.angpix ?? null,
    'lowest-resolution': opts.lowestResolutionA ?? DEFAULT_LOWEST_RESOLUTION_A,
    'highest-resolution': opts.highestResolutionA ?? null,
    bands: opts.bands ?? DEFAULT_BANDS,
    'max-box': opts.maxBox ?? DEFAULT_DECOMPOSE_MAX_BOX,
    sharpen: opts.sharpen === true,
    plot: opts.plot === true,
    chimerax: opts.chimerax !== false,
    'noise-draws': draws,
    'noise-draw-seed': draws > 0 ? (opts.noiseDrawSeed ?? 1) : null,
  }, opts.recordCwd);
  const label = (what: string) => jobLabels(what, record);
  const mol = result.molecule;
  const medians = decompositionMedians(result, labels?.volume.data);
  let molCount = 0;
  for (let i = 0; i < mol.length; i++) molCount += mol[i];
  // nothing to report is said in one line, before any file is written (maps of zeros and NaN
  // medians had been written with exit 0)
  if (!Number.isFinite(medians.occupancy)) {
    const best = Math.max(0, ...result.bands.map((b) => b.usableFraction));
    throw new RangeError(`no voxel of the molecule (${molCount} voxels) has a usable band (the best band is usable in ${(100 * best).toFixed(0)} %: every band lies below the noise): nothing to decompose; check the voxel size (--angpix) and the band range (--lowest-resolution, --highest-resolution)`);
  }
  if (labels && opts.labelsPath && !medians.labels?.some((l) => l.voxels > 0 && Number.isFinite(l.occupancy))) {
    throw new RangeError(`--labels ${opts.labelsPath} has no label > 0 inside the molecule${opts.maskPath ? ' (--mask)' : ''}`);
  }
  // the B colour range (ChimeraX script, GUI): 5–95 % over the molecule's fitted voxels
  const bSel = (i: number) => mol[i] === 1 && result.bandsUsed.data[i] > 1;
  const bq = (q: number) => {
    const { value, count } = quantileWhere(result.bfactor.data, bSel, q, new Float32Array(mol.length));
    return count > 0 ? value : 0;
  };
  const summary: DecomposeSummary = {
    version: OCCUPY_VERSION,
    record,
    inputs: { map: opts.mapPath, halfMaps: opts.halfMapPaths, mask: opts.maskPath, labels: opts.labelsPath },
    voxelSizeA: [...input.volume.voxelSizeA],
    box: [...box],
    processingBox: [...result.processingShape],
    noiseModel: result.noiseModel,
    noiseLimitA: result.noiseLimit.resolutionA,
    noiseLimitSource: result.noiseLimit.source,
    ...(result.contentLimit ? { contentLimit: { limitA: result.contentLimit.limitA, cause: result.contentLimit.cause, fromBox: [...result.contentLimit.fromBox] } } : {}),
    bands: result.bands.map((b) => ({ resolutionA: b.resolutionA, windowSigmaA: b.windowSigmaA, referenceAmplitude: b.referenceAmplitude, noiseAmplitude: b.noiseAmplitude, usableFraction: b.usableFraction })),
    globalBA2: result.globalBA,
    moleculeVoxels: molCount,
    occupancyMedian: medians.occupancy,
    bfactorMedianA2: medians.bfactorA2,
    bfactorRangeA2: [bq(0.05), bq(0.95)],
    labels: labels ? labelMedians(medians) : undefined,
    noiseRedraw: spread ? { draws: spread.draws, seed: spread.seed, epsilon: spread.epsilon, occupancySd: spread.occupancySd, bfactorSdA2: spread.bfactorSdA2, perDrawDifference: spread.perDrawDifference, perDrawMean: spread.perDrawMean } : undefined,
    warnings: [...diag.warnings, ...gridWarnings, ...result.warnings, ...(labels && opts.labelsPath ? labelTableOmissions(labels.volume.data, medians.labels.map((l) => l.label), opts.labelsPath, 'in the molecule') : [])],
    diagnostics: diag.diagnostics,
    notes: result.notes,
    files,
    timingsS: result.timingsS,
    seconds: 0,
  };
  if (spread && summary.labels) {
    for (const row of summary.labels) {
      const sd = spread.labels.find((l) => l.label === row.label);
      row.occupancySd = sd?.occupancySd;
      row.bfactorSdA2 = sd?.bfactorSdA2;
    }
  }
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    const write = async (name: string, vol: Volume, what: string) => {
      const p = join(outDir, name);
      files.push(p);
      await writeMrc(p, vol, { template: input.header, labels: label(what), protect, outputs });
    };
    await write(names.occupancy, result.occupancy, `relative occupancy (decompose) of ${stem}`);
    await write(names.bfactor, result.bfactor, `local B-factor (A^2, decompose) of ${stem}`);
    await write(names.bands, result.bandsUsed, `usable bands per voxel (decompose) of ${stem}`);
    if (sharpenSource) {
      // sharpen by the line's B (what the bands actually fall by), not the convex fit's initial slope
      const bLine = trilinearResize(result.bLineRelative, result.processingShape, box);
      for (let i = 0; i < bLine.length; i++) if (!(result.bandsUsed.data[i] > 1)) bLine[i] = 0;
      await write(names.sharpened, localBSharpen(sharpenSource, result.bands, bLine, result.bandsUsed.data), `locally B-sharpened ${stem} (to the reference B, noise-limited bands)`);
    }
    if (opts.plot) {
      const { renderVegaLite, writePlot } = await import('../plots/render.js');
      const { guinierFitsSpec, histogramSpec } = await import('../decomposition/plots.js');
      if (result.examples.length > 0) files.push(...(await writePlot(join(outDir, names.guinier), await renderVegaLite(guinierFitsSpec(result.examples, result.bands, `Local Guinier fits: ${stem}`, result.globalBA)), outputs)));
      else summary.warnings.push('--plot: no region has enough usable bands for a local Guinier fit, so the Guinier-fit plot is not written (the histograms are)');
      const fitted = new Uint8Array(mol.length);
      for (let i = 0; i < fitted.length; i++) fitted[i] = mol[i] && result.bandsUsed.data[i] > 1 ? 1 : 0;
      files.push(...(await writePlot(join(outDir, names.occupancyHist), await renderVegaLite(histogramSpec(result.occupancy.data, fitted, 40, 'relative occupancy', `Relative occupancy over the molecule: ${stem}`)), outputs)));
      files.push(...(await writePlot(join(outDir, names.bfactorHist), await renderVegaLite(histogramSpec(result.bfactor.data, fitted, 40, 'local B-factor (Å²)', `Local B-factor over the molecule: ${stem}`)), outputs)));
    }
    const logPath = join(outDir, names.log);
    const cxcPath = join(outDir, names.chimerax);
    if (opts.chimerax !== false) {
      files.push(cxcPath);
      const rel = (p: string) => {
        const r = relative(dirname(cxcPath), resolve(p));
        return r && !r.startsWith('..') ? r : resolve(p);
      };
      const dens = input.volume.data;
      const level = median(dens, (i) => mol[i] === 1).value;
      await writeFileAtomic(cxcPath, decomposeChimeraxScript({
        mapPath: rel(opts.mapPath),
        occupancyPath: names.occupancy,
        bfactorPath: names.bfactor,
        sharpenedPath: opts.sharpen ? names.sharpened : undefined,
        surfaceLevel: level,
        bRangeA2: summary.bfactorRangeA2,
        warnings: result.warnings,
      }), outputs);
    }
    files.push(logPath);
    // an earlier run's outputs for this stem that this one does not write (the sharpened map, the
    // plots): removed with this set; named for the caller when the outputs are moved later (finalDir)
    const removed = await retireStaleOutputs(outputs, opts.finalDir ?? outDir, [decomposeFamily(stem)], files, protect, opts.finalDir === undefined);
    if (removed.length > 0) summary.removed = removed;
    summary.seconds = (performance.now() - t0) / 1000;
    await writeFileAtomic(logPath, formatDecomposeLog({ ...summary, files: listedOutputs(summary.files, opts) }), outputs);
  });
  progress('done', 1);
  return { summary, files: summary.files, result };
}

/** ` ± sd` with `digits` decimals, or nothing when `sd` is undefined. */
function pm(sd: number | undefined, digits: number): string {
  return sd === undefined ? '' : ` ± ${sd.toFixed(digits)}`;
}

/** A number to `digits` decimals, or '–' when it is not finite (a label without a usable voxel). */
function fixedOrDash(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–';
}

/**
 * The log of a run: title, the run's record (with `withRecord`), then the summary.
 * @param withRecord whether to include the `--- Record ---` block (the log has it; the terminal summary leaves it out)
 */
export function formatDecomposeLog(s: DecomposeSummary, withRecord = true): string {
  const lines = [
    `occupy-ts ${s.version} — occupancy / local B-factor decomposition`,
    ...(withRecord ? ['', '--- Record ---', ...recordLines(s.record), ''] : []),
    `Map                : ${s.inputs.map}`,
    ...(s.inputs.halfMaps ? [`Half maps          : ${s.inputs.halfMaps.join(', ')}`] : []),
    ...(s.inputs.mask ? [`Mask               : ${s.inputs.mask}`] : ['Mask               : none (molecule from the 2 Å-smoothed map)']),
    `Voxel size         : ${s.voxelSizeA.map((v) => v.toFixed(3)).join(', ')} Å; box ${s.box.join('x')}${s.processingBox.some((v, i) => v !== s.box[i]) ? `, energies on a grid of ${s.processingBox.join('x')}` : ''}`,
    `Noise model        : ${s.noiseModel}`,
    `Noise limit        : ${s.noiseLimitA.toFixed(2)} Å (${s.noiseLimitSource})`,
    ...(s.contentLimit ? [`Content limit      : ${s.contentLimit.limitA.toFixed(2)} Å (interpolated onto a finer grid from a box of about ${s.contentLimit.fromBox.join('x')}: only images of coarser shells beyond; no band finer than ${(1.1 * s.contentLimit.limitA).toFixed(2)} Å)`] : []),
    `Reference B        : ${s.globalBA2.toFixed(1)} Å² (Guinier slope of the reference spectrum; B map = relative B + this)`,
    'Bands (centre Å, window sigma Å, reference amplitude, noise amplitude, usable fraction of the molecule):',
    ...s.bands.map((b) => `  ${b.resolutionA.toFixed(2).padStart(6)}  ${b.windowSigmaA.toFixed(1).padStart(5)}  ${b.referenceAmplitude.toExponential(3)}  ${b.noiseAmplitude.toExponential(3)}  ${(100 * b.usableFraction).toFixed(0).padStart(3)} %${b.usableFraction < 0.5 ? '  (mostly below noise)' : ''}`),
    `Molecule           : ${s.moleculeVoxels} voxels; median occupancy ${s.occupancyMedian.toFixed(3)}${pm(s.noiseRedraw?.occupancySd, 3)}, median B ${s.bfactorMedianA2.toFixed(1)}${pm(s.noiseRedraw?.bfactorSdA2, 1)} Å²`,
    ...(s.labels ? [`Per label (median occupancy${s.noiseRedraw ? ' ± SD' : ''}, relative, median B Å²${s.noiseRedraw ? ' ± SD' : ''}, voxels; – where a label has no usable voxel in the molecule):`, ...s.labels.map((l) => `  ${String(l.label).padStart(3)}  ${fixedOrDash(l.occupancy, 3)}${pm(l.occupancySd, 3)}  ${fixedOrDash(l.relativeOccupancy, 3)}  ${fixedOrDash(l.bfactorA2, 1)}${pm(l.bfactorSdA2, 1)}  ${l.voxels}`)] : []),
    ...(s.noiseRedraw ? [`± SD over ${s.noiseRedraw.draws} noise redraws (seed ${s.noiseRedraw.seed}; ${s.noiseRedraw.draws} with the noise estimate redrawn, ${s.noiseRedraw.draws} with ${s.noiseRedraw.epsilon} × a noise draw added to the mean, SD = sqrt(SD_diff² + SD_mean²/ε²)): a difference between labels smaller than ~2 SD is not significant. Maps are from the original run only.`] : []),
    ...s.notes.map((n) => `Note: ${n}`),
    ...s.warnings.map((w) => `WARNING: ${w}`),
    'Occupancy is relative to the reference region (1 = best-ordered, fully occupied); B is a local Guinier slope, relative to that region plus the reference B.',
    // measured on synthetic hinge ensembles (docs/decomposition.md "Hinges like the references'")
    'Where density is smeared by flexibility, B reads below the mean disorder (a quarter to three quarters of it on synthetic 10–16° hinge ensembles at 3–5 Å): take a high B as a sign of flexibility, not as its size.',
    '',
    'Files written:',
    ...s.files.map((f) => `  ${f}`),
    ...removedOutputLines(s.removed ?? []),
    `Done in ${s.seconds.toFixed(2)} s (${Object.entries(s.timingsS).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}).`,
  ];
  return lines.join('\n') + '\n';
}
