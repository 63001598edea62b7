/**
 * Resampling a map to another voxel size (Fourier crop/pad), then cropping or padding it in real
 * space to a box.
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { fourierResample } from './fourier-resample.js';

/**
 * Resample `v` to the voxel size `voxelSizeA` (Å) by Fourier cropping/padding: the box becomes
 * `round(n_i · a_i / voxelSizeA)` per axis (so the physical size is kept up to rounding), then,
 * when `box` is given, the map is centre-cropped or zero-padded in real space to that box.
 *
 * The exact new voxel size is `a_i · n_i / m_i`; it equals `voxelSizeA` only when `n_i · a_i /
 * voxelSizeA` is an integer, and the difference is reported by the caller.
 *
 * @param v input map (canonical layout); not modified
 * @param voxelSizeA target voxel size, Å, > 0
 * @param box optional output box [nx, ny, nz] (voxels)
 * @throws RangeError for a non-positive voxel size or box
 */
export function resampleToVoxelSize(v: Volume, voxelSizeA: number, box?: Shape3): Volume {
  assertVolume(v);
  if (!(voxelSizeA > 0) || !Number.isFinite(voxelSizeA)) throw new RangeError(`--angpix must be > 0 Å, got ${voxelSizeA}`);
  const target = v.shape.map((n, i) => Math.max(2, Math.round((n * v.voxelSizeA[i]) / voxelSizeA))) as unknown as Shape3;
  const resampled = target.every((m, i) => m === v.shape[i]) ? { ...v, data: v.data.slice(), voxelSizeA: [...v.voxelSizeA] as Vec3 } : fourierResample(v, target);
  if (!box) return resampled;
  if (!box.every((n) => Number.isInteger(n) && n > 0)) throw new RangeError(`--box must be positive integers, got ${box.join('x')}`);
  return cropOrPad(resampled, box);
}

/** Centre-crop or zero-pad a map in real space to `box` (voxel size unchanged). */
export function cropOrPad(v: Volume, box: Shape3): Volume {
  const [nx, ny, nz] = v.shape;
  const [mx, my, mz] = box;
  const out = new Float32Array(mx * my * mz);
  const off = [0, 1, 2].map((i) => Math.floor(v.shape[i] / 2) - Math.floor(box[i] / 2));
  for (let z = 0; z < mz; z++) {
    const sz = z + off[2];
    if (sz < 0 || sz >= nz) continue;
    for (let y = 0; y < my; y++) {
      const sy = y + off[1];
      if (sy < 0 || sy >= ny) continue;
      for (let x = 0; x < mx; x++) {
        const sx = x + off[0];
        if (sx < 0 || sx >= nx) continue;
        out[(z * my + y) * mx + x] = v.data[(sz * ny + sy) * nx + sx];
      }
    }
  }
  return { data: out, shape: [mx, my, mz], voxelSizeA: [...v.voxelSizeA] as Vec3 };
}
