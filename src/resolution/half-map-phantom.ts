/**
 * Synthetic half maps with a known local resolution per voxel: the test bed for local-resolution
 * estimates (tests, `bench/locres-accuracy.ts`). Deterministic for a given seed.
 * @see shared/spec/local-resolution.md §2, §3 (what is estimated); issue 16 (acceptance cases)
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';
import { occupancyPhantom } from '../synthetic/phantom.js';
import { lowpassHard } from '../filters/lowpass.js';
import { decompositionPhantom } from '../decomposition/phantom.js';

/**
 * Default Gaussian standard deviation of the pseudo-atoms as a fraction of the domain resolution:
 * 1/3. With it, phantoms laid out like `shared/reference/synth_halves128` (128³, 1 Å, domains at
 * 3/5/8/3 Å, SNR 3) give the same local-FSC domain medians as the reference's own half maps within
 * 0.4 Å (2.84/4.32/5.96/2.75 against 2.96/4.30/5.56/2.93 Å): its generator's convention sits
 * between ChimeraX `molmap` (1/(π√2) ≈ 0.225) and a Gaussian of FWHM d (0.425), which give
 * 2.5–5.4 Å and 3.3–7.0 Å there.
 */
export const SIGMA_FACTOR = 1 / 3;

/** One globular domain of a {@link halfMapPhantom}. */
export interface HalfMapDomain {
  /** Centre in voxels (x, y, z). */
  centreVoxel: Vec3;
  /** Radius in Å. */
  radiusA: number;
  /** Resolution d in Å: the pseudo-atoms are Gaussians of standard deviation `sigmaFactor · d` (default d/3). */
  resolutionA: number;
}

/** Parameters of {@link halfMapPhantom}. */
export interface HalfMapPhantomOptions {
  /** Box [nx, ny, nz] in voxels. */
  shape: Shape3;
  /** Isotropic voxel size in Å. */
  voxelSizeA: number;
  domains: HalfMapDomain[];
  /**
   * Signal-to-noise ratio: mean signal over all domain voxels divided by the standard deviation of
   * each half map's noise (white Gaussian, independent per half), as in
   * `shared/reference/synth_halves128/truth.json` (`snr_definition`). Default 3.
   */
  snr?: number;
  /**
   * Both half maps (signal and noise) are hard low-passed at this resolution in Å, as
   * synth_halves128's generator does (`noise_res`; its half maps hold nothing beyond 3 Å): default
   * the finest domain resolution; 0 = no band limit (white noise to Nyquist).
   */
  bandLimitA?: number;
  /**
   * Gaussian standard deviation of the pseudo-atoms as a fraction of the domain resolution
   * (default {@link SIGMA_FACTOR}).
   */
  sigmaFactor?: number;
  /** Pseudo-atoms per nm³ of domain volume (default 50, about the density of synth_halves128). */
  atomsPerNm3?: number;
  seed?: number;
}

/** Two half maps and their truth. */
export interface HalfMapPhantom {
  half1: Volume;
  half2: Volume;
  /** True local resolution in Å inside the domains, 0 outside; length nx*ny*nz, index (z*ny+y)*nx+x. */
  truthResolutionA: Float32Array;
  /** Domain label per voxel (1-based, 0 outside), same layout. */
  labels: Uint8Array;
  /** 1 inside any domain, 0 outside, same layout (the mask to report in). */
  mask: Float32Array;
  /** Noise standard deviation of each half map (density units). */
  noiseSd: number;
  /** Reference-style phantoms: each domain's centre (x, y, z) in Å from the first voxel's centre, in label order. */
  centresA?: [number, number, number][];
  /** Reference-style phantoms: the domains' radius in Å. */
  radiusA?: number;
}

/**
 * Build two half maps sharing one signal: every domain is a ball of pseudo-atoms (uniform
 * positions, Gaussian profile of standard deviation `sigmaFactor · resolution` and the same mass at every
 * resolution, see `occupancyPhantom`), and each half adds its own Gaussian noise, scaled so that its standard deviation after the band
 * limit is `mean(signal over the domains) / snr`, and each half is hard low-passed at `bandLimitA`. Later domains overwrite earlier ones' labels where balls
 * overlap.
 *
 * @throws RangeError when a domain's resolution is finer than Nyquist (2 × voxel size) or snr ≤ 0
 */
export function halfMapPhantom(o: HalfMapPhantomOptions): HalfMapPhantom {
  const [nx, ny, nz] = o.shape;
  const n = nx * ny * nz;
  const a = o.voxelSizeA;
  const snr = o.snr ?? 3;
  if (!(snr > 0)) throw new RangeError(`snr must be > 0, got ${snr}`);
  for (const d of o.domains) {
    if (!(d.resolutionA >= 2 * a)) throw new RangeError(`domain resolution ${d.resolutionA} Å is finer than Nyquist (${2 * a} Å)`);
  }
  const signal = new Float32Array(n);
  const labels = new Uint8Array(n);
  const truth = new Float32Array(n);
  const mask = new Float32Array(n);
  const seed = o.seed ?? 1;
  o.domains.forEach((d, di) => {
    const fwhmA = (o.sigmaFactor ?? SIGMA_FACTOR) * 2 * Math.sqrt(2 * Math.LN2) * d.resolutionA;
    const p = occupancyPhantom({
      shape: o.shape, voxelSizeA: a, resolutionA: fwhmA, atomsPerNm3: o.atomsPerNm3 ?? 50, snr: Infinity, seed: seed * 101 + di,
      domains: [{ centreVoxel: d.centreVoxel, radiusA: d.radiusA, occupancy: 1 }],
    });
    // occupancyPhantom's atoms have peak 1: scale to the same mass per atom at every resolution
    const massScale = (1 / fwhmA) ** 3;
    for (let i = 0; i < n; i++) {
      signal[i] += massScale * p.map.data[i];
      if (p.labels[i]) {
        labels[i] = di + 1;
        truth[i] = d.resolutionA;
        mask[i] = 1;
      }
    }
  });
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (labels[i]) { s += signal[i]; c++; }
  const noiseSd = (c > 0 ? s / c : 1) / snr;
  const normal = gaussianSampler(mulberry32(seed * 7919 + 13));
  const geom = (data: Float32Array): Volume => ({ data, shape: [nx, ny, nz], voxelSizeA: [a, a, a] });
  const band = o.bandLimitA ?? Math.min(...o.domains.map((d) => d.resolutionA));
  const limit = (v: Float32Array): Float32Array => (band > 0 ? lowpassHard(geom(v), band, 'centred').data : v);
  // plain loops: TypedArray.from collects its source into a list first, past the JavaScript heap at 512³
  const draw = (): Float32Array => {
    const e = new Float32Array(n);
    for (let i = 0; i < n; i++) e[i] = normal();
    return e;
  };
  const e1 = draw();
  const e2 = draw();
  // the noise's standard deviation after the band limit sets its scale; each half is then
  // band-limited as a whole, so the rounding residue beyond the limit differs between the halves
  const e1Limited = limit(e1);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += e1Limited[i] * e1Limited[i];
  const k = noiseSd / Math.sqrt(ss / n);
  const half = (e: Float32Array): Float32Array => {
    const h = new Float32Array(n);
    for (let i = 0; i < n; i++) h[i] = signal[i] + k * e[i];
    return limit(h);
  };
  const h1 = half(e1);
  const h2 = half(e2);
  return { half1: geom(h1), half2: geom(h2), truthResolutionA: truth, labels, mask, noiseSd };
}

/**
 * The standard case set of the local-resolution benchmark and tests (issue 16): four domains of
 * radius 14 Å in a tetrahedral cluster, with the given voxel size, resolutions and SNR; box
 * `round(112 Å / voxel)` made even.
 */
export function fourDomainHalfMaps(voxelSizeA: number, resolutionsA: [number, number, number, number], snr: number, seed = 1, bandLimitA?: number): HalfMapPhantom {
  let nBox = Math.round(112 / voxelSizeA);
  if (nBox % 2) nBox++;
  const c = nBox / 2;
  const off = 17 / voxelSizeA / Math.sqrt(3);
  const corners: Vec3[] = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
  return halfMapPhantom({
    shape: [nBox, nBox, nBox], voxelSizeA, snr, seed, bandLimitA,
    domains: corners.map((k, i) => ({ centreVoxel: [c + k[0] * off, c + k[1] * off, c + k[2] * off] as Vec3, radiusA: 14, resolutionA: resolutionsA[i] })),
  });
}

/**
 * How the shared references' generator shapes its spectra, as far as their half maps show it
 * (measured 2026-12-02 on `synth_halves128`, `synth_flex128` and `synth_occres128`; `decompositionPhantom`'s
 * `cutoffTaper` and `atomSigmaA`):
 * - `cutoffTaper` 0.1: every cut-off is a raised cosine in amplitude from 0.9/res to 1/res, not a
 *   sharp edge (the noise power of each reference is flat to 0.9/noise_res and falls to 0 at
 *   1/noise_res along that curve);
 * - `atomSigmaA` 0.6 Å: with the taper, the references' high-frequency spectra decay as atoms of
 *   σ 0.6 Å would, not the 0.5 Å their `truth.json` names (their atoms are evidently sampled
 *   without compensating the grid's own blur): the log ratio of `synth_halves128`'s masked-FSC SNR
 *   to that of reproductions (seeds 12–15) stays within ±0.2 from 5.7 to 3.1 Å, where with a sharp
 *   edge and σ 0.5 Å it fell steadily to −1.0 at 3.1 Å. Every reference is at 1 Å per voxel, so
 *   this was measured there only: if the extra decay comes from placing the atoms on the grid
 *   (a trilinear splat adds a variance of a²/6 per axis), maps at 1.5 Å voxels would decay more
 *   than σ 0.6 Å (0.76–0.79 Å), which four such maps read 0.06–0.23 Å coarser. The taper was seen at
 *   3 Å and 4 Å (the same 10 % of the cut-off frequency).
 * With both, reproductions of `synth_halves128` read (with the fourth threshold rule) its 3 Å
 * domains at 3.15–3.26 Å and a median bias of +0.16 to +0.20 Å (the reference itself: 3.43 /
 * 3.17 Å, +0.20 Å); with the sharp edge and 0.5 Å, as before 2026-12-02, 3.03–3.14 Å and +0.05 to
 * +0.07 Å, so the threshold calibrated on them read the references' generator coarse.
 */
export const REFERENCE_SPECTRUM = { cutoffTaper: 0.1, atomSigmaA: 0.6 } as const;

/** Options of {@link referenceStyleHalfMaps}. */
export interface ReferenceStyleOptions {
  /** Cubic box edge in voxels (default 128, as the references). */
  box?: number;
  /** Soft edge of every cut-off as a fraction of its frequency (default {@link REFERENCE_SPECTRUM}'s 0.1; 0 = sharp). */
  cutoffTaper?: number;
  /** Atom Gaussian σ in Å before the resolution blur (default {@link REFERENCE_SPECTRUM}'s 0.6). */
  atomSigmaA?: number;
}

/**
 * Half maps made the way the shared reference sets were made (`synth_map.py`, whose definitions
 * `decompositionPhantom` follows; `../shared/reference/synth_halves128/truth.json`): four fully
 * occupied rigid domains of radius 14.08 Å touching in a tetrahedron, 50 atoms per 1000 Å³
 * (Gaussians of σ 0.6 Å, see {@link REFERENCE_SPECTRUM}), each domain's signal blurred by a
 * Gaussian of σ = res/(π√2) and cut off at 1/res with a 10 % raised-cosine edge, white noise cut
 * off the same way at the finest domain resolution, SNR = mean signal over the mask / noise SD of
 * the mean map (each half √2 × that noise), mask 2.5 Å around the atoms. Unlike
 * {@link fourDomainHalfMaps} (smooth Gaussian pseudo-atoms whose FSC falls gradually), the truth
 * here is a steep spectral edge, as in the references: the local-resolution calibration's cases
 * (issue 16). Precondition: `await loadFft()`.
 * @param voxelSizeA voxel size in Å
 * @param resolutionsA the four domains' resolutions in Å (each ≥ 2 × voxel size)
 * @param snr signal-to-noise ratio as defined above (the references use 3)
 * @param seed seed of atoms and noise
 * @param options box, and the spectrum's shape (default the references', {@link REFERENCE_SPECTRUM};
 *   `{ cutoffTaper: 0, atomSigmaA: 0.5 }` is this function before 2026-12-02)
 * @throws RangeError for a resolution finer than Nyquist
 */
export function referenceStyleHalfMaps(voxelSizeA: number, resolutionsA: readonly number[], snr: number, seed: number, options: ReferenceStyleOptions = {}): HalfMapPhantom {
  const p = decompositionPhantom({
    box: options.box ?? 128, voxelSizeA, snr, seed,
    cutoffTaper: options.cutoffTaper ?? REFERENCE_SPECTRUM.cutoffTaper,
    atomSigmaA: options.atomSigmaA ?? REFERENCE_SPECTRUM.atomSigmaA,
    domains: resolutionsA.map((d) => ({ occupancy: 1, resolutionA: d })),
  });
  const n = p.mask.length;
  const mask = new Float32Array(n);
  const truth = new Float32Array(n);
  let ss = 0;
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (p.mask[i]) {
      mask[i] = 1;
      truth[i] = resolutionsA[p.labels[i] - 1];
    } else {
      const d = p.half1.data[i] - p.half2.data[i];
      ss += d * d;
      m++;
    }
  }
  return { half1: p.half1, half2: p.half2, truthResolutionA: truth, labels: p.labels, mask, noiseSd: Math.sqrt(ss / Math.max(1, m) / 2), centresA: p.centresA, radiusA: p.radiusA };
}

/** One randomly drawn case of {@link referenceStyleHalfMaps}. */
export interface RandomLocresCase {
  voxelSizeA: number;
  /** The four domains' resolutions, Å. */
  resolutionsA: number[];
  snr: number;
  seed: number;
}

/**
 * Draw the parameters of a local-resolution test case from a seed, over issue 16's acceptance
 * ranges: voxel size 0.9–1.5 Å (0.01 Å steps), each domain's resolution 3–10 Å (0.5 Å steps, at
 * least Nyquist), SNR 2–4 (0.1 steps). Deterministic; build the maps with
 * `referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed)`.
 */
export function randomLocresCase(seed: number): RandomLocresCase {
  const rnd = mulberry32(seed * 7919 + 1);
  const voxelSizeA = Math.round((0.9 + 0.6 * rnd()) * 100) / 100;
  const lo = Math.max(3, 2 * voxelSizeA);
  const resolutionsA = [0, 1, 2, 3].map(() => Math.min(10, Math.round((lo + (10 - lo) * rnd()) * 2) / 2));
  const snr = Math.round((2 + 2 * rnd()) * 10) / 10;
  return { voxelSizeA, resolutionsA, snr, seed };
}

/**
 * Draw a local-resolution test case with `synth_halves128`'s layout (finest / mid / coarse /
 * finest, as its 3 / 5 / 8 / 3 Å) from a seed: voxel size 0.9–1.5 Å (0.01 Å steps); finest
 * max(3, 2.2 × voxel size) rounded up to 0.5 Å, plus 0–1 Å; mid 1.5–2.5 Å coarser; coarse
 * 2.5–3.5 Å coarser than mid, at most 10 Å (0.5 Å steps); SNR 2–4 (0.1 steps). Deterministic;
 * build the maps with `referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed)`.
 */
export function referenceLayoutCase(seed: number): RandomLocresCase {
  const rnd = mulberry32(seed * 104729 + 7);
  const voxelSizeA = Math.round((0.9 + 0.6 * rnd()) * 100) / 100;
  const finest = Math.max(3, Math.ceil(2.2 * voxelSizeA * 2) / 2) + Math.round(rnd() * 2) / 2;
  const mid = finest + 1.5 + Math.round(rnd() * 2) / 2;
  const coarse = Math.min(10, mid + 2.5 + Math.round(rnd() * 2) / 2);
  const snr = Math.round((2 + 2 * rnd()) * 10) / 10;
  return { voxelSizeA, resolutionsA: [finest, mid, coarse, finest], snr, seed };
}
