import type { Shape3 } from '../../core/volume.js';

/**
 * Axis order of an MRC data block: the physical axis (1 = X, 2 = Y, 3 = Z) of the columns
 * (fastest in the file), rows and sections (slowest), i.e. the header's `[mapc, mapr, maps]`.
 */
export type AxisOrder = readonly [number, number, number];

/** True when `[mapc, mapr, maps]` is a permutation of 1, 2, 3. */
export function isAxisPermutation(order: readonly number[]): boolean {
  if (order.length !== 3) return false;
  const seen = [false, false, false, false];
  for (const a of order) {
    if (a !== 1 && a !== 2 && a !== 3) return false;
    if (seen[a]) return false;
    seen[a] = true;
  }
  return true;
}

/**
 * Physical box `[nX, nY, nZ]` of a file box `[nx, ny, nz]` (columns, rows, sections).
 *
 * nPhys[mapc-1] = nx, nPhys[mapr-1] = ny, nPhys[maps-1] = nz.
 *
 * @param fileBox `[nx, ny, nz]` as in the header (columns, rows, sections), voxels
 * @param order `[mapc, mapr, maps]`, a permutation of 1, 2, 3 (not checked)
 */
export function physicalShape(fileBox: readonly [number, number, number], order: AxisOrder): Shape3 {
  const s: [number, number, number] = [0, 0, 0];
  s[order[0] - 1] = fileBox[0];
  s[order[1] - 1] = fileBox[1];
  s[order[2] - 1] = fileBox[2];
  return s;
}

/**
 * File box `[nx, ny, nz]` (columns, rows, sections) of a physical box `[nX, nY, nZ]`:
 * nx = nPhys[mapc-1], ny = nPhys[mapr-1], nz = nPhys[maps-1].
 *
 * @param shape physical box along X, Y, Z, voxels
 * @param order `[mapc, mapr, maps]`, a permutation of 1, 2, 3 (not checked)
 */
export function fileBox(shape: Shape3, order: AxisOrder): [number, number, number] {
  return [shape[order[0] - 1], shape[order[1] - 1], shape[order[2] - 1]];
}

/** Canonical (X-fastest) strides of the columns, rows and sections. */
function fileStrides(shape: Shape3, order: AxisOrder): [number, number, number] {
  const strides = [1, shape[0], shape[0] * shape[1]];
  return [strides[order[0] - 1], strides[order[1] - 1], strides[order[2] - 1]];
}

/**
 * Reorder a data block from file order to canonical X-fastest order.
 *
 * File voxel (c, r, s) at index (s*ny + r)*nx + c lies at physical coordinate
 * p[mapc-1] = c, p[mapr-1] = r, p[maps-1] = s, stored at canonical index (Z*nY + Y)*nX + X.
 *
 * @param fileData length nx*ny*nz, index (s*ny + r)*nx + c; returned as is (not copied) when
 *   the order is already 1, 2, 3
 * @param box `[nx, ny, nz]` columns, rows, sections, voxels
 * @param order `[mapc, mapr, maps]`, a permutation of 1, 2, 3 (not checked)
 * @returns data of length nX*nY*nZ in canonical order, and its physical shape `[nX, nY, nZ]`
 */
export function fileToCanonical(
  fileData: Float32Array,
  box: readonly [number, number, number],
  order: AxisOrder,
): { data: Float32Array; shape: Shape3 } {
  const shape = physicalShape(box, order);
  if (order[0] === 1 && order[1] === 2 && order[2] === 3) return { data: fileData, shape };
  const [nc, nr, ns] = box;
  const [sc, sr, ss] = fileStrides(shape, order);
  const out = new Float32Array(fileData.length);
  let i = 0;
  for (let s = 0; s < ns; s++) {
    for (let r = 0; r < nr; r++) {
      let dst = s * ss + r * sr;
      for (let c = 0; c < nc; c++, dst += sc) out[dst] = fileData[i++];
    }
  }
  return { data: out, shape };
}

/**
 * Reorder canonical X-fastest data into the file order `[mapc, mapr, maps]` (inverse of
 * {@link fileToCanonical}).
 *
 * @param data length nX*nY*nZ, index (Z*nY + Y)*nX + X; not modified; returned as is when
 *   the order is 1, 2, 3
 * @param shape `[nX, nY, nZ]`, voxels
 * @param order `[mapc, mapr, maps]`, a permutation of 1, 2, 3 (not checked)
 * @returns data of length nx*ny*nz, index (s*ny + r)*nx + c (columns fastest)
 */
export function canonicalToFile(data: Float32Array, shape: Shape3, order: AxisOrder): Float32Array {
  if (order[0] === 1 && order[1] === 2 && order[2] === 3) return data;
  const [nc, nr, ns] = fileBox(shape, order);
  const [sc, sr, ss] = fileStrides(shape, order);
  const out = new Float32Array(data.length);
  let i = 0;
  for (let s = 0; s < ns; s++) {
    for (let r = 0; r < nr; r++) {
      let src = s * ss + r * sr;
      for (let c = 0; c < nc; c++, src += sc) out[i++] = data[src];
    }
  }
  return out;
}
