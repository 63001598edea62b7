/**
 * The library's refusal of half maps and masks that cannot give a resolution at all
 * (`src/resolution/half-map-checks.ts`), as `OptionError`s naming the argument.
 */
import type { Volume } from '../core/volume.js';
import { constantHalfMapProblem, emptyMaskProblem, MASK_INSIDE, MIN_FSC_MASK_VOXELS, smallFscMaskProblem } from '../resolution/half-map-checks.js';
import { optionError } from './errors.js';

/**
 * Refuse a half map (or the one map of MonoRes) without contrast.
 * @param name the argument's key, e.g. `half1`
 * @throws OptionError `.option` `<name>.data`: "<name> is constant (every voxel is 0): …"
 */
export function checkHalfMapContent(v: Volume, name: string): void {
  const problem = constantHalfMapProblem(v.data);
  if (problem) throw optionError(`${name}.data`, 'a map with contrast (not constant)', undefined, `${name} ${problem}: no resolution can be read from it`);
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
