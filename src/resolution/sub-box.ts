/**
 * The sub-box around a region of a map, and cutting it out: lets the whole-map transforms of the
 * local-FSC default (global FSC, soft mask, pre-whitening) run on the part of the box that the
 * windows can reach.
 */
import type { Shape3, Volume } from '../core/volume.js';
import { fftFriendlySize } from './relion-locres.js';
import { nonZeroBounds, type VoxelRange } from '../math/non-zero-box.js';

/** An inclusive voxel range along X, Y, Z. */
export type SubBox = VoxelRange;

/**
 * The bounding box of the voxels where `region` is non-zero, grown by `margin` voxels on every
 * side, each edge enlarged to an FFT-friendly size (2^a·3^b·5^c, even) and clipped to the box.
 *
 * @param region length nx*ny*nz, index (z*ny+y)*nx+x
 * @returns the sub-box, or undefined when the region is empty or the sub-box would exceed
 *   `maxFraction` of the box (then the whole box is cheaper to use)
 */
export function regionSubBox(region: Uint8Array, shape: Shape3, margin: number, maxFraction = 0.6): SubBox | undefined {
  const [nx, ny, nz] = shape;
  const bounds = nonZeroBounds(shape, region);
  if (!bounds) return undefined;
  const min = bounds.lo;
  const max = bounds.hi;
  const lo: [number, number, number] = [0, 0, 0];
  const hi: [number, number, number] = [nx - 1, ny - 1, nz - 1];
  for (let ax = 0; ax < 3; ax++) {
    const n = shape[ax];
    const a = Math.max(0, min[ax] - margin);
    const b = Math.min(n - 1, max[ax] + margin);
    const size = Math.min(n, fftFriendlySize(b - a + 1));
    if (size >= n) continue;
    lo[ax] = Math.max(0, Math.min(a - ((size - (b - a + 1)) >> 1), n - size));
    hi[ax] = lo[ax] + size - 1;
  }
  const vol = (hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
  return vol > maxFraction * nx * ny * nz ? undefined : { lo, hi };
}

/** Edges of a sub-box in voxels. */
export function subBoxShape(b: SubBox): Shape3 {
  return [b.hi[0] - b.lo[0] + 1, b.hi[1] - b.lo[1] + 1, b.hi[2] - b.lo[2] + 1];
}

/**
 * Copy the voxels of a sub-box out of a map (same voxel size).
 * @param data length nx*ny*nz of `shape`, index (z*ny+y)*nx+x; not modified
 */
export function cutSubBox(data: Float32Array | Uint8Array, shape: Shape3, b: SubBox, voxelSizeA: readonly number[]): Volume {
  const [nx, ny] = shape;
  const [sx, sy, sz] = subBoxShape(b);
  const out = new Float32Array(sx * sy * sz);
  for (let z = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      const o = ((b.lo[2] + z) * ny + b.lo[1] + y) * nx + b.lo[0];
      const d = (z * sy + y) * sx;
      for (let x = 0; x < sx; x++) out[d + x] = data[o + x];
    }
  }
  return { data: out, shape: [sx, sy, sz], voxelSizeA: [voxelSizeA[0], voxelSizeA[1], voxelSizeA[2]] };
}

/** Write a sub-box's voxels into a new full-size map that is `fill` (default 0) elsewhere. */
export function pasteSubBox(sub: Float32Array, shape: Shape3, b: SubBox, fill = 0): Float32Array {
  const [nx, ny, nz] = shape;
  const [sx, sy, sz] = subBoxShape(b);
  const out = new Float32Array(nx * ny * nz);
  if (fill !== 0) out.fill(fill);
  for (let z = 0; z < sz; z++) {
    for (let y = 0; y < sy; y++) {
      out.set(sub.subarray((z * sy + y) * sx, (z * sy + y + 1) * sx), ((b.lo[2] + z) * ny + b.lo[1] + y) * nx + b.lo[0]);
    }
  }
  return out;
}
