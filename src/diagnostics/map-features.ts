/**
 * Real-space measurements of a map for the input diagnostics: value statistics, what the box
 * faces hold, and how the local standard deviation changes from the centre to the corners.
 *
 * Everything is measured on a strided sample of the voxels (stride round(shortest edge / 64), at
 * least 1: 1 up to 95 voxels per edge, 2 at 100, 4 at 256) so that every map costs about as much
 * as a 64³ one; min and max are exact unless a range is given.
 * @see docs/diagnostics.md
 */
import type { Volume } from '../core/volume.js';
import { arrayRange } from '../math/statistics.js';
import { Arena, arenaBytes } from './kernels.js';
import { mulberry32 } from '../math/random.js';
import { quantileByRank } from '../math/select.js';
import { THRESHOLDS as T } from './thresholds.js';

/** Radial bins of the local-standard-deviation profile (normalised radius, see {@link MapFeatures.stdProfile}). */
export const PROFILE_EDGES: readonly number[] = [0, 0.6, 0.8, 0.9, 1.0, 1.2, 2];

/** What {@link measureMapFeatures} returns (density units are the map's own). */
export interface MapFeatures {
  /** Voxel stride of the sample along every axis. */
  stride: number;
  /** Number of sampled voxels. */
  sampled: number;
  /** Minimum and maximum over all voxels (or the range given to {@link measureMapFeatures}). */
  min: number;
  max: number;
  /** Mean and population standard deviation of the sample. */
  mean: number;
  std: number;
  /** Fraction of sampled voxels exactly 0. */
  zeroFraction: number;
  /** Minimum and maximum of the sampled voxels that differ from {@link faceModeValue} (NaN when none). */
  minOffMode: number;
  maxOffMode: number;
  /** Fraction of sampled voxels < 0. */
  negativeFraction: number;
  /** The most frequent value among the sampled face voxels (outer layer of the box). */
  faceModeValue: number;
  /** Fraction of sampled face voxels exactly equal to {@link faceModeValue}. */
  faceModeFraction: number;
  /** Fraction of all sampled voxels exactly equal to {@link faceModeValue}. */
  faceModeGlobalFraction: number;
  /**
   * Fraction of sampled face voxels within {@link NEAR_ZERO_SHARE} of the largest |value| of 0: a
   * mask's zeros after interpolation (a masked map upsampled in Fourier space holds ~10⁻⁷ of its
   * std there, by cubic spline ~10⁻²⁴) are no longer exactly 0 (session 58).
   */
  faceNearZeroFraction: number;
  /** Fraction of all sampled voxels that near 0; measured only when {@link faceNearZeroFraction} reaches `THRESHOLDS.faceConstantFraction` (else NaN). */
  nearZeroGlobalFraction: number;
  /** Number of distinct values among the sampled face voxels, counted up to 65 (65 = "more than 64"). */
  distinctValues: number;
  /** Fraction of the sample within 2 % of the value range from the minimum or the maximum. */
  extremeFraction: number;
  /**
   * Position of the histogram's highest bin (64 bins over [min, max]) as a fraction of the range,
   * and the fraction of the sample in that bin.
   */
  peakPosition: number;
  peakFraction: number;
  /** Median local standard deviation of blocks whose centre lies beyond 1.2 × the inscribed radius (the corners). */
  cornerStd: number;
  /** Median absolute deviation of the corner blocks' means from the face mode value, over the global std. */
  cornerMeanSpread: number;
  /** Median of the corner blocks' means (density units): the background level. */
  cornerMean: number;
  /** 20th percentile of the local standard deviation of blocks inside 0.9 × the inscribed radius. */
  innerLowStd: number;
  /** Median block std per radial bin ({@link PROFILE_EDGES}), relative to the global std. */
  stdProfile: number[];
}

/**
 * A value within this share of the map's largest |value| of 0 counts as 0 for the face test of
 * `masked` ({@link MapFeatures.faceNearZeroFraction}). Masked maps upsampled: ≤ 4·10⁻⁸ of the largest
 * value on half the faces; raw maps' faces: ≤ 0.4 % of their voxels within 10⁻⁴ of their std (≥ 10⁻⁵
 * of the largest value).
 */
export const NEAR_ZERO_SHARE = 1e-5;

/** Sample stride for a box: max(1, round(shortest edge / 64)). */
export function sampleStride(shape: readonly number[]): number {
  return Math.max(1, Math.round(Math.min(...shape) / 64));
}

/**
 * medianOf and quantileOf of src/math/statistics.ts, the same values, with the
 * native numeric sort of a Float64Array instead of a comparator function (the diagnostics run
 * once per command, where each comparator call would run unoptimised; the values here are finite
 * and never −0, where the two sorts could differ).
 */
function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** Mode of sorted values: the value and how often it occurs (the first longest run; in WebAssembly). */
function sortedMode(s: Float32Array): { value: number; count: number } {
  if (s.length === 0) return { value: 0, count: 0 };
  const A = new Arena(arenaBytes(4 * s.length, 16));
  const v = A.f32(s.length), out = A.f64(2);
  v.a.set(s);
  A.k.sortedMode(v.p, s.length, out.p);
  return { value: out.a[0], count: out.a[1] };
}

/** Fraction of the strided sample within `tol` of 0. */
function nearZeroShare(v: Volume, stride: number, tol: number): number {
  const [nx, ny, nz] = v.shape;
  const d = v.data;
  let near = 0, n = 0;
  for (let z = 0; z < nz; z += stride) {
    for (let y = 0; y < ny; y += stride) {
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x += stride, n++) if (Math.abs(d[o + x]) <= tol) near++;
    }
  }
  return n > 0 ? near / n : Number.NaN;
}

/** The sampled voxels of the six faces (outer layer), unsorted. */
function faceSample(v: Volume, stride: number): Float32Array {
  const [nx, ny, nz] = v.shape;
  const d = v.data;
  const onYZ = (z: number, y: number): boolean => z === 0 || z >= nz - stride || y === 0 || y >= ny - stride;
  const sx = Math.ceil(nx / stride);
  let count = 0;
  for (let z = 0; z < nz; z += stride) for (let y = 0; y < ny; y += stride) count += onYZ(z, y) ? sx : 2;
  const out = new Float32Array(count);
  let k = 0;
  for (let z = 0; z < nz; z += stride) {
    for (let y = 0; y < ny; y += stride) {
      const o = (z * ny + y) * nx;
      if (onYZ(z, y)) {
        for (let x = 0; x < nx; x += stride) out[k++] = d[o + x];
      } else {
        out[k++] = d[o];
        out[k++] = d[o + nx - 1];
      }
    }
  }
  return out;
}

/**
 * Minimum and maximum of the strided sample of {@link measureMapFeatures} (stride
 * {@link sampleStride}); NaN or ±Infinity when a sampled voxel is not finite.
 * @param v the map, canonical layout; not modified
 */
export function sampledRange(v: Volume): { min: number; max: number } {
  const [nx, ny, nz] = v.shape;
  const d = v.data;
  const stride = sampleStride(v.shape);
  const sx = Math.ceil(nx / stride), sy = Math.ceil(ny / stride);
  // a plane of sampled rows at a time in WebAssembly (./kernels.ts)
  const A = new Arena(arenaBytes(4 * sy * nx, 16));
  const rows = A.f32(sy * nx), acc = A.f64(2);
  acc.a.set([Infinity, -Infinity]);
  for (let z = 0; z < nz; z += stride) {
    for (let iy = 0; iy < sy; iy++) {
      const o = (z * ny + iy * stride) * nx;
      rows.a.set(d.subarray(o, o + nx), iy * nx);
    }
    if (A.k.rangePlane(rows.p, nx, stride, sx, sy, acc.p)) return { min: Number.NaN, max: Number.NaN };
  }
  return { min: acc.a[0], max: acc.a[1] };
}

/**
 * Measure a map for the diagnostics (see {@link MapFeatures}).
 *
 * @param v the map, canonical layout (index (z*ny + y)*nx + x); not modified
 * @param valueRange the value range the histogram, the extreme fraction and {@link MapFeatures.min}/
 *   {@link MapFeatures.max} use; default: the exact range over every voxel (a pass over the whole
 *   map, the one cost that grows with the box). {@link sampledRange} gives the sample's.
 * @returns the measurements; NaN where a measurement has no sample (tiny boxes)
 * @throws RangeError when the map (or, with `valueRange` given, that range) holds non-finite values
 */
export function measureMapFeatures(v: Volume, valueRange?: { min: number; max: number }): MapFeatures {
  const [nx, ny, nz] = v.shape;
  const d = v.data;
  const stride = sampleStride(v.shape);
  const { min, max } = valueRange ?? arrayRange(d);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError('the map holds NaN or infinite values');
  const faces = faceSample(v, stride).sort();
  const fm = sortedMode(faces);
  const faceModeValue = fm.value;
  // zeros that interpolation left near 0 (only where the faces hold them is the sample scanned)
  const zeroTol = NEAR_ZERO_SHARE * Math.max(Math.abs(min), Math.abs(max));
  let faceNear = 0;
  for (let i = 0; i < faces.length; i++) if (Math.abs(faces[i]) <= zeroTol) faceNear++;
  const faceNearZeroFraction = faces.length ? faceNear / faces.length : Number.NaN;
  const nearZeroGlobalFraction = faceNearZeroFraction >= T.faceConstantFraction ? nearZeroShare(v, stride, zeroTol) : Number.NaN;

  // blocks on the sample grid
  const sx = Math.ceil(nx / stride), sy = Math.ceil(ny / stride), sz = Math.ceil(nz / stride);
  const be = Math.max(4, Math.round(Math.min(sx, sy, sz) / 16));
  const bx = Math.ceil(sx / be), by = Math.ceil(sy / be), bz = Math.ceil(sz / be);
  const bSum = new Float64Array(bx * by * bz);
  const bSq = new Float64Array(bx * by * bz);
  const bN = new Float64Array(bx * by * bz);
  const range = max - min;
  const nBins = 64;
  const hist = new Float64Array(nBins);
  const invW = range > 0 ? nBins / range : 0;
  const extremeLo = min + 0.02 * range;
  const extremeHi = max - 0.02 * range;
  // the sample, a plane at a time: its rows copied into the kernels' memory, the loop in WebAssembly
  // (./kernels.ts: the JavaScript loop it replaced, operation for operation)
  const A = new Arena(arenaBytes(4 * sy * nx, 8 * bSum.length, 8 * bSum.length, 8 * bSum.length, 8 * nBins, 64));
  const rows = A.f32(sy * nx), wSum = A.f64(bSum.length), wSq = A.f64(bSum.length), wN = A.f64(bSum.length), wHist = A.f64(nBins), acc = A.f64(8);
  for (const s of [wSum, wSq, wN, wHist]) s.a.fill(0);
  acc.a.set([0, 0, 0, 0, 0, 0, Infinity, -Infinity]);
  for (let iz = 0; iz < sz; iz++) {
    const z = iz * stride;
    for (let iy = 0; iy < sy; iy++) {
      const o = (z * ny + iy * stride) * nx;
      rows.a.set(d.subarray(o, o + nx), iy * nx);
    }
    A.k.samplePlane(rows.p, nx, stride, sx, sy, iz, be, bx, by, wSum.p, wSq.p, wN.p, wHist.p, min, invW, extremeLo, extremeHi, faceModeValue, acc.p);
  }
  bSum.set(wSum.a);
  bSq.set(wSq.a);
  bN.set(wN.a);
  hist.set(wHist.a);
  const [sum, sq, zeros, neg, modeHits, extreme, minOff, maxOff] = acc.a;
  const n = sx * sy * sz;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sq / n - mean * mean));
  let peak = 0;
  for (let i = 1; i < nBins; i++) if (hist[i] > hist[peak]) peak = i;
  let distinct = faces.length ? 1 : 0;
  for (let i = 1; i < faces.length && distinct <= 64; i++) if (faces[i] !== faces[i - 1]) distinct++;

  // local standard deviation against the normalised distance from the box centre
  const rIn = 0.5 * Math.min(sx, sy, sz);
  const corner: number[] = [];
  const cornerMeans: number[] = [];
  const cornerLevels: number[] = [];
  const inner: number[] = [];
  const prof: number[][] = PROFILE_EDGES.slice(1).map(() => []);
  for (let k = 0; k < bz; k++) {
    for (let j = 0; j < by; j++) {
      for (let i = 0; i < bx; i++) {
        const b = (k * by + j) * bx + i;
        if (bN[b] < 8) continue;
        const m = bSum[b] / bN[b];
        const s = Math.sqrt(Math.max(0, bSq[b] / bN[b] - m * m));
        const cx = Math.min((i + 0.5) * be, (sx + i * be) / 2) - sx / 2;
        const cy = Math.min((j + 0.5) * be, (sy + j * be) / 2) - sy / 2;
        const cz = Math.min((k + 0.5) * be, (sz + k * be) / 2) - sz / 2;
        const r = Math.sqrt(cx * cx + cy * cy + cz * cz) / rIn;
        if (r > 1.2) {
          corner.push(s);
          cornerMeans.push(Math.abs(m - faceModeValue));
          cornerLevels.push(m);
        }
        if (r <= 0.9) inner.push(s);
        for (let p = 0; p < prof.length; p++) if (r >= PROFILE_EDGES[p] && r < PROFILE_EDGES[p + 1]) prof[p].push(s);
      }
    }
  }
  return {
    stride,
    sampled: n,
    min,
    max,
    mean,
    std,
    zeroFraction: zeros / n,
    minOffMode: Number.isFinite(minOff) ? minOff : Number.NaN,
    maxOffMode: Number.isFinite(maxOff) ? maxOff : Number.NaN,
    negativeFraction: neg / n,
    faceModeValue,
    faceModeFraction: faces.length ? fm.count / faces.length : Number.NaN,
    faceModeGlobalFraction: modeHits / n,
    faceNearZeroFraction,
    nearZeroGlobalFraction,
    distinctValues: distinct,
    extremeFraction: extreme / n,
    peakPosition: range > 0 ? (peak + 0.5) / nBins : Number.NaN,
    peakFraction: hist[peak] / n,
    cornerStd: median(corner),
    cornerMeanSpread: std > 0 ? median(cornerMeans) / std : Number.NaN,
    cornerMean: median(cornerLevels),
    innerLowStd: quantile(inner, 0.2),
    stdProfile: prof.map((p) => (std > 0 ? median(p) / std : Number.NaN)),
  };
}

/** What {@link densityTail} returns: which side of the solvent peak the density's long tail lies on. */
export interface DensityTail {
  /** Number of voxels sampled. */
  sampled: number;
  /** Skewness (third standardised moment) of the sample: > 0 for a reconstruction (molecule above the solvent), < 0 inverted. */
  skewness: number;
  /**
   * (99.9th percentile − median) / (median − 0.1th percentile) of the sample: how much farther
   * the values reach above the solvent (the median, in a map that is mostly solvent) than below.
   * A reconstruction's density reaches farther up (real raw maps 1.6–9, noisy synthetic half maps
   * 1.5–1.9), an inverted map's farther down (the reciprocal). NaN without a spread below the median.
   */
  tailRatio: number;
}

/** Voxels {@link densityTail} samples at most (2¹⁸, as a 64³ box). */
export const TAIL_SAMPLE_MAX = 1 << 18;
/** Length of each run of consecutive voxels {@link densityTail} samples (runs keep the reads in cache). */
const TAIL_RUN = 32;

/**
 * The density tail of a map: its skewness and {@link DensityTail.tailRatio}, over every voxel up
 * to {@link TAIL_SAMPLE_MAX} voxels, else over that many in runs of 32 consecutive voxels placed at
 * random with a fixed seed (the same map gives the same numbers). Not the strided sample of
 * {@link measureMapFeatures}: a map sharpened without a low-pass holds a checkerboard at Nyquist
 * that a stride of 2 samples in one phase (128×96×112 at 1 Å sharpened by −100 Å²: skewness −2.57
 * and tail ratio 0.79 on the stride-2 sample, −0.01 and 1.00 over every voxel, 0.21 and 1.04 on
 * these runs). About 20 ms at 256³ (quantiles by selection, no sort).
 * @param v the map, canonical layout; not modified (finite values expected)
 */
export function densityTail(v: Volume): DensityTail {
  const d = v.data;
  let s: Float32Array;
  if (d.length <= TAIL_SAMPLE_MAX) s = Float32Array.from(d);
  else {
    const rand = mulberry32(0x5eed);
    s = new Float32Array(TAIL_SAMPLE_MAX);
    for (let k = 0; k < TAIL_SAMPLE_MAX; k += TAIL_RUN) {
      const start = Math.floor(rand() * (d.length - TAIL_RUN + 1));
      s.set(d.subarray(start, start + TAIL_RUN), k);
    }
  }
  const n = s.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const e = s[i] - mean;
    m2 += e * e;
    m3 += e * e * e;
  }
  m2 /= n;
  m3 /= n;
  const med = quantileByRank(s, n, 0.5);
  const lo = quantileByRank(s, n, 0.001);
  const hi = quantileByRank(s, n, 0.999);
  const below = med - lo;
  return { sampled: n, skewness: m2 > 0 ? m3 / Math.pow(m2, 1.5) : Number.NaN, tailRatio: below > 0 ? (hi - med) / below : Number.NaN };
}
