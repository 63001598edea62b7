/**
 * 1-D CTF and the comparison of the true CTF with the one modelled at a wrong pixel size.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from 'vega-lite';
import { renderVegaLite } from '../../src/plots/render.js';
import { ctf1d, ctfComparison, ctfComparisonSpec, ctfPhaseFunction, electronWavelengthA } from '../../src/pixel-size/index.js';

const close = (actual: number, expected: number, tol: number, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected} ± ${tol}, got ${actual}`);
};

const scope = { voltageKv: 300, csMm: 2.7, amplitudeContrast: 0.1 };

describe('ctf1d', () => {
  const c = ctf1d({ ...scope, defocusA: 10000, pixelA: 1.0, n: 501 });

  it('samples 0 … Nyquist; CTF(0) = −Q; χ follows the formula', () => {
    assert.equal(c.s.length, 501);
    assert.equal(c.s[0], 0);
    close(c.s[500], 0.5, 1e-15);
    close(c.ctf[0], -0.1, 1e-12, 'CTF(0) = −sin(atan(Q/sqrt(1−Q²))) = −Q');
    const lambda = electronWavelengthA(300);
    const s = c.s[123];
    const chi = Math.PI * lambda * 10000 * s * s - (Math.PI / 2) * 2.7e7 * lambda ** 3 * s ** 4 + Math.atan(0.1 / Math.sqrt(0.99));
    close(c.chi[123], chi, 1e-12);
    close(c.ctf[123], -Math.sin(chi), 1e-12);
  });

  it('zeros of the true CTF are where χ = kπ (spot check k = 3 by bisection on χ)', () => {
    const chi = ctfPhaseFunction({ ...scope, defocusA: 10000 });
    // χ increases over [0, 0.25] 1/Å at 1 µm defocus: solve χ(s) = 3π
    let lo = 0;
    let hi = 0.25;
    for (let k = 0; k < 80; k++) {
      const mid = (lo + hi) / 2;
      if (chi(mid) < 3 * Math.PI) lo = mid;
      else hi = mid;
    }
    const s0 = (lo + hi) / 2;
    const at = ctf1d({ ...scope, defocusA: 10000, pixelA: 1 / (2 * s0), n: 2 }); // last sample = s0
    close(at.ctf[1], 0, 1e-9, 'CTF at χ = 3π');
    // and the sampled curve changes sign around s0
    const i = c.s.findIndex((s) => s > s0);
    assert.ok(c.ctf[i - 1] * c.ctf[i] < 0, `sign change between ${c.s[i - 1]} and ${c.s[i]}`);
  });

  it('applies the B-factor envelope exp(−B s²/4)', () => {
    const b = ctf1d({ ...scope, defocusA: 10000, pixelA: 1.0, n: 501, bfactor: 100 });
    close(b.ctf[300], c.ctf[300] * Math.exp((-100 * c.s[300] ** 2) / 4), 1e-12);
  });

  it('rejects bad parameters', () => {
    assert.throws(() => ctf1d({ ...scope, defocusA: 1e4, pixelA: 0, n: 10 }), /pixelA must be a finite positive number/);
    assert.throws(() => ctf1d({ ...scope, defocusA: 1e4, pixelA: 1, n: 1 }), /n must be an integer >= 2, got 1/);
    assert.throws(() => ctf1d({ ...scope, amplitudeContrast: 1, defocusA: 1e4, pixelA: 1, n: 10 }), /amplitudeContrast must be in \[0, 1\), got 1/);
    assert.throws(() => ctf1d({ ...scope, voltageKv: 0, defocusA: 1e4, pixelA: 1, n: 10 }), /voltageKv/);
  });
});

describe('ctfComparison', () => {
  const sixPercent = { ...scope, defocusA: 10000, truePixelA: 1.0, nominalPixelA: 1.06 };

  it('with refitCs the two curves agree everywhere', () => {
    const r = ctfComparison({ ...sixPercent, refitCs: true });
    assert.ok(r.maxAbsDeltaChi < 1e-6, `max |Δχ| = ${r.maxAbsDeltaChi}`);
    close(r.model.csMm, 2.7 * 1.06 ** 4, 1e-12);
    close(r.model.defocusA, 10000 * 1.06 ** 2, 1e-9);
    assert.equal(r.outOfPhase, undefined);
    for (let i = 0; i < r.s.length; i++) close(r.ctfModel[i], r.ctfTrue[i], 1e-6);
  });

  it('with true == nominal they agree', () => {
    const r = ctfComparison({ ...sixPercent, nominalPixelA: 1.0 });
    assert.equal(r.maxAbsDeltaChi, 0);
    assert.deepEqual(r.crossings, []);
    assert.deepEqual(r.ctfModel, r.ctfTrue);
  });

  it('6 % error at 300 kV, 2.7 mm, 1 µm: out of phase finer than 3 Å, exactly where |Δχ| = π/2', () => {
    const r = ctfComparison(sixPercent);
    assert.equal(r.model.csMm, 2.7);
    const out = r.outOfPhase;
    assert.ok(out, 'out of phase before Nyquist');
    assert.ok(Number.isFinite(out.resolutionA) && out.resolutionA < 3 && out.resolutionA > 2, `out of phase at ${out.resolutionA} Å`);
    close(out.resolutionA, 1 / out.frequencyPerA, 1e-12);
    // evaluate χ directly: Δχ(s) = χ_model(s·p_true/p_nom) − χ_true(s)
    const chiTrue = ctfPhaseFunction({ ...scope, defocusA: 10000 });
    const chiModel = ctfPhaseFunction({ ...scope, defocusA: 10000 * 1.06 ** 2 });
    const delta = (s: number): number => chiModel(s / 1.06) - chiTrue(s);
    close(Math.abs(delta(out.frequencyPerA)), Math.PI / 2, 1e-9);
    assert.ok(Math.abs(delta(out.frequencyPerA * 0.999)) < Math.PI / 2);
    assert.ok(Math.abs(delta(out.frequencyPerA * 1.001)) > Math.PI / 2);
    // closed form: (π/2) Cs λ³ s⁴ (1 − (p_true/p_nom)⁴) = π/2
    const lambda = electronWavelengthA(300);
    const s4 = 1 / (2.7e7 * lambda ** 3 * (1 - 1.06 ** -4));
    close(out.frequencyPerA, s4 ** 0.25, 1e-9);
    // the sampled Δχ is the same function
    close(r.deltaChi[700], delta(r.s[700]), 1e-9);
    assert.equal(r.backInPhase, undefined, 'stays out of phase up to Nyquist (2 Å)');
  });

  it("RELION's example (true 0.51, nominal 0.54 Å/px, 5000 Å): out of phase, then back in phase near |Δχ| = 3π/2", () => {
    const r = ctfComparison({ ...scope, defocusA: 5000, truePixelA: 0.51, nominalPixelA: 0.54 });
    assert.ok(r.outOfPhase && r.backInPhase, 'both crossings before Nyquist (1.02 Å)');
    assert.ok(r.backInPhase.frequencyPerA > r.outOfPhase.frequencyPerA);
    const i = Math.round((r.backInPhase.frequencyPerA / (1 / 1.02)) * (r.s.length - 1));
    close(Math.abs(r.deltaChi[i]), (3 * Math.PI) / 2, 0.05);
    assert.deepEqual(r.crossings.slice(0, 2).map((c) => c.direction), ['out', 'in']);
  });

  it('ctfComparisonSpec: both curves, rules at the crossings named in the legend (no text over the curves); compiles and renders to SVG', async () => {
    const r = ctfComparison({ ...scope, defocusA: 5000, truePixelA: 0.51, nominalPixelA: 0.54, n: 400 });
    const spec = ctfComparisonSpec(r, 'CTF at 0.51 vs 0.54 Å/px');
    assert.ok('layer' in spec);
    assert.equal(spec.layer.length, 2, 'curves + one layer of rules');
    assert.doesNotMatch(JSON.stringify(spec.layer), /"type":"text"/, 'no text mark on the plot area (issue 13 item 10)');
    const json = JSON.stringify(spec);
    assert.match(json, /spatial frequency \(1\/Å\)/);
    assert.match(json, /out of phase \d\.\d\d Å/);
    assert.match(json, /back in phase \d\.\d\d Å/);
    compile(spec);
    const { svg } = await renderVegaLite(spec, { pngWidthPx: 300 });
    assert.match(svg, /^<svg/);
    assert.match(svg, /true: 0\.510 Å\/px/);
    // the crossing labels are legend entries (with their frequency), outside the plot area
    assert.match(svg, /out of phase 2\.\d\d Å \(0\.\d{3} 1\/Å\)/);
    assert.match(svg, /back in phase 1\.\d\d Å/);
    const none = ctfComparisonSpec(ctfComparison({ ...sixPercent, refitCs: true, n: 50 }), 'refit');
    assert.ok('layer' in none && none.layer.length === 1, 'no rules when the curves stay in phase');
  });
});
