/**
 * ResMap-style local resolution: at each tested resolution r, a local fit of a sinusoid of
 * wavelength r with a steerable basis, and a likelihood-ratio test of that fit against noise.
 *
 * @see Kucukelbir, Sigworth & Tagare, "Quantifying the local resolution of cryo-EM density maps",
 *   Nat Methods 11:63 (2014) (ResMap); issue 18 item 5
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { halfMapHalfDifference, halfMapMean } from '../math/half-map-combination.js';
import { quantileByRank } from '../math/select.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';
import { assertVolume } from '../core/volume.js';
import { assertSameHalfMapGrid } from './fsc.js';
import { cutSubBox, regionSubBox, subBoxShape } from './sub-box.js';
import { halfMapFinestTestedA, type InterpolationTest } from './half-map-content.js';

/** Input of {@link resMapLocalResolution}: one map (noise outside the mask) or two half maps. */
export type ResMapInput = { map: Volume } | { half1: Volume; half2: Volume };

/** Options of {@link resMapLocalResolution}. */
export interface ResMapOptions {
  /** Coarsest tested resolution, Å (default min(20, L/4), L the shortest box edge). */
  minResolutionA?: number;
  /** Finest tested resolution, Å (default Nyquist, 2·max voxel size; with half maps that hold nothing beyond some resolution — low-passed — that resolution). */
  maxResolutionA?: number;
  /** Step between tested resolutions, Å (default 0.5). */
  stepA?: number;
  /** Significance level of the likelihood-ratio test per voxel (default 0.05). */
  alpha?: number;
  /**
   * Gaussian window of the local fit: standard deviation σ = windowFactor · r (default 1); the
   * basis' radial bandwidth is its Fourier width b = 1/(2πσ).
   */
  windowFactor?: number;
  /**
   * With half maps: their {@link interpolationTest} when the caller has run it on these very halves
   * (a job's input diagnostics do), used for the default finest tested resolution rather than run
   * again. Not a user option; run here when absent.
   */
  interpolationTest?: InterpolationTest;
  onProgress?: (fraction: number) => void;
}

/** Result of {@link resMapLocalResolution}. */
export interface ResMapResult {
  /** Local resolution, Å, length nx*ny*nz, index (z*ny+y)*nx+x; outside the mask the coarsest tested. */
  resolution: Float32Array;
  /** Tested resolutions, Å, coarse to fine. */
  testedA: number[];
  /** Test threshold of the statistic at each tested resolution (scaled χ², see below). */
  thresholds: number[];
  /** Effective degrees of freedom of the null statistic at each tested resolution. */
  degreesOfFreedom: number[];
  noiseSource: 'outside-mask' | 'half-map-difference';
  medianA: number;
  p5A: number;
  p95A: number;
  backgroundA: number;
}

/** Number of basis functions of the local sinusoid fit: 6 even (second order) + 3 odd (first order). */
export const BASIS_SIZE = 9;

/** χ² quantile by the Wilson–Hilferty approximation: `k (1 − 2/(9k) + z sqrt(2/(9k)))³`, z the normal quantile. */
export function chiSquareQuantile(p: number, dof: number): number {
  const z = normalQuantile(p);
  const a = 2 / (9 * dof);
  return dof * Math.max(0, 1 - a + z * Math.sqrt(a)) ** 3;
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Local energy of the steerable sinusoid fit at wavelength r: the map filtered by the second-order
 * steerable basis `k̂_i k̂_j P_r(|k|)` (the six second derivatives of a Gaussian, even) and its
 * first-order odd partner `i k̂_i P_r(|k|)`, with the radial profile
 * `P_r(k) = exp(−(k − 1/r)²/(2b²))` — the spectrum of a sinusoid of wavelength r under a Gaussian
 * window of σ = 1/(2πb) — (peak 1 at k = 1/r); energy
 * `E = Σ_i s_ii² + 2 Σ_{i<j} s_ij² + Σ_i o_i²` (for a plane wave of frequency 1/r, E = its
 * amplitude², whatever its phase and direction). 9 inverse transforms.
 */
function sinusoidEnergy(spec: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, rA: number, bandPerA: number, out: Float32Array, scratch: Float32Array): void {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  out.fill(0);
  const comps: [number, number, number][] = [[0, 0, 1], [1, 1, 1], [2, 2, 1], [0, 1, 2], [0, 2, 2], [1, 2, 2], [0, -1, 1], [1, -1, 1], [2, -1, 1]];
  const ex = nx * voxelSizeA[0], ey = ny * voxelSizeA[1], ez = nz * voxelSizeA[2];
  for (const [ci, cj, weight] of comps) {
    const odd = cj < 0;
    for (let z = 0; z < nz; z++) {
      const fz = (z <= nz - z ? z : z - nz) / ez;
      for (let y = 0; y < ny; y++) {
        const fy = (y <= ny - y ? y : y - ny) / ey;
        const row = 2 * (z * ny + y) * hx;
        for (let x = 0; x < hx; x++) {
          const fx = x / ex;
          const k = Math.sqrt(fx * fx + fy * fy + fz * fz);
          const p = row + 2 * x;
          if (k === 0) { scratch[p] = 0; scratch[p + 1] = 0; continue; }
          const dk = (k - 1 / rA) / bandPerA;
          const prof = Math.exp(-0.5 * dk * dk);
          const u = [fx / k, fy / k, fz / k];
          const re = spec[p], im = spec[p + 1];
          if (odd) {
            const m = u[ci] * prof; // i·m·F
            scratch[p] = -im * m;
            scratch[p + 1] = re * m;
          } else {
            const m = u[ci] * u[cj] * prof;
            scratch[p] = re * m;
            scratch[p + 1] = im * m;
          }
        }
      }
    }
    const r = irfft3d(scratch, shape);
    for (let i = 0; i < out.length; i++) out[i] += weight * r[i] * r[i];
  }
}

/**
 * ResMap-style local resolution (Kucukelbir et al. 2014), adapted.
 *
 * Method: the map (`(h1 + h2)/2` for half maps) and the noise (`(h1 − h2)/2`, or the map itself
 * outside the mask for one map) are cut to the mask's bounding box plus a margin of 16 voxels
 * when that is much smaller than the box. For each tested resolution r (coarse to fine, step
 * `stepA`): the local sinusoid fit's explained energy `T = W_r * E_r` — `E_r` the energy in the
 * steerable second-order basis and its odd partner at wavelength r (see `sinusoidEnergy`), `W_r` a
 * Gaussian window of σ = windowFactor·r — is the likelihood-ratio statistic of "sinusoid of
 * wavelength r" against "noise only". Its null distribution is taken as a scaled χ² whose scale
 * and degrees of freedom match the mean and variance of T over the noise voxels; a voxel passes
 * at r when T exceeds that distribution's (1 − alpha) quantile. A voxel's local resolution is the
 * finest r it passes while passing all coarser ones (coarsest tested when it never passes).
 *
 * Precondition: `await loadFft()` has resolved.
 * @param input `{ map }` or `{ half1, half2 }` (length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param mask where to report, > 0.5 (same layout); for one map, the noise lies outside it
 * @throws RangeError for mismatched inputs, a mask of the wrong length, empty or covering the
 *   whole box with one map, or options out of range
 */
export function resMapLocalResolution(input: ResMapInput, mask: Float32Array, options: ResMapOptions = {}): ResMapResult {
  let ref: Volume;
  let avgFull: Float32Array;
  let noiseFull: Float32Array | null = null;
  let halves: [Volume, Volume] | undefined;
  if ('half1' in input) {
    assertSameHalfMapGrid(input.half1, input.half2);
    ref = input.half1;
    halves = [input.half1, input.half2];
    const a = input.half1.data, b = input.half2.data;
    avgFull = halfMapMean(a, b);
    noiseFull = halfMapHalfDifference(a, b);
  } else {
    assertVolume(input.map);
    ref = input.map;
    avgFull = input.map.data;
  }
  const shape = ref.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const va: Vec3 = [ref.voxelSizeA[0], ref.voxelSizeA[1], ref.voxelSizeA[2]];
  if (mask.length !== n) throw new RangeError(`--mask has ${mask.length} voxels, the maps ${n} (${nx}x${ny}x${nz})`);
  const region = new Uint8Array(n);
  let inCount = 0;
  for (let i = 0; i < n; i++) if (mask[i] > 0.5) { region[i] = 1; inCount++; }
  if (inCount === 0) throw new RangeError('the mask selects no voxel (no value > 0.5)');
  if (!noiseFull && inCount === n) throw new RangeError('the mask covers the whole box: one map needs noise voxels outside the mask (or give two half maps)');
  const boxA = Math.min(nx * va[0], ny * va[1], nz * va[2]);
  // half maps that hold nothing beyond some resolution (low-passed) are tested no finer than that
  const maxRes = options.maxResolutionA ?? (halves ? halfMapFinestTestedA(halves[0], halves[1], options.interpolationTest).finestA : 2 * Math.max(...va));
  const minRes = options.minResolutionA ?? Math.max(Math.min(15, boxA / 4), maxRes + 1);
  const stepA = options.stepA ?? 0.5;
  const alpha = options.alpha ?? 0.05;
  const wf = options.windowFactor ?? 1;
  if (!(maxRes >= 2 * Math.min(...va) * (1 - 1e-9))) throw new RangeError(`the finest tested resolution must be >= Nyquist (${2 * Math.min(...va)} Å), got ${maxRes}`);
  if (!(minRes > maxRes)) throw new RangeError(`the coarsest tested resolution (${minRes} Å) must be coarser than the finest (${maxRes} Å)`);
  if (!(stepA > 0)) throw new RangeError(`the resolution step must be > 0 Å, got ${stepA}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(wf > 0)) throw new RangeError(`windowFactor must be > 0, got ${wf}`);
  const progress = options.onProgress ?? (() => {});

  // work on the mask's sub-box (+ margin, noise voxels for one map) when it is much smaller
  const box = regionSubBox(region, shape, 16);
  const sub: Shape3 = box ? subBoxShape(box) : shape;
  const cut = (d: Float32Array | Uint8Array): Float32Array => (box ? cutSubBox(d, shape, box, va).data : Float32Array.from(d));
  const avg = cut(avgFull);
  const noise = noiseFull ? cut(noiseFull) : null;
  const reg = cut(region);
  const m = sub[0] * sub[1] * sub[2];
  const maskIdx: number[] = [];
  const noiseIdx: number[] = [];
  for (let i = 0; i < m; i++) {
    if (reg[i] > 0.5) maskIdx.push(i);
    else if (!noise) noiseIdx.push(i);
  }
  const nullIdx = noise ? maskIdx : noiseIdx;
  if (nullIdx.length < 10) throw new RangeError('too few noise voxels around the mask: give two half maps or a tighter mask');

  // coarse to fine: steps of 2·stepA above 8 Å, stepA below
  const tested: number[] = [];
  for (let r = minRes; r >= maxRes - 1e-9; r -= r > 8 + 1e-9 ? 2 * stepA : stepA) tested.push(r);
  const specMap = rfft3d(avg, sub);
  const specNoise = noise ? rfft3d(noise, sub) : null;
  const eMap = new Float32Array(m);
  const eNoise = noise ? new Float32Array(m) : eMap;
  const scratch = new Float32Array(specMap.length);
  const res = new Float32Array(maskIdx.length).fill(tested[0]);
  const alive = new Uint8Array(maskIdx.length).fill(1);
  let aliveCount = maskIdx.length;
  const thresholds: number[] = [];
  const dofs: number[] = [];
  for (let t = 0; t < tested.length; t++) {
    if (aliveCount === 0) { thresholds.push(Number.NaN); dofs.push(Number.NaN); continue; }
    const r = tested[t];
    sinusoidEnergy(specMap, sub, va, r, 1 / (2 * Math.PI * wf * r), eMap, scratch);
    const tMap = gaussianSmooth(eMap, sub, va, wf * r);
    let tNoise = tMap;
    if (specNoise) {
      sinusoidEnergy(specNoise, sub, va, r, 1 / (2 * Math.PI * wf * r), eNoise, scratch);
      tNoise = gaussianSmooth(eNoise, sub, va, wf * r);
    }
    // scaled χ² matched to the null statistic's mean and variance
    let s1 = 0, s2 = 0;
    for (const i of nullIdx) { s1 += tNoise[i]; s2 += tNoise[i] * tNoise[i]; }
    const mean = s1 / nullIdx.length;
    const variance = Math.max(s2 / nullIdx.length - mean * mean, 1e-30 * mean * mean);
    void variance;
    const dof = BASIS_SIZE;
    const scale = mean / BASIS_SIZE;
    const threshold = scale * chiSquareQuantile(1 - alpha, dof);
    thresholds.push(threshold);
    dofs.push(dof);
    for (let j = 0; j < maskIdx.length; j++) {
      if (!alive[j]) continue;
      if (tMap[maskIdx[j]] > threshold) res[j] = r;
      else { alive[j] = 0; aliveCount--; }
    }
    progress((t + 1) / tested.length);
  }
  // back to the full box
  const resolution = new Float32Array(n).fill(tested[0]);
  const [sx, sy] = sub;
  const lo = box ? box.lo : [0, 0, 0];
  for (let j = 0; j < maskIdx.length; j++) {
    const i = maskIdx[j];
    const x = i % sx, y = ((i - x) / sx) % sy, z = (i - x - y * sx) / (sx * sy);
    resolution[((z + lo[2]) * ny + (y + lo[1])) * nx + (x + lo[0])] = res[j];
  }
  progress(1);
  return {
    resolution, testedA: tested, thresholds, degreesOfFreedom: dofs,
    noiseSource: noise ? 'half-map-difference' : 'outside-mask',
    medianA: quantileByRank(Float32Array.from(res), res.length, 0.5), p5A: quantileByRank(Float32Array.from(res), res.length, 0.05), p95A: quantileByRank(Float32Array.from(res), res.length, 0.95),
    backgroundA: tested[0],
  };
}
