/**
 * The local-resolution job (`occupy locres`): read the half maps (or the one map), mask and
 * labels, run local FSC (blocres family, or RELION 3.1's --locres) or the monogenic (MonoRes-style)
 * estimate, and write the resolution map, its pinned/interval maps, the histogram plot, the
 * optionally locally low-passed map and the log as one output set.
 * @see shared/spec/local-resolution.md
 */
import { dirname, join, resolve } from 'node:path';
import type { Volume } from '../core/volume.js';
import { labelTableOmissions } from '../core/label-map.js';
import { halfMapMean } from '../math/half-map-combination.js';
import { writeMrc, type MrcMap } from '../io/mrc/index.js';
import { checkSameGrid, readHalfMapArg, readLabelsArg, readMaskArg, refuseLabelsWithoutLabel } from './read-map.js';
import { checkLocresMemory } from './memory-check.js';
import { mapStem } from '../occupancy/output-names.js';
import { OCCUPY_VERSION } from './estimate-job.js';
import { coarseVoxelWarning, CONTENT_LIMITED_RATIO, unresolvedVariation, UNRESOLVED_VARIATION_RATIO, type LocalFscResult } from '../resolution/local-fsc.js';
import { localFscBesideFiner, BESIDE_FINER_RATIO } from '../resolution/beside-finer.js';
import { computeInThread } from './compute-thread.js';
import { labelSummary, type LabelInterval, type LabelRow } from '../resolution/label-summary.js';
import { localLowpass } from '../resolution/local-filter.js';
import { findingJson, findingLine, matchHalfMapScale } from '../diagnostics/index.js';
import { refuseIdenticalHalves } from './input-diagnostics.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { removedOutputLines, withOutputSet } from '../core/output-set.js';
import { checkNotFinerThanNyquist, nyquistA } from './nyquist-check.js';
import { OptionError } from '../core/option-error.js';
import { checkLocresSampling } from '../resolution/locres-options.js';
import { locresRecord } from './locres-record.js';
import { recordLabels } from '../core/run-record.js';
import { nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { recordLines } from '../occupancy/summary.js';
import { jobInputs } from './job-inputs.js';
import { listedOutputs, type ListedOutputs } from './listed-outputs.js';
import { locresFamily, refuseOtherKinds, retireStaleOutputs } from './stale-outputs.js';

/** Options of {@link locresJob} (the options of `occupy locres`, already parsed). */
export interface LocresJobOptions extends ListedOutputs {
  /** `localfsc` (two half maps) or `monores` (one map with a mask, or two half maps). */
  method: 'localfsc' | 'monores';
  /** `--mask` path: where to report (> 0.5). */
  mask?: string;
  /** `--window` edge in voxels (local FSC). */
  window?: number;
  /** `--step` in voxels (local FSC). */
  step?: number;
  /** `--threshold`: FSC threshold in (0, 1). */
  threshold?: number;
  /** `--randomize-at` in Å. */
  randomizeAt?: number;
  /** `--relion`: RELION 3.1's --locres. */
  relion?: boolean;
  /** `--locres-sampling` in Å (with `relion`). */
  locresSampling?: number;
  /** `--no-whiten` gives false. */
  whiten?: boolean;
  /** `--labels` path. */
  labels?: string;
  /** `--lowest-resolution` in Å: coarsest reported value, also written outside the mask. */
  lowestResolution: number;
  /** `--filter`: also write the locally low-passed map. */
  filter?: boolean;
  /** `--angpix` in Å: replaces every input's voxel size. */
  angpix?: number;
  /** `-o` output map path (default `locres_<stem>.mrc` in the current folder). */
  output?: string;
  /** The arguments as typed after `occupy` (recorded in the log, labels and the summary). */
  commandLine?: string[];
  /** Progress: phase (`local FSC`, `monogenic`, `write`) and fraction in [0, 1]. */
  onProgress?: (phase: string, fraction: number) => void;
  /** Each input-diagnostics warning, once, as it is found. */
  onWarning?: (line: string) => void;
  /** Notes (e.g. the `--angpix` override). */
  onInfo?: (line: string) => void;
  /** Memory available in bytes, for the check before reading (default: from the system, `availableMemoryBytes`; tests set it). */
  availableMemoryBytes?: number;
}

/** What {@link locresJob} returns. */
export interface LocresJobResult {
  /** The summary (`occupy locres --json`): method, record, inputs, statistics, labels, warnings, diagnostics, files, seconds. */
  summary: Record<string, unknown>;
  /** Every file written (resolution map first, then the extra maps, plots, filtered map, log). */
  files: string[];
  /**
   * An earlier run's outputs for the same map in the folder the outputs end up in, which this run
   * does not write (another method's `_low`, `_high`, `_pinned` maps; `staleOutputs`), as
   * paths there; the log names them. Written in place (no `finalDir`), the run removed them with
   * its outputs; written elsewhere first, whoever moves the outputs into `finalDir` removes them.
   */
  removed: string[];
  /** The log's lines (the terminal shows them from `Inputs` on). */
  lines: string[];
  /**
   * What `occupy locres` prints on stdout after the run (the log from `Inputs` on, without the
   * warnings, which go to stderr as they are found): the GUI shows the same lines.
   */
  report: string[];
  /** One line of the method's settings (as in the log and the map's labels). */
  settings: string;
  /** With `labels`: per label, voxels, median and 10–90 % range (Å), pinned voxels (as `summary.labels`). */
  labelRows?: LabelRow[];
  /**
   * The window's reach in Å (local FSC: half the window edge; `--relion`: the sphere's radius and
   * its soft edge), the distance of the per-label column `> N Å from other labels`; undefined for
   * the other methods.
   */
  windowReachA?: number;
}

/**
 * Run the local-resolution job on files.
 * @param half1Path first half map (or the single map with `monores`)
 * @param half2Path second half map
 * @param o the parsed options (combinations already checked by the caller)
 * @param t0 start time (`performance.now()`) for the reported duration (default: now)
 * @throws Error naming a missing or unreadable file, or one saying the box needs
 *   more memory than is available; OptionError for a resolution finer than Nyquist (for the
 *   local FSC, not coarser) or, with `relion`, a `--locres-sampling` (or its default, 25 Å)
 *   under 4 voxels or over a third of the box edge;
 *   RangeError naming the file for a second half map, mask or labels map whose box or voxel size differs (`checkSameGrid`), labels without a label > 0
 */
export async function locresJob(half1Path: string, half2Path: string | undefined, o: LocresJobOptions, t0 = performance.now()): Promise<LocresJobResult> {
  // every method holds several whole-box arrays: refuse before reading what cannot fit
  await checkLocresMemory(half1Path, o.availableMemoryBytes, o.angpix, o.method === 'monores' ? 'monores' : o.relion ? 'relion' : 'localfsc', half2Path === undefined);
  // phases before the method's own (a 448³ run had printed its first line at 28 s; sweep, session 50)
  o.onProgress?.('read', 0);
  const h1 = await readHalfMapArg(half1Path, o.angpix, o.onInfo);
  const notCubic = nonCubicVoxelsError(h1.volume.voxelSizeA);
  if (notCubic) throw new RangeError(`half map '${half1Path}': ${notCubic}`);
  // resolutions finer than the maps' Nyquist limit are impossible (nothing to randomise, nothing to report)
  checkNotFinerThanNyquist('--randomize-at', o.randomizeAt, h1.volume.voxelSizeA);
  checkNotFinerThanNyquist('--lowest-resolution', o.lowestResolution, h1.volume.voxelSizeA);
  // the local FSC needs them strictly coarser than Nyquist (Nyquist itself had passed the check
  // above and was refused by the method with a plain RangeError)
  if (o.method === 'localfsc' && !o.relion) {
    const ny = nyquistA(h1.volume.voxelSizeA);
    for (const [flag, key, v] of [['--randomize-at', 'randomizeAt', o.randomizeAt], ['--lowest-resolution', 'lowestResolution', o.lowestResolution]] as const) {
      if (v !== undefined && !(v > ny)) throw new OptionError(`${flag} must be coarser than the Nyquist limit of the maps (${Number(ny.toFixed(3))} Å) for the local FSC, got ${v}`, key, `a resolution coarser than ${Number(ny.toFixed(3))} Å`, { flag, value: v });
    }
  }
  // RELION's window must fit in the box (a larger --locres-sampling grew the Fourier box with it)
  if (o.method === 'localfsc' && o.relion) checkLocresSampling(o.locresSampling, h1.volume.shape, h1.volume.voxelSizeA);
  const h2 = half2Path ? await readHalfMapArg(half2Path, o.angpix, o.onInfo) : undefined;
  const maskMap = o.mask ? await readMaskArg(o.mask, o.angpix) : undefined;
  const labelsMap = o.labels ? await readLabelsArg(o.labels, o.angpix) : undefined;
  const first = { map: h1, path: half1Path, what: half2Path ? 'half map 1' : 'the map' };
  const gridWarnings = [
    checkSameGrid(h2 && { map: h2, path: half2Path as string, what: 'half map 2' }, first),
    checkSameGrid(maskMap && { map: maskMap, path: o.mask as string, what: '--mask map' }, first),
    checkSameGrid(labelsMap && { map: labelsMap, path: o.labels as string, what: '--labels map' }, first),
  ].filter((w): w is string => w !== undefined);
  if (labelsMap) refuseLabelsWithoutLabel(labelsMap.volume.data, o.labels as string, maskMap?.volume.data);
  // input diagnostics (masked, sharpened, identical or dependent halves …), each printed once
  o.onProgress?.('diagnostics', 0.02);
  // one map: its `offset` finding (which speaks of the local scale) is left out, as decompose
  // leaves it out: MonoRes reads a map + a constant as the map (synth_occ128 + 0.034: the same
  // median, p5, p95; 97 of 2,097,152 voxels one step apart); the halves' is left out already
  // in a worker thread, so that a signal is acted on at once (session 58: on this thread, SIGINT
  // during the diagnostics of 256³ half maps waited 12 s on a loaded machine)
  const diagnosed = h2 ? await computeInThread('diagnoseHalfMapPair', [h1.volume, h2.volume, {}]) : await computeInThread('commandInputFindings', [h1.volume, { levelHandled: true }]);
  const { findings } = diagnosed;
  if (h2) refuseIdenticalHalves(findings, [half1Path, half2Path as string]);
  // halves at another scale or level (another program's, one rescaled or offset: warned by the
  // finding) read their difference in scale as noise: one half × 2 moved MonoRes's label medians by
  // 0.5–2 Å, one half + 5 local FSC's by 0.3–0.4 Å; half 2 is brought to half 1's mean and SD
  const rescaled = h2 !== undefined && findings.some((f) => f.code === 'halves-differ-in-scale');
  if (h2 && rescaled) matchHalfMapScale(h1.volume.data, h2.volume.data);
  // the diagnostics' interpolation test of the halves, handed to the method (not run again), unless
  // half 2 was rescaled since (then the method tests the halves it reads)
  const interpolationTest = rescaled ? undefined : diagnosed.interpolationTest;
  const warnings = [...findings.map((f) => findingLine(f)), ...gridWarnings];
  for (const w of warnings) o.onWarning?.(w);

  let resolution: Volume;
  let stats: Record<string, number | string | boolean>;
  /** Extra maps staged with the others: pinned mask, interval ends. */
  const extraMaps: { suffix: string; volume: Volume; label: string }[] = [];
  /** Per voxel, 1 where the value is (monores) or draws half or more from windows at (local FSC) the finest reported one, a bound. */
  let pinned: Uint8Array | undefined;
  /** MonoRes' tested resolutions (Å), for the histogram's bins. */
  let monoresTestedA: number[] | undefined;
  let settings: string;
  /** How far a window reaches from its centre, Å (local FSC and RELION mode; none for MonoRes). */
  let windowReachA: number | undefined;
  // local FSC: the per-voxel 90 % interval, summarised per label
  let interval: LabelInterval | undefined;
  // local FSC with a mask: 1 where a voxel reads ≥ BESIDE_FINER_RATIO × a value within the window's reach
  let besideFinerFlags: Uint8Array | undefined;
  const progress = (f: number) => o.onProgress?.(o.method === 'localfsc' ? 'local FSC' : 'monogenic', f);
  // the method's phase begins now, not at its first report (monores' first came 5 s in, and the
  // set-up until then had been counted as diagnostics, the held phase: no line for 11 s; session 54)
  progress(0);
  {
    if (o.method === 'localfsc' && o.relion) {
      const r = await computeInThread('relionLocalResolution', [h1.volume, (h2 as MrcMap).volume, {
        samplingA: o.locresSampling,
        randomizeAtA: o.randomizeAt,
        minResolutionA: o.lowestResolution,
        mask: maskMap?.volume.data,
      }], { onProgress: progress });
      resolution = r.resolution;
      const a = h1.volume.voxelSizeA[0];
      windowReachA = (r.maskRadiusVoxels + r.edgeWidthVoxels) * a;
      // the sampling to 6 significant digits: the header's float32 voxel size made 10 voxels at
      // 1.37 Å print as 13.700000445048016 A
      settings = `RELION 3.1 --locres: sampling ${Number((r.samplingVoxels * a).toPrecision(6))} A (${r.samplingVoxels} vox), window radius ${r.maskRadiusVoxels} vox + soft edge ${r.edgeWidthVoxels} vox, phases randomised from shell ${r.randomizeShell} (${((h1.volume.shape[0] * a) / r.randomizeShell).toFixed(2)} A), FSC 0.143, Fourier box ${r.fftBox}${r.solventMeans ? `; solvent mean outside the mask subtracted first (half 1 ${r.solventMeans[0].toPrecision(3)}, half 2 ${r.solventMeans[1].toPrecision(3)}: more than half a solvent SD from 0, which RELION leaves in)` : ''}`;
      stats = {
        relion: true,
        ...(r.solventMeans ? { solventMeanSubtractedHalf1: r.solventMeans[0], solventMeanSubtractedHalf2: r.solventMeans[1] } : {}),
        samplingVoxels: r.samplingVoxels,
        maskRadiusVoxels: r.maskRadiusVoxels,
        edgeWidthVoxels: r.edgeWidthVoxels,
        randomizeShell: r.randomizeShell,
        fftBox: r.fftBox,
        threshold: 0.143,
        points: r.points,
        pinnedWindows: r.pinnedWindows,
        medianA: r.medianA,
        p5A: r.p5A,
        p95A: r.p95A,
      };
    } else if (o.method === 'localfsc') {
      const r = await computeInThread('localFsc', [h1.volume, (h2 as MrcMap).volume, {
        mask: maskMap?.volume.data,
        windowVoxels: o.window,
        stepVoxels: o.step,
        threshold: o.threshold,
        whiten: o.whiten,
        lowestResolutionA: o.lowestResolution,
        randomizeAtA: o.randomizeAt,
        interpolationTest,
      }], { onProgress: progress });
      resolution = r.resolution;
      pinned = r.pinned;
      windowReachA = (r.windowVoxels * h1.volume.voxelSizeA[0]) / 2;
      interval = { lowA: r.low.data, highA: r.high.data };
      // with a mask (the molecule): regions reading much coarser than a value within half a window,
      // whose windows take in the finer neighbour (without one, the solvent's values would be compared)
      const beside = maskMap ? localFscBesideFiner(r, maskMap.volume.data) : undefined;
      besideFinerFlags = beside?.flagged;
      settings = localFscSettingsText(r);
      extraMaps.push(
        { suffix: 'pinned', volume: { data: new Float32Array(r.pinned), shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA }, label: `1 = half+ of the value from windows pinned at ${r.finestA.toFixed(2)} A, a bound` },
        { suffix: 'low', volume: r.low, label: `finer end of the 90 % interval (A), ${settings}` },
        { suffix: 'high', volume: r.high, label: `coarser end of the 90 % interval (A), ${settings}` },
      );
      const coarse = coarseVoxelWarning(h1.volume.voxelSizeA[0], r.windowVoxels);
      if (coarse) {
        warnings.push(coarse);
        o.onWarning?.(coarse);
      }
      if (r.contentLimitedPercent !== undefined && r.emptyBeyondA !== undefined) {
        const w = `the half maps hold nothing beyond ${r.emptyBeyondA.toFixed(2)} Å but are still correlated there (low-passed: local resolution needs the unfiltered halves, e.g. RELION's run_half1_class001_unfil.mrc): ${r.contentLimitedPercent.toFixed(0)} % of the windows read finer than ${(CONTENT_LIMITED_RATIO * r.emptyBeyondA).toFixed(2)} Å, which the halves cannot show; every value finer than ${r.emptyBeyondA.toFixed(2)} Å reads ${r.emptyBeyondA.toFixed(2)} Å and is marked pinned (a bound: the truth that or finer)`;
        warnings.push(w);
        o.onWarning?.(w);
      }
      // interpolated halves: the input diagnostics' `interpolated-halves` finding has said so (once);
      // the log's *Half maps' content* line says what was done
      if (r.thresholdAtFloor) {
        const w = `the SNR-aware FSC threshold is at its floor (${r.threshold}; low-frequency SNR C₀ ${r.lowFrequencySnr.toFixed(1)} in a ${(r.windowVoxels * h1.volume.voxelSizeA[0]).toFixed(1)} Å window): these coarse, noisy half maps lie beyond its calibration and the values are less certain (on synthetic maps in this state a map's median error ranged from −0.4 to +0.3 Å, against −0.2 to +0.3 Å elsewhere; README "Threshold at its floor")`;
        warnings.push(w);
        o.onWarning?.(w);
      }
      if (!maskMap) {
        const w = `no --mask: the summary's figures are over the ellipsoid inscribed in the box (${r.maskVoxels} voxels), solvent included (solvent reads up to ${r.lowestResolutionA} Å), with ${r.thresholdRule === 'given' ? 'the threshold given' : `the fixed threshold ${r.threshold}`} instead of the SNR-aware one calibrated with a mask; give --mask (the molecule, e.g. a RELION mask or occupy soldef) for the molecule's figures`;
        warnings.push(w);
        o.onWarning?.(w);
      }
      const variation = unresolvedVariation(r);
      if (variation.unresolved) {
        const w = `a typical voxel's 90 % interval is ${r.medianIntervalWidthA.toFixed(1)} Å wide, ${Number.isFinite(variation.ratio) ? `${variation.ratio.toFixed(1)} ×` : 'more than any multiple of'} the spread of the values over the mask (5–95 %: ${r.p5A.toFixed(2)}–${r.p95A.toFixed(2)} Å; warned above ${UNRESOLVED_VARIATION_RATIO} ×): the map varies about as much as one voxel's value is uncertain, so differences between regions are not resolved; report one resolution (the global FSC's ${r.globalResolutionA.toFixed(2)} Å) rather than the pattern (on synthetic coarse, noisy half maps in this state r with the truth was −0.64 to 0.72, once 0.82; docs/local-resolution.md *Variation within the uncertainty*)`;
        warnings.push(w);
        o.onWarning?.(w);
      }
      stats = {
        globalResolutionA: r.globalResolutionA,
        windowVoxels: r.windowVoxels,
        windowA: r.windowVoxels * h1.volume.voxelSizeA[0],
        stepVoxels: r.stepVoxels,
        threshold: r.threshold,
        thresholdRule: r.thresholdRule,
        lowFrequencySnr: r.lowFrequencySnr,
        thresholdAtFloor: r.thresholdAtFloor,
        whitened: r.whitened,
        ...(r.emptyBeyondA !== undefined ? { emptyBeyondA: r.emptyBeyondA } : {}),
        ...(r.contentLimitedPercent !== undefined ? { contentLimitedPercent: r.contentLimitedPercent } : {}),
        ...(r.interpolated ? { interpolatedBeyondA: r.interpolated.limitA, interpolatedFromBox: r.interpolated.fromBox.join('x') } : {}),
        gridMedian: r.gridMedian,
        broadeningShare: r.broadeningShare,
        points: r.points,
        ...(r.moleculeCentredPoints !== undefined ? { moleculeCentredPoints: r.moleculeCentredPoints } : {}),
        medianA: r.medianA,
        p5A: r.p5A,
        p95A: r.p95A,
        medianIntervalWidthA: r.medianIntervalWidthA,
        intervalZ: r.intervalZ,
        intervalCalibration: r.intervalCalibration,
        intervalToSpread: variation.ratio,
        finestA: r.finestA,
        pinnedVoxels: r.pinnedVoxels,
        pinnedPercent: (100 * r.pinnedVoxels) / r.maskVoxels,
        pinnedAtFinestVoxels: countAtMost(r.resolution.data, r.pinned, r.finestA),
        ...(beside ? { besideFinerPercent: 100 * beside.fraction, besideFinerReachA: beside.reachA } : {}),
      };
    } else {
      const maskData = maskMap ? maskMap.volume.data : new Float32Array(h1.volume.data.length).fill(1);
      const input = h2 ? { half1: h1.volume, half2: h2.volume } : { map: h1.volume };
      const r = await computeInThread('monogenicLocalResolution', [input, maskData, { interpolationTest }], { onProgress: progress });
      monoresTestedA = r.tested;
      resolution = { data: r.resolution, shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA };
      const finest = Math.min(...r.tested);
      const inMask = (i: number) => !maskMap || maskMap.volume.data[i] > 0.5;
      pinned = new Uint8Array(r.resolution.length);
      for (let i = 0; i < pinned.length; i++) pinned[i] = inMask(i) && r.resolution[i] <= finest * (1 + 1e-6) ? 1 : 0;
      let nPinned = 0;
      let nMask = 0;
      for (let i = 0; i < pinned.length; i++) {
        nPinned += pinned[i];
        if (inMask(i)) nMask++;
      }
      if (!maskMap) {
        // as the local FSC says of its ellipsoid (the median had been printed with no region: user59)
        const w = `no --mask: the summary's figures are over the whole box (${nMask} voxels), solvent included (solvent reads up to ${Math.max(...r.tested).toFixed(2)} Å, the coarsest tested); give --mask (the molecule, e.g. a RELION mask or occupy soldef) for the molecule's figures`;
        warnings.push(w);
        o.onWarning?.(w);
      }
      settings = `monogenic (MonoRes-style), ${h2 ? 'noise from the half-map difference' : 'noise outside the mask'}, alpha 0.05`;
      extraMaps.push({ suffix: 'pinned', volume: { data: new Float32Array(pinned), shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA }, label: `1 = resolved at the finest tested frequency: the value (${finest.toFixed(2)} A) is a bound` });
      stats = { medianA: r.medianA, p5A: r.p5A, p95A: r.p95A, testedFinestA: finest, testedCoarsestA: Math.max(...r.tested), finestA: finest, pinnedVoxels: nPinned, pinnedPercent: (100 * nPinned) / Math.max(1, nMask) };
    }
  }
  o.onProgress?.('write', 0.95);
  const stem = mapStem(half1Path);
  const out = resolve(o.output ?? `locres_${stem}.mrc`);
  const outDir = dirname(out);
  const outStem = mapStem(out);
  const labelRows: LabelRow[] | undefined = labelsMap ? labelSummary(resolution.data, labelsMap.volume.data, maskMap?.volume.data, { pinned, blend: windowReachA === undefined ? undefined : { shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA, radiusA: windowReachA }, interval, besideFiner: besideFinerFlags }) : undefined;
  // a label's median is a blend when at least half its voxels have another label within the window's reach
  const blended = labelRows?.filter((l) => l.coreVoxels !== undefined && l.coreVoxels < 0.5 * l.voxels) ?? [];
  if (blended.length > 0 && windowReachA !== undefined) {
    const w = `label${blended.length > 1 ? 's' : ''} ${blended.map((l) => l.label).join(', ')}: fewer than half of the voxels lie farther than the window's reach (${windowReachA.toFixed(1)} Å) from another label, so the median${blended.length > 1 ? 's mix' : ' mixes'} in the neighbours' resolution (a coarse label next to finer ones reads finer); the table's column '> ${windowReachA.toFixed(1)} Å from other labels' gives the share that does not`;
    warnings.push(w);
    o.onWarning?.(w);
  }
  if (labelsMap && labelRows?.length === 0) throw new RangeError(`--labels ${o.labels} has no label > 0${maskMap ? ' inside the mask' : ''}`);
  // negative labels and labels with no voxel inside the mask are said, not dropped silently
  if (labelsMap && labelRows) {
    for (const w of labelTableOmissions(labelsMap.volume.data, labelRows.map((l) => l.label), o.labels as string, maskMap ? 'inside the mask' : 'in the box')) {
      warnings.push(w);
      o.onWarning?.(w);
    }
  }
  const protect = jobInputs(half1Path, half2Path, o.mask, o.labels);
  const usedNumber = (key: string): number | null => (o.method === 'localfsc' && !o.relion && typeof stats[key] === 'number' ? (stats[key] as number) : null);
  // the run's record: command line, version, input hashes, settings; monores: noise model, tested range, caveat
  const record = await locresRecord({
    commandLine: o.commandLine,
    cwd: o.recordCwd,
    inputs: protect,
    method: o.method,
    twoMaps: half2Path !== undefined,
    testedA: monoresTestedA,
    backgroundA: monoresTestedA ? Math.max(...monoresTestedA) : o.lowestResolution,
    // the local FSC's window, step and threshold as used (the defaults derived from the data filled in)
    settings: { description: settings, mask: o.mask ?? null, window: o.window ?? usedNumber('windowVoxels'), step: o.step ?? usedNumber('stepVoxels'), threshold: o.threshold ?? usedNumber('threshold'), 'lowest-resolution': o.lowestResolution, relion: o.relion === true, whiten: o.whiten !== false, filter: o.filter === true, labels: o.labels ?? null, angpix: o.angpix ?? null },
  });
  // every output is staged and appears only when all of them are complete
  const files = [out];
  let lines: string[] = [];
  let seconds = 0;
  let removed: string[] = [];
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    await writeMrc(out, resolution, {
      template: h1.header,
      labels: [`occupy-ts ${OCCUPY_VERSION}: local resolution (A), ${settings}`, `outside the mask: ${monoresTestedA ? `${Number(Math.max(...monoresTestedA).toFixed(2))} A, the coarsest tested` : `${o.lowestResolution} A`} (background)`, ...recordLabels(record, 8)],
      protect,
      outputs,
    });
    for (const m of extraMaps) {
      const path = join(outDir, `${outStem}_${m.suffix}.mrc`);
      await writeMrc(path, m.volume, { template: h1.header, labels: [`occupy-ts ${OCCUPY_VERSION}: ${m.label}`.slice(0, 80)], protect, outputs });
      files.push(path);
    }
    let select: Uint8Array | undefined;
    if (maskMap) {
      // a plain loop: TypedArray.from with a callback costs seconds on a 256³ map
      const md = maskMap.volume.data;
      select = new Uint8Array(md.length);
      for (let i = 0; i < md.length; i++) select[i] = md[i] > 0.5 ? 1 : 0;
    }
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { alignedBinEdges, resolutionHistogram, resolutionHistogramSpec } = await import('../plots/resolution-histogram.js');
    // bins aligned to what the method tested: the window's Fourier shells (local FSC, RELION) or MonoRes' resolutions
    const shellsOf = (box: number) => Array.from({ length: Math.floor(box / 2) }, (_, k) => (box * h1.volume.voxelSizeA[0]) / (k + 1));
    const tested = monoresTestedA ? { resolutionsA: monoresTestedA, discrete: true } : { resolutionsA: shellsOf(Number(stats.relion ? stats.fftBox : stats.windowVoxels)), discrete: false };
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < resolution.data.length; i++) if (!select || select[i]) { lo = Math.min(lo, resolution.data[i]); hi = Math.max(hi, resolution.data[i]); }
    const hist = resolutionHistogram(resolution.data, select, alignedBinEdges(tested, lo, hi));
    files.push(...(await writePlot(join(outDir, `${outStem}_histogram`), await renderVegaLite(resolutionHistogramSpec(hist, `Local resolution (${o.method === 'localfsc' ? 'local FSC' : 'monogenic'}): ${stem}`, Number(stats.medianA), tested)), outputs)));
    if (o.filter) {
      const avg = h2 ? halfMapMean(h1.volume.data, h2.volume.data) : h1.volume.data;
      const filtered = localLowpass({ data: avg, shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA }, resolution.data);
      const fpath = join(outDir, `${outStem}_filtered.mrc`);
      await writeMrc(fpath, filtered, { template: h1.header, labels: [`occupy-ts ${OCCUPY_VERSION}: locally low-passed by ${outStem}.mrc`], protect, outputs });
      files.push(fpath);
    }
    const logPath = join(outDir, `${outStem}_log.txt`);
    files.push(logPath);
    // an earlier run's outputs for this map that this run does not write (another method's maps):
    // removed with this set, so the folder holds one run's files; named for the caller when the
    // outputs are moved into their folder later (finalDir)
    // another map's output under one of these names (the interval map locres_a_low.mrc of a.mrc is the
    // resolution map of a_low.mrc): refused, as the output set's other faults, before anything is in place
    await refuseOtherKinds(o.finalDir ?? outDir, [locresFamily(outStem)], files);
    removed = await retireStaleOutputs(outputs, o.finalDir ?? outDir, [locresFamily(outStem)], files, protect, o.finalDir === undefined);
    seconds = (performance.now() - t0) / 1000;
    // the label table's column of voxels clear of other labels (its header sets the next column's place)
    const coreHeader = windowReachA !== undefined ? `   > ${windowReachA.toFixed(1)} Å from other labels` : '';
    lines = [
      `occupy-ts ${OCCUPY_VERSION} — local resolution`,
      '',
      '--- Record ---',
      ...recordLines(record),
      '',
      `Inputs             : ${protect.join(', ')}`,
      `Voxel size         : ${h1.volume.voxelSizeA.map((v) => v.toFixed(3)).join(', ')} Å${o.angpix !== undefined ? ' (--angpix override)' : ''}`,
      `Method             : ${settings}`,
      ...(o.method === 'localfsc'
        ? [
            ...(o.relion ? [`Pinned windows     : ${stats.pinnedWindows} of ${stats.points} never fell below 0.143 (RELION then reports Nyquist)`] : [`Global resolution  : ${Number(stats.globalResolutionA).toFixed(2)} Å (FSC 0.143${o.mask ? ', soft-masked' : ''})${stats.emptyBeyondA !== undefined && Number(stats.globalResolutionA) < Number(stats.emptyBeyondA) ? `: finer than the half maps hold (nothing beyond ${Number(stats.emptyBeyondA).toFixed(2)} Å), not a measurement; it only sets the default window` : ''}`]),
            ...(stats.interpolatedBeyondA !== undefined ? [`Half maps' content : interpolated onto a finer grid (from about ${String(stats.interpolatedFromBox)} voxels): beyond ${Number(stats.interpolatedBeyondA).toFixed(2)} Å only the images of coarser shells; those shells were filled with noise before the windows were cut, and every value finer than ${Number(stats.interpolatedBeyondA).toFixed(2)} Å reads it and is pinned`] : []),
            ...(stats.emptyBeyondA !== undefined ? [`Half maps' content : nothing beyond ${Number(stats.emptyBeyondA).toFixed(2)} Å (low-passed: float round-off only, or the leak of a box cropped after the low-pass); those shells were filled with noise before the windows were cut, ${stats.contentLimitedPercent !== undefined ? `but the halves are still correlated there (${Number(stats.contentLimitedPercent).toFixed(0)} % of the windows read finer than ${(CONTENT_LIMITED_RATIO * Number(stats.emptyBeyondA)).toFixed(2)} Å): values finer than ${Number(stats.emptyBeyondA).toFixed(2)} Å read it and are pinned` : 'so no value is much finer than that'}`] : []),
            `Windows evaluated  : ${stats.points}${stats.moleculeCentredPoints !== undefined ? `, ${stats.moleculeCentredPoints} centred on the molecule (these alone carry the grid median and the interpolation${stats.moleculeCentredPoints === 0 ? '; none found, so every window does' : ''})` : ''}`,
            `Outside the mask   : ${o.lowestResolution} Å (background)`,
          ]
        : []),
      `Local resolution   : median ${Number(stats.medianA).toFixed(2)} Å, 5–95 % ${Number(stats.p5A).toFixed(2)}–${Number(stats.p95A).toFixed(2)} Å`,
      ...(stats.medianIntervalWidthA !== undefined ? [`90 % interval      : median width ${Number(stats.medianIntervalWidthA).toFixed(2)} Å over the mask (${Number.isFinite(Number(stats.intervalToSpread)) ? `${Number(stats.intervalToSpread).toFixed(2)} × the 5–95 % spread` : 'the 5–95 % spread is 0: the values do not vary over the mask'}; above ${UNRESOLVED_VARIATION_RATIO} × the pattern is not resolved), in ${outStem}_low.mrc / ${outStem}_high.mrc; FSC band ±${stats.intervalZ} standard errors and ±${Math.round(100 * Number(stats.intervalCalibration))} % calibration, in quadrature`] : []),
      ...(stats.pinnedVoxels !== undefined
        ? [
            stats.pinnedAtFinestVoxels !== undefined
              ? // local FSC: a voxel's value is interpolated between windows, pinned or not
                `Pinned             : ${stats.pinnedVoxels} voxels (${Number(stats.pinnedPercent).toFixed(1)} %) take half or more of their value from windows pinned at ${Number(stats.finestA).toFixed(2)} Å, the finest reported value (their FSC stayed above the threshold up to ${stats.contentLimitedPercent !== undefined ? 'the halves\' content limit' : 'Nyquist'}: a bound, the truth that or finer)${Number(stats.pinnedVoxels) > 0 ? `; ${stats.pinnedAtFinestVoxels} of them read ${Number(stats.finestA).toFixed(2)} Å, the rest blend in coarser windows` : ''}; marked in ${outStem}_pinned.mrc`
              : `≤ ${Number(stats.finestA).toFixed(2)} Å (pinned)  : ${stats.pinnedVoxels} voxels (${Number(stats.pinnedPercent).toFixed(1)} %): the estimate reached the finest reported value, a bound, marked in ${outStem}_pinned.mrc`,
          ]
        : []),
      ...(stats.besideFinerPercent !== undefined ? [`Beside finer       : ${Number(stats.besideFinerPercent).toFixed(1)} % of the mask reads ≥ ${BESIDE_FINER_RATIO} × coarser than a value within ${Number(stats.besideFinerReachA).toFixed(1)} Å (half a window), mostly where a coarser region borders a finer one: their windows take in the finer signal, so these values tend to read fine (on synthetic half maps a median 4–6 % too fine, a tenth of them by 20 % or more)`] : []),
      ...(labelRows
        ? ['', `Per label (${o.labels}${o.mask ? ', inside the mask' : ''}):`, `label    voxels   median Å   10–90 % Å       pinned${interval ? '   90 % interval Å' : ''}${coreHeader}${besideFinerFlags ? '   beside finer' : ''}`, ...labelRows.map((l) => `${String(l.label).padStart(5)} ${String(l.voxels).padStart(9)} ${l.medianA.toFixed(2).padStart(10)}   ${`${l.p10A.toFixed(2)}–${l.p90A.toFixed(2)}`.padEnd(14)} ${String(l.pinnedVoxels).padStart(6)}${l.intervalLowA !== undefined && l.intervalHighA !== undefined ? `   ${`${l.intervalLowA.toFixed(2)}–${l.intervalHighA.toFixed(2)}`.padEnd(16)}` : ''}${l.coreVoxels !== undefined ? `   ${((100 * l.coreVoxels) / Math.max(1, l.voxels)).toFixed(0).padStart(3)} %` : ''}${l.besideFinerVoxels !== undefined ? `${l.coreVoxels !== undefined ? ' '.repeat(Math.max(0, coreHeader.length - 8)) : ''}   ${((100 * l.besideFinerVoxels) / Math.max(1, l.voxels)).toFixed(0).padStart(3)} %` : ''}`), ...(interval ? ['(90 % interval: the median of the voxels\' interval ends, the uncertainty of a value like the median; labels whose intervals overlap are not told apart)'] : []), ...(besideFinerFlags ? [`(beside finer: the share reading ≥ ${BESIDE_FINER_RATIO} × coarser than a value within the window's reach; on synthetic half maps labels where it is half or more read a median 4–5 % too fine)`] : []), '']
        : []),
      'Local resolution is relative to its method and window: values from different tools are not interchangeable.',
      ...warnings.map((w) => `WARNING: ${w}`),
      '',
      'Files written:',
      ...listedOutputs(files, o).map((f) => `  ${f}`),
      ...removedOutputLines(removed),
      `Done in ${seconds.toFixed(2)} s.`,
    ];
    await writeFileAtomic(logPath, lines.join('\n') + '\n', outputs);
  });
  const result = { method: o.method, record, inputs: protect, ...stats, ...(labelRows ? { labels: labelRows } : {}), warnings, diagnostics: findings.map(findingJson), files, ...(removed.length > 0 ? { removed } : {}), seconds, note: 'Local resolution is relative to its method and window: values from different tools are not interchangeable.' };
  const report = lines.slice(lines.findIndex((l) => l.startsWith('Inputs '))).filter((l) => !l.startsWith('WARNING: '));
  return { summary: result, files, removed, lines, report, settings, labelRows, windowReachA };
}

/** Voxels flagged in `flags` whose value is at most `boundA` (as float32: the maps hold float32). */
function countAtMost(values: Float32Array, flags: Uint8Array, boundA: number): number {
  const b = Math.fround(boundA);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (flags[i] && values[i] <= b) n++;
  return n;
}

/** The local FSC threshold as shown to users: as given, or the derived one rounded to 3 decimals. */
function shownThreshold(r: Pick<LocalFscResult, 'threshold' | 'thresholdRule'>): number {
  return r.thresholdRule === 'given' ? r.threshold : Number(r.threshold.toFixed(3));
}

/**
 * One line describing a local FSC run's settings (window, step, threshold and how it was chosen),
 * as written to the log, the MRC labels and the GUI.
 */
export function localFscSettingsText(r: Pick<LocalFscResult, 'whitened' | 'windowVoxels' | 'stepVoxels' | 'threshold' | 'thresholdRule' | 'lowFrequencySnr'> & Partial<Pick<LocalFscResult, 'gridMedian' | 'broadeningShare' | 'moleculeCentredPoints'>>): string {
  const snr = r.thresholdRule === 'snr-aware' ? ` (SNR-aware: global FSC's low-frequency SNR ${r.lowFrequencySnr.toFixed(1)})` : '';
  const extra = `${r.broadeningShare ? `, Hann broadening corrected (share ${r.broadeningShare})` : ''}${r.gridMedian ? ', grid median' : ''}${r.moleculeCentredPoints ? ', windows centred on the molecule' : ''}`;
  return `local FSC, ${r.whitened ? 'pre-whitened halves' : 'no pre-whitening'}, Hann window ${r.windowVoxels} vox, step ${r.stepVoxels}, threshold ${shownThreshold(r)}${snr}${extra}`;
}
