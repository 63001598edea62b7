/**
 * The ellipsoid inscribed in a box: the solvent region of the OccuPy estimate (spec §5.1, §12)
 * and the default report region of the local FSC.
 */
import type { Shape3 } from '../core/volume.js';

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
  const rx = nx / 2;
  const ry = ny / 2;
  const rz = nz / 2;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  const cz = (nz - 1) / 2;
  for (let z = 0; z < nz; z++) {
    const tz = ((z - cz) / rz) ** 2;
    for (let y = 0; y < ny; y++) {
      const tyz = tz + ((y - cy) / ry) ** 2;
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) {
        if (tyz + ((x - cx) / rx) ** 2 <= 1 + 1e-12) mask[o + x] = 1;
      }
    }
  }
  return mask;
}
