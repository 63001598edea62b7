/**
 * The voxel sizes the tool accepts wherever a user can set one (`--angpix` and friends, the
 * library's `angpix`): finite, in [0.01, 100] Å, and giving a cell (box × voxel size) that an MRC
 * header can store as float32.
 */

/** Smallest voxel/pixel size accepted, Å. */
export const ANGPIX_MIN_A = 0.01;
/** Largest voxel/pixel size accepted, Å. */
export const ANGPIX_MAX_A = 100;

/**
 * Why a voxel size cannot be used, or undefined when it can.
 * @param name the option or parameter, e.g. `--angpix`
 * @param angpix the value in Å
 * @param box the map's box edges in voxels (any order), when known
 */
export function voxelSizeError(name: string, angpix: number, box?: readonly number[]): string | undefined {
  if (!(Number.isFinite(angpix) && angpix >= ANGPIX_MIN_A && angpix <= ANGPIX_MAX_A)) {
    return `${name} must be a number of Å in [${ANGPIX_MIN_A}, ${ANGPIX_MAX_A}], got ${angpix}`;
  }
  for (const n of box ?? []) {
    const cell = Math.fround(n * angpix);
    if (!Number.isFinite(cell) || cell <= 0) return `${name} ${angpix} gives a cell of ${n} × ${angpix} Å that an MRC header cannot store`;
  }
  return undefined;
}

/**
 * Largest relative spread of a grid's three voxel sizes (max / min − 1) that the Fourier-shell
 * methods (FSC, local resolution) accept: their shells are spheres of one voxel size, so with
 * 1.5 × 1.5 × 1.8 Å voxels every frequency along x and y would be read 20 % off. 1 % accepts what
 * `occupy pixel-size resample` gives when the box does not divide evenly (1.5 × 1.5 × 1.5033 Å)
 * and header rounding.
 */
export const CUBIC_VOXEL_TOLERANCE = 0.01;

/**
 * Why a grid's voxels are not cubic enough for a Fourier-shell method, or undefined when they are
 * ({@link CUBIC_VOXEL_TOLERANCE}).
 * @param voxelSizeA voxel size per axis (x, y, z), Å
 * @returns the reason, in the user's terms, with what to do
 */
export function nonCubicVoxelsError(voxelSizeA: readonly number[]): string | undefined {
  const lo = Math.min(...voxelSizeA);
  const hi = Math.max(...voxelSizeA);
  if (!(hi / lo - 1 > CUBIC_VOXEL_TOLERANCE)) return undefined;
  const f = (a: number) => Number(a.toFixed(4));
  return `its voxels are ${voxelSizeA.map(f).join(' × ')} Å, not cubic: Fourier shells need one voxel size (the resolutions along the other axes would be off by up to ${(100 * (hi / lo - 1)).toFixed(0)} %); resample it to cubic voxels first (occupy pixel-size resample MAP --angpix ${f(lo)}), or give --angpix if the header's cell is wrong`;
}

/** An MRC header's sampling of its cell, for {@link voxelAnisotropy}'s text (physical axes X, Y, Z). */
export interface CellSampling {
  /** The header's `mx, my, mz`: intervals along each cell edge. */
  sampling: readonly number[];
  /** The header's cell lengths `cella`, Å. */
  cellA: readonly number[];
  /** The box, voxels along X, Y, Z (the sampling usually equals it). */
  box: readonly number[];
}

/**
 * How a grid's voxels differ between axes, for messages, when they differ by more than
 * {@link CUBIC_VOXEL_TOLERANCE}: `voxels of 1 × 1 × 112 Å, not cubic (header: cell 128 × 96 ×
 * 112 Å sampled by mx, my, mz = 128, 96, 1, not by the box 128 × 96 × 112)`.
 * @param voxelSizeA voxel size per axis (x, y, z), Å
 * @param header where they come from (omitted from the text when not given)
 * @returns the text, or undefined when the voxels are cubic to 1 %
 */
export function voxelAnisotropy(voxelSizeA: readonly number[], header?: CellSampling): string | undefined {
  const lo = Math.min(...voxelSizeA);
  const hi = Math.max(...voxelSizeA);
  if (!(hi / lo - 1 > CUBIC_VOXEL_TOLERANCE)) return undefined;
  const f = (a: number) => String(Number(a.toFixed(4)));
  const sampled = header
    ? ` (header: cell ${header.cellA.map(f).join(' × ')} Å sampled by mx, my, mz = ${header.sampling.join(', ')}${header.sampling.some((m, i) => m !== header.box[i]) ? `, not by the box ${header.box.join(' × ')}` : ''})`
    : '';
  return `voxels of ${voxelSizeA.map(f).join(' × ')} Å, not cubic${sampled}`;
}

/**
 * Relative tolerance within which a ratio of lengths computed from a header's voxel size is taken
 * as the whole number it is close to. Header voxel sizes are float32 cells over the sampling
 * (`cella / mx`): 1.37 Å over 96 voxels is read as 1.3700000445 Å, 8 × 1.37 Å over it as
 * 7.9999997, and a `floor` of that ratio gave 7 where the same map at 1 Å gave 8.
 */
export const WHOLE_RATIO_TOLERANCE = 1e-6;

/**
 * `x` rounded to the nearest whole number when it is within {@link WHOLE_RATIO_TOLERANCE} of it
 * (relative, at least 1e-6 absolute), else `x` unchanged: for ratios of Å lengths (a low-pass over
 * a voxel size, a Nyquist frequency over a shell spacing) that are whole for the same map at any
 * voxel size but come out a float32 round-off short of it, before a `floor` or an `<=` test.
 * @param x a dimensionless ratio
 * @returns `Math.round(x)` or `x`
 */
export function snapToWhole(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) <= WHOLE_RATIO_TOLERANCE * Math.max(1, Math.abs(x)) ? r : x;
}
