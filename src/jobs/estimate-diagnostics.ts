/**
 * The estimate's input diagnostics (`src/diagnostics`, docs/diagnostics.md), one code for the
 * command line's estimate job (`estimateFromFile`) and the library's `estimateLocalScale` and
 * `modifyMap`: the checks in steps before the estimate (a signal or abort acted on between
 * steps), the noise spectrum deferred to the wait for the worker thread's local scale, and the
 * findings (with the solvent model's self-check) first among the run's warnings.
 */
import type { Volume } from '../core/volume.js';
import { runStepsYielding } from '../core/event-loop.js';
import { completeDiagnosis, diagnoseMapSteps, findingLine, type DiagnoseOptions, type Finding, type MapDiagnosis } from '../diagnostics/index.js';
import { SOLVENT_PEAK_WARNING_START, type EstimateResult } from '../occupancy/estimate.js';
import { solventModelSelfCheck } from '../occupancy/solvent-model.js';

/**
 * Run the input diagnostics on the map the estimate reads, in steps with a turn of the event loop
 * after each (a signal is acted on within one step; in one block a SIGINT had waited 3.5–4.5 s at
 * 256³ on a loaded machine, session 59). The value range is the sample's unless it matters for a
 * finding; the noise spectrum (for `sharpened`) is deferred: finish it with {@link DeferredDiagnosis}.
 * @param volume the map diagnosed (the input, or its processing-box copy); not modified
 * @param header the input file's grid (`anisotropic-voxels`), when there is a file
 * @param onStep called after each step with the fraction done (an exception from it ends the checks with it)
 * @returns the diagnosis, or undefined when the map has non-finite voxels (the estimate's own check names them)
 */
export async function diagnoseEstimateInput(volume: Volume, header?: DiagnoseOptions['header'], onStep?: (fraction: number) => void): Promise<MapDiagnosis | undefined> {
  const steps = diagnoseMapSteps(volume, { sampledRange: true, deferNoise: true, header });
  // what onStep throws (an abort) is the caller's; what the checks throw (non-finite voxels) is not
  let stopped = false;
  const step = onStep && ((fraction: number) => {
    try {
      onStep(fraction);
    } catch (err) {
      stopped = true;
      throw err;
    }
  });
  try {
    return await runStepsYielding(steps, step);
  } catch (err) {
    if (stopped) throw err;
    return undefined;
  }
}

/** Why an estimate cannot or should not run on a diagnosed map. */
export interface EstimateRefusal {
  /** The map is constant: nothing to estimate, with `force` or not (every voxel's value). */
  constantValue?: number;
  /** The `not-density` finding (a mask, labels, a scale or local-resolution map): refused unless forced. */
  notDensity?: Finding;
}

/** The refusal a diagnosis calls for (empty when the map is a density map), see {@link EstimateRefusal}. */
export function estimateRefusal(d: MapDiagnosis, volume: Volume): EstimateRefusal {
  if (d.findings.some((f) => f.evidence.kind === 'constant')) return { constantValue: volume.data[0] };
  const notDensity = d.findings.find((f) => f.code === 'not-density');
  return notDensity ? { notDensity } : {};
}

/** The `not-density` finding's message without its CLI tail "(the estimate refuses it unless --force)". */
export function notDensityText(f: Finding): string {
  return f.message.replace(/ \(the estimate refuses it unless --force\)\.$/, '.');
}

/**
 * The part of a diagnosis deferred to the estimate's wait for its worker thread (the noise
 * spectrum and `sharpened`): `complete(true)` is the estimate's `whileWaiting`, `complete()` after
 * the estimate finishes what no wait overlapped (small maps run on one thread).
 */
export class DeferredDiagnosis {
  /** Seconds of the deferred part that ran while the worker computed (0 when none did). */
  overlappedSeconds = 0;
  /** Seconds of the deferred part that ran on its own, after the estimate. */
  ownSeconds = 0;
  /**
   * @param diagnosis the diagnosis so far (undefined: none ran)
   * @param volume the map diagnosed, which the estimate does not modify
   */
  constructor(public diagnosis: MapDiagnosis | undefined, private readonly volume: Volume) {}

  /** Finish the diagnosis (once; later calls do nothing). */
  complete = (overlapping = false): void => {
    if (!this.diagnosis?.noisePending) return;
    const before = this.diagnosis.seconds;
    this.diagnosis = completeDiagnosis(this.diagnosis, this.volume);
    const sec = this.diagnosis.seconds - before;
    if (overlapping) this.overlappedSeconds = sec;
    else this.ownSeconds += sec;
  };

  /** The findings (a copy; none without a diagnosis). */
  get findings(): Finding[] {
    return [...(this.diagnosis?.findings ?? [])];
  }
}

/**
 * The findings of an estimate as every caller reports them: the input's, plus the solvent model's
 * self-check (`solvent-model`) when it warns; the estimate's own solvent-peak warning dropped when
 * an `offset` finding says it; each finding's line (`[code] message`) first among
 * `result.warnings`, then `gridWarnings`. Changes `result.warnings` and `findings` in place.
 * @param result the estimate's result
 * @param findings the input's findings (grown by the self-check's)
 * @param gridWarnings one line each for a mask whose origin differs from the input's
 */
export function reportEstimateFindings(result: EstimateResult, findings: Finding[], gridWarnings: readonly string[]): void {
  const selfCheck = solventModelSelfCheck(result.solvent);
  if (selfCheck.warning) {
    findings.push({
      code: 'solvent-model',
      severity: 'warning',
      message: selfCheck.warning,
      evidence: { sigma: result.solvent.model.sigma, histogramSigma: selfCheck.histogramSigma, widthRatio: selfCheck.widthRatio, spikeRatio: Number.isFinite(selfCheck.spikeRatio) ? selfCheck.spikeRatio : null, peakFraction: selfCheck.peakFraction },
    });
  }
  // the estimate's own solvent-peak warning (src/occupancy/estimate.ts) says what an `offset`
  // finding says: with the finding, the one said once is the finding (its code reaches --json,
  // batch records and the GUI)
  if (findings.some((f) => f.code === 'offset')) result.warnings = result.warnings.filter((w) => !w.startsWith(SOLVENT_PEAK_WARNING_START));
  // each finding once, first among the warnings (stderr, log, ChimeraX script, GUI, batch records)
  result.warnings.unshift(...findings.map((f) => findingLine(f)), ...gridWarnings);
}
