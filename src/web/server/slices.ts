/**
 * Slices of a layer on the input's box, as little-endian Float32 rows.
 *
 * `axis=z`: the XY plane at Z = index (width nx, height ny); `axis=y`: the XZ plane at Y = index
 * (width nx, height nz); `axis=x`: the YZ plane at X = index (width ny, height nz). Value (u, v)
 * (u along the width, v along the height) is at `v * width + u`; v = 0 is the first row (lowest
 * Y or Z). Layers on a smaller processing box (`--max-box` down-sampling) are sampled at the
 * nearest processing voxel.
 */
import { endianness } from 'node:os';
import type { Shape3, Volume } from '../../core/volume.js';
import type { SliceLayer } from '../api.js';
import { HttpError } from './http-util.js';

/** Slice axes. */
export type SliceAxis = 'x' | 'y' | 'z';

/** A slice: values and geometry. */
export interface Slice {
  width: number;
  height: number;
  /** Row-major values, length width × height. */
  values: Float32Array;
  min: number;
  max: number;
}

const LAYERS: readonly SliceLayer[] = ['input', 'scale', 'confidence', 'soldef', 'output', 'locres', 'occupancy', 'bfactor', 'mask'];

/**
 * Parse and check the query of a slice request against the input box.
 * @throws HttpError 400 for an unknown layer or axis, or an index that is not an integer in
 *   [0, n) along the axis
 */
export function parseSliceQuery(q: URLSearchParams, inputShape: Shape3): { layer: SliceLayer; axis: SliceAxis; index: number; run?: number } {
  const layer = q.get('layer') ?? 'input';
  if (!(LAYERS as readonly string[]).includes(layer)) throw new HttpError(400, `layer must be one of ${LAYERS.join(', ')}; got '${layer}'`);
  const axis = q.get('axis') ?? 'z';
  if (axis !== 'x' && axis !== 'y' && axis !== 'z') throw new HttpError(400, `axis must be x, y or z; got '${axis}'`);
  const n = inputShape[axis === 'x' ? 0 : axis === 'y' ? 1 : 2];
  const rawIndex = q.get('index');
  const index = rawIndex === null || rawIndex.trim() === '' ? Number.NaN : Number(rawIndex);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new HttpError(400, `index must be an integer in [0, ${n - 1}] along ${axis}; got '${rawIndex ?? ''}'`);
  const rawRun = q.get('run');
  if (rawRun === null) return { layer: layer as SliceLayer, axis, index };
  const run = Number(rawRun);
  if (layer !== 'scale' || !Number.isInteger(run) || run < 1) throw new HttpError(400, `run must be a run number >= 1 of the scale layer; got '${rawRun}'`);
  return { layer: layer as SliceLayer, axis, index, run };
}

/** Nearest processing-box index of input-box index i (box n → box m). */
function nearest(i: number, n: number, m: number): number {
  if (n === m) return i;
  return Math.min(m - 1, Math.floor(((i + 0.5) * m) / n));
}

/**
 * Extract a slice of `vol` at input-box `index` along `axis`, sized on `inputShape`.
 * @param vol the layer (input box, or a processing box of the same extent)
 * @param inputShape the input's box [nx, ny, nz]
 */
export function extractSlice(vol: Volume, inputShape: Shape3, axis: SliceAxis, index: number): Slice {
  const [nx, ny, nz] = inputShape;
  const [mx, my, mz] = vol.shape;
  const width = axis === 'x' ? ny : nx;
  const height = axis === 'z' ? ny : nz;
  const values = new Float32Array(width * height);
  const d = vol.data;
  const xs = Array.from({ length: nx }, (_, i) => nearest(i, nx, mx));
  const ys = Array.from({ length: ny }, (_, i) => nearest(i, ny, my));
  const zs = Array.from({ length: nz }, (_, i) => nearest(i, nz, mz));
  let k = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      let x: number, y: number, z: number;
      if (axis === 'z') [x, y, z] = [xs[u], ys[v], zs[index]];
      else if (axis === 'y') [x, y, z] = [xs[u], ys[index], zs[v]];
      else [x, y, z] = [xs[index], ys[u], zs[v]];
      values[k++] = d[(z * my + y) * mx + x];
    }
  }
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { width, height, values, min, max };
}

/** The slice's values as little-endian Float32 bytes. */
export function sliceBytes(s: Slice): Buffer {
  const buf = Buffer.from(s.values.buffer, s.values.byteOffset, s.values.byteLength);
  if (endianness() === 'LE') return buf;
  const out = Buffer.alloc(s.values.length * 4);
  for (let i = 0; i < s.values.length; i++) out.writeFloatLE(s.values[i], i * 4);
  return out;
}

/**
 * The half-map run's mask on the input's box, one bit per voxel: bit `i % 8` of byte `i >> 3` is 1
 * where the mask is > 0.5 (where `occupy locres` reports), voxel `i = (z*ny + y)*nx + x`. A mask on
 * a smaller box of the same extent is sampled at the nearest voxel, as slices are. One answer for
 * the whole box: the 3D view had fetched the mask as one slice request per z (512 at 512³).
 * @param vol the mask
 * @param inputShape the input's box [nx, ny, nz]
 * @returns ceil(nx·ny·nz / 8) bytes
 */
export function maskBits(vol: Volume, inputShape: Shape3): Buffer {
  const [nx, ny, nz] = inputShape;
  const [mx, my, mz] = vol.shape;
  const out = Buffer.alloc(Math.ceil((nx * ny * nz) / 8));
  const d = vol.data;
  const xs = Array.from({ length: nx }, (_, i) => nearest(i, nx, mx));
  let i = 0;
  for (let z = 0; z < nz; z++) {
    const zo = nearest(z, nz, mz) * my;
    for (let y = 0; y < ny; y++) {
      const row = (zo + nearest(y, ny, my)) * mx;
      for (let x = 0; x < nx; x++, i++) if (d[row + xs[x]] > 0.5) out[i >> 3] |= 1 << (i & 7);
    }
  }
  return out;
}
