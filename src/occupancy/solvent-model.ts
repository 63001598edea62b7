/**
 * The solvent model: a Gaussian fitted to the histogram of the solvent region.
 * @see shared/spec/occupy-algorithm.md §5
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import type { Shape3 } from '../core/volume.js';
import { densityHistogram, type DensityHistogram, type RowRuns } from '../math/histogram.js';
import { inscribedEllipsoidMask, inscribedEllipsoidRows } from '../math/inscribed-ellipsoid.js';

/** Gaussian `g(x) = c·exp(-(x-mu)²/(2 sigma²))` in density units of the map. */
export interface GaussianModel {
  /** Peak height (histogram density). */
  c: number;
  /** Centre: the solvent peak, in map density units. */
  mu: number;
  /** Width, in map density units. */
  sigma: number;
}

/** Evaluate a Gaussian model at `x`. */
export function gaussian(model: GaussianModel, x: number): number {
  const d = (x - model.mu) / model.sigma;
  return model.c * Math.exp(-0.5 * d * d);
}

/** Result of the solvent fit, with the limits reported in the log. */
export interface SolventModel {
  model: GaussianModel;
  /** Initial guess the fit started from. */
  initial: GaussianModel;
  /** The histogram of the solvent region (1000 bins). */
  histogram: DensityHistogram;
  /** Upper edge of the highest bin, walking down, whose content fraction is <= 1 % ("content at 1 % of solvent"). */
  contentAt1PctOfSolvent: number;
  /** Lower edge of the first bin, walking down from the top, where the model is >= 1e-9 (tol³). */
  solventEdge: number;
  /** Which region was used: the inscribed ellipsoid, or the `--solvent-def` mask or its complement. */
  region: 'sphere' | 'solvent-def' | 'solvent-def-complement';
}

/** Variance of `data` over the voxels where `sel` is 1 (float64). */
function maskedVariance(data: Float32Array, sel: Uint8Array): number {
  let n = 0;
  let s = 0;
  let ss = 0;
  for (let i = 0; i < data.length; i++) {
    if (!sel[i]) continue;
    const v = data[i];
    s += v;
    ss += v * v;
    n++;
  }
  if (n < 2) return Infinity;
  const m = s / n;
  return ss / n - m * m;
}

/** A solvent definition marks its region with values above this (spec §5.1: binarised at 0.9). */
export const SOLVENT_DEF_INSIDE = 0.9;

function splitProblem(nIn: number, nOut: number): string | undefined {
  // a definition that does not split the sphere (no value > 0.9 in it, or all) is the sphere itself:
  // it would have been used silently as if no solvent definition had been given
  if (nIn >= 2 && nOut >= 2) return undefined;
  return `selects no usable region inside the solvent sphere: ${nIn < 2 ? 'no' : 'every'} voxel of the inscribed sphere has a value > ${SOLVENT_DEF_INSIDE} (a solvent definition marks the solvent, or the molecule, with values > ${SOLVENT_DEF_INSIDE} and the rest below)`;
}

/**
 * Whether a solvent definition can define the solvent region (spec §5.1): it must split the box's
 * inscribed sphere (ellipsoid) into voxels above {@link SOLVENT_DEF_INSIDE} and the rest, at least
 * two of each. Checked at the boundary, before the low-pass, by the CLI's estimate and the library's
 * `estimateLocalScale` / `modifyMap`; walks the ellipsoid's rows, no box-sized allocation.
 * @param solventDef definition map, length nx·ny·nz, x fastest
 * @param shape its box [nx, ny, nz] (the input map's)
 * @returns what is wrong (to follow the option's name, e.g. "selects no usable region …"), or undefined
 */
export function solventDefinitionProblem(solventDef: Float32Array, shape: Shape3): string | undefined {
  const runs = inscribedEllipsoidRows(shape);
  const nx = shape[0];
  let nIn = 0;
  let nOut = 0;
  for (let r = 0; r < runs.length / 2; r++) {
    const start = runs[2 * r];
    const end = runs[2 * r + 1];
    const row = r * nx;
    for (let x = start; x < end; x++) {
      if (solventDef[row + x] > SOLVENT_DEF_INSIDE) nIn++;
      else nOut++;
    }
  }
  return splitProblem(nIn, nOut);
}

/**
 * Choose the solvent region (spec §5.1): the inscribed sphere/ellipsoid, or, with a solvent
 * definition map, whichever of `def > 0.9` and its complement (both restricted to the sphere) has the
 * smaller variance of `solventInput`.
 *
 * @param solventInput low-passed map, length nx*ny*nz
 * @param shape box
 * @param solventDef optional solvent definition on the same box (same layout)
 * @returns the region as a mask (length nx*ny*nz, 1 = in the region) with a solvent definition,
 *   or as one run of voxels per X row (the ellipsoid) without one
 * @throws RangeError when the solvent definition does not split the sphere (no voxel of it, or
 *   every one, has a value > 0.9)
 */
export function solventRegion(solventInput: Float32Array, shape: Shape3, solventDef?: Float32Array): { mask: Uint8Array | RowRuns; region: SolventModel['region'] } {
  if (!solventDef) return { mask: { rowLength: shape[0], runs: inscribedEllipsoidRows(shape) }, region: 'sphere' };
  const sphere = inscribedEllipsoidMask(shape);
  const inside = new Uint8Array(sphere.length);
  const outside = new Uint8Array(sphere.length);
  let nIn = 0;
  let nOut = 0;
  for (let i = 0; i < sphere.length; i++) {
    if (!sphere[i]) continue;
    if (solventDef[i] > SOLVENT_DEF_INSIDE) { inside[i] = 1; nIn++; } else { outside[i] = 1; nOut++; }
  }
  // checked before any work by solventDefinitionProblem on the input's box; again here on the
  // processing box, which a Fourier crop may change
  const problem = splitProblem(nIn, nOut);
  if (problem) throw new RangeError(`--solvent-def ${problem}`);
  const vIn = nIn >= 2 ? maskedVariance(solventInput, inside) : Infinity;
  const vOut = nOut >= 2 ? maskedVariance(solventInput, outside) : Infinity;
  return vIn <= vOut ? { mask: inside, region: 'solvent-def' } : { mask: outside, region: 'solvent-def-complement' };
}

/**
 * Initial guess of spec §5.3: peak bin p; mu0 = its left edge; c0 = its height; sigma0 = (first
 * bin right of p whose height is below c0/e, minus p) × bin width.
 */
export function initialGuess(h: DensityHistogram): GaussianModel {
  const d = h.density;
  let p = 0;
  for (let i = 1; i < d.length; i++) if (d[i] > d[p]) p = i;
  const c0 = d[p];
  let q = p + 1;
  while (q < d.length && d[q] >= c0 / Math.E) q++;
  const sigma0 = Math.max(1, q - p) * h.width;
  return { c: c0, mu: h.lo + p * h.width, sigma: sigma0 };
}

/**
 * Fit the Gaussian to the histogram heights by Levenberg–Marquardt (least squares), starting
 * from the initial guess. Heights are evaluated at `x = linspace(lo, hi, nBins)` as the original
 * does. The fit runs in coordinates normalised by the initial guess so that maps of any density
 * scale (1e-5 or 1e3) converge the same way; the least-squares minimum is unchanged by that.
 *
 * @throws Error when the fit fails or puts the solvent outside the data range
 */
export function fitGaussian(h: DensityHistogram, initial: GaussianModel): GaussianModel {
  const n = h.density.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const step = (h.hi - h.lo) / (n - 1);
  for (let i = 0; i < n; i++) {
    xs[i] = (h.lo + i * step - initial.mu) / initial.sigma;
    ys[i] = h.density[i] / initial.c;
  }
  const model = ([c, m, s]: number[]) => (x: number) => c * Math.exp(-0.5 * ((x - m) / s) ** 2);
  const jacobian = ([c, m, s]: number[]) => (x: number) => {
    const u = (x - m) / s;
    const e = Math.exp(-0.5 * u * u);
    return [e, (c * e * u) / s, (c * e * u * u) / s];
  };
  const fit = levenbergMarquardt({ x: xs, y: ys }, model, {
    initialValues: [1, 0, 1],
    jacobianFunction: jacobian,
    maxIterations: 200,
    errorTolerance: 1e-12,
    damping: 1e-3,
    minValues: [1e-12, -1e6, 1e-6],
    maxValues: [1e6, 1e6, 1e6],
  });
  const [c, m, s] = fit.parameterValues;
  const result: GaussianModel = { c: c * initial.c, mu: m * initial.sigma + initial.mu, sigma: Math.abs(s) * initial.sigma };
  if (!Number.isFinite(result.c) || !Number.isFinite(result.mu) || !Number.isFinite(result.sigma)) {
    throw new Error('the solvent model fit failed (non-finite parameters); try --solvent-def or a coarser --lowpass');
  }
  if (result.mu < h.lo || result.mu > h.hi) {
    throw new Error(`the solvent model peak (${result.mu.toPrecision(4)}) lies outside the data range [${h.lo.toPrecision(4)}, ${h.hi.toPrecision(4)}]; try --solvent-def or a coarser --lowpass`);
  }
  return result;
}

/**
 * Fit the solvent model of spec §5 to `solventInput` (the low-passed map) inside the solvent region.
 *
 * @param solventInput low-passed map, length nx*ny*nz, index (z*ny+y)*nx+x
 * @param shape box [nx, ny, nz]
 * @param solventDef optional solvent definition map on the same box
 * @throws RangeError when the region has no contrast; Error when the fit fails
 */
export function fitSolventModel(solventInput: Float32Array, shape: Shape3, solventDef?: Float32Array): SolventModel {
  const { mask, region } = solventRegion(solventInput, shape, solventDef);
  const histogram = densityHistogram(solventInput, 1000, mask);
  const initial = initialGuess(histogram);
  const model = fitGaussian(histogram, initial);
  const { contentAt1PctOfSolvent, solventEdge } = solventLimits(histogram, model);
  return { model, initial, histogram, contentAt1PctOfSolvent, solventEdge, region };
}

/**
 * The unit of the histogram heights in which the original's absolute constants are read: the
 * confidence's `+ 0.01` (spec §7.2) and the solvent limits' `tol = 0.001` (§5.5) are heights of a
 * density histogram, whose heights scale as 1 / the map's density unit. So the same map stored ×1000
 * (or as int16 counts) had read every voxel as confident (its solvent peak height c fell to 0.05,
 * and 0.01 was a fifth of it), and ×10 moved EMD-5168's confidence limit from 0.139 to 0.083.
 * The constants are therefore multiplied by `min(1, c / 10)`: unchanged wherever the solvent peak
 * is at least 10 per density unit (most maps at their own scale: the shared EMDB maps EMD-1439,
 * 1883, 5625 and the β-galactosidase map, synth_occ128), and in proportion to c below, where they
 * stay at 0.1 % of the peak (0.01 / c ≤ 0.001: there the confidence limit of synth_occ128, EMD-1832
 * and EMD-1997 is within 0.003 of its value for a vanishing constant). EMD-5168 (c 0.19), 5170,
 * 1832 and 1997 (c 4.5–9) read slightly otherwise than in the original (confidence r with it ≥ 0.98).
 * @param model the solvent model (c in histogram density, 1 / density unit)
 * @returns the factor in (0, 1]
 */
export function histogramHeightUnit(model: GaussianModel): number {
  return Math.min(1, model.c / 10);
}

/**
 * Limits of spec §5.5 with tol = 0.001 × {@link histogramHeightUnit}: the solvent edge (lower edge
 * of the first bin, from the top, where the model >= tol³ / unit², i.e. 1e-9 × unit) and the
 * content at 1 % of solvent (upper edge of the first bin, from the top, whose content fraction
 * `(h + tol - fit)/(h + tol)` is <= 0.01, `fit` clipped below at 1e-6 × unit).
 */
export function solventLimits(h: DensityHistogram, model: GaussianModel): { contentAt1PctOfSolvent: number; solventEdge: number } {
  const unit = histogramHeightUnit(model);
  const tol = 0.001 * unit;
  const n = h.density.length;
  let solventEdge = h.lo;
  for (let i = n - 1; i >= 0; i--) {
    const x = h.lo + i * h.width;
    if (gaussian(model, x) >= 1e-9 * unit) {
      solventEdge = x;
      break;
    }
  }
  let contentAt1PctOfSolvent = h.lo;
  for (let i = n - 1; i >= 0; i--) {
    const x = h.lo + i * h.width;
    const fit = Math.max(1e-6 * unit, gaussian(model, x));
    const frac = (h.density[i] + tol - fit) / (h.density[i] + tol);
    if (frac <= 0.01) {
      contentAt1PctOfSolvent = x + h.width;
      break;
    }
  }
  return { contentAt1PctOfSolvent, solventEdge };
}

/** What {@link solventModelSelfCheck} measured. */
export interface SolventModelCheck {
  /** Width of the histogram around its peak as a Gaussian sigma (density units), the peak bin and its neighbours bridged. */
  histogramSigma: number;
  /** Fitted sigma over {@link histogramSigma}. */
  widthRatio: number;
  /** Counts of the peak bin over the mean of the bins 2–5 away on both sides (1 for a smooth peak). */
  spikeRatio: number;
  /** Fraction of the region's voxels in the peak bin. */
  peakFraction: number;
  /** The warning to give, or undefined when the model describes the solvent. */
  warning?: string;
}

/** Fitted sigma below this fraction of the histogram's own width: the fit locked onto a spike (raw maps ≥ 0.65, hard-masked β-gal 0.25). */
export const SOLVENT_WIDTH_RATIO_MIN = 0.45;
/** Peak bin more than this many times its neighbourhood: a spike of identical values. */
export const SOLVENT_SPIKE_RATIO_MAX = 5;

/**
 * Self-check of the solvent model (issue 15, item 3): the fitted Gaussian must follow the solvent
 * peak of the histogram. Warns when its sigma is below {@link SOLVENT_WIDTH_RATIO_MIN} × the
 * histogram's own width around the peak (measured with the peak bin and its two neighbours
 * bridged by linear interpolation, as the half width where the counts fall below 10 % of the
 * bridged peak, divided by √(2 ln 10): the sigma of a Gaussian of that width), or when the peak bin holds more than
 * {@link SOLVENT_SPIKE_RATIO_MAX} × the mean of the bins 2–5 away (a spike of identical values:
 * masked or flattened solvent).
 * @see docs/diagnostics.md (measurements on masked, flattened and raw maps)
 */
export function solventModelSelfCheck(s: Pick<SolventModel, 'histogram' | 'model'>): SolventModelCheck {
  const h = s.histogram;
  const c = h.counts;
  const n = c.length;
  let p = 0;
  for (let i = 1; i < n; i++) if (c[i] > c[p]) p = i;
  let total = 0;
  for (let i = 0; i < n; i++) total += c[i];
  let around = 0;
  let k = 0;
  for (let d = 2; d <= 5; d++) {
    for (const j of [p - d, p + d]) if (j >= 0 && j < n) { around += c[j]; k++; }
  }
  const spikeRatio = k > 0 && around > 0 ? c[p] / (around / k) : Infinity;
  // bridged histogram: bins p-1..p+1 replaced by the line between p-2 and p+2
  const y = Float64Array.from(c);
  const a = p - 2 >= 0 ? c[p - 2] : c[Math.min(n - 1, p + 2)];
  const b = p + 2 < n ? c[p + 2] : a;
  for (let d = -1; d <= 1; d++) if (p + d >= 0 && p + d < n) y[p + d] = a + ((d + 2) / 4) * (b - a);
  let q = 0;
  for (let i = 1; i < n; i++) if (y[i] > y[q]) q = i;
  const level = y[q] * 0.1;
  let lo = q;
  while (lo > 0 && y[lo - 1] >= level) lo--;
  let hi = q;
  while (hi < n - 1 && y[hi + 1] >= level) hi++;
  const histogramSigma = (Math.max(1, hi - lo + 1) * h.width) / 2 / Math.sqrt(2 * Math.LN10);
  const widthRatio = s.model.sigma / histogramSigma;
  const peakFraction = total > 0 ? c[p] / total : 0;
  const out: SolventModelCheck = { histogramSigma, widthRatio, spikeRatio, peakFraction };
  const spike = spikeRatio > SOLVENT_SPIKE_RATIO_MAX;
  const narrow = widthRatio < SOLVENT_WIDTH_RATIO_MIN;
  if (spike || narrow) {
    const what = [
      narrow ? `its Gaussian (sigma ${s.model.sigma.toPrecision(3)}) is ${(1 / widthRatio).toFixed(0)}× narrower than the histogram around its peak (sigma ≈ ${histogramSigma.toPrecision(3)})` : '',
      spike ? `the peak is a spike of near-identical values (${(100 * peakFraction).toFixed(1)} % of the solvent region in one bin, ${Number.isFinite(spikeRatio) ? spikeRatio.toFixed(0) : 'infinitely many'} times its neighbours)` : '',
    ].filter(Boolean).join(' and ');
    out.warning = `The solvent model does not describe the solvent: ${what}. The map is probably masked or flattened, so the confidence is unreliable: give a --solvent-def <solvent mask> or use the unmasked map.`;
  }
  return out;
}
