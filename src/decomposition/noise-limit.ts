/**
 * The resolution where a map meets noise: the masked FSC at 0.143 with half maps, the point where
 * the molecule's shell power falls to the solvent's with one map.
 * @see shared/spec/occupancy-decomposition.md "A workable method" step 1
 */
import type { Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { applyPeriodicHann } from '../math/periodic-hann.js';
import { fourierShellCorrelation, resolutionAtThreshold, shellIndex } from '../resolution/fsc.js';

/** A noise-limited resolution and how it was found. */
export interface NoiseLimit {
  /** Resolution in Å. */
  resolutionA: number;
  /** How: soft-masked FSC at 0.143 of the half maps, or the shell power of molecule vs solvent, or where the signal map's spectrum ends (coarser than either; see `spectrumEnd`), or 1.1 × the Nyquist of the grid an interpolated map was upsampled from (`contentLimitOf` in decompose.ts). */
  source: 'half-map FSC 0.143 (soft-masked)' | 'molecule/solvent shell power' | 'end of the signal spectrum' | "the old grid's Nyquist (interpolated map)" | 'option';
  /** Whether the criterion was met before Nyquist (false: Nyquist returned). */
  crossed: boolean;
}

/**
 * Per Fourier shell, the sum of `|F|^2` over the half spectrum's samples and their count.
 * @param spectrum half spectrum (layout of `rfft3d`), interleaved (re, im)
 * @param shell shell of each complex sample (from `shellIndex`); samples at or beyond `nShells` are skipped
 */
function shellPowerSums(spectrum: Float32Array, shell: ArrayLike<number>, nShells: number): { p: Float64Array; c: Float64Array } {
  const p = new Float64Array(nShells);
  const c = new Float64Array(nShells);
  for (let j = 0; j < shell.length; j++) {
    const k = shell[j];
    if (k >= nShells) continue;
    p[k] += spectrum[2 * j] * spectrum[2 * j] + spectrum[2 * j + 1] * spectrum[2 * j + 1];
    c[k] += 1;
  }
  return { p, c };
}

/**
 * Half maps: FSC of `h1·w` and `h2·w` with `w` a soft molecule mask, where it first falls below
 * 0.143.
 * Precondition: `await loadFft()` has resolved.
 * @param w soft molecule mask in [0, 1], length nx*ny*nz
 */
export function halfMapLimit(h1: Volume, h2: Volume, w: Float32Array): NoiseLimit {
  const r = resolutionAtThreshold(fourierShellCorrelation(h1, h2, w), 0.143);
  return { resolutionA: r.resolutionA, source: 'half-map FSC 0.143 (soft-masked)', crossed: r.crossed };
}

/**
 * One map: per Fourier shell, the power of the map inside the soft molecule mask per unit mask
 * volume, `P_m(k) = sum|F(map·w_m)|^2 / sum w_m^2`, against the same for the solvent,
 * `P_s(k)`; the resolution is the first shell beyond 20 Å where `P_m < 2 P_s` (signal power
 * no more than the noise power), interpolated between shells.
 * Precondition: `await loadFft()` has resolved.
 * @param molecule soft molecule mask in [0, 1], length nx*ny*nz
 * @param solvent soft solvent mask in [0, 1], length nx*ny*nz
 */
export function singleMapLimit(map: Volume, molecule: Float32Array, solvent: Float32Array): NoiseLimit {
  const n = map.data.length;
  const { shell, nShells, shellWidthPerA } = shellIndex(map.shape, map.voxelSizeA);
  const power = (w: Float32Array) => {
    let w2 = 0;
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      d[i] = map.data[i] * w[i];
      w2 += w[i] * w[i];
    }
    const { p, c } = shellPowerSums(rfft3d(d, map.shape), shell, nShells);
    for (let k = 0; k < nShells; k++) p[k] = c[k] > 0 ? p[k] / c[k] / Math.max(w2, 1e-30) : 0;
    return { p, shellWidthPerA };
  };
  const m = power(molecule);
  const s = power(solvent);
  const start = Math.max(1, Math.ceil(1 / 20 / m.shellWidthPerA));
  const ratio = (k: number) => m.p[k] / Math.max(s.p[k], 1e-300);
  for (let k = start; k < m.p.length; k++) {
    if (ratio(k) < 2) {
      const r0 = ratio(k - 1);
      const r1 = ratio(k);
      const t = r0 > r1 ? Math.min(1, Math.max(0, (r0 - 2) / (r0 - r1))) : 1;
      const kk = Math.max(k - 1 + t, 1);
      return { resolutionA: 1 / (kk * m.shellWidthPerA), source: 'molecule/solvent shell power', crossed: true };
    }
  }
  const last = m.p.length - 1;
  return { resolutionA: 1 / (last * m.shellWidthPerA), source: 'molecule/solvent shell power', crossed: false };
}

/**
 * Where the map's spectrum ends: the first Fourier shell finer than `lowestResolutionA` whose mean
 * power `sum|F|^2 / count` is below `fraction` times the largest mean power of the shells before it
 * (from `lowestResolutionA` on), or null when no shell up to Nyquist is. Beyond such a shell the
 * band-passed map is zero up to float rounding (signal and noise low-passed sharply, e.g. a
 * post-processed or synthetic map), so a band there carries no signal energy, whatever a
 * soft-masked FSC reads (the mask's leakage of coarser shells holds it above 0.143).
 * Unmasked: no leakage. Unfiltered maps (noise to Nyquist) never fall so low.
 *
 * @param spectrum half spectrum of the map (layout of `rfft3d`), length 2*(nx/2+1)*ny*nz
 * @param shape box of the map
 * @param voxelSizeA voxel size along X, Y, Z, Å
 * @param lowestResolutionA where the search starts, Å
 * @param fraction power fraction that counts as empty (default 1e-6: 1e-3 in amplitude)
 * @returns resolution of the last shell that still holds power, Å, or null
 */
export function spectrumEnd(spectrum: Float32Array, shape: readonly [number, number, number], voxelSizeA: readonly number[], lowestResolutionA: number, fraction = 1e-6): number | null {
  const { shell, nShells, shellWidthPerA } = shellIndex(shape, voxelSizeA);
  const { p, c } = shellPowerSums(spectrum, shell, nShells);
  const start = Math.max(1, Math.ceil(1 / lowestResolutionA / shellWidthPerA));
  let peak = 0;
  for (let k = start; k < nShells; k++) {
    const m = c[k] > 0 ? p[k] / c[k] : 0;
    if (k > start && m < fraction * peak) return 1 / ((k - 1) * shellWidthPerA);
    if (m > peak) peak = m;
  }
  return null;
}

/**
 * {@link spectrumEnd} of a map seen through the periodic Hann window over its box. A box cut from
 * a larger map after a low-pass (a post-processed or filtered map boxed down in real space, or
 * half maps low-passed then cropped) is not periodic: the step at its wrap-around edge puts
 * 10⁻⁶–10⁻⁵ of the strongest shell's power into the shells beyond the low-pass, above the
 * `fraction` that marks them empty, and the bands there then read that leak as signal (a 10 Å
 * domain beside 5 Å ones read the same B as they, 166 against 167–173 Å², half maps cropped from
 * 128³ to 111 × 122 × 99 voxels). The window takes the edge away (as the local FSC's
 * `emptyShells`, src/resolution/prewhiten.ts). One more forward transform of the box.
 * @param map the map (x fastest); not modified
 * @param lowestResolutionA where the search starts, Å
 * @param fraction as {@link spectrumEnd}
 * @returns as {@link spectrumEnd}
 */
export function spectrumEndThroughWindow(map: Volume, lowestResolutionA: number, fraction = 1e-6): number | null {
  const windowed = applyPeriodicHann(Float32Array.from(map.data), map.shape);
  return spectrumEnd(rfft3d(windowed, map.shape), map.shape, map.voxelSizeA, lowestResolutionA, fraction);
}
