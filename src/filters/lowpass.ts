/**
 * Hard (box-car) low-pass filter in Fourier space, spherical for cubic boxes and ellipsoidal in
 * Fourier-index space for non-cubic boxes / anisotropic voxels.
 *
 * @see shared/spec/occupy-algorithm.md §4 (low-pass), §12 (non-cubic and odd boxes)
 */
import { assertGeometry, assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { snapToWhole } from '../core/voxel-size-limits.js';
import { runSteps, stepsWithin, type Steps } from '../core/event-loop.js';
import { irfft3d, type PrunedBlock, prunedBlock, prunedIrfft3dSteps, prunedRfft3dSteps, prunedWork, rfft3d } from '../math/fft.js';

/**
 * Per-axis number of kept Fourier samples: `keep_i = floor(n_i * a_i / lowpassA)`, the index of
 * the frequency `1/lowpassA` (1/Å) along axis i. A frequency is kept when its index radius is at
 * most `keep_i + 1` (see {@link lowpassKeeps}). A ratio within float round-off of a whole number
 * is taken as that number ({@link snapToWhole}): 112 × 1.37 / 10.96 is 13.999999999999998 in
 * doubles (keep 13, where the same voxels at 1 Å with 8 Å keep 14), and a float32 header's 1.37 Å
 * moves such ratios either side of the whole number.
 *
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size `[ax, ay, az]` in Å/voxel
 * @param lowpassA cut-off resolution in Å, > 0
 * @returns `[keep_x, keep_y, keep_z]` (non-negative integers)
 * @throws RangeError when `lowpassA` is not a finite positive number, or a box size / voxel size
 *   is invalid
 * @see shared/spec/occupy-algorithm.md §4
 */
export function lowpassKeep(shape: Shape3, voxelSizeA: Readonly<Vec3>, lowpassA: number): Vec3 {
  checkLowpassA(lowpassA);
  assertGeometry(shape, voxelSizeA);
  return [0, 1, 2].map((i) => Math.floor(snapToWhole((shape[i] * voxelSizeA[i]) / lowpassA))) as Vec3;
}

/**
 * Mask predicate of the hard low-pass: whether the frequency with signed FFT indices `(h, k, l)`
 * (DC at 0, any sign; only `|h|, |k|, |l|` matter) is kept for per-axis `keep = [kx, ky, kz]`.
 *
 * Formula: `(h/(kx+1))^2 + (k/(ky+1))^2 + (l/(kz+1))^2 <= 1`; for a cubic box (`kx = ky = kz = keep`)
 * this is exactly `sqrt(h^2 + k^2 + l^2) <= keep + 1`. Evaluated in exact integer arithmetic as
 * `h^2*Ky^2*Kz^2 + k^2*Kx^2*Kz^2 + l^2*Kx^2*Ky^2 <= (Kx*Ky*Kz)^2` with `K = keep + 1` while that
 * fits in a double's 53-bit mantissa (`Kx*Ky*Kz <= 2^25`), with the ratio form and a 1e-12
 * tolerance beyond.
 *
 * @param h signed frequency index along X (integer)
 * @param k signed frequency index along Y (integer)
 * @param l signed frequency index along Z (integer)
 * @param keep per-axis keep from {@link lowpassKeep}
 * @returns true when the frequency passes the filter
 * @see shared/spec/occupy-algorithm.md §4
 */
export function lowpassKeeps(h: number, k: number, l: number, keep: Readonly<Vec3>): boolean {
  return makeMask(keep)(h * h, k * k, l * l);
}

/** Mask test on squared indices, exact while the integer products fit in 2^53. */
function makeMask(keep: Readonly<Vec3>): (h2: number, k2: number, l2: number) => boolean {
  const kx = keep[0] + 1, ky = keep[1] + 1, kz = keep[2] + 1;
  if (kx * ky * kz <= 2 ** 25) {
    const wx = ky * ky * kz * kz, wy = kx * kx * kz * kz, wz = kx * kx * ky * ky;
    const limit = kx * kx * wx;
    return (h2, k2, l2) => h2 * wx + k2 * wy + l2 * wz <= limit;
  }
  const ix = 1 / (kx * kx), iy = 1 / (ky * ky), iz = 1 / (kz * kz);
  return (h2, k2, l2) => h2 * ix + k2 * iy + l2 * iz <= 1 + 1e-12;
}

/**
 * Number of frequencies of the full `nx*ny*nz` spectrum (every signed index triple, DC included)
 * that the hard low-pass keeps, i.e. the count of {@link lowpassKeeps} over the grid.
 *
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size `[ax, ay, az]` in Å/voxel
 * @param lowpassA cut-off resolution in Å, > 0
 * @returns the kept-frequency count, between 1 (DC only) and `nx*ny*nz`
 * @throws RangeError as {@link lowpassKeep}
 * @see shared/spec/occupy-algorithm.md §4
 */
export function lowpassKeptCount(shape: Shape3, voxelSizeA: Readonly<Vec3>, lowpassA: number): number {
  const mask = makeMask(lowpassKeep(shape, voxelSizeA, lowpassA));
  const [nx, ny, nz] = shape;
  let count = 0;
  for (let z = 0; z < nz; z++) {
    const l = signed(z, nz);
    for (let y = 0; y < ny; y++) {
      const k = signed(y, ny);
      for (let x = 0; x < nx; x++) {
        const h = signed(x, nx);
        if (mask(h * h, k * k, l * l)) count++;
      }
    }
  }
  return count;
}

/**
 * Hard low-pass of a map: keep the Fourier components inside the ellipsoid of
 * {@link lowpassKeeps} with `keep_i = floor(n_i * a_i / lowpassA)`, zero the rest, inverse
 * transform. The mask is centred on DC (the original OccuPy's is offset by half a sample) and is
 * symmetric under `(h,k,l) -> (-h,-k,-l)`, so the result is real; DC is always kept, so the mean
 * density is preserved.
 *
 * The filter is applied only when `lowpassA > 2 * min(a_x, a_y, a_z)` (the cut-off is coarser
 * than Nyquist on the finest axis); otherwise the result holds a copy of the input data.
 *
 * Requires `await loadFft()` (from `src/math/fft.ts`) beforehand.
 *
 * @param volume input map; `data` length `nx*ny*nz`, index `(z*ny + y)*nx + x`; not modified
 * @param lowpassA cut-off resolution in Å, > 0
 * @param maskStyle `centred` (default, spec §4) or `original` (the original OccuPy's mask, see
 *   {@link LowpassMaskStyle})
 * @param out optional array for the result's data (length nx*ny*nz, not the input's), e.g.
 *   SharedArrayBuffer-backed for a worker thread
 * @returns a new Volume with the same shape, voxel size (and any other fields) as the input and
 *   fresh `data` (never aliasing the input's; `out` when given)
 * @throws RangeError when `lowpassA` is not a finite positive number, or the volume's shape /
 *   voxel size is invalid
 * @throws TypeError when `volume.data.length !== nx*ny*nz`, or `out` has another length or is the input's data
 * @throws Error when the FFT has not been loaded with `loadFft()`
 * @see shared/spec/occupy-algorithm.md §4, §12
 */
export function lowpassHard(volume: Volume, lowpassA: number, maskStyle: LowpassMaskStyle = 'centred', out?: Float32Array): Volume {
  return runSteps(lowpassHardSteps(volume, lowpassA, maskStyle, out));
}

/**
 * {@link lowpassHard} cut into steps (`Steps`, src/core/event-loop.ts): it yields the fraction done
 * after each group of planes of its transforms (about 2^20 voxels), so that a caller that runs it
 * with `runStepsYielding` acts on a signal or an abort within a step (a 256³ low-pass was one
 * block of ~1 s, ~5 s on a loaded machine). Same arguments, errors (thrown by the first step) and
 * result, bit for bit.
 */
export function lowpassHardSteps(volume: Volume, lowpassA: number, maskStyle: LowpassMaskStyle = 'centred', out?: Float32Array): Steps<Volume> {
  return lowpassWith(volume, lowpassA, maskStyle, prunedLowpass, out);
}

/**
 * Reference implementation of {@link lowpassHard} with full 3D transforms of the whole half
 * spectrum (`rfft3d`, mask, `irfft3d`). Same contract and result (to float32 rounding); kept for
 * the tests and the benchmark, which check the pruned transforms against it.
 */
export function lowpassHardFull(volume: Volume, lowpassA: number, maskStyle: LowpassMaskStyle = 'centred'): Volume {
  return runSteps(lowpassWith(volume, lowpassA, maskStyle, fullLowpass));
}

type LowpassKernel = (data: Float32Array, shape: Shape3, keep: Readonly<Vec3>, weight: MaskWeight, out?: Float32Array) => Steps<Float32Array>;

function* lowpassWith(volume: Volume, lowpassA: number, maskStyle: LowpassMaskStyle, kernel: LowpassKernel, out?: Float32Array): Steps<Volume> {
  checkLowpassA(lowpassA);
  assertVolume(volume);
  const { shape, voxelSizeA } = volume;
  const result = (data: Float32Array): Volume => ({
    ...volume,
    data,
    shape: [shape[0], shape[1], shape[2]],
    voxelSizeA: [voxelSizeA[0], voxelSizeA[1], voxelSizeA[2]],
  });
  if (out !== undefined) {
    if (out.length !== volume.data.length) throw new TypeError(`out length must be nx*ny*nz = ${volume.data.length}, got ${out.length}`);
    if (out === volume.data) throw new TypeError('out must not alias the input data');
  }
  if (!(lowpassA > 2 * Math.min(...voxelSizeA))) {
    if (!out) return result(volume.data.slice());
    out.set(volume.data);
    return result(out);
  }
  const keep = lowpassKeep(shape, voxelSizeA, lowpassA);
  const weight = maskStyle === 'original' ? originalMaskWeight(shape, keep) : centredMaskWeight(keep);
  return result(yield* kernel(volume.data, shape, keep, weight, out));
}

/** Full half-spectrum transform, mask, inverse (one step). */
function* fullLowpass(data: Float32Array, shape: Shape3, _keep: Readonly<Vec3>, weight: MaskWeight, target?: Float32Array): Steps<Float32Array> {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const spectrum = rfft3d(data, shape);
  for (let z = 0; z < nz; z++) {
    const l = signed(z, nz);
    for (let y = 0; y < ny; y++) {
      const k = signed(y, ny);
      const row = 2 * (z * ny + y) * hx;
      for (let h = 0; h < hx; h++) {
        const w = weight(h, k, l);
        if (w !== 1) {
          spectrum[row + 2 * h] *= w;
          spectrum[row + 2 * h + 1] *= w;
        }
      }
    }
  }
  const out = irfft3d(spectrum, shape);
  if (!target) return out;
  target.set(out);
  return target;
}

/**
 * Pruned separable transform: only frequencies with `|index| <= keep + 1` on every axis can be
 * kept by either mask, so the forward transform computes only those (real FFT of every X row,
 * keeping `min(keep_x + 1, nx/2) + 1` bins; then complex FFTs along Y for those bins, keeping the
 * kept Y indices; then along Z for what is left), the mask and the normalisation `1/(nx*ny*nz)`
 * are applied to that small block, and the inverse runs the same passes backwards with the
 * missing frequencies as zeros. For a 256³ map low-passed to 1/6 of Nyquist this does about a
 * third of the work of the full 3D transforms; the X and Y passes run plane by plane, so the
 * largest buffer is the Y-pruned block (`nz*my*mx` complex: a tenth of the map for 256³ at 1/6 of
 * Nyquist). Benchmarked with `npm run bench`; kissfft itself has no pruned N-D transform.
 */
function* prunedLowpass(data: Float32Array, shape: Shape3, keep: Readonly<Vec3>, weight: MaskWeight, target?: Float32Array): Steps<Float32Array> {
  const [nx, ny, nz] = shape;
  const block = prunedIndices(shape, keep);
  const { bins: mx, keptY, keptZ } = block;
  const my = keptY.length;
  const mz = keptZ.length;
  const work = prunedWork(shape, block);
  const spectrum = yield* stepsWithin(prunedRfft3dSteps(data, shape, block, work), 0, 0.5);
  const norm = 1 / (nx * ny * nz);
  for (let c = 0; c < mz; c++) {
    const l = signed(keptZ[c], nz);
    for (let b = 0; b < my; b++) {
      const k = signed(keptY[b], ny);
      const row = 2 * (c * my + b) * mx;
      for (let h = 0; h < mx; h++) {
        const w = weight(h, k, l) * norm;
        spectrum[row + 2 * h] *= w;
        spectrum[row + 2 * h + 1] *= w;
      }
    }
  }
  return yield* stepsWithin(prunedIrfft3dSteps(spectrum, shape, block, target ?? new Float32Array(nx * ny * nz), work), 0.5, 1);
}

/** The frequencies either mask can keep: X bins `0..bins-1` and the FFT positions kept on Y and Z. */
function prunedIndices(shape: Shape3, keep: Readonly<Vec3>): PrunedBlock {
  return prunedBlock(shape, [keep[0] + 1, keep[1] + 1, keep[2] + 1]);
}

/**
 * The hard low-pass of {@link lowpassHard} as a weighted block of a spectrum, for code that
 * already holds the map's half spectrum (the Fourier crop of `--max-box` computes it anyway):
 * only the frequencies with X bin `h < bins`, Y position in `keptY` and Z position in `keptZ` can
 * be kept; `weight(h, k, l)` (0, 0.5 or 1) is the mask's weight of the half-spectrum X bin `h >= 0`
 * and the signed Y and Z indices `k`, `l`. The low-passed map is then the inverse transform of
 * `F(h, k, l) * weight / (nx*ny*nz)` over that block (the others zero), as in {@link lowpassHard}.
 *
 * @param shape box `[nx, ny, nz]` in voxels
 * @param voxelSizeA voxel size `[ax, ay, az]` in Å/voxel
 * @param lowpassA cut-off resolution in Å, > 0
 * @param maskStyle see {@link LowpassMaskStyle}; default `centred`
 * @returns the block and its weights, or undefined when {@link lowpassHard} would not filter
 *   (`lowpassA <= 2 * min(voxel size)`: its result is a copy of the map)
 * @throws RangeError as {@link lowpassKeep}
 * @see shared/spec/occupy-algorithm.md §4
 */
export function lowpassSpectrumBlock(
  shape: Shape3,
  voxelSizeA: Readonly<Vec3>,
  lowpassA: number,
  maskStyle: LowpassMaskStyle = 'centred',
): { bins: number; keptY: Int32Array; keptZ: Int32Array; weight: (h: number, k: number, l: number) => number } | undefined {
  checkLowpassA(lowpassA);
  assertGeometry(shape, voxelSizeA);
  if (!(lowpassA > 2 * Math.min(...voxelSizeA))) return undefined;
  const keep = lowpassKeep(shape, voxelSizeA, lowpassA);
  const weight = maskStyle === 'original' ? originalMaskWeight(shape, keep) : centredMaskWeight(keep);
  return { ...prunedIndices(shape, keep), weight };
}

/**
 * Which low-pass mask to use.
 * - `centred`: the spec's clean mask, {@link lowpassKeeps} (centred on DC, radius keep+1).
 * - `original`: the frequencies the original OccuPy keeps (spec §4 quirk), so that its solvent
 *   model and confidence are reproduced: a cube of signed indices `[-keep, keep-1]` on Y and Z and
 *   `[0, keep]` on the half-spectrum X axis (`[0, 0]` on Y or Z when their keep is 0: the zero
 *   frequency is always kept), intersected with a sphere of radius keep+1 whose centre
 *   is offset by half a sample (+0.5 on Y and Z, -0.5 on X). On the X = 0 (and X-Nyquist) plane the
 *   weight is the mean over the Hermitian pair, which is what an inverse real FFT of that
 *   half-spectrum computes; the filter is therefore real and its result is a real map.
 */
export type LowpassMaskStyle = 'centred' | 'original';

/** Weight of a frequency: half-spectrum X index h >= 0 and signed Y, Z indices k, l. */
type MaskWeight = (h: number, k: number, l: number) => number;

/** Weight (0 or 1) of the centred mask for half-spectrum index h >= 0 and signed k, l. */
function centredMaskWeight(keep: Readonly<Vec3>): MaskWeight {
  const mask = makeMask(keep);
  return (h, k, l) => (mask(h * h, k * k, l * l) ? 1 : 0);
}

/** Weight (0, 0.5 or 1) of the original OccuPy's mask; see {@link LowpassMaskStyle}. */
function originalMaskWeight(shape: Shape3, keep: Readonly<Vec3>): MaskWeight {
  const kx = Math.min(keep[0], Math.floor(shape[0] / 2));
  const ky = Math.min(keep[1], Math.floor(shape[1] / 2));
  const kz = Math.min(keep[2], Math.floor(shape[2] / 2));
  const rx = kx + 1, ry = ky + 1, rz = kz + 1;
  // Kept set for a non-negative X index h (the stored half of the spectrum). The signed Y and Z
  // ranges [-keep, keep-1] always hold 0 (as [0, keep] on X does): with keep 0 along Y or Z they
  // were empty and the low-pass zeroed the whole map, DC included (a slab 4 voxels thick along Z,
  // or lowpassA 1000 on a 48 Å box, then read "all … values equal 0; no contrast")
  const hiY = Math.max(ky - 1, 0), hiZ = Math.max(kz - 1, 0);
  const inside = (h: number, k: number, l: number): boolean => {
    if (h < 0 || h > kx || k < -ky || k > hiY || l < -kz || l > hiZ) return false;
    const ux = (h - 0.5) / rx, uy = (k + 0.5) / ry, uz = (l + 0.5) / rz;
    return ux * ux + uy * uy + uz * uz <= 1;
  };
  const nyquistX = shape[0] % 2 === 0 ? shape[0] / 2 : -1;
  return (h, k, l) => {
    if (h === 0 || h === nyquistX) return ((inside(h, k, l) ? 1 : 0) + (inside(h, -k, -l) ? 1 : 0)) / 2;
    return inside(h, k, l) ? 1 : 0;
  };
}

/** Signed FFT frequency of index i on n samples (only its magnitude is used here). */
function signed(i: number, n: number): number {
  return i <= n - i ? i : i - n;
}

function checkLowpassA(lowpassA: number): void {
  if (typeof lowpassA !== 'number' || !Number.isFinite(lowpassA) || lowpassA <= 0) {
    throw new RangeError(`lowpassA must be a finite number > 0 (Å), got ${String(lowpassA)}`);
  }
}

