/**
 * The library's refusal of half maps and masks that cannot give a resolution at all
 * (`src/resolution/half-map-checks.ts`), as `OptionError`s naming the argument.
 */
import type { Volume } from '../core/volume.js';
import { constantHalfMapProblem, emptyMaskProblem, MASK_INSIDE, MIN_FSC_MASK_VOXELS, smallFscMaskProblem } from '../resolution/half-map-checks.js';
import { refusedPairFinding } from '../diagnostics/index.js';
import { loadFft } from '../math/fft.js';
import { optionError } from './errors.js';

/**
 * Refuse a half map (or the one map of MonoRes, or decompose's map) without contrast.
 * @param name the argument's key, e.g. `half1`
 * @param consequence what the message says follows (default: no resolution can be read from it)
 * @throws OptionError `.option` `<name>.data`: "<name> is constant (every voxel is 0): …"
 */
export function checkHalfMapContent(v: Volume, name: string, consequence = 'no resolution can be read from it'): void {
  const problem = constantHalfMapProblem(v.data);
  if (problem) throw optionError(`${name}.data`, 'a map with contrast (not constant)', undefined, `${name} ${problem}: ${consequence}`);
}

/**
 * Refuse a mask that selects no voxel.
 * @throws OptionError `.option` `mask`: "mask selects no voxel (no value > 0.5; largest 0)"
 */
export function checkMaskContent(v: Volume): void {
  const problem = emptyMaskProblem(v.data);
  if (problem) throw optionError('mask', `a mask with values > ${MASK_INSIDE} where the molecule is`, undefined, `mask ${problem}`);
}

/**
 * Refuse a mask too small for a masked global FSC (`smallFscMaskProblem`), after {@link checkMaskContent}.
 * @throws OptionError `.option` `mask`: "mask covers 1 voxels (…), less than a sphere 8 voxels across (268): …"
 */
export function checkFscMaskSize(v: Volume): void {
  const problem = smallFscMaskProblem(v.data);
  if (problem) throw optionError('mask', `a mask of at least ${MIN_FSC_MASK_VOXELS} voxels (sum of its values in [0, 1])`, undefined, `mask ${problem}`);
}

/**
 * Refuse two "half maps" that are one map given twice or one half with inverted contrast, as
 * `occupy fsc`, `occupy locres` and `occupy decompose --half-maps` do (their input diagnostics'
 * `identical-halves` / `anti-correlated-halves`): the FSC of identical halves never falls below
 * 0.143 (`resolutionAt0143A` null, local resolution at Nyquist everywhere), that of inverted ones
 * reads the box. Loads the FFT; one transform of each half's centre cube.
 * @param names the arguments' keys, e.g. `['half1', 'half2']`
 * @throws OptionError `.option` `names[1]`: "half1 and half2: the two maps are identical (FSC ≥ 1.0000 at every frequency): …"
 */
export async function checkIndependentHalves(a: Volume, b: Volume, names: readonly [string, string]): Promise<void> {
  await loadFft();
  const finding = refusedPairFinding(a, b);
  if (finding) throw optionError(names[1], `a half map independent of ${names[0]} (not the same map, not inverted)`, undefined, `${names[0]} and ${names[1]}: ${finding.message}`);
}
