/**
 * Occupancy separated from disorder: a local Guinier analysis of band energies gives, per voxel,
 * the relative occupancy (intercept) and the local B-factor (slope).
 * @see shared/spec/occupancy-decomposition.md
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { irfft3d, rfft3d } from '../math/fft.js';
import { resizeHalfSpectrum } from '../math/spectrum-resize.js';
import { halfMapHalfDifference, halfMapMean } from '../math/half-map-combination.js';
import { gaussianSmooth } from '../filters/gaussian-smooth.js';
import { trilinearResize } from '../filters/trilinear-resize.js';
import { quantileByRank } from '../math/select.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { assertSameHalfMapGrid } from '../resolution/fsc.js';
import { interpolatedContent, interpolationTest, type InterpolationTest } from '../resolution/half-map-content.js';
import { cutSubBox, pasteSubBox, subBoxShape } from '../resolution/sub-box.js';
import { nonZeroContentBox } from '../math/non-zero-box.js';
import { DEFAULT_WIDE_WINDOW_PER_WAVELENGTH, decompositionBands, type Band } from './bands.js';
import { decomposeProcessingShape, lowestBandError, refuseLowestBandNearNyquist } from './options.js';
import { gridFor, windowedBandEnergies } from './band-energy.js';
import { fitLocalGuinier, type GuinierFit } from './guinier-fit.js';
import { moleculeAndSolvent } from './molecule-mask.js';
import { halfMapLimit, singleMapLimit, spectrumEnd, spectrumEndThroughWindow, type NoiseLimit } from './noise-limit.js';

/**
 * Finest band (Å) beyond which the local B is said to separate flexibility from partial occupancy
 * poorly ({@link coarseMapWarning}). Measured (`bench/decompose-accuracy.ts --cases fresh`, seeds
 * 1–5, 48 random phantoms with half maps; README *Occupancy or flexibility?*): where the true
 * excess B of the flexible domain over the rigid ones was 50 Å² or more, ours read it at ≥ 50 Å²
 * in 10 of 16 maps whose finest domains were at 3–6.5 Å and in 5 of 15 at 6.5–10 Å (at 7–10 Å only
 * the 30–17 Å bands carry signal at SNR 4, and a domain's form factor moves them more than a
 * hinge does). Occupancy was not worse there (3 of 112 and 3 of 80 domains beyond ±0.15).
 */
export const COARSE_FINEST_BAND_A = 6.5;

/**
 * θ grid (Å²) of the Gamma-mixture B fit (`fitLocalGuinier`'s `gammaThetasA2`), used in the B fit
 * on the flattened map (`flattenOccupancy`, the default; without it the quadratic stays, since the
 * first pass's B also sets the wide-window blend of the occupancy) of maps whose finest band is at
 * or finer than {@link COARSE_FINEST_BAND_A}: there a hinge
 * ensemble's Guinier curve falls over the first bands and is flat beyond, which the quadratic's
 * initial slope reads a fraction of (docs/decomposition.md, *A Gamma mixture for the B of fine maps*).
 */
export const GAMMA_THETAS_A2: readonly number[] = [25, 50, 100, 200, 400, 800, 1600];

/** The warning of a decomposition whose finest band is coarser than {@link COARSE_FINEST_BAND_A}. */
export function coarseMapWarning(finestBandA: number): string {
  return `the finest band is at ${finestBandA.toFixed(1)} Å (coarser than ${COARSE_FINEST_BAND_A} Å): at this resolution the local B tells a flexible domain from a rigid one poorly (on synthetic maps whose finest detail was 6.5–10 Å, a flexible domain read ≥ 50 Å² above the rigid ones in 5 of 15 cases where it truly was, against 10 of 16 at 3–6.5 Å; README "Occupancy or flexibility?"); the occupancies were as accurate there as at finer resolution`;
}

/** Options of {@link decompose}. */
export interface DecomposeOptions {
  /** Two half maps on the map's box: signal from their mean, noise from half their difference (spatially variant). */
  halfMaps?: readonly [Volume, Volume];
  /** Molecule mask, length nx*ny*nz of the map, values > 0.5 = molecule (default: from the smoothed map). */
  mask?: Float32Array;
  /** Coarsest band centre, Å (default 30). */
  lowestResolutionA?: number;
  /** Finest band centre, Å (default: where the map meets noise, see {@link NoiseLimit}). */
  highestResolutionA?: number;
  /** Number of bands K, 2..32 (default 6). */
  bands?: number;
  /**
   * Smallest half-width of a band's raised-cosine shell, 1/Å (default 0.03; 0 = the centre
   * spacing, the layout before issue 17's third step). A shell of half-width w has a spatial
   * envelope of sigma ~0.4/w Å: with the spacing alone, a map resolved to 8 Å has shells 0.017/Å
   * wide whose energy reaches ~25 Å from the density, so a partly occupied domain took its full
   * neighbours' energy (docs/decomposition.md). The shells then overlap by more than half.
   */
  minBandHalfWidthPerA?: number;
  /** Smallest window sigma, Å (default 5); the analysis grid has voxels of about half this. */
  minWindowA?: number;
  /** Window sigma as a multiple of the band's wavelength, for the low bands (default 0.2). */
  windowPerWavelength?: number;
  /**
   * Wide window sigma as a multiple of the wavelength (default 0.3, `DEFAULT_WIDE_WINDOW_PER_WAVELENGTH`;
   * 0 = no wide windows). Where the narrow-window fit finds a local B above the molecule's median,
   * the fit with wide windows is blended in (fully at `blendBA2` above): displaced (flexible)
   * density spreads beyond a narrow window. Wider windows also take in the neighbours' energy where
   * a partly occupied domain's B is high for another reason (a coarse resolution): 0.4 read such
   * domains up to 0.2 high (docs/decomposition.md).
   */
  wideWindowPerWavelength?: number;
  /** B excess over the molecule's median (Å^2) at which the wide-window fit takes over fully (default 100). */
  blendBA2?: number;
  /** A band is usable at a voxel when its signal energy is at least this multiple of the noise energy (default 0.5). */
  snrMin?: number;
  /** Quantile over the molecule that defines the reference (full occupancy, best order), in (0, 1] (default 0.9). */
  referenceQuantile?: number;
  /** Process on a Fourier-cropped box of at most this edge when larger (even, >= 32; 0 = never; default 256). */
  maxBox?: number;
  /**
   * Local B from the initial slope of a convex Guinier curve (c >= 0 quadratic in s^2, where four
   * or more bands are usable) instead of a line through all bands (default true; see
   * `fitLocalGuinier`): a hinge ensemble's Guinier curve flattens at high frequency.
   */
  convexGuinier?: boolean;
  /**
   * Where the convex fit's B is used (default 25 Å^2; 0 = everywhere): only where the line's B
   * exceeds the molecule's median line B, blended in from 0 to 1 over this many Å^2. Well-ordered
   * regions keep the line: there a positive curvature comes from noise or from a domain whose
   * signal ends inside the band range (the finer bands hold its neighbours' leakage, a floor), and
   * it raised the rigid reference domains' B (docs/decomposition.md).
   */
  convexRampA2?: number;
  /**
   * Spatial sigma of the edge-preserving (bilateral) smoothing of the fitted intercept over the
   * molecule before it becomes occupancy, Å (default 2 × minWindowA; 0 = none): averages the
   * intercept's voxel-level scatter (window energies of atom arrangements and noise), keeps steps
   * between regions (see `occupancySmoothRange`).
   */
  occupancySmoothA?: number;
  /**
   * Passes of that smoothing (default 2; 1 = a single pass, the layout before session 34): each
   * pass filters the previous pass's output with the range from its own (smaller) scatter, so the
   * scatter inside a domain keeps falling while the steps between domains stay (an iterated
   * bilateral filter). Two passes raised the voxel-wise r with the true occupancy by 0.01–0.05 on
   * synthetic phantoms (docs/decomposition.md).
   */
  occupancySmoothPasses?: number;
  /**
   * Range sigma of that smoothing as a multiple of the intercept's robust voxel-level scatter
   * (default 1.5): neighbours whose log occupancy differs by several times the scatter (a 0.5
   * domain next to a full one: ln 2) hardly count.
   */
  occupancySmoothRange?: number;
  /**
   * Fit the local B on the map divided by the occupancy just found (smoothed over
   * {@link FLATTEN_SMOOTH_A} Å, at least {@link FLATTEN_FLOOR}), with the half maps (their noise
   * scaled alike) or the one-map noise scaled by the window's mean square of the factor (default
   * true; false = B from the map as given, the layout before session 39). A partly occupied
   * domain's finer bands hold its full neighbours' leakage, which read its B too low; flattened,
   * the partial − full rigid B difference with half maps (median over 24 pairs per family of
   * synthetic phantoms) fell from −141 / −144 to −63 / −57 Å² at 5–6.5 Å, from −30 / −49 to
   * −11 / −16 Å² at 3.5–5 Å and from −38 / −17 to −3 / −3 Å² on occupancy–resolution pairs
   * (docs/decomposition.md, "The B of partly occupied domains"). The occupancy stays the
   * first pass's; the band count per voxel and the example fits are the B fit's. Costs a second
   * set of band energies. Not applied (said in a warning) when `highestResolutionA` puts bands
   * beyond where the map's spectrum ends: flattening spreads a region's density into those empty
   * bands and reads its B low.
   */
  flattenOccupancy?: boolean;
  /**
   * With `halfMaps`: their `interpolationTest` (src/resolution/half-map-content.ts) when the caller
   * has run it on these very half maps (`occupy decompose`'s input diagnostics do), used rather
   * than run again. Not a user option; run here when absent, and on the data's box when the maps
   * are padded with zeros (the test's result is for the whole box).
   */
  halfMapsInterpolationTest?: InterpolationTest;
  /** Progress: phase name and overall fraction in [0, 1]. */
  onProgress?: (phase: string, fraction: number) => void;
  /** Checked between bands; when aborted, `signal.reason` is thrown. */
  signal?: AbortSignal;
}

/** Mean local Guinier data of one region (for the plot of example fits). */
export interface GuinierExample {
  /** What the region is. */
  name: 'best (reference)' | 'low occupancy' | 'high B';
  /** Voxels averaged. */
  voxels: number;
  /** Mean `ln(A_k/A0_k)` per band over the region's voxels where the band is usable (NaN when none). */
  logRatio: number[];
  /** The region's median fitted intercept and relative B (Å^2): line `intercept − B s^2 / 4`. */
  intercept: number;
  bRelativeA2: number;
  /** The region's median relative occupancy. */
  occupancy: number;
}

/** Per-band summary. */
export interface BandSummary extends Band {
  /** Band centre as a resolution, Å. */
  resolutionA: number;
  /** Reference amplitude `A0_k` (density units). */
  referenceAmplitude: number;
  /** Median noise amplitude over the molecule (density units). */
  noiseAmplitude: number;
  /** Fraction of molecule voxels where the band is usable. */
  usableFraction: number;
}

/** Result of {@link decompose}. */
export interface DecomposeResult {
  /** Relative occupancy in [0, 1] on the map's box (1 = the reference: best-ordered, fully occupied). */
  occupancy: Volume;
  /** Local B-factor in Å^2 (`bRelative + globalBA`; 0 where fewer than two bands are usable), of the fit on the flattened map with `flattenOccupancy`. */
  bfactor: Volume;
  /** Number of usable bands per voxel of the B fit (on the flattened map with `flattenOccupancy`). */
  bandsUsed: Volume;
  /**
   * B of the line through the usable bands relative to the reference, Å^2, on the analysis grid
   * (`processingShape`, index (z*ny + y)*nx + x; 0 where fewer than two bands are usable): what
   * the band amplitudes fall by across the band range, for sharpening. Equals `bfactor − globalBA`
   * (on that grid) without `convexGuinier`; with it, `bfactor` holds the convex fit's initial slope.
   */
  bLineRelative: Float32Array;
  /** Molecule selection on the map's box (1 = molecule), from `mask` or the smoothed map. */
  molecule: Uint8Array;
  /** Bands, coarse to fine, with their reference and noise amplitudes (of the map as given, the first fit). */
  bands: BandSummary[];
  /** The finest band's resolution and how it was found. */
  noiseLimit: NoiseLimit;
  /**
   * The map (or half maps) interpolated onto a finer grid in real space: the old grid's Nyquist, Å
   * (no band finer than 1.1 × it), and the box it was upsampled from, voxels. Absent otherwise.
   */
  contentLimit?: { limitA: number; cause: 'interpolated'; fromBox: Shape3 };
  /** Where the noise energy came from. */
  noiseModel: 'half-map difference (local)' | 'solvent (one map, per band)';
  /** Guinier B of the reference spectrum `A0(s)` over the bands, Å^2 (the part common to every voxel; of the B fit's reference). */
  globalBA: number;
  /** Analysis grid of the windowed energies and the fit (same physical box, voxel about minWindowA/2). */
  processingShape: Shape3;
  processingVoxelSizeA: Vec3;
  /**
   * Example fits of three regions (when the molecule is large enough). With `flattenOccupancy`
   * the band data and B are the flattened fit's, each region's log amplitudes shifted back by its
   * mean log flattening factor, so they sit at the region's occupancy.
   */
  examples: GuinierExample[];
  /** Notes for the log (settings, what was done). */
  notes: string[];
  /** Warnings (e.g. few usable bands). */
  warnings: string[];
  /** Seconds per phase. */
  timingsS: Record<string, number>;
}

/**
 * The occupancy field that flattens the map before the local B is fitted: the first pass's
 * occupancy (1 outside the molecule) smoothed by a Gaussian of this sigma (Å), floored at
 * {@link FLATTEN_FLOOR}; the map (and half maps) are divided by it.
 */
export const FLATTEN_SMOOTH_A = 3;
/** Lowest occupancy the flattening divides by (a factor of at most 4 on the map and its noise). */
export const FLATTEN_FLOOR = 0.25;

/**
 * A mask as 0/1 (`> 0.5` → 1): the array itself when it holds only 0 and 1, else a copy.
 * @param mask mask values (any scale: 0/1, 0/255, soft)
 */
function binaryMask(mask: Float32Array): Float32Array {
  if (mask.every((v) => v === 0 || v === 1)) return mask;
  return Float32Array.from(mask, (v) => (v > 0.5 ? 1 : 0));
}

/** Guinier B of a reference spectrum, Å^2: −4 × the slope of the unweighted line through `0.5 ln A0_k^2` against `s_k^2`. */
function referenceGuinierB(reference: readonly number[], s2: readonly number[]): number {
  const K = s2.length;
  const y = reference.map((r) => 0.5 * Math.log(r));
  const mx = s2.reduce((a, b) => a + b, 0) / K;
  const my = y.reduce((a, b) => a + b, 0) / K;
  let sxy = 0, sxx = 0;
  for (let k = 0; k < K; k++) {
    sxy += (s2[k] - mx) * (y[k] - my);
    sxx += (s2[k] - mx) ** 2;
  }
  return -4 * (sxy / sxx);
}

/** Default of `DecomposeOptions.minBandHalfWidthPerA`, 1/Å. */
const DEFAULT_MIN_HALF_WIDTH = 0.03;

function checkOptions(o: DecomposeOptions): void {
  const bad = (name: string, v: unknown, what: string) => new RangeError(`${name} must be ${what}, got ${String(v)}`);
  if (o.lowestResolutionA !== undefined && !(Number.isFinite(o.lowestResolutionA) && o.lowestResolutionA > 0)) throw bad('lowestResolutionA', o.lowestResolutionA, 'a finite number > 0 (Å)');
  if (o.highestResolutionA !== undefined && !(Number.isFinite(o.highestResolutionA) && o.highestResolutionA > 0)) throw bad('highestResolutionA', o.highestResolutionA, 'a finite number > 0 (Å)');
  if (o.bands !== undefined && !(Number.isInteger(o.bands) && o.bands >= 2 && o.bands <= 32)) throw bad('bands', o.bands, 'an integer in 2..32');
  if (o.minBandHalfWidthPerA !== undefined && !(Number.isFinite(o.minBandHalfWidthPerA) && o.minBandHalfWidthPerA >= 0)) throw bad('minBandHalfWidthPerA', o.minBandHalfWidthPerA, 'a finite number >= 0 (1/Å)');
  if (o.minWindowA !== undefined && !(Number.isFinite(o.minWindowA) && o.minWindowA > 0)) throw bad('minWindowA', o.minWindowA, 'a finite number > 0 (Å)');
  if (o.windowPerWavelength !== undefined && !(Number.isFinite(o.windowPerWavelength) && o.windowPerWavelength > 0)) throw bad('windowPerWavelength', o.windowPerWavelength, 'a finite number > 0');
  if (o.wideWindowPerWavelength !== undefined && !(Number.isFinite(o.wideWindowPerWavelength) && o.wideWindowPerWavelength >= 0)) throw bad('wideWindowPerWavelength', o.wideWindowPerWavelength, 'a finite number >= 0');
  if (o.blendBA2 !== undefined && !(Number.isFinite(o.blendBA2) && o.blendBA2 > 0)) throw bad('blendBA2', o.blendBA2, 'a finite number > 0 (Å^2)');
  if (o.convexRampA2 !== undefined && !(Number.isFinite(o.convexRampA2) && o.convexRampA2 >= 0)) throw bad('convexRampA2', o.convexRampA2, 'a finite number >= 0 (Å^2)');
  if (o.occupancySmoothA !== undefined && !(Number.isFinite(o.occupancySmoothA) && o.occupancySmoothA >= 0)) throw bad('occupancySmoothA', o.occupancySmoothA, 'a finite number >= 0 (Å)');
  if (o.occupancySmoothPasses !== undefined && !(Number.isInteger(o.occupancySmoothPasses) && o.occupancySmoothPasses >= 1 && o.occupancySmoothPasses <= 10)) throw bad('occupancySmoothPasses', o.occupancySmoothPasses, 'an integer in 1..10');
  if (o.occupancySmoothRange !== undefined && !(Number.isFinite(o.occupancySmoothRange) && o.occupancySmoothRange > 0)) throw bad('occupancySmoothRange', o.occupancySmoothRange, 'a finite number > 0');
  if (o.snrMin !== undefined && !(Number.isFinite(o.snrMin) && o.snrMin >= 0)) throw bad('snrMin', o.snrMin, 'a finite number >= 0');
  if (o.referenceQuantile !== undefined && !(o.referenceQuantile > 0 && o.referenceQuantile <= 1)) throw bad('referenceQuantile', o.referenceQuantile, 'in (0, 1]');
  if (o.flattenOccupancy !== undefined && typeof o.flattenOccupancy !== 'boolean') throw bad('flattenOccupancy', o.flattenOccupancy, 'true or false');
  if (o.maxBox !== undefined && !(o.maxBox === 0 || (Number.isInteger(o.maxBox) && o.maxBox >= 32 && o.maxBox % 2 === 0))) throw bad('maxBox', o.maxBox, '0 or an even integer >= 32');
}

/**
 * The molecule fraction of a Gaussian window around each voxel, per window sigma (cached): the
 * molecule dilated by ~3 Å (so that weak or partly occupied edges count as molecule) smoothed by
 * the window, floored at 0.2. Dividing a windowed energy by it gives energy per unit molecule
 * volume, so voxels at the molecule's surface are not read as low occupancy.
 * @param molecule 1 = molecule on the analysis grid `shape`
 * @returns sigma (Å) → fraction in [0.2, 1], length nx*ny*nz
 */
function moleculeFraction(molecule: Uint8Array, shape: Shape3, voxelSizeA: Vec3): (sigmaA: number) => Float32Array {
  const n = molecule.length;
  const near = gaussianSmooth(Float32Array.from(molecule), shape, voxelSizeA, 3);
  const dilated = new Float32Array(n);
  for (let i = 0; i < n; i++) dilated[i] = molecule[i] || near[i] > 0.25 ? 1 : 0;
  const cache = new Map<number, Float32Array>();
  return (sigmaA) => {
    let f = cache.get(sigmaA);
    if (!f) {
      f = gaussianSmooth(dilated, shape, voxelSizeA, sigmaA);
      for (let i = 0; i < n; i++) f[i] = Math.max(0.2, Math.min(1, f[i]));
      cache.set(sigmaA, f);
    }
    return f;
  };
}

/**
 * Normalised convolution of `values` over the molecule's fitted voxels (molecule and >= 1 usable
 * band): `g * (v·m) / g * m` with a Gaussian of `sigmaA` Å (values where `g * m` < 1e-3 are the
 * unsmoothed ones).
 */
function smoothOverMolecule(values: Float32Array, molecule: Uint8Array, used: Uint8Array, shape: Shape3, voxelSizeA: Vec3, sigmaA: number): Float32Array {
  const n = values.length;
  const m = new Float32Array(n);
  const vm = new Float32Array(n);
  for (let i = 0; i < n; i++) if (molecule[i] && used[i] > 0) {
    m[i] = 1;
    vm[i] = values[i];
  }
  const gm = gaussianSmooth(m, shape, voxelSizeA, sigmaA);
  const gv = gaussianSmooth(vm, shape, voxelSizeA, sigmaA);
  for (let i = 0; i < n; i++) gv[i] = gm[i] > 1e-3 ? gv[i] / gm[i] : values[i];
  return gv;
}

/**
 * Edge-preserving smoothing of `values` over the molecule's fitted voxels (molecule and >= 1 usable
 * band): a bilateral filter, weight `exp(−d²/2σ²) · exp(−Δv²/2σr²)` over fitted neighbours within
 * 2σ (on a lattice of step <= σ/2), with `σr = rangeFactor ×` the robust SD (1.4826 × MAD) of `values` minus their Gaussian
 * average over the molecule (their voxel-level scatter): scatter is averaged, steps between regions
 * several times larger than it are kept. Other voxels are unchanged.
 */
function bilateralOverMolecule(values: Float32Array, molecule: Uint8Array, used: Uint8Array, shape: Shape3, voxelSizeA: Vec3, sigmaA: number, rangeFactor: number): Float32Array {
  const n = values.length;
  const [nx, ny, nz] = shape;
  const fitted = new Uint8Array(n);
  for (let i = 0; i < n; i++) fitted[i] = molecule[i] && used[i] > 0 ? 1 : 0;
  const smooth = smoothOverMolecule(values, molecule, used, shape, voxelSizeA, sigmaA);
  const scratch = new Float32Array(n);
  let c = 0;
  for (let i = 0; i < n; i++) if (fitted[i]) scratch[c++] = Math.abs(values[i] - smooth[i]);
  const sr = rangeFactor * 1.4826 * quantileByRank(scratch, c, 0.5);
  const out = Float32Array.from(values);
  if (!(sr > 0)) return out;
  // neighbours within 2 sigma on a lattice of step <= sigma/2 (the Gaussian stays well sampled;
  // ~8x fewer neighbours than every voxel at sigma 10 Å on a 2.5 Å grid)
  const step = [0, 1, 2].map((a) => Math.max(1, Math.floor(sigmaA / (2 * voxelSizeA[a]))));
  const r = [0, 1, 2].map((a) => step[a] * Math.max(1, Math.ceil((2 * sigmaA) / (voxelSizeA[a] * step[a]))));
  const offs: number[] = [];
  const ws: number[] = [];
  for (let dz = -r[2]; dz <= r[2]; dz += step[2]) for (let dy = -r[1]; dy <= r[1]; dy += step[1]) for (let dx = -r[0]; dx <= r[0]; dx += step[0]) {
    const d2 = (dx * voxelSizeA[0]) ** 2 + (dy * voxelSizeA[1]) ** 2 + (dz * voxelSizeA[2]) ** 2;
    if (d2 > 4 * sigmaA * sigmaA) continue;
    offs.push(dx, dy, dz);
    ws.push(Math.exp(-d2 / (2 * sigmaA * sigmaA)));
  }
  const inv = 1 / (2 * sr * sr);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x;
    if (!fitted[i]) continue;
    const v = values[i];
    let sw = 0, sv = 0;
    for (let k = 0; k < ws.length; k++) {
      const xx = x + offs[3 * k], yy = y + offs[3 * k + 1], zz = z + offs[3 * k + 2];
      if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz) continue;
      const j = (zz * ny + yy) * nx + xx;
      if (!fitted[j]) continue;
      const dv = values[j] - v;
      const w = ws[k] * Math.exp(-dv * dv * inv);
      sw += w;
      sv += w * values[j];
    }
    if (sw > 0) out[i] = sv / sw;
  }
  return out;
}

/** Band energies of one window set: signal and noise per band (analysis grid). */
interface EnergySet {
  signal: Float32Array[];
  noise: Float32Array[];
}

/** Settings of {@link fitStage}. */
interface FitStageSettings {
  qRef: number;
  s2: number[];
  snrMin: number;
  convex: boolean;
  blendBA2: number;
  ramp: number;
  /** The Gamma-mixture B fit's θ grid, Å² (undefined: the quadratic). */
  gammaThetasA2?: readonly number[];
}

/**
 * The Guinier fit of one set of band energies (steps 5–6 of {@link decompose}): reference per band
 * (quantile `qRef` over the molecule), the narrow-window fit, the wide-window fit blended in where
 * B exceeds the molecule's median (t rising over `blendBA2`), and the convex B kept only where the
 * line's B exceeds the molecule's median line B (over `ramp` Å^2; 0 = everywhere).
 */
function fitStage(
  narrow: EnergySet, wide: EnergySet | undefined,
  molecule: Uint8Array, o: FitStageSettings, scratch: Float32Array,
): { fit: GuinierFit; reference: number[]; bMedian: number } {
  const nA = molecule.length;
  const reference = narrow.signal.map((e) => Math.max(selectedQuantile(e, molecule, o.qRef, scratch), 1e-30));
  const fit = fitLocalGuinier({ signal: narrow.signal, noise: narrow.noise, reference, s2: o.s2 }, o.snrMin, nA, { convex: o.convex, gammaThetasA2: o.gammaThetasA2 });
  // the molecule's voxels with a slope (>= 2 usable bands of the narrow fit; the blend below
  // leaves fit.used as it is, so this selection serves both medians)
  const fitted = new Uint8Array(nA);
  let nf = 0;
  for (let i = 0; i < nA; i++) nf += fitted[i] = molecule[i] && fit.used[i] >= 2 ? 1 : 0;
  let bMedian = Number.NaN;
  if (wide) {
    // where the local B is high, blend in the fit with wide windows (each with its own reference)
    const refWide = wide.signal.map((e) => Math.max(selectedQuantile(e, molecule, o.qRef, scratch), 1e-30));
    const fitWide = fitLocalGuinier({ signal: wide.signal, noise: wide.noise, reference: refWide, s2: o.s2 }, o.snrMin, nA, { convex: o.convex, gammaThetasA2: o.gammaThetasA2 });
    bMedian = nf > 0 ? selectedQuantile(fit.bRelative, fitted, 0.5, scratch) : 0;
    for (let i = 0; i < nA; i++) {
      const t = Math.min(1, Math.max(0, (fit.bRelative[i] - bMedian) / o.blendBA2));
      if (t === 0 || fitWide.used[i] === 0) continue;
      fit.intercept[i] += t * (fitWide.intercept[i] - fit.intercept[i]);
      if (fitWide.used[i] >= 2) {
        fit.bRelative[i] += t * (fitWide.bRelative[i] - fit.bRelative[i]);
        if (fit.bLine && fitWide.bLine) fit.bLine[i] += t * (fitWide.bLine[i] - fit.bLine[i]);
      }
    }
  }
  // measured and not adopted in place of this gate: a ridge-penalised curvature everywhere, and the
  // gate's median from the bands usable in >= 90 % of the molecule (docs/decomposition.md, session 54)
  if (o.ramp > 0 && fit.bLine) {
    const med = selectedQuantile(fit.bLine, fitted, 0.5, scratch);
    for (let i = 0; i < nA; i++) {
      const t = Math.min(1, Math.max(0, (fit.bLine[i] - med) / o.ramp));
      fit.bRelative[i] = fit.bLine[i] + t * (fit.bRelative[i] - fit.bLine[i]);
    }
  }
  return { fit, reference, bMedian };
}

/** Quantile of `values[i]` over the selected voxels. */
function selectedQuantile(values: ArrayLike<number>, sel: Uint8Array, q: number, scratch: Float32Array): number {
  let c = 0;
  for (let i = 0; i < sel.length; i++) if (sel[i]) scratch[c++] = values[i];
  return quantileByRank(scratch, c, q);
}


/**
 * Decompose a map's local contrast into relative occupancy and local B-factor.
 *
 * Model (spec): near voxel x the amplitude of the band around spatial frequency s is
 * `A(x, s) = occ(x) · m · A0(s) · exp(−B(x) s^2 / 4)`. Method:
 * 1. signal map = the map, or `(h1 + h2)/2`; Fourier-cropped to `maxBox` when larger;
 * 2. molecule (mask, or the 2 Å-smoothed map above median + 3 robust SD) and solvent (far from it);
 * 3. finest band = `highestResolutionA`, else the soft-masked half-map FSC at 0.143, else (one
 *    map) where the molecule's shell power falls to twice the solvent's; but when that is finer
 *    than where the signal map's spectrum ends (`spectrumEnd`: signal and noise low-passed, the
 *    bands beyond hold no signal while the soft-masked FSC can stay above 0.143 to Nyquist), the
 *    finest band is at that end; K bands equally spaced in
 *    s from `1/lowestResolutionA` (see `decompositionBands`), each shell's half-width the
 *    spacing or `minBandHalfWidthPerA` where that is wider (a shell of half-width w reaches
 *    ~0.4/w Å from the density: at 8 Å the spacing's 0.017/Å let a 0.3 domain read 0.56 with
 *    its full neighbours' energy; 0.03/Å read 0.35, docs/decomposition.md);
 * 4. per band: windowed monogenic energy `E_k(x)` of the signal map; noise energy `N_k(x)` from
 *    `(h1 − h2)/2` (local), or the median of `E_k` over the solvent (one map, constant);
 *    signal energy `S_k = (E_k − N_k) / f_k` and noise `N_k / f_k`, with `f_k(x)` the molecule
 *    fraction of the window (the molecule dilated by ~3 Å, smoothed by the window, >= 0.2), so
 *    that a voxel at the molecule's surface is not read as partly occupied; each band with a
 *    narrow window (sigma max(minWindowA, windowPerWavelength/s)) and a wide one
 *    (wideWindowPerWavelength/s): narrow windows keep neighbouring domains apart;
 * 5. reference `A0_k^2` = the `referenceQuantile` quantile of `S_k` over the molecule;
 * 6. per voxel weighted Guinier fit (see `fitLocalGuinier`): intercept a(x) from the line,
 *    relative B(x) from the initial slope of the convex (c >= 0) quadratic in s^2 where four or
 *    more bands are usable (`convexGuinier`; a window of atoms with different disorder, e.g. a
 *    hinge ensemble, has a log amplitude convex in s^2 whose initial slope is the mean B; a line
 *    through all bands read a 5° hinge's 58 Å² as +31, docs/decomposition.md; the line's B is kept as
 *    `bLineRelative` for sharpening), with the narrow windows; where B exceeds the molecule's
 *    median by t·`blendBA2` (t in [0, 1]), the wide-window fit is blended in with weight t (a
 *    flexible domain's displaced density reaches beyond a narrow window; measured on synthetic
 *    hinge ensembles, docs/decomposition.md); then the convex B is kept only where the line's B exceeds the
 *    molecule's median line B (weight rising 0 → 1 over `convexRampA2`), the line's elsewhere;
 * 7. occupancy = `clip(exp(ã − a_ref), 0, 1)` with ã the intercept after an edge-preserving
 *    (bilateral) smoothing over the molecule (`occupancySmoothA`, default 2 × minWindowA, range
 *    `occupancySmoothRange` × its robust voxel scatter: the scatter is averaged, steps between
 *    domains are kept; a flexible domain next to partial ones read r 0.721 → 0.764, held-3,
 *    docs/decomposition.md; applied `occupancySmoothPasses` times, 2 by default) and `a_ref` the
 *    `referenceQuantile` quantile over the molecule of a smoothed over the molecule (Gaussian
 *    minWindowA: the best region's typical value, not its voxel scatter) (0 where no band is
 *    usable); B = relative B + the Guinier B of `A0(s)`.
 * 8. with `flattenOccupancy` (default): the processing-box map and half maps (or, with one map,
 *    the solvent noise energy, by the window mean of the factor squared) divided by the
 *    occupancy of step 7 (smoothed over {@link FLATTEN_SMOOTH_A} Å, at least {@link FLATTEN_FLOOR},
 *    1 outside the molecule), steps 4–6 repeated with the same bands and windows; B, the band
 *    count and the example fits come from that fit, the occupancy from step 7. Where the finest
 *    band is at or finer than {@link COARSE_FINEST_BAND_A}, that fit's convex B is the Gamma
 *    mixture's instead of the quadratic's ({@link GAMMA_THETAS_A2}, `fitLocalGuinier`).
 * Maps are returned on the input's box (Fourier-padded back when cropped).
 *
 * Precondition: `await loadFft()` (src/math/fft.ts) has resolved. Cost: 6 FFTs of the processing
 * box per band, plus 3 per band for half maps; twice that with `flattenOccupancy`.
 *
 * @param map the map (with half maps: their mean is used as the signal; `map` gives the box),
 *   `data` length nx*ny*nz, index (z*ny + y)*nx + x, density in arbitrary units; not modified
 * @param options see {@link DecomposeOptions}
 * @returns see {@link DecomposeResult}
 * @throws TypeError for a malformed volume; RangeError for out-of-range options, half maps or a
 *   mask that do not match the map's box, an empty mask, bands that do not fit below Nyquist;
 *   `options.signal.reason` when aborted
 * @see shared/spec/occupancy-decomposition.md
 */
export function decompose(map: Volume, options: DecomposeOptions = {}): DecomposeResult {
  assertVolume(map);
  checkOptions(options);
  const nMap = map.data.length;
  if (options.mask && options.mask.length !== nMap) throw new RangeError(`mask has ${options.mask.length} voxels, the map ${nMap} (box ${map.shape.join('x')})`);
  if (options.halfMaps) {
    assertSameHalfMapGrid(options.halfMaps[0], options.halfMaps[1]);
    assertSameHalfMapGrid(map, options.halfMaps[0]);
  }
  // a box padded with zeros (a box resize): the zeros are neither solvent nor noise, and a
  // solvent noise model, a noise limit and a molecule threshold taken over them fail (synth_flex128
  // padded from 128 to 160 voxels read every domain at 0.94–1.00); analyse the data's box and put
  // the maps back into the padded box
  const content = options.halfMaps ? nonZeroContentBox(map, ...options.halfMaps) : nonZeroContentBox(map);
  if (!content) return decomposeBox(map, options);
  const a = map.voxelSizeA;
  const cut = (v: Volume): Volume => cutSubBox(v.data, map.shape, content, a);
  const halfMaps = options.halfMaps ? ([cut(options.halfMaps[0]), cut(options.halfMaps[1])] as const) : undefined;
  const mask = options.mask ? cutSubBox(options.mask, map.shape, content, a).data : undefined;
  const r = decomposeBox(cut(map), { ...options, halfMaps, mask, halfMapsInterpolationTest: undefined });
  const inner = subBoxShape(content);
  const paste = (v: Volume): Volume => ({ data: pasteSubBox(v.data, map.shape, content), shape: map.shape, voxelSizeA: [a[0], a[1], a[2]] });
  const bLine = trilinearResize(r.bLineRelative, r.processingShape, inner);
  return {
    ...r,
    occupancy: paste(r.occupancy),
    bfactor: paste(r.bfactor),
    bandsUsed: paste(r.bandsUsed),
    molecule: Uint8Array.from(pasteSubBox(Float32Array.from(r.molecule), map.shape, content)),
    // on the map's box (the analysis grid of the data's box, resized to it and put back)
    bLineRelative: pasteSubBox(bLine, map.shape, content),
    processingShape: map.shape,
    processingVoxelSizeA: [a[0], a[1], a[2]],
    notes: [`the map is padded with zeros: analysed on the data's box (voxels ${content.lo.join(', ')} to ${content.hi.join(', ')}, ${inner.join('x')}) and put back into the ${map.shape.join('x')} box (0 outside)`, ...r.notes],
  };
}

/**
 * Share of the solvent that is 0 (to {@link MASKED_ZERO_FRACTION} of the map's largest value)
 * above which a one-map decomposition warns that the map is masked (raw maps: none; a map stored
 * as 8-bit integers rounds a fraction of its solvent to 0, but a usable one keeps most of its
 * noise).
 */
export const MASKED_SOLVENT_ZERO_SHARE = 0.5;

/**
 * What counts as 0 in a masked map's solvent, as a fraction of the map's largest |value|: a mask
 * smoothed by FFT leaves 10⁻⁸-level tails instead of exact zeros (synth_flex128 times such a mask
 * read 1.00 / 1.00 / 1.00 / 0.88 from one map with no warning), while a raw map's solvent noise is
 * 10⁻² of the largest value and more, and an 8-bit map's smallest step 1/127.
 */
export const MASKED_ZERO_FRACTION = 1e-6;

/** The warning of a one-map decomposition of a masked map. */
export function maskedMapWarning(zeroFraction: number): string {
  return `the map is masked (${(100 * zeroFraction).toFixed(0)} % of its solvent is 0): a one-map decomposition takes its noise from the solvent, so here it sees little or none; every band counts as signal up to the noise limit, and occupancy and B are unreliable (synth_flex128 masked: its fully occupied flexible domain read 0.82): give the unmasked map, or --half-maps`;
}

/**
 * Fraction of the solvent analysis voxels whose nearest voxel of `map` is 0, to
 * {@link MASKED_ZERO_FRACTION} of the largest |value| of the map's voxels nearest to any analysis voxel.
 */
function solventZeroFraction(map: Volume, solvent: Uint8Array, aShape: Shape3): number {
  const [nx, ny, nz] = map.shape;
  const [ax, ay, az] = aShape;
  const near = (i: number, n: number, an: number) => Math.min(n - 1, Math.floor(((i + 0.5) * n) / an));
  const value = (x: number, y: number, z: number) => map.data[(near(z, nz, az) * ny + near(y, ny, ay)) * nx + near(x, nx, ax)];
  let largest = 0;
  for (let z = 0; z < az; z++) for (let y = 0; y < ay; y++) for (let x = 0; x < ax; x++) largest = Math.max(largest, Math.abs(value(x, y, z)));
  const zero = MASKED_ZERO_FRACTION * largest;
  let zeros = 0;
  let count = 0;
  for (let z = 0; z < az; z++) {
    for (let y = 0; y < ay; y++) {
      for (let x = 0; x < ax; x++) {
        if (!solvent[(z * ay + y) * ax + x]) continue;
        count++;
        if (Math.abs(value(x, y, z)) <= zero) zeros++;
      }
    }
  }
  return count > 0 ? zeros / count : 0;
}

/**
 * The mean of `data` over the selected voxels (the solvent), 0 when none is selected: the level
 * taken off a map before it is multiplied by a factor that varies in space.
 * @param data values on the analysis grid, x fastest
 * @param selected 1 where a voxel counts, same length
 */
function solventLevel(data: Float32Array, selected: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    if (selected[i]) {
      sum += data[i];
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/**
 * Where an interpolated map's content ends: a map (or half maps) upsampled in real space onto a
 * finer grid holds beyond the old grid's Nyquist only the interpolation's images of coarser shells
 * (`interpolatedContent`: the real-space upsampling test on the map, or on the half maps' average,
 * guarded against low-passed maps).
 * Precondition: `await loadFft()` has resolved.
 * @param map the map; not modified
 * @param halfMaps the half maps, when given (then they are read, not the map); not modified
 * @param tested with `halfMaps`: their `interpolationTest` when already run on them; run here when absent
 * @returns the old grid's Nyquist, Å (`2 · max_i(a_i · n_i / K_i)`), and the old box K, or
 *   undefined when the map is not interpolated
 */
export function contentLimitOf(map: Volume, halfMaps?: readonly [Volume, Volume], tested?: InterpolationTest): { limitA: number; fromBox: Shape3 } | undefined {
  // one map: the same test on the map itself, with the same guard (a map whose shells at Nyquist
  // hold only round-off was low-passed, and the coherence of its round-off is no image)
  return halfMaps ? (tested ?? interpolationTest(halfMaps[0], halfMaps[1])).interpolated : interpolatedContent(map, map);
}

/** {@link decompose} on a box without zero padding (options checked). */
function decomposeBox(map: Volume, options: DecomposeOptions): DecomposeResult {
  const progress = options.onProgress ?? (() => {});
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - t) / 1000;
    t = now;
  };
  const notes: string[] = [];
  const warnings: string[] = [];
  // ---- processing box (Fourier crop of very large boxes)
  const maxBox = options.maxBox ?? 256;
  const procShape = decomposeProcessingShape(map.shape, maxBox) as Shape3;
  const crop = (v: Volume): Volume => (procShape === map.shape ? v : fourierResample(v, procShape));
  // a given lowestResolutionA against the processing box's Nyquist limit, from the header and the
  // options alone: refused before any work or progress line (it had been thrown after the molecule
  // and the noise limit were computed, so the refused option came after progress lines); the
  // default's check stays below, after the molecule's
  refuseLowestBandNearNyquist(map.shape, map.voxelSizeA, options.lowestResolutionA, maxBox);
  // with half maps: each cropped once, and their mean (the signal) and half difference (the
  // noise) formed on the processing box (the crop is linear; at 512³ two whole-box arrays and two
  // crops fewer)
  const h1 = options.halfMaps ? crop(options.halfMaps[0]) : undefined;
  const h2 = options.halfMaps ? crop(options.halfMaps[1]) : undefined;
  const sig: Volume = h1 && h2 ? { data: halfMapMean(h1.data, h2.data), shape: h1.shape, voxelSizeA: h1.voxelSizeA } : crop(map);
  const shape = sig.shape;
  const voxel: Vec3 = [sig.voxelSizeA[0], sig.voxelSizeA[1], sig.voxelSizeA[2]];
  if (procShape !== map.shape) notes.push(`Fourier-cropped from ${map.shape.join('x')} to ${shape.join('x')} (voxel ${voxel.map((a) => a.toFixed(3)).join(', ')} Å) for the analysis (maxBox ${maxBox})`);
  const noiseMap: Volume | undefined = h1 && h2 ? { data: halfMapHalfDifference(h1.data, h2.data), shape: h1.shape, voxelSizeA: h1.voxelSizeA } : undefined;
  // noise has no mean: halves whose levels differ (each processed with its own offset) leave a
  // constant in their half difference, which the molecule's noise threshold (a robust SD about 0)
  // and the flattened pass would read as noise. Taken over the whole box because the solvent is
  // not known yet (the molecule threshold below is what finds it); the flattened pass takes the
  // noise's solvent level off again (see there): the two are different means, both needed
  if (noiseMap) {
    let mean = 0;
    for (const v of noiseMap.data) mean += v;
    mean /= noiseMap.data.length;
    for (let i = 0; i < noiseMap.data.length; i++) noiseMap.data[i] -= mean;
  }
  // (let: released before the flattened pass)
  let specSig: Float32Array | undefined = rfft3d(sig.data, shape);
  let specNoise = noiseMap ? rfft3d(noiseMap.data, shape) : undefined;
  // ---- analysis grid: windowed energies are smooth (sigma >= minWindowA), so a voxel of
  // minWindowA/2 represents them; never finer than the map
  const minWindowA = options.minWindowA ?? 5;
  const aShape = gridFor(shape, voxel, 1 / minWindowA) as Shape3;
  const aVoxel: Vec3 = [0, 1, 2].map((i) => (shape[i] * voxel[i]) / aShape[i]) as Vec3;
  const nA = aShape[0] * aShape[1] * aShape[2];
  const onA = aShape.every((v, i) => v === shape[i]);
  const sigA: Volume = { data: onA ? sig.data : irfft3d(resizeHalfSpectrum(specSig, shape, aShape), aShape), shape: aShape, voxelSizeA: aVoxel };
  // the mask is 'molecule where > 0.5': binarised on its own grid before it is interpolated to
  // the analysis grid, so 0/1, 0/255 and soft masks select alike (interpolating the values
  // first made a 0/255 mask's edge voxels read far above 0.5: 51434 molecule voxels against
  // 44208 from the same mask as 0/1, occupancy up to 0.12 apart); a 0/1 mask is used as it is
  const maskA = options.mask ? trilinearResize(binaryMask(options.mask), map.shape, aShape) : undefined;
  lap('prepare');
  progress('molecule', 0.02);
  // half maps: their noise sets the molecule threshold where the map's own solvent statistics
  // collapse (masked half maps)
  const noiseA: Volume | undefined = noiseMap && specNoise ? { data: onA ? noiseMap.data : irfft3d(resizeHalfSpectrum(specNoise, shape, aShape), aShape), shape: aShape, voxelSizeA: aVoxel } : undefined;
  const { molecule, solvent, spreadFromNoise } = moleculeAndSolvent(sigA, maskA, { noise: noiseA });
  if (spreadFromNoise) notes.push('the half maps look masked (the mean map\'s robust SD is below half of the half-map noise\'s): the molecule is the smoothed mean map above 3 robust SDs of the noise (half1 − half2)/2 where it is not masked away');
  let solventCount = 0;
  for (let i = 0; i < nA; i++) solventCount += solvent[i];
  if (!noiseMap && solventCount < 200) throw new RangeError(`too little solvent for a one-map noise estimate (${solventCount} analysis voxels far from the molecule): give half maps, or a box with more solvent`);
  if (!noiseMap) {
    const zero = solventZeroFraction(map, solvent, aShape);
    // a masked map: no solvent noise to model, every band reads as signal (synth_flex128 times a
    // soft mask read its flexible domain at 0.82 and every B within 30 Å² of the others); said,
    // not refused (masked EMDB maps still give a rough picture)
    if (zero > MASKED_SOLVENT_ZERO_SHARE) warnings.push(maskedMapWarning(zero));
  }
  // ---- band layout
  const nyquistA = 2 * Math.max(...voxel);
  const softOnMap = (sel: Uint8Array) => trilinearResize(gaussianSmooth(Float32Array.from(sel), aShape, aVoxel, 3), aShape, shape);
  let noiseLimit: NoiseLimit;
  if (options.highestResolutionA !== undefined) noiseLimit = { resolutionA: options.highestResolutionA, source: 'option', crossed: true };
  else if (h1 && h2) noiseLimit = halfMapLimit(h1, h2, softOnMap(molecule));
  else noiseLimit = singleMapLimit(sig, softOnMap(molecule), softOnMap(solvent));
  const lowA = options.lowestResolutionA ?? 30;
  const K = options.bands ?? 6;
  // band usability by the signal spectrum: beyond the end of the signal map's spectrum (signal and
  // noise low-passed, as in post-processed or synthetic maps) a band holds no signal energy (zero
  // up to rounding), whatever a soft-masked FSC reads (the mask's leakage of coarser shells can
  // hold it above 0.143 well past the low-pass, up to Nyquist). When the noise limit is finer
  // than that end, the finest band is put at the end: a band straddling it holds a sliver of
  // signal, its reference amplitude falls steeply and reads as a large B (synth_flex128's half
  // maps sharpened by B = −100 Å² read every domain's B about 90 Å² higher instead of 100 lower:
  // the sharpened leakage held the FSC up to 3.5 Å against the data's 4 Å)
  // (through a window when the box itself shows no end: a box cut after the low-pass leaks into every shell)
  const endPlain = spectrumEnd(specSig, shape, voxel, lowA);
  const endA = endPlain ?? spectrumEndThroughWindow(sig, lowA);
  const endSeen = endPlain === null ? ' through a Hann window over the box, which takes away the leak of a box cut after a low-pass' : '';
  // the finest band given (--highest-resolution) beyond that end: said, and the local B is fitted
  // on the map as given (flattening spreads a region's density into the empty bands: a 0.5 region
  // of a noise-light 5–8 Å phantom with bands forced to 0.8 × its resolution read B 49–328 Å² below
  // its neighbours flattened, 9–81 Å² as given; docs/decomposition.md "The B of partly occupied domains")
  const forcedBeyondEnd = options.highestResolutionA !== undefined && endA !== null && endA < lowA / 1.5 && options.highestResolutionA < 0.95 * endA;
  if (forcedBeyondEnd) warnings.push(`--highest-resolution ${options.highestResolutionA} Å is finer than where the map's spectrum ends (${(endA as number).toFixed(2)} Å): the bands beyond hold no signal, and the local B there reads what the window leaks into them; the B is fitted on the map as given (not divided by the occupancy)`);
  if (options.highestResolutionA === undefined && endA !== null && endA < lowA / 1.5 && endA > Math.max(noiseLimit.resolutionA, nyquistA * 1.1)) {
    notes.push(`the signal map's spectrum ends at ${endA.toFixed(2)} Å (shell power < 1e-6 of the coarser shells' maximum${endSeen}), coarser than the noise limit ${noiseLimit.resolutionA.toFixed(2)} Å (${noiseLimit.source}${noiseLimit.crossed ? '' : ', not met before Nyquist'}): beyond it the bands would hold no signal; finest band at ${endA.toFixed(2)} Å`);
    noiseLimit = { resolutionA: endA, source: 'end of the signal spectrum', crossed: true };
  }
  // maps interpolated onto a finer grid in real space (ChimeraX `volume resample`, scipy `zoom`):
  // beyond the old grid's Nyquist they hold only the interpolation's images of coarser shells, and
  // in half maps the images of correlated shells are correlated, so the soft-masked FSC stayed above
  // 0.143 to the new Nyquist (a 3 Å phantom in 1.5 Å voxels upsampled 1.5 × by cubic spline: finest
  // bands 2.70 and 2.20 Å, usable in 90–97 % of the molecule, every B 41 Å² higher than as given).
  // The old grid's Nyquist takes the place of the box's: the finest band no finer than 1.1 × it
  const content = contentLimitOf(map, options.halfMaps, options.halfMapsInterpolationTest);
  const gridNyquistA = content ? Math.max(nyquistA, content.limitA) : nyquistA;
  if (content) {
    const what = `${options.halfMaps ? 'the half maps were' : 'the map was'} interpolated onto a finer grid in real space (from a box of about ${content.fromBox.join('x')}): beyond the old grid's Nyquist, ${content.limitA.toFixed(2)} Å, ${options.halfMaps ? 'they hold' : 'it holds'} only the images of coarser shells`;
    if (options.highestResolutionA !== undefined && options.highestResolutionA < 1.1 * content.limitA) warnings.push(`${what}: --highest-resolution ${options.highestResolutionA} Å puts bands on those images`);
    else if (noiseLimit.resolutionA < 1.1 * content.limitA) {
      notes.push(`${what}; the noise limit ${noiseLimit.resolutionA.toFixed(2)} Å (${noiseLimit.source}${noiseLimit.crossed ? '' : ', not met before Nyquist'}) reads them: finest band at ${(1.1 * content.limitA).toFixed(2)} Å (1.1 × the old Nyquist)`);
      noiseLimit = { resolutionA: 1.1 * content.limitA, source: "the old grid's Nyquist (interpolated map)", crossed: true };
    } else notes.push(`${what}; no band reaches them`);
  }
  let hiA = Math.max(noiseLimit.resolutionA, gridNyquistA * 1.1);
  const boxA = Math.min(...shape.map((v, i) => v * voxel[i]));
  if (lowA > boxA / 2) warnings.push(`lowest band ${lowA} Å is more than half the box (${boxA.toFixed(0)} Å): its local energy is poorly defined`);
  if (hiA > lowA / 1.5) {
    // too close to Nyquist (a given lowestResolutionA was refused before any work)
    const tooFine = lowestBandError(lowA, gridNyquistA, options.lowestResolutionA !== undefined);
    if (tooFine) throw tooFine;
    warnings.push(`the map meets noise at ${hiA.toFixed(1)} Å, close to the lowest band (${lowA} Å): finest band set to ${(lowA / 1.5).toFixed(1)} Å`);
    hiA = lowA / 1.5;
  }
  if (hiA > COARSE_FINEST_BAND_A) warnings.push(coarseMapWarning(hiA));
  const widePerWavelength = options.wideWindowPerWavelength ?? DEFAULT_WIDE_WINDOW_PER_WAVELENGTH;
  const wideOn = widePerWavelength > 0;
  const minHalfWidth = options.minBandHalfWidthPerA ?? DEFAULT_MIN_HALF_WIDTH;
  const bands = decompositionBands(lowA, hiA, K, { minWindowA, windowPerWavelength: options.windowPerWavelength ?? 0.2, wideWindowPerWavelength: widePerWavelength, minHalfWidthPerA: minHalfWidth });
  lap('noise limit');
  // ---- band energies on the analysis grid
  // molecule fraction of each window: energies are per unit molecule volume, so a voxel at the
  // molecule's surface (half its window in solvent) is not read as half occupied
  const fraction = moleculeFraction(molecule, aShape, aVoxel);
  const scratch = new Float32Array(nA);
  // the windowed band energies of a signal spectrum and its noise: the half maps' half difference
  // (local), or the median over the solvent (one map), times the window's mean of `noiseGain`
  // where given (a map multiplied by a field f has its noise multiplied by f)
  const bandEnergies = (sSig: Float32Array, sNoise: Float32Array | undefined, noiseGain: Float32Array | undefined, from: number, span: number): { narrow: EnergySet; wide: EnergySet } => {
    const narrow: EnergySet = { signal: [], noise: [] };
    const wide: EnergySet = { signal: [], noise: [] };
    // the gain's window means, per window sigma (most bands share the smallest window)
    const smoothedGain = new Map<number, Float32Array>();
    for (let k = 0; k < K; k++) {
      options.signal?.throwIfAborted();
      progress('band energies', from + (span * k) / K);
      const sigmas = wideOn ? [bands[k].windowSigmaA, bands[k].wideWindowSigmaA] : [bands[k].windowSigmaA];
      const es = windowedBandEnergies(sSig, shape, voxel, bands[k], aShape, 'monogenic', sigmas);
      const nos = sNoise ? windowedBandEnergies(sNoise, shape, voxel, bands[k], aShape, 'noise', sigmas) : undefined;
      const out = [narrow, wide];
      sigmas.forEach((sigma, j) => {
        if (j > 0 && sigma === sigmas[0]) {
          out[j].signal.push(out[0].signal[k]);
          out[j].noise.push(out[0].noise[k]);
          return;
        }
        const e = es[j];
        let no: Float32Array;
        if (nos) no = nos[j];
        else {
          const level = selectedQuantile(e, solvent, 0.5, scratch);
          let g = noiseGain ? smoothedGain.get(sigma) : undefined;
          if (noiseGain && !g) smoothedGain.set(sigma, (g = gaussianSmooth(noiseGain, aShape, aVoxel, sigma)));
          no = g ? g.slice() : new Float32Array(nA).fill(1);
          for (let i = 0; i < nA; i++) no[i] *= level;
        }
        const f = fraction(sigma);
        // with half maps E − N is the band's signal energy in expectation, no factor on N: with h_j = s + n_j
        // and n_1, n_2 independent of equal power P in the band, the mean map (h1 + h2)/2 = s +
        // (n1 + n2)/2 carries noise of power (P + P)/4 = P/2, and the half difference (h1 − h2)/2 =
        // (n1 − n2)/2 the same (P + P)/4 = P/2; the cross term 2 s·n of E has mean 0. (With the
        // full difference h1 − h2 the factor would be 1/4.) Measured on pure-noise halves (64³,
        // 1 Å, four seeds): mean E/N 0.95–1.05 in the 4–10 Å bands, 0.73–1.16 at 20 Å (few modes).
        // The debiased energy is gated (snrMin) in the fit; keeping every band floored at a fraction
        // of N instead was measured and not adopted (docs/decomposition.md, session 53)
        for (let i = 0; i < nA; i++) {
          e[i] = (e[i] - no[i]) / f[i];
          no[i] /= f[i];
        }
        out[j].signal.push(e);
        out[j].noise.push(no);
      });
    }
    return { narrow, wide };
  };
  const flatten = (options.flattenOccupancy ?? true) && !forcedBeyondEnd;
  // (let: released before the flattened pass)
  let pass1: { narrow: EnergySet; wide: EnergySet } | undefined = bandEnergies(specSig, specNoise, undefined, 0.05, flatten ? 0.4 : 0.8);
  const signalE = pass1.narrow.signal;
  const noiseE = pass1.narrow.noise;
  lap('band energies');
  progress('fit', 0.86);
  const qRef = options.referenceQuantile ?? 0.9;
  const s2 = bands.map((b) => b.centrePerA * b.centrePerA);
  const snrMin = options.snrMin ?? 0.5;
  const convex = options.convexGuinier ?? true;
  const blendBA2 = options.blendBA2 ?? 100;
  const ramp = options.convexRampA2 ?? 25;
  const fitSettings: FitStageSettings = { qRef, s2, snrMin, convex, blendBA2, ramp };
  const gammaB = convex && flatten && hiA <= COARSE_FINEST_BAND_A;
  const stage = fitStage(pass1.narrow, wideOn ? pass1.wide : undefined, molecule, fitSettings, scratch);
  const { fit, reference } = stage;
  // normalise: the reference quantile of the intercept over the molecule is occupancy 1
  // (of the intercept smoothed over the molecule at the domain scale, so that voxel-level scatter
  // does not lift the reference above the typical value of the best region)
  const aRef = selectedQuantile(smoothOverMolecule(fit.intercept, molecule, fit.used, aShape, aVoxel, minWindowA), molecule, qRef, scratch);
  const occ = new Float32Array(nA);
  const smoothA = options.occupancySmoothA ?? 2 * minWindowA;
  const smoothRange = options.occupancySmoothRange ?? 1.5;
  const smoothPasses = options.occupancySmoothPasses ?? 2;
  let icpt = fit.intercept;
  // iterated bilateral filter: each pass takes its range from the scatter left by the previous one
  if (smoothA > 0) for (let p = 0; p < smoothPasses; p++) icpt = bilateralOverMolecule(icpt, molecule, fit.used, aShape, aVoxel, smoothA, smoothRange);
  for (let i = 0; i < nA; i++) {
    const o = fit.used[i] === 0 ? 0 : Math.exp(icpt[i] - aRef);
    occ[i] = o > 1 ? 1 : o;
  }
  // per-band summary (of the map as given)
  const summaries: BandSummary[] = bands.map((b, k) => {
    let usable = 0, mol = 0;
    for (let i = 0; i < nA; i++) {
      if (!molecule[i]) continue;
      mol++;
      const sg = signalE[k][i];
      if (sg > 0 && sg >= snrMin * noiseE[k][i]) usable++;
    }
    return {
      ...b,
      resolutionA: 1 / b.centrePerA,
      referenceAmplitude: Math.sqrt(reference[k]),
      noiseAmplitude: Math.sqrt(Math.max(0, selectedQuantile(noiseE[k], molecule, 0.5, scratch))),
      usableFraction: mol > 0 ? usable / mol : 0,
    };
  });
  let examples: GuinierExample[];
  // ---- local B from the map flattened by the occupancy: a partly occupied domain's finer bands
  // hold its full neighbours' leakage, which lifts them relative to its own coarse bands and reads
  // as a low B (partial − full rigid domain about −140 Å² at 5–6.5 Å); divided by the occupancy
  // just found, every domain is about as strong as its neighbours and the leakage is balanced
  let bStage = stage;
  if (flatten) {
    lap('fit');
    const o = new Float32Array(nA);
    for (let i = 0; i < nA; i++) o[i] = molecule[i] && fit.used[i] > 0 ? occ[i] : 1;
    const sm = gaussianSmooth(o, aShape, aVoxel, FLATTEN_SMOOTH_A);
    const gainA = new Float32Array(nA);
    const logFlat = new Float32Array(nA);
    for (let i = 0; i < nA; i++) {
      const v = Math.min(1, Math.max(FLATTEN_FLOOR, sm[i]));
      logFlat[i] = -Math.log(v);
      sm[i] = 1 / v;
      gainA[i] = sm[i] * sm[i];
    }
    const gain = onA ? sm : trilinearResize(sm, aShape, shape);
    // the solvent's level is taken off before the factor: a constant times a factor that varies
    // in space is structure in every band (synth_occres128 + 0.05 read its domains' B 48 / 76 /
    // 150 / 276 Å² against 49 / 55 / 278 / 270 as stored; the bands themselves hold no DC)
    //
    // The half difference had its whole-box mean taken off above; this is not the same mean, and
    // not redundant (session 55): the signal's level here is its mean over the solvent selection,
    // and the noise is treated alike (the same statistic over the same voxels, so the flattened
    // noise stays a like-for-like reference for the flattened signal's band energies). On
    // synth_occres128's half maps the whole-box mean was −7.5·10⁻⁶ and the noise's solvent mean
    // after it 7.3·10⁻⁶ (the signal's 4.1·10⁻⁵): dropping this second step changed the B map in
    // 364,279 voxels (up to 0.073 Å²) and the band count in 9, dropping the first changed the
    // occupancy (up to 2.4·10⁻⁷), B (up to 0.057 Å²) and the band count in 24 voxels, so neither
    // can go with the outputs bit-identical. The first is needed before the solvent is known (the
    // molecule threshold), this one on the solvent the molecule gives.
    const sigLevel = solventLevel(sigA.data, solvent);
    const noiseLevel = noiseA ? solventLevel(noiseA.data, solvent) : 0;
    // in place on the arrays made here (crops, the half maps' mean and difference: not used
    // again), on a copy of the caller's map
    const times = (d: Float32Array, level: number, ours: boolean) => {
      const out = ours ? d : new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) out[i] = (d[i] - level) * gain[i];
      return out;
    };
    // the first pass's spectra and energies are no longer needed (at 256³ about 230 MB)
    specSig = specNoise = pass1 = undefined;
    signalE.length = noiseE.length = 0;
    const flatSig = rfft3d(times(sig.data, sigLevel, sig.data !== map.data), shape);
    const flatNoise = noiseMap ? rfft3d(times(noiseMap.data, noiseLevel, true), shape) : undefined;
    const flat = bandEnergies(flatSig, flatNoise, noiseMap ? undefined : gainA, 0.45, 0.4);
    // fine maps: B from the Gamma mixture (the first pass, which gives the occupancy, keeps the quadratic)
    bStage = fitStage(flat.narrow, wideOn ? flat.wide : undefined, molecule, gammaB ? { ...fitSettings, gammaThetasA2: GAMMA_THETAS_A2 } : fitSettings, scratch);
    lap('flattened band energies');
    // the example fits from the flattened bands (the B map's), shifted back by each region's mean
    // flattening factor, normalised as the first pass (the flattened reference region is at 0)
    const aRefFlat = selectedQuantile(smoothOverMolecule(bStage.fit.intercept, molecule, bStage.fit.used, aShape, aVoxel, minWindowA), molecule, qRef, scratch);
    examples = guinierExamples(flat.narrow.signal, flat.narrow.noise, bStage.reference, snrMin, bStage.fit.intercept, bStage.fit.bRelative, bStage.fit.used, occ, molecule, aRefFlat, logFlat);
  } else examples = guinierExamples(signalE, noiseE, reference, snrMin, fit.intercept, fit.bRelative, fit.used, occ, molecule, aRef);
  const bFit = bStage.fit;
  // the molecule's median B the wide-window blend was keyed to (of the B fit), for the log
  const bMedian = bStage.bMedian;
  const globalBA = referenceGuinierB(bStage.reference, s2);
  const bfac = new Float32Array(nA);
  for (let i = 0; i < nA; i++) bfac[i] = bFit.used[i] >= 2 ? bFit.bRelative[i] + globalBA : 0;
  lap('fit');
  progress('resample', 0.95);
  const back = (d: Float32Array, target?: Float32Array) => trilinearResize(d, aShape, map.shape, target);
  const occOut = back(occ);
  const usedOut = back(Float32Array.from(bFit.used));
  for (let i = 0; i < usedOut.length; i++) usedOut[i] = Math.min(K, Math.max(0, Math.round(usedOut[i])));
  // the interpolated molecule, thresholded, then the same whole-box buffer for the B map
  // (one whole-box float array fewer at the peak: at 512³ 0.54 GB)
  const wholeBox = back(Float32Array.from(molecule));
  const moleculeOut = new Uint8Array(wholeBox.length);
  for (let i = 0; i < wholeBox.length; i++) moleculeOut[i] = wholeBox[i] > 0.5 ? 1 : 0;
  const bfacOut = back(bfac, wholeBox);
  const geometry = { shape: map.shape, voxelSizeA: [...map.voxelSizeA] as Vec3 };
  notes.push(
    `bands: ${K} raised-cosine shells, centres ${bands.map((b) => (1 / b.centrePerA).toFixed(1)).join(', ')} Å, half-widths ${bands.map((b) => b.halfWidthPerA.toFixed(3)).join(', ')} 1/Å (the centre spacing, or ${minHalfWidth} where wider, at most the centre); Gaussian windows sigma ${bands.map((b) => b.windowSigmaA.toFixed(1)).join(', ')} Å${wideOn ? ` (wide: ${bands.map((b) => b.wideWindowSigmaA.toFixed(1)).join(', ')} Å, blended in where the relative B exceeds the molecule's median relative B, ${bMedian.toFixed(0)} Å² (${(bMedian + globalBA).toFixed(0)} Å² on the B map's scale), by 0–${blendBA2} Å²)` : ''}; energies on a ${aShape.join('x')} analysis grid (${aVoxel.map((a) => a.toFixed(2)).join(', ')} Å), maps interpolated back`,
    `finest band from: ${noiseLimit.source === 'option' ? 'the --highest-resolution option' : noiseLimit.source}${noiseLimit.crossed ? '' : ' (criterion not met before Nyquist)'}, ${noiseLimit.resolutionA.toFixed(2)} Å`,
    `noise: ${noiseMap ? 'windowed energy of (half1 − half2)/2, per voxel' : 'median windowed energy over the solvent, per band'}; a band is usable where signal energy >= ${snrMin} × noise energy`,
    `local B: ${flatten ? `fitted on the map${noiseMap ? ' and half maps' : ''} divided by the occupancy (smoothed ${FLATTEN_SMOOTH_A} Å, at least ${FLATTEN_FLOOR}; ${noiseMap ? 'the half maps\' noise scaled alike' : 'the solvent noise scaled by the window mean of the factor squared'}), so that a partly occupied domain's bands hold no more of its neighbours' leakage than a full one's; ` : ''}${convex ? `initial slope of the convex (c >= 0) ${gammaB ? `Gamma mixture of Debye–Waller terms (θ ${GAMMA_THETAS_A2[0]}–${GAMMA_THETAS_A2[GAMMA_THETAS_A2.length - 1]} Å²; the finest band is at or finer than ${COARSE_FINEST_BAND_A} Å)` : 'quadratic in s²'} where >= 4 bands are usable${ramp > 0 ? ` and the line's B exceeds the molecule's median (blended in over ${ramp} Å²)` : ''}, else the line` : 'slope of the line'}; occupancy from the line's intercept`,
    `reference: quantile ${qRef} over the molecule of each band's signal energy; occupancy normalised so that the same quantile of the intercept smoothed over the molecule (Gaussian ${minWindowA.toFixed(1)} Å) is 1; ${smoothA > 0 ? `occupancy from the intercept smoothed edge-preservingly over the molecule (bilateral, sigma ${smoothA.toFixed(1)} Å, range ${smoothRange} × its robust voxel scatter, ${smoothPasses} pass${smoothPasses > 1 ? 'es, each with the scatter left by the one before' : ''})` : 'occupancy from the unsmoothed intercept'}`,
  );
  const lowUse = summaries.filter((b) => b.usableFraction < 0.5).map((b) => `${b.resolutionA.toFixed(1)} Å`);
  if (lowUse.length > 0) notes.push(`bands usable in fewer than half of the molecule: ${lowUse.join(', ')}`);
  if (summaries.filter((b) => b.usableFraction >= 0.5).length < 3) warnings.push('fewer than three bands are usable over most of the molecule: the local B-factor is poorly determined');
  lap('resample');
  return {
    occupancy: { data: occOut, ...geometry },
    bfactor: { data: bfacOut, ...geometry },
    bandsUsed: { data: usedOut, ...geometry },
    bLineRelative: fittedOnly(bFit.bLine ?? bFit.bRelative, bFit.used),
    molecule: moleculeOut,
    bands: summaries,
    noiseLimit,
    ...(content ? { contentLimit: { limitA: content.limitA, cause: 'interpolated' as const, fromBox: content.fromBox } } : {}),
    noiseModel: noiseMap ? 'half-map difference (local)' : 'solvent (one map, per band)',
    globalBA,
    processingShape: aShape,
    processingVoxelSizeA: aVoxel,
    examples,
    notes,
    warnings,
    timingsS: timings,
  };
}

/** `values[i]` where two or more bands were usable, else 0 (a loop: `Float32Array.from` with a mapping function is ~15× slower). */
function fittedOnly(values: Float32Array, used: Uint8Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = used[i] >= 2 ? values[i] : 0;
  return out;
}

/** Mean Guinier data of three regions: reference (high occupancy, low B), low occupancy, high B. */
function guinierExamples(
  signalE: Float32Array[], noiseE: Float32Array[], reference: number[], snrMin: number,
  intercept: Float32Array, bRel: Float32Array, used: Uint8Array, occ: Float32Array, molecule: Uint8Array, aRef: number,
  logShift?: Float32Array,
): GuinierExample[] {
  const n = occ.length;
  const scratch = new Float32Array(n);
  const fitted = new Uint8Array(n);
  for (let i = 0; i < n; i++) fitted[i] = molecule[i] && used[i] >= 2 ? 1 : 0;
  let count = 0;
  for (let i = 0; i < n; i++) count += fitted[i];
  if (count < 30) return [];
  // best: the better-ordered half of the fully occupied voxels (a quartile of B over the whole
  // molecule could leave a handful: on a 5.8 Å phantom one voxel)
  const full = new Uint8Array(n);
  let nFull = 0;
  for (let i = 0; i < n; i++) nFull += full[i] = fitted[i] && occ[i] >= 0.95 ? 1 : 0;
  const bLo = nFull > 0 ? selectedQuantile(bRel, full, 0.5, scratch) : -Infinity;
  const bHi = selectedQuantile(bRel, fitted, 0.9, scratch);
  const oLo = selectedQuantile(occ, fitted, 0.1, scratch);
  const regions: [GuinierExample['name'], (i: number) => boolean][] = [
    ['best (reference)', (i) => occ[i] >= 0.95 && bRel[i] <= bLo],
    ['low occupancy', (i) => occ[i] <= oLo && bRel[i] < bHi],
    ['high B', (i) => bRel[i] >= bHi],
  ];
  const out: GuinierExample[] = [];
  for (const [name, pick] of regions) {
    const sel = new Uint8Array(n);
    let c = 0;
    for (let i = 0; i < n; i++) if (fitted[i] && pick(i)) {
      sel[i] = 1;
      c++;
    }
    if (c === 0) continue;
    // the region's mean log factor by which its energies were raised (the flattened pass)
    let shift = 0;
    if (logShift) {
      for (let i = 0; i < n; i++) if (sel[i]) shift += logShift[i];
      shift /= c;
    }
    const logRatio = signalE.map((e, k) => {
      let s = 0, m = 0;
      for (let i = 0; i < n; i++) {
        if (!sel[i]) continue;
        const v = e[i];
        if (v > 0 && v >= snrMin * noiseE[k][i]) {
          s += 0.5 * Math.log(v / reference[k]);
          m++;
        }
      }
      return m > 0 ? s / m - aRef - shift : Number.NaN;
    });
    out.push({
      name, voxels: c, logRatio,
      intercept: selectedQuantile(intercept, sel, 0.5, scratch) - aRef - shift,
      bRelativeA2: selectedQuantile(bRel, sel, 0.5, scratch),
      occupancy: selectedQuantile(occ, sel, 0.5, scratch),
    });
  }
  return out;
}
