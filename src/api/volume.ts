/**
 * The public map type of the library and its checks at the API boundary.
 */
import type { Vec3, Volume as CoreVolume } from '../core/volume.js';
import { simdRange } from '../math/voxel-kernels.js';
import { optionError } from './errors.js';
import { formatA, originsDiffer, voxelSizesDiffer } from '../core/grid-match.js';

/**
 * A 3D density map as the library takes and returns it.
 *
 * Layout: `data` has length `nx*ny*nz`; voxel (x, y, z) is at index `(z*ny + y)*nx + x` (x
 * fastest), with x, y, z the physical X, Y, Z axes (an MRC file's `mapc/mapr/maps` order is
 * undone by {@link readMrc}).
 */
export interface Volume {
  /** Voxel values, length `nx*ny*nz`, index `(z*ny + y)*nx + x`; density in the map's units. */
  data: Float32Array;
  /** Box `[nx, ny, nz]` in voxels along X, Y, Z. */
  shape: readonly [number, number, number];
  /** Voxel size along X, Y, Z in Å. */
  voxelSizeA: [number, number, number];
  /**
   * Position of voxel (0, 0, 0) along X, Y, Z in Å, in the frame ChimeraX shows the map in: the
   * MRC header's `origin` when it is non-zero, otherwise `nxstart/nystart/nzstart × voxel size`.
   */
  originA: [number, number, number];
}

/** What the functions accept: a {@link Volume} whose `originA` may be left out (then 0, 0, 0). */
export type VolumeInput = Omit<Volume, 'originA'> & {
  /** Position of voxel (0, 0, 0) along X, Y, Z in Å (see {@link Volume.originA}); default [0, 0, 0]. */
  originA?: [number, number, number];
};

/**
 * Check a volume given to the API and return it as the method's volume (no copy of the voxels).
 * @param name the argument's key in error messages (`volume`, `half1`, `mask`, …)
 * @param finite also require every voxel to be a finite number (one pass over the data)
 * @throws TypeError naming `<name>`, `<name>.shape`, `<name>.voxelSizeA`, `<name>.originA` or
 *   `<name>.data` when it has the wrong kind or length (not a triple; data not a Float32Array of
 *   length nx*ny*nz)
 * @throws OptionError naming the field when a value is out of range (box not positive integers,
 *   voxel size not > 0 Å, non-finite origin, NaN/±Infinity voxels)
 */
export function checkVolume(v: VolumeInput, name: string, finite = true): CoreVolume & { originA: Vec3 } {
  if (typeof v !== 'object' || v === null) throw new TypeError(`${name} must be a volume {data, shape, voxelSizeA}, got ${String(v)}`);
  const triple = (t: unknown): t is number[] => Array.isArray(t) && t.length === 3 && t.every((x) => typeof x === 'number');
  const { shape, voxelSizeA } = v;
  if (!triple(shape)) throw new TypeError(`${name}.shape must be [nx, ny, nz], got ${String(shape)}`);
  if (!shape.every((n) => Number.isInteger(n) && n >= 1)) throw optionError(`${name}.shape`, '[nx, ny, nz] of positive integers', shape);
  if (!triple(voxelSizeA)) throw new TypeError(`${name}.voxelSizeA must be [ax, ay, az] in Å, got ${String(voxelSizeA)}`);
  if (!voxelSizeA.every((a) => Number.isFinite(a) && a > 0)) throw optionError(`${name}.voxelSizeA`, '[ax, ay, az] of finite numbers > 0 (Å)', voxelSizeA);
  const originA = v.originA ?? [0, 0, 0];
  if (!triple(originA)) throw new TypeError(`${name}.originA must be [x, y, z] in Å, got ${String(originA)}`);
  if (!originA.every((a) => Number.isFinite(a))) throw optionError(`${name}.originA`, '[x, y, z] of finite numbers (Å)', originA);
  const n = shape[0] * shape[1] * shape[2];
  if (!(v.data instanceof Float32Array) || v.data.length !== n) {
    const got = v.data instanceof Float32Array ? `length ${v.data.length}` : (v.data as object | undefined)?.constructor?.name ?? String(v.data);
    throw new TypeError(`${name}.data must be a Float32Array of length nx*ny*nz = ${n}, got ${got}`);
  }
  if (finite && n > 0) {
    const { min, max } = simdRange(v.data);
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw optionError(`${name}.data`, 'finite numbers (no NaN or ±Infinity)', `${min}..${max}`, `${name}.data must hold finite numbers only (found NaN or ±Infinity)`);
  }
  return { data: v.data, shape: [shape[0], shape[1], shape[2]], voxelSizeA: [voxelSizeA[0], voxelSizeA[1], voxelSizeA[2]], originA: [originA[0], originA[1], originA[2]] };
}

/**
 * Check that `v` is on the same grid as `ref`: the rule of the commands' check of a second half
 * map and every mask (src/jobs/read-map.ts `checkSameGrid`; both use src/core/grid-match.ts): the
 * same box and voxel sizes equal to 0.1 % are required; a different `originA` is not refused
 * (some programs write masks with a zero origin) but returned as a warning line, which the
 * functions with a `warnings` list (decompose, the estimate's summary) report.
 * @returns a line naming both origins (Å) when they differ by more than 0.01 voxel, else undefined
 * @throws OptionError naming `name` when the boxes or voxel sizes differ
 */
export function checkSameGrid(v: CoreVolume & { originA?: readonly number[] }, ref: CoreVolume & { originA?: readonly number[] }, name: string, refName: string): string | undefined {
  if (v.shape.some((n, i) => n !== ref.shape[i])) {
    throw optionError(name, `a map on the box of ${refName} (${ref.shape.join('x')})`, v.shape.join('x'), `${name} box ${v.shape.join('x')} does not match ${refName} ${ref.shape.join('x')}`);
  }
  if (voxelSizesDiffer(v.voxelSizeA, ref.voxelSizeA)) {
    throw optionError(name, `the voxel size of ${refName} (${formatA(ref.voxelSizeA)} Å)`, v.voxelSizeA, `${name} voxel size ${formatA(v.voxelSizeA)} Å does not match ${refName} ${formatA(ref.voxelSizeA)} Å`);
  }
  const o = v.originA ?? [0, 0, 0];
  const ro = ref.originA ?? [0, 0, 0];
  if (!originsDiffer(o, ro, ref.voxelSizeA)) return undefined;
  return `${name}.originA (${formatA(o)}) Å differs from ${refName}'s (${formatA(ro)}) Å: it is used voxel for voxel on the same box, as if it were at the same place (right for a map written with a zero origin; wrong if it was cut from elsewhere)`;
}

/**
 * A public volume from the method's volume plus an origin: no copy of the voxels, unless they are
 * in a SharedArrayBuffer (the estimate's worker-thread memory), which is copied into an ordinary
 * one, so that a caller's `structuredClone`/`postMessage` copies, and `crypto.subtle` and
 * `Response` take the array, whatever `threads` was (until session 49 `scale.data` was shared on
 * boxes of 64³ and more).
 */
export function publicVolume(v: CoreVolume, originA: Vec3): Volume {
  const data = v.data.buffer instanceof SharedArrayBuffer ? new Float32Array(v.data) : v.data;
  return { data, shape: [v.shape[0], v.shape[1], v.shape[2]], voxelSizeA: [...v.voxelSizeA] as Vec3, originA: [...originA] as Vec3 };
}
