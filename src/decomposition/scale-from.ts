/**
 * `--scale-from decompose`: the estimate's map modifications (amplify, attenuate, sigmoid) driven
 * by the decomposed relative occupancy instead of the local scale, so that a flexible but fully
 * occupied domain is not treated as partially occupied.
 */
import type { EstimateResult } from '../occupancy/estimate.js';
import { decompose, type DecomposeOptions, type DecomposeResult } from './decompose.js';

/**
 * The estimate with its `scale` replaced by the decomposed occupancy of the same (processing-box)
 * input, one map (noise from the solvent). Everything else (confidence, solvent model, input) is
 * the estimate's, so the modification's solvent handling is unchanged.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param result an estimate (its `input` is the map on the processing box)
 * @param options decomposition options (bands, resolutions); `halfMaps` and `mask` must be on the
 *   processing box when given
 * @returns a shallow copy of `result` with `scale` = occupancy in [0, 1]; a note (and any
 *   decomposition warning) is pushed onto `result.notes` / `result.warnings` for the log
 * @throws as `decompose`
 */
export function decomposedScale(result: EstimateResult, options: DecomposeOptions = {}): EstimateResult {
  return withDecomposedScale(result, decompose(result.input, options));
}

/**
 * {@link decomposedScale} of a decomposition computed elsewhere (`occupy` runs it in a worker
 * thread: `computeInThread('decompose', [result.input, {}])`).
 * @param result an estimate
 * @param d the decomposition of `result.input` (processing box)
 * @returns a shallow copy of `result` with `scale` = `d.occupancy`; the note and the
 *   decomposition's warnings are pushed onto `result.notes` / `result.warnings`
 */
export function withDecomposedScale(result: EstimateResult, d: DecomposeResult): EstimateResult {
  let sum = 0, count = 0;
  for (let i = 0; i < d.molecule.length; i++) if (d.molecule[i]) {
    sum += d.occupancy.data[i];
    count++;
  }
  const note = `--scale-from decompose: modifications use the decomposed relative occupancy (mean ${count > 0 ? (sum / count).toFixed(3) : 'n/a'} over the molecule, ${d.bands.length} bands ${d.bands[0].resolutionA.toFixed(1)}–${d.bands[d.bands.length - 1].resolutionA.toFixed(1)} Å), not the local scale`;
  result.notes.push(note);
  result.warnings.push(...d.warnings.map((w) => `decompose: ${w}`));
  return { ...result, scale: d.occupancy };
}
