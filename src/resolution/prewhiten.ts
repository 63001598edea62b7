/**
 * Spectral pre-whitening of a pair of half maps: the local-FSC default's correction for
 * window-induced correlation.
 *
 * Why: a window cut from a map spreads each Fourier component over neighbouring shells (the
 * window's transform). Half maps carry most of their power at low frequency, and that power is
 * the same signal in both halves, so the little of it that leaks into the high shells correlates
 * the two windows there: the windowed FSC stays high up to Nyquist even where the halves share
 * nothing (on synth_halves128, whose half maps hold nothing beyond 3 Å, 37 % of the mask sat at
 * Nyquist). Dividing both halves by the same radial amplitude profile equalises the power of all
 * shells, so leakage from the low shells no longer dominates the high ones; the global FSC of
 * each shell is unchanged (a radial filter applied to both halves cancels in it). This is the
 * deterministic alternative to RELION's phase randomisation (spec §2.7), which also needs a
 * window large enough to resolve its randomisation resolution.
 * @see shared/spec/local-resolution.md §2.7
 */
import type { Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { assertSameHalfMapGrid, shellIndex } from './fsc.js';

/**
 * Whiten two half maps by their common radial power: every Fourier component of shell s (shells
 * of `shellIndex`, physical frequency) is divided by `sqrt(P(s))`, with
 * `P(s) = mean over the shell of (|F1|² + |F2|²)/2`; the DC component and shells without power
 * are set to 0 (the maps come out with zero mean).
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @returns the two whitened maps (new arrays, same geometry; unit-free)
 * @throws RangeError / TypeError when the half maps' boxes or voxel sizes differ
 */
export function prewhitenHalfMaps(half1: Volume, half2: Volume): [Volume, Volume] {
  assertSameHalfMapGrid(half1, half2);
  const s1 = rfft3d(half1.data, half1.shape);
  const s2 = rfft3d(half2.data, half2.shape);
  const { shell } = shellIndex(half1.shape, half1.voxelSizeA);
  let maxShell = 0;
  for (let q = 0; q < shell.length; q++) if (shell[q] > maxShell) maxShell = shell[q];
  const power = new Float64Array(maxShell + 1);
  const count = new Float64Array(maxShell + 1);
  for (let q = 0; q < shell.length; q++) {
    const i = 2 * q;
    power[shell[q]] += 0.5 * (s1[i] * s1[i] + s1[i + 1] * s1[i + 1] + s2[i] * s2[i] + s2[i + 1] * s2[i + 1]);
    count[shell[q]]++;
  }
  const gain = new Float64Array(maxShell + 1);
  for (let s = 1; s <= maxShell; s++) gain[s] = power[s] > 0 ? 1 / Math.sqrt(power[s] / count[s]) : 0;
  for (let q = 0; q < shell.length; q++) {
    const g = gain[shell[q]];
    const i = 2 * q;
    s1[i] *= g;
    s1[i + 1] *= g;
    s2[i] *= g;
    s2[i + 1] *= g;
  }
  return [
    { data: irfft3d(s1, half1.shape), shape: half1.shape, voxelSizeA: [...half1.voxelSizeA] },
    { data: irfft3d(s2, half2.shape), shape: half2.shape, voxelSizeA: [...half2.voxelSizeA] },
  ];
}

