/**
 * Synthetic test maps with known ground truth: globular domains of pseudo-atoms at chosen
 * occupancies, blurred to a resolution, with Gaussian solvent noise. Used by `occupy demo`,
 * the tests and the benchmark; deterministic for a given seed.
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';

/** One globular domain. */
export interface PhantomDomain {
  /** Centre in voxels (x, y, z). */
  centreVoxel: Vec3;
  /** Radius in Å. */
  radiusA: number;
  /** Occupancy in [0, 1]: every atom's weight. */
  occupancy: number;
}

/** Parameters of {@link occupancyPhantom}. */
export interface PhantomOptions {
  shape: Shape3;
  /** Isotropic voxel size in Å. */
  voxelSizeA: number;
  domains: PhantomDomain[];
  /** Resolution in Å: atoms are Gaussians with FWHM equal to this. */
  resolutionA: number;
  /** Pseudo-atoms per 1000 Å³ of domain volume (default 10: about protein packing of residues). */
  atomsPerNm3?: number;
  /** Signal-to-noise ratio: the peak-domain mean density over the noise standard deviation (default 4). */
  snr?: number;
  seed?: number;
}

/** A phantom and its truth. */
export interface Phantom {
  map: Volume;
  /** Domain label per voxel (1-based, 0 outside every domain), length N. */
  labels: Uint8Array;
  /** True occupancy per voxel (0 outside), length N. */
  occupancy: Float32Array;
}

/**
 * Build a phantom: for each domain, pseudo-atoms uniformly placed in a ball, each a 3D Gaussian of
 * FWHM `resolutionA` weighted by the domain's occupancy; then Gaussian noise of standard deviation
 * `mean density of the fullest domain / snr` everywhere.
 *
 * @returns the map (canonical layout, index (z*ny+y)*nx+x) with its labels and occupancy truth
 */
export function occupancyPhantom(o: PhantomOptions): Phantom {
  const [nx, ny, nz] = o.shape;
  const a = o.voxelSizeA;
  const rand = mulberry32(o.seed ?? 1);
  const normal = gaussianSampler(rand);
  const n = nx * ny * nz;
  const data = new Float32Array(n);
  const labels = new Uint8Array(n);
  const occupancy = new Float32Array(n);
  const sigmaVox = o.resolutionA / 2.3548 / a;
  const reach = Math.ceil(3.5 * sigmaVox);
  const g1 = new Float64Array(2 * reach + 1);
  const density = o.atomsPerNm3 ?? 10;
  o.domains.forEach((d, di) => {
    const rVox = d.radiusA / a;
    const volumeA3 = (4 / 3) * Math.PI * d.radiusA ** 3;
    const nAtoms = Math.round((volumeA3 / 1000) * density);
    for (let k = 0; k < nAtoms; k++) {
      let px: number, py: number, pz: number;
      do {
        px = (2 * rand() - 1) * rVox;
        py = (2 * rand() - 1) * rVox;
        pz = (2 * rand() - 1) * rVox;
      } while (px * px + py * py + pz * pz > rVox * rVox);
      const cx = d.centreVoxel[0] + px;
      const cy = d.centreVoxel[1] + py;
      const cz = d.centreVoxel[2] + pz;
      const ix = Math.round(cx);
      const iy = Math.round(cy);
      const iz = Math.round(cz);
      for (let dz = -reach; dz <= reach; dz++) {
        const z = iz + dz;
        if (z < 0 || z >= nz) continue;
        const wz = Math.exp(-0.5 * ((z - cz) / sigmaVox) ** 2);
        for (let dy = -reach; dy <= reach; dy++) {
          const y = iy + dy;
          if (y < 0 || y >= ny) continue;
          const wyz = wz * Math.exp(-0.5 * ((y - cy) / sigmaVox) ** 2) * d.occupancy;
          for (let dx = -reach; dx <= reach; dx++) g1[dx + reach] = Math.exp(-0.5 * ((ix + dx - cx) / sigmaVox) ** 2);
          const o2 = (z * ny + y) * nx;
          for (let dx = -reach; dx <= reach; dx++) {
            const x = ix + dx;
            if (x < 0 || x >= nx) continue;
            data[o2 + x] += wyz * g1[dx + reach];
          }
        }
      }
    }
    // Truth: voxels inside the domain ball.
    for (let z = 0; z < nz; z++) {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const r2 = (x - d.centreVoxel[0]) ** 2 + (y - d.centreVoxel[1]) ** 2 + (z - d.centreVoxel[2]) ** 2;
          if (r2 <= rVox * rVox) {
            const i = (z * ny + y) * nx + x;
            labels[i] = di + 1;
            occupancy[i] = d.occupancy;
          }
        }
      }
    }
  });
  // Noise relative to the mean density inside the fullest domain.
  const full = o.domains.reduce((best, d, i) => (d.occupancy > o.domains[best].occupancy ? i : best), 0) + 1;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) if (labels[i] === full) { s += data[i]; c++; }
  const noiseSd = (c > 0 ? s / c : 1) / (o.snr ?? 4);
  for (let i = 0; i < n; i++) data[i] += noiseSd * normal();
  return { map: { data, shape: [nx, ny, nz], voxelSizeA: [a, a, a] }, labels, occupancy };
}

/**
 * The demo phantom of `occupy demo`: a 96³ box at 1.2 Å, four domains of radius 16 Å at
 * occupancies 1.0, 0.75, 0.5 and 0.25, 4 Å resolution, SNR 4.
 */
export function demoPhantom(seed = 7): { phantom: Phantom; occupancies: number[] } {
  const occupancies = [1.0, 0.75, 0.5, 0.25];
  const n = 96;
  const c = n / 2;
  const off = 15;
  const centres: Vec3[] = [
    [c - off, c - off, c],
    [c + off, c - off, c],
    [c - off, c + off, c],
    [c + off, c + off, c],
  ];
  const phantom = occupancyPhantom({
    shape: [n, n, n],
    voxelSizeA: 1.2,
    resolutionA: 4,
    snr: 4,
    seed,
    domains: centres.map((centreVoxel, i) => ({ centreVoxel, radiusA: 16, occupancy: occupancies[i] })),
  });
  return { phantom, occupancies };
}
