/**
 * Synthetic maps with known occupancy, resolution and flexibility for the decomposition's tests
 * and benchmark: globular domains of pseudo-atoms, each at its own occupancy and resolution, one
 * or more optionally flexible (an ensemble of rigid copies rotated about a hinge), two half maps
 * with independent noise. Deterministic for a seed.
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';
import { gaussianSampler, mulberry32 } from '../math/random.js';

/** One domain of {@link decompositionPhantom}. */
export interface DecompositionDomain {
  /** Occupancy in [0, 1]: the weight of every atom. */
  occupancy: number;
  /** Resolution in Å: atoms are Gaussians of this FWHM. */
  resolutionA: number;
  /** Hinge ensemble: rms rotation angle in degrees about the hinge (the domain's surface point facing the molecule's centre); 0 = rigid. */
  flexDeg?: number;
}

/** Options of {@link decompositionPhantom}. */
export interface DecompositionPhantomOptions {
  /** Cubic box edge in voxels. */
  box: number;
  /** Voxel size in Å. */
  voxelSizeA: number;
  /** Two to four domains, placed at the corners of a tetrahedron around the box centre, touching. */
  domains: DecompositionDomain[];
  /** Domain radius in Å (default 14). */
  radiusA?: number;
  /** Signal-to-noise: mean full-occupancy signal over the rigid domains' mask / noise SD of the mean map (default 4). */
  snr?: number;
  /** Copies in a flexible ensemble (default 24). */
  copies?: number;
  seed?: number;
}

/** A phantom with its truth. */
export interface DecompositionPhantom {
  /** Mean of the half maps. */
  map: Volume;
  half1: Volume;
  half2: Volume;
  /** Domain label 1..K per voxel inside the mask, 0 outside. */
  labels: Uint8Array;
  /** True occupancy inside the mask (the domain's), 0 outside. */
  occupancy: Float32Array;
  /** 1 within 2.5 Å of an atom (of any copy). */
  mask: Uint8Array;
  /**
   * True disorder B in Å² inside the mask, 0 outside and in rigid domains: for the voxel's nearest
   * atom copy, `8π²/3 · <|q − q̄|²>`, the mean squared displacement of that atom's copies about
   * their mean position (the Debye–Waller B of the ensemble, isotropic equivalent).
   */
  bExcess: Float32Array;
}

/** Rotate `p` about unit axis `u` by `theta` (Rodrigues). */
function rotate(p: Vec3, u: Vec3, theta: number): Vec3 {
  const c = Math.cos(theta), s = Math.sin(theta);
  const d = u[0] * p[0] + u[1] * p[1] + u[2] * p[2];
  return [
    p[0] * c + (u[1] * p[2] - u[2] * p[1]) * s + u[0] * d * (1 - c),
    p[1] * c + (u[2] * p[0] - u[0] * p[2]) * s + u[1] * d * (1 - c),
    p[2] * c + (u[0] * p[1] - u[1] * p[0]) * s + u[2] * d * (1 - c),
  ];
}

/**
 * Build the phantom. Atoms: 10 per 1000 Å³ of domain volume, uniform in the ball, point masses
 * splatted trilinearly and blurred by a Gaussian of FWHM = the domain's resolution (atoms of one
 * resolution blurred together in Fourier space). A flexible domain is `copies` rigid copies,
 * each rotated about its hinge by an angle ~ N(0, flexDeg) about a random axis, weight
 * occupancy/copies. Noise: Gaussian, blurred to the finest resolution/2, scaled so the mean map
 * has the requested SNR; each half map has √2 times that noise, independently.
 *
 * @throws RangeError for fewer than 2 or more than 4 domains, or out-of-range values
 */
export function decompositionPhantom(o: DecompositionPhantomOptions): DecompositionPhantom {
  if (o.domains.length < 2 || o.domains.length > 4) throw new RangeError(`2 to 4 domains, got ${o.domains.length}`);
  for (const d of o.domains) {
    if (!(d.occupancy > 0 && d.occupancy <= 1)) throw new RangeError(`occupancy must be in (0, 1], got ${d.occupancy}`);
    if (!(d.resolutionA > 0)) throw new RangeError(`resolutionA must be > 0, got ${d.resolutionA}`);
  }
  const n = o.box;
  const a = o.voxelSizeA;
  const shape: Shape3 = [n, n, n];
  const N = n * n * n;
  const rand = mulberry32(o.seed ?? 1);
  const normal = gaussianSampler(rand);
  const R = o.radiusA ?? 14;
  const copies = o.copies ?? 24;
  const centreA = (n * a) / 2;
  // tetrahedron corners, neighbours 2R apart (touching)
  const tet: Vec3[] = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
  const scale = (2 * R) / (2 * Math.SQRT2);
  const centres = o.domains.map((_, i) => tet[i].map((v) => centreA + v * scale) as Vec3);
  const groups = new Map<number, Float32Array>();
  const labels = new Uint8Array(N);
  const mask = new Uint8Array(N);
  const bestD2 = new Float32Array(N).fill(Infinity);
  const reach = Math.ceil(2.5 / a);
  const splat = (buf: Float32Array, p: Vec3, w: number) => {
    const x = p[0] / a, y = p[1] / a, z = p[2] / a;
    const x0 = Math.floor(x), y0 = Math.floor(y), z0 = Math.floor(z);
    const fx = x - x0, fy = y - y0, fz = z - z0;
    for (let dz = 0; dz < 2; dz++) for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) {
      const xi = x0 + dx, yi = y0 + dy, zi = z0 + dz;
      if (xi < 0 || yi < 0 || zi < 0 || xi >= n || yi >= n || zi >= n) continue;
      buf[(zi * n + yi) * n + xi] += w * (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * (dz ? fz : 1 - fz);
    }
  };
  const bExcess = new Float32Array(N);
  const stampMask = (p: Vec3, label: number, bA2: number) => {
    const cx = Math.round(p[0] / a), cy = Math.round(p[1] / a), cz = Math.round(p[2] / a);
    for (let z = cz - reach; z <= cz + reach; z++) for (let y = cy - reach; y <= cy + reach; y++) for (let x = cx - reach; x <= cx + reach; x++) {
      if (x < 0 || y < 0 || z < 0 || x >= n || y >= n || z >= n) continue;
      const d2 = (x * a - p[0]) ** 2 + (y * a - p[1]) ** 2 + (z * a - p[2]) ** 2;
      if (d2 > 6.25) continue;
      const i = (z * n + y) * n + x;
      mask[i] = 1;
      if (d2 < bestD2[i]) {
        bestD2[i] = d2;
        labels[i] = label;
        bExcess[i] = bA2;
      }
    }
  };
  const mol: Vec3 = [centreA, centreA, centreA];
  const rigidSignal = new Float32Array(N);
  o.domains.forEach((d, di) => {
    const buf = groups.get(d.resolutionA) ?? new Float32Array(N);
    groups.set(d.resolutionA, buf);
    const c = centres[di];
    const nAtoms = Math.round(((4 / 3) * Math.PI * R ** 3 * 10) / 1000);
    const atoms: Vec3[] = [];
    while (atoms.length < nAtoms) {
      const p: Vec3 = [(2 * rand() - 1) * R, (2 * rand() - 1) * R, (2 * rand() - 1) * R];
      if (p[0] ** 2 + p[1] ** 2 + p[2] ** 2 <= R * R) atoms.push(p);
    }
    const flex = (d.flexDeg ?? 0) > 0;
    // hinge: the domain's surface point facing the molecule centre
    const toMol = mol.map((v, i) => v - c[i]);
    const len = Math.hypot(...toMol);
    const hinge = c.map((v, i) => v + (toMol[i] / len) * R) as Vec3;
    const poses = flex ? copies : 1;
    // every copy's atom positions first (same random sequence as drawing pose by pose), then
    // each atom's ensemble B
    const placed: Vec3[][] = [];
    for (let k = 0; k < poses; k++) {
      let axis: Vec3 = [normal(), normal(), normal()];
      const al = Math.hypot(...axis);
      axis = axis.map((v) => v / al) as Vec3;
      const theta = flex ? (normal() * (d.flexDeg as number) * Math.PI) / 180 : 0;
      placed.push(atoms.map((p) => {
        const abs: Vec3 = [c[0] + p[0], c[1] + p[1], c[2] + p[2]];
        return flex ? (rotate([abs[0] - hinge[0], abs[1] - hinge[1], abs[2] - hinge[2]], axis, theta).map((v, i) => v + hinge[i]) as Vec3) : abs;
      }));
    }
    const atomB = atoms.map((_, j) => {
      if (!flex) return 0;
      const mean = [0, 1, 2].map((ax) => placed.reduce((acc, copy) => acc + copy[j][ax], 0) / poses);
      const msd = placed.reduce((acc, copy) => acc + (copy[j][0] - mean[0]) ** 2 + (copy[j][1] - mean[1]) ** 2 + (copy[j][2] - mean[2]) ** 2, 0) / poses;
      return ((8 * Math.PI * Math.PI) / 3) * msd;
    });
    for (const copy of placed) copy.forEach((q, j) => {
      splat(buf, q, d.occupancy / poses);
      if (!flex) splat(rigidSignal, q, 1);
      stampMask(q, di + 1, atomB[j]);
    });
  });
  const signal = new Float32Array(N);
  const vox: Vec3 = [a, a, a];
  for (const [res, buf] of groups) {
    const sm = gaussianSmooth(buf, shape, vox, res / 2.3548);
    for (let i = 0; i < N; i++) signal[i] += sm[i];
  }
  // SNR reference: mean full-occupancy signal over the rigid domains' mask (finest resolution blur)
  const finest = Math.min(...o.domains.map((d) => d.resolutionA));
  const ref = gaussianSmooth(rigidSignal, shape, vox, finest / 2.3548);
  let s = 0, c = 0;
  for (let i = 0; i < N; i++) if (mask[i] && !o.domains[labels[i] - 1]?.flexDeg) {
    s += ref[i];
    c++;
  }
  const noiseSd = (c > 0 ? s / c : 1) / (o.snr ?? 4);
  const makeNoise = () => {
    const w = new Float32Array(N);
    for (let i = 0; i < N; i++) w[i] = normal();
    const sm = gaussianSmooth(w, shape, vox, finest / 2.3548 / 2);
    let ss = 0;
    for (let i = 0; i < N; i++) ss += sm[i] * sm[i];
    const k = (noiseSd * Math.SQRT2) / Math.sqrt(ss / N);
    for (let i = 0; i < N; i++) sm[i] *= k;
    return sm;
  };
  const n1 = makeNoise();
  const n2 = makeNoise();
  const h1 = new Float32Array(N), h2 = new Float32Array(N), m = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    h1[i] = signal[i] + n1[i];
    h2[i] = signal[i] + n2[i];
    m[i] = 0.5 * (h1[i] + h2[i]);
  }
  const occupancy = new Float32Array(N);
  for (let i = 0; i < N; i++) if (mask[i]) occupancy[i] = o.domains[labels[i] - 1].occupancy;
  const vol = (data: Float32Array): Volume => ({ data, shape, voxelSizeA: [a, a, a] });
  return { map: vol(m), half1: vol(h1), half2: vol(h2), labels, occupancy, mask, bExcess };
}
