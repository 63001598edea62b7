/**
 * Resolution per spherical shell about a centre (blocres `-shell`): for icosahedral viruses and
 * other shell-like particles, whose resolution changes with the radius.
 * @see issue 18 item 3; shared/spec/local-resolution.md §1 (FSC), §2.7 (window correlation)
 */
import type { Shape3, Vec3, Volume } from '../core/volume.js';
import { assertSameHalfMapGrid, fourierShellCorrelation, resolutionAtThreshold } from './fsc.js';
import { prewhitenHalfMaps } from './prewhiten.js';
import { checkCentreVoxel } from './centre-voxel.js';
import { OptionError } from '../core/option-error.js';
import { snapToWhole } from '../core/voxel-size-limits.js';

/** Options of {@link radialShellResolution}. */
export interface RadialShellOptions {
  /** Centre in voxels (x, y, z, 0-based, may be fractional); default the box centre (n/2 per axis). */
  centreVoxel?: Vec3;
  /** Shell width, Å (default 4 voxels' worth: 4·a). */
  shellWidthA?: number;
  /** Where to report: voxels > 0.5 (default: the whole box); also weights the FSC (softened edge). */
  mask?: Float32Array;
  /** FSC threshold (default {@link SHELL_THRESHOLD}). */
  threshold?: number;
  /** Pre-whiten the halves first (default true; see `prewhiten.ts`). */
  whiten?: boolean;
  /** Shells with fewer mask voxels are skipped (resolution NaN), default 50. */
  minVoxels?: number;
  onProgress?: (fraction: number) => void;
}

/** One shell of {@link radialShellResolution}. */
export interface RadialShell {
  /** Inner and outer radius, Å. */
  innerA: number;
  outerA: number;
  /** Mid radius, Å. */
  radiusA: number;
  /** FSC resolution of the shell, Å (NaN when skipped for too few voxels). */
  resolutionA: number;
  /** False when the shell's FSC stayed above the threshold up to Nyquist (the value is a bound). */
  crossed: boolean;
  /** Mask voxels in the shell. */
  voxels: number;
}

/** Result of {@link radialShellResolution}. */
export interface RadialShellResult {
  shells: RadialShell[];
  centreVoxel: Vec3;
  shellWidthA: number;
  threshold: number;
  whitened: boolean;
  /**
   * Resolution per voxel (the value of its shell), Å, length nx*ny*nz, index (z*ny+y)*nx+x;
   * `backgroundA` outside the mask and in skipped shells.
   */
  map: Float32Array;
  /** Value written where there is no estimate: the coarsest shell value (or 2·Nyquist). */
  backgroundA: number;
}

/**
 * Default FSC threshold of the shell FSC with pre-whitening: 0.3, the calibrated local-FSC
 * threshold (`CALIBRATED_THRESHOLD`). Measured on synth_halves128 about its 8 Å domain (4 Å
 * shells, truth mask): 0.3 reads 7.1 / 6.4 / 5.2 Å in the shells inside the 8 Å domain and
 * 3.2–3.3 Å in the 3 Å shells, 0.143 reads 6.0 / 5.0 / 4.0 and 2.9–3.0 Å (both Spearman 0.80
 * against the truth's shell medians): a thin shell mixes its neighbours, so the inner shells of a
 * coarse domain read finer than their truth at either threshold, less so at 0.3.
 */
export const SHELL_THRESHOLD = 0.3;

/**
 * FSC resolution per spherical shell about a centre.
 *
 * Method: both halves are pre-whitened by their common radial power (optional, default on:
 * it keeps the leakage of the shared low-frequency signal through the shell's mask out of the
 * high shells, as for local FSC). For shell `[r, r + w)` (r = 0, w, 2w, … up to the farthest mask
 * voxel), both halves are multiplied by the shell's weight — 1 inside, a raised-cosine edge of
 * 2 voxels on each side — times the mask softened by a Gaussian of 1 voxel, cut to the shell's
 * bounding box (the transform of a smaller box is cheaper; the weights vanish at its border) and
 * compared by FSC (spec §1); the shell's resolution is the threshold crossing.
 *
 * Precondition: `await loadFft()` has resolved.
 * @param half1 first half map (length nx*ny*nz, index (z*ny+y)*nx+x); not modified
 * @param half2 second half map, same box and voxel size
 * @throws RangeError for mismatched halves, a mask of the wrong length or selecting nothing;
 *   OptionError (a RangeError; exit 2 on the command line) for a centre outside the box
 *   ({@link checkCentreVoxel}), a shell width below one voxel or a threshold outside (0, 1)
 */
export function radialShellResolution(half1: Volume, half2: Volume, options: RadialShellOptions = {}): RadialShellResult {
  assertSameHalfMapGrid(half1, half2);
  const shape = half1.shape;
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const a = Math.max(...half1.voxelSizeA);
  const centre: Vec3 = options.centreVoxel ?? [nx / 2, ny / 2, nz / 2];
  checkCentreVoxel(centre, shape);
  const width = options.shellWidthA ?? 4 * a;
  if (!(width >= a)) throw new OptionError(`--shell-width must be at least one voxel (${a} Å), got ${width}`, 'shellWidth', `at least one voxel (${a} Å)`, { flag: '--shell-width', value: width });
  const threshold = options.threshold ?? SHELL_THRESHOLD;
  if (!(threshold > 0 && threshold < 1)) throw new OptionError(`--threshold must be in (0, 1), got ${threshold}`, 'threshold', 'a number in (0, 1)', { flag: '--threshold', value: threshold });
  const mask = options.mask;
  if (mask && mask.length !== n) throw new RangeError(`--mask has ${mask.length} voxels, the half maps ${n} (${nx}x${ny}x${nz})`);
  const minVoxels = options.minVoxels ?? 50;
  const progress = options.onProgress ?? (() => {});
  const va = half1.voxelSizeA;

  // radius (Å) of every voxel and the reporting region
  const radius = new Float32Array(n);
  let rMax = 0;
  let inMask = 0;
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x;
    const r = Math.hypot((x - centre[0]) * va[0], (y - centre[1]) * va[1], (z - centre[2]) * va[2]);
    radius[i] = r;
    if (!mask || mask[i] > 0.5) {
      inMask++;
      if (r > rMax) rMax = r;
    }
  }
  if (inMask === 0) throw new RangeError('the mask selects no voxel (no value > 0.5)');
  // each voxel's shell, floor(r / width) with a ratio within float round-off of a whole number
  // taken as that number: at 1 Å and 4 Å shells the many voxels at exactly 4, 8, 12 … Å open the
  // next shell, and at 1.37 Å (5.48 Å shells, float32 radii) they had fallen either side (shell
  // voxel counts 16316 against 16300, the inner shells' resolutions 1–3 % off 1.37 × the 1 Å run)
  const shellOf = new Int32Array(n);
  for (let i = 0; i < n; i++) shellOf[i] = Math.floor(snapToWhole(radius[i] / width));
  const softMask = mask ? softBinary(mask, shape) : undefined;
  const whiten = options.whiten ?? true;
  const [w1, w2] = whiten ? prewhitenHalfMaps(half1, half2) : [half1, half2];
  progress(0.1);

  const nShells = Math.max(1, Math.ceil((rMax + 1e-6) / width));
  const edgeA = 2 * a;
  const shells: RadialShell[] = [];
  for (let s = 0; s < nShells; s++) {
    const r0 = s * width;
    const r1 = r0 + width;
    let voxels = 0;
    for (let i = 0; i < n; i++) if (shellOf[i] === s && (!mask || mask[i] > 0.5)) voxels++;
    if (voxels < minVoxels) {
      shells.push({ innerA: r0, outerA: r1, radiusA: r0 + width / 2, resolutionA: Number.NaN, crossed: false, voxels });
      progress(0.1 + (0.9 * (s + 1)) / nShells);
      continue;
    }
    // bounding box of the weighted shell (+1 voxel of zeros)
    const lo: number[] = [], hi: number[] = [];
    for (let k = 0; k < 3; k++) {
      // in voxels, whole when the shell edges are (the same sub-box, and so the same FSC shells,
      // for the same voxels at any voxel size)
      const reach = snapToWhole((r1 + edgeA) / va[k]) + 1;
      lo.push(Math.max(0, Math.floor(centre[k] - reach)));
      hi.push(Math.min(shape[k] - 1, Math.ceil(centre[k] + reach)));
    }
    const sub: Shape3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
    const m = sub[0] * sub[1] * sub[2];
    const c1 = new Float32Array(m), c2 = new Float32Array(m), wts = new Float32Array(m);
    for (let z = 0, j = 0; z < sub[2]; z++) for (let y = 0; y < sub[1]; y++) {
      const row = ((z + lo[2]) * ny + (y + lo[1])) * nx + lo[0];
      for (let x = 0; x < sub[0]; x++, j++) {
        const i = row + x;
        const r = radius[i];
        let w = shellOf[i] === s ? 1 : shellOf[i] < s ? (r0 - r < edgeA && r0 > 0 ? 0.5 * (1 + Math.cos((Math.PI * (r0 - r)) / edgeA)) : 0) : r - r1 < edgeA ? 0.5 * (1 + Math.cos((Math.PI * (r - r1)) / edgeA)) : 0;
        if (softMask) w *= softMask[i];
        c1[j] = w1.data[i];
        c2[j] = w2.data[i];
        wts[j] = w;
      }
    }
    const geom = (d: Float32Array): Volume => ({ data: d, shape: sub, voxelSizeA: [va[0], va[1], va[2]] });
    const curve = fourierShellCorrelation(geom(c1), geom(c2), wts);
    // a small sub-box's shells are coarse: the crossing is interpolated as for the global FSC
    const res = resolutionAtThreshold(curve, threshold);
    shells.push({ innerA: r0, outerA: r1, radiusA: r0 + width / 2, resolutionA: res.resolutionA, crossed: res.crossed, voxels });
    progress(0.1 + (0.9 * (s + 1)) / nShells);
  }
  const finite = shells.filter((s) => Number.isFinite(s.resolutionA)).map((s) => s.resolutionA);
  const backgroundA = finite.length ? Math.max(...finite) : 4 * a;
  const map = new Float32Array(n).fill(backgroundA);
  for (let i = 0; i < n; i++) {
    if (mask && !(mask[i] > 0.5)) continue;
    const s = shells[Math.min(nShells - 1, shellOf[i])];
    if (s && Number.isFinite(s.resolutionA)) map[i] = s.resolutionA;
  }
  return { shells, centreVoxel: centre, shellWidthA: width, threshold, whitened: whiten, map, backgroundA };
}

/** A mask softened at its edge: `min(1, 2·(G₁ * [mask > 0.5]))` by a separable Gaussian of 1 voxel (3 passes, no FFT). */
function softBinary(mask: Float32Array, shape: Shape3): Float32Array {
  const [nx, ny, nz] = shape;
  let cur = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) cur[i] = mask[i] > 0.5 ? 1 : 0;
  const k = [0.0544, 0.2442, 0.4026, 0.2442, 0.0544]; // Gaussian σ = 1 voxel, 5 taps, sum 0.9998
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  for (let axis = 0; axis < 3; axis++) {
    const out = new Float32Array(cur.length);
    const st = strides[axis];
    const len = sizes[axis];
    for (let i = 0; i < cur.length; i++) {
      const p = Math.floor(i / st) % len;
      let s = 0;
      for (let t = -2; t <= 2; t++) {
        const q = p + t;
        if (q >= 0 && q < len) s += k[t + 2] * cur[i + t * st];
      }
      out[i] = s;
    }
    cur = out;
  }
  for (let i = 0; i < cur.length; i++) cur[i] = Math.min(1, 2 * cur[i]);
  return cur;
}
