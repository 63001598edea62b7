/**
 * `sharpened` under a soft low-pass: a reference-style map sharpened by −200 Å² and low-passed by an
 * order-8 Butterworth at its finest resolution kept so much amplified noise beyond the cut that its
 * solvent noise spectrum read flat (rise +0.03), and the white-noise guard of rule 2 took it for a
 * simulated map of sharp atoms although its Guinier B was −130 Å²: "Findings: none" (found while
 * validating `locally-filtered`, session 52). Amplitudes that rise with frequency (B < 0) are now
 * never cleared by that guard; the raw map stays clean.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { referenceLayoutCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import type { Volume } from '../../src/core/volume.js';
import { sharpen } from './variants.js';

describe('sharpened under a soft low-pass', () => {
  before(loadFft);
  it('reference-style layout 22601 (0.95 Å): raw clean; B −150 and −200 Å² under a Butterworth-8 low-pass at 3.5 Å flagged `sharpened`, not `locally-filtered`', () => {
    const d = referenceLayoutCase(22601);
    const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
    const map: Volume = { ...p.half1, data: Float32Array.from(p.half1.data, (x, i) => (x + p.half2.data[i]) / 2) };
    const codes = (v: Volume) => diagnoseMap(v).findings.map((f) => f.code);
    assert.deepEqual(codes(map), []);
    const finest = Math.min(...d.resolutionsA);
    for (const b of [-150, -200]) {
      const sharp = sharpen(map, b, finest, 8);
      const dg = diagnoseMap(sharp);
      assert.ok(dg.guinier.bFactorA2 < 0, `B ${b}: Guinier B ${dg.guinier.bFactorA2}`);
      assert.deepEqual(dg.findings.map((f) => f.code), ['sharpened'], `B ${b}`);
    }
  });
});
