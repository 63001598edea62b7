/**
 * Local B-factor sharpening (LocBSharpen-style): every band of the map is scaled by
 * `exp(+B_rel(x) s_k^2 / 4)` at each voxel, and bands that are not usable there are dropped (the
 * noise-limited cut-off), so each region is restored to the reference region's fall-off.
 * @see Kaur et al., Nat Commun 12:1240 (2021) (LocBSharpen)
 */
import type { Volume } from '../core/volume.js';
import { irfft3d, type PrunedBlock, prunedBlock, prunedIrfft3d, prunedRfft3d, prunedWork, rfft3d, wholeBlock } from '../math/fft.js';
import type { Band } from './bands.js';
import { nonZeroContentBox } from '../math/non-zero-box.js';
import { cutSubBox, pasteSubBox } from '../resolution/sub-box.js';

/**
 * Locally sharpened map: `out = L + sum_k g_k(x) b_k(x)` with `b_k` the map band-passed by band
 * k's raised-cosine shell, `L` the map below the first band centre (shell complement
 * `1 − H_0(|k|)` for `|k| < s_0`, including DC), and the gain `g_k(x) = min(maxGain,
 * exp(max(0, B_rel(x)) s_k^2 / 4))` where band k is usable at x (`usableBands(x) > k`), else 0.
 * Frequencies above the last band centre are dropped. Each shell is divided by the shells' sum
 * between the first and the last centre and wherever that sum exceeds 1 (shells wider than the
 * centre spacing overlap by more than half), so the bands add up to the map below the last centre.
 *
 * Only frequencies within the last shell's edge reach the output, so the map is transformed once
 * into that block of its spectrum (pruned separable transforms, `src/math/fft/pruned-3d.ts`) and
 * each band's inverse starts from the block: at 1 Å voxels and bands to 4.4 Å the block holds
 * about half of each axis' frequencies, a sixth of the half spectrum.
 *
 * Precondition: `await loadFft()` has resolved.
 *
 * @param map the map (canonical layout); not modified
 * @param bands the decomposition's bands, coarse to fine (centres below Nyquist of `map`)
 * @param bRelative relative local B per voxel, Å^2, length nx*ny*nz
 * @param usableBands number of usable bands per voxel (bands are used coarse to fine), same length
 * @param maxGain largest gain of any band (default 10)
 * @returns the sharpened map, same geometry
 */
export function localBSharpen(map: Volume, bands: readonly Band[], bRelative: Float32Array, usableBands: Float32Array, maxGain = 10): Volume {
  return sharpenPadded(map, bands, bRelative, usableBands, maxGain, false);
}

/** {@link localBSharpen} by the pruned block (`full` false) or whole-box transforms. */
function sharpenPadded(map: Volume, bands: readonly Band[], bRelative: Float32Array, usableBands: Float32Array, maxGain: number, full: boolean): Volume {
  // a box padded with zeros (a box resize): filter the data's box, as `decompose` analyses it,
  // and put it back (0 outside); filtered whole, the step to the zeros rang into the data
  // (synth_flex128 padded 128 → 160: up to 6 % of the maximum, correlation 0.9993)
  const content = bRelative.length === map.data.length && usableBands.length === map.data.length ? nonZeroContentBox(map) : undefined;
  if (content) {
    const cut = (d: Float32Array) => cutSubBox(d, map.shape, content, map.voxelSizeA);
    const r = sharpenBox(cut(map.data), bands, cut(bRelative).data, cut(usableBands).data, maxGain, full);
    return { data: pasteSubBox(r.data, map.shape, content), shape: map.shape, voxelSizeA: map.voxelSizeA };
  }
  return sharpenBox(map, bands, bRelative, usableBands, maxGain, full);
}

/**
 * {@link localBSharpen} with whole-box transforms (`rfft3d` once, `irfft3d` per band) instead of
 * the pruned block: the reference the tests check the default against (equal to float32
 * rounding). It holds the whole half spectrum twice and the FFT's whole-box scratch: `occupy
 * decompose --half-maps … --sharpen` on a 512³ phantom (1 Å, bands to 4.4 Å) peaked at 8.2 GB and
 * took 118 s, 71 s of it sharpening and writing; with the pruned block 6.4 GB and 102 s (31 s),
 * the sharpened maps equal to 4.5e-8 (largest value 0.18).
 */
export function localBSharpenFull(map: Volume, bands: readonly Band[], bRelative: Float32Array, usableBands: Float32Array, maxGain = 10): Volume {
  return sharpenPadded(map, bands, bRelative, usableBands, maxGain, true);
}

/** The map filtered by `weight(|k|)` (|k| in 1/Å), written into `dst` (length nx*ny*nz). */
type BandFilter = (weight: (k: number) => number, dst: Float32Array) => void;

/**
 * `pass = scale × weight(|k|) × spec` over a block of frequencies (|k| in 1/Å; layout of
 * `prunedRfft3d`, which for the whole block is `rfft3d`'s half spectrum).
 */
function weighBlock(spec: Float32Array, pass: Float32Array, map: Volume, block: PrunedBlock, weight: (k: number) => number, scale: number): void {
  const { shape, voxelSizeA } = map;
  const [nx, ny, nz] = shape;
  const { bins, keptY, keptZ } = block;
  const my = keptY.length;
  const signedOver = (i: number, n: number, a: number) => (i <= n / 2 ? i : i - n) / (n * a);
  for (let c = 0; c < keptZ.length; c++) {
    const kz = signedOver(keptZ[c], nz, voxelSizeA[2]);
    for (let b = 0; b < my; b++) {
      const ky = signedOver(keptY[b], ny, voxelSizeA[1]);
      const row = 2 * (c * my + b) * bins;
      for (let x = 0; x < bins; x++) {
        const kx = x / (nx * voxelSizeA[0]);
        const h = weight(Math.sqrt(kx * kx + ky * ky + kz * kz)) * scale;
        pass[row + 2 * x] = h * spec[row + 2 * x];
        pass[row + 2 * x + 1] = h * spec[row + 2 * x + 1];
      }
    }
  }
}

/** {@link BandFilter} by whole-box transforms. */
function fullBandFilter(map: Volume): BandFilter {
  const { shape } = map;
  const block = wholeBlock(shape);
  const spec = rfft3d(map.data, shape);
  // one whole-box buffer for every band: V8 had kept each band's own array until its next collection, 4.8 GB at 384³
  const pass = new Float32Array(spec.length);
  return (weight, dst) => {
    weighBlock(spec, pass, map, block, weight, 1);
    irfft3d(pass, shape, dst);
  };
}

/**
 * {@link BandFilter} by pruned transforms: every weight is 0 beyond `kMaxPerA` (the last shell's
 * upper edge), so only the block of frequencies within it on every axis is transformed, once
 * forward, and each band's inverse starts from that block.
 */
function prunedBandFilter(map: Volume, kMaxPerA: number): BandFilter {
  const { shape, voxelSizeA } = map;
  const block = prunedBlock(shape, [0, 1, 2].map((i) => Math.ceil(kMaxPerA * shape[i] * voxelSizeA[i]) + 1) as [number, number, number]);
  const work = prunedWork(shape, block);
  const spec = prunedRfft3d(map.data, shape, block, work);
  const pass = new Float32Array(spec.length);
  const norm = 1 / (shape[0] * shape[1] * shape[2]);
  return (weight, dst) => {
    weighBlock(spec, pass, map, block, weight, norm);
    prunedIrfft3d(pass, shape, block, dst, work);
  };
}

/** {@link localBSharpen} of a box without zero padding. */
function sharpenBox(map: Volume, bands: readonly Band[], bRelative: Float32Array, usableBands: Float32Array, maxGain: number, full: boolean): Volume {
  const { shape, voxelSizeA } = map;
  const n = map.data.length;
  const filtered = full ? fullBandFilter(map) : prunedBandFilter(map, Math.max(...bands.map((b) => b.centrePerA + b.halfWidthPerA)));
  const out = new Float32Array(n);
  const bk = new Float32Array(n);
  const shell = (b: Band) => (k: number) => {
    const d = k - b.centrePerA;
    return d > -b.halfWidthPerA && d < b.halfWidthPerA ? 0.5 * (1 + Math.cos((Math.PI * d) / b.halfWidthPerA)) : 0;
  };
  // the shells are divided by their sum between the first and last centre (and wherever it
  // exceeds 1), so the bands add up to the map there: shells wider than the centre spacing
  // (minHalfWidthPerA) overlap by more than half, and a first shell narrowed to its centre (a
  // spacing above it) left a gap below the second
  const shells = bands.map(shell);
  const sLast = bands[bands.length - 1].centrePerA;
  const total = (k: number) => {
    let t = 0;
    for (const h of shells) t += h(k);
    return t;
  };
  /** What the shells at frequency k (summing to t) are divided by. */
  const norm = (k: number, t: number) => (t > 1 || (k >= bands[0].centrePerA && k <= sLast && t > 0) ? t : 1);
  const first = bands[0];
  // below the first band: unchanged, straight into the output
  filtered((k) => {
    if (k >= first.centrePerA) return 0;
    const t = total(k);
    return Math.max(0, 1 - t / norm(k, t));
  }, out);
  bands.forEach((b, k) => {
    // the sum over all shells only where this shell is non-zero
    filtered((f) => {
      const h = shells[k](f);
      return h === 0 ? 0 : h / norm(f, total(f));
    }, bk);
    const s2 = (b.centrePerA * b.centrePerA) / 4;
    for (let i = 0; i < n; i++) {
      if (usableBands[i] <= k) continue;
      const br = bRelative[i] > 0 ? bRelative[i] : 0;
      const g = Math.exp(br * s2);
      out[i] += (g < maxGain ? g : maxGain) * bk[i];
    }
  });
  return { data: out, shape, voxelSizeA: [...voxelSizeA] as [number, number, number] };
}
