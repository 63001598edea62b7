/**
 * Parts of the calibrated local resolution (issue 16): per-label summary, spectral
 * pre-whitening, the FSC crossing interval, RELION's phase randomisation and window Fourier box,
 * and the synthetic half maps with known local resolution.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import { loadFft, rfft3d } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { fourierShellCorrelation, shellIndex } from '../../src/resolution/fsc.js';
import { labelSummary } from '../../src/resolution/label-summary.js';
import { emptyBeyondA, emptyShells, prewhitenHalfMaps } from '../../src/resolution/prewhiten.js';
import { nonZeroContentBox } from '../../src/math/non-zero-box.js';
import { cutSubBox } from '../../src/resolution/sub-box.js';
import { fscCrossingInterval, HANN3D_INDEPENDENT_FRACTION } from '../../src/resolution/locres-uncertainty.js';
import { fftFriendlySize, relionLocalResolution } from '../../src/resolution/relion-locres.js';
import { halfMapPhantom, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { hannBroadeningCorrection } from '../../src/resolution/local-fsc.js';
import { padVolume } from '../helpers/zero-padding.js';

function noise(shape: Shape3, seed: number, sd = 1): Volume {
  const g = gaussianSampler(mulberry32(seed));
  return { data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => sd * g()), shape, voxelSizeA: [1, 1, 1] };
}

describe('labelSummary', () => {
  it('median and 10–90 % range per label, inside the mask, background and masked-out voxels skipped', () => {
    // label 1: values 1..10; label 2: values 20..29 (one masked out); label 0: ignored
    const res: number[] = [];
    const lab: number[] = [];
    const mask: number[] = [];
    for (let i = 1; i <= 10; i++) { res.push(i); lab.push(1); mask.push(1); }
    for (let i = 20; i <= 29; i++) { res.push(i); lab.push(2); mask.push(i === 29 ? 0 : 1); }
    res.push(99); lab.push(0); mask.push(1);
    const pinned = res.map((v) => (v === 1 ? 1 : 0));
    const rows = labelSummary(Float32Array.from(res), Float32Array.from(lab), Float32Array.from(mask), { pinned: Uint8Array.from(pinned) });
    assert.deepEqual(rows.map((r) => r.label), [1, 2]);
    // ranks round(q·(n−1)): n = 10 → median rank 5 (value 6), p10 rank 1 (2), p90 rank 8 (9)
    assert.deepEqual([rows[0].voxels, rows[0].medianA, rows[0].p10A, rows[0].p90A, rows[0].pinnedVoxels], [10, 6, 2, 9, 1]);
    // n = 9 (29 masked out) → median rank 4 (24), p10 rank 1 (21), p90 rank 7 (27)
    assert.deepEqual([rows[1].voxels, rows[1].medianA, rows[1].p10A, rows[1].p90A, rows[1].pinnedVoxels], [9, 24, 21, 27, 0]);
  });
  it('with interval maps: the median of each end over the label (masked-out voxels skipped), none without', () => {
    // label 1: value v, interval (v − 1, v + 2·v); label 2 (one voxel masked out, its ends 0 and 1000)
    const res = [1, 2, 3, 4, 5, 10, 20, 30];
    const lab = [1, 1, 1, 1, 1, 2, 2, 2];
    const mask = [1, 1, 1, 1, 1, 1, 1, 0];
    const low = res.map((v, i) => (i === 7 ? 0 : v - 1));
    const high = res.map((v, i) => (i === 7 ? 1000 : 3 * v));
    const rows = labelSummary(Float32Array.from(res), Float32Array.from(lab), Float32Array.from(mask), { interval: { lowA: Float32Array.from(low), highA: Float32Array.from(high) } });
    // label 1: ends 0..4 and 3..15, median rank 2 → 2 and 9; label 2: two voxels, rank round(0.5) = 1 → 19 and 60
    assert.deepEqual(rows.map((r) => [r.label, r.medianA, r.intervalLowA, r.intervalHighA]), [[1, 3, 2, 9], [2, 20, 19, 60]]);
    assert.equal(labelSummary(Float32Array.from(res), Float32Array.from(lab))[0].intervalLowA, undefined);
    assert.throws(() => labelSummary(Float32Array.from(res), Float32Array.from(lab), undefined, { interval: { lowA: new Float32Array(3), highA: new Float32Array(8) } }), /interval maps have 3 and 8 voxels, the map 8/);
  });
  it('labels are rounded (float MRC labels) and mismatched lengths are refused', () => {
    const rows = labelSummary(Float32Array.from([3, 5]), Float32Array.from([0.9999, 1.0001]));
    assert.deepEqual(rows.map((r) => [r.label, r.voxels]), [[1, 2]]);
    assert.throws(() => labelSummary(new Float32Array(3), new Float32Array(2)), /--labels has 2 voxels, the map 3/);
    assert.throws(() => labelSummary(new Float32Array(2), Float32Array.from([1, Number.NaN])), /non-finite/);
  });
});

describe('pre-whitening', () => {
  before(loadFft);
  it('keeps every shell of the global FSC and flattens the radial power to 1', () => {
    const n = 32;
    const signal = lowpassHard(noise([n, n, n], 1, 5), 4, 'centred');
    const e1 = noise([n, n, n], 2).data;
    const e2 = noise([n, n, n], 3).data;
    const h1 = { ...signal, data: signal.data.map((v, i) => v + e1[i]) };
    const h2 = { ...signal, data: signal.data.map((v, i) => v + e2[i]) };
    const before = fourierShellCorrelation(h1, h2);
    const [w1, w2] = prewhitenHalfMaps(h1, h2);
    const after = fourierShellCorrelation(w1, w2);
    for (let k = 1; k < before.fsc.length; k++) assert.ok(Math.abs(before.fsc[k] - after.fsc[k]) < 1e-3, `shell ${k}: ${before.fsc[k]} vs ${after.fsc[k]}`);
    const s1 = rfft3d(w1.data, w1.shape);
    const s2 = rfft3d(w2.data, w2.shape);
    const { shell } = shellIndex(w1.shape, w1.voxelSizeA);
    const p = new Float64Array(20);
    const c = new Float64Array(20);
    for (let q = 0; q < shell.length; q++) {
      if (shell[q] >= 20) continue;
      p[shell[q]] += 0.5 * (s1[2 * q] ** 2 + s1[2 * q + 1] ** 2 + s2[2 * q] ** 2 + s2[2 * q + 1] ** 2);
      c[shell[q]]++;
    }
    assert.ok(Math.abs(s1[0]) < 1e-3, 'DC removed');
    for (let k = 1; k < 16; k++) assert.ok(Math.abs(p[k] / c[k] - 1) < 1e-3, `shell ${k} power ${p[k] / c[k]}`);
  });
});

describe('pre-whitening of half maps low-passed at their finest resolution (empty shells)', () => {
  // signal and noise both cut off at 4 Å (1 Å voxels, 40³; OccuPy's low-pass mask keeps part of
  // shell 11): shells 12 and beyond hold round-off only
  const n = 40;
  const shape: Shape3 = [n, n, n];
  let h1: Volume;
  let h2: Volume;
  before(async () => {
    await loadFft();
    const signal = lowpassHard(noise(shape, 11, 5), 4, 'centred');
    const e1 = lowpassHard(noise(shape, 12), 4, 'centred').data;
    const e2 = lowpassHard(noise(shape, 13), 4, 'centred').data;
    h1 = { ...signal, data: signal.data.map((v, i) => v + e1[i]) };
    h2 = { ...signal, data: signal.data.map((v, i) => v + e2[i]) };
  });
  /** FSC (`fourierShellCorrelation`), sample count and mean power per shell (0 … 19) of two maps. */
  function shells(a: Volume, b: Volume) {
    const s1 = rfft3d(a.data, a.shape);
    const s2 = rfft3d(b.data, b.shape);
    const { shell } = shellIndex(a.shape, a.voxelSizeA);
    const p = new Float64Array(20), c = new Float64Array(20);
    for (let q = 0; q < shell.length; q++) {
      const k = shell[q];
      if (k >= 20) continue;
      p[k] += 0.5 * (s1[2 * q] ** 2 + s1[2 * q + 1] ** 2 + s2[2 * q] ** 2 + s2[2 * q + 1] ** 2);
      c[k]++;
    }
    const f = fourierShellCorrelation(a, b);
    return { fsc: Array.from(f.fsc.subarray(0, 20)), power: Array.from(p, (v, k) => v / c[k]), count: Array.from(f.count.subarray(0, 20)) };
  }
  it('finds the empty shells beyond the cut-off and none below it', () => {
    const e = emptyShells(h1, h2);
    assert.deepEqual(Array.from(e.empty.subarray(0, 12)), new Array(12).fill(0), 'shells 0–11 hold signal and noise');
    for (let k = 12; k < 20; k++) assert.equal(e.empty[k], 1, `shell ${k} (${(n / k).toFixed(2)} Å) is empty`);
    // noise to Nyquist: nothing is empty
    const extra = noise(shape, 14).data;
    const full = { ...h1, data: h1.data.map((v, i) => v + 0.1 * extra[i]) };
    assert.equal(emptyShells(full, h2).empty.reduce((u, v) => u + v, 0), 0);
    // where the empty band begins: the inner edge of shell 12, 40 / 11.5 Å
    assert.ok(Math.abs((emptyBeyondA(e, 0.5) ?? 0) - 40 / 11.5) < 1e-9, `${emptyBeyondA(e, 0.5)}`);
    assert.equal(emptyBeyondA(emptyShells(full, h2), 0.5), undefined);
  });
  it('fills them with independent noise of unit power (FSC about 0) and leaves the other shells as before', () => {
    const [w1, w2] = prewhitenHalfMaps(h1, h2);
    const before = shells(h1, h2);
    const after = shells(w1, w2);
    for (let k = 1; k < 12; k++) assert.ok(Math.abs(before.fsc[k] - after.fsc[k]) < 1e-3, `shell ${k}: ${before.fsc[k]} vs ${after.fsc[k]}`);
    for (let k = 12; k < 20; k++) {
      assert.ok(Math.abs(after.power[k] - 1) < 0.15, `shell ${k} power ${after.power[k]}`);
      assert.ok(Math.abs(after.fsc[k]) < 4 / Math.sqrt(after.count[k]), `shell ${k} FSC ${after.fsc[k]} (${after.count[k]} samples)`);
    }
  });
  it('the filled noise goes with its half: the halves given the other way round give the same maps, swapped (session 50)', () => {
    // before, half 1 always took each voxel's first deviates, so the swapped halves swapped noise,
    // and a window's leakage between shells moved 58 % of synth_halves128's local resolutions
    const [a1, a2] = prewhitenHalfMaps(h1, h2);
    const [b1, b2] = prewhitenHalfMaps(h2, h1);
    assert.deepEqual(b1.data, a2.data);
    assert.deepEqual(b2.data, a1.data);
  });
  it('a sub-box given the whole box\'s empty shells has them filled too; without, its cut edge fills them', () => {
    const lo: [number, number, number] = [6, 6, 6];
    const hi: [number, number, number] = [33, 33, 33];
    const c1 = cutSubBox(h1.data, shape, { lo, hi }, h1.voxelSizeA);
    const c2 = cutSubBox(h2.data, shape, { lo, hi }, h2.voxelSizeA);
    // the sub-box (28³) has shells of 1/28 Å⁻¹: its shells 9 and beyond lie in the whole box's 13 and beyond
    const fsc = (v: [Volume, Volume]) => shells(v[0], v[1]).fsc;
    const given = fsc(prewhitenHalfMaps(c1, c2, { empty: emptyShells(h1, h2) }));
    const own = emptyShells(c1, c2);
    assert.equal(own.empty.reduce((u, v) => u + v, 0), 0, 'the cut edge puts power into every shell of the sub-box');
    for (let k = 9; k < 14; k++) assert.ok(Math.abs(given[k]) < 0.15, `shell ${k}: FSC ${given[k]} with the whole box's empty shells`);
  });
  // a box padded with zeros (a box resize): the step from the data to the zeros puts power into
  // every shell of the padded box, so emptiness is looked for on the non-zero content
  it('a box padded with zeros: the empty shells are found on its content, as without the padding', () => {
    const m = 56;
    const p1 = padVolume(h1, m, 8);
    const p2 = padVolume(h2, m, 8);
    assert.deepEqual(nonZeroContentBox(p1, p2), { lo: [8, 8, 8], hi: [47, 47, 47] });
    assert.equal(nonZeroContentBox(h1, h2), undefined, 'no padding: the whole box');
    const e = emptyShells(p1, p2);
    assert.ok(Math.abs((emptyBeyondA(e, 0.5) ?? 0) - 40 / 11.5) < 1e-9, `empty beyond ${emptyBeyondA(e, 0.5)} Å, as the unpadded box`);
    // whitening the padded box fills them: FSC about 0 beyond the cut-off (the content's shells
    // 13–19 are the padded box's 18–27)
    const f = fourierShellCorrelation(...prewhitenHalfMaps(p1, p2));
    for (let k = 19; k < 28; k++) assert.ok(Math.abs(f.fsc[k]) < 4 / Math.sqrt(f.count[k]), `shell ${k}: FSC ${f.fsc[k]}`);
  });
});

describe('empty shells of half maps low-passed, then cropped in real space', () => {
  before(loadFft);
  // made as the references are (64³ at 1.2 Å, finest domain 3 Å: nothing beyond it), then cut to
  // 64 × 56 × 60: the box is no longer periodic and its edge fills every shell to 1e-6–1e-5 of
  // the strongest; a Hann window over the box takes the edge away
  it('are found through a Hann window over the box; with noise to Nyquist, none', () => {
    const p = referenceStyleHalfMaps(1.2, [3, 4.5, 6, 3], 3, 7, { box: 64 });
    const crop = (v: Volume) => cutSubBox(v.data, v.shape, { lo: [0, 4, 2], hi: [63, 59, 61] }, v.voxelSizeA);
    const nyquist = 0.5 / 1.2;
    const whole = emptyBeyondA(emptyShells(p.half1, p.half2), nyquist);
    const cropped = emptyBeyondA(emptyShells(crop(p.half1), crop(p.half2)), nyquist);
    // measured: 2.90 Å whole, 2.60 Å cropped (Nyquist 2.4 Å); before, none found when cropped
    assert.ok(whole !== undefined && Math.abs(whole - 2.9) < 0.1, `whole box: empty beyond ${whole} Å`);
    assert.ok(cropped !== undefined && cropped > 2.45 && cropped <= whole, `cropped: empty beyond ${cropped} Å`);
    // the same with white noise at 1 % of the half maps' SD added to one half: nothing is empty
    const g = gaussianSampler(mulberry32(5));
    let ss = 0;
    for (const v of p.half1.data) ss += v * v;
    const sd = Math.sqrt(ss / p.half1.data.length);
    const noisy = { ...p.half1, data: p.half1.data.map((v) => v + 0.01 * sd * g()) };
    assert.equal(emptyBeyondA(emptyShells(crop(noisy), crop(p.half2)), nyquist), undefined);
  });
});

describe('FSC crossing interval', () => {
  it('brackets the point crossing and narrows with more samples', () => {
    // FSC falling linearly from 1 at shell 0 to 0 at shell 20
    const fsc = Float64Array.from({ length: 21 }, (_, k) => 1 - k / 20);
    const few = Float64Array.from({ length: 21 }, (_, k) => 4 * Math.PI * k * k + 1);
    const many = few.map((v) => 100 * v);
    const narrow = fscCrossingInterval(fsc, many, 0.01, 0.143, HANN3D_INDEPENDENT_FRACTION);
    const wide = fscCrossingInterval(fsc, few, 0.01, 0.143, HANN3D_INDEPENDENT_FRACTION);
    const point = 1 / (17.14 * 0.01); // crossing at shell 20·(1 − 0.143) = 17.14
    for (const iv of [narrow, wide]) assert.ok(iv.lowA < point && point < iv.highA, `${iv.lowA} < ${point} < ${iv.highA}`);
    assert.ok(wide.highA - wide.lowA > 2 * (narrow.highA - narrow.lowA), `wide ${wide.lowA}–${wide.highA}, narrow ${narrow.lowA}–${narrow.highA}`);
  });
});

describe('RELION --locres parts', () => {
  before(loadFft);
  it('transforms each window in the whole box by default (as RELION); a small Fourier box gives the whole-box result within about one RELION shell', () => {
    const p = halfMapPhantom({ shape: [48, 48, 48], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
    const opts = { samplingA: 6, maskRadiusA: 3, edgeWidthA: 6, randomizeAtA: 12, mask: p.mask };
    const small = relionLocalResolution(p.half1, p.half2, { ...opts, fftBox: fftFriendlySize(2 * 9 + 1) });
    const whole = relionLocalResolution(p.half1, p.half2, opts);
    assert.equal(whole.fftBox, 48);
    assert.equal(small.fftBox, 20);
    assert.equal(whole.points, small.points);
    const d: number[] = [];
    for (let i = 0; i < p.mask.length; i++) if (p.mask[i] > 0.5) d.push(Math.abs(small.resolution.data[i] - whole.resolution.data[i]));
    d.sort((x, y) => x - y);
    // one RELION shell at resolution r in a box of n voxels is about r²/(n·a) Å wide
    const shellA = whole.medianA ** 2 / 48;
    assert.ok(d[d.length >> 1] <= 1.2 * shellA, `median |small − whole| ${d[d.length >> 1]} Å, one shell ${shellA.toFixed(2)} Å`);
  });
  it('with a mask, a constant added to both halves leaves the map as it was (solvent mean subtracted when off 0)', () => {
    // synth_halves128 ± 0.05 (2 solvent SD) had read a median of 5.08 / 4.54 Å against 4.74 Å
    const p = halfMapPhantom({ shape: [48, 48, 48], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
    const opts = { samplingA: 6, maskRadiusA: 3, edgeWidthA: 6, randomizeAtA: 12, mask: p.mask };
    let s = 0, s2 = 0, n = 0;
    for (let i = 0; i < p.mask.length; i++) if (p.mask[i] <= 1e-3) { s += p.half1.data[i]; s2 += p.half1.data[i] ** 2; n++; }
    const sd = Math.sqrt(s2 / n - (s / n) ** 2);
    const base = relionLocalResolution(p.half1, p.half2, opts);
    assert.equal(base.solventMeans, null, 'solvent at 0: nothing subtracted (RELION\'s map)');
    // the same halves with their own small solvent mean taken off: what the shifted halves become
    const forced = relionLocalResolution(p.half1, p.half2, { ...opts, subtractSolventMean: true });
    const diffs = (a: Float32Array, b: Float32Array) => {
      const d: number[] = [];
      for (let i = 0; i < p.mask.length; i++) if (p.mask[i] > 0.5) d.push(Math.abs(a[i] - b[i]));
      return d.sort((x, y) => x - y);
    };
    for (const c of [3 * sd, -3 * sd]) {
      const shift = (v: Volume): Volume => ({ ...v, data: v.data.map((x) => x + c) });
      const r = relionLocalResolution(shift(p.half1), shift(p.half2), opts);
      assert.ok(r.solventMeans !== null && Math.abs(r.solventMeans[0] - c) < 0.5 * sd, `subtracted ${r.solventMeans}`);
      const d = diffs(r.resolution.data, forced.resolution.data);
      assert.ok(d[Math.floor(0.9 * d.length)] < 0.01, `offset ${c.toPrecision(2)}: 90th percentile |difference| ${d[Math.floor(0.9 * d.length)]} Å`);
      const raw = relionLocalResolution(shift(p.half1), shift(p.half2), { ...opts, subtractSolventMean: false });
      assert.equal(raw.solventMeans, null);
      const moved = Math.abs(raw.medianA - base.medianA);
      assert.ok(moved > 0.1, `without the subtraction the median moves by ${moved.toFixed(3)} Å (the fault this guards)`);
    }
  });
  it('refuses a non-cubic box and a Fourier box smaller than the window', () => {
    const v = noise([16, 16, 18], 1);
    assert.throws(() => relionLocalResolution(v, v), /--relion needs a cubic box/);
    const c = noise([32, 32, 32], 1);
    assert.throws(() => relionLocalResolution(c, c, { samplingA: 10, fftBox: 20 }), /fftBox must be an even integer \(or the box edge\) >= the window support 31/);
  });
});

describe('synthetic half maps with known local resolution', () => {
  before(loadFft);
  it('truth, labels and mask per domain; noise at the requested SNR; halves differ only by noise', () => {
    const p = halfMapPhantom({ shape: [40, 40, 40], voxelSizeA: 1.2, snr: 2, seed: 9, domains: [{ centreVoxel: [13, 20, 20], radiusA: 8, resolutionA: 4 }, { centreVoxel: [27, 20, 20], radiusA: 8, resolutionA: 8 }] });
    let s = 0, c = 0, d = 0;
    const seen = new Set<string>();
    for (let i = 0; i < p.mask.length; i++) {
      if (p.labels[i]) seen.add(`${p.labels[i]}:${p.truthResolutionA[i]}`);
      assert.equal(p.mask[i], p.labels[i] ? 1 : 0);
      if (p.labels[i]) { s += 0.5 * (p.half1.data[i] + p.half2.data[i]); c++; }
      d += (p.half1.data[i] - p.half2.data[i]) ** 2;
    }
    assert.deepEqual([...seen].sort(), ['1:4', '2:8']);
    const noiseSd = Math.sqrt(d / p.mask.length / 2);
    assert.ok(Math.abs(noiseSd / p.noiseSd - 1) < 0.05, `noise sd ${noiseSd} vs ${p.noiseSd}`);
    assert.ok(Math.abs(s / c / p.noiseSd - 2) < 0.3, `SNR ${s / c / p.noiseSd}`);
    assert.throws(() => halfMapPhantom({ shape: [8, 8, 8], voxelSizeA: 2, domains: [{ centreVoxel: [4, 4, 4], radiusA: 4, resolutionA: 3 }] }), /finer than Nyquist/);
  });
});

describe('Hann broadening correction', () => {
  const L0 = (4 * Math.PI * Math.PI) / 9;
  /** The apparent crossing of a Gaussian SNR of variance s² under a Hann window of edge L (share of its variance 1/(3L²)). */
  const apparent = (s2: number, windowA: number, share: number) => {
    const k2 = share / (3 * windowA * windowA);
    return 1 / Math.sqrt(2 * (s2 + k2) * (L0 + 1.5 * Math.log(s2 / (s2 + k2))));
  };
  it('inverts the broadening model: a Gaussian SNR of true crossing d read through the window gives back d', () => {
    for (const [d, L, share] of [[3, 20, 1], [8, 24, 0.5], [10, 24, 0.5], [10, 30, 1], [5, 16, 0.25]]) {
      const s2 = 1 / (2 * L0 * d * d);
      const dPrime = apparent(s2, L, share);
      assert.ok(dPrime < d, `the window reads ${d} Å finer (${dPrime})`);
      assert.ok(Math.abs(hannBroadeningCorrection(dPrime, L, share) - d) < 1e-6 * d, `${d} Å in a ${L} Å window, share ${share}`);
    }
  });
  it('moves coarse readings more than fine ones, never to a finer value; share 0 and non-finite values pass through', () => {
    const fine = hannBroadeningCorrection(3, 24) / 3;
    const coarse = hannBroadeningCorrection(9, 24) / 9;
    assert.ok(fine > 1 && fine < 1.03 && coarse > fine + 0.05, `${fine} ${coarse}`);
    assert.equal(hannBroadeningCorrection(7, 24, 0), 7);
    assert.equal(hannBroadeningCorrection(Number.POSITIVE_INFINITY, 24), Number.POSITIVE_INFINITY);
    for (const d of [2, 6, 15, 40, 200]) assert.ok(hannBroadeningCorrection(d, 10, 1) >= d);
  });
});
