/**
 * Radially averaged Fourier amplitude of a map (and the Fourier shell correlation of two maps),
 * measured on a windowed cube cut from the box centre so that it stays cheap on large boxes.
 *
 * The cube has edge min(n, 64) per axis; its mean is removed and it is multiplied by a separable
 * Tukey window (cosine tapers over a quarter of each edge) so that the cut edges do not leak
 * power into high frequencies. Requires `await loadFft()` first.
 * @see docs/diagnostics.md
 */
import type { Shape3, Volume } from '../core/volume.js';
import { rfft3d } from '../math/fft.js';
import { Arena, arenaBytes, cropInto, inPieces } from './kernels.js';
import { tukeyWindow } from '../math/tukey-window.js';

/** Edge of the analysed cube (voxels). */
export const SPECTRUM_CUBE = 64;

/** A radial profile over Fourier shells k = 0 … K (K the last complete shell, Nyquist). */
export interface RadialSpectrum {
  /** Spatial frequency of each shell, 1/Å. */
  frequencyPerA: Float64Array;
  /** Root-mean-square Fourier amplitude per shell (arbitrary units). */
  amplitude: Float64Array;
  /** Number of Fourier samples per shell. */
  count: Float64Array;
  /** Nyquist frequency of the coarsest axis, 1/Å. */
  nyquistPerA: number;
}

/**
 * A windowed, mean-free copy of the centre cube (edge min(n, `edge`) per axis, x fastest); returns
 * it with its shape. The loops run in WebAssembly (./kernels.ts).
 */
export function windowedCentreCube(v: Volume, edge = SPECTRUM_CUBE): { data: Float32Array; shape: Shape3 } {
  const [nx, ny, nz] = v.shape;
  const m: Shape3 = [Math.min(nx, edge), Math.min(ny, edge), Math.min(nz, edge)];
  const o = [(nx - m[0]) >> 1, (ny - m[1]) >> 1, (nz - m[2]) >> 1];
  const n = m[0] * m[1] * m[2];
  const A = new Arena(arenaBytes(4 * n, 4 * m[1] * nx, 8 * m[0], 8 * m[1], 8 * m[2]));
  const cube = A.f32(n);
  cropInto(A, v.data, v.shape, o, m, A.f32((m[1] - 1) * nx + m[0]), cube);
  const mean = A.k.sum(cube.p, n) / n;
  const [wx, wy, wz] = m.map((len) => A.f64Of(tukeyWindow(len, 4)));
  const plane = m[0] * m[1];
  inPieces(m[2], 8, (z0, z1) => A.k.weightAndTaper(0, cube.p + 4 * z0 * plane, m[0], m[1], z1 - z0, wx.p, wy.p, wz.p + 8 * z0, 0, mean));
  return { data: cube.a.slice(), shape: m };
}

/** Shell of each half-spectrum sample: round(|f| / Δf), Δf = 1 / (largest cube edge in Å). */
function shells(shape: Shape3, voxelSizeA: readonly number[]): { shell: Int32Array; nShells: number; df: number; nyquistPerA: number } {
  const [nx, ny, nz] = shape;
  const hx = (nx >> 1) + 1;
  const edges = [0, 1, 2].map((i) => shape[i] * voxelSizeA[i]);
  const df = 1 / Math.max(...edges);
  const shell = new Int32Array(hx * ny * nz);
  for (let z = 0; z < nz; z++) {
    const fz = (z <= nz - z ? z : z - nz) / edges[2];
    for (let y = 0; y < ny; y++) {
      const fy = (y <= ny - y ? y : y - ny) / edges[1];
      const o = (z * ny + y) * hx;
      for (let x = 0; x < hx; x++) shell[o + x] = Math.round(Math.sqrt((x / edges[0]) ** 2 + fy * fy + fz * fz) / df);
    }
  }
  const nyquistPerA = Math.min(...[0, 1, 2].map((i) => 0.5 / voxelSizeA[i]));
  return { shell, nShells: Math.floor(nyquistPerA / df) + 1, df, nyquistPerA };
}

/**
 * Radially averaged amplitude of the map's centre cube (see the module comment).
 * @param v map, canonical layout; not modified
 */
export function radialAmplitude(v: Volume): RadialSpectrum {
  const { data, shape } = windowedCentreCube(v);
  const f = rfft3d(data, shape);
  const [nx, ny, nz] = shape;
  const vs = v.voxelSizeA;
  const edges = [0, 1, 2].map((i) => shape[i] * vs[i]);
  const df = 1 / Math.max(...edges);
  const nyquistPerA = Math.min(...[0, 1, 2].map((i) => 0.5 / vs[i]));
  const nShells = Math.floor(nyquistPerA / df) + 1;
  const hx = (nx >> 1) + 1;
  // shells and power per shell in WebAssembly (./kernels.ts; the arithmetic of shells() below)
  const A = new Arena(arenaBytes(4 * f.length, 2 * f.length, 8 * hx, 8 * nShells, 8 * nShells));
  const spec = A.f32(f.length);
  spec.a.set(f);
  const fx2 = A.f64(hx);
  for (let x = 0; x < hx; x++) fx2.a[x] = (x / edges[0]) ** 2;
  const p = A.f64(nShells), c = A.f64(nShells);
  p.a.fill(0);
  c.a.fill(0);
  const shell = A.i32(f.length / 2);
  inPieces(nz, 8, (z0, z1) => A.k.shellIndex(shell.p + 4 * z0 * ny * hx, hx, ny, nz, fx2.p, edges[1], edges[2], df, nShells, z0, z1));
  A.k.shellPower(spec.p, f.length / 2, hx, nx % 2 === 0 ? nx / 2 : -1, shell.p, p.p, c.p);
  const amplitude = Float64Array.from(p.a, (v2, k) => (c.a[k] > 0 ? Math.sqrt(v2 / c.a[k]) : 0));
  return { frequencyPerA: Float64Array.from({ length: nShells }, (_, k) => k * df), amplitude, count: c.a.slice(), nyquistPerA };
}

/**
 * Fourier shell correlation of the centre cubes of two maps on the same grid:
 * FSC(k) = Re Σ A·conj(B) / sqrt(Σ|A|² Σ|B|²) per shell (NaN for an empty or zero shell), and
 * each shell's mean power per sample (|A|² + |B|²)/2 of the windowed cubes (density² units).
 * @param a first map; b second map with the same box (the caller checks); neither is modified
 */
export function centreCubeFsc(a: Volume, b: Volume): { frequencyPerA: Float64Array; fsc: Float64Array; power: Float64Array } {
  const ca = windowedCentreCube(a);
  const cb = windowedCentreCube(b);
  const fa = rfft3d(ca.data, ca.shape);
  const fb = rfft3d(cb.data, cb.shape);
  const { shell, nShells, df } = shells(ca.shape, a.voxelSizeA);
  const num = new Float64Array(nShells);
  const d1 = new Float64Array(nShells);
  const d2 = new Float64Array(nShells);
  const count = new Float64Array(nShells);
  for (let i = 0; i < shell.length; i++) {
    const s = shell[i];
    if (s >= nShells) continue;
    const ar = fa[2 * i], ai = fa[2 * i + 1], br = fb[2 * i], bi = fb[2 * i + 1];
    num[s] += ar * br + ai * bi;
    d1[s] += ar * ar + ai * ai;
    d2[s] += br * br + bi * bi;
    count[s]++;
  }
  const fsc = Float64Array.from(num, (v, k) => (d1[k] > 0 && d2[k] > 0 ? v / Math.sqrt(d1[k] * d2[k]) : Number.NaN));
  const power = Float64Array.from(d1, (v, k) => (count[k] > 0 ? (v + d2[k]) / (2 * count[k]) : 0));
  return { frequencyPerA: Float64Array.from({ length: nShells }, (_, k) => k * df), fsc, power };
}
