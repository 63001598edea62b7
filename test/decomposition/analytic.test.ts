/**
 * Analytic checks of the decomposition on noise-light phantoms: a uniform blur by a known B comes
 * back as that B and leaves the occupancy at 1; a region at half density reads 0.5 with its B
 * unchanged. Plus the small helpers it is built on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, irfft3d, rfft3d } from '../../src/math/fft.js';
import { decompose } from '../../src/decomposition/decompose.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { DEFAULT_WIDE_WINDOW_PER_WAVELENGTH, decompositionBands } from '../../src/decomposition/bands.js';
import { spectrumEnd } from '../../src/decomposition/noise-limit.js';
import { fitLocalGuinier } from '../../src/decomposition/guinier-fit.js';
import { gaussianSmooth } from '../../src/filters/gaussian-smooth.js';
import { trilinearResize } from '../../src/filters/trilinear-resize.js';
import { resizeHalfSpectrum } from '../../src/math/spectrum-resize.js';
import { blurByB } from '../helpers/blur.js';

await loadFft();

function medianWhere(values: Float32Array, sel: (i: number) => boolean): number {
  const a: number[] = [];
  for (let i = 0; i < values.length; i++) if (sel(i)) a.push(values[i]);
  a.sort((x, y) => x - y);
  return a[a.length >> 1];
}

const phantom = decompositionPhantom({ box: 80, voxelSizeA: 1.2, seed: 5, snr: 40, domains: [{ occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }] });
const opts = { highestResolutionA: 4 } as const;

test('a uniform blur by B = 100 Å² comes back as +100 Å² (±10 %), occupancy stays 1', (t) => {
  const sharp = decompose(phantom.map, opts);
  const blurred = decompose(blurByB(phantom.map, 100), opts);
  const inMol = (i: number) => phantom.mask[i] === 1 && sharp.bandsUsed.data[i] >= 2 && blurred.bandsUsed.data[i] >= 2;
  const dB = medianWhere(blurred.bfactor.data, inMol) - medianWhere(sharp.bfactor.data, inMol);
  t.diagnostic(`median B difference ${dB.toFixed(1)} Å², reference B difference ${(blurred.globalBA - sharp.globalBA).toFixed(1)} Å²`);
  assert.ok(Math.abs(dB - 100) <= 10, `B difference ${dB.toFixed(1)} Å², expected 100 ± 10`);
  assert.ok(Math.abs(blurred.globalBA - sharp.globalBA - 100) <= 10, `reference B difference ${(blurred.globalBA - sharp.globalBA).toFixed(1)}`);
  for (const r of [sharp, blurred]) {
    const occ = medianWhere(r.occupancy.data, (i) => phantom.mask[i] === 1);
    assert.ok(occ >= 0.9, `median occupancy ${occ.toFixed(3)} in the molecule, expected ~1`);
  }
});

test('a region scaled by 0.5 reads 0.5 there and keeps its B', (t) => {
  const half = decompositionPhantom({ box: 80, voxelSizeA: 1.2, seed: 5, snr: 40, domains: [{ occupancy: 1, resolutionA: 3 }, { occupancy: 0.5, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }, { occupancy: 1, resolutionA: 3 }] });
  const r = decompose(half.map, opts);
  const inDomain = (d: number) => (i: number) => half.labels[i] === d && r.bandsUsed.data[i] >= 2;
  const occ = [1, 2, 3, 4].map((d) => medianWhere(r.occupancy.data, inDomain(d)));
  const ref = Math.max(occ[0], occ[2], occ[3]);
  const rel = occ[1] / ref;
  t.diagnostic(`scaled region: relative occupancy ${rel.toFixed(3)}; domain medians ${occ.map((v) => v.toFixed(3)).join(' / ')}`);
  assert.ok(Math.abs(rel - 0.5) <= 0.1, `scaled region reads ${rel.toFixed(3)} relative, expected 0.5 ± 0.1`);
  const b = [1, 2, 3, 4].map((d) => medianWhere(r.bfactor.data, inDomain(d)));
  const others = (b[0] + b[2] + b[3]) / 3;
  t.diagnostic(`B medians ${b.map((v) => v.toFixed(1)).join(' / ')} Å²`);
  assert.ok(Math.abs(b[1] - others) <= 20, `B of the scaled region ${b[1].toFixed(1)} vs ${others.toFixed(1)} Å² elsewhere (±20)`);
});

test('bands: equally spaced in s, half-width = spacing, windows at least the minimum', () => {
  const b = decompositionBands(30, 5, 6, { minWindowA: 5, windowPerWavelength: 0.3 });
  assert.equal(b.length, 6);
  assert.ok(Math.abs(1 / b[0].centrePerA - 30) < 1e-9 && Math.abs(1 / b[5].centrePerA - 5) < 1e-9);
  const step = b[1].centrePerA - b[0].centrePerA;
  for (let k = 1; k < 6; k++) assert.ok(Math.abs(b[k].centrePerA - b[k - 1].centrePerA - step) < 1e-12);
  assert.ok(b.every((x) => x.windowSigmaA >= 5 && Math.abs(x.halfWidthPerA - Math.min(step, x.centrePerA)) < 1e-12));
  assert.equal(b[0].windowSigmaA, 9);
  // wide windows: 0.3 wavelengths by default (DEFAULT_WIDE_WINDOW_PER_WAVELENGTH), never below the narrow window
  assert.ok(Math.abs(b[0].wideWindowSigmaA - 9) < 1e-9 && b.every((x) => x.wideWindowSigmaA >= x.windowSigmaA));
  const d = decompositionBands(30, 5, 6);
  assert.equal(DEFAULT_WIDE_WINDOW_PER_WAVELENGTH, 0.3);
  assert.ok(Math.abs(d[0].windowSigmaA - 6) < 1e-9 && Math.abs(d[0].wideWindowSigmaA - 9) < 1e-9, `${d[0].windowSigmaA} / ${d[0].wideWindowSigmaA}`);
  assert.ok(Math.abs(decompositionBands(30, 5, 6, { wideWindowPerWavelength: 0.5 })[0].wideWindowSigmaA - 15) < 1e-9);
  assert.throws(() => decompositionBands(5, 30, 6), /coarser/);
  assert.throws(() => decompositionBands(30, 5, 1), /band count/);
  // a minimum half-width widens shells narrower than it (never beyond the centre: no DC)
  const w = decompositionBands(30, 8, 6, { minHalfWidthPerA: 0.03 });
  const stepW = w[1].centrePerA - w[0].centrePerA;
  assert.ok(stepW < 0.03);
  assert.ok(w.every((x) => Math.abs(x.halfWidthPerA - Math.min(0.03, x.centrePerA)) < 1e-12));
});

test('local Guinier fit recovers a known line, and reports 1 / 0 usable bands', () => {
  const s2 = [0.001, 0.004, 0.009, 0.016, 0.025];
  const occ = 0.6, B = 80;
  // voxel 0: exact model; voxel 1: only one band above noise; voxel 2: none
  const signal = s2.map((x, k) => Float32Array.of((occ * Math.exp((-B * x) / 4)) ** 2, k === 0 ? 0.25 : 0, 0));
  const noise = s2.map(() => Float32Array.of(1e-12, 0.01, 1));
  const fit = fitLocalGuinier({ signal, noise, reference: s2.map(() => 1), s2 }, 1, 3);
  assert.ok(Math.abs(Math.exp(fit.intercept[0]) - occ) < 1e-4, `occupancy ${Math.exp(fit.intercept[0])}`);
  assert.ok(Math.abs(fit.bRelative[0] - B) < 0.05, `B ${fit.bRelative[0]}`);
  assert.deepEqual([...fit.used], [5, 1, 0]);
  assert.ok(Math.abs(Math.exp(fit.intercept[1]) - 0.5) < 1e-6 && fit.bRelative[1] === 0);
});

test('gaussian smoothing preserves the sum; spectrum resize and trilinear resize keep a smooth field', () => {
  const shape = [24, 20, 16] as const;
  const n = 24 * 20 * 16;
  const data = new Float32Array(n);
  data[(8 * 20 + 10) * 24 + 12] = 1;
  const sm = gaussianSmooth(data, shape, [1, 1, 1], 2);
  const sum = sm.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
  assert.ok(sm[(8 * 20 + 10) * 24 + 12] > sm[(8 * 20 + 10) * 24 + 14]);
  // a low-frequency cosine survives crop + trilinear return closely
  const wave = new Float32Array(n);
  for (let z = 0; z < 16; z++) for (let y = 0; y < 20; y++) for (let x = 0; x < 24; x++) wave[(z * 20 + y) * 24 + x] = Math.cos((2 * Math.PI * x) / 24) + 0.5 * Math.cos((2 * Math.PI * z) / 16);
  const small = [12, 10, 8] as const;
  const cropped = irfft3d(resizeHalfSpectrum(rfft3d(wave, shape), shape, small), small);
  assert.ok(Math.abs(cropped[0] - 1.5) < 1e-4, `cropped DC-corner value ${cropped[0]}`);
  const back = trilinearResize(cropped, small, shape);
  let err = 0;
  for (let i = 0; i < n; i++) err = Math.max(err, Math.abs(back[i] - wave[i]));
  // linear interpolation of cosines sampled 12 and 8 times per period: error bound h²/8·|f''| ≈ 0.073
  assert.ok(err < 0.08, `trilinear round trip max error ${err}`);
  assert.throws(() => trilinearResize(new Float32Array(5), [2, 2, 2], [4, 4, 4]), /length/);
});

test('spectrumEnd: white noise cut sharply at 5 Å ends there (±1 shell); unfiltered noise has no end', () => {
  const n = 64;
  const a = 1.25;
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const noise = Float32Array.from({ length: n * n * n }, rand);
  const spec = rfft3d(noise, [n, n, n]);
  assert.equal(spectrumEnd(spec, [n, n, n], [a, a, a], 30), null);
  const hx = n / 2 + 1;
  const cut = 1 / 5;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < hx; x++) {
    const k = Math.hypot(x, y <= n / 2 ? y : y - n, z <= n / 2 ? z : z - n) / (n * a);
    if (k >= cut) {
      const j = 2 * ((z * n + y) * hx + x);
      spec[j] = 0;
      spec[j + 1] = 0;
    }
  }
  const end = spectrumEnd(spec, [n, n, n], [a, a, a], 30);
  assert.ok(end !== null, 'no end found');
  const shell = 1 / (n * a);
  assert.ok(Math.abs(1 / end - cut) <= shell, `end ${end.toFixed(2)} Å vs 5 Å`);
});
