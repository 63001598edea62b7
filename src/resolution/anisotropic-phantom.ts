/**
 * Synthetic half maps with known directional resolution: domains of pseudo-atoms whose signal is
 * cut in Fourier space by an ellipsoid (one resolution along an axis, another across it), plus
 * independent noise per half (optionally growing across the box). The test bed of the
 * directional and tomogram methods (tests, `bench/resolution-methods.ts`). Deterministic per seed.
 * @see issue 18 (acceptance)
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';
import { occupancyPhantom } from '../synthetic/phantom.js';

/** One domain of {@link anisotropicHalfMaps}. */
export interface AnisotropicDomain {
  /** Centre in voxels (x, y, z). */
  centreVoxel: Vec3;
  /** Radius in Å. */
  radiusA: number;
  /** Resolution along `axis`, Å: the signal is cut at frequency 1/resolutionAlongA along it. */
  resolutionAlongA: number;
  /** Resolution across `axis`, Å (equal to `resolutionAlongA` for an isotropic domain). */
  resolutionAcrossA: number;
  /** The anisotropy axis (map x, y, z; normalised here); default z. */
  axis?: Vec3;
}

/** Parameters of {@link anisotropicHalfMaps}. */
export interface AnisotropicPhantomOptions {
  /** Box [nx, ny, nz] in voxels (any shape). */
  shape: Shape3;
  /** Isotropic voxel size, Å. */
  voxelSizeA: number;
  domains: AnisotropicDomain[];
  /** Mean signal over the domain voxels divided by the noise standard deviation of each half (default 3). */
  snr?: number;
  /**
   * Noise growth along x: each half's noise standard deviation is multiplied by
   * `1 + noiseGrowthX · x/(nx − 1)` at voxel column x (default 0, uniform noise).
   */
  noiseGrowthX?: number;
  /** FWHM of the pseudo-atoms, Å (default 1.5: signal well beyond the cut-offs). */
  atomFwhmA?: number;
  /** Pseudo-atoms per nm³ (default 50). */
  atomsPerNm3?: number;
  seed?: number;
}

/** Two half maps and their truth. */
export interface AnisotropicPhantom {
  half1: Volume;
  half2: Volume;
  /** 1 inside a domain, 0 elsewhere; length nx*ny*nz, index (z*ny+y)*nx+x. */
  mask: Float32Array;
  /** Domain per voxel (1-based, 0 outside), same layout. */
  labels: Uint8Array;
  /** Coarsest true resolution per voxel (the along/across maximum), Å; 0 outside. */
  truthWorstA: Float32Array;
  /** Finest true resolution per voxel, Å; 0 outside. */
  truthBestA: Float32Array;
  /** Noise standard deviation of each half at x = 0 (density units). */
  noiseSd: number;
}

/**
 * Build two half maps: every domain is a ball of pseudo-atoms (see `occupancyPhantom`), its
 * signal multiplied in Fourier space by the ellipsoidal cut
 * `(f·u)²·d_along² + (|f|² − (f·u)²)·d_across² ≤ 1` (f in 1/Å, u the unit axis), i.e. it holds
 * nothing finer than `d_along` along u and `d_across` across it; the domains' signals are summed
 * and each half adds its own white Gaussian noise of standard deviation
 * `mean(signal over the domains)/snr` (times the x growth).
 *
 * Precondition: `await loadFft()` has resolved.
 * @throws RangeError when a resolution is finer than Nyquist (2 × voxel size) or snr ≤ 0
 */
export function anisotropicHalfMaps(o: AnisotropicPhantomOptions): AnisotropicPhantom {
  const [nx, ny, nz] = o.shape;
  const n = nx * ny * nz;
  const a = o.voxelSizeA;
  const snr = o.snr ?? 3;
  if (!(snr > 0)) throw new RangeError(`snr must be > 0, got ${snr}`);
  for (const d of o.domains) {
    if (!(d.resolutionAlongA >= 2 * a && d.resolutionAcrossA >= 2 * a)) throw new RangeError(`domain resolutions ${d.resolutionAlongA}/${d.resolutionAcrossA} Å: finer than Nyquist (${2 * a} Å)`);
  }
  const seed = o.seed ?? 1;
  const signal = new Float32Array(n);
  const labels = new Uint8Array(n);
  const mask = new Float32Array(n);
  const worst = new Float32Array(n);
  const best = new Float32Array(n);
  const hx = (nx >> 1) + 1;
  o.domains.forEach((d, di) => {
    const p = occupancyPhantom({
      shape: o.shape, voxelSizeA: a, resolutionA: o.atomFwhmA ?? 1.5, atomsPerNm3: o.atomsPerNm3 ?? 50, snr: Infinity, seed: seed * 131 + di,
      domains: [{ centreVoxel: d.centreVoxel, radiusA: d.radiusA, occupancy: 1 }],
    });
    const ax = d.axis ?? [0, 0, 1];
    const l = Math.hypot(ax[0], ax[1], ax[2]);
    const u = [ax[0] / l, ax[1] / l, ax[2] / l];
    const s = rfft3d(p.map.data, o.shape);
    const al2 = d.resolutionAlongA ** 2;
    const ac2 = d.resolutionAcrossA ** 2;
    for (let z = 0; z < nz; z++) {
      const fz = (z <= nz - z ? z : z - nz) / (nz * a);
      for (let y = 0; y < ny; y++) {
        const fy = (y <= ny - y ? y : y - ny) / (ny * a);
        const row = (z * ny + y) * hx;
        for (let x = 0; x < hx; x++) {
          const fx = x / (nx * a);
          const along = fx * u[0] + fy * u[1] + fz * u[2];
          const f2 = fx * fx + fy * fy + fz * fz;
          if (along * along * al2 + (f2 - along * along) * ac2 > 1) {
            s[2 * (row + x)] = 0;
            s[2 * (row + x) + 1] = 0;
          }
        }
      }
    }
    const cut = irfft3d(s, o.shape);
    for (let i = 0; i < n; i++) {
      signal[i] += cut[i];
      if (p.labels[i]) {
        labels[i] = di + 1;
        mask[i] = 1;
        worst[i] = Math.max(d.resolutionAlongA, d.resolutionAcrossA);
        best[i] = Math.min(d.resolutionAlongA, d.resolutionAcrossA);
      }
    }
  });
  // noise level from the mean signal of the uncut atoms' footprint: use the mask's mean signal
  let sum = 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (labels[i]) { sum += signal[i]; c++; }
  const noiseSd = (c > 0 ? Math.abs(sum / c) : 1) / snr;
  const normal = gaussianSampler(mulberry32(seed * 7907 + 5));
  const growth = o.noiseGrowthX ?? 0;
  const half = (): Float32Array => {
    const h = new Float32Array(n);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) h[row + x] = signal[row + x] + noiseSd * (1 + (growth * x) / Math.max(1, nx - 1)) * normal();
    }
    return h;
  };
  const geom = (data: Float32Array): Volume => ({ data, shape: [nx, ny, nz], voxelSizeA: [a, a, a] });
  return { half1: geom(half()), half2: geom(half()), mask, labels, truthWorstA: worst, truthBestA: best, noiseSd };
}
