/**
 * The resolution where a map meets noise: the masked FSC at 0.143 with half maps, the point where
 * the molecule's shell power falls to the solvent's with one map.
 * @see shared/spec/occupancy-decomposition.md "A workable method" step 1
 */
import type { Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { fourierShellCorrelation, resolutionAtThreshold, shellIndex } from '../resolution/fsc.js';

/** A noise-limited resolution and how it was found. */
export interface NoiseLimit {
  /** Resolution in Å. */
  resolutionA: number;
  /** How: soft-masked FSC at 0.143 of the half maps, or the shell power of molecule vs solvent. */
  source: 'half-map FSC 0.143 (soft-masked)' | 'molecule/solvent shell power' | 'option';
  /** Whether the criterion was met before Nyquist (false: Nyquist returned). */
  crossed: boolean;
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
    const s = rfft3d(d, map.shape);
    const p = new Float64Array(nShells);
    const c = new Float64Array(nShells);
    for (let j = 0; j < shell.length; j++) {
      const k = shell[j];
      if (k >= nShells) continue;
      p[k] += s[2 * j] * s[2 * j] + s[2 * j + 1] * s[2 * j + 1];
      c[k] += 1;
    }
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
