/**
 * Where two half maps' content ends: the finest resolution at which an FSC between them can be a
 * measurement. Two ways to end before Nyquist:
 * - **low-passed**: beyond a cut the halves hold nothing but float round-off (post-processed or
 *   filtered halves; {@link emptyShells});
 * - **interpolated**: the halves were upsampled in real space onto a finer grid (ChimeraX's
 *   `volume resample`, scipy's `zoom`, trilinear or spline): beyond the old grid's Nyquist their
 *   spectrum holds the interpolation's images of the old spectrum, mirrored about the old Nyquist,
 *   and the images of correlated shells are correlated. An FSC there reads the coarser shells it
 *   mirrors, not a finer resolution: `synth_halves128` upsampled 1.5 × (1 → 0.667 Å) read 49 % of
 *   its mask at the new Nyquist, 1.33 Å, with nothing finer than 3 Å in the halves (session 58).
 *   The images are found by their coherence with the old spectrum (`realSpaceUpsampledBox`,
 *   docs/diagnostics.md *Upsampled maps*).
 * Requires `await loadFft()` first.
 */
import type { Shape3, Volume } from '../core/volume.js';
import { realSpaceUpsampledBox } from '../diagnostics/upsampled.js';
import { assertSameHalfMapGrid } from './fsc.js';
import { emptyBeyondA, emptyShells, type EmptyShells } from './prewhiten.js';

/** Why the halves' content ends before Nyquist. */
export type ContentLimitCause = 'low-passed' | 'interpolated';

/** Where two half maps' content ends ({@link halfMapContent}). */
export interface HalfMapContent {
  /** The finest resolution the halves hold, Å (coarser than Nyquist). */
  limitA: number;
  /** `low-passed`: nothing but round-off beyond; `interpolated`: only the images of coarser shells beyond. */
  cause: ContentLimitCause;
  /** (interpolated) the box the halves were upsampled from, voxels `[Kx, Ky, Kz]`. */
  fromBox?: Shape3;
}

/**
 * What the interpolation test ({@link interpolationTest}) read on two half maps. A job's input
 * diagnostics run the test and hand this to the methods (`localFsc`, `halfMapContent`, …), so the
 * halves are tested once per run; each method runs the test itself when it is not given.
 */
export interface InterpolationTest {
  /** The halves look upsampled in real space: the old grid's Nyquist, Å, and the old box `[Kx, Ky, Kz]`, voxels; absent when they do not. */
  interpolated?: { limitA: number; fromBox: Shape3 };
  /**
   * The whole box's empty shells ({@link emptyShells}) when the test computed them for its guard
   * (an old box was found): the whitening and the low-pass test reuse them rather than transform
   * the box again. Absent when no old box was found.
   */
  empty?: EmptyShells;
}

/**
 * The real-space upsampling test on two half maps: the old box, found on the halves' average (its
 * noise is interpolated too, which makes the images stronger than in a map alone; the average is
 * formed only on the planes the test transforms), guarded against low-passed halves (their shells
 * at Nyquist must hold more than round-off, {@link emptyShells}). Pass one map twice for the test
 * on a map alone.
 * @param half1 first half map (x fastest); not modified
 * @param half2 second half map, same box and voxel size (or `half1` itself); not modified
 * @returns see {@link InterpolationTest}
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function interpolationTest(half1: Volume, half2: Volume): InterpolationTest {
  assertSameHalfMapGrid(half1, half2);
  // one map given twice: its average with itself is the map, exactly
  // (the diagnostics' check that the map holds its images beyond the old Nyquist is left out: the
  // guard below, on both halves, is stricter, and its empty shells are kept for the whitening)
  const box = realSpaceUpsampledBox(half1, half2 === half1 ? undefined : half2.data, { checkImages: false });
  if (!box) return {};
  // the images fill the shells up to the new Nyquist; halves whose shells there hold only round-off
  // were low-passed (then `halfMapContent` reads where), and the coherence of their round-off is no
  // image (7 of 60 reference-style pairs as made, noise cut at the finest domain, read an old box
  // of 109 of 128 without this). The diagnostics' `realSpaceUpsampledBox` keeps such maps: a map
  // low-passed, then upsampled 1.5 × (EMD-1883) holds its images beyond the new Nyquist, and its
  // spectra must still be read on the old box.
  const empty = emptyShells(half1, half2);
  if (emptyBeyondA(empty, 0.5 / Math.max(...half1.voxelSizeA)) !== undefined) return { empty };
  const limitA = 2 * Math.max(...box.map((k, i) => (half1.voxelSizeA[i] * half1.shape[i]) / k));
  return { interpolated: { limitA, fromBox: box }, empty };
}

/**
 * The half maps' content limit when they were upsampled in real space: the Nyquist of the grid
 * they were interpolated from, `2 · max_i(a_i · n_i / K_i)` Å for voxel size a, box n and old box K
 * ({@link interpolationTest}).
 * @param half1 first half map (x fastest); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @returns the limit and the old box, or undefined (not interpolated, the box under 16 voxels, or
 *   low-passed: the shells at Nyquist hold only round-off, {@link emptyShells})
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function interpolatedContent(half1: Volume, half2: Volume): { limitA: number; fromBox: Shape3 } | undefined {
  return interpolationTest(half1, half2).interpolated;
}

/**
 * {@link EmptyShells} with every shell finer than `limitA` marked empty as well: the pre-whitening
 * then fills them with independent noise, as it does beyond a low-pass, so no window's FSC reads
 * the images of an interpolated map's coarser shells there.
 * @param e empty shells of the box ({@link emptyShells})
 * @param limitA resolution, Å, beyond which every shell counts as empty
 * @returns a new {@link EmptyShells}
 */
export function emptyBeyond(e: EmptyShells, limitA: number): EmptyShells {
  const empty = Uint8Array.from(e.empty);
  for (let s = 1; s < empty.length; s++) if ((s - 0.5) * e.shellWidthPerA >= 1 / limitA) empty[s] = 1;
  return { shellWidthPerA: e.shellWidthPerA, empty };
}

/**
 * Where the two half maps' content ends, and why; undefined when it runs to Nyquist. Interpolated
 * halves are looked for first (a few plane transforms); low-passed ones by one or two transforms
 * of the whole box ({@link emptyShells}; those of the interpolation test's guard when it made them).
 * @param half1 first half map (x fastest); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @param test the halves' {@link interpolationTest} when already run (e.g. by the input
 *   diagnostics, on these very halves); run here when absent
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function halfMapContent(half1: Volume, half2: Volume, test?: InterpolationTest): HalfMapContent | undefined {
  assertSameHalfMapGrid(half1, half2);
  const { interpolated, empty } = test ?? interpolationTest(half1, half2);
  if (interpolated) return { limitA: interpolated.limitA, cause: 'interpolated', fromBox: interpolated.fromBox };
  const limitA = emptyBeyondA(empty ?? emptyShells(half1, half2), 0.5 / Math.max(...half1.voxelSizeA));
  return limitA === undefined ? undefined : { limitA, cause: 'low-passed' };
}

/**
 * The half maps' content limit ({@link halfMapContent}): the resolution (Å) beyond which they hold
 * nothing but float round-off (low-passed) or the images of coarser shells (interpolated onto a
 * finer grid), or undefined when their content runs to Nyquist. No local or global resolution
 * finer than it is a measurement: `occupy fsc` says so, MonoRes and ResMap test no finer, and the
 * local FSC pins values beyond it (interpolated halves always; low-passed ones when they are still
 * correlated there).
 * @param half1 first half map (x fastest); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @param test the halves' {@link interpolationTest} when already run; run here when absent
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function halfMapContentLimitA(half1: Volume, half2: Volume, test?: InterpolationTest): number | undefined {
  return halfMapContent(half1, half2, test)?.limitA;
}

/**
 * Fraction of the content limit down to which a ladder of tested resolutions (MonoRes, ResMap:
 * 0.5 Å steps) still reaches: the rung at the limit is tested (2.94 Å for a limit of 2.9412 Å).
 */
export const CONTENT_LIMIT_SLACK = 0.99;

/**
 * The default finest tested resolution of a method that tests a ladder of resolutions on half
 * maps (MonoRes, ResMap): Nyquist, or where the halves' content ends ({@link halfMapContentLimitA},
 * with {@link CONTENT_LIMIT_SLACK}): beyond it the map's and the noise's amplitudes are both
 * round-off and pass a test at random (synth_halves128 cut at 6 Å: MonoRes read 9.6 % of the mask
 * at 2.44 Å, ResMap its 3 Å domains at 3.00 Å), or (interpolated halves) the images of coarser shells.
 * @param half1 first half map; not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @param test the halves' {@link interpolationTest} when already run; run here when absent
 * @returns the finest resolution to test, Å, and the content limit (undefined: content to Nyquist)
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function halfMapFinestTestedA(half1: Volume, half2: Volume, test?: InterpolationTest): { finestA: number; contentLimitA?: number; cause?: ContentLimitCause } {
  return finestTested(halfMapContent(half1, half2, test), 2 * Math.max(...half1.voxelSizeA));
}

/**
 * {@link halfMapFinestTestedA} for one map (MonoRes with noise from outside the mask): Nyquist, or
 * the Nyquist of the grid the map was interpolated from when it looks upsampled in real space (its
 * images beyond pass the noise test wherever the shells they mirror do, signal and solvent alike).
 * Low-passed single maps are left to the test itself (their solvent is low-passed too).
 * @param map the map (x fastest); not modified
 */
export function mapFinestTestedA(map: Volume): { finestA: number; contentLimitA?: number; cause?: ContentLimitCause } {
  const interpolated = interpolatedContent(map, map);
  return finestTested(interpolated && { limitA: interpolated.limitA, cause: 'interpolated' }, 2 * Math.max(...map.voxelSizeA));
}

function finestTested(content: Pick<HalfMapContent, 'limitA' | 'cause'> | undefined, nyquistA: number): { finestA: number; contentLimitA?: number; cause?: ContentLimitCause } {
  return content !== undefined && content.limitA > nyquistA ? { finestA: Math.max(nyquistA, CONTENT_LIMIT_SLACK * content.limitA), contentLimitA: content.limitA, cause: content.cause } : { finestA: nyquistA };
}
