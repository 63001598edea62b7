/**
 * The smallest local-FSC window (`occupy locres --window`) whose FSC curve can say anything.
 *
 * A cube of w voxels has w/2 Fourier shells from DC to Nyquist. The 3D Hann window that local FSC
 * applies convolves the cube's spectrum with the window's transform, whose main lobe spans 4
 * shells (±2 around each sample): neighbouring shells share their samples, and the curve has only
 * about (w/2)/4 independent points. To find a crossing the curve needs at least two independent
 * kernels between DC and Nyquist — the DC lobe, where the FSC is ~1 by construction, and one
 * where it can fall — so w/2 ≥ 2 × 4, i.e. **w ≥ 16 voxels** (also the floor of the default
 * window, `defaultWindow` in local-fsc.ts).
 *
 * Measured (`fourierShellCorrelation` of two independent N(0,1) cubes under the same 3D Hann
 * window, 300 seeded trials each): standard deviation of the FSC at the Nyquist shell 0.148 for
 * w = 8 (as large as the 0.143 threshold: a crossing there is noise), 0.093 for w = 12, 0.070 for
 * w = 16 (at most half of 0.143) and 0.055 for w = 20.
 *
 * @see shared/spec/local-resolution.md §2 (window edge w), §2.7 (window effects)
 */

/** Smallest `--window` edge in voxels accepted by `occupy locres` (module docs for why 16). */
export const LOCAL_FSC_WINDOW_MIN = 16;

/** Full width of the 3D Hann window's Fourier main lobe, in shells. */
export const HANN_KERNEL_SHELLS = 4;
