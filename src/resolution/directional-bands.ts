/**
 * Directional band analytic signals on coarse grids: the local amplitude of a map band-passed in
 * a Fourier cone around one direction and one frequency, computed on a grid just fine enough for
 * it. The building block of MonoDir (local-directional resolution).
 *
 * Why coarse grids: the band-passed map keeps only the Fourier samples in a small cap
 * `||k| − f| < w`, angle(k, ±d) < β. Its analytic signal (the "+d" half of the cap, doubled) is a
 * carrier at `k0 ≈ f·d` times a slowly varying envelope; shifting the cap by the grid vector
 * nearest `k0` (which leaves the modulus unchanged) puts it around zero, where a grid of
 * `m ≥ 2·(cap radius)·L` points per axis samples it exactly. For a 128³ map at 3.5 Å and β = 30°,
 * that is a 64³ transform instead of four 128³ ones.
 * @see Vilas et al., Nat Commun 11:55 (2020) (MonoDir); src/resolution/monogenic.ts (MonoRes)
 */
import type { Shape3, Vec3 } from '../core/volume.js';
import { cfftAxis } from '../math/fft.js';

/** One cap (direction, frequency band) and the coarse grid its analytic signal is sampled on. */
export interface DirectionalBand {
  /** Unit direction (map x, y, z). */
  direction: Vec3;
  /** Band centre, 1/Å. */
  frequencyPerA: number;
  /** Raised-cosine half-width of the band, 1/Å. */
  widthPerA: number;
  /** Cone half-angle, radians (raised-cosine angular weight, 0 at the wall). */
  coneRad: number;
  /** Coarse grid per axis (multiples of 16 for the SIMD FFT). */
  grid: Vec3;
  /** Grid vector (integer Fourier indices per axis) that shifts the cap to the origin. */
  shift: Vec3;
}

const roundUp16 = (v: number): number => Math.max(16, Math.ceil(v / 16) * 16);

/**
 * Plan the coarse grid of one cap: the cap's radius around its centre `f·d` bounds the shifted
 * support; each axis gets `2·ceil(radius·L_j) + 4` points rounded up to a multiple of 16, or,
 * when that reaches the box edge, the box's own grid along that axis without a shift.
 * @param shape box [nx, ny, nz]; @param voxelSizeA per axis, Å
 */
export function planBand(shape: Shape3, voxelSizeA: Readonly<Vec3>, direction: Readonly<Vec3>, frequencyPerA: number, widthPerA: number, coneRad: number): DirectionalBand {
  const l = Math.hypot(direction[0], direction[1], direction[2]);
  const d: Vec3 = [direction[0] / l, direction[1] / l, direction[2] / l];
  const fOut = frequencyPerA + widthPerA;
  const fIn = Math.max(0, frequencyPerA - widthPerA);
  // farthest point of the cap from f·d: its rim at the outer and inner radius, or the axis ends
  const rim = (r: number) => Math.hypot(r * Math.cos(coneRad) - frequencyPerA, r * Math.sin(coneRad));
  const radius = Math.max(widthPerA, rim(fOut), rim(fIn));
  const grid = [0, 0, 0] as Vec3;
  const shift = [0, 0, 0] as Vec3;
  for (let j = 0; j < 3; j++) {
    const need = roundUp16(2 * Math.ceil(radius * shape[j] * voxelSizeA[j]) + 4);
    // a cap as wide as the box: no shift, the box's own grid along this axis
    if (need >= shape[j]) grid[j] = shape[j];
    else {
      grid[j] = need;
      shift[j] = Math.round(frequencyPerA * d[j] * shape[j] * voxelSizeA[j]);
    }
  }
  return { direction: d, frequencyPerA, widthPerA, coneRad, grid, shift };
}

/** Reusable buffers of {@link bandAmplitude} (grown on demand). */
export interface BandScratch {
  a: Float32Array;
  b: Float32Array;
  idx: Map<number, Int32Array>;
}

/** New scratch buffers for {@link bandAmplitude}. */
export function makeBandScratch(): BandScratch {
  return { a: new Float32Array(0), b: new Float32Array(0), idx: new Map() };
}

function identity(n: number, s: BandScratch): Int32Array {
  let v = s.idx.get(n);
  if (!v) {
    v = Int32Array.from({ length: n }, (_, i) => i);
    s.idx.set(n, v);
  }
  return v;
}

/**
 * Local amplitude (envelope) of the analytic signal of a map band-passed in one cap, on the cap's
 * coarse grid.
 *
 * Formula: with `H(k) = 0.5(1 + cos(π(|k| − f)/w))·0.5(1 + cos(π ψ/β))` for `||k| − f| < w` and
 * angle ψ between k and +d below β (k·d > 0 side only), `c(x) = (1/N) Σ_k 2 H(k) F(k) e^{2πi k·x}`
 * and the amplitude is `|c(x)|` (= `sqrt(b² + (Hilbert_d b)²)` of the real band-passed map `b`
 * with the double cap). Sampled at `x = p·L_j/m_j` (p = 0 … m_j − 1), i.e. every `n_j/m_j` voxels.
 * Precondition: `await loadFft()`.
 *
 * @param spectrum half spectrum of the map (`rfft3d` layout: length 2·nz·ny·hx, hx = floor(nx/2)+1); not modified
 * @param shape box [nx, ny, nz]; @param voxelSizeA per axis, Å
 * @param band from {@link planBand}
 * @param scratch from {@link makeBandScratch}
 * @returns amplitude on the coarse grid, length m_x·m_y·m_z, index (pz·m_y + py)·m_x + px (a view
 *   into the scratch: valid until its next use), in the map's density units
 */
export function bandAmplitude(spectrum: Float32Array, shape: Shape3, voxelSizeA: Readonly<Vec3>, band: DirectionalBand, scratch: BandScratch): Float32Array {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const [mx, my, mz] = band.grid;
  const m = mx * my * mz;
  if (scratch.a.length < 2 * m) {
    scratch.a = new Float32Array(2 * m);
    scratch.b = new Float32Array(2 * m);
  }
  const g = scratch.a.subarray(0, 2 * m);
  g.fill(0);
  const { direction: d, frequencyPerA: f, widthPerA: w, coneRad: beta } = band;
  const L = [nx * voxelSizeA[0], ny * voxelSizeA[1], nz * voxelSizeA[2]];
  const cosB = Math.cos(beta);
  const fOut = f + w;
  // index range of the cap per axis: the shift ± half the grid (the whole axis when not shifted);
  // |k| < n/2 (the Nyquist plane of an even axis is left out: it has no distinct partner)
  const lim = [0, 1, 2].map((j) => (shape[j] - 1) >> 1);
  const from = [0, 1, 2].map((j) => (band.grid[j] === shape[j] ? -lim[j] : Math.max(-lim[j], band.shift[j] - (band.grid[j] >> 1) + 1)));
  const to = [0, 1, 2].map((j) => (band.grid[j] === shape[j] ? lim[j] : Math.min(lim[j], band.shift[j] + (band.grid[j] >> 1) - 1)));
  const norm = 2 / (nx * ny * nz);
  for (let kz = from[2]; kz <= to[2]; kz++) {
    const fz = kz / L[2];
    const pz = (((kz - band.shift[2]) % mz) + mz) % mz;
    for (let ky = from[1]; ky <= to[1]; ky++) {
      const fy = ky / L[1];
      const py = (((ky - band.shift[1]) % my) + my) % my;
      for (let kx = from[0]; kx <= to[0]; kx++) {
        const fx = kx / L[0];
        const r = Math.sqrt(fx * fx + fy * fy + fz * fz);
        if (r === 0 || r >= fOut || r <= f - w) continue;
        const c = (fx * d[0] + fy * d[1] + fz * d[2]) / r;
        if (c <= cosB) continue;
        const psi = Math.acos(Math.min(1, c));
        const h = 0.25 * (1 + Math.cos((Math.PI * (r - f)) / w)) * (1 + Math.cos((Math.PI * psi) / beta)) * norm;
        // F(k) from the half spectrum (Hermitian partner for kx < 0)
        let re: number, im: number;
        if (kx >= 0) {
          const q = 2 * ((((kz + nz) % nz) * ny + ((ky + ny) % ny)) * hx + kx);
          re = spectrum[q];
          im = spectrum[q + 1];
        } else {
          const q = 2 * ((((nz - kz) % nz) * ny + ((ny - ky) % ny)) * hx - kx);
          re = spectrum[q];
          im = -spectrum[q + 1];
        }
        const p = 2 * ((pz * my + py) * mx + ((((kx - band.shift[0]) % mx) + mx) % mx));
        g[p] += h * re;
        g[p + 1] += h * im;
      }
    }
  }
  // inverse complex DFT along x, y, z (unnormalised; the 1/N is in h)
  const t = scratch.b.subarray(0, 2 * m);
  cfftAxis(g, my * mz, 1, mx, identity(mx, scratch), identity(mx, scratch), true, t);
  cfftAxis(t, mz, mx, my, identity(my, scratch), identity(my, scratch), true, g);
  cfftAxis(g, 1, mx * my, mz, identity(mz, scratch), identity(mz, scratch), true, t);
  // modulus, written over the real parts' first half of `g`
  const out = scratch.a.subarray(0, m);
  for (let i = 0; i < m; i++) out[i] = Math.hypot(t[2 * i], t[2 * i + 1]);
  return out;
}

/**
 * Trilinear interpolation of a periodic coarse grid at voxel positions: voxel x maps to grid
 * coordinate `x·m_j/n_j`.
 * @param grid length m_x·m_y·m_z, index (pz·m_y + py)·m_x + px
 * @param m grid size; @param shape box; @param voxels voxel indices to evaluate (index (z*ny+y)*nx+x)
 * @param out length voxels.length (overwritten)
 */
export function sampleGrid(grid: Float32Array, m: Readonly<Vec3>, shape: Shape3, voxels: Int32Array, out: Float32Array): void {
  const [nx, ny] = shape;
  const [mx, my, mz] = m;
  const sx = mx / shape[0], sy = my / shape[1], sz = mz / shape[2];
  for (let j = 0; j < voxels.length; j++) {
    const i = voxels[j];
    const x = i % nx;
    const y = ((i - x) / nx) % ny;
    const z = (i - x - y * nx) / (nx * ny);
    const u = x * sx, v = y * sy, s = z * sz;
    const x0 = Math.floor(u), y0 = Math.floor(v), z0 = Math.floor(s);
    const tx = u - x0, ty = v - y0, tz = s - z0;
    const x1 = (x0 + 1) % mx, y1 = (y0 + 1) % my, z1 = (z0 + 1) % mz;
    const a0 = z0 * my, a1 = z1 * my;
    const c000 = grid[(a0 + y0) * mx + x0], c100 = grid[(a0 + y0) * mx + x1];
    const c010 = grid[(a0 + y1) * mx + x0], c110 = grid[(a0 + y1) * mx + x1];
    const c001 = grid[(a1 + y0) * mx + x0], c101 = grid[(a1 + y0) * mx + x1];
    const c011 = grid[(a1 + y1) * mx + x0], c111 = grid[(a1 + y1) * mx + x1];
    out[j] = (1 - tz) * ((1 - ty) * ((1 - tx) * c000 + tx * c100) + ty * ((1 - tx) * c010 + tx * c110)) + tz * ((1 - ty) * ((1 - tx) * c001 + tx * c101) + ty * ((1 - tx) * c011 + tx * c111));
  }
}
