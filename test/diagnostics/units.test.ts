/**
 * Input diagnostics, unit level: the Guinier fit against analytic spectra, the solvent-noise rise
 * against the B a map was sharpened by, the measurements on constructed maps with known answers, the solvent-model self-check, JSON forms.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { guinierAnalysis } from '../../src/diagnostics/guinier.js';
import { measureMapFeatures, sampleStride } from '../../src/diagnostics/map-features.js';
import { radialAmplitude } from '../../src/diagnostics/spectrum.js';
import { completeDiagnosis, diagnoseMap, diagnoseMapSteps, findingJson, referenceBFactor } from '../../src/diagnostics/index.js';
import { runStepsYielding } from '../../src/core/event-loop.js';
import { solventModelSelfCheck } from '../../src/occupancy/solvent-model.js';
import { densityHistogram } from '../../src/math/histogram.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import type { Volume } from '../../src/core/volume.js';
import { RAW_SPECS, rawSynthetic, sharpen } from './variants.js';
import { solventNoiseSpectrum } from '../../src/diagnostics/noise-spectrum.js';

before(async () => loadFft());

function noise(n: number, seed: number, a = 1): Volume {
  const r = gaussianSampler(mulberry32(seed));
  return { data: Float32Array.from({ length: n * n * n }, () => r()), shape: [n, n, n], voxelSizeA: [a, a, a] };
}

describe('Guinier analysis', () => {
  it('recovers B from ln A = c − B k²/4 above a noise plateau (within 5 %: the plateau bends the last shells)', () => {
    const df = 1 / 64;
    const n = 33;
    const f = Float64Array.from({ length: n }, (_, k) => k * df);
    for (const B of [50, 150, 400]) {
      const amplitude = Float64Array.from(f, (k) => Math.exp(5 - (B * k * k) / 4) + 1e-3);
      const g = guinierAnalysis({ frequencyPerA: f, amplitude, count: new Float64Array(n).fill(1), nyquistPerA: 0.5 });
      assert.ok(Math.abs(g.bFactorA2 - B) / B < 0.05, `B ${B}: got ${g.bFactorA2}`);
      assert.ok(!(g.cutoffDropLn > 2), 'a smooth fall is no cut-off');
    }
  });

  it('finds a hard cut-off and stops the fit before it', () => {
    const df = 1 / 64;
    const f = Float64Array.from({ length: 33 }, (_, k) => k * df);
    const amplitude = Float64Array.from(f, (k) => (k < 0.3 ? Math.exp(3) : 1e-4));
    const g = guinierAnalysis({ frequencyPerA: f, amplitude, count: new Float64Array(33).fill(1), nyquistPerA: 0.5 });
    assert.ok(g.cutoffDropLn > 2);
    assert.ok(Math.abs(1 / g.cutoffPerA - 1 / 0.3) < 0.3, `cut-off at ${1 / g.cutoffPerA} Å`);
    assert.ok(g.fitToPerA < 0.3);
    assert.ok(Math.abs(g.bFactorA2) < 1, `flat spectrum: B ${g.bFactorA2}`);
  });

  it('white noise has a flat radial amplitude (no shell more than 15 % off the mean beyond DC)', () => {
    const s = radialAmplitude(noise(64, 3));
    const a = Array.from(s.amplitude).slice(2);
    const m = a.reduce((x, y) => x + y, 0) / a.length;
    for (const v of a) assert.ok(Math.abs(v / m - 1) < 0.15, `${v} vs ${m}`);
  });

  it('sharpening white noise by B = −200 then low-passing reads as B ≈ −200 with a cut-off', () => {
    const v = sharpen(noise(64, 4), -200, 3);
    const g = guinierAnalysis(radialAmplitude(v));
    assert.ok(g.bFactorA2 < -120 && g.bFactorA2 > -280, `B ${g.bFactorA2}`);
    assert.ok(g.cutoffDropLn > 2 && Math.abs(1 / g.cutoffPerA - 3) < 0.4, `cut-off ${1 / g.cutoffPerA}`);
  });

  it('a low-passed map reads its own B and cut-off (the fit stops before the windowed fall): B 50 / 150 / 300 Å², 6 Å', () => {
    // before session 48 the fit ran into the fall: B 50 read 198 Å², and the cut-off 5.3 Å
    for (const B of [50, 150, 300]) {
      const g = guinierAnalysis(radialAmplitude(sharpen(noise(96, 7), B, 6)));
      assert.ok(Math.abs(g.bFactorA2 - B) < 0.25 * B + 10, `B ${B}: read ${g.bFactorA2}`);
      assert.ok(Math.abs(1 / g.cutoffPerA - 6) < 0.5, `cut-off at ${1 / g.cutoffPerA} Å`);
      assert.ok(g.ruleBFactorA2 > g.bFactorA2, 'the rule statistic takes in the fall');
    }
  });

  it('referenceBFactor is 8π²σ² of a Gaussian of FWHM d', () => {
    assert.ok(Math.abs(referenceBFactor(4) - 8 * Math.PI ** 2 * (4 / 2.3548) ** 2) < 1e-9);
  });
});

describe('solvent noise spectrum (sharpened rule 1)', () => {
  const raw = () => rawSynthetic(RAW_SPECS[0]); // 64³, 1 Å, 3 Å, SNR 4: white noise around four domains

  it('a raw map with white noise: rise ≈ 0 up to 0.9 × Nyquist, no cut-off', () => {
    const s = solventNoiseSpectrum(raw());
    assert.ok(Math.abs(s.noiseRiseLn) < 0.05, `rise ${s.noiseRiseLn}`);
    assert.ok(Number.isNaN(s.cutoffPerA));
    assert.ok(Math.abs(s.bandToPerA - 0.45) < 0.02 && Math.abs(s.bandFromPerA / s.bandToPerA - 0.75) < 1e-9, `band ${s.bandFromPerA}–${s.bandToPerA}`);
    assert.ok(s.solventFraction > 0.2 && s.solventFraction < 0.9, `solvent ${s.solventFraction}`);
  });

  it('sharpened by B = −200 then low-passed at 3 Å: a cut-off at ~3 Å and a rise of 0.5–1.1 × |B|/4·(end² − start²)', () => {
    const s = solventNoiseSpectrum(sharpen(raw(), -200, 3));
    assert.ok(Math.abs(1 / s.cutoffPerA - 3) < 0.3, `cut-off ${1 / s.cutoffPerA} Å`);
    const expected = (200 / 4) * (s.bandToPerA ** 2 - s.bandFromPerA ** 2);
    assert.ok(s.noiseRiseLn > 0.5 * expected && s.noiseRiseLn < 1.1 * expected, `rise ${s.noiseRiseLn} vs ${expected}`);
  });

  it('low-passed only (no sharpening): no rise, and no sharpened finding', () => {
    const v = sharpen(raw(), 0, 3);
    assert.ok(Math.abs(solventNoiseSpectrum(v).noiseRiseLn) < 0.05);
    assert.ok(!diagnoseMap(v).findings.some((f) => f.code === 'sharpened'));
  });

  it('deferred noise spectrum (the estimate\'s path): no sharpened finding until completeDiagnosis, then the same diagnosis as in one go', () => {
    for (const v of [sharpen(raw(), -100, 3), raw(), sharpen(rawSynthetic(RAW_SPECS[1]), -200, 6)]) {
      const whole = diagnoseMap(v, { sampledRange: true });
      const part = diagnoseMap(v, { sampledRange: true, deferNoise: true });
      assert.equal(part.noisePending, true);
      assert.equal(part.noise, undefined);
      assert.ok(!part.findings.some((f) => f.code === 'sharpened'));
      assert.ok(Number.isNaN(part.map.noiseRiseLn));
      const done = completeDiagnosis(part, v);
      assert.equal(done.noisePending, undefined);
      assert.deepEqual(done.findings, whole.findings);
      assert.equal(done.map.noiseRiseLn, whole.map.noiseRiseLn);
      assert.ok(done.seconds >= part.seconds);
      assert.equal(completeDiagnosis(done, v), done); // nothing pending: unchanged
    }
    assert.ok(completeDiagnosis(diagnoseMap(sharpen(raw(), -100, 3), { deferNoise: true }), sharpen(raw(), -100, 3)).findings.some((f) => f.code === 'sharpened'));
  });

  it('diagnoseMapSteps (the estimate\'s path since session 60): yields between its measurements, then the same diagnosis as diagnoseMap (deferred noise or not)', async () => {
    const v = sharpen(raw(), -100, 3);
    for (const deferNoise of [false, true]) {
      const fractions: number[] = [];
      const stepped = await runStepsYielding(diagnoseMapSteps(v, { sampledRange: true, deferNoise }), (f) => fractions.push(f));
      const whole = diagnoseMap(v, { sampledRange: true, deferNoise });
      assert.deepEqual({ ...stepped, seconds: 0 }, { ...whole, seconds: 0 });
      assert.ok(fractions.length >= (deferNoise ? 5 : 6) && fractions.every((f, i) => f > 0 && f < 1 && (i === 0 || f > fractions[i - 1])), `${deferNoise}: ${fractions.join(', ')}`);
    }
  });

  it('the sharpened finding names the rule and the rise', () => {
    const f = diagnoseMap(sharpen(raw(), -100, 3)).findings.find((x) => x.code === 'sharpened');
    assert.equal(f?.evidence.rule, 'noise-rise');
    assert.ok(Number(f?.evidence.noiseRiseLn) > 0.05);
    assert.match(f?.message ?? '', /solvent noise grows towards the resolution/);
  });
});

describe('map measurements', () => {
  it('stride keeps the sample near 64³', () => {
    assert.deepEqual([64, 100, 256, 512].map((n) => sampleStride([n, n, n])), [1, 2, 4, 8]);
  });

  it('a noise map masked by a sphere: exact zeros on the faces, none in the middle', () => {
    const v = noise(48, 5);
    const [n] = v.shape;
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (Math.hypot(x - n / 2, y - n / 2, z - n / 2) > 20) v.data[(z * n + y) * n + x] = 0;
    const f = measureMapFeatures(v);
    assert.equal(f.faceModeValue, 0);
    assert.ok(f.faceModeFraction > 0.99, `${f.faceModeFraction}`);
    const outside = 1 - (4 / 3) * Math.PI * 20 ** 3 / n ** 3;
    assert.ok(Math.abs(f.zeroFraction - outside) < 0.02, `${f.zeroFraction} vs ${outside}`);
    assert.equal(f.stdProfile[5], 0);
    assert.deepEqual(diagnoseMap(v).findings.map((x) => x.code), ['masked']);
  });

  it('raw noise: no constant, flat local std, no finding', () => {
    const v = noise(48, 6);
    const f = measureMapFeatures(v);
    assert.ok(f.faceModeFraction < 0.01);
    for (const p of f.stdProfile) assert.ok(Math.abs(p - 1) < 0.2, `profile ${f.stdProfile}`);
    assert.deepEqual(diagnoseMap(v).findings, []);
  });

  it('a map in [0, 1] and a two-valued map are not density', () => {
    const v = noise(32, 7);
    const unit = { ...v, data: Float32Array.from(v.data, (x) => 1 / (1 + Math.exp(-x))) };
    assert.equal(diagnoseMap(unit).findings[0]?.code, 'not-density');
    const bin = { ...v, data: Float32Array.from(v.data, (x) => (x > 1 ? 3 : -1)) };
    const d = diagnoseMap(bin);
    assert.equal(d.findings[0]?.code, 'not-density');
    assert.equal(d.findings[0]?.evidence.kind, 'binary-mask');
  });

  it('a raw density map in small units is density (session 50: × 0.001 had been called a soft mask and refused)', () => {
    const raw = rawSynthetic(RAW_SPECS[3]);
    assert.deepEqual(diagnoseMap(raw).findings.map((f) => f.code), []);
    for (const k of [1e-3, 1e-5]) {
      const small = { ...raw, data: Float32Array.from(raw.data, (x) => x * k) };
      assert.deepEqual(diagnoseMap(small).findings.map((f) => f.code), [], `× ${k}`);
    }
    // the unit-range rule still reads a local scale map (in [0, 1], reaching 1) as one
    const v = noise(32, 7);
    const scale = { ...v, data: Float32Array.from(v.data, (x) => Math.min(1, Math.max(0, 0.3 + 0.3 * x))) };
    assert.equal(diagnoseMap(scale).findings[0]?.evidence.kind, 'unit-range');
  });

  it('NaN voxels are refused by name', () => {
    const v = noise(16, 8);
    v.data[5] = Number.NaN;
    assert.throws(() => diagnoseMap(v), /NaN or infinite/);
  });

  it('findingJson turns NaN evidence into null', () => {
    const j = findingJson({ code: 'sharpened', severity: 'warning', message: 'm', evidence: { a: Number.NaN, b: 2 } });
    assert.deepEqual(j.evidence, { a: null, b: 2 });
  });
});

describe('solvent-model self-check', () => {
  const model = { c: 1, mu: 0, sigma: 1 };
  it('a Gaussian histogram fitted by its own Gaussian passes', () => {
    const r = gaussianSampler(mulberry32(9));
    const h = densityHistogram(Float32Array.from({ length: 200000 }, () => r()), 1000);
    const c = solventModelSelfCheck({ histogram: h, model });
    assert.equal(c.warning, undefined);
    assert.ok(Math.abs(c.widthRatio - 1) < 0.15, `${c.widthRatio}`);
  });
  it('a spike of zeros on a broad shoulder, with the Gaussian locked onto the spike, warns and points to --solvent-def', () => {
    const r = gaussianSampler(mulberry32(10));
    const data = Float32Array.from({ length: 200000 }, (_, i) => (i % 2 ? 0 : r()));
    const h = densityHistogram(data, 1000);
    const c = solventModelSelfCheck({ histogram: h, model: { c: 1, mu: 0, sigma: 0.005 } });
    assert.ok(c.spikeRatio > 5, `${c.spikeRatio}`);
    assert.ok(c.widthRatio < 0.45, `${c.widthRatio}`);
    assert.match(c.warning ?? '', /--solvent-def/);
  });
});
