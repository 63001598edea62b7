/**
 * Local low-pass filtering by a local-resolution map (blocfilt / RELION locres_filtered style).
 * @see shared/spec/local-resolution.md §2.6
 */
import { assertVolume, type Volume } from '../core/volume.js';
import { lowpassHard } from '../filters/lowpass.js';

/**
 * Each voxel taken from the map low-passed at its own local resolution: the map is low-passed at
 * `levels` resolutions evenly spaced in frequency between the finest and coarsest local values,
 * and each voxel is linearly interpolated (in frequency) between the two levels around its value.
 *
 * @param map map to filter (e.g. the average of the half maps); not modified
 * @param resolutionA local resolution per voxel in Å, same layout and length
 * @param levels number of low-pass levels (default 8, at least 2)
 * @throws RangeError when the lengths differ or levels < 2
 */
export function localLowpass(map: Volume, resolutionA: Float32Array, levels = 8): Volume {
  assertVolume(map);
  if (resolutionA.length !== map.data.length) throw new RangeError(`resolution map has ${resolutionA.length} voxels, the map ${map.data.length}`);
  if (!Number.isInteger(levels) || levels < 2) throw new RangeError(`levels must be an integer >= 2, got ${levels}`);
  let fMin = Infinity;
  let fMax = -Infinity;
  for (let i = 0; i < resolutionA.length; i++) {
    const f = 1 / resolutionA[i];
    if (f < fMin) fMin = f;
    if (f > fMax) fMax = f;
  }
  const out = new Float32Array(map.data.length);
  if (!(fMax > fMin)) {
    out.set(lowpassHard(map, 1 / fMin, 'centred').data);
    return { data: out, shape: map.shape, voxelSizeA: [...map.voxelSizeA] };
  }
  const step = (fMax - fMin) / (levels - 1);
  const filtered = Array.from({ length: levels }, (_, l) => lowpassHard(map, 1 / (fMin + l * step), 'centred').data);
  for (let i = 0; i < out.length; i++) {
    const t = (1 / resolutionA[i] - fMin) / step;
    const l = Math.min(levels - 2, Math.max(0, Math.floor(t)));
    const u = Math.min(1, Math.max(0, t - l));
    out[i] = (1 - u) * filtered[l][i] + u * filtered[l + 1][i];
  }
  return { data: out, shape: map.shape, voxelSizeA: [...map.voxelSizeA] };
}
