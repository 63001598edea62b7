/**
 * Fourier shell correlation of two maps, and the resolution where it crosses a threshold.
 * @see shared/spec/local-resolution.md §1
 */
import { voxelSizesDiffer } from '../core/grid-match.js';
import { assertVolume, type Shape3, type Volume } from '../core/volume.js';
import { snapToWhole } from '../core/voxel-size-limits.js';
import { rfft3d } from '../math/fft.js';

/** An FSC curve, one entry per Fourier shell k = 0 … kMax. */
export interface FscCurve {
  /** FSC per shell, in [-1, 1] (NaN for an empty shell). */
  fsc: Float64Array;
  /** Number of Fourier samples (of the full spectrum) per shell. */
  count: Float64Array;
  /** Spatial frequency of each shell in 1/Å: k / (n_max · a). */
  frequencyPerA: Float64Array;
  /** Shell spacing in 1/Å: 1 / (n_max · a) with n_max the largest box edge and a its voxel size. */
  shellWidthPerA: number;
}

/**
 * Shell index of every half-spectrum sample: round(|f| / Δf) with f the physical frequency
 * (1/Å) and Δf = 1/(n_max·a_max): for a cubic box, round(sqrt(h²+k²+l²)).
 * @returns shell per half-spectrum sample (layout ((z*ny+y)*hx + x)), and the number of shells
 */
export function shellIndex(shape: Shape3, voxelSizeA: readonly number[]): { shell: Int32Array; nShells: number; shellWidthPerA: number } {
  const [nx, ny, nz] = shape;
  const shell = new Int32Array(((nx >> 1) + 1) * ny * nz);
  let maxShell = 0;
  const df = visitShells(shape, voxelSizeA, (q, s) => {
    shell[q] = s;
    if (s > maxShell) maxShell = s;
  });
  // shells up to Nyquist of the finest axis only: beyond, shells are incomplete (corners). The
  // ratio is whole for a box whose longest edge is even; header voxel sizes (float32 cells) made
  // it 63.99999999 for a 96x112x128 box at 1.37 A, which dropped the Nyquist shell (0..63, where
  // the same voxels at 1 A have 0..64)
  const nyquistShell = Math.floor(snapToWhole(Math.min(...[0, 1, 2].map((i) => 0.5 / voxelSizeA[i])) / df));
  return { shell, nShells: Math.min(maxShell, nyquistShell) + 1, shellWidthPerA: df };
}

/**
 * Visit every half-spectrum sample with its shell (numbered as {@link shellIndex} does), without
 * storing an index array of the whole box.
 * @param visit called with the complex index q ((z*ny+y)*hx + x) and the shell
 * @returns the shell spacing Δf, 1/Å
 */
export function visitShells(shape: Shape3, voxelSizeA: readonly number[], visit: (q: number, shell: number) => void): number {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const edges = [0, 1, 2].map((i) => shape[i] * voxelSizeA[i]);
  const df = 1 / Math.max(...edges);
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / edges[2];
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / edges[1];
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const fx = x / edges[0];
        visit(o + x, Math.round(Math.sqrt(fx * fx + fy * fy + fz * fz) / df));
      }
    }
  }
  return df;
}

/**
 * Check two half maps at a public boundary: valid volumes with the same box and voxel sizes
 * within 0.1 %.
 * @throws TypeError / RangeError naming what differs
 */
export function assertSameHalfMapGrid(a: Volume, b: Volume): void {
  assertVolume(a);
  assertVolume(b);
  if (a.shape.some((n, i) => n !== b.shape[i])) throw new RangeError(`half maps differ in box: ${a.shape.join('x')} vs ${b.shape.join('x')}`);
  if (voxelSizesDiffer(b.voxelSizeA, a.voxelSizeA)) {
    throw new RangeError(`half maps differ in voxel size: ${a.voxelSizeA.join(', ')} vs ${b.voxelSizeA.join(', ')} Å`);
  }
}

/**
 * FSC(k) = Re Σ F1·conj(F2) / sqrt(Σ|F1|² · Σ|F2|²) over the Fourier shell k (spec §1).
 *
 * The real half spectrum is used with weight 2 for the samples whose conjugate is not stored, so
 * sums equal those over the full spectrum.
 *
 * @param a first map (e.g. half map 1), canonical layout; not modified
 * @param b second map, same box and voxel size
 * @param mask optional weights (length N) applied to both maps first (a soft mask in [0, 1])
 * @throws RangeError when the boxes or voxel sizes differ, or the mask length is wrong
 */
export function fourierShellCorrelation(a: Volume, b: Volume, mask?: Float32Array): FscCurve {
  assertSameHalfMapGrid(a, b);
  if (mask && mask.length !== a.data.length) throw new RangeError(`mask has ${mask.length} voxels, the maps ${a.data.length}`);
  const weighted = (v: Volume) => {
    if (!mask) return v.data;
    const out = new Float32Array(v.data.length);
    for (let i = 0; i < out.length; i++) out[i] = v.data[i] * mask[i];
    return out;
  };
  const fa = rfft3d(weighted(a), a.shape);
  const fb = rfft3d(weighted(b), b.shape);
  return fscFromSpectra(fa, fb, a.shape, a.voxelSizeA);
}

/**
 * FSC from two half spectra (layout of {@link rfft3d}); shared by the global and the local FSC.
 * @param shellsOf optional precomputed {@link shellIndex} for this box (reused across windows)
 * @param sums `'full-sphere'` (default): each shell sums the whole Hermitian spectrum (samples
 *   with 0 < kx < nx/2 count twice, for themselves and their mirror −k); `'stored-half'`: each
 *   stored half-spectrum sample counts once, as RELION's `getFSC` (src/fftw.cpp) sums — the kx = 0
 *   (and kx = nx/2) plane then weighs double relative to the rest; `count` follows the same rule
 */
export function fscFromSpectra(fa: Float32Array, fb: Float32Array, shape: Shape3, voxelSizeA: readonly number[], shellsOf?: ReturnType<typeof shellIndex>, sums: 'full-sphere' | 'stored-half' = 'full-sphere'): FscCurve {
  const { shell, nShells, shellWidthPerA } = shellsOf ?? shellIndex(shape, voxelSizeA);
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const num = new Float64Array(nShells);
  const d1 = new Float64Array(nShells);
  const d2 = new Float64Array(nShells);
  const count = new Float64Array(nShells);
  const nyqX = nx % 2 === 0 ? nx / 2 : -1;
  for (let zy = 0; zy < ny * nz; zy++) {
    const o = zy * hx;
    for (let x = 0; x < hx; x++) {
      const s = shell[o + x];
      if (s >= nShells) continue;
      const w = x === 0 || x === nyqX || sums === 'stored-half' ? 1 : 2;
      const i = 2 * (o + x);
      const ar = fa[i], ai = fa[i + 1], br = fb[i], bi = fb[i + 1];
      num[s] += w * (ar * br + ai * bi);
      d1[s] += w * (ar * ar + ai * ai);
      d2[s] += w * (br * br + bi * bi);
      count[s] += w;
    }
  }
  const fsc = new Float64Array(nShells);
  const frequencyPerA = new Float64Array(nShells);
  for (let s = 0; s < nShells; s++) {
    const den = Math.sqrt(d1[s] * d2[s]);
    fsc[s] = den > 0 ? num[s] / den : Number.NaN;
    frequencyPerA[s] = s * shellWidthPerA;
  }
  void nz;
  return { fsc, count, frequencyPerA, shellWidthPerA };
}

/**
 * Resolution (Å) where the FSC first falls below `threshold` (spec §1): the first shell k ≥ 1 with
 * FSC < threshold, linearly interpolated between shells k−1 and k. When it never falls below,
 * the resolution of the last shell (Nyquist) is returned and `crossed` is false.
 *
 * @param threshold e.g. 0.143 (half maps) or 0.5
 */
export function resolutionAtThreshold(curve: Pick<FscCurve, 'fsc' | 'shellWidthPerA'>, threshold = 0.143): { resolutionA: number; crossed: boolean; shell: number } {
  const { fsc, shellWidthPerA } = curve;
  for (let k = 1; k < fsc.length; k++) {
    if (fsc[k] < threshold) {
      const f0 = fsc[k - 1];
      const f1 = fsc[k];
      const t = f0 !== f1 && Number.isFinite(f0) ? (f0 - threshold) / (f0 - f1) : 1;
      const kk = Math.max(k - 1 + Math.min(1, Math.max(0, t)), 1e-9);
      return { resolutionA: 1 / (kk * shellWidthPerA), crossed: true, shell: k };
    }
  }
  const last = fsc.length - 1;
  return { resolutionA: 1 / (Math.max(last, 1) * shellWidthPerA), crossed: false, shell: last };
}
