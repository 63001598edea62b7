/**
 * The ellipsoid inscribed in a box: the solvent region of the OccuPy estimate (spec §5.1, §12)
 * and the default report region of the local FSC.
 */
import type { Shape3 } from '../core/volume.js';

/** Membership test of the inscribed ellipsoid, shared by the mask and the row ranges. */
function ellipsoid(shape: Shape3): { tyz: (y: number, z: number) => number; inside: (tyz: number, x: number) => boolean; cx: number; rx: number } {
  const [nx, ny, nz] = shape;
  const rx = nx / 2;
  const ry = ny / 2;
  const rz = nz / 2;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const cz = (nz - 1) / 2;
  return {
    tyz: (y, z) => ((z - cz) / rz) ** 2 + ((y - cy) / ry) ** 2,
    inside: (tyz, x) => tyz + ((x - cx) / rx) ** 2 <= 1 + 1e-12,
    cx,
    rx,
  };
}

/**
 * The inscribed ellipsoid of {@link inscribedEllipsoidMask} as one run of voxels per X row (an
 * ellipsoid meets a row in one contiguous run), so that region statistics can loop over the
 * runs without a mask of the whole box.
 *
 * @param shape box [nx, ny, nz]
 * @returns Int32Array of length `2*ny*nz`: for row `r = z*ny + y`, `[2r]` is the first X inside and
 *   `[2r+1]` one past the last (equal when the row misses the ellipsoid)
 */
export function inscribedEllipsoidRows(shape: Shape3): Int32Array {
  const [nx, ny, nz] = shape;
  const e = ellipsoid(shape);
  const runs = new Int32Array(2 * ny * nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const tyz = e.tyz(y, z);
      const r = 2 * (z * ny + y);
      if (!(tyz <= 1 + 1e-12)) continue; // also misses at the centre: the row is outside
      // estimate the run from the closed form, then settle each end on the exact predicate
      const half = e.rx * Math.sqrt(Math.max(0, 1 - tyz));
      let x0 = Math.max(0, Math.min(nx - 1, Math.ceil(e.cx - half)));
      while (x0 > 0 && e.inside(tyz, x0 - 1)) x0--;
      while (x0 < nx && !e.inside(tyz, x0)) x0++;
      let x1 = Math.max(x0, Math.min(nx, Math.floor(e.cx + half) + 1));
      while (x1 < nx && e.inside(tyz, x1)) x1++;
      while (x1 > x0 && !e.inside(tyz, x1 - 1)) x1--;
      runs[r] = x0;
      runs[r + 1] = x1;
    }
  }
  return runs;
}

/**
 * 1 inside the ellipsoid inscribed in the box, 0 outside: semi-axis `n_i/2` along axis i, centred
 * at `(n_i-1)/2`. For an even cubic box this is exactly the sphere of radius `floor(n/2)` of spec
 * §5.1; on an odd axis the semi-axis is half a voxel longer than `floor(n/2)`, so that with mixed
 * odd and even axes the ellipsoid still reaches the middle of every face.
 * @returns mask, length nx*ny*nz, index (z*ny+y)*nx+x
 */
export function inscribedEllipsoidMask(shape: Shape3): Uint8Array {
  const [nx, ny, nz] = shape;
  const mask = new Uint8Array(nx * ny * nz);
  const runs = inscribedEllipsoidRows(shape);
  for (let r = 0; r < ny * nz; r++) mask.fill(1, r * nx + runs[2 * r], r * nx + runs[2 * r + 1]);
  return mask;
}

/**
 * Brute-force reference of {@link inscribedEllipsoidMask}: the predicate at every voxel. For tests.
 */
export function inscribedEllipsoidMaskBruteForce(shape: Shape3): Uint8Array {
  const [nx, ny, nz] = shape;
  const e = ellipsoid(shape);
  const mask = new Uint8Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const tyz = e.tyz(y, z);
      for (let x = 0; x < nx; x++) if (e.inside(tyz, x)) mask[(z * ny + y) * nx + x] = 1;
    }
  }
  return mask;
}
