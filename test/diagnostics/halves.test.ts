/**
 * Half-map diagnostics: identical halves, halves that share noise, voxel-size and box mismatch,
 * masked halves; independent synthetic halves get none of these.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseHalfMaps, diagnoseMap } from '../../src/diagnostics/index.js';
import { applyMask, RAW_SPECS, sphereMask, syntheticHalves } from './variants.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import type { Volume } from '../../src/core/volume.js';
import { padVolume } from '../helpers/zero-padding.js';

const PAIR = ['identical-halves', 'anti-correlated-halves', 'not-independent', 'voxel-size-mismatch', 'box-mismatch', 'halves-look-masked'];

describe('half-map diagnostics', () => {
  before(async () => loadFft());
  const h = syntheticHalves(RAW_SPECS[0]);
  const codes = (a: typeof h.half1, b: typeof h.half1) => diagnoseHalfMaps(a, b).findings.map((f) => f.code);

  it('independent synthetic halves: none of the pair codes, FSC near 0 at Nyquist', () => {
    const d = diagnoseHalfMaps(h.half1, h.half2);
    assert.deepEqual(d.findings.map((f) => f.code).filter((c) => PAIR.includes(c)), []);
    const f = d.fsc?.fsc ?? [];
    assert.ok(Math.abs(f[f.length - 1]) < 0.1, `FSC at Nyquist ${f[f.length - 1]}`);
    assert.ok(f[3] > 0.8, `FSC at low frequency ${f[3]}`);
  });

  it('the same map twice: identical-halves (error)', () => {
    const d = diagnoseHalfMaps(h.half1, h.half1);
    assert.equal(d.findings[0].code, 'identical-halves');
    assert.equal(d.findings[0].severity, 'error');
  });

  // session 51: one half × −1 had no finding (`occupy fsc` then read 96 Å, locres 49.5 Å everywhere)
  it('one half × −1: anti-correlated-halves (error), low-frequency FSC ≈ −(that of the pair); the pair itself: none', () => {
    const inv = { ...h.half2, data: h.half2.data.map((v) => -v) };
    const d = diagnoseHalfMaps(h.half1, inv);
    const f = d.findings.find((x) => x.code === 'anti-correlated-halves');
    assert.ok(f, JSON.stringify(d.findings.map((x) => x.code)));
    assert.equal(f.severity, 'error');
    assert.ok((f.evidence.lowFrequencyFsc as number) < -0.8, String(f.evidence.lowFrequencyFsc));
    assert.match(f.message, /inverted contrast; multiply that half map by −1/);
    assert.ok(!codes(h.half1, h.half2).includes('anti-correlated-halves'));
    assert.ok(!codes(inv, inv).includes('anti-correlated-halves')); // both × −1: identical, not anti-correlated
  });

  it('halves sharing 80 % of their noise: not-independent', () => {
    assert.ok(codes(h.half1, h.sharedNoise).includes('not-independent'));
    assert.ok(!codes(h.half1, h.sharedNoise).includes('identical-halves'));
  });

  it('voxel sizes 1.00 vs 1.05 Å: voxel-size-mismatch; boxes 64³ vs 63³: box-mismatch', () => {
    assert.ok(codes(h.half1, { ...h.half2, voxelSizeA: [1.05, 1.05, 1.05] }).includes('voxel-size-mismatch'));
    const n = 63;
    const small = { data: new Float32Array(n * n * n).map((_, i) => h.half2.data[i]), shape: [n, n, n] as [number, number, number], voxelSizeA: h.half2.voxelSizeA };
    assert.deepEqual(codes(h.half1, small).filter((c) => PAIR.includes(c)), ['box-mismatch']);
  });

  it('both halves masked with a sphere: halves-look-masked for each, named by half', () => {
    const m = sphereMask(h.half1, 0.8, 4);
    const d = diagnoseHalfMaps(applyMask(h.half1, m), applyMask(h.half2, m));
    const masked = d.findings.filter((f) => f.code === 'halves-look-masked');
    assert.deepEqual(masked.map((f) => f.evidence.map), [1, 2]);
    assert.ok(!d.findings.some((f) => f.code === 'masked'));
  });

  // a box padded with zeros: the faces are 0 as in a masked map, but the data inside are untouched
  it('halves padded with zeros (a box resize): no halves-look-masked; one such map: masked, said as padded', () => {
    const [nx] = h.half1.shape;
    const m = nx + 24;
    const pad = (v: Volume): Volume => padVolume(v, m, 12);
    const d = diagnoseHalfMaps(pad(h.half1), pad(h.half2));
    assert.deepEqual(d.findings.map((f) => f.code).filter((c) => PAIR.includes(c)), []);
    const one = diagnoseMap(pad(h.half1)).findings.find((f) => f.code === 'masked');
    assert.ok(one && one.evidence.padded === true && one.message.startsWith(`padded: the data fill a ${nx}x${nx}x${nx} box`), one?.message);
    // masked halves are not taken for padded ones (zeros inside the data's box)
    const s = sphereMask(h.half1, 0.8, 4);
    assert.ok(diagnoseHalfMaps(pad(applyMask(h.half1, s)), pad(applyMask(h.half2, s))).findings.some((f) => f.code === 'halves-look-masked'));
  });

  // beyond a low-pass only the centre cubes' window leakage is left (10⁻⁷–10⁻¹⁰ of the strongest
  // shell), which correlates the halves there: that said "not-independent" (FSC 0.42 near Nyquist
  // on synth_halves128 low-passed at 4 Å)
  it('independent halves low-passed at 3 voxels: not not-independent; sharing noise and unfiltered: still said', () => {
    const lp = (v: Volume) => lowpassHard(v, 3 * v.voxelSizeA[0], 'centred');
    assert.ok(!codes(lp(h.half1), lp(h.half2)).includes('not-independent'), codes(lp(h.half1), lp(h.half2)).join(', '));
    assert.ok(codes(h.half1, h.sharedNoise).includes('not-independent'));
  });
});
