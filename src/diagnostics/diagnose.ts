/**
 * Input diagnostics of one map or of two half maps: measurements, then findings.
 * Requires `await loadFft()` first (the spectrum uses the FFT).
 * @see docs/diagnostics.md
 */
import { assertVolume, type Shape3, type Vec3, type Volume } from '../core/volume.js';
import { runSteps, type Steps } from '../core/event-loop.js';
import type { Finding } from './findings.js';
import { FINDING_CODES } from './findings.js';
import { densityTail, measureMapFeatures, sampledRange, type MapFeatures } from './map-features.js';
import { centreCubeFsc, radialAmplitude } from './spectrum.js';
import { checkGuinierFit, guinierAnalysis, type CheckedGuinierFit } from './guinier.js';
import { solventNoiseSpectrum, type NoiseSpectrum } from './noise-spectrum.js';
import { constantMapFinding, integerLevels, invertedFinding, maskingFindings, nearTopShare, notDensityFinding, offsetFinding, sharpeningFinding, locallyFilteredFinding } from './classify.js';
import { THRESHOLDS as T } from './thresholds.js';
import { nonZeroContentBox, zeroFractionInside } from '../math/non-zero-box.js';
import { arrayStats } from '../math/statistics.js';
import { voxelAnisotropy, type CellSampling } from '../core/voxel-size-limits.js';
import { halfMapContentLimitA, interpolationTest, type InterpolationTest } from '../resolution/half-map-content.js';
import { formatA, originsDiffer, voxelSizesDiffer } from '../core/grid-match.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { fourierPaddedBox, realSpaceUpsampledBox } from './upsampled.js';

/** What a user reads about a map: geometry, values and solvent statistics. */
export interface MapSummary {
  /** Box [nx, ny, nz] in voxels. */
  box: [number, number, number];
  /** Voxel size along X, Y, Z, Å. */
  voxelSizeA: Vec3;
  /** Smallest voxel value, density units. */
  min: number;
  /** Largest voxel value, density units. */
  max: number;
  /** Mean voxel value over a strided sample (stride round(shortest edge / 64), at least 1), density units. */
  mean: number;
  /** Population standard deviation of the same sample, density units. */
  std: number;
  /** Fraction of voxels exactly 0 (sampled). */
  zeroFraction: number;
  /** Local std at 0.9–1.0 of the inscribed radius (where the solvent model looks) and in the corners, × the map's std. */
  solventStdEdge: number;
  /** Median local std at 1.2–2 × the inscribed radius (the box's corners), × the map's std. */
  solventStdCorner: number;
  /** Guinier B over the fitted range, Å²; NaN when not measurable ({@link MapSummary.guinierBNotMeasurable} says why). */
  guinierBA2: number;
  /** Why the Guinier B is not given (too few shells, or a fit window without the map's content); null when it is. */
  guinierBNotMeasurable: string | null;
  /** Rise of ln(solvent noise amplitude) just below the resolution (NaN when not measured; > 0.05 reads as sharpened). */
  noiseRiseLn: number;
}

/** Diagnosis of one map. */
export interface MapDiagnosis {
  map: MapSummary;
  findings: Finding[];
  features: MapFeatures;
  guinier: CheckedGuinierFit;
  /** Solvent noise spectrum (absent for a map that is not a density). */
  noise?: NoiseSpectrum;
  /** Wall-clock seconds the checks took (with {@link completeDiagnosis}: both parts). */
  seconds: number;
  /** True when the noise spectrum and the `sharpened` check were deferred ({@link DiagnoseOptions.deferNoise}) and not yet run. */
  noisePending?: boolean;
  /**
   * For a Fourier-upsampled map (its spectrum empty beyond the old Nyquist on every axis, in a
   * cube: {@link fourierPaddedBox}): the box its content fills, and that box's voxel size (Å); the
   * spectra (Guinier fit, solvent noise) were measured on the map cropped back to it in Fourier
   * space. Since session 57 also for a map upsampled in real space (interpolated onto a finer grid:
   * {@link realSpaceUpsampledBox}), whose spectrum beyond the old Nyquist holds the images of the
   * old one: `how` says which. Absent otherwise.
   */
  spectrumGrid?: { box: [number, number, number]; voxelSizeA: Vec3; how: 'fourier-padded' | 'interpolated' };
}

/** Diagnosis of two half maps. */
export interface PairDiagnosis {
  maps: [MapDiagnosis, MapDiagnosis];
  /** Pair findings, then each half's own findings (`masked` becomes `halves-look-masked`), evidence.map = 1 or 2. */
  findings: Finding[];
  /** FSC of the centre cubes (absent when the boxes differ). */
  fsc?: { frequencyPerA: number[]; fsc: number[] };
  /**
   * The halves' interpolation test (`interpolationTest`, src/resolution/half-map-content.ts),
   * behind `interpolated-halves`: a job hands it to its method, which then does not run it again.
   * Absent when the boxes or voxel sizes differ (not run).
   */
  interpolationTest?: InterpolationTest;
  seconds: number;
}

/** A pair's findings and, when it ran, the halves' interpolation test: what a job keeps of a {@link PairDiagnosis}. */
export type PairFindings = Pick<PairDiagnosis, 'findings' | 'interpolationTest'>;

const order = (a: Finding, b: Finding): number => FINDING_CODES.indexOf(a.code) - FINDING_CODES.indexOf(b.code);

/** Options of {@link diagnoseMap}. */
export interface DiagnoseOptions {
  /**
   * Measure the value range on the strided sample instead of every voxel (saves a pass over the
   * whole map: ~45 ms of CPU at 256³). The exact range is still taken whenever the map could be
   * `not-density` (no negative value, all values in [0, 1], a constant sample, the histogram's
   * peak in the upper half of the range, half of the sample at the extremes, or a `not-density`
   * finding on the sample's range), so the findings are those of the exact range; only
   * {@link MapSummary.min}/{@link MapSummary.max} of a density map are then the sample's, and
   * non-finite voxels outside the sample go unnoticed (the readers refuse them). Default false.
   */
  sampledRange?: boolean;
  /**
   * Leave out the solvent noise spectrum (about 0.1 s at 96³, three quarters of the checks' time
   * on a 256³ map) and with it the `sharpened` finding: {@link MapDiagnosis.noisePending} is then
   * true and {@link completeDiagnosis} adds both later. The estimate uses this to run the spectrum
   * on the main thread while it waits for its worker thread (src/jobs/estimate-job.ts). Every
   * other finding (incl. `not-density`, which the estimate must know before it starts) is
   * complete. Default false.
   */
  deferNoise?: boolean;
  /**
   * The map's file: its MRC header's sampling (`mx, my, mz`) and cell (`cella`, Å), its box and
   * voxel size, physical axes X, Y, Z. The `anisotropic-voxels` finding names them (it is made
   * without them too, from the map's voxel size); give them also when `v` is a resampled copy
   * (the estimate's processing box).
   */
  header?: CellSampling & { voxelSizeA: readonly number[] };
}

/** Whether the findings could depend on the exact range: see {@link DiagnoseOptions.sampledRange}. */
function rangeMatters(f: MapFeatures): boolean {
  return !(f.max > f.min) || f.negativeFraction === 0 || (f.min >= -1e-4 && f.max <= 1 + 1e-4) || !(f.peakPosition < 0.5) || !(f.extremeFraction < 0.5) || notDensityFinding(f) !== undefined;
}

/**
 * A `masked` finding of exactly-zero faces whose zeros surround a box of data holding no zero (a
 * box padded with zeros, e.g. by a box resize) is said as such: `padded` in its evidence, the
 * data's box in the message.
 */
function paddedInstead(f: Finding, v: Volume): Finding {
  if (f.code !== 'masked' || f.evidence.constantValue !== 0) return f;
  const box = nonZeroContentBox(v);
  if (!box || zeroFractionInside(v, box) > T.paddedZeroShare) return f;
  const edges = box.hi.map((h, i) => h - box.lo[i] + 1).join('x');
  const message = f.message
    .replace(/^masked: /, `padded: the data fill a ${edges} box inside the ${v.shape.join('x')} box, and `)
    .replace('fits the mask instead of', "fits the padding's zeros instead of")
    .replace('use the unmasked map', 'use the map before padding');
  return { ...f, message, evidence: { ...f.evidence, padded: true, dataBox: edges } };
}

/**
 * The checks that read the solvent noise spectrum (`sharpened`, then `locally-filtered`), for
 * {@link diagnoseMap} and for {@link completeDiagnosis} when it was deferred.
 * @param others the map's findings so far (`locally-filtered` is not judged beside `masked`, …)
 */
function noiseSpectrumFindings(guinier: CheckedGuinierFit, noise: NoiseSpectrum, others: readonly Finding[]): Finding[] {
  const sh = sharpeningFinding(guinier, noise);
  const lf = locallyFilteredFinding(noise, others);
  return [sh, lf].filter((f): f is Finding => f !== undefined);
}

/**
 * Run every single-map check (`not-density`, `anisotropic-voxels`, `inverted`, `masked`,
 * `flattened`, `sharpened`). A `not-density` map gets only that finding and `anisotropic-voxels`
 * (a header matter): the other checks assume density.
 * @param v the map, canonical layout; not modified
 * @param opts see {@link DiagnoseOptions}
 * @throws TypeError/RangeError for an invalid volume or non-finite voxels
 */
export function diagnoseMap(v: Volume, opts: DiagnoseOptions = {}): MapDiagnosis {
  return runSteps(diagnoseMapSteps(v, opts));
}

/**
 * {@link diagnoseMap} cut into steps (`Steps`, src/core/event-loop.ts): it yields (a rough fraction
 * done) between its measurements (the value features, each upsampling test, the spectrum, the
 * density tail, the noise spectrum), so that a caller that runs it with `runStepsYielding` acts on
 * a signal within one of them (the longest, the Fourier-padding test, ~0.1 s of CPU at 256³). Same
 * arguments, errors (thrown by the first step) and result; `seconds` is the wall-clock time from
 * the first step to the last, turns of the event loop between them included.
 */
export function* diagnoseMapSteps(v: Volume, opts: DiagnoseOptions = {}): Steps<MapDiagnosis> {
  assertVolume(v);
  const t0 = performance.now();
  let features: MapFeatures | undefined;
  if (opts.sampledRange) {
    const r = sampledRange(v);
    if (Number.isFinite(r.min) && Number.isFinite(r.max)) {
      features = measureMapFeatures(v, r);
      if (rangeMatters(features)) features = undefined;
    }
  }
  features ??= measureMapFeatures(v);
  yield 0.15;
  // an upsampled map's empty band beyond its old Nyquist reads as a falling noise and a flat
  // signal: its spectra are measured at the voxel size its content has
  // …and a map upsampled in real space reads the images of its old spectrum beyond the old Nyquist
  // as noise rising towards Nyquist or a flat signal (session 57)
  const fourierBox = fourierPaddedBox(v);
  yield 0.45;
  const interpolatedBox = fourierBox ? undefined : realSpaceUpsampledBox(v);
  yield 0.6;
  const padded = fourierBox ?? interpolatedBox;
  const grid = padded ? { box: padded, how: fourierBox ? ('fourier-padded' as const) : ('interpolated' as const) } : undefined;
  const sv = spectrumVolume(v, grid);
  const guinier = checkGuinierFit(sv, guinierAnalysis(radialAmplitude(sv)));
  yield 0.7;
  const findings: Finding[] = [];
  const inverted = features.max === features.min ? undefined : invertedFinding(densityTail(v));
  yield 0.8;
  const topShare = features.max > features.min && features.extremeFraction >= T.nearBinaryFraction ? nearTopShare(v.data, features.min, features.max) : undefined;
  // only where the top share lets a near-binary map through: is it a labels map?
  const levels = topShare !== undefined && topShare < T.binaryTopShare ? integerLevels(v.data, T.labelMaxLevels) : undefined;
  const nd = features.max === features.min ? constantMapFinding(features.min) : notDensityFinding(features, inverted !== undefined, topShare, levels);
  let noise: NoiseSpectrum | undefined;
  const deferred = !nd && opts.deferNoise === true;
  const voxelSizeA = opts.header?.voxelSizeA ?? v.voxelSizeA;
  const aniso = voxelAnisotropy(voxelSizeA, opts.header);
  if (aniso) {
    // a header matter, whatever the values: also said for a map that is not density
    findings.push({ code: 'anisotropic-voxels', severity: 'warning', message: `${aniso}: the estimate's kernel takes one voxel size (the smallest) and fsc/locres refuse such voxels; a sampling that differs from the box usually means a broken header: check it (occupy pixel-size set MAP --angpix A gives every axis one voxel size).`, evidence: { voxelSizeXA: voxelSizeA[0], voxelSizeYA: voxelSizeA[1], voxelSizeZA: voxelSizeA[2], ...(opts.header ? { mx: opts.header.sampling[0], my: opts.header.sampling[1], mz: opts.header.sampling[2] } : {}) } });
  }
  if (nd) findings.push(nd);
  else {
    if (inverted) findings.push(inverted);
    findings.push(...maskingFindings(features).map((f) => paddedInstead(f, v)));
    const offset = offsetFinding(features, findings);
    if (offset) findings.push(offset);
    if (!deferred) {
      yield 0.85;
      noise = solventNoiseSpectrum(sv, { cutoffHintPerA: guinier.cutoffPerA });
      findings.push(...noiseSpectrumFindings(guinier, noise, findings));
    }
  }
  findings.sort(order);
  return {
    map: {
      box: [...v.shape],
      voxelSizeA: [...v.voxelSizeA],
      min: features.min,
      max: features.max,
      mean: features.mean,
      std: features.std,
      zeroFraction: features.zeroFraction,
      solventStdEdge: features.stdProfile[3],
      solventStdCorner: features.stdProfile[5],
      guinierBA2: guinier.notMeasurable === null ? guinier.bFactorA2 : Number.NaN,
      guinierBNotMeasurable: guinier.notMeasurable,
      noiseRiseLn: noise ? noise.noiseRiseLn : Number.NaN,
    },
    findings,
    features,
    guinier,
    noise,
    seconds: (performance.now() - t0) / 1000,
    ...(deferred ? { noisePending: true } : {}),
    ...(grid ? { spectrumGrid: { box: [...grid.box], voxelSizeA: [0, 1, 2].map((i) => (v.voxelSizeA[i] * v.shape[i]) / grid.box[i]) as Vec3, how: grid.how } } : {}),
  };
}

/**
 * Shells an interpolated map's spectrum is cropped short of its old box K on each axis: an old
 * period that is not a whole number of voxels (EMD-1883 and EMD-1439 upsampled 1.25 × by trilinear:
 * 68.8 and 70.4 voxels, found as 70 and 72) leaves the images of the old spectrum in the crop's last
 * shells, and the Guinier fit read a rising spectrum (B ratio −0.17 / −0.26: `sharpened`). Cropped to
 * K − 2 they read no finding; the maps of docs/diagnostics.md (session 58) keep their codes.
 */
const INTERPOLATED_CROP_MARGIN = 2;

/**
 * The map whose spectra are measured: `v`, or `v` cropped in Fourier space to an upsampled map's
 * content box (an interpolated map's {@link INTERPOLATED_CROP_MARGIN} voxels short of it).
 */
function spectrumVolume(v: Volume, grid: { box: Shape3; how: 'fourier-padded' | 'interpolated' } | undefined): Volume {
  if (!grid) return v;
  const m = grid.how === 'interpolated' ? INTERPOLATED_CROP_MARGIN : 0;
  return fourierResample(v, [grid.box[0] - m, grid.box[1] - m, grid.box[2] - m]);
}

/**
 * Run the part of a diagnosis that {@link DiagnoseOptions.deferNoise} left out: the solvent noise
 * spectrum and the `sharpened` check. The result equals `diagnoseMap(v)` without `deferNoise`
 * (same findings in the same order); `seconds` adds the time taken here.
 * @param d a diagnosis of `v` from {@link diagnoseMap}; not modified (returned as it is when
 *   nothing is pending)
 * @param v the same map, canonical layout; not modified
 */
export function completeDiagnosis(d: MapDiagnosis, v: Volume): MapDiagnosis {
  if (!d.noisePending) return d;
  const t0 = performance.now();
  const noise = solventNoiseSpectrum(spectrumVolume(v, d.spectrumGrid), { cutoffHintPerA: d.guinier.cutoffPerA });
  const added = noiseSpectrumFindings(d.guinier, noise, d.findings);
  const findings = added.length ? [...d.findings, ...added].sort(order) : d.findings;
  const { noisePending: _done, ...rest } = d;
  return { ...rest, findings, noise, map: { ...d.map, noiseRiseLn: noise.noiseRiseLn }, seconds: d.seconds + (performance.now() - t0) / 1000 };
}

/**
 * Mean FSC over the low-frequency shells: shells 1–3 and any further ones coarser than
 * `THRESHOLDS.lowFrequencyA` (empty shells left out).
 * @returns the mean (NaN without a finite shell) and the finest shell's resolution, Å
 */
export function lowFrequencyFsc(frequencyPerA: ArrayLike<number>, fsc: ArrayLike<number>): { meanFsc: number; toA: number } {
  let sum = 0;
  let n = 0;
  let last = 0;
  for (let k = 1; k < fsc.length; k++) {
    if (k > 3 && frequencyPerA[k] > 1 / T.lowFrequencyA) break;
    last = k;
    if (Number.isFinite(fsc[k])) {
      sum += fsc[k];
      n++;
    }
  }
  return { meanFsc: n > 0 ? sum / n : Number.NaN, toA: last > 0 ? 1 / frequencyPerA[last] : Number.NaN };
}

/**
 * The pair findings that make every half-map result meaningless, from the FSC of the halves'
 * centre cubes ({@link centreCubeFsc}): `identical-halves` (FSC ≥ 0.999 in every shell: one map
 * given twice) and `anti-correlated-halves` ({@link lowFrequencyFsc} below −0.5: one half × −1).
 * {@link diagnoseHalfMaps} reports them; the commands and the library refuse them.
 * @param c the centre cubes' FSC per shell (shell 0, the mean, left out)
 */
export function refusedPairFindings(c: { frequencyPerA: ArrayLike<number>; fsc: ArrayLike<number> }): { identical?: Finding; antiCorrelated?: Finding } {
  const out: { identical?: Finding; antiCorrelated?: Finding } = {};
  const low = lowFrequencyFsc(c.frequencyPerA, c.fsc);
  if (low.meanFsc < T.antiCorrelatedFsc) {
    // one half × −1: every FSC-based number is meaningless (before session 51 `occupy fsc` read
    // 96 Å, the box, and locres 49.5 Å everywhere, both with exit 0)
    out.antiCorrelated = { code: 'anti-correlated-halves', severity: 'error', message: `the half maps are anti-correlated (FSC ${low.meanFsc.toFixed(2)} at ${low.toA.toFixed(0)} Å and coarser, where half maps agree at ≈ +1): one half has inverted contrast; multiply that half map by −1 (e.g. relion_image_handler --multiply_constant -1).`, evidence: { lowFrequencyFsc: Number(low.meanFsc.toPrecision(3)), lowFrequencyToA: Number(low.toA.toPrecision(3)) } };
  }
  const vals = Array.from(c.fsc).slice(1).filter(Number.isFinite);
  const minFsc = vals.length ? Math.min(...vals) : Number.NaN;
  if (minFsc >= T.identicalFsc) {
    out.identical = { code: 'identical-halves', severity: 'error', message: `the two maps are identical (FSC ≥ ${minFsc.toFixed(4)} at every frequency): give two independent half maps.`, evidence: { minFsc: Number(minFsc.toPrecision(4)) } };
  }
  return out;
}

/**
 * The finding for which two half maps are refused, if any (`identical-halves`, else
 * `anti-correlated-halves`; {@link refusedPairFindings}): one small transform per half (the
 * centre cubes), for callers that do not run {@link diagnoseHalfMaps} (the library's `fsc`,
 * `localResolution` and `decompose`). The FFT must be loaded.
 * @param a first half map; b second half map on the same box (the caller checks); neither is modified
 */
export function refusedPairFinding(a: Volume, b: Volume): Finding | undefined {
  const refused = refusedPairFindings(centreCubeFsc(a, b));
  return refused.identical ?? refused.antiCorrelated;
}

/** Options of {@link diagnoseHalfMaps}: those of {@link DiagnoseOptions} for each half, and one for the pair. */
export interface HalfMapDiagnoseOptions extends DiagnoseOptions {
  /**
   * Also look for the halves' content limit (`low-passed-halves`: {@link halfMapContentLimitA}, one
   * or two forward transforms of the whole box). `occupy check` and `checkMap` do; `fsc` and
   * `locres` measure the same limit themselves and say what it does to their numbers, so they
   * leave it out. Default false.
   */
  contentLimit?: boolean;
  /**
   * Where each half's header places its voxel (0, 0, 0), Å along X, Y, Z (`headerOriginA` of
   * src/io/mrc/origin.ts): with them, halves on one box and voxel size whose origins differ by more
   * than `ORIGIN_MATCH_TOLERANCE_VOXELS` get `origin-mismatch` (the rule of the commands' second-map
   * check, src/core/grid-match.ts). Volumes carry no origin, so without them nothing is said.
   */
  originsA?: readonly [readonly number[], readonly number[]];
}

/**
 * `low-passed-halves` (warning): the half maps hold nothing but float round-off beyond
 * `contentLimitA` (coarser than Nyquist): they were low-passed (RELION's post-processed or
 * filtered halves, not the `_unfil` ones), so an FSC or a local resolution finer than that limit
 * reads the filter, not the data.
 * @param contentLimitA the halves' content limit, Å ({@link halfMapContentLimitA})
 * @param voxelSizeA the halves' voxel size along X, Y, Z, Å
 * @param outerFscMean the FSC near the old Nyquist when it is above `not-independent`'s limit:
 *   the interpolation's images correlate those shells by construction (synth_halves128's 80³
 *   upsampled 1.5 × trilinear: 0.48), so the pair's independence cannot be judged and this
 *   finding says so instead of a second code (session 60)
 */
export function lowPassedHalvesFinding(contentLimitA: number, voxelSizeA: readonly number[]): Finding {
  const nyquistA = 2 * Math.max(...voxelSizeA);
  const c = contentLimitA.toFixed(2);
  return {
    code: 'low-passed-halves',
    severity: 'warning',
    message: `the half maps hold nothing beyond ${c} Å (Nyquist ${nyquistA.toFixed(2)} Å): they were low-passed, so no FSC or local resolution finer than ${c} Å is a measurement (fsc marks such values, locres pins them at ${c} Å); give the unfiltered half maps (e.g. RELION's run_half1_class001_unfil.mrc).`,
    evidence: { contentLimitA: Number(contentLimitA.toPrecision(4)), nyquistA: Number(nyquistA.toPrecision(4)) },
  };
}

/**
 * `interpolated-halves` (warning): the half maps look upsampled in real space (interpolated onto a
 * finer grid, `interpolatedContent`): beyond the old grid's Nyquist `limitA` they hold only the
 * interpolation's images of coarser shells, correlated as those are, so no FSC or local resolution
 * finer than it is a measurement.
 * @param limitA the old grid's Nyquist, Å
 * @param fromBox the box the halves were upsampled from, voxels
 * @param voxelSizeA the halves' voxel size along X, Y, Z, Å
 */
export function interpolatedHalvesFinding(limitA: number, fromBox: readonly number[], voxelSizeA: readonly number[], outerFscMean?: number): Finding {
  const c = limitA.toFixed(2);
  return {
    code: 'interpolated-halves',
    severity: 'warning',
    message: `the half maps look interpolated onto a finer grid (from about ${fromBox.join('x')} voxels of ${(limitA / 2).toFixed(3)} Å; now ${voxelSizeA.map((v) => v.toFixed(3)).join(', ')} Å): beyond ${c} Å they hold only the interpolation's images of coarser shells, which correlate as those do, so no FSC or local resolution finer than ${c} Å is a measurement (fsc marks such values, locres pins them at ${c} Å)${outerFscMean === undefined ? '' : `, and the FSC cannot tell whether their noise is independent (${outerFscMean.toFixed(2)} near ${c} Å, as interpolated shells correlate)`}; use the half maps at their own voxel size${outerFscMean === undefined ? '' : ', where both can be checked'}.`,
    evidence: { contentLimitA: Number(limitA.toPrecision(4)), fromBox: fromBox.join('x'), nyquistA: Number((2 * Math.max(...voxelSizeA)).toPrecision(4)), ...(outerFscMean === undefined ? {} : { outerFscMean: Number(outerFscMean.toPrecision(3)) }) },
  };
}

/**
 * Check two half maps: box and voxel size, identical, anti-correlated (one half × −1) or
 * dependent halves (FSC of the centre cubes), with `contentLimit` low-passed halves, and each half
 * on its own (`sharpened` only when both halves show it).
 * @param a half map 1; b half map 2; neither is modified
 * @param opts see {@link HalfMapDiagnoseOptions}
 */
export function diagnoseHalfMaps(a: Volume, b: Volume, opts: HalfMapDiagnoseOptions = {}): PairDiagnosis {
  const t0 = performance.now();
  const d1 = diagnoseMap(a, opts);
  const d2 = diagnoseMap(b, opts);
  const findings: Finding[] = [];
  let fsc: PairDiagnosis['fsc'];
  let tested: InterpolationTest | undefined;
  if (a.shape.some((n, i) => n !== b.shape[i])) {
    findings.push({ code: 'box-mismatch', severity: 'error', message: `the half maps differ in box: ${a.shape.join('x')} vs ${b.shape.join('x')}; they cannot be compared.`, evidence: { box1: a.shape.join('x'), box2: b.shape.join('x') } });
  } else {
    const rel = Math.max(...a.voxelSizeA.map((s, i) => Math.abs(s - b.voxelSizeA[i]) / s));
    if (rel > T.voxelSizeTolerance) {
      findings.push({ code: 'voxel-size-mismatch', severity: 'error', message: `the half maps differ in voxel size: ${a.voxelSizeA.map((s) => s.toFixed(4)).join(', ')} vs ${b.voxelSizeA.map((s) => s.toFixed(4)).join(', ')} Å; every resolution in Å would be wrong (fix the header, e.g. occupy pixel-size set).`, evidence: { voxelSize1A: a.voxelSizeA[0], voxelSize2A: b.voxelSizeA[0], relativeDifference: Number(rel.toPrecision(3)) } });
    }
    const origins = opts.originsA;
    if (origins && originsDiffer(origins[1], origins[0], a.voxelSizeA)) {
      // fsc, locres and decompose warn of it and go on; check had said nothing (session 60)
      findings.push({ code: 'origin-mismatch', severity: 'warning', message: `the half maps' headers place them at different origins: (${formatA(origins[0])}) vs (${formatA(origins[1])}) Å, on the same box and voxel size; fsc and locres compare them voxel for voxel as if at the same place (right when one was written with a zero origin, wrong if one was cut from elsewhere).`, evidence: { origin1A: formatA(origins[0]), origin2A: formatA(origins[1]) } });
    }
    const c = centreCubeFsc(a, b);
    // halves interpolated onto a finer grid: beyond the old grid's Nyquist only the images of
    // coarser shells, as correlated as those (synth_halves128 upsampled 1.5 ×: FSC 0.50 there, and
    // `not-independent` said the halves shared noise); the independence test reads the old grid's
    // outer shells instead
    tested = voxelSizesDiffer(b.voxelSizeA, a.voxelSizeA) ? undefined : interpolationTest(a, b);
    const interpolated = tested?.interpolated;
    const nyq = interpolated ? 1 / interpolated.limitA : c.frequencyPerA[c.frequencyPerA.length - 1];
    // only shells that hold power: beyond where half maps were low-passed the centre cubes'
    // window leaks the passband into them (10⁻⁷–10⁻¹⁰ of the strongest shell) and correlates them
    // (FSC 0.3–0.5 near Nyquist on synth_halves128 low-passed at 4 Å), which says nothing of the noise
    const strongest = Math.max(0, ...Array.from(c.power).slice(1));
    const outer = Array.from(c.fsc).filter((v, k) => Number.isFinite(v) && c.frequencyPerA[k] >= 0.8 * nyq && c.frequencyPerA[k] <= nyq && c.power[k] >= T.heldPowerShare * strongest);
    const outerMean = outer.length ? outer.reduce((s, v) => s + v, 0) / outer.length : Number.NaN;
    if (interpolated) findings.push(interpolatedHalvesFinding(interpolated.limitA, interpolated.fromBox, a.voxelSizeA, outerMean > T.dependentFsc ? outerMean : undefined));
    fsc = { frequencyPerA: Array.from(c.frequencyPerA), fsc: Array.from(c.fsc) };
    const refused = refusedPairFindings(c);
    if (refused.antiCorrelated) findings.push(refused.antiCorrelated);
    const scale = halfMapScales(a.data, b.data);
    if (scale.differ) {
      const what = [
        ...(Math.abs(Math.log(scale.sdRatio)) > Math.log(T.halfScaleRatio) ? [`half 2's standard deviation is ${scale.sdRatio.toPrecision(3)} × half 1's`] : []),
        ...(Math.abs(scale.meanDifferenceSd) > T.halfLevelSd ? [`half 2's mean lies ${Math.abs(scale.meanDifferenceSd).toPrecision(3)} standard deviations ${scale.meanDifferenceSd > 0 ? 'above' : 'below'} half 1's`] : []),
      ];
      findings.push({
        code: 'halves-differ-in-scale',
        severity: 'warning',
        message: `the half maps differ in scale or level (${what.join('; ')}), as halves written by different programs or one rescaled or offset: the FSC is unaffected, but local resolution and decompose --half-maps read the halves' average and difference, so they bring half 2 to half 1's mean and standard deviation first.`,
        evidence: { sdRatio: Number(scale.sdRatio.toPrecision(4)), meanDifferenceSd: Number(scale.meanDifferenceSd.toPrecision(4)) },
      });
    }
    if (opts.contentLimit && !interpolated && !voxelSizesDiffer(b.voxelSizeA, a.voxelSizeA)) {
      const limitA = halfMapContentLimitA(a, b, tested);
      if (limitA !== undefined && limitA > 2 * Math.max(...a.voxelSizeA)) findings.push(lowPassedHalvesFinding(limitA, a.voxelSizeA));
    }
    // an interpolated pair's outer shells hold the interpolation's images of coarser shells,
    // correlated as those are: said by `interpolated-halves` (pushed above with outerFscMean), not
    // as `not-independent` beside it (session 60)
    if (refused.identical) {
      findings.push(refused.identical);
    } else if (outerMean > T.dependentFsc && !interpolated) {
      findings.push({ code: 'not-independent', severity: 'warning', message: `the FSC stays at ${outerMean.toFixed(2)} up to Nyquist: the halves share noise (not independently refined, or masked/filtered together); the FSC and local resolution will be too optimistic.`, evidence: { outerFscMean: Number(outerMean.toPrecision(3)) } });
    }
  }
  // a pair is sharpened together (post-processing applies one B to both): `sharpened` in one half
  // alone is the scatter of its noise rise or Guinier fit, not sharpening (session 44, raw
  // reference-style half maps: 2 of 168 halves flagged alone, 0 of 84 pairs both)
  const sharpenedBoth = d1.findings.some((f) => f.code === 'sharpened') && d2.findings.some((f) => f.code === 'sharpened');
  [d1, d2].forEach((d, i) => {
    for (const f of d.findings) {
      if (f.code === 'sharpened' && !sharpenedBoth) continue;
      // zero padding around the data neither correlates the halves' noise nor, since the empty
      // shells are found on the data's box, moves their FSC or local resolution (tested)
      if (f.code === 'masked' && f.evidence.padded === true) continue;
      // a constant on both halves moves only the DC term: FSC, local FSC (synth_occres128's halves
      // + 1: label medians 3.65 / 5.06 / 6.89 / 7.16 Å, as raw) and decompose (which removes the
      // mean) are unchanged; a level that differs between the halves is `halves-differ-in-scale`
      if (f.code === 'offset') continue;
      if (f.code === 'masked') findings.push({ ...f, code: 'halves-look-masked', message: `half map ${i + 1}: ${f.message.replace(/; the solvent model .*$/, '')}; half maps must be unmasked: masking correlates their noise and inflates the FSC.`, evidence: { ...f.evidence, map: i + 1 } });
      else findings.push({ ...f, message: `half map ${i + 1}: ${f.message}`, evidence: { ...f.evidence, map: i + 1 } });
    }
  });
  findings.sort(order);
  return { maps: [d1, d2], findings, fsc, ...(tested ? { interpolationTest: tested } : {}), seconds: (performance.now() - t0) / 1000 };
}

/** Mean and standard deviation of each half over the box, and whether they differ (`halves-differ-in-scale`). */
export interface HalfMapScales {
  /** Half 1's mean and (population) standard deviation, map units. */
  mean1: number;
  sd1: number;
  /** Half 2's mean and standard deviation, map units. */
  mean2: number;
  sd2: number;
  /** sd2 / sd1. */
  sdRatio: number;
  /** (mean2 − mean1) / the mean of the two standard deviations. */
  meanDifferenceSd: number;
  /** True when the ratio lies beyond `THRESHOLDS.halfScaleRatio` (either way) or the mean difference beyond `THRESHOLDS.halfLevelSd`. */
  differ: boolean;
}

/**
 * Compare the scale (standard deviation) and level (mean) of two half maps over the box
 * (float64 sums). Independent halves of one reconstruction share both; halves written by different
 * programs, or one rescaled or offset, do not, and every estimate that reads their average and
 * difference (local FSC's molecule-centred windows, MonoRes's noise, decompose's noise) reads the
 * difference in scale as noise.
 * @param a half 1's voxels
 * @param b half 2's voxels, same length
 * @throws RangeError when the lengths differ
 */
export function halfMapScales(a: Float32Array, b: Float32Array): HalfMapScales {
  if (a.length !== b.length) throw new RangeError(`half maps have ${a.length} and ${b.length} voxels`);
  const { mean: mean1, std: sd1 } = arrayStats(a);
  const { mean: mean2, std: sd2 } = arrayStats(b);
  const sdRatio = sd1 > 0 ? sd2 / sd1 : Number.NaN;
  const sdMean = (sd1 + sd2) / 2;
  const meanDifferenceSd = sdMean > 0 ? (mean2 - mean1) / sdMean : 0;
  const differ = sd1 > 0 && sd2 > 0 && (Math.abs(Math.log(sdRatio)) > Math.log(T.halfScaleRatio) || Math.abs(meanDifferenceSd) > T.halfLevelSd);
  return { mean1, sd1, mean2, sd2, sdRatio, meanDifferenceSd, differ };
}

/**
 * Bring half 2 to half 1's mean and standard deviation in place, `b ← (b − mean2) · sd1/sd2 +
 * mean1`, when {@link halfMapScales} says they differ; otherwise `b` is left as it is (results of
 * halves that agree are untouched). In place: the callers had copied a new whole-box array back
 * into `b`.
 * @param a half 1's voxels
 * @param b half 2's voxels, same length; overwritten when the halves differ
 * @returns whether `b` was changed
 */
export function matchHalfMapScale(a: Float32Array, b: Float32Array): boolean {
  const s = halfMapScales(a, b);
  if (!s.differ) return false;
  const k = s.sd1 / s.sd2;
  for (let i = 0; i < b.length; i++) b[i] = (b[i] - s.mean2) * k + s.mean1;
  return true;
}
