/**
 * Fourier resampling of a map to a new box: crop (fewer voxels, coarser sampling) or zero-pad
 * (more voxels, finer sampling) of the spectrum, independently per axis.
 *
 * @see shared/spec/occupy-algorithm.md §2 (down-sampling large boxes), §9 (padding back), §12
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';

/** One contribution to an output frequency bin: input bin index and weight. */
interface Source {
  readonly index: number;
  readonly weight: number;
}

/**
 * Per-axis map from output bins (FFT order, length m) to input bins (FFT order, length n).
 *
 * With `c = min(n, m)`, the signed frequencies `|f| < c/2` are copied one to one. For even `c`
 * (and n != m) the Nyquist frequency `c/2` of the smaller grid is handled so that the operator
 * keeps real signals real and pad-then-crop is the identity:
 * - crop (n > m = c): output bin `m/2` = input `+m/2` + input `-m/2` (merge; exact sampling of a
 *   band-limited signal that has content at +-m/2);
 * - pad (m > n = c): input bin `n/2` is split in halves to output bins `+n/2` and `-n/2`.
 * Other output bins get no source (zero).
 */
function axisSources(n: number, m: number): Source[][] {
  const out: Source[][] = [];
  const c = Math.min(n, m);
  for (let j = 0; j < m; j++) {
    const f = j <= m - j ? j : j - m; // signed output frequency; even-m Nyquist as +m/2
    const af = Math.abs(f);
    if (n === m || 2 * af < c) {
      out.push([{ index: f >= 0 ? f : f + n, weight: 1 }]);
    } else if (2 * af === c) {
      if (n > m) out.push([{ index: c / 2, weight: 1 }, { index: n - c / 2, weight: 1 }]);
      else out.push([{ index: c / 2, weight: 0.5 }]);
    } else {
      out.push([]);
    }
  }
  return out;
}

/**
 * Fourier crop or pad a map to a new box `[mx, my, mz]`, per axis (any odd/even sizes; an axis may
 * be cropped while another is padded).
 *
 * Formula: with `F = rfft3d(f)` (unnormalised) on `[nx, ny, nz]`, the output spectrum is
 * `G(j) = (M/N) * sum_sources w * F(i)` per axis (see below), with `N = nx*ny*nz`,
 * `M = mx*my*mz`, and `g = irfft3d(G)` on `[mx, my, mz]`. The factor `M/N` (`(m/n)^3` for cubic
 * boxes) preserves the mean density (`g`'s mean equals `f`'s), and for a signal band-limited to
 * the smaller grid `g(r') = f(r' * n/m)` per axis (exact sampling of the trigonometric
 * interpolant). The voxel size becomes `a_i * n_i / m_i`, so the physical box size is unchanged.
 *
 * Frequencies kept: a box (not spherical) window of the central `min(n_i, m_i)` frequencies per
 * axis. Nyquist convention for an even smaller size `c = min(n, m)` on an axis (n != m): on crop
 * the output Nyquist bin is the sum of the input's `+c/2` and `-c/2` bins (it stays real for real
 * input); on pad the input Nyquist bin is split in two halves placed at `+c/2` and `-c/2`. This is
 * scipy.signal.resample's convention: both results are real and pad-then-crop is the identity.
 *
 * Requires `await loadFft()` (from `src/math/fft.ts`) beforehand.
 *
 * @param volume input map; `data` length `nx*ny*nz`, index `(z*ny + y)*nx + x`; not modified
 * @param newShape output box `[mx, my, mz]` in voxels (positive integers)
 * @returns a new Volume with `shape = newShape`, `voxelSizeA[i] = a_i * n_i / m_i`, any other
 *   fields copied from the input, and fresh `data` of length `mx*my*mz` (a copy when the shape is
 *   unchanged)
 * @throws TypeError when `newShape` is not a triple or `volume.data.length !== nx*ny*nz`
 * @throws RangeError when a size in `newShape` or `volume.shape` is not a positive integer, or a
 *   voxel size is not a finite positive number
 * @throws Error when the FFT has not been loaded with `loadFft()`
 * @see shared/spec/occupy-algorithm.md §2, §9, §12
 */
export function fourierResample(volume: Volume, newShape: Shape3): Volume {
  assertVolume(volume);
  if (!Array.isArray(newShape) || newShape.length !== 3) {
    throw new TypeError(`newShape must be [mx, my, mz], got ${String(newShape)}`);
  }
  for (const m of newShape) {
    if (!Number.isInteger(m) || m < 1) throw new RangeError(`newShape must hold positive integers, got ${newShape.join('x')}`);
  }
  const [nx, ny, nz] = volume.shape;
  const [mx, my, mz] = newShape;
  const a = volume.voxelSizeA;
  const result = (data: Float32Array): Volume => ({
    ...volume,
    data,
    shape: [mx, my, mz],
    voxelSizeA: [(a[0] * nx) / mx, (a[1] * ny) / my, (a[2] * nz) / mz] as Vec3,
  });
  if (nx === mx && ny === my && nz === mz) return result(volume.data.slice());

  const spectrum = rfft3d(volume.data, volume.shape);
  const hxIn = (nx >> 1) + 1;
  const hxOut = (mx >> 1) + 1;
  const srcX = axisSources(nx, mx).slice(0, hxOut);
  const srcY = axisSources(ny, my);
  const srcZ = axisSources(nz, mz);
  const scale = (mx * my * mz) / (nx * ny * nz);
  const out = new Float32Array(2 * mz * my * hxOut);

  for (let jz = 0; jz < mz; jz++) {
    for (const sz of srcZ[jz]) {
      const iz = sz.index;
      const izc = iz === 0 ? 0 : nz - iz;
      for (let jy = 0; jy < my; jy++) {
        for (const sy of srcY[jy]) {
          const iy = sy.index;
          const iyc = iy === 0 ? 0 : ny - iy;
          const w = scale * sz.weight * sy.weight;
          const direct = 2 * (iz * ny + iy) * hxIn;
          const mirror = 2 * (izc * ny + iyc) * hxIn;
          const dst = 2 * (jz * my + jy) * hxOut;
          for (let jx = 0; jx < hxOut; jx++) {
            let re = 0;
            let im = 0;
            for (const sx of srcX[jx]) {
              const ix = sx.index;
              if (ix < hxIn) {
                re += sx.weight * spectrum[direct + 2 * ix];
                im += sx.weight * spectrum[direct + 2 * ix + 1];
              } else {
                // negative X frequency, not stored: F(-h, -k, -l) = conj(F(h, k, l))
                const s = mirror + 2 * (nx - ix);
                re += sx.weight * spectrum[s];
                im -= sx.weight * spectrum[s + 1];
              }
            }
            out[dst + 2 * jx] += w * re;
            out[dst + 2 * jx + 1] += w * im;
          }
        }
      }
    }
  }
  return result(irfft3d(out, [mx, my, mz]));
}

