/**
 * From measurements to findings for one map: `not-density`, `masked`, `flattened`, `sharpened`.
 * Thresholds in {@link THRESHOLDS}; the measurements behind them in docs/diagnostics.md.
 */
import type { Finding } from './findings.js';
import type { GuinierFit } from './guinier.js';
import { CUTOFF_DROP_LN } from './guinier.js';
import type { DensityTail, MapFeatures } from './map-features.js';
import { NEAR_ZERO_SHARE } from './map-features.js';
import type { NoiseSpectrum } from './noise-spectrum.js';
import { referenceBFactor, THRESHOLDS as T } from './thresholds.js';

const r3 = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(3)) : Number.NaN);
const pct = (v: number): string => `${(100 * v).toFixed(v < 0.01 ? 2 : 1)} %`;
const g = (v: number): string => (Number.isFinite(v) ? v.toPrecision(3) : 'n/a');

/** Profile bins of {@link MapFeatures.stdProfile}: [0, 0.6), [0.6, 0.8), [0.8, 0.9), [0.9, 1.0), [1.0, 1.2), [1.2, 2). */
const INNER = 1;
const EDGE = 3;
const CORNER = 5;

/** `not-density` for a constant map (every voxel the same value). */
export function constantMapFinding(value: number): Finding {
  return { code: 'not-density', severity: 'error', message: `the map is constant (every voxel ${g(value)}): there is no density to estimate (the estimate refuses it unless --force).`, evidence: { kind: 'constant', value: r3(value) } };
}

/** The least maximum of a map read as a mask or local scale map (`unit-range`): theirs is 1, or nearly. */
const UNIT_RANGE_MAX_MIN = 0.5;

/**
 * `not-density`: binary/soft masks, maps in [0, 1], local-resolution maps, no solvent peak.
 * @param f the map's measurements
 * @param inverted the map looks inverted ({@link invertedFinding}): its solvent peak sits at the
 *   top of the range because of that, so "no solvent peak" is not said (it had called EMDB maps
 *   × −1 not density maps)
 * @param topShare of the voxels not within 2 % of the range from the minimum, the share within 2 %
 *   of it from the maximum ({@link nearTopShare}); when given and below
 *   `THRESHOLDS.binaryTopShare`, a map with most voxels at its minimum is not called a binary mask
 *   (density under a tight hard mask)…
 * @param levels …unless its values are a few consecutive integers ({@link integerLevels}: at most
 *   `THRESHOLDS.labelMaxLevels`, every integer from the minimum to the maximum), as a labels map
 *   (segmentation) holds them: then it is one (a local-resolution map with a few integer values,
 *   e.g. 0 and 3, 5, 8 Å, is left to the local-resolution rule)
 */
export function notDensityFinding(f: MapFeatures, inverted = false, topShare?: number, levels?: number): Finding | undefined {
  const range = f.max - f.min;
  const evidence = { min: r3(f.min), max: r3(f.max), negativeFraction: r3(f.negativeFraction), extremeFraction: r3(f.extremeFraction), faceDistinctValues: f.distinctValues };
  const tail = 'not a density map: the local scale and confidence of such a map mean nothing (the estimate refuses it unless --force).';
  // a mask's values other than its background sit at its top; a density map cut out by a tight
  // hard mask (or a zone/segment of a map: all values ≥ 0, most exactly 0) spreads them over the
  // range (see THRESHOLDS.binaryTopShare)
  // …while a labels map (0 and the labels 1, 2, …: synth_*'s truth_labels, 0–4, share near the
  // top 0.24) spreads them too and, let through, was called `a local-resolution map in Å`
  if (f.extremeFraction >= T.nearBinaryFraction && levels !== undefined && levels >= 3 && levels <= T.labelMaxLevels && levels === f.max - f.min + 1 && topShare !== undefined && topShare < T.binaryTopShare) {
    return { code: 'not-density', severity: 'error', message: `${levels} integer values only (${g(f.min)} … ${g(f.max)}; ${pct(f.extremeFraction)} of voxels at the minimum or maximum): looks like a labels map (segmentation) or a mask, ${tail}`, evidence: { ...evidence, kind: 'labels', levels } };
  }
  if (f.extremeFraction >= T.nearBinaryFraction && !(topShare !== undefined && topShare < T.binaryTopShare)) {
    return { code: 'not-density', severity: 'error', message: `binary or near-binary values (${pct(f.extremeFraction)} of voxels at the minimum or maximum): looks like a mask, ${tail}`, evidence: { ...evidence, kind: 'binary-mask' } };
  }
  // a mask or scale map reaches about 1 and holds nothing negative beyond round-off of its range
  // (an absolute −1e-4 had refused a density map in small units: synth_occ128 × 0.001 spans
  // −6.4e-5 … 1.7e-4, and was called a soft mask although a quarter of its range is negative)
  if (f.min >= -1e-4 * range && f.max <= 1 + 1e-4 && f.max >= UNIT_RANGE_MAX_MIN && range > 0) {
    return { code: 'not-density', severity: 'error', message: `all values in [0, 1] (${g(f.min)} … ${g(f.max)}) and none negative: looks like a soft mask or a local scale map, ${tail}`, evidence: { ...evidence, kind: 'unit-range' } };
  }
  if (f.negativeFraction === 0 && f.faceModeGlobalFraction >= T.localResolutionBackground && f.minOffMode >= T.localResolutionMinA && f.maxOffMode <= T.localResolutionMaxA) {
    return {
      code: 'not-density',
      severity: 'error',
      message: `all values between ${g(f.minOffMode)} and ${g(f.maxOffMode)} with a constant background ${g(f.faceModeValue)} on ${pct(f.faceModeGlobalFraction)} of the voxels: looks like a local-resolution map in Å, ${tail}`,
      evidence: { ...evidence, kind: 'local-resolution', background: r3(f.faceModeValue), backgroundFraction: r3(f.faceModeGlobalFraction), minA: r3(f.minOffMode), maxA: r3(f.maxOffMode) },
    };
  }
  if (!inverted && f.peakPosition >= T.peakPositionMax && f.peakFraction >= T.peakFractionMin) {
    return { code: 'not-density', severity: 'error', message: `the most frequent values (${pct(f.peakFraction)} of voxels) sit at ${pct(f.peakPosition)} of the value range, not in a solvent peak near its bottom: ${tail}`, evidence: { ...evidence, kind: 'no-solvent-peak', peakPosition: r3(f.peakPosition), peakFraction: r3(f.peakFraction) } };
  }
  return undefined;
}

/**
 * `inverted` (warning): the density's long tail lies below the median (the solvent), where a
 * reconstruction's lies above it: skewness below `THRESHOLDS.invertedSkewness` and tail ratio
 * below `THRESHOLDS.invertedTailRatio`, on at least `THRESHOLDS.invertedMinSamples` voxels.
 */
export function invertedFinding(t: DensityTail): Finding | undefined {
  if (!(t.sampled >= T.invertedMinSamples && t.skewness < T.invertedSkewness && t.tailRatio < T.invertedTailRatio)) return undefined;
  return {
    code: 'inverted',
    severity: 'warning',
    message: `looks inverted: the values reach ${g(1 / t.tailRatio)} × farther below the solvent level than above it (skewness ${t.skewness.toFixed(2)}), where a reconstruction's density reaches farther above; multiply the map by −1 (e.g. relion_image_handler --multiply_constant -1) before using it: the local scale, confidence and resolution of an inverted map mean nothing.`,
    evidence: { skewness: r3(t.skewness), tailRatio: r3(t.tailRatio) },
  };
}

/** `masked` and `flattened`: constant regions at the faces, or local std falling to ~0 towards the edges. */
export function maskingFindings(f: MapFeatures): Finding[] {
  const out: Finding[] = [];
  const p = f.stdProfile;
  const profile = { stdInner: r3(p[INNER]), stdEdge: r3(p[EDGE]), stdCorner: r3(p[CORNER]) };
  const consequence = 'the solvent model then fits the mask instead of solvent noise, so confidence and every solvent-relative limit are unreliable: use the unmasked map, or give a --solvent-def.';
  if (f.faceModeFraction >= T.faceConstantFraction && f.faceModeGlobalFraction >= T.constantGlobalFraction) {
    const evidence = { constantValue: r3(f.faceModeValue), faceFraction: r3(f.faceModeFraction), voxelFraction: r3(f.faceModeGlobalFraction), ...profile };
    const zero = Math.abs(f.faceModeValue) <= 1e-6 * Math.max(Math.abs(f.max), Math.abs(f.min));
    if (zero) {
      out.push({ code: 'masked', severity: 'warning', message: `masked: ${pct(f.faceModeGlobalFraction)} of voxels are exactly 0, covering ${pct(f.faceModeFraction)} of the box faces; ${consequence}`, evidence });
    } else {
      out.push({ code: 'flattened', severity: 'warning', message: `flattened solvent: ${pct(f.faceModeGlobalFraction)} of voxels hold exactly ${g(f.faceModeValue)} (${pct(f.faceModeFraction)} of the box faces): there is no solvent noise left to model, so the confidence is meaningless: use the raw map.`, evidence });
    }
    return out;
  }
  // the mask's zeros interpolated to within 10⁻⁵ of the largest value of 0 (a masked map upsampled
  // in Fourier space or by cubic spline: EMD-1832 had lost its `masked`, session 58)
  if (f.faceNearZeroFraction >= T.faceConstantFraction && f.nearZeroGlobalFraction >= T.constantGlobalFraction) {
    out.push({ code: 'masked', severity: 'warning', message: `masked: ${pct(f.nearZeroGlobalFraction)} of voxels are 0 to within ${NEAR_ZERO_SHARE} of the largest value, covering ${pct(f.faceNearZeroFraction)} of the box faces (a mask's zeros, interpolated: the map looks masked, then resampled); ${consequence}`, evidence: { kind: 'near-zero', faceFraction: r3(f.faceNearZeroFraction), voxelFraction: r3(f.nearZeroGlobalFraction), ...profile } });
    return out;
  }
  if (p[INNER] > 0 && p[EDGE] / p[INNER] < T.edgeFallRatio && p[CORNER] / p[INNER] < T.cornerFallRatio) {
    out.push({ code: 'masked', severity: 'warning', message: `soft-masked: the local standard deviation falls from ${g(p[INNER])} (0.6–0.8 of the inscribed radius) to ${g(p[EDGE])} at its edge and ${g(p[CORNER])} in the corners (× the map's std); ${consequence}`, evidence: { ...profile, kind: 'smooth-fall' } });
  } else if (p[EDGE] < T.constantBackgroundStd && p[CORNER] < T.constantBackgroundStd) {
    out.push({ code: 'masked', severity: 'warning', message: `near-constant background: the local standard deviation at the edge of the inscribed sphere is ${g(p[EDGE])} and in the corners ${g(p[CORNER])} of the map's std (raw maps keep solvent noise there): the solvent was masked or denoised (e.g. DeepEMhancer, LocScale); ${consequence}`, evidence: { ...profile, kind: 'constant-background' } });
    const offset = Math.abs(f.cornerMean) / (f.std * Math.max(p[CORNER], 1e-12));
    if (Number.isFinite(offset) && offset > T.flattenedOffsetStds) {
      out.push({ code: 'flattened', severity: 'warning', message: `the background sits at about ${g(f.cornerMean)}, ${offset.toFixed(0)} background stds away from 0: the solvent looks flattened to a constant; the solvent model will describe that constant, not noise.`, evidence: { background: r3(f.cornerMean), offsetStds: r3(offset), ...profile } });
    }
  }
  return out;
}

/**
 * `offset` (warning): the background keeps its noise but sits far from 0 (a constant added to the
 * map, or a map written with its mean or minimum shifted): the local scale is measured from 0, so
 * every scale reads higher (lower for a negative level), as the estimate's own solvent-peak warning
 * says once it has fitted the solvent. Level: median of the corner blocks' means; noise: median of
 * their standard deviations. Not judged beside `masked`, `flattened` or `not-density` (their
 * background is not solvent noise). Thresholds {@link THRESHOLDS}`.offsetSolventStds` and
 * `.offsetFraction`.
 * @param f the map's measurements
 * @param others the map's other findings
 */
export function offsetFinding(f: MapFeatures, others: readonly Finding[]): Finding | undefined {
  if (others.some((o) => o.code === 'masked' || o.code === 'flattened' || o.code === 'not-density')) return undefined;
  const level = f.cornerMean;
  const noise = f.cornerStd;
  const extreme = Math.max(Math.abs(f.max), Math.abs(f.min));
  if (!(Number.isFinite(level) && noise > 0 && extreme > 0)) return undefined;
  const sds = Math.abs(level) / noise;
  const fraction = Math.abs(level) / extreme;
  if (!(sds > T.offsetSolventStds && fraction > T.offsetFraction)) return undefined;
  return {
    code: 'offset',
    severity: 'warning',
    message: `the solvent sits at ${g(level)} (${sds.toFixed(sds < 10 ? 1 : 0)} of its noise SDs from 0, ${pct(fraction)} of the largest |value| ${g(extreme)}), not at 0: local scale is measured from 0, so every scale reads ${level > 0 ? 'higher (partial occupancies look fuller than they are)' : 'lower (weak density looks emptier than it is)'}; if the level is an offset left by processing, ${level > 0 ? 'subtract' : 'add'} ${g(Math.abs(level))} ${level > 0 ? 'from' : 'to'} the map first (e.g. relion_image_handler --add_constant ${g(-level)}).`,
    evidence: { level: r3(level), levelSolventSds: r3(sds), levelFraction: r3(fraction), solventStd: r3(noise) },
  };
}

/**
 * `locally-filtered`: the solvent's share of the amplitude collapses with frequency while the map's
 * spectrum goes on (see {@link THRESHOLDS}`.locallyFilteredShareDropLn` and docs/diagnostics.md): the
 * solvent was low-passed more than the molecule, as a local filter (blocfilt, RELION's
 * locres-filtered map, cryoSPARC's local filtering) or a denoiser does. Not judged on a map with a
 * `masked` or `flattened` finding (no solvent noise to measure).
 * @param ns solvent noise spectrum
 * @param others the map's other findings
 */
export function locallyFilteredFinding(ns: NoiseSpectrum, others: readonly Finding[]): Finding | undefined {
  if (others.some((f) => f.code === 'masked' || f.code === 'flattened' || f.code === 'not-density')) return undefined;
  const drop = ns.solventShareDropLn;
  if (!(drop > T.locallyFilteredShareDropLn)) return undefined;
  const from = 1 / ns.solventShareDropFromPerA, to = 1 / ns.solventShareDropToPerA;
  return {
    code: 'locally-filtered',
    severity: 'warning',
    message: `locally filtered: the solvent's share of the amplitude falls ${Math.exp(drop).toFixed(0)}-fold from ${from.toFixed(1)} to ${to.toFixed(1)} Å while the map's own spectrum goes on, so the solvent was low-passed more than the molecule (a local filter or a denoiser); the solvent model, confidence and local scale then describe the filter, not the map: use the raw map (e.g. the average of the unfiltered half maps).`,
    evidence: { shareDropLn: r3(drop), fromA: r3(from), toA: r3(to), solventFraction: r3(ns.solventFraction) },
  };
}

/**
 * `sharpened`: the solvent noise rises towards the resolution (rule 1), or the Guinier B is small
 * for the resolution the spectrum reaches while the solvent noise is not white (rule 2); when the
 * solvent noise could not be measured (`ns.noiseRiseLn` NaN: no solvent in the centre cube, or too
 * few shells; or, since session 58, the band lies where the signal still dominates, without a hard
 * cut-off: a map whose resolution lies beyond Nyquist), rule 2 judges only a spectrum that rises
 * (B < 0); rule 2 only where its fit ends at 12 Å or finer; see {@link THRESHOLDS} and
 * docs/diagnostics.md.
 * @param gf Guinier fit of the centre cube's total spectrum
 * @param ns solvent noise spectrum (omit to use rule 2 alone)
 */
export function sharpeningFinding(gf: GuinierFit & { notMeasurable?: string | null }, ns?: NoiseSpectrum): Finding | undefined {
  // rule 1 only where the band lies at the map's resolution: without a hard cut-off it ends at 0.9 ×
  // Nyquist, and where the molecule's signal still dominates there (the solvent's share far below
  // 1) the map's resolution lies beyond Nyquist (binned by Fourier cropping): the band then holds the
  // molecule's leakage, a mask edge's ringing or the map's own mid-resolution noise (session 58:
  // EMD-1997 cropped 1.5–3 ×, EMD-5625 2 ×, EMD-5168 3 × had been called sharpened). The rise then
  // counts as not measured, for rule 2 too (masked synthetic maps cropped 2 ×: rule 2 with the
  // white-noise guard taken away by the ringing's rise)
  const nyquistLimited = ns !== undefined && !Number.isFinite(ns.cutoffPerA) && ns.bandEndShareLn < T.nyquistLimitedShareLn;
  const rise = ns && !nyquistLimited ? ns.noiseRiseLn : Number.NaN;
  const noiseEvidence: Record<string, number> = ns ? { noiseRiseLn: r3(ns.noiseRiseLn), noiseBandFromA: r3(1 / ns.bandFromPerA), noiseBandToA: r3(1 / ns.bandToPerA), solventFraction: r3(ns.solventFraction) } : {};
  const advice = 'local scale in resolution mode and the confidence assume a raw map\'s fall-off: use the unsharpened map.';
  // rule 1 only where sharpening can show in the band (see THRESHOLDS.noiseRiseBandPerA)
  if (Number.isFinite(rise) && rise > T.sharpenedNoiseRise && ns && ns.bandToPerA >= T.noiseRiseBandPerA) {
    return {
      code: 'sharpened',
      severity: 'warning',
      message: `the solvent noise grows towards the resolution (ln amplitude +${rise.toFixed(2)} from ${(1 / ns.bandFromPerA).toFixed(1)} to ${(1 / ns.bandToPerA).toFixed(1)} Å${Number.isFinite(ns.cutoffPerA) ? `, then a hard cut-off at ${(1 / ns.cutoffPerA).toFixed(1)} Å` : ''}): the map looks sharpened (a raw map's noise is flat or falls); ${advice}`,
      evidence: { rule: 'noise-rise', ...noiseEvidence, cutoffA: Number.isFinite(ns.cutoffPerA) ? r3(1 / ns.cutoffPerA) : null, guinierBA2: r3(gf.bFactorA2) },
    };
  }
  // rule 2 only where its fit reaches the Wilson range (session 58: maps Fourier-cropped to a
  // coarse Nyquist fit from 30–60 Å to 15–33 Å, the molecule's shape transform, with B_ref ≥ 3200 Å²;
  // EMD-1883 2 × / 3 ×, β-gal 1.5 ×, EMD-1439 2 ×, EMD-5170 3 × and a synthetic 8 Å map 2 × had
  // been called sharpened; see THRESHOLDS.flatSignalFitPerA)
  if (!Number.isFinite(gf.ruleBFactorA2) || gf.ruleFitShells < 3 || !(gf.ruleFitToPerA >= T.flatSignalFitPerA)) return undefined;
  // the rule's statistic (calibrated on it), not the reported B (see GuinierFit.ruleBFactorA2)
  const d = 1 / gf.ruleFitToPerA;
  const ratio = gf.ruleBFactorA2 / referenceBFactor(d);
  // white solvent noise just below a resolution finer than 10 Å: a simulated map of sharp atoms, not
  // a sharpened one — unless the amplitudes rise with frequency (B < 0), which no raw map does, not
  // even of sharp atoms (Gaussian atoms fall: raw ratios ≥ 0.238 in docs/diagnostics/sharpening.csv).
  // A map sharpened by −200 Å² under a soft (Butterworth) low-pass whose noise spectrum the
  // high-frequency noise had flattened (rise +0.03, Guinier B −130 Å²) passed as raw (session 52)
  // …and a falling noise (session 56): a blur (B > 0) makes white noise fall as it steepens the
  // signal's fall, so a simulated map of sharp atoms blurred by +50 … +100 Å² (synth_occ128 /
  // synth_flex128: rise −0.25 … −0.50, ratio 0.49 … 0.71 with a cut-off) was called sharpened. The
  // fall is read as a blur, B_blur = −4·rise / (end² − start²) of the band, and taken off the signal's
  // B: cleared when what is left does not rise (≥ −0.1 of B_ref: the blur is read from another band
  // than the signal's B, so a signal that is flat under white noise scatters around 0 — a 10 Å map
  // at 2 Å voxels blurred by +100 Å² read −0.01), as the white-noise guard clears a map of sharp
  // atoms; rising noise (> the white limit) is not cleared
  const blurA2 = ns && rise < 0 ? (-4 * rise) / (ns.bandToPerA ** 2 - ns.bandFromPerA ** 2) : 0;
  const deblurred = (gf.ruleBFactorA2 - blurA2) / referenceBFactor(d);
  if (deblurred >= (blurA2 > 0 ? T.deblurredRatioMin : 0) && ns && Number.isFinite(rise) && rise <= T.sharpenedWhiteNoiseRise && ns.bandToPerA >= T.whiteNoiseBandPerA) return undefined;
  // no solvent noise to measure (the centre cube lies inside the molecule: a crop, or a box the
  // molecule fills; rise NaN): then only the signal speaks, and a falling one (ratio ≥ 0) is what a
  // raw map of sharp atoms shows as well as a sharpened one (crops of the raw synth_* maps to
  // 12–40³: ratio 0.36–0.59, 21 of 26 flagged, session 53). Judged only when the spectrum
  // rises (ratio < 0), which no raw map's does.
  if (ratio >= 0 && ns && !Number.isFinite(rise)) return undefined;
  const cut = gf.cutoffDropLn > CUTOFF_DROP_LN;
  const limit = cut ? T.sharpenedBRatioWithCutoff : T.sharpenedBRatio;
  if (ratio >= limit) return undefined;
  return {
    code: 'sharpened',
    severity: 'warning',
    message: `the amplitude spectrum hardly falls (${Number.isFinite(gf.bFactorA2) && !gf.notMeasurable ? `Guinier B ≈ ${gf.bFactorA2.toFixed(0)} Å² between ${(1 / gf.fitFromPerA).toFixed(1)} and ${(1 / gf.fitToPerA).toFixed(1)} Å` : `B ratio ${ratio.toFixed(2)} to ${d.toFixed(1)} Å`}${cut ? `, then a hard cut-off at ${(1 / gf.cutoffPerA).toFixed(1)} Å` : ''}): the map looks sharpened; ${advice}`,
    evidence: { rule: 'flat-signal', guinierBA2: r3(gf.bFactorA2), ruleBA2: r3(gf.ruleBFactorA2), referenceBA2: r3(referenceBFactor(d)), bRatio: r3(ratio), fitFromA: r3(1 / gf.fitFromPerA), fitToA: r3(d), cutoffA: cut ? r3(1 / gf.cutoffPerA) : null, cutoffDropLn: r3(gf.cutoffDropLn), ...noiseEvidence },
  };
}

/**
 * Of the voxels farther than 2 % of the range from the minimum, the share within 2 % of the range
 * from the maximum: 1 for a binary mask, small for density whose values spread over the range.
 * NaN when every voxel lies near the minimum.
 * @param data the map's voxels
 * @param min the map's minimum
 * @param max the map's maximum (> min)
 */
export function nearTopShare(data: ArrayLike<number>, min: number, max: number): number {
  const band = 0.02 * (max - min);
  let above = 0, top = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - min > band) {
      above++;
      if (max - x <= band) top++;
    }
  }
  return above > 0 ? top / above : Number.NaN;
}

/**
 * How many distinct values a map holds when they are all integers and at most `cap`, else
 * undefined (a labels map: 0 and its labels 1, 2, …; a density map has far more values).
 * @param data the map's voxels
 * @param cap largest count looked for (a value beyond it ends the scan)
 */
export function integerLevels(data: ArrayLike<number>, cap: number): number | undefined {
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!Number.isInteger(x)) return undefined;
    if (!seen.has(x)) {
      seen.add(x);
      if (seen.size > cap) return undefined;
    }
  }
  return seen.size;
}
