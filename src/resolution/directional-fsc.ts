/**
 * Directional FSC (3DFSC-style): the Fourier shell correlation of two half maps inside cones
 * around many directions, the resolution per direction, an ellipsoid fitted over all cones (best
 * and worst directions) and its sphericity.
 *
 * @see Tan et al., "Addressing preferred specimen orientation in single-particle cryo-EM through
 *   tilting", Nat Methods 14:793 (2017) (3DFSC); issue 18 item 1; shared/spec/local-resolution.md §1
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { snapToWhole } from '../core/voxel-size-limits.js';
import { rfft3d } from '../math/fft.js';
import { assertSameHalfMapGrid, resolutionAtThreshold } from './fsc.js';
import { ellipsoidSphericity, fitResolutionEllipsoid, type ResolutionEllipsoid } from './ellipsoid-fit.js';

/**
 * `count` unit vectors spread evenly over the hemisphere z ≥ 0 (a Fibonacci spiral): direction i
 * has `z = 1 − (i + 0.5)/count`, azimuth `i·π(3 − √5)`. Antipodal directions are the same cone,
 * so a hemisphere covers every orientation.
 * @param count number of directions (≥ 1)
 * @throws RangeError when count is not a positive integer
 */
export function hemisphereDirections(count: number): Vec3[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`direction count must be a positive integer, got ${count}`);
  const golden = Math.PI * (3 - Math.sqrt(5));
  const out: Vec3[] = [];
  for (let i = 0; i < count; i++) {
    const z = 1 - (i + 0.5) / count;
    const r = Math.sqrt(Math.max(0, 1 - z * z));
    const phi = i * golden;
    out.push([r * Math.cos(phi), r * Math.sin(phi), z]);
  }
  return out;
}

/**
 * The frequency grid of a box in units free of the voxel size, so that the same voxels stored at
 * any (cubic) voxel size fall in the same shells and direction cells bit for bit: frequencies are
 * in cycles per `unitA` (the x voxel size), each axis's edge in those units (`n_i · a_i / a_x`,
 * the ratio taken as the whole number it is within float32 round-off of). Computing them in 1/Å
 * put the many Fourier samples that lie exactly on a cube-map cell boundary at 1 Å (components in
 * a ratio such as 1 : 2) on one side or the other by round-off: 174 of 300 cones of a 96³ pair
 * moved (one by 35 %) between 1 and 1.37 Å voxels, 117 between 1 and 1.0000001 Å.
 * @returns the edges in units of `unitA`, the shell spacing in 1/`unitA` and `unitA` (Å)
 */
function unitFrequencyGrid(shape: Shape3, voxelSizeA: Readonly<Vec3>): { edges: Vec3; dfUnit: number; unitA: number } {
  const unitA = voxelSizeA[0];
  const edges: Vec3 = [0, 0, 0];
  for (let i = 0; i < 3; i++) edges[i] = shape[i] * snapToWhole(voxelSizeA[i] / unitA);
  return { edges, dfUnit: 1 / Math.max(edges[0], edges[1], edges[2]), unitA };
}

/** Cube-map cells per face edge used to bin Fourier samples by direction (6·M² cells of ≤ 2.4°). */
const CELLS = 40;

/** Cube-map cell of a (non-zero) direction: face by the largest component, then a CELLS×CELLS grid on it. */
function cellOf(x: number, y: number, z: number): number {
  const ax = Math.abs(x), ay = Math.abs(y), az = Math.abs(z);
  let face: number, u: number, v: number, m: number;
  if (ax >= ay && ax >= az) { face = x >= 0 ? 0 : 1; m = ax; u = y; v = z; }
  else if (ay >= az) { face = y >= 0 ? 2 : 3; m = ay; u = x; v = z; }
  else { face = z >= 0 ? 4 : 5; m = az; u = x; v = y; }
  let iu = Math.floor(((u / m + 1) / 2) * CELLS);
  let iv = Math.floor(((v / m + 1) / 2) * CELLS);
  if (iu >= CELLS) iu = CELLS - 1;
  if (iv >= CELLS) iv = CELLS - 1;
  return (face * CELLS + iv) * CELLS + iu;
}

/** Unit direction of the centre of every cube-map cell. */
function cellCentres(): Float64Array {
  const out = new Float64Array(6 * CELLS * CELLS * 3);
  for (let face = 0; face < 6; face++) {
    for (let iv = 0; iv < CELLS; iv++) {
      for (let iu = 0; iu < CELLS; iu++) {
        const u = ((iu + 0.5) / CELLS) * 2 - 1;
        const v = ((iv + 0.5) / CELLS) * 2 - 1;
        const s = face % 2 === 0 ? 1 : -1;
        const axis = face >> 1;
        const d = axis === 0 ? [s, u, v] : axis === 1 ? [u, s, v] : [u, v, s];
        const l = Math.hypot(d[0], d[1], d[2]);
        const c = 3 * ((face * CELLS + iv) * CELLS + iu);
        out[c] = d[0] / l;
        out[c + 1] = d[1] / l;
        out[c + 2] = d[2] / l;
      }
    }
  }
  return out;
}

/** Options of {@link directionalFsc}. */
export interface DirectionalFscOptions {
  /** Weights (a soft mask in [0, 1]) applied to both halves first; length nx*ny*nz, index (z*ny+y)*nx+x. */
  mask?: Float32Array;
  /**
   * Cone half-angle in degrees: the angle between a cone's axis and its wall (default 20, as
   * 3DFSC's `--coneangle`). A Fourier sample belongs to the cone of direction d when the angle
   * between its frequency vector and ±d is at most this.
   */
  coneAngleDeg?: number;
  /** Number of cone directions on the hemisphere (default 300, at least 100 recommended). */
  directions?: number;
  /** FSC threshold (default 0.143). */
  threshold?: number;
  /** Progress callback, fraction in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

/** Result of {@link directionalFsc}. */
export interface DirectionalFscResult {
  /** Cone directions (unit vectors in map x, y, z; hemisphere z ≥ 0). */
  directions: Vec3[];
  /** Resolution per direction at the threshold, Å (Nyquist when the cone's FSC never falls below it). */
  resolutionA: Float64Array;
  /** 1 when the cone's FSC fell below the threshold, 0 when it stayed above it up to Nyquist (value is a bound). */
  crossed: Uint8Array;
  /** Per direction, FSC per shell (index k = 0 … nShells−1, NaN for an empty cone shell). */
  fsc: Float64Array[];
  /** Per direction, Fourier samples (of the full spectrum) per shell. */
  samples: Float64Array[];
  /** Shell frequencies, 1/Å (`k · shellWidthPerA`). */
  frequencyPerA: Float64Array;
  shellWidthPerA: number;
  /** FSC of the whole shells (the global FSC) and of cones around the map's x, y and z axes. */
  globalFsc: Float64Array;
  axisFsc: { x: Float64Array; y: Float64Array; z: Float64Array };
  /** Global resolution at the threshold, Å. */
  globalResolutionA: number;
  /** The ellipsoid fitted to the directional resolutions (see `fitResolutionEllipsoid`). */
  ellipsoid: ResolutionEllipsoid;
  /** Finest principal resolution of the fitted ellipsoid, Å. */
  bestResolutionA: number;
  /** Coarsest principal resolution of the fitted ellipsoid, Å. */
  worstResolutionA: number;
  /** Unit vector (map x, y, z) of the best direction. */
  bestDirection: Vec3;
  /** Unit vector (map x, y, z) of the worst direction. */
  worstDirection: Vec3;
  /** `ellipsoidSphericity`: r_best / (r_1 r_2 r_3)^(1/3) of the fitted surface, in (0, 1]. */
  sphericity: number;
  coneAngleDeg: number;
  threshold: number;
  /** Nyquist resolution, Å. */
  nyquistA: number;
  /** Cone index of every cube-map cell: the cone whose axis is nearest (for {@link directionalFscVolume}). */
  nearestCone: Int32Array;
}

/**
 * Directional FSC of two half maps (3DFSC-style).
 *
 * Method: both halves (times the mask) are Fourier transformed once. Every half-spectrum sample
 * (shell `round(|f|/Δf)`, Δf = 1/(n_max·a) as in {@link shellIndex}; weight 2 for samples whose
 * conjugate is not stored) is summed into a fine direction cell (a cube map of 6·40² cells), per
 * shell: `Σ Re F1·F2*`, `Σ |F1|²`, `Σ |F2|²`, count. A cone of half-angle α around direction d
 * collects the cells whose centre c has `|c·d| ≥ cos α` (both ±d, as the spectrum of a real map
 * is Hermitian); its FSC per shell is `Σ Re F1F2* / sqrt(Σ|F1|² Σ|F2|²)` and its resolution the
 * threshold crossing (interpolated, as the global FSC). An ellipsoid `r(d)² = dᵀMd` is fitted
 * over all cones by robust least squares; its principal axes give the best and worst
 * resolutions and directions, and its sphericity `r_best/(r_1 r_2 r_3)^(1/3)` (1 = isotropic).
 * Cost: two FFTs of the box plus one pass over the spectrum.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param half1 first half map (data length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half map, same box and voxel size; not modified
 * @throws RangeError for mismatched boxes or voxel sizes, a mask of the wrong length, a cone angle
 *   outside (0, 90), fewer than 6 directions, a threshold outside (0, 1)
 * @see issue 18 item 1
 */
export function directionalFsc(half1: Volume, half2: Volume, options: DirectionalFscOptions = {}): DirectionalFscResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const mask = options.mask;
  if (mask && mask.length !== n) throw new RangeError(`--mask has ${mask.length} voxels, the half maps ${n} (${nx}x${ny}x${nz})`);
  const alpha = options.coneAngleDeg ?? 20;
  if (!(alpha > 0 && alpha < 90)) throw new RangeError(`--cone-angle must be in (0, 90) degrees, got ${alpha}`);
  const nDir = options.directions ?? 300;
  if (!Number.isInteger(nDir) || nDir < 6) throw new RangeError(`the number of directions must be an integer >= 6, got ${nDir}`);
  const threshold = options.threshold ?? 0.143;
  if (!(threshold > 0 && threshold < 1)) throw new RangeError(`the FSC threshold must be in (0, 1), got ${threshold}`);
  const progress = options.onProgress ?? (() => {});

  const weighted = (v: Volume): Float32Array => {
    if (!mask) return v.data;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = v.data[i] * mask[i];
    return out;
  };
  const fa = rfft3d(weighted(half1), shape);
  progress(0.25);
  const fb = rfft3d(weighted(half2), shape);
  progress(0.5);

  // physical frequency grid and shells (as shellIndex)
  const va = half1.voxelSizeA;
  // frequencies in cycles per voxel of x (unitFrequencyGrid): the shells and direction cells of
  // the same voxels are then the same at every voxel size; df converts to 1/Å
  const { edges: [ex, ey, ez], dfUnit, unitA } = unitFrequencyGrid(shape, va);
  const df = dfUnit / unitA;
  const nShells = Math.floor(snapToWhole(Math.min(0.5 / ex * nx, 0.5 / ey * ny, 0.5 / ez * nz) / dfUnit)) + 1;
  const nCells = 6 * CELLS * CELLS;
  const num = new Float64Array(nCells * nShells);
  const d1 = new Float64Array(nCells * nShells);
  const d2 = new Float64Array(nCells * nShells);
  const cnt = new Float64Array(nCells * nShells);
  const gNum = new Float64Array(nShells), gD1 = new Float64Array(nShells), gD2 = new Float64Array(nShells);
  const hx = (nx >> 1) + 1;
  const nyqX = nx % 2 === 0 ? nx / 2 : -1;
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / ez;
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / ey;
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) {
        const fx = x / ex;
        const r = Math.sqrt(fx * fx + fy * fy + fz * fz);
        const s = Math.round(r / dfUnit);
        if (s >= nShells || s === 0) continue;
        const w = x === 0 || x === nyqX ? 1 : 2;
        const i = 2 * (o + x);
        const ar = fa[i], ai = fa[i + 1], br = fb[i], bi = fb[i + 1];
        const q = cellOf(fx, fy, fz) * nShells + s;
        const pn = w * (ar * br + ai * bi);
        const p1 = w * (ar * ar + ai * ai);
        const p2 = w * (br * br + bi * bi);
        num[q] += pn;
        d1[q] += p1;
        d2[q] += p2;
        cnt[q] += w;
        gNum[s] += pn;
        gD1[s] += p1;
        gD2[s] += p2;
      }
    }
  }
  progress(0.8);

  const centres = cellCentres();
  const cosA = Math.cos((alpha * Math.PI) / 180);
  const coneCurve = (d: Readonly<Vec3>): { fsc: Float64Array; samples: Float64Array } => {
    const sn = new Float64Array(nShells), s1 = new Float64Array(nShells), s2 = new Float64Array(nShells), sc = new Float64Array(nShells);
    for (let c = 0; c < nCells; c++) {
      const dot = centres[3 * c] * d[0] + centres[3 * c + 1] * d[1] + centres[3 * c + 2] * d[2];
      if (Math.abs(dot) < cosA) continue;
      // weight falling linearly in cos(angle) from 1 on the axis to 0 at the wall: less blur
      // between neighbouring directions than a flat cone of the same angle
      const cw = (Math.abs(dot) - cosA) / (1 - cosA);
      const o = c * nShells;
      for (let s = 1; s < nShells; s++) {
        sn[s] += cw * num[o + s];
        s1[s] += cw * d1[o + s];
        s2[s] += cw * d2[o + s];
        sc[s] += cnt[o + s];
      }
    }
    const fsc = new Float64Array(nShells);
    fsc[0] = 1;
    for (let s = 1; s < nShells; s++) {
      const den = Math.sqrt(s1[s] * s2[s]);
      fsc[s] = den > 0 ? sn[s] / den : Number.NaN;
    }
    return { fsc, samples: sc };
  };
  const directions = hemisphereDirections(nDir);
  const resolutionA = new Float64Array(nDir);
  const crossed = new Uint8Array(nDir);
  const fscs: Float64Array[] = [];
  const samples: Float64Array[] = [];
  for (let k = 0; k < nDir; k++) {
    const c = coneCurve(directions[k]);
    // an empty cone shell (tiny cones at low shells) carries the previous value
    for (let s = 1; s < nShells; s++) if (!Number.isFinite(c.fsc[s])) c.fsc[s] = c.fsc[s - 1];
    const r = resolutionAtThreshold({ fsc: c.fsc, shellWidthPerA: df }, threshold);
    resolutionA[k] = r.resolutionA;
    crossed[k] = r.crossed ? 1 : 0;
    fscs.push(c.fsc);
    samples.push(c.samples);
  }
  const globalFsc = new Float64Array(nShells);
  globalFsc[0] = 1;
  for (let s = 1; s < nShells; s++) {
    const den = Math.sqrt(gD1[s] * gD2[s]);
    globalFsc[s] = den > 0 ? gNum[s] / den : Number.NaN;
  }
  const axisFsc = { x: coneCurve([1, 0, 0]).fsc, y: coneCurve([0, 1, 0]).fsc, z: coneCurve([0, 0, 1]).fsc };
  const ellipsoid = fitResolutionEllipsoid(directions, resolutionA);
  const nearestCone = new Int32Array(nCells);
  for (let c = 0; c < nCells; c++) {
    let best = 0, bestDot = -1;
    for (let k = 0; k < nDir; k++) {
      const d = directions[k];
      const dot = Math.abs(centres[3 * c] * d[0] + centres[3 * c + 1] * d[1] + centres[3 * c + 2] * d[2]);
      if (dot > bestDot) { bestDot = dot; best = k; }
    }
    nearestCone[c] = best;
  }
  progress(1);
  const frequencyPerA = Float64Array.from({ length: nShells }, (_, s) => s * df);
  return {
    directions, resolutionA, crossed, fsc: fscs, samples, frequencyPerA, shellWidthPerA: df,
    globalFsc, axisFsc,
    globalResolutionA: resolutionAtThreshold({ fsc: globalFsc, shellWidthPerA: df }, threshold).resolutionA,
    ellipsoid,
    bestResolutionA: ellipsoid.resolutionsA[0],
    worstResolutionA: ellipsoid.resolutionsA[2],
    bestDirection: ellipsoid.directions[0],
    worstDirection: ellipsoid.directions[2],
    sphericity: ellipsoidSphericity(ellipsoid.resolutionsA),
    coneAngleDeg: alpha,
    threshold,
    nyquistA: 2 * Math.max(...va),
    nearestCone,
  };
}

/**
 * The 3D FSC volume (as 3DFSC's main output): a box of `shape` with the zero frequency at voxel
 * `(floor(nx/2), floor(ny/2), floor(nz/2))` (FFT-shifted), where the voxel at frequency vector f
 * holds the FSC, at f's shell, of the cone whose axis is nearest to f; 0 beyond Nyquist.
 * Thresholding it at the FSC threshold gives the directional resolution surface in frequency
 * space (its radius in direction d is `1/resolutionA(d)`).
 * @param result from {@link directionalFsc} on maps of this shape and voxel size
 * @param shape box [nx, ny, nz]
 * @param voxelSizeA voxel size per axis, Å
 * @returns FSC values in [-1, 1], length nx*ny*nz, index (z*ny+y)*nx+x
 */
export function directionalFscVolume(result: DirectionalFscResult, shape: Shape3, voxelSizeA: Readonly<Vec3>): Volume {
  const [nx, ny, nz] = shape;
  const { edges: [ex, ey, ez], dfUnit } = unitFrequencyGrid(shape, voxelSizeA);
  const nShells = result.frequencyPerA.length;
  const out = new Float32Array(nx * ny * nz);
  const cx = nx >> 1, cy = ny >> 1, cz = nz >> 1;
  for (let z = 0; z < nz; z++) {
    const fz = (z - cz) / ez;
    for (let y = 0; y < ny; y++) {
      const fy = (y - cy) / ey;
      const o = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) {
        const fx = (x - cx) / ex;
        const r = Math.sqrt(fx * fx + fy * fy + fz * fz);
        const s = Math.round(r / dfUnit);
        if (s >= nShells) continue;
        if (s === 0) { out[o + x] = 1; continue; }
        const v = result.fsc[result.nearestCone[cellOf(fx, fy, fz)]][s];
        out[o + x] = Number.isFinite(v) ? v : 0;
      }
    }
  }
  return { data: out, shape: [nx, ny, nz], voxelSizeA: [voxelSizeA[0], voxelSizeA[1], voxelSizeA[2]] };
}

/** Angle in degrees between two axes (antipodal directions equal): 0…90. */
export function axisAngleDeg(a: Readonly<Vec3>, b: Readonly<Vec3>): number {
  const d = Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) / (Math.hypot(...a) * Math.hypot(...b));
  return (Math.acos(Math.min(1, d)) * 180) / Math.PI;
}

