/**
 * Shared test fixtures: RELION optics tables (STAR text) and seeded random maps. Not a test file
 * itself (no `.test.ts` suffix).
 */
import { mulberry32 } from '../../src/math/random.js';

/**
 * A CtfRefine-style `data_optics` table with one group (RELION 3.1 columns: group, name, voltage,
 * Cs, pixel size, rlnEvenZernike with Z40 at index 6), as `occupy pixel-size from-cs --star` reads it.
 * @param z40 the Z40 coefficient (as text or number)
 * @param name the optics group name
 * @param pixelA `_rlnImagePixelSize` in Å
 */
export function zernikeOpticsStar(z40: number | string, name = 'g1', pixelA = '0.54'): string {
  return ['data_optics', '', 'loop_', '_rlnOpticsGroup #1', '_rlnOpticsGroupName #2', '_rlnVoltage #3', '_rlnSphericalAberration #4', '_rlnImagePixelSize #5', '_rlnEvenZernike #6', `1 ${name} 300 2.7 ${pixelA} [0,0,0,0,0,0,${z40},0,0]`, ''].join('\n');
}

/** Two optics groups at nominal 1.00 / 0.95 Å with magnification matrices 0.99 / 1.045 (true 0.99 / 0.90 Å when group 1 is trusted at 1.00 Å). */
export const MAG_MATRIX_GROUPS = ['1 g1 1.00 0.99 0 0 0.99', '2 g2 0.95 1.045 0 0 1.045'];

/**
 * A refined `data_optics` table with magnification matrices (`_rlnMagMat00..11`), as
 * `occupy pixel-size groups --star` reads it, optionally followed by a `data_particles` table.
 * @param rows one line per group: `number name pixelA m00 m01 m10 m11`
 * @param particles lines `imageName opticsGroup` of a `data_particles` table, when wanted
 */
export function magMatrixOpticsStar(rows: readonly string[] = MAG_MATRIX_GROUPS, particles?: readonly string[]): string {
  const optics = ['data_optics', '', 'loop_', '_rlnOpticsGroup #1', '_rlnOpticsGroupName #2', '_rlnImagePixelSize #3', '_rlnMagMat00 #4', '_rlnMagMat01 #5', '_rlnMagMat10 #6', '_rlnMagMat11 #7', ...rows, ''].join('\n');
  return particles ? optics + ['', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', ...particles, ''].join('\n') : optics;
}

/**
 * A seeded random map: `nx·ny·nz` values uniform in [min, max), index (z·ny + y)·nx + x.
 * @param shape box [nx, ny, nz]
 * @param seed seed of mulberry32
 */
export function uniformRandomMap(shape: readonly [number, number, number], seed: number, min = -1, max = 1): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  const span = max - min;
  for (let i = 0; i < out.length; i++) out[i] = rnd() * span + min;
  return out;
}
