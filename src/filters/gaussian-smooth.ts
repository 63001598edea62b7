/**
 * Gaussian smoothing of a map in Fourier space (periodic boundaries).
 */
import { assertGeometry, type Shape3, type Vec3 } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';

/**
 * Multiply a half spectrum in place by the transfer function of a Gaussian of standard deviation
 * `sigmaA` (Å): `G(k) = exp(-2*pi^2*sigma^2*|k|^2)` with `|k|` in 1/Å.
 *
 * @param spectrum half spectrum as returned by `rfft3d`: length `2*nz*ny*hx`, `hx = floor(nx/2)+1`,
 *   interleaved (re, im), complex index `(z*ny + y)*hx + x`, y and z in FFT order; overwritten
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size along X, Y, Z in Å
 * @param sigmaA standard deviation of the Gaussian in Å (>= 0; 0 leaves the spectrum unchanged)
 * @throws RangeError when `sigmaA` is negative or not finite, or the spectrum length does not
 *   match `shape`
 */
export function gaussianFilterSpectrum(spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, sigmaA: number): void {
  assertGeometry(shape, voxelSizeA);
  if (!(Number.isFinite(sigmaA) && sigmaA >= 0)) throw new RangeError(`sigmaA must be a finite number >= 0 (Å), got ${sigmaA}`);
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  if (spectrum.length !== 2 * nz * ny * hx) throw new RangeError(`spectrum length must be ${2 * nz * ny * hx} for shape ${shape.join('x')}, got ${spectrum.length}`);
  if (sigmaA === 0) return;
  const c = -2 * Math.PI * Math.PI * sigmaA * sigmaA;
  // separable: exp(c*(kx^2 + ky^2 + kz^2)) = gx * gy * gz
  const table = (n: number, a: number, half: boolean): Float64Array => {
    const len = half ? (n >> 1) + 1 : n;
    const t = new Float64Array(len);
    for (let i = 0; i < len; i++) {
      const k = (i <= n / 2 ? i : i - n) / (n * a);
      t[i] = Math.exp(c * k * k);
    }
    return t;
  };
  const gx = table(nx, voxelSizeA[0], true);
  const gy = table(ny, voxelSizeA[1], false);
  const gz = table(nz, voxelSizeA[2], false);
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const gyz = gz[z] * gy[y];
      const row = 2 * (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const g = gyz * gx[x];
        spectrum[row + 2 * x] *= g;
        spectrum[row + 2 * x + 1] *= g;
      }
    }
  }
}

/**
 * Smooth a map with a 3D Gaussian of standard deviation `sigmaA` (Å), periodic boundaries:
 * `out = irfft(rfft(data) * exp(-2*pi^2*sigma^2*|k|^2))`. The sum of the map is preserved.
 *
 * Precondition: `await loadFft()` (src/math/fft.ts) has resolved.
 *
 * @param data map, length nx*ny*nz, index (z*ny + y)*nx + x; not modified
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size along X, Y, Z in Å
 * @param sigmaA standard deviation in Å (>= 0)
 * @returns new array, same layout
 * @throws RangeError when `data.length` is not nx*ny*nz or `sigmaA` is out of range
 */
export function gaussianSmooth(data: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, sigmaA: number): Float32Array {
  assertGeometry(shape, voxelSizeA);
  if (data.length !== shape[0] * shape[1] * shape[2]) throw new RangeError(`data length must be nx*ny*nz = ${shape[0] * shape[1] * shape[2]}, got ${data.length}`);
  const s = rfft3d(data, shape);
  gaussianFilterSpectrum(s, shape, voxelSizeA, sigmaA);
  return irfft3d(s, shape);
}
