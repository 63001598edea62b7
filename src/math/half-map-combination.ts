/**
 * The two voxel-wise combinations of a half-map pair: their mean (the signal map) and half their
 * difference (pure noise, with the same noise level as the mean). Plain loops on purpose:
 * `Float32Array.from(a, (v, i) => …)` takes about 0.5 µs per voxel on Node 20 (8 s for a 256³
 * box, against 0.5 s for the loop).
 */

/**
 * `(a[i] + b[i]) / 2` for every voxel.
 * @param a first half map's voxels, any layout
 * @param b second half map's voxels, the same layout and length
 * @returns a new Float32Array of the same length
 * @throws RangeError when the lengths differ
 */
export function halfMapMean(a: Float32Array, b: Float32Array): Float32Array {
  return combine(a, b, 0.5, 0.5);
}

/**
 * `(a[i] − b[i]) / 2` for every voxel: the noise of the mean map.
 * @param a first half map's voxels, any layout
 * @param b second half map's voxels, the same layout and length
 * @returns a new Float32Array of the same length
 * @throws RangeError when the lengths differ
 */
export function halfMapHalfDifference(a: Float32Array, b: Float32Array): Float32Array {
  return combine(a, b, 0.5, -0.5);
}

function combine(a: Float32Array, b: Float32Array, wa: number, wb: number): Float32Array {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`half maps must have the same number of voxels, got ${n} and ${b.length}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = wa * a[i] + wb * b[i];
  return out;
}
