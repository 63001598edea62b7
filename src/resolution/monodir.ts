/**
 * Local-directional resolution (MonoDir family): per voxel and per direction, the finest frequency
 * at which the map's directional monogenic amplitude stands out of the half-map noise; then per
 * voxel the highest and lowest directional resolution, the anisotropy, and the radial and
 * tangential resolutions.
 *
 * @see Vilas, Tagare et al., "Measuring local-directional resolution and local anisotropy in
 *   cryo-EM maps", Nat Commun 11:55 (2020) (MonoDir); issue 18 item 2;
 *   shared/spec/local-resolution.md §3 (the MonoRes test it applies per direction)
 */
import type { Vec3, Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { quantileByRank } from '../math/select.js';
import { halfMapHalfDifference, halfMapMean } from '../math/half-map-combination.js';
import { assertSameHalfMapGrid } from './fsc.js';
import { checkCentreVoxel } from './centre-voxel.js';
import { OptionError } from '../core/option-error.js';
import { hemisphereDirections } from './directional-fsc.js';
import { fitResolutionEllipsoid } from './ellipsoid-fit.js';
import { bandAmplitude, makeBandScratch, planBand, sampleGrid, type DirectionalBand } from './directional-bands.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';

/** Options of {@link monoDir}. */
export interface MonoDirOptions {
  /** Directions on the hemisphere (default 30). */
  directions?: number;
  /** Cone half-angle of the directional filters, degrees (default 30; raised-cosine weight, 0 at the wall). */
  coneAngleDeg?: number;
  /** Coarsest tested resolution, Å (default min(25, L/4), L the shortest box edge in Å). */
  minResolutionA?: number;
  /** Finest tested resolution, Å (default Nyquist, 2·max voxel size). */
  maxResolutionA?: number;
  /** Number of tested frequencies, evenly spaced in frequency (default 20). */
  frequencies?: number;
  /** Significance level: the threshold is the (1 − alpha) quantile of the noise amplitude in the mask (default 0.05). */
  alpha?: number;
  /**
   * Gaussian smoothing of the amplitudes (map and noise alike) before the test, in wavelengths of
   * the tested frequency: σ = smoothing/f Å (default 0.6; 0 = off). It steadies the voxel-by-voxel
   * test, as MonoRes' low-pass of the amplitude does.
   */
  smoothing?: number;
  /** Centre for the radial/tangential split, voxels (default the box centre). */
  centreVoxel?: Vec3;
  onProgress?: (fraction: number) => void;
}

/** Result of {@link monoDir}. Maps: length nx*ny*nz, index (z*ny+y)*nx+x. */
export interface MonoDirResult {
  /** Cone directions (unit vectors, map x, y, z). */
  directions: Vec3[];
  /** Tested resolutions, Å, coarse to fine. */
  testedA: number[];
  /** Finest directional resolution per voxel, Å (outside the mask: the coarsest tested). */
  highestA: Float32Array;
  /** Coarsest directional resolution per voxel, Å (outside: the coarsest tested). */
  lowestA: Float32Array;
  /** 1 − highest/lowest per voxel, in [0, 1) (0 outside the mask). */
  anisotropy: Float32Array;
  /** Resolution along the radial direction from the centre, Å (weights |d·r̂|⁸ over directions). */
  radialA: Float32Array;
  /** Resolution across the radial direction, Å (weights (1 − (d·r̂)²)⁴ over directions). */
  tangentialA: Float32Array;
  /** Median over the mask of each direction's resolution, Å. */
  perDirectionMedianA: number[];
  /** Mean over the mask of each direction's resolution, Å (the input of the ellipsoid fit). */
  perDirectionMeanA: number[];
  /** Worst and best directions over the mask, from an ellipsoid fitted to the per-direction means. */
  worstDirection: Vec3;
  bestDirection: Vec3;
  worstResolutionA: number;
  bestResolutionA: number;
  /** Medians over the mask. */
  medianHighestA: number;
  medianLowestA: number;
  medianAnisotropy: number;
  /** The coarsest tested resolution, written outside the mask. */
  backgroundA: number;
  centreVoxel: Vec3;
  coneAngleDeg: number;
  alpha: number;
}

/**
 * MonoDir-style local-directional resolution from two half maps.
 *
 * Method: map `m = (h1 + h2)/2`, noise `(h1 − h2)/2`, each transformed once. For every direction d
 * (a hemisphere of cones) and tested frequency f (evenly spaced from `1/minResolutionA` to
 * `1/maxResolutionA`), the analytic-signal amplitude of the map band-passed in the cap
 * `||k| − f| < w` (w = the frequency step), angle(k, ±d) < β, is computed on a coarse grid
 * (`directional-bands.ts`), smoothed by a Gaussian of σ = smoothing/f Å and interpolated to the
 * mask voxels; so is the noise's. The threshold
 * is the (1 − alpha) quantile of the noise amplitude over the mask (the half-map noise test per
 * direction). A voxel stays resolved in direction d while its amplitude exceeds the threshold,
 * coarse to fine; its directional resolution is where it stops, interpolated between the last
 * frequency passed and the first failed one by the amplitude/threshold ratios. Per voxel:
 * highest = finest over directions, lowest = coarsest, anisotropy = 1 − highest/lowest, radial
 * and tangential = weighted means (weights `|d·r̂|⁸` and `(1 − (d·r̂)²)⁴`, r̂ the unit vector from
 * the centre). Over the mask: per-direction median and mean, and an ellipsoid fitted to the means
 * (`fitResolutionEllipsoid`) gives the worst and best directions.
 *
 * Precondition: `await loadFft()` has resolved.
 * @param half1 first half map (length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half map, same box and voxel size
 * @param mask where to report, > 0.5 (length nx*ny*nz)
 * @throws RangeError for mismatched halves, a mask of the wrong length or empty, or options out of
 *   range; OptionError (a RangeError; exit 2 on the command line) for a cone angle outside (0, 90)
 *   or a centre outside the box ({@link checkCentreVoxel})
 */
export function monoDir(half1: Volume, half2: Volume, mask: Float32Array, options: MonoDirOptions = {}): MonoDirResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const va: Vec3 = [half1.voxelSizeA[0], half1.voxelSizeA[1], half1.voxelSizeA[2]];
  if (mask.length !== n) throw new RangeError(`--mask has ${mask.length} voxels, the half maps ${n} (${nx}x${ny}x${nz})`);
  const nDir = options.directions ?? 30;
  if (!Number.isInteger(nDir) || nDir < 6) throw new RangeError(`the number of directions must be an integer >= 6, got ${nDir}`);
  const coneDeg = options.coneAngleDeg ?? 30;
  if (!(coneDeg > 0 && coneDeg < 90)) throw new OptionError(`--cone-angle must be in (0, 90) degrees, got ${coneDeg}`, 'coneAngle', 'a number in (0, 90) degrees', { flag: '--cone-angle', value: coneDeg });
  const alpha = options.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const boxA = Math.min(nx * va[0], ny * va[1], nz * va[2]);
  const maxRes = options.maxResolutionA ?? 2 * Math.max(...va);
  const minRes = options.minResolutionA ?? Math.max(Math.min(25, boxA / 4), maxRes * 1.5);
  if (!(maxRes >= 2 * Math.min(...va) * (1 - 1e-9))) throw new RangeError(`the finest tested resolution must be >= Nyquist (${2 * Math.min(...va)} Å), got ${maxRes}`);
  if (!(minRes > maxRes)) throw new RangeError(`the coarsest tested resolution (${minRes} Å) must be coarser than the finest (${maxRes} Å)`);
  const nf = options.frequencies ?? 20;
  if (!Number.isInteger(nf) || nf < 2) throw new RangeError(`the number of tested frequencies must be an integer >= 2, got ${nf}`);
  const progress = options.onProgress ?? (() => {});
  const centre: Vec3 = options.centreVoxel ?? [nx / 2, ny / 2, nz / 2];
  // as --shells (a centre outside the box had been taken, and recorded, as given)
  checkCentreVoxel(centre, shape);

  const maskIdx: number[] = [];
  for (let i = 0; i < n; i++) if (mask[i] > 0.5) maskIdx.push(i);
  const inCount = maskIdx.length;
  if (inCount === 0) throw new RangeError('the mask selects no voxel (no value > 0.5)');
  const voxels = Int32Array.from(maskIdx);

  const avg = halfMapMean(half1.data, half2.data);
  const dif = halfMapHalfDifference(half1.data, half2.data);
  const specMap = rfft3d(avg, shape);
  const specNoise = rfft3d(dif, shape);
  progress(0.02);

  const f0 = 1 / minRes;
  const f1 = 1 / maxRes;
  const df = (f1 - f0) / (nf - 1);
  const fs = Array.from({ length: nf }, (_, i) => f0 + i * df);
  const testedA = fs.map((f) => 1 / f);
  const width = Math.max(df, 1 / boxA);
  const beta = (coneDeg * Math.PI) / 180;
  const directions = hemisphereDirections(nDir);
  const scratch = makeBandScratch();
  const ampMap = new Float32Array(inCount);
  const ampNoise = new Float32Array(inCount);
  const noiseSorted = new Float32Array(inCount);
  const smoothing = options.smoothing ?? 0.6;
  if (!(smoothing >= 0 && Number.isFinite(smoothing))) throw new RangeError(`smoothing must be a finite number >= 0, got ${smoothing}`);
  // the amplitude averaged over `smoothing` wavelengths (Gaussian σ = smoothing/f Å) on its coarse grid
  const smoothed = (amp: Float32Array, band: DirectionalBand): Float32Array => {
    if (smoothing === 0) return amp;
    const g = band.grid;
    return gaussianSmooth(amp, g, [(nx * va[0]) / g[0], (ny * va[1]) / g[1], (nz * va[2]) / g[2]], smoothing / band.frequencyPerA);
  };
  const perDir: Float32Array[] = [];
  const alive = new Uint8Array(inCount);
  const prevRatio = new Float32Array(inCount);
  for (let k = 0; k < nDir; k++) {
    const resF = new Float32Array(inCount).fill(f0);
    alive.fill(1);
    let aliveCount = inCount;
    for (let i = 0; i < nf && aliveCount > 0; i++) {
      const band = planBand(shape, va, directions[k], fs[i], width, beta);
      sampleGrid(smoothed(bandAmplitude(specNoise, shape, va, band, scratch), band), band.grid, shape, voxels, ampNoise);
      sampleGrid(smoothed(bandAmplitude(specMap, shape, va, band, scratch), band), band.grid, shape, voxels, ampMap);
      noiseSorted.set(ampNoise);
      const t = quantileByRank(noiseSorted, inCount, 1 - alpha);
      for (let j = 0; j < inCount; j++) {
        if (!alive[j]) continue;
        const ratio = t > 0 ? ampMap[j] / t : Infinity;
        if (ratio > 1) {
          resF[j] = fs[i];
          prevRatio[j] = ratio;
        } else {
          alive[j] = 0;
          aliveCount--;
          if (i > 0) {
            const p = prevRatio[j];
            const u = p > ratio ? Math.min(1, Math.max(0, (p - 1) / (p - ratio))) : 0;
            resF[j] = fs[i - 1] + u * (fs[i] - fs[i - 1]);
          }
        }
      }
      progress(0.02 + (0.93 * (k + (i + 1) / nf)) / nDir);
    }
    for (let j = 0; j < inCount; j++) resF[j] = 1 / resF[j];
    perDir.push(resF);
    progress(0.02 + (0.93 * (k + 1)) / nDir);
  }

  // per voxel: highest, lowest, anisotropy, radial, tangential
  const background = testedA[0];
  const highestA = new Float32Array(n).fill(background);
  const lowestA = new Float32Array(n).fill(background);
  const anisotropy = new Float32Array(n);
  const radialA = new Float32Array(n).fill(background);
  const tangentialA = new Float32Array(n).fill(background);
  const hiV = new Float32Array(inCount), loV = new Float32Array(inCount), anV = new Float32Array(inCount);
  for (let j = 0; j < inCount; j++) {
    const i = voxels[j];
    const x = i % nx;
    const y = ((i - x) / nx) % ny;
    const z = (i - x - y * nx) / (nx * ny);
    let rx = (x - centre[0]) * va[0], ry = (y - centre[1]) * va[1], rz = (z - centre[2]) * va[2];
    const rl = Math.hypot(rx, ry, rz);
    if (rl > 0) { rx /= rl; ry /= rl; rz /= rl; } else { rx = 0; ry = 0; rz = 1; }
    let hi = Infinity, lo = 0, sr = 0, wr = 0, st = 0, wt = 0;
    for (let k = 0; k < nDir; k++) {
      const v = perDir[k][j];
      if (v < hi) hi = v;
      if (v > lo) lo = v;
      const d = directions[k];
      const c = Math.abs(d[0] * rx + d[1] * ry + d[2] * rz);
      const w1 = c ** 8;
      const w2 = (1 - c * c) ** 4;
      sr += w1 * v; wr += w1; st += w2 * v; wt += w2;
    }
    highestA[i] = hi;
    lowestA[i] = lo;
    anisotropy[i] = 1 - hi / lo;
    radialA[i] = wr > 0 ? sr / wr : hi;
    tangentialA[i] = wt > 0 ? st / wt : hi;
    hiV[j] = hi; loV[j] = lo; anV[j] = anisotropy[i];
  }
  const perDirectionMedianA: number[] = [];
  const perDirectionMeanA: number[] = [];
  for (let k = 0; k < nDir; k++) {
    let s = 0;
    for (let j = 0; j < inCount; j++) s += perDir[k][j];
    perDirectionMeanA.push(s / inCount);
    perDirectionMedianA.push(quantileByRank(Float32Array.from(perDir[k]), inCount, 0.5));
  }
  const fit = fitResolutionEllipsoid(directions, perDirectionMeanA);
  progress(1);
  return {
    directions, testedA, highestA, lowestA, anisotropy, radialA, tangentialA,
    perDirectionMedianA, perDirectionMeanA,
    worstDirection: fit.directions[2], bestDirection: fit.directions[0], worstResolutionA: fit.resolutionsA[2], bestResolutionA: fit.resolutionsA[0],
    medianHighestA: quantileByRank(hiV, inCount, 0.5), medianLowestA: quantileByRank(loV, inCount, 0.5), medianAnisotropy: quantileByRank(anV, inCount, 0.5),
    backgroundA: background, centreVoxel: centre, coneAngleDeg: coneDeg, alpha,
  };
}
