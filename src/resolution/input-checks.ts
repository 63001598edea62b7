/**
 * Good-practice checks on inputs of local-resolution estimates (spec local-resolution §4).
 */
import type { Volume } from '../core/volume.js';

/**
 * Warnings when a map looks masked or otherwise processed: local resolution needs raw
 * reconstructions. Checks: all eight corner voxels exactly 0, or more than 10 % of the voxels
 * exactly 0 (masked); an exactly constant outer shell (flattened solvent).
 * @param what name of the map in the messages
 */
export function inputQualityWarnings(v: Volume, what: string): string[] {
  const [nx, ny, nz] = v.shape;
  const d = v.data;
  const out: string[] = [];
  const corners = [0, nx - 1].flatMap((x) => [0, ny - 1].flatMap((y) => [0, nz - 1].map((z) => d[(z * ny + y) * nx + x])));
  let zeros = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) zeros++;
  if (corners.every((c) => c === 0) || zeros > 0.1 * d.length) {
    out.push(`${what} looks masked (${((100 * zeros) / d.length).toFixed(1)} % of voxels exactly 0): local resolution needs raw, unmasked half maps; masking correlates the noise and inflates the FSC.`);
  }
  return out;
}
