/**
 * The estimate as users run it: read a map file, estimate, write the scale and confidence maps,
 * the log and the ChimeraX script.
 * @see shared/spec/occupy-algorithm.md §11
 */
import { join, relative, resolve } from 'node:path';
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { PhaseTimer } from '../core/phase-timer.js';
import { listedOutputs } from './listed-outputs.js';
import { estimateFamily, refuseOtherKinds, retireStaleOutputs } from './stale-outputs.js';
import { openMrcSections, readMrc, writeMrc, type MrcHeader } from '../io/mrc/index.js';
import { resampleSections } from '../filters/resample-sections.js';
import { resampledVoxelSize, type ResampleLowpass } from '../filters/fourier-resample.js';
import { simdRange } from '../math/voxel-kernels.js';
import { DEFAULT_LOWPASS_MASK, DEFAULT_MAX_BOX, drawsRandomNumbers, estimateOptionErrors, processingBox } from '../occupancy/options.js';
import { chimeraxScript } from '../occupancy/chimerax-script.js';
import { estimateLocalScaleParallel, processingSettings, type EstimateInput, type EstimateOptions, type EstimateResult } from '../occupancy/estimate.js';
import { isShared, prestartScaleThread, sharedFloat32 } from '../occupancy/scale-thread.js';
import { estimateOutputNames, mapStem } from '../occupancy/output-names.js';
import { formatLog, summarise, type EstimateSummary } from '../occupancy/summary.js';
import { modificationBasis, modifiedMapName, type ModificationRequest } from '../occupancy/modify.js';
import { computeInThread } from './compute-thread.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { OutputSet } from '../core/output-set.js';
import { checkOutputFolder } from '../core/output-folder.js';
import { voxelSizeError } from '../core/voxel-size-limits.js';
import { findingJson, type Finding, type MapDiagnosis } from '../diagnostics/index.js';
import { DeferredDiagnosis, diagnoseEstimateInput, estimateRefusal, notDensityText, reportEstimateFindings } from './estimate-diagnostics.js';
import { solventDefinitionProblem } from '../occupancy/solvent-model.js';
import { TOOL_VERSION } from '../core/version.js';
import { hashFile, hashInputs, INPUTS_SHA256, inputsSha256Setting, makeRunRecord, recordLabels, type RerunAs } from '../core/run-record.js';
import { resolvedSettings } from '../occupancy/run-settings.js';
import { MRC_LABEL_COUNT } from '../io/mrc/header.js';
import { headerOriginA, resampledStartHeader } from '../io/mrc/origin.js';
import { jobInputs } from './job-inputs.js';
import { checkSameGrid, headerSampling } from './read-map.js';
import { checkDefaultLowpassFitsBox, checkEstimateResolutions } from './nyquist-check.js';

/** Version string recorded in labels, logs and summaries: `package.json`'s, read at run time. */
export const OCCUPY_VERSION: string = TOOL_VERSION;

/** Options of {@link estimateFromFile}: the estimate's options plus file handling. */
export interface EstimateFileOptions extends Omit<EstimateOptions, 'solventDef' | 'targetMask'> {
  /** Input map path (.mrc/.map/.ccp4, optionally .gz). */
  inputPath: string;
  /** Solvent definition map path (`--solvent-def`). */
  solventDefPath?: string;
  /** Target mask path (`--target-mask`). */
  targetMaskPath?: string;
  /** Output folder (default: the current folder). */
  outputDir?: string;
  /** Output stem (default: the input's stem). */
  outputStem?: string;
  /**
   * The caller has already checked {@link outputDir} with `checkOutputFolder` (the CLI's
   * `preAction` hook, before the map is read): it is not probed again. Default false: the folder is
   * checked (a hidden file made and removed in it, or in its deepest existing ancestor) before the
   * estimate, so a folder that cannot be written is refused before the work, not after it.
   */
  outputFolderChecked?: boolean;
  /** Also write the (down-sampled) input and the low-passed map. */
  saveAllMaps?: boolean;
  /** Write the ChimeraX script (default true). */
  chimerax?: boolean;
  /** Lowest scale of the ChimeraX colour range (default 0.2). */
  minVisScale?: number;
  /** `--scale-limit`: scales at or below are never modified (default 0.05). */
  scaleLimit?: number;
  /** Map modifications (`--amplify`, `--attenuate`, `--sigmoid`), one output each. */
  modifications?: ModificationRequest[];
  /** `--exclude-solvent`: flatten the solvent; alone (no modification) writes `solExcl_<stem>.mrc`. */
  excludeSolvent?: boolean;
  /** `--omit-confidence`: confidence 1 everywhere in modifications (not recommended). */
  omitConfidence?: boolean;
  /** `--lowpass-output` in Å for modified maps. */
  lowpassOutputA?: number;
  /** `--hist-match`: histogram-match modified maps to the input instead of clipping. */
  histMatch?: boolean;
  /** `--scale-from`: modify by the estimate's local scale (default) or by the decomposed relative occupancy (`occupy decompose`, one map). */
  scaleFrom?: 'estimate' | 'decompose';
  /** `--seed` of the synthetic solvent noise; a random seed (logged) when undefined. */
  seed?: number;
  /** `--plot`: write `solModel_<stem>.png/.svg` and the modification-curve plots (`gamma_modification_<stem>`, `sigmoid_modification_<stem>`). */
  plot?: boolean;
  /** `--angpix`: voxel size in Å replacing the header's (also for the masks); logged. */
  angpix?: number;
  /**
   * Run the maximum filter in a worker thread, overlapping the rest (default true). Batch runs
   * with several worker processes turn it off: the cores are already busy.
   */
  threads?: boolean;
  /**
   * Run the input diagnostics (`src/diagnostics`) on the input (default true): findings become
   * warnings and `summary.diagnostics`; a `not-density` map is refused unless {@link force}.
   * A map streamed through the Fourier crop (larger than `--max-box`) is diagnosed on its
   * processing box. The option schema's `INPUT_CHECK_OPTIONS` (the library's `diagnostics` too).
   */
  diagnostics?: boolean;
  /** `--force`: estimate even a map the diagnostics call `not-density` (warned). The schema's `INPUT_CHECK_OPTIONS` (the library's `force` too). */
  force?: boolean;
  /**
   * What the refusal of a `not-density` map advises (default `Use --force to estimate anyway`):
   * a caller without `--force` (the GUI) says what its user can do instead.
   */
  forceAdvice?: string;
  /**
   * The arguments as typed after `occupy`, recorded in the log, `--json` and the MRC labels (with
   * `--seed N` appended when no seed was given, so the recorded command reproduces the outputs).
   * Empty or absent for library, GUI and batch runs (labels then carry settings and input hash only).
   */
  commandLine?: string[];
  /**
   * The folder the record names as the working folder: the relative paths of {@link commandLine}
   * are relative to it, and the rerun line is run there (default `process.cwd()`; the GUI passes
   * its root folder).
   */
  cwd?: string;
  /**
   * The single estimate command that gives the same outputs and where to run it, when this run is
   * one map of another command (`occupy batch`): the record's rerun line.
   */
  rerunAs?: RerunAs;
  /**
   * `occupy batch`: the estimate options of its command line, which {@link rerunAs} of each map
   * is made of (not read by the estimate itself).
   */
  rerunArgs?: string[];
  /**
   * The folder the outputs will finally live in, when it differs from {@link outputDir} (a batch
   * map is written to a staging folder and moved): the log, the summary and the ChimeraX script
   * name paths in this folder.
   */
  finalDir?: string;
  /**
   * Said of every file in the log when the outputs will be in no folder the user knows (the GUI
   * without a save folder): the log names them by file name only (the summary keeps
   * {@link finalDir}'s paths). See `listed-outputs.ts`.
   */
  unsavedNote?: string;
  /** `--chimerax-silent`: also write `chimX_<stem>_silent.cxc`, which renders four views to PNG offscreen and exits. */
  chimeraxSilent?: boolean;
  /**
   * What becomes of an earlier run's outputs for the same stem in the final folder that this run
   * does not write under names that do not say their settings (plots or `--save-all-maps` maps not
   * asked for again, the ChimeraX script under `--no-chimerax`: `estimateFamily`; never a scale or
   * a modified map, whose names say their mode and power), which would read as this run's:
   * `'remove'` (the default without {@link finalDir}: the CLI) removes them with this run's
   * outputs and names them in the log and `summary.removed`; `'name'` names them so and leaves
   * their removal to whoever moves the outputs into {@link finalDir} (the GUI's save folder);
   * `'keep'` (the default with {@link finalDir}: `occupy batch`, whose map folders keep every
   * run's maps beside the next's) does neither.
   */
  earlierOutputs?: 'remove' | 'name' | 'keep';
}

/** The input map of a run of {@link estimateFromFile}. */
export interface EstimateFileInput {
  /** The header exactly as stored (nx/ny/nz in file order). */
  header: MrcHeader;
  /** Box of the input [nX, nY, nZ], voxels (physical axes). */
  shape: Shape3;
  /** Voxel size along X, Y, Z in Å (after `--angpix`). */
  voxelSizeA: Vec3;
  /**
   * The whole input (canonical order, index (z*ny + y)*nx + x), only when the run held it: runs
   * that only need the processing box stream the file through the Fourier crop instead.
   */
  volume?: Volume;
}

/** What {@link estimateFromFile} returns. */
export interface EstimateFileResult {
  summary: EstimateSummary;
  /** Every file written (the same list as `summary.files`: maps, plots, log, ChimeraX script). */
  files: string[];
  result: EstimateResult;
  input: EstimateFileInput;
}

/**
 * Converts processing-box voxel positions to Å in the frame ChimeraX uses for the input: the
 * header origin when it is non-zero, otherwise `(index + start) × voxel size`.
 */
function voxelToAngstrom(h: MrcHeader, inputVoxelA: Vec3, processingVoxelA: Vec3): (v: Vec3) => Vec3 {
  const originA = headerOriginA(h, inputVoxelA);
  return (v) => [0, 1, 2].map((i) => originA[i] + v[i] * processingVoxelA[i]) as Vec3;
}

/** Header for maps on the processing box: voxel (0, 0, 0) kept in place when the box was down-sampled. */
function processingTemplate(h: MrcHeader, r: EstimateResult, inputVoxelA: Vec3): MrcHeader {
  return r.downsampled ? resampledStartHeader(h, r.inputShape, r.processingShape, inputVoxelA) : h;
}


/**
 * Read a map, estimate its local scale and write `scale_<mode>_<stem>.mrc`, `conf_<stem>.mrc`,
 * `log_<stem>.txt` and (unless disabled) `chimX_<stem>.cxc` into the output folder.
 *
 * @throws MrcFormatError / Error for unreadable or invalid maps; OptionError for a `--kernel-size`
 *   or `--tile-size` that does not fit the processing box, or a `--lowpass`,
 *   `-r` or `--lowpass-output` finer than the map's Nyquist limit or coarser than its box
 *   (`checkEstimateResolutions`, from the header, before anything is read); RangeError for out-of-range
 *   options, or a `--solvent-def`/`--target-mask` whose box or voxel size differs from the input's (`checkSameGrid`, naming the file); Error when an output would overwrite an input
 */
export async function estimateFromFile(opts: EstimateFileOptions): Promise<EstimateFileResult> {
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => {});
  // --lowpass, -r and --lowpass-output against the map's Nyquist limit and box (header only), as
  // the CLI and the GUI check them before they call this: the batch, which calls it for each map,
  // had computed a map with --lowpass 0.5 on 1.2 Å voxels (exit 0, a rerun line the CLI refuses)
  // and failed one with --lowpass 1000 on a 115 Å box with 'histogram: all … values equal …'
  // and --kernel-size and --tile-size against its processing box, with the CLI's message
  await checkEstimateResolutions(opts.inputPath, { lowpass: opts.lowpassA, resolution: opts.resolutionA, lowpassOutput: opts.lowpassOutputA, maxBox: opts.maxBox ?? DEFAULT_MAX_BOX, angpix: opts.angpix, kernelSize: opts.kernelSize, tileSize: opts.tileSize });
  // Plan every output path first: a clash with an input is refused before anything is written.
  const outDir = resolve(opts.outputDir ?? '.');
  const stem = opts.outputStem ?? mapStem(opts.inputPath);
  const names = estimateOutputNames(stem, opts.mode ?? 'res');
  const modifications: (ModificationRequest | undefined)[] = [...(opts.modifications ?? [])];
  if (modifications.length === 0 && opts.excludeSolvent) modifications.push(undefined); // solvent exclusion alone
  const modifiedNames = modifications.map((m) => modifiedMapName(stem, m, opts.excludeSolvent === true));
  const protect = jobInputs(opts.inputPath, opts.solventDefPath, opts.targetMaskPath);
  // Every output is staged and appears only when the whole set is complete (none on failure).
  const outputs = new OutputSet({ protect, inputLabel: 'input map' });
  for (const name of [...Object.values(names), ...modifiedNames]) if (name !== names.chimeraxSilent || opts.chimeraxSilent) await outputs.check(join(outDir, name));
  // another map's output under one of these names (decompose's log of X is this estimate's of decompose_X)
  await refuseOtherKinds(outDir, [estimateFamily(stem)], [names.log, ...(opts.chimerax !== false ? [names.chimerax] : []), ...(opts.chimeraxSilent ? [names.chimeraxSilent] : [])]);
  // a folder that cannot be made (a file in the way, a read-only file system) is refused now, not
  // after the estimate; once only: a CLI estimate had probed it here and in the CLI's hook
  if (opts.outputFolderChecked !== true) await checkOutputFolder(outDir);
  try {
    const done = await estimateAndWrite(opts, { outDir, stem, names, modifications, modifiedNames, protect, outputs, t0 });
    await outputs.commit();
    progress('done', 1);
    return done;
  } catch (err) {
    await outputs.abort();
    throw err;
  }
}

/** What {@link estimateFromFile} planned before reading the input. */
interface OutputPlan {
  outDir: string;
  stem: string;
  names: ReturnType<typeof estimateOutputNames>;
  /** One entry per modified map; undefined = solvent exclusion alone. */
  modifications: (ModificationRequest | undefined)[];
  modifiedNames: string[];
  /** Input paths no output may replace. */
  protect: string[];
  /** Where every output is staged. */
  outputs: OutputSet;
  /** performance.now() at the start. */
  t0: number;
}

/** The body of {@link estimateFromFile}: read, estimate, stage every output in `plan.outputs`. */
async function estimateAndWrite(opts: EstimateFileOptions, plan: OutputPlan): Promise<EstimateFileResult> {
  const { outDir, stem, names, modifications, modifiedNames, protect, outputs, t0 } = plan;
  const progress = opts.onProgress ?? (() => {});
  const timer = new PhaseTimer(progress);
  timer.phase('read', 0);
  if (opts.threads !== false) prestartScaleThread(); // its start-up overlaps the read
  // the whole input is needed only by the modified maps (on the input's box)
  const loaded = await readInput(opts, modifications.length > 0);
  // the input's SHA-256 for the run record, computed while the map is estimated (only now that the
  // reader has checked it is a regular, bounded file: never a device such as /dev/zero)
  // (a streamed read hashed the bytes it read: no second read of the file)
  const inputHash = loaded.inputHash ? Promise.resolve(loaded.inputHash) : hashFile(opts.inputPath);
  inputHash.catch(() => undefined); // awaited (and its error reported) when the record is made
  const input = loaded.input;
  // the default low-pass against the box, for every caller (batch runs reach here without the CLI's check)
  if (opts.lowpassA === undefined && opts.resolutionA === undefined) {
    const proc = processingBox(input.shape, opts.maxBox ?? DEFAULT_MAX_BOX);
    checkDefaultLowpassFitsBox(opts.inputPath, input.shape, input.voxelSizeA, input.voxelSizeA.map((a, i) => (a * input.shape[i]) / proc[i]));
  }
  const solventDefMap = opts.solventDefPath ? await readMrc(opts.solventDefPath) : undefined;
  const targetMaskMap = opts.targetMaskPath ? await readMrc(opts.targetMaskPath) : undefined;
  if (opts.angpix !== undefined) {
    for (const m of [solventDefMap, targetMaskMap]) if (m) m.volume.voxelSizeA = [opts.angpix, opts.angpix, opts.angpix];
  }
  // on the input's grid: box and voxel size refused, an origin that differs warned of
  const inputMap = { map: { volume: { shape: input.shape, voxelSizeA: input.voxelSizeA }, header: input.header }, path: opts.inputPath, what: 'the input map' };
  const gridWarnings = [
    checkSameGrid(solventDefMap && { map: solventDefMap, path: opts.solventDefPath as string, what: '--solvent-def map' }, inputMap),
    checkSameGrid(targetMaskMap && { map: targetMaskMap, path: opts.targetMaskPath as string, what: '--target-mask map' }, inputMap),
  ].filter((w): w is string => w !== undefined);
  const solventDef = solventDefMap?.volume;
  const targetMask = targetMaskMap?.volume;
  // before the low-pass (a minute at 512³): a definition that does not split the solvent sphere
  const defProblem = solventDef && solventDefinitionProblem(solventDef.data, solventDef.shape);
  if (defProblem) throw new RangeError(`--solvent-def map '${opts.solventDefPath}' ${defProblem}`);
  timer.stop();
  // the streamed read's crop is reported as the estimate's `resample` phase, not as reading
  timer.seconds.read -= loaded.resampleSeconds;
  const diagnosed = input.volume ?? ('processing' in loaded.estimateInput ? loaded.estimateInput.processing : loaded.estimateInput);
  // the noise spectrum of the diagnostics (their slowest part) runs while the main thread would
  // wait for the worker's local scale; it reads `diagnosed`, which the estimate does not modify
  // (its time goes to `diagnostics (overlapped)`, or to `diagnostics` when nothing overlapped it:
  // small maps run on one thread)
  const deferred = new DeferredDiagnosis(opts.diagnostics === false ? undefined : await diagnoseInput(opts, diagnosed, timer, headerSampling(input.header, input.shape, input.voxelSizeA)), diagnosed);
  // the estimate's share of the progress: to 0.9, or to 0.6 when modified maps follow (at 840³ they
  // take half of the run)
  const estimateEnd = modifications.length > 0 ? 0.6 : 0.9;
  const estimateProgress = (p: string, f: number) => progress(p, 0.05 + (estimateEnd - 0.05) * f);
  // a map read whole (for the modifications) and larger than the processing box: cropped in a
  // worker thread (on this thread, a signal had waited up to 4 s at 400³, 5 s 3 s into the 840³ crop);
  // the crop is passed on, not kept (what the estimate keeps of it, it moves into shared memory)
  // without --save-all-maps nothing reads the low-passed map after the confidence: it is computed in place
  const result = await estimateLocalScaleParallel(await cropWholeMap(opts, loaded.estimateInput, estimateProgress), { ...opts, solventDef, targetMask, keepLowpassed: opts.saveAllMaps === true, sharedMaps: modifications.length > 0, onProgress: estimateProgress, whileWaiting: deferred.complete, whileWaitingPhase: 'diagnostics (noise spectrum)' });
  deferred.complete();
  if (deferred.ownSeconds > 0) timer.seconds.diagnostics = (timer.seconds.diagnostics ?? 0) + deferred.ownSeconds;
  const overlappedSeconds = deferred.overlappedSeconds;
  const findings: Finding[] = deferred.findings;

  timer.phase('write', estimateEnd);
  await outputs.makeFolder(outDir); // removed again (when empty) if the run fails or is stopped
  const template = processingTemplate(input.header, result, input.voxelSizeA);
  // the seed matters only for the synthetic solvent noise that --attenuate/--sigmoid add (not with
  // --exclude-solvent): otherwise it is a fixed 0, recorded as not used, so that the same command
  // writes the same bytes (a seed drawn at random had gone into every map's labels)
  const seedUsed = drawsRandomNumbers({ modifications, excludeSolvent: opts.excludeSolvent });
  const seed = opts.seed ?? (seedUsed ? Math.floor(Math.random() * 2 ** 31) : 0);
  const seedRecorded = seedUsed || opts.seed !== undefined;
  const { sha256, bytes } = await inputHash;
  // every map the estimate read is hashed: the input, --solvent-def and --target-mask
  const inputs = [{ path: opts.inputPath, sha256, bytes }, ...(await hashInputs(protect.slice(1)))];
  const record = makeRunRecord({
    commandLine: opts.commandLine,
    cwd: opts.cwd,
    rerunAs: opts.rerunAs,
    input: inputs[0],
    seed,
    seedGiven: opts.seed !== undefined,
    settings: { ...resolvedSettings(opts, result, seedRecorded ? seed : null), [INPUTS_SHA256]: inputsSha256Setting(inputs) },
    hasSeedOption: seedRecorded,
  });
  const recordLines = recordLabels(record, MRC_LABEL_COUNT - 1);
  const label = (what: string) => [`occupy-ts ${OCCUPY_VERSION}: ${what}`, ...recordLines];
  const files: string[] = [];
  const write = async (name: string, vol: Volume, what: string) => {
    const p = join(outDir, name);
    files.push(p); // listed in call order
    await writeMrc(p, vol, { template, labels: label(what), protect, outputs });
  };
  // both at once: the statistics of one map are computed while the other is being written
  await Promise.all([
    write(names.scale, result.scale, `local scale (${result.mode}) of ${stem}`),
    write(names.confidence, result.confidence, `solvent confidence of ${stem}`),
  ]);
  if (opts.saveAllMaps) {
    if (result.downsampled) await write(names.downsampled, result.input, `${stem} down-sampled to ${result.processingShape.join('x')}`);
    if (result.lowpassed) await write(names.lowpassed, result.lowpassed, `${stem} low-passed to ${result.settings.lowpassA.toFixed(2)} A`);
  }
  if (opts.angpix !== undefined) result.notes.push(`--angpix ${opts.angpix}: voxel size set to ${opts.angpix} Å (header: ${loaded.headerVoxel} Å); outputs carry the new voxel size.`);
  if (modifications.length > 0) {
    if (opts.omitConfidence) result.warnings.push('--omit-confidence: solvent is not suppressed in the modified maps (not recommended).');
    if (opts.seed === undefined && modifications.some((m) => m && m.kind !== 'amplify') && !opts.excludeSolvent) {
      result.notes.push(`Synthetic solvent noise seed: ${seed} (use --seed ${seed} to reproduce).`);
    }
  }
  // the modifications (and --scale-from decompose's decomposition) compute in a worker thread, so
  // that a signal is acted on at once and progress keeps coming (on the main thread, a 1040³
  // modification had run 76 s without a line, SIGTERM had waited 27–32 s at 840³, and the 256³
  // decomposition of --scale-from decompose ~25 s); the maps go to the thread in shared memory
  const modifiedPaths: string[] = [];
  /** Seconds of the decomposition (`--scale-from decompose`) and of the modifications, for the timings. */
  const modifySeconds: Record<string, number> = {};
  if (modifications.length > 0) {
    // each map once in shared memory (an input read as int16 or gzip, or without threads, is not;
    // nor are the confidence and the decomposed occupancy), the unshared array left to the
    // garbage collector; the same array is shared once, whatever names it
    const sharedCopies = new Map<Float32Array, Float32Array>();
    const inShared = (v: Volume): Volume => {
      if (isShared(v.data)) return v;
      let data = sharedCopies.get(v.data);
      if (!data) {
        data = sharedFloat32(v.data.length);
        data.set(v.data);
        sharedCopies.set(v.data, data);
      }
      return { ...v, data };
    };
    const original = inShared(input.volume as Volume);
    input.volume = original;
    for (const key of ['input', 'scale', 'confidence'] as const) result[key] = inShared(result[key]);
    sharedCopies.clear();
    let modifyBy: EstimateResult = result;
    let from = estimateEnd;
    if (opts.scaleFrom === 'decompose' && modifications.some((m) => m !== undefined)) {
      // the decomposition's modules are loaded only when asked for (they are a tenth of the CLI's start-up)
      const { withDecomposedScale } = await import('../decomposition/scale-from.js');
      timer.stop();
      progress('scale from decompose', from);
      const t = performance.now();
      const d = await computeInThread('decompose', [result.input, {}], { onProgress: (p, f) => progress(`scale from decompose: ${p}`, estimateEnd + 0.2 * f) });
      modifySeconds['scale from decompose'] = (performance.now() - t) / 1000;
      modifyBy = withDecomposedScale(result, d);
      modifyBy.scale = inShared(modifyBy.scale);
      from = estimateEnd + 0.2;
    }
    const basis = modificationBasis(modifyBy);
    for (let i = 0; i < modifications.length; i++) {
      const m = modifications[i];
      const phase = `modify: ${m ? `${m.kind} ${m.gamma}${m.kind === 'sigmoid' ? ` pivot ${m.pivot}` : ''}` : 'exclude solvent'}`;
      const f0 = from + (i * (0.99 - from)) / modifications.length;
      const f1 = from + ((i + 1) * (0.99 - from)) / modifications.length;
      timer.stop();
      progress(phase, f0);
      const t = performance.now();
      const mod = await computeInThread('modifyMap', [original, basis, m, {
        scaleLimit: opts.scaleLimit,
        excludeSolvent: opts.excludeSolvent,
        omitConfidence: opts.omitConfidence,
        lowpassOutputA: opts.lowpassOutputA,
        histMatch: opts.histMatch,
        seed: seed + i,
        lowpassMask: opts.lowpassMask,
      }], { onProgress: (f) => progress(phase, f0 + (f1 - f0) * f) });
      modifySeconds.modify = (modifySeconds.modify ?? 0) + (performance.now() - t) / 1000;
      timer.phase('write', f1);
      const p = join(outDir, modifiedNames[i]);
      const what = m ? `${m.kind} ${m.gamma}${m.kind === 'sigmoid' ? ` pivot ${m.pivot}` : ''} of ${stem}` : `solvent excluded from ${stem}`;
      await writeMrc(p, mod.volume, { template: input.header, labels: label(what), protect, outputs });
      files.push(p);
      modifiedPaths.push(p);
      if (opts.saveAllMaps && m) await write(`factor_${modifiedNames[i]}`, mod.factor, `modification factor (${what})`);
    }
  }
  if (opts.plot) {
    // loaded on demand: the plotting libraries take ~0.2 s to import
    const { writeModificationPlots, writeSolventModelPlot } = await import('../plots/index.js');
    files.push(...(await writeSolventModelPlot(outDir, stem, result, {}, outputs)));
    const curves = modifications.filter((m): m is ModificationRequest => m !== undefined);
    if (curves.length > 0) files.push(...(await writeModificationPlots(outDir, stem, curves, opts.scaleLimit ?? 0.05, outputs)));
  }
  // the solvent model's self-check; each finding's line first among the warnings (stderr, log,
  // ChimeraX script, GUI, batch records)
  reportEstimateFindings(result, findings, gridWarnings);
  const voxelToA = voxelToAngstrom(input.header, input.voxelSizeA, result.processingVoxelSizeA);
  const logPath = join(outDir, names.log);
  const cxcPath = join(outDir, names.chimerax);
  const silentPath = join(outDir, names.chimeraxSilent);
  // paths as they will be once in place (a batch map is written to a staging folder, then moved)
  const finalDir = opts.finalDir !== undefined ? resolve(opts.finalDir) : outDir;
  const shown = (p: string) => join(finalDir, relative(outDir, resolve(p)));
  const allFiles = [...files, logPath, ...(opts.chimerax === false ? [] : [cxcPath]), ...(opts.chimeraxSilent ? [silentPath] : [])].map(shown);
  const summary = summarise(result, {
    record,
    version: OCCUPY_VERSION,
    input: opts.inputPath,
    inputVoxelSizeA: input.voxelSizeA,
    scaleLimit: opts.scaleLimit ?? 0.05,
    nlrc: opts.nlrc === true,
    voxelToA,
    files: allFiles,
    seconds: 0,
    diagnostics: findings.map(findingJson),
  });
  if (opts.chimerax !== false || opts.chimeraxSilent) {
    // relative to the script's final folder when below it, else absolute
    const rel = (p: string) => {
      const r = relative(finalDir, resolve(p));
      return r && !r.startsWith('..') ? r : resolve(p);
    };
    const tile = summary.sMaxTile;
    const radiusA = tile ? tile.halfSizeVoxel[0] * result.processingVoxelSizeA[0] : 0;
    const scriptInput = {
      inputPath: rel(opts.inputPath),
      scalePath: names.scale,
      modifiedPaths: modifiedPaths.map((p) => rel(shown(p))),
      surfaceLevel: (result.sMax + result.solvent.solventEdge) / 2,
      scaleLevel: result.variabilityLimit,
      minVisScale: opts.minVisScale ?? 0.2,
      maxTile: tile ? { centreA: tile.centreA, radiusA } : undefined,
      minTile: summary.sMinTile ? { centreA: summary.sMinTile.centreA, radiusA } : undefined,
      warnings: result.warnings,
    };
    if (opts.chimerax !== false) await writeFileAtomic(cxcPath, chimeraxScript(scriptInput), outputs);
    if (opts.chimeraxSilent) await writeFileAtomic(silentPath, chimeraxScript({ ...scriptInput, silent: { imagePrefix: `${stem}_silent` } }), outputs);
  }
  // an earlier run's outputs for this stem that this one does not write: removed with this set
  const earlier = opts.earlierOutputs ?? (opts.finalDir === undefined ? 'remove' : 'keep');
  const removed = earlier === 'keep' ? [] : await retireStaleOutputs(outputs, finalDir, [estimateFamily(stem)], allFiles, protect, earlier === 'remove');
  if (removed.length > 0) summary.removed = removed;
  timer.stop();
  summary.timingsS = { read: timer.seconds.read, ...(timer.seconds.diagnostics !== undefined ? { diagnostics: timer.seconds.diagnostics } : {}), ...(overlappedSeconds > 0 ? { 'diagnostics (overlapped)': overlappedSeconds } : {}), ...result.timingsS, ...modifySeconds, write: timer.seconds.write };
  summary.seconds = (performance.now() - t0) / 1000;
  await writeFileAtomic(logPath, formatLog(opts.unsavedNote === undefined ? summary : { ...summary, files: listedOutputs(summary.files, opts) }), outputs);
  return { summary, files: summary.files, result, input };
}

/** The input as {@link readInput} loaded it. */
interface LoadedInput {
  input: EstimateFileInput;
  /** What the estimate gets: the whole map, or the map already cropped to its processing box. */
  estimateInput: EstimateInput;
  /** The header's voxel size, for the `--angpix` note. */
  headerVoxel: string;
  /** Seconds of the streamed crop's computation (0 when the map was read whole). */
  resampleSeconds: number;
  /** The input file's SHA-256 and size, when the streamed read computed them. */
  inputHash?: { sha256: string; bytes: number };
}

/**
 * Read the input map for {@link estimateFromFile}, streamed through the Fourier crop when the
 * run only needs the processing box.
 *
 * Memory model of an estimate run (float32 voxels; N = input voxels, M = processing-box voxels,
 * M = N when the map is within `--max-box`):
 * - Streamed (the default when the map is larger than `--max-box` and no modified map is asked
 *   for; also with `--save-all-maps`, whose maps are on the processing box): the file is read in
 *   slabs of sections of about 32 MiB, two at a time (one read while the other is cropped), and
 *   each section goes through the X and Y passes of `fourierResamplePlanes` into its work block of
 *   `8 * n_sections * my * (floor(mx/2)+1)` bytes (135 MB for 512³ → 256³, 270 MB for 1024³ →
 *   256³), then the Z pass and the inverse give the processing-box map (4M bytes) and, from the
 *   same spectrum, the estimate's low-pass of it (4M bytes, plus its block of the kept
 *   frequencies, 25 MB at 256³ and 8 Å: no forward transform of its own, and the estimate skips
 *   its low-pass; the in-memory crop of a whole-map run does the same, so both give the same maps
 *   bit for bit). Both maps and the work block coexist at the end of the crop: 535 MB peak RSS at
 *   512³ (was 390 MB with the low-pass after the crop; the budget is 0.95 GB). With threads
 *   (not in batch workers) the slabs, the work block and the result are SharedArrayBuffers and a
 *   second thread (`filters/resample-thread.ts`, +16 MB peak RSS at 512³ for its isolate and FFT modules,
 *   ended with the crop) does half of the planes, columns and output planes; nothing is copied. The input is
 *   never held: the NaN/Inf and constant-map checks are proved from the crop's output (see
 *   {@link croppedRange}; the file is read a second time, slab by slab, only when they fail).
 *   Permuted axis orders are cropped in file order and the small result is reordered.
 * - Whole (a map within `--max-box`, or modified maps requested): the input (4N bytes, shared with
 *   the worker thread) is read once, straight into its array, in chunks of at most 1 GiB; when it
 *   is larger than the box, `fourierResample` adds its work block and the processing-box map.
 *   The input stays until the modified maps (on its box, 4N bytes each plus their factor) are
 *   written.
 * - Then, on the processing box (`estimateLocalScaleParallel`), next to the processing-box input
 *   (4M bytes, shared with the worker, which reads it until the maximum filter ends): the scale map
 *   (4M, shared, filled by the worker), the low-pass's pruned spectra (about M bytes, garbage once
 *   the low-passed map exists) and the low-passed map (4M). Without `--save-all-maps` the
 *   confidence is computed into the low-passed map's own array (`keepLowpassed: false`: `res`
 *   mode; `occ` mode keeps both, the worker reads the low-passed map), so the peak holds three
 *   processing-box maps, 12M bytes: 201 MB of the 333 MB peak RSS of a default 256³ run (was four
 *   maps and 430 MB), the rest being Node itself (~45 MB), the worker thread and the FFT and
 *   maximum-filter wasm memories (which never shrink). The work block of a streamed crop is
 *   garbage by then. The scale and confidence maps are written from their arrays without copies
 *   (fsynced, both at once), and the input's SHA-256 for the run record is computed from the
 *   streamed read's own slabs (no second read), or, after a whole read, through one reused 1 MiB
 *   buffer (a read stream's chunks cost ~40 MB).
 *
 * @param wholeInputNeeded true when an output is computed on the input's own box
 * @throws as `readMrc` (MrcFormatError, or Error naming the file), RangeError for a bad `--angpix`
 */
async function readInput(opts: EstimateFileOptions, wholeInputNeeded: boolean): Promise<LoadedInput> {
  const shared = opts.threads !== false;
  const angpixVoxel = (shape: Shape3, header: Vec3): Vec3 => {
    if (opts.angpix === undefined) return header;
    const error = voxelSizeError('--angpix', opts.angpix, shape);
    if (error) throw new RangeError(error);
    return [opts.angpix, opts.angpix, opts.angpix];
  };
  const describe = (a: Vec3) => a.map((v) => v.toFixed(4)).join(', ');
  if (!wholeInputNeeded && estimateOptionErrors(opts).length === 0) {
    // slabs in shared memory: the crop's second thread works on them without a copy
    // no tally of every voxel: the crop's output shows a NaN/Inf or a constant map (see croppedRange)
    const reader = await openMrcSections(opts.inputPath, { shared, sha256: true, tally: false, ignoreCell: opts.angpix !== undefined });
    const procShape = processingBox(reader.shape, opts.maxBox ?? DEFAULT_MAX_BOX);
    if (procShape.some((n, i) => n !== reader.shape[i])) {
      try {
        const voxelSizeA = angpixVoxel(reader.shape, reader.voxelSizeA);
        // the estimate's low-pass, computed by the crop from its own spectrum (saves its forward transforms)
        const lowpass = croppedLowpass(opts, procShape, reader.shape, voxelSizeA);
        const cropped = await resampleSections(reader, procShape, { voxelSizeA, shared, threads: shared, lowpass });
        const processing = cropped.volume;
        const inputRange = await croppedRange(opts.inputPath, processing.data);
        return {
          input: { header: reader.header, shape: reader.shape, voxelSizeA },
          estimateInput: { inputShape: reader.shape, inputRange, processing, resampleSeconds: cropped.computeSeconds, ...(lowpass && cropped.lowpassed ? { lowpassed: { volume: cropped.lowpassed, ...lowpass } } : {}) },
          headerVoxel: describe(reader.voxelSizeA),
          resampleSeconds: cropped.computeSeconds,
          inputHash: reader.sha256(),
        };
      } finally {
        await reader.close();
      }
    }
    await reader.close();
  }
  // in shared memory also without threads when the modifications need it: their worker thread
  // reads it without a copy
  const map = await readMrc(opts.inputPath, { shared: shared || wholeInputNeeded, ignoreCell: opts.angpix !== undefined });
  if (wholeInputNeeded && !isShared(map.volume.data)) {
    // a gzip, int16 or permuted file is read into ordinary memory: moved to shared memory once
    const data = sharedFloat32(map.volume.data.length);
    data.set(map.volume.data);
    map.volume.data = data;
  }
  const headerVoxel = describe(map.volume.voxelSizeA);
  map.volume.voxelSizeA = angpixVoxel(map.volume.shape, map.volume.voxelSizeA);
  return {
    input: { header: map.header, shape: map.volume.shape, voxelSizeA: map.volume.voxelSizeA, volume: map.volume },
    estimateInput: map.volume,
    headerVoxel,
    resampleSeconds: 0,
  };
}

/**
 * A map read whole and larger than its processing box, Fourier-cropped in a worker thread (with
 * the estimate's low-pass from the same spectrum), so that the main thread stays free for signals
 * and progress; the estimate of the {@link ResampledMap} is that of the whole map bit for bit (see
 * `estimateLocalScale`). Other inputs are returned as they are: the estimate crops them itself,
 * or reports their errors (option errors, underivable settings, a constant map).
 * @param map what {@link readInput} gave the estimate
 * @param progress the estimate's progress listener (fractions of the estimate: `resample` runs to 0.05)
 */
async function cropWholeMap(opts: EstimateFileOptions, map: EstimateInput, progress: (phase: string, fraction: number) => void): Promise<EstimateInput> {
  if ('processing' in map || estimateOptionErrors(opts).length > 0) return map;
  const procShape = processingBox(map.shape, opts.maxBox ?? DEFAULT_MAX_BOX);
  if (procShape.every((n, i) => n === map.shape[i])) return map;
  const lowpass = croppedLowpass(opts, procShape, map.shape, map.voxelSizeA);
  const inputRange = simdRange(map.data);
  if (!lowpass || !(inputRange.max > inputRange.min)) return map;
  progress('resample', 0);
  const t = performance.now();
  // the estimate's next phase starts at 0.05 of it
  const cropped = await computeInThread('fourierResampleLowpass', [map, procShape, lowpass, {}], { onProgress: (f) => progress('resample', 0.05 * f) });
  const resampleSeconds = (performance.now() - t) / 1000;
  return { inputShape: map.shape, inputRange, processing: cropped.volume, resampleSeconds, ...(cropped.lowpassed ? { lowpassed: { volume: cropped.lowpassed, ...lowpass } } : {}) };
}

/**
 * The value range the estimate's constant-map check needs, for a map streamed through the Fourier
 * crop without the reader's tally of every voxel (0.17 s of CPU at 512³): from the crop's output
 * when that proves the map finite and not constant, else from a second read of the file with the
 * tally (rare: its NaN/Inf error and exact range are then those of the tallied read).
 *
 * Why the output proves it: a NaN or ±Infinity voxel reaches the zero frequency of its row, then
 * of its plane and of the whole map (a sum with weight 1 at every step), and every output voxel
 * holds the zero frequency with weight 1: the output is then non-finite. A constant map's crop is
 * constant up to float32 rounding (relative 1e-6), so an output whose spread is above 1e-4 of its
 * magnitude comes from a map that is not constant; the range returned is then the output's (it only
 * has to have `max > min`).
 *
 * @param path the input map (read again only in the rare case)
 * @param cropped the crop's output (processing box)
 * @returns a range with `max > min` exactly when the input is not constant
 * @throws MrcFormatError for NaN/Inf voxels, as the tallied read gives it
 */
async function croppedRange(path: string, cropped: Float32Array): Promise<{ min: number; max: number }> {
  const r = simdRange(cropped);
  const finite = Number.isFinite(r.min) && Number.isFinite(r.max);
  if (finite && r.max - r.min > 1e-4 * Math.max(Math.abs(r.min), Math.abs(r.max))) return r;
  const again = await openMrcSections(path, { ignoreCell: true }); // only the values are read
  for await (const slab of again.sections()) slab.settle?.();
  return again.range();
}

/**
 * The estimate's low-pass (cut-off and mask) of the processing box, for the Fourier crop to
 * compute alongside (`resampleSections`' `lowpass`): the settings the estimate itself derives
 * (`processingSettings`, spec §3). Undefined when they cannot be derived (the estimate then reports
 * the error).
 */
function croppedLowpass(opts: EstimateFileOptions, procShape: Shape3, inputShape: Shape3, inputVoxelA: Vec3): ResampleLowpass | undefined {
  try {
    const settings = processingSettings(resampledVoxelSize(inputVoxelA, inputShape, procShape), procShape, opts);
    return { lowpassA: settings.lowpassA, maskStyle: opts.lowpassMask ?? DEFAULT_LOWPASS_MASK };
  } catch {
    return undefined;
  }
}

/**
 * The input diagnostics of the estimate: findings about the input map; a `not-density` map is
 * refused unless `opts.force` (then it stays among the findings, as a warning).
 * @param volume the map diagnosed (the input, or its processing-box copy)
 * @param header the input file's grid (header sampling, box, voxel size), for `anisotropic-voxels`
 * @throws Error naming the input and what it looks like, when it is not a density map; RangeError
 *   naming the input when it is constant (also with `force`: there is nothing to estimate)
 */
async function diagnoseInput(opts: EstimateFileOptions, volume: Volume, timer: PhaseTimer, header: ReturnType<typeof headerSampling>): Promise<MapDiagnosis | undefined> {
  timer.phase('diagnostics', 0.03);
  let d: MapDiagnosis | undefined;
  try {
    d = await diagnoseEstimateInput(volume, header);
  } finally {
    timer.stop();
  }
  if (!d) return undefined; // non-finite voxels: the estimate's own check names them
  const { constantValue, notDensity } = estimateRefusal(d, volume);
  // a constant map cannot be estimated, with --force or not: refused naming the file (the
  // estimate's own check said only 'the map is constant', without naming which map)
  if (constantValue !== undefined) throw new RangeError(`${opts.inputPath}: the map is constant (every voxel is ${constantValue}); there is nothing to estimate`);
  if (notDensity && !opts.force) {
    throw new Error(`${opts.inputPath}: ${notDensityText(notDensity)} ${opts.forceAdvice ?? 'Use --force to estimate anyway'} (occupy check ${opts.inputPath} for details).`);
  }
  return d;
}
