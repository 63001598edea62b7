import { VOXEL_SIZE_MATCH_TOLERANCE } from '../core/grid-match.js';

/**
 * Thresholds of the input diagnostics. Each was set from measurements on the real maps in
 * `../shared/data` and on processed variants of raw synthetic and real maps; the values measured
 * on each side of every threshold are tabulated and plotted in docs/diagnostics.md.
 */
export const THRESHOLDS = {
  /** `masked`/`flattened`: one exact value on at least this fraction of the face voxels… (raw maps ≤ 0.002, masked ≥ 0.158) */
  faceConstantFraction: 0.05,
  /** …and on at least this fraction of all voxels. */
  constantGlobalFraction: 0.005,
  /**
   * `masked` (smooth fall): local std just inside the inscribed sphere (0.9–1.0 of its radius)
   * below this fraction of the local std at 0.6–0.8 of it (raw ≥ 0.58 with a molecule there,
   * Gaussian-tailed masks ≤ 0.19)…
   */
  edgeFallRatio: 0.35,
  /** …and the corners (beyond 1.2 × the radius) below this fraction of the 0.6–0.8 std (raw ≥ 0.038). */
  cornerFallRatio: 0.01,
  /**
   * `masked` (near-constant background): local std at 0.9–1.0 and in the corners below this
   * fraction of the map's std (raw ≥ 0.12 / 0.022: EMD-1883 0.122 / 0.0215, the other raw maps
   * ≥ 0.158 at the edge; EMD-1439 0.005). Was 0.02 until session 55, which let a denoised solvent
   * pass as raw: the synth_* maps with their solvent × 0.02 outside a soft molecular mask (as
   * DeepEMhancer or LocScale leave it: near-noiseless, not zero) read 0.034–0.039 at the edge and
   * in the corners, and the estimate's confidence in the 25 %-occupied domain of synth_occ128 rose
   * from 0.15 to 0.85 (confidence limit 0.160 → 0.014), as on the same map masked, with no warning.
   */
  constantBackgroundStd: 0.05,
  /**
   * `offset`: the background level (median of the corner blocks' means) farther from 0 than this
   * many of the corner blocks' standard deviations (median)… Unprocessed maps (session 55): the
   * shared synth_* maps and half maps ≤ 0.011, EMD-1883 0.32, EMD-3197 0.79 (its 20³ box is
   * mostly molecule), EMD-5168 0.007; β-gal 42.9 (its corners are blanked to ~0: noise 6e-5 of
   * its std), kept clean by the fraction below (0.0002); synth_occ128 + 0.05 (the estimate: 34 %
   * of s_max) 3.96, + 0.02 1.59 (not flagged: the estimate's own warning, from the low-passed
   * map's narrower solvent peak, still says it), + 100 × its std 113.
   */
  offsetSolventStds: 2,
  /**
   * …and than this fraction of the largest |value| of the map (the estimate warns from 5 % of
   * s_max, src/occupancy/estimate.ts; the map's extreme is above s_max, so this is the stricter).
   * Unprocessed maps ≤ 0.002 but EMD-3197 0.125 (0.79 SDs); synth_occ128 + 100 × its std: 0.895.
   */
  offsetFraction: 0.05,
  /** `flattened` with a near-constant background: |background mean − 0| above this many background stds. */
  flattenedOffsetStds: 3,
  /** `not-density` (near-binary): fraction of voxels within 2 % of the range from min or max (raw ≤ 0.12, binary 1.0). */
  nearBinaryFraction: 0.95,
  /**
   * …and of the voxels not near the minimum at least this share near the maximum (binary masks
   * 1.0). Until session 55 the first condition alone called density cut out by a tight hard mask
   * (all its values ≥ 0, as a ChimeraX zone or a segment also writes) a mask, and the estimate
   * refused it: β-gal and EMD-1883 × a binary molecular mask (95–98 % exact zeros) read a share
   * of 0.0006 and 0.0002; synth_halves128's soft mask 0.52 (and [0, 1]: a soft mask anyway).
   */
  binaryTopShare: 0.3,
  /**
   * …but a map whose values are at most this many consecutive integers (3 or more: 0, 1, 2, …) is
   * a labels map
   * (segmentation) and not density: synth_*'s truth_labels (0–4, share near the top 0.24) had
   * passed the rule above in session 55 and been called a local-resolution map in Å. Density
   * stored as int8 (mode 0) under a tight mask keeps far more levels.
   */
  labelMaxLevels: 32,
  /** `not-density` (local resolution): values besides the background within [min, max] Å… */
  localResolutionMinA: 1,
  localResolutionMaxA: 100,
  /** …with a constant background on at least this fraction of the voxels. */
  localResolutionBackground: 0.05,
  /** `not-density` (no solvent peak): the fullest 1/64 of the value range lies above this position… */
  peakPositionMax: 0.75,
  /** …and holds at least this fraction of the voxels. */
  peakFractionMin: 0.2,
  /**
   * `sharpened`, rule 1 (solvent noise rises): the rise of ln(solvent noise amplitude) across the
   * band from 0.75 × to 1 × the end frequency (three shells before a hard cut-off, or 0.9 ×
   * Nyquist) above this. Sharpening by B multiplies the noise by exp(|B| k²/4), so it rises; a raw
   * map's noise is white (synthetic: −0.014 … +0.024 over 16 maps, 0.8–3.5 Å voxels, 3–12 Å,
   * SNR 0.7–20) or falls (real raw: EMD-5168 −0.095, EMD-1883 −0.097, β-gal −1.15; the shared
   * synth_* maps −0.051 … −0.014). Sharpened by −100 Å² then low-passed: 3–6 Å maps ≥ 0.19, 8–12 Å
   * maps −0.009 … 0.14 (a B of −100 changes a 12 Å map's amplitude at its resolution by 19 %);
   * low-passed only −0.064 … +0.016 (docs/diagnostics/sharpening.csv).
   */
  sharpenedNoiseRise: 0.05,
  /**
   * …judged only when the noise band ends finer than this (1/Å, = 25 Å). Coarser, even B = −300 Å²
   * moves ln A across a band of 0.75–1 × its end by at most 300/4 × (1/25² − 1/33.3²) = 0.05, the
   * rise limit itself, so the rise says nothing of sharpening (EMD-1883, band 37–26 Å: B −100 …
   * −300 rise −0.032 … −0.006, found by rule 2 only), while a crop or a resampling shifts the
   * molecule's low-resolution tails in the solvent weight by more: EMD-1883 cropped to 50³ (band
   * 62–31 Å) +0.178, Fourier-upsampled 2× (59–30 Å) +0.092, both called sharpened until
   * session 55. The coarse sharpened maps this rule finds (12 Å maps cut at 12 Å) have bands
   * ending near 13–17 Å.
   */
  noiseRiseBandPerA: 1 / 25,
  /**
   * …and, without a hard cut-off (the band ending at 0.9 × Nyquist), only when the solvent's share
   * of the amplitude at the band's end (`NoiseSpectrum.bandEndShareLn`, ln noise/total) is at least
   * this (session 58): below it the molecule's signal is still > 3.7 × the solvent noise at 0.9 ×
   * Nyquist, i.e. the map's resolution lies beyond Nyquist (binned by Fourier cropping, as RELION and
   * cryoSPARC downsample), and the band does not lie at the resolution. Calibration maps found by
   * rule 1 (docs/diagnostics/sharpening.csv): ≥ −1.12 (a synthetic 4 Å map at SNR 20 sharpened by
   * −100 Å²; with a cut-off, exempt), EMD-1997 sharpened by −100 Å² −0.98; the Fourier-cropped maps
   * called sharpened by rule 1: EMD-5168 3 × −1.44, EMD-1997 1.5–3 × and EMD-5625 2 × (masked: the
   * crop's ringing of the mask edge) ≤ −2.8. Sharpening scales signal and noise alike, so it leaves
   * the share unchanged.
   */
  nyquistLimitedShareLn: -1.3,
  /**
   * `sharpened`, rule 2 (signal hardly falls): Guinier B of the total spectrum over
   * B_ref = 14.24·d² (the B of Gaussian atoms of FWHM d, with d the resolution where the fit ends)
   * below this (real raw ≥ 0.96, real maps low-passed only ≥ 0.47; raw synthetic maps, down to
   * 0.18, are cleared by the white-noise guard below). EMD-1883, whose own spectrum ends near 20 Å,
   * shows its sharpening only here: B = −100 0.36, −150 0.31, −200 0.25, −300 −0.09 (0.3 found
   * the last two only)…
   */
  sharpenedBRatio: 0.4,
  /**
   * …judged only when the fit ends at this frequency (1/Å, = 12 Å) or finer (session 58). A map
   * Fourier-cropped to a Nyquist coarser than its resolution fits from Nyquist/2 (30–60 Å) to 15–33 Å,
   * where a map's spectrum is its shape transform, not a B-factor fall, and B_ref ≥ 3200 Å²: six such
   * unsharpened maps read ratios 0.11–0.74 and were called sharpened. The calibration's rule-2
   * findings (EMD-1883 sharpened) fit to 9.1–9.5 Å; at 12 Å a B of −300 Å² moves the ratio by 0.15.
   */
  flatSignalFitPerA: 1 / 12,
  /** …or below this when the spectrum ends in a hard cut-off (raw maps with a cut-off: EMD-5168 1.19)… */
  sharpenedBRatioWithCutoff: 0.75,
  /**
   * …and only when the solvent noise is not white: |noise rise| above this (not measured: rule 2
   * then judges only B < 0, session 53, see `classify.ts`). A
   * simulated map of sharp atoms in white noise (the synth_* maps of ../shared/reference, |rise|
   * ≤ 0.051) has a flat signal spectrum without being sharpened; had it been sharpened, its noise
   * would rise (rule 1). Real maps' noise falls (β-gal's sharpened variants: rise −0.43 … −0.66).
   * Since session 56 a noise that falls by more counts too, its fall read as a blur and taken off
   * the signal's B first (`classify.ts`: blurred maps of sharp atoms had been called sharpened; β-gal's
   * sharpened variants are no longer found, docs/diagnostics.md).
   */
  sharpenedWhiteNoiseRise: 0.2,
  /**
   * …and with a falling noise, read as a blur and taken off the signal's B (session 56), the ratio
   * left must be at least this (what is left of a blurred map of sharp atoms ≈ its raw ratio,
   * 0.18 … 0.46; a 10 Å synthetic map at 2 Å voxels, its signal under white noise from 9.8 to
   * 6.4 Å, blurred by +100 Å²: −0.01).
   */
  deblurredRatioMin: -0.1,
  /**
   * `locally-filtered`: the solvent's share of the amplitude (`NoiseSpectrum.solventShareDropLn`)
   * falls by more than this (ln 5) from one shell to a later one. Raw and globally low-passed maps
   * ≤ ln 2.3 (EMD-5168, the largest; the synth_* references ≤ ln 1.2; raw synthetic maps, their
   * sharpened and low-passed variants, docs/diagnostics.md); locally filtered ones ≥ ln 10 (filtered
   * by the true local resolution with the solvent at the coarsest domain's, or by a local FSC of the
   * whole box).
   */
  locallyFilteredShareDropLn: Math.log(5),
  /**
   * …judged only when the band of the noise rise ends finer than this (1/Å, = 10 Å): coarser, the
   * solvent region holds low-resolution structure, not white noise (EMD-1883: band 26–35 Å).
   */
  whiteNoiseBandPerA: 0.1,
  /**
   * `inverted`: skewness of the sample below this… Raw maps (session 51): the nine real maps of
   * `../shared/data` +2.28 … +9.35 except EMD-3197 −0.03 (a 20³ box nearly filled by its
   * molecule); synth_* maps and half maps +0.33 … +1.24; a map sharpened by −100 Å² −0.01. The same
   * maps × −1: the negatives (noisy synthetic half maps −0.33 … −0.41).
   */
  invertedSkewness: -0.15,
  /**
   * …and the tail ratio (99.9th percentile − median) / (median − 0.1th percentile) below this (raw:
   * real maps 1.60 … 9.09 except EMD-3197 0.98, synthetic 1.48 … 2.55; × −1: 0.11 … 0.64)…
   */
  invertedTailRatio: 0.8,
  /** …on a sample of at least this many voxels (boxes under 16³ scatter: a 4³ crop of synth_occ128 reads −0.53 / 0.57). */
  invertedMinSamples: 4096,
  /** `identical-halves`: the lowest FSC over all shells above this. */
  identicalFsc: 0.999,
  /**
   * `anti-correlated-halves`: mean FSC of the centre cubes over the low-frequency shells (shells
   * 1–3, and any further ones coarser than {@link THRESHOLDS.lowFrequencyA}) below this: one half
   * has inverted contrast (× −1). Pairs of half maps read +0.92 … +1.00 there, the same pairs with
   * one half × −1 the negative of that (measured values in docs/diagnostics.md, Half maps).
   */
  antiCorrelatedFsc: -0.5,
  /** `anti-correlated-halves`: shells coarser than this (Å) count as low frequency (at least shells 1–3). */
  lowFrequencyA: 20,
  /**
   * `halves-differ-in-scale`: the ratio of the halves' standard deviations (over the box) beyond
   * this or its inverse (independent halves of the shared references: 0.9998 and 1.0000; one
   * half × 2, as from another program's scaling: 2.00).
   */
  halfScaleRatio: 1.1,
  /**
   * `halves-differ-in-scale`: the difference of the halves' means (over the box) beyond this many
   * of their standard deviations (shared references: 0.0014 and 0.0006; one half + 5 on a 64³
   * crop of synth_halves128: 151).
   */
  halfLevelSd: 0.2,
  /** `not-independent`: mean FSC over the shells beyond 0.8 × Nyquist above this (independent halves ≈ 0). */
  dependentFsc: 0.3,
  /**
   * `not-independent`: only shells whose mean power is at least this share of the strongest
   * shell's (a cryo-EM map's radial power spans at most ~10⁶; beyond a low-pass only the
   * centre cubes' window leakage is left, 10⁻⁷–10⁻¹⁰ of the strongest shell).
   */
  heldPowerShare: 1e-6,
  /** `masked` said as padded: at most this share of exact zeros inside the non-zero data's box. */
  paddedZeroShare: 1e-3,
  /** `voxel-size-mismatch`: relative difference of the voxel sizes above this (the commands' and the library's rule for every second map: src/core/grid-match.ts). */
  voxelSizeTolerance: VOXEL_SIZE_MATCH_TOLERANCE,
} as const;

/** B-factor (Å²) of a Gaussian atom blurred to FWHM `resolutionA`: 8π²σ², σ = FWHM / 2.3548. */
export function referenceBFactor(resolutionA: number): number {
  const sigma = resolutionA / 2.3548;
  return 8 * Math.PI * Math.PI * sigma * sigma;
}
