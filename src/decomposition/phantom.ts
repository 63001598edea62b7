/**
 * Synthetic maps with known occupancy, resolution and flexibility for the decomposition's tests
 * and benchmark: globular domains of pseudo-atoms, each at its own occupancy and resolution, one
 * or more optionally flexible (an ensemble of rigid copies rotated about a hinge), two half maps
 * with independent noise. Deterministic for a seed.
 *
 * The definitions follow the generator of the shared reference sets (`synth_map.py`,
 * ../shared/reference/synth_flex128/truth.json and synth_occres128/truth.json): protein-like atom
 * density (585 atoms in a 14.08 Å ball, 50 per 1000 Å³), atoms Gaussians of σ 0.5 Å, no B, the
 * signal of a domain cut off sharply at 1/resolution (the references' spectra are zero beyond it),
 * white noise cut off at 1/(finest resolution) (`noise_res`), SNR = mean full-occupancy signal
 * over the rigid domains' mask / noise SD of the mean map, mask 2.5 Å around the atoms.
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { halfMapMean } from '../math/half-map-combination.js';
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
  /** Domain radius in Å (default 14.08, the reference generator's). */
  radiusA?: number;
  /**
   * Atoms per 1000 Å³ of domain volume (default 50: the reference generator's 585 atoms per
   * 14.08 Å domain, of the order of protein heavy atoms). 10 is the sparse stress phantom of the
   * first revision, where a domain's band energies depend on how its few atoms cluster.
   */
  atomsPer1000A3?: number;
  /** Atom Gaussian standard deviation in Å, before the resolution blur (default 0.5, the reference generator's `atom_sigma`). */
  atomSigmaA?: number;
  /**
   * Noise cut-off in Å: white noise low-passed sharply at 1/noiseResolutionA (default the finest
   * domain resolution, the reference generator's `noise_res`; 2 × voxel size = noise up to
   * Nyquist, as in unfiltered half maps of real data).
   */
  noiseResolutionA?: number;
  /** Signal-to-noise: mean full-occupancy signal over the rigid domains' mask / noise SD of the mean map (default 4). */
  snr?: number;
  /** Copies in a flexible ensemble (default 24). */
  copies?: number;
  seed?: number;
  /**
   * Seed of the half maps' noise alone (default: none, the noise continues the `seed` sequence
   * after the atoms, as before this option). Same `seed`, other `noiseSeed`: the same signal,
   * labels, mask and true B with an independent noise realisation at the same level, to tell a
   * method's bias from one noise draw's scatter (docs/decomposition.md, the flexible-B oracle).
   */
  noiseSeed?: number;
  /**
   * Width of the cut-offs' soft edge as a fraction of the cut-off frequency (default 0: sharp).
   * With f > 0 every cut-off (each resolution's signal at 1/res, the noise at 1/noiseResolutionA)
   * tapers as a raised cosine in amplitude from (1 − f)/res to 1/res. 0.1 is what the shared
   * references' generator does (measured on their half maps, 2026-12-02: the noise power of
   * `synth_halves128`, `synth_flex128` and `synth_occres128` is flat to 0.9/noise_res and falls to
   * 0 at 1/noise_res along that curve, e.g. 0.87 / 0.42 / 0.08 of the flat level at 0.917 / 0.940 /
   * 0.964 of 1/3 Å in synth_halves128), so their "resolution" is where a 10 % taper ends.
   */
  cutoffTaper?: number;
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
  /** Each domain's centre (x, y, z) in Å from the first voxel's centre, in label order (label k at index k − 1). */
  centresA: Vec3[];
  /** The domains' radius in Å (atoms are placed inside the ball). */
  radiusA: number;
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
 * Multiply a half spectrum (layout of `rfft3d`) in place by the transfer of the phantom's atoms at
 * one resolution: a Gaussian of variance `atomSigma² + (res/(π√2))²` (Å², the atom and ChimeraX
 * molmap's resolution convention; the references' spectra decay at that rate), zero at and beyond
 * |k| = 1/res, divided by the trilinear splat's transfer Π sinc²(k_i·a) so the atoms are sampled
 * as band-limited Gaussians whatever the voxel size. `res` = Infinity, `sigma` = 0: white noise
 * cut off at `cutA`. With `taper` f > 0 the cut-off is a raised cosine in amplitude from
 * (1 − f)/cutA to 1/cutA (`cutoffTaper`).
 */
function bandLimit(spec: Float32Array, n: number, a: number, sigmaA: number, cutA: number, unsplat: boolean, taper: number): void {
  const hx = (n >> 1) + 1;
  const c = -2 * Math.PI * Math.PI * sigmaA * sigmaA;
  const kmax2 = 1 / (cutA * cutA);
  const k1 = 1 / cutA;
  const k0 = (1 - taper) / cutA;
  const k02 = taper > 0 ? k0 * k0 : kmax2;
  const k = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    k[i] = (i <= n / 2 ? i : i - n) / (n * a);
    const x = Math.PI * k[i] * a;
    t[i] = unsplat && x !== 0 ? (x / Math.sin(x)) ** 2 : 1;
  }
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) {
    const row = 2 * (z * n + y) * hx;
    const kyz = k[z] * k[z] + k[y] * k[y];
    for (let x = 0; x < hx; x++) {
      const k2 = kyz + k[x] * k[x];
      let g = k2 >= kmax2 ? 0 : Math.exp(c * k2) * t[x] * t[y] * t[z];
      if (g !== 0 && k2 > k02) g *= 0.5 * (1 + Math.cos((Math.PI * (Math.sqrt(k2) - k0)) / (k1 - k0)));
      spec[row + 2 * x] *= g;
      spec[row + 2 * x + 1] *= g;
    }
  }
}

/**
 * Build the phantom. Atoms: `atomsPer1000A3` (default 50) per 1000 Å³ of domain volume, uniform in
 * the ball, point masses splatted trilinearly, then per resolution in Fourier space: Gaussians of
 * σ² = atomSigma² + (res/(π√2))² Å², cut off at 1/res (sharply, or with `cutoffTaper` a raised-cosine edge; see `bandLimit`). A flexible
 * domain is `copies` rigid copies, each rotated about its hinge by an angle ~ N(0, flexDeg) about
 * a random axis, weight occupancy/copies. Noise: white Gaussian cut off at 1/noiseResolutionA (default the finest resolution),
 * scaled so the mean map has the requested SNR (mean full-occupancy signal over the rigid
 * domains' mask, each at its own resolution / noise SD); each half map has √2 times that noise,
 * independently. Precondition: `await loadFft()`.
 *
 * @throws RangeError for fewer than 2 or more than 4 domains, or out-of-range values
 */
export function decompositionPhantom(o: DecompositionPhantomOptions): DecompositionPhantom {
  if (o.domains.length < 2 || o.domains.length > 4) throw new RangeError(`2 to 4 domains, got ${o.domains.length}`);
  for (const d of o.domains) {
    if (!(d.occupancy > 0 && d.occupancy <= 1)) throw new RangeError(`occupancy must be in (0, 1], got ${d.occupancy}`);
    if (!(d.resolutionA >= 2 * o.voxelSizeA)) throw new RangeError(`resolutionA must be >= 2 voxels (${2 * o.voxelSizeA} Å), got ${d.resolutionA}`);
  }
  const density = o.atomsPer1000A3 ?? 50;
  if (!(density > 0)) throw new RangeError(`atomsPer1000A3 must be > 0, got ${density}`);
  const noiseRes = o.noiseResolutionA ?? Math.min(...o.domains.map((d) => d.resolutionA));
  if (!(noiseRes > 0)) throw new RangeError(`noiseResolutionA must be > 0 (Å), got ${noiseRes}`);
  const atomSigma = o.atomSigmaA ?? 0.5;
  if (!(atomSigma >= 0)) throw new RangeError(`atomSigmaA must be >= 0 (Å), got ${atomSigma}`);
  if (o.noiseSeed !== undefined && !Number.isInteger(o.noiseSeed)) throw new RangeError(`noiseSeed must be an integer, got ${o.noiseSeed}`);
  const taper = o.cutoffTaper ?? 0;
  if (!(taper >= 0 && taper < 1)) throw new RangeError(`cutoffTaper must be in [0, 1), got ${o.cutoffTaper}`);
  const n = o.box;
  const a = o.voxelSizeA;
  const shape: Shape3 = [n, n, n];
  const N = n * n * n;
  const rand = mulberry32(o.seed ?? 1);
  const normal = gaussianSampler(rand);
  const R = o.radiusA ?? 14.08;
  const copies = o.copies ?? 24;
  const centreA = (n * a) / 2;
  // tetrahedron corners, neighbours 2R apart (touching)
  const tet: Vec3[] = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
  const scale = (2 * R) / (2 * Math.SQRT2);
  const centres = o.domains.map((_, i) => tet[i].map((v) => centreA + v * scale) as Vec3);
  /** Per resolution: the atoms at their occupancy, and the rigid domains' atoms at occupancy 1 (the SNR reference). */
  const groups = new Map<number, { buf: Float32Array; rigid: Float32Array }>();
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
  o.domains.forEach((d, di) => {
    const g = groups.get(d.resolutionA) ?? { buf: new Float32Array(N), rigid: new Float32Array(N) };
    groups.set(d.resolutionA, g);
    const { buf, rigid: rigidSignal } = g;
    const c = centres[di];
    const nAtoms = Math.round(((4 / 3) * Math.PI * R ** 3 * density) / 1000);
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
  // signal and SNR reference summed in Fourier space; each half map is one inverse transform of
  // signal + its noise, so that beyond the cut-off the halves hold independent round-off only (a
  // shared float32 signal's round-off there would correlate them and carry the FSC to Nyquist)
  let signalSpec: Float32Array | undefined;
  let refSpec: Float32Array | undefined;
  const accumulate = (acc: Float32Array | undefined, buf: Float32Array, res: number): Float32Array => {
    const spec = rfft3d(buf, shape);
    bandLimit(spec, n, a, Math.sqrt(atomSigma ** 2 + (res / (Math.PI * Math.SQRT2)) ** 2), res, true, taper);
    if (!acc) return spec;
    for (let i = 0; i < spec.length; i++) acc[i] += spec[i];
    return acc;
  };
  for (const [res, g] of groups) {
    signalSpec = accumulate(signalSpec, g.buf, res);
    refSpec = accumulate(refSpec, g.rigid, res);
  }
  const ref = irfft3d(refSpec as Float32Array, shape);
  // SNR reference: mean full-occupancy signal over the rigid domains' mask
  let s = 0, c = 0;
  for (let i = 0; i < N; i++) if (mask[i] && !o.domains[labels[i] - 1]?.flexDeg) {
    s += ref[i];
    c++;
  }
  const noiseSd = (c > 0 ? s / c : 1) / (o.snr ?? 4);
  const noiseNormal = o.noiseSeed === undefined ? normal : gaussianSampler(mulberry32(o.noiseSeed));
  const makeHalf = () => {
    const w = new Float32Array(N);
    for (let i = 0; i < N; i++) w[i] = noiseNormal();
    const spec = rfft3d(w, shape);
    bandLimit(spec, n, a, 0, Math.max(noiseRes, 2 * a), false, taper);
    const sm = irfft3d(spec, shape);
    let ss = 0;
    for (let i = 0; i < N; i++) ss += sm[i] * sm[i];
    const k = (noiseSd * Math.SQRT2) / Math.sqrt(ss / N);
    const sig = signalSpec as Float32Array;
    for (let i = 0; i < spec.length; i++) spec[i] = sig[i] + k * spec[i];
    return irfft3d(spec, shape);
  };
  const h1 = makeHalf();
  const h2 = makeHalf();
  const m = halfMapMean(h1, h2);
  const occupancy = new Float32Array(N);
  for (let i = 0; i < N; i++) if (mask[i]) occupancy[i] = o.domains[labels[i] - 1].occupancy;
  const vol = (data: Float32Array): Volume => ({ data, shape, voxelSizeA: [a, a, a] });
  return { map: vol(m), half1: vol(h1), half2: vol(h2), labels, occupancy, mask, bExcess, centresA: centres, radiusA: R };
}
