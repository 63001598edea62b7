/**
 * 1-D contrast transfer function (CTF) and what a wrong pixel size does to it.
 *
 * χ(s) = π λ Δf s² − (π/2) Cs λ³ s⁴ + φ,   CTF(s) = −sin χ(s) · exp(−B s²/4),
 * with s the spatial frequency in 1/Å, λ the electron wavelength in Å, Δf the defocus in Å
 * (positive = underfocus, as RELION's `rlnDefocusU`), Cs in Å (mm × 1e7) and the amplitude
 * contrast phase φ = atan(Q / sqrt(1 − Q²)).
 * Sign: −sin χ is negative at low frequency (dark protein on a bright background). RELION's
 * `CTF::getCTF` returns +sin χ in this notation (its images are contrast-inverted); zeros and
 * phase differences are the same in both.
 *
 * @see https://relion.readthedocs.io/en/latest/Reference/PixelSizeIssues.html
 */
import type { TopLevelSpec } from 'vega-lite';
import { electronWavelengthA } from './electron.js';

/** Microscope and defocus parameters of a CTF. */
export interface CtfParams {
  /** Acceleration voltage, kV (> 0). */
  voltageKv: number;
  /** Spherical aberration, mm (finite; ≈ 0 for Cs-corrected instruments). */
  csMm: number;
  /** Defocus, Å (positive = underfocus). */
  defocusA: number;
  /** Amplitude contrast Q in [0, 1) (RELION `rlnAmplitudeContrast`, typically 0.1). */
  amplitudeContrast: number;
}

function checkCtfParams(p: CtfParams): void {
  electronWavelengthA(p.voltageKv); // validates the voltage
  if (!Number.isFinite(p.csMm)) throw new RangeError(`csMm must be a finite number (mm), got ${p.csMm}`);
  if (!Number.isFinite(p.defocusA)) throw new RangeError(`defocusA must be a finite number (Å), got ${p.defocusA}`);
  if (!(p.amplitudeContrast >= 0 && p.amplitudeContrast < 1)) throw new RangeError(`amplitudeContrast must be in [0, 1), got ${p.amplitudeContrast}`);
}

function checkPixel(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a finite positive number (Å/px), got ${v}`);
}

/** Phase shift from amplitude contrast, φ = atan(Q / sqrt(1 − Q²)), radians. */
export const amplitudeContrastPhase = (q: number): number => Math.atan(q / Math.sqrt(1 - q * q));

/**
 * Returns χ(s) = π λ Δf s² − (π/2) Cs λ³ s⁴ + φ as a function of s (1/Å), radians.
 * @throws RangeError for invalid parameters (voltage ≤ 0, non-finite Cs or defocus, Q ∉ [0, 1))
 */
export function ctfPhaseFunction(p: CtfParams): (sPerA: number) => number {
  checkCtfParams(p);
  const lambda = electronWavelengthA(p.voltageKv);
  const a = Math.PI * lambda * p.defocusA;
  const b = (Math.PI / 2) * p.csMm * 1e7 * lambda ** 3;
  const phi = amplitudeContrastPhase(p.amplitudeContrast);
  return (s) => {
    const s2 = s * s;
    return a * s2 - b * s2 * s2 + phi;
  };
}

/** Input of {@link ctf1d}. */
export interface Ctf1dInput extends CtfParams {
  /** Pixel size, Å/px; the curve runs from 0 to Nyquist 1/(2·pixelA). */
  pixelA: number;
  /** Number of samples, integer ≥ 2 (0 and Nyquist included). */
  n: number;
  /** B-factor of the envelope exp(−B s²/4), Å²; default 0 (no envelope). */
  bfactor?: number;
}

/** A sampled 1-D CTF. */
export interface Ctf1d {
  /** Spatial frequency, 1/Å, evenly spaced on [0, 1/(2·pixelA)]; length n. */
  s: Float64Array;
  /** χ(s), radians; length n. */
  chi: Float64Array;
  /** CTF(s) = −sin χ(s) · exp(−B s²/4), dimensionless; length n. */
  ctf: Float64Array;
}

/**
 * Sample the 1-D CTF from 0 to Nyquist (formula in the module comment).
 * @throws RangeError for a non-positive pixel size or voltage, n not an integer ≥ 2, a
 *   non-finite Cs, defocus or B-factor, or Q ∉ [0, 1)
 */
export function ctf1d(input: Ctf1dInput): Ctf1d {
  checkPixel('pixelA', input.pixelA);
  if (!Number.isInteger(input.n) || input.n < 2) throw new RangeError(`n must be an integer >= 2, got ${input.n}`);
  const bfactor = input.bfactor ?? 0;
  if (!Number.isFinite(bfactor)) throw new RangeError(`bfactor must be a finite number (Å²), got ${bfactor}`);
  const chiOf = ctfPhaseFunction(input);
  const nyquist = 1 / (2 * input.pixelA);
  const s = new Float64Array(input.n);
  const chi = new Float64Array(input.n);
  const ctf = new Float64Array(input.n);
  for (let i = 0; i < input.n; i++) {
    const si = (nyquist * i) / (input.n - 1);
    s[i] = si;
    chi[i] = chiOf(si);
    ctf[i] = -Math.sin(chi[i]) * Math.exp((-bfactor * si * si) / 4);
  }
  return { s, chi, ctf };
}

/** Input of {@link ctfComparison}. */
export interface CtfComparisonInput extends CtfParams {
  /** True pixel size, Å/px. */
  truePixelA: number;
  /** Pixel size used in processing, Å/px. */
  nominalPixelA: number;
  /** Whether the refinement also refitted Cs (4th-order aberrations); default false. */
  refitCs?: boolean;
  /** Number of samples from 0 to the true Nyquist frequency, integer ≥ 2; default 2048. */
  n?: number;
}

/** A frequency where the two CTFs go out of or back into phase. */
export interface PhaseCrossing {
  /** 'out': wrapped |Δχ| rises above π/2; 'in': it falls back below π/2. */
  direction: 'out' | 'in';
  /** Spatial frequency, 1/Å. */
  frequencyPerA: number;
  /** 1 / frequency, Å. */
  resolutionA: number;
}

/** Result of {@link ctfComparison}. */
export interface CtfComparison {
  /** The input, with defaults filled in. */
  input: Required<CtfComparisonInput>;
  /** Parameters the refinement at the nominal pixel size ends up with. */
  model: {
    /** Δf · (p_nom/p_true)², Å. */
    defocusA: number;
    /** Cs, or Cs · (p_nom/p_true)⁴ with refitCs, mm. */
    csMm: number;
  };
  /** True spatial frequency, 1/Å, evenly spaced on [0, 1/(2·truePixelA)]; length n. */
  s: Float64Array;
  /** True CTF −sin χ_true(s); length n. */
  ctfTrue: Float64Array;
  /** Modelled CTF −sin χ_model(s · p_true/p_nom); length n. */
  ctfModel: Float64Array;
  /** Δχ(s) = χ_model(s · p_true/p_nom) − χ_true(s), radians (not wrapped); length n. */
  deltaChi: Float64Array;
  /** max |Δχ| over the samples, radians. */
  maxAbsDeltaChi: number;
  /** Every out-of/back-into-phase crossing up to Nyquist, in order of frequency. */
  crossings: PhaseCrossing[];
  /** The first 'out' crossing, or undefined when the curves stay within π/2 up to Nyquist. */
  outOfPhase?: PhaseCrossing;
  /** The first 'in' crossing after {@link outOfPhase}, or undefined. */
  backInPhase?: PhaseCrossing;
}

/** Δχ wrapped to (−π, π]: 2π apart is in phase again. */
const wrap = (x: number): number => x - 2 * Math.PI * Math.round(x / (2 * Math.PI));

/**
 * Compare the true CTF with the CTF a refinement at the wrong (nominal) pixel size models.
 *
 * The refinement sees true frequency s as s' = s · p_true/p_nom and fits the defocus
 * Δf' = Δf · (p_nom/p_true)² (which makes the s² term exact); Cs stays unless `refitCs`, then
 * Cs' = Cs · (p_nom/p_true)⁴ (which makes the s⁴ term exact too). Without refitCs,
 * Δχ(s) = −(π/2) Cs λ³ s⁴ ((p_true/p_nom)⁴ − 1). The curves are out of phase where Δχ wrapped to
 * (−π, π] exceeds π/2 in magnitude and back in phase where it returns below π/2 (e.g. near
 * |Δχ| = 3π/2, where they agree again up to a full period — the "bump" in the FSC of the RELION
 * notes). Crossings are located on the sample grid and refined by bisection on the closed-form Δχ.
 *
 * @throws RangeError for invalid pixel sizes, CTF parameters or n (see {@link ctf1d})
 */
export function ctfComparison(input: CtfComparisonInput): CtfComparison {
  checkPixel('truePixelA', input.truePixelA);
  checkPixel('nominalPixelA', input.nominalPixelA);
  checkCtfParams(input);
  const n = input.n ?? 2048;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer >= 2, got ${n}`);
  const refitCs = input.refitCs ?? false;
  const ratio = input.nominalPixelA / input.truePixelA;
  const model = { defocusA: input.defocusA * ratio * ratio, csMm: refitCs ? input.csMm * ratio ** 4 : input.csMm };
  const chiTrue = ctfPhaseFunction(input);
  const chiModel = ctfPhaseFunction({ ...input, defocusA: model.defocusA, csMm: model.csMm });
  const delta = (s: number): number => chiModel(s / ratio) - chiTrue(s);

  const nyquist = 1 / (2 * input.truePixelA);
  const s = new Float64Array(n);
  const ctfTrue = new Float64Array(n);
  const ctfModel = new Float64Array(n);
  const deltaChi = new Float64Array(n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const si = (nyquist * i) / (n - 1);
    s[i] = si;
    const ct = chiTrue(si);
    const cm = chiModel(si / ratio);
    ctfTrue[i] = -Math.sin(ct);
    ctfModel[i] = -Math.sin(cm);
    deltaChi[i] = cm - ct;
    maxAbs = Math.max(maxAbs, Math.abs(cm - ct));
  }

  const outside = (x: number): boolean => Math.abs(wrap(delta(x))) > Math.PI / 2;
  const crossings: PhaseCrossing[] = [];
  let prev = outside(s[0]);
  for (let i = 1; i < n; i++) {
    const cur = outside(s[i]);
    if (cur === prev) continue;
    let lo = s[i - 1];
    let hi = s[i];
    for (let k = 0; k < 60 && hi - lo > 1e-15; k++) {
      const mid = (lo + hi) / 2;
      if (outside(mid) === prev) lo = mid;
      else hi = mid;
    }
    const f = (lo + hi) / 2;
    crossings.push({ direction: cur ? 'out' : 'in', frequencyPerA: f, resolutionA: 1 / f });
    prev = cur;
  }
  const outIdx = crossings.findIndex((c) => c.direction === 'out');
  const outOfPhase = outIdx >= 0 ? crossings[outIdx] : undefined;
  const backInPhase = outIdx >= 0 ? crossings.slice(outIdx + 1).find((c) => c.direction === 'in') : undefined;
  const result: CtfComparison = {
    input: { ...input, refitCs, n },
    model,
    s,
    ctfTrue,
    ctfModel,
    deltaChi,
    maxAbsDeltaChi: maxAbs,
    crossings,
  };
  if (outOfPhase) result.outOfPhase = outOfPhase;
  if (backInPhase) result.backInPhase = backInPhase;
  return result;
}

/**
 * A vega-lite spec of a {@link ctfComparison}: the true and the modelled CTF against spatial
 * frequency (1/Å, 0 … true Nyquist), with dashed vertical rules at the out-of-phase (red) and
 * back-in-phase (green) frequencies. The rules are named with their resolution in Å in the legend
 * below the plot, never as text on the plot, so no label sits over a curve.
 *
 * @param result the comparison
 * @param title plot title
 * @returns a vega-lite spec with inline data, 640×320 plot area (render with `renderVegaLite`)
 */
export function ctfComparisonSpec(result: CtfComparison, title: string): TopLevelSpec {
  const { input, model } = result;
  const trueLabel = `true: ${input.truePixelA.toFixed(3)} Å/px, Δf ${input.defocusA.toFixed(0)} Å, Cs ${input.csMm.toFixed(2)} mm`;
  const modelLabel = `refined at ${input.nominalPixelA.toFixed(3)} Å/px: Δf ${model.defocusA.toFixed(0)} Å, Cs ${model.csMm.toFixed(2)} mm`;
  const values: { s: number; ctf: number; series: string }[] = [];
  for (let i = 0; i < result.s.length; i++) {
    values.push({ s: result.s[i], ctf: result.ctfTrue[i], series: trueLabel });
    values.push({ s: result.s[i], ctf: result.ctfModel[i], series: modelLabel });
  }
  const x = { field: 's', type: 'quantitative' as const, title: 'spatial frequency (1/Å)', scale: { domain: [0, 1 / (2 * input.truePixelA)], nice: false } };
  const rules = (
    [
      [result.outOfPhase, 'out of phase', '#d62728'],
      [result.backInPhase, 'back in phase', '#2ca02c'],
    ] as [PhaseCrossing | undefined, string, string][]
  ).flatMap(([crossing, text, colour]) => (crossing ? [{ s: crossing.frequencyPerA, series: `${text} ${crossing.resolutionA.toFixed(2)} Å (${crossing.frequencyPerA.toFixed(3)} 1/Å)`, colour }] : []));
  const colour = {
    field: 'series',
    type: 'nominal' as const,
    title: null,
    scale: { domain: [trueLabel, modelLabel, ...rules.map((r) => r.series)], range: ['#ff7f0e', '#1f77b4', ...rules.map((r) => r.colour)] },
    legend: { orient: 'bottom' as const, direction: 'vertical' as const, labelLimit: 600, symbolType: 'stroke' },
  };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      data: { values },
      mark: { type: 'line', strokeWidth: 1.5, clip: true },
      encoding: {
        x,
        y: { field: 'ctf', type: 'quantitative', title: 'CTF', scale: { domain: [-1.05, 1.05] } },
        color: colour,
      },
    },
  ];
  if (rules.length) {
    layers.push({ data: { values: rules.map(({ s, series }) => ({ s, series })) }, mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 's', type: 'quantitative' }, color: colour } });
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, fontSize: 15 },
    width: 640,
    height: 320,
    background: 'white',
    config: { font: 'DejaVu Sans', view: { stroke: '#888' } },
    layer: layers,
  };
}
