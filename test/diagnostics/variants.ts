/**
 * Processed variants of raw maps, made the way users make them, for measuring and testing the
 * input diagnostics: masks (sphere, molecular, cylinder; hard, cosine-soft and Gaussian-tailed),
 * flattened solvent, sharpening then low-pass, binary and soft masks as maps, local scale maps and
 * local-resolution maps. Also the raw synthetic maps (several voxel sizes, resolutions, SNRs).
 * Deterministic; canonical layout (index (z*ny + y)*nx + x).
 */
import type { Vec3, Volume } from '../../src/core/volume.js';
import { irfft3d, rfft3d } from '../../src/math/fft.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { estimateLocalScale } from '../../src/occupancy/estimate.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';

/** A named variant map and the codes it must (or must not) get. */
export interface Variant {
  name: string;
  map: Volume;
  /** The single-map code the variant must be flagged with; undefined for a raw map. */
  expect?: 'masked' | 'flattened' | 'sharpened' | 'not-density';
}

const like = (v: Volume, data: Float32Array): Volume => ({ data, shape: [...v.shape] as [number, number, number], voxelSizeA: [...v.voxelSizeA] as Vec3 });

/** Normalised radius field helpers. */
function forEachVoxel(v: Volume, f: (i: number, x: number, y: number, z: number) => void): void {
  const [nx, ny, nz] = v.shape;
  let i = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) f(i++, x, y, z);
}

/** Cosine edge: 1 inside `r <= r0`, 0 beyond `r0 + w`. */
const cosEdge = (r: number, r0: number, w: number) => (r <= r0 ? 1 : r >= r0 + w ? 0 : 0.5 * (1 + Math.cos((Math.PI * (r - r0)) / w)));

/** Spherical mask of radius `frac` × half the box with a cosine edge of `soft` voxels (0 = hard). */
export function sphereMask(v: Volume, frac: number, soft: number): Float32Array {
  const [nx, ny, nz] = v.shape;
  const m = new Float32Array(v.data.length);
  const r0 = frac * 0.5 * Math.min(nx, ny, nz);
  forEachVoxel(v, (i, x, y, z) => {
    const r = Math.hypot(x - nx / 2, y - ny / 2, z - nz / 2);
    m[i] = soft > 0 ? cosEdge(r, r0, soft) : r <= r0 ? 1 : 0;
  });
  return m;
}

/** Spherical mask whose edge is a Gaussian tail exp(−((r − r0)/w)²): never exactly zero. */
export function gaussianTailSphereMask(v: Volume, frac: number, w: number): Float32Array {
  const [nx, ny, nz] = v.shape;
  const m = new Float32Array(v.data.length);
  const r0 = frac * 0.5 * Math.min(nx, ny, nz);
  forEachVoxel(v, (i, x, y, z) => {
    const r = Math.hypot(x - nx / 2, y - ny / 2, z - nz / 2);
    m[i] = r <= r0 ? 1 : Math.exp(-(((r - r0) / w) ** 2));
  });
  return m;
}

/** Cylinder along Z of radius `frac` × half the box, cosine edge `soft` voxels. */
export function cylinderMask(v: Volume, frac: number, soft: number): Float32Array {
  const [nx, ny] = v.shape;
  const m = new Float32Array(v.data.length);
  const r0 = frac * 0.5 * Math.min(nx, ny);
  forEachVoxel(v, (i, x, y) => {
    const r = Math.hypot(x - nx / 2, y - ny / 2);
    m[i] = soft > 0 ? cosEdge(r, r0, soft) : r <= r0 ? 1 : 0;
  });
  return m;
}

/** Gaussian blur (sigma in voxels) by FFT (periodic). */
export function gaussianBlur(v: Volume, sigmaVox: number): Float32Array {
  const [nx, ny, nz] = v.shape;
  const f = rfft3d(v.data, v.shape);
  const hx = (nx >> 1) + 1;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / nz;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ny;
      for (let x = 0; x < hx; x++) {
        const fx = x / nx;
        const g = Math.exp(-2 * Math.PI * Math.PI * sigmaVox * sigmaVox * (fx * fx + fy * fy + fz * fz));
        const i = 2 * ((z * ny + y) * hx + x);
        f[i] *= g;
        f[i + 1] *= g;
      }
    }
  }
  return irfft3d(f, v.shape);
}

/**
 * Molecular mask: the map blurred by `blurA` Å, thresholded at its mean + `k` std, then blurred by
 * `softVox` voxels and rescaled so that the core is 1 and the tail below 1 % is exactly 0
 * (`softVox` 0: binary).
 */
export function molecularMask(v: Volume, softVox: number, k = 1.5, blurA = 6): Float32Array {
  const b = gaussianBlur(v, blurA / 2.355 / v.voxelSizeA[0]);
  let s = 0, ss = 0;
  for (const x of b) { s += x; ss += x * x; }
  const mean = s / b.length;
  const sd = Math.sqrt(ss / b.length - mean * mean);
  const bin = Float32Array.from(b, (x) => (x > mean + k * sd ? 1 : 0));
  if (softVox <= 0) return bin;
  const soft = gaussianBlur(like(v, bin), softVox);
  return Float32Array.from(soft, (x) => { const m = Math.min(1, x / 0.5); return m < 0.01 ? 0 : m; });
}

/** map × mask. */
export function applyMask(v: Volume, mask: Float32Array): Volume {
  return like(v, Float32Array.from(v.data, (x, i) => x * mask[i]));
}

/** Flattened solvent: outside `mask` ≤ 0.5 every voxel becomes the constant `c`. */
export function flatten(v: Volume, mask: Float32Array, c: number): Volume {
  return like(v, Float32Array.from(v.data, (x, i) => (mask[i] > 0.5 ? x : c)));
}

/**
 * Sharpen by `bFactor` (negative, Å²: amplitudes × exp(−B k²/4)) and hard low-pass at `lowpassA`
 * (frequencies beyond 1/lowpassA set to 0), as post-processing does; with `butterworthOrder`, a
 * Butterworth low-pass of that order (gain 1/√2 at 1/lowpassA) instead of the hard one.
 */
export function sharpen(v: Volume, bFactor: number, lowpassA: number, butterworthOrder?: number): Volume {
  const [nx, ny, nz] = v.shape;
  const [ax, ay, az] = v.voxelSizeA;
  const f = rfft3d(v.data, v.shape);
  const hx = (nx >> 1) + 1;
  const kc = 1 / lowpassA;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / (nz * az);
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / (ny * ay);
      for (let x = 0; x < hx; x++) {
        const fx = x / (nx * ax);
        const k2 = fx * fx + fy * fy + fz * fz;
        const lp = butterworthOrder === undefined ? (k2 > kc * kc ? 0 : 1) : 1 / Math.sqrt(1 + (k2 / (kc * kc)) ** butterworthOrder);
        const g = lp * Math.exp((-bFactor * k2) / 4);
        const i = 2 * ((z * ny + y) * hx + x);
        f[i] *= g;
        f[i + 1] *= g;
      }
    }
  }
  return like(v, irfft3d(f, v.shape));
}

/** The local scale map of the method itself (occupancy mode), on the map's box. */
export function scaleMapOf(v: Volume): Volume {
  return estimateLocalScale(v, { mode: 'occ' }).scale;
}

/**
 * A local-resolution map as tools write it: inside the molecular mask a smooth field between
 * `lo` and `hi` Å, outside a constant `background` Å.
 */
export function localResolutionMap(v: Volume, lo: number, hi: number, background: number, seed = 3): Volume {
  const mask = molecularMask(v, 0);
  const rand = gaussianSampler(mulberry32(seed));
  const noise = like(v, Float32Array.from(v.data, () => rand()));
  const smooth = gaussianBlur(noise, 4);
  let mn = Infinity, mx = -Infinity;
  for (const x of smooth) { if (x < mn) mn = x; if (x > mx) mx = x; }
  return like(v, Float32Array.from(smooth, (x, i) => (mask[i] > 0.5 ? lo + ((x - mn) / (mx - mn)) * (hi - lo) : background)));
}

/** Parameters of a raw synthetic map. */
export interface RawSpec {
  n: number;
  voxelSizeA: number;
  resolutionA: number;
  snr: number;
  seed: number;
}

/** The raw synthetic maps: several voxel sizes, resolutions and SNRs (domains sized to the box). */
export const RAW_SPECS: readonly RawSpec[] = [
  { n: 64, voxelSizeA: 1.0, resolutionA: 3, snr: 4, seed: 1 },
  { n: 64, voxelSizeA: 1.5, resolutionA: 5, snr: 2, seed: 2 },
  { n: 64, voxelSizeA: 2.5, resolutionA: 8, snr: 4, seed: 3 },
  { n: 72, voxelSizeA: 1.2, resolutionA: 4, snr: 10, seed: 4 },
  { n: 64, voxelSizeA: 3.5, resolutionA: 12, snr: 1, seed: 5 },
  { n: 80, voxelSizeA: 0.9, resolutionA: 3.5, snr: 3, seed: 6 },
];

/** A raw synthetic map: four globular domains of pseudo-atoms, noise to the box faces. */
export function rawSynthetic(s: RawSpec): Volume {
  const c = s.n / 2;
  const off = s.n * 0.16;
  const radiusA = s.n * 0.15 * s.voxelSizeA;
  const centres: Vec3[] = [[c - off, c - off, c], [c + off, c - off, c], [c - off, c + off, c + off * 0.5], [c + off, c + off, c - off * 0.5]];
  return occupancyPhantom({
    shape: [s.n, s.n, s.n],
    voxelSizeA: s.voxelSizeA,
    resolutionA: s.resolutionA,
    snr: s.snr,
    seed: s.seed,
    domains: centres.map((centreVoxel, i) => ({ centreVoxel, radiusA, occupancy: [1, 0.8, 0.6, 0.9][i] })),
  }).map;
}

/** Half maps of one synthetic structure with independent noise (and the same noise: `shared`). */
export function syntheticHalves(s: RawSpec): { half1: Volume; half2: Volume; sharedNoise: Volume } {
  const half1 = rawSynthetic(s);
  const half2 = rawSynthetic({ ...s, seed: s.seed + 1000 });
  // the same structure: occupancyPhantom places atoms with the same generator, so use one noise-free
  // copy plus fresh noise instead
  const clean = occupancyPhantom({ shape: [s.n, s.n, s.n], voxelSizeA: s.voxelSizeA, resolutionA: s.resolutionA, snr: 1e9, seed: s.seed, domains: domainsOf(s) }).map;
  const noiseSd = std(half1.data, clean.data);
  const r1 = gaussianSampler(mulberry32(s.seed + 11));
  const r2 = gaussianSampler(mulberry32(s.seed + 22));
  const h1 = like(clean, Float32Array.from(clean.data, (x) => x + noiseSd * r1()));
  const h2 = like(clean, Float32Array.from(clean.data, (x) => x + noiseSd * r2()));
  // not independent: 80 % of the noise shared
  const r3 = gaussianSampler(mulberry32(s.seed + 33));
  const shared = like(clean, Float32Array.from(h1.data, (x, i) => clean.data[i] + 0.9 * (x - clean.data[i]) + 0.44 * noiseSd * r3()));
  void half2;
  return { half1: h1, half2: h2, sharedNoise: shared };
}

function domainsOf(s: RawSpec) {
  const c = s.n / 2;
  const off = s.n * 0.16;
  const radiusA = s.n * 0.15 * s.voxelSizeA;
  const centres: Vec3[] = [[c - off, c - off, c], [c + off, c - off, c], [c - off, c + off, c + off * 0.5], [c + off, c + off, c - off * 0.5]];
  return centres.map((centreVoxel, i) => ({ centreVoxel, radiusA, occupancy: [1, 0.8, 0.6, 0.9][i] }));
}

function std(a: Float32Array, b: Float32Array): number {
  let s = 0, ss = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d; ss += d * d; }
  const m = s / a.length;
  return Math.sqrt(ss / a.length - m * m);
}

/**
 * Every processed variant of one raw map: masked (hard sphere, soft sphere, Gaussian-tailed sphere,
 * soft molecular, soft cylinder), flattened (constant solvent ≠ 0), sharpened (B −100, −150,
 * −200, −300 Å², low-passed at `resolutionA`), binary mask, soft mask, local scale map and
 * local-resolution map.
 */
export function processedVariants(raw: Volume, name: string, resolutionA: number, opts: { scale?: boolean } = {}): Variant[] {
  const out: Variant[] = [];
  let s = 0, ss = 0;
  for (const x of raw.data) { s += x; ss += x * x; }
  const mean = s / raw.data.length;
  const sd = Math.sqrt(ss / raw.data.length - mean * mean);
  const mol = molecularMask(raw, 2);
  const molBin = molecularMask(raw, 0);
  out.push({ name: `${name} hard sphere mask`, map: applyMask(raw, sphereMask(raw, 0.9, 0)), expect: 'masked' });
  out.push({ name: `${name} soft sphere mask`, map: applyMask(raw, sphereMask(raw, 0.8, 6)), expect: 'masked' });
  out.push({ name: `${name} Gaussian-tail sphere mask`, map: applyMask(raw, gaussianTailSphereMask(raw, 0.7, 5)), expect: 'masked' });
  out.push({ name: `${name} soft molecular mask`, map: applyMask(raw, mol), expect: 'masked' });
  out.push({ name: `${name} soft cylinder mask`, map: applyMask(raw, cylinderMask(raw, 0.85, 4)), expect: 'masked' });
  out.push({ name: `${name} flattened solvent`, map: flatten(raw, mol, mean + 0.3 * sd), expect: 'flattened' });
  for (const b of [-100, -150, -200, -300]) out.push({ name: `${name} sharpened B=${b}`, map: sharpen(raw, b, resolutionA), expect: 'sharpened' });
  out.push({ name: `${name} binary mask`, map: like(raw, molBin), expect: 'not-density' });
  out.push({ name: `${name} soft mask`, map: like(raw, mol), expect: 'not-density' });
  if (opts.scale !== false) out.push({ name: `${name} local scale map`, map: scaleMapOf(raw), expect: 'not-density' });
  out.push({ name: `${name} local-resolution map`, map: localResolutionMap(raw, 2.5, 12, 20), expect: 'not-density' });
  return out;
}
