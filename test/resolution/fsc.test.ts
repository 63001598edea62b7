/**
 * Global and local FSC (local-resolution spec §1–§2): analytic cases.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import { loadFft } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { fourierShellCorrelation, resolutionAtThreshold } from '../../src/resolution/fsc.js';
import { defaultStep, defaultWindow, localFsc } from '../../src/resolution/local-fsc.js';

function noise(shape: Shape3, seed: number, sd = 1): Volume {
  const g = gaussianSampler(mulberry32(seed));
  return { data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => sd * g()), shape, voxelSizeA: [1, 1, 1] };
}
const add = (a: Volume, b: Volume): Volume => ({ ...a, data: a.data.map((v, i) => v + b.data[i]) });

describe('global FSC', () => {
  before(loadFft);
  it('identical halves: FSC = 1 in every shell', () => {
    const v = noise([32, 32, 32], 1);
    const c = fourierShellCorrelation(v, v);
    for (let k = 0; k < c.fsc.length; k++) assert.ok(Math.abs(c.fsc[k] - 1) < 1e-6, `shell ${k}: ${c.fsc[k]}`);
  });
  it('independent noise: FSC ~ 0 within 3/sqrt(samples in the shell)', () => {
    const c = fourierShellCorrelation(noise([40, 40, 40], 2), noise([40, 40, 40], 3));
    for (let k = 2; k < c.fsc.length; k++) assert.ok(Math.abs(c.fsc[k]) < 3 / Math.sqrt(c.count[k]), `shell ${k}: ${c.fsc[k]} (n ${c.count[k]})`);
  });
  it('a signal low-passed at a known resolution gives that resolution back within one shell', () => {
    const n = 64;
    for (const cutoffA of [8, 5, 3.5]) {
      const signal = lowpassHard(noise([n, n, n], 4, 10), cutoffA, 'centred');
      const h1 = add(signal, noise([n, n, n], 5, 0.05));
      const h2 = add(signal, noise([n, n, n], 6, 0.05));
      const c = fourierShellCorrelation(h1, h2);
      const r = resolutionAtThreshold(c, 0.143);
      assert.ok(r.crossed);
      // the hard low-pass keeps shells up to keep + 1 with keep = floor(n·a / cutoff) (spec §4)
      const keptShell = Math.floor(n / cutoffA) + 1;
      assert.ok(Math.abs(n / r.resolutionA - keptShell) <= 1, `${cutoffA} Å (kept shell ${keptShell}): got shell ${(n / r.resolutionA).toFixed(2)}`);
    }
  });
  it('rejects half maps of different box or voxel size', () => {
    assert.throws(() => fourierShellCorrelation(noise([8, 8, 8], 1), noise([8, 8, 10], 1)), /differ in box/);
    assert.throws(() => fourierShellCorrelation(noise([8, 8, 8], 1), { ...noise([8, 8, 8], 1), voxelSizeA: [2, 2, 2] }), /differ in voxel size/);
  });
});

describe('local FSC', () => {
  before(loadFft);
  it('halves that differ only by noise in one region are worse exactly there', () => {
    const n = 48;
    const signal = lowpassHard(noise([n, n, n], 7, 10), 3, 'centred');
    const extra = noise([n, n, n], 8, 20);
    // noise only in the x < 16 slab of half 2
    const h2 = { ...signal, data: signal.data.map((v, i) => v + ((i % n) < 16 ? extra.data[i] : 0)) };
    // each window's own reading (gridMedian off): the default median of neighbouring grid values
    // (issue 16) pulls this 10-voxel slab's scattered readings towards 2.8 Å (mean 5.3 Å without)
    const r = localFsc(signal, h2, { windowVoxels: 16, stepVoxels: 4, mask: new Float32Array(n ** 3).fill(1), gridMedian: false });
    const meanWhere = (pred: (x: number) => boolean) => {
      let s = 0, c = 0;
      for (let i = 0; i < r.resolution.data.length; i++) {
        const x = i % n, y = Math.floor(i / n) % n, z = Math.floor(i / (n * n));
        if (y < 12 || y > 36 || z < 12 || z > 36) continue; // central rows
        if (pred(x)) { s += r.resolution.data[i]; c++; }
      }
      return s / c;
    };
    const noisy = meanWhere((x) => x < 10);
    const clean = meanWhere((x) => x > 26);
    assert.ok(noisy > clean + 1, `noisy region ${noisy.toFixed(2)} Å vs clean ${clean.toFixed(2)} Å`);
    assert.ok(clean <= 2.5, `clean region ${clean.toFixed(2)} Å`);
  });
  it('defaults: window round(6 d / a) made even, at least 16, at most 34 Å (WINDOW_CAP_A); step window/4', () => {
    assert.equal(defaultWindow(3.14, 1), 20);
    // 6 × 8.5 = 51 Å was 52 voxels before the 34 Å cap (issue 16, second refit)
    assert.equal(defaultWindow(8.5, 1), 34);
    assert.equal(defaultWindow(8.5, 1.46), 24);
    assert.equal(defaultWindow(5.6, 1), 34);
    assert.equal(defaultWindow(1.5, 1), 16);
    assert.equal(defaultWindow(4.1, 2), 16);
    assert.equal(defaultStep(20), 5);
    assert.equal(defaultStep(16), 4);
    assert.equal(defaultStep(2), 1);
  });
  it('rejects a mask of another box and a window larger than the box', () => {
    const v = noise([20, 20, 20], 1);
    assert.throws(() => localFsc(v, v, { mask: new Float32Array(10) }), /--mask has 10 voxels/);
    assert.throws(() => localFsc(v, v, { windowVoxels: 24 }), /--window 24 voxels is larger than the box/);
  });
});
