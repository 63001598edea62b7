/**
 * The `--centre x,y,z` check shared by the methods that take a centre (`--shells`, `--method
 * monodir`): one rule, one message.
 */
import type { Shape3, Vec3 } from '../core/volume.js';
import { OptionError } from '../core/option-error.js';

/**
 * Refuse a centre outside the box.
 * @param centre centre in voxels (0-based, may be fractional), x, y, z
 * @param shape the box, voxels (nx, ny, nz)
 * @throws OptionError (`.option` 'centre', `.flag` '--centre'; exit 2 on the command line) unless
 *   each coordinate is finite and within 0..n−1 of its axis
 */
export function checkCentreVoxel(centre: Readonly<Vec3>, shape: Readonly<Shape3>): void {
  const [nx, ny, nz] = shape;
  if (centre.every((c, i) => Number.isFinite(c) && c >= 0 && c <= shape[i] - 1)) return;
  const allowed = `inside the box 0..${nx - 1}, 0..${ny - 1}, 0..${nz - 1} (voxels)`;
  throw new OptionError(`--centre ${centre.join(',')} is outside the box 0..${nx - 1}, 0..${ny - 1}, 0..${nz - 1} (voxels)`, 'centre', allowed, { flag: '--centre', value: centre.join(',') });
}
