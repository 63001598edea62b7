import { test, describe, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { cfftAxis, cfftAxisInPlace, loadFft } from '../../src/math/fft.js';
import { fourierResample, fourierResampleFull, fourierResampleLowpass } from '../../src/filters/fourier-resample.js';
import { cropOrPad, resampledShape, resampleToVoxelSize } from '../../src/filters/resample-voxel-size.js';
import type { Shape3, Vec3, Volume } from '../../src/core/volume.js';
import { maxAbsDiff, mean, randomMap } from '../math/reference.js';

type Term = { f: [number, number, number]; a: number; p: number };

/** Continuous band-limited signal c + sum a*cos(2*pi*(h*x/nx + k*y/ny + l*z/nz) + p), x in voxels of `shape`. */
function signal(shape: Shape3, terms: Term[], c: number): (x: number, y: number, z: number) => number {
  return (x, y, z) => {
    let v = c;
    for (const t of terms) v += t.a * Math.cos(2 * Math.PI * ((t.f[0] * x) / shape[0] + (t.f[1] * y) / shape[1] + (t.f[2] * z) / shape[2]) + t.p);
    return v;
  };
}

/** Sample `fn` on the grid `out`, whose voxel r' sits at input coordinate r' * n/m per axis. */
function sampleOnGrid(fn: (x: number, y: number, z: number) => number, inShape: Shape3, out: Shape3): Float32Array {
  const [mx, my, mz] = out;
  const data = new Float32Array(mx * my * mz);
  for (let z = 0; z < mz; z++) for (let y = 0; y < my; y++) for (let x = 0; x < mx; x++) {
    data[(z * my + y) * mx + x] = fn((x * inShape[0]) / mx, (y * inShape[1]) / my, (z * inShape[2]) / mz);
  }
  return data;
}


function vol(data: Float32Array, shape: Shape3, voxelSizeA: Vec3 = [1, 1, 1]): Volume {
  return { data, shape, voxelSizeA };
}

describe('fourierResample', () => {
  before(async () => {
    await loadFft();
  });

  const pairs: Array<[Shape3, Shape3]> = [
    [[9, 9, 9], [6, 6, 6]],
    [[6, 6, 6], [9, 9, 9]],
    [[10, 12, 14], [8, 8, 8]],
    [[8, 8, 8], [10, 12, 14]],
    [[10, 6, 7], [8, 9, 7]], // crop X, pad Y, keep Z
    [[7, 5, 6], [4, 8, 3]],
  ];

  for (const [from, to] of pairs) {
    test(`mean density is preserved: ${from.join('x')} -> ${to.join('x')}`, () => {
      const x = randomMap(from, 17 + from[0], 1.5);
      const out = fourierResample(vol(x, from, [1.1, 1.1, 1.1]), to);
      assert.deepEqual(out.shape, to);
      assert.equal(out.data.length, to[0] * to[1] * to[2]);
      assert.ok(Math.abs(mean(out.data) - mean(x)) < 1e-5, `mean ${mean(out.data)} vs ${mean(x)}`);
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(out.voxelSizeA[i] - (1.1 * from[i]) / to[i]) < 1e-12);
    });
  }

  test('crop of a band-limited map equals the analytic subsampled signal (10x12x14 -> 8x8x8)', () => {
    const from: Shape3 = [10, 12, 14], to: Shape3 = [8, 8, 8];
    const fn = signal(from, [
      { f: [1, 2, 0], a: 1, p: 0.4 },
      { f: [-3, 1, 3], a: 0.6, p: -1.2 },
      { f: [2, -3, -2], a: 0.5, p: 2.0 },
    ], 0.7);
    const input = sampleOnGrid(fn, from, from);
    const out = fourierResample(vol(input, from), to);
    assert.ok(maxAbsDiff(out.data, sampleOnGrid(fn, from, to)) < 1e-5, `error ${maxAbsDiff(out.data, sampleOnGrid(fn, from, to))}`);
  });

  test('crop samples exactly a signal with content at the new Nyquist (merge convention), 9 -> 6 and 12x9x10 -> 8x6x4', () => {
    for (const [from, to] of [[[9, 9, 9], [6, 6, 6]], [[12, 9, 10], [8, 6, 4]]] as Array<[Shape3, Shape3]>) {
      const fn = signal(from, [
        { f: [to[0] / 2, 1, 0], a: 1, p: 0.5 },
        { f: [0, -to[1] / 2, 1], a: 0.7, p: -0.8 },
        { f: [1, 0, to[2] / 2], a: 0.4, p: 1.3 },
      ], -0.2);
      const out = fourierResample(vol(sampleOnGrid(fn, from, from), from), to);
      const expected = sampleOnGrid(fn, from, to);
      assert.ok(maxAbsDiff(out.data, expected) < 1e-5, `${from.join('x')}: error ${maxAbsDiff(out.data, expected)}`);
    }
  });

  test('pad of a band-limited map equals the analytic finer sampling (6x9x8 -> 9x12x10)', () => {
    const from: Shape3 = [6, 9, 8], to: Shape3 = [9, 12, 10];
    const fn = signal(from, [
      { f: [2, 4, -3], a: 1, p: 0.1 },
      { f: [-1, 2, 1], a: 0.8, p: 0.9 },
    ], 1.0);
    const out = fourierResample(vol(sampleOnGrid(fn, from, from), from), to);
    assert.ok(maxAbsDiff(out.data, sampleOnGrid(fn, from, to)) < 1e-5);
  });

  test('pad interpolates: output voxels that coincide with input voxels keep their values (random 6x4x5 -> 9x8x10)', () => {
    const from: Shape3 = [6, 4, 5], to: Shape3 = [9, 8, 10];
    const x = randomMap(from, 77);
    const out = fourierResample(vol(x, from), to);
    let err = 0;
    for (let z = 0; z < 10; z += 2) for (let y = 0; y < 8; y += 2) for (let xx = 0; xx < 9; xx += 3) {
      const src = ((z / 2) * 4 + y / 2) * 6 + (2 * xx) / 3;
      err = Math.max(err, Math.abs(out.data[(z * 8 + y) * 9 + xx] - x[src]));
    }
    assert.ok(err < 1e-5, `error ${err}`);
  });

  const roundTrips: Array<[Shape3, Shape3]> = [
    [[6, 6, 6], [9, 9, 9]],
    [[9, 9, 9], [12, 12, 12]],
    [[10, 12, 14], [16, 13, 15]],
    [[7, 6, 5], [8, 11, 10]],
    [[4, 4, 4], [8, 8, 8]],
    [[1, 3, 2], [2, 6, 5]],
  ];
  for (const [from, to] of roundTrips) {
    test(`pad then crop returns the input: ${from.join('x')} -> ${to.join('x')} -> back`, () => {
      const x = randomMap(from, 5 + to[2], 0.3);
      const padded = fourierResample(vol(x, from, [2, 1.5, 1]), to);
      const back = fourierResample(padded, from);
      assert.ok(maxAbsDiff(back.data, x) < 1e-5, `error ${maxAbsDiff(back.data, x)}`);
      assert.ok(maxAbsDiff(back.voxelSizeA, [2, 1.5, 1]) < 1e-12);
    });
  }

  test('cropping in two steps equals cropping once', () => {
    const x = randomMap([12, 11, 10], 4);
    const once = fourierResample(vol(x, [12, 11, 10]), [7, 6, 5]);
    const twice = fourierResample(fourierResample(vol(x, [12, 11, 10]), [9, 8, 8]), [7, 6, 5]);
    assert.ok(maxAbsDiff(once.data, twice.data) < 1e-5);
  });

  test('same shape returns a copy; input is not modified', () => {
    const shape: Shape3 = [5, 4, 3];
    const x = randomMap(shape, 9);
    const copy = x.slice();
    const same = fourierResample(vol(x, shape), shape);
    assert.deepEqual(same.data, x);
    assert.notEqual(same.data, x);
    fourierResample(vol(x, shape), [8, 2, 7]);
    assert.deepEqual(x, copy);
  });

  test('bad input: newShape and volume', () => {
    const v = vol(new Float32Array(8), [2, 2, 2]);
    assert.throws(() => fourierResample(v, [0, 2, 2]), (e: unknown) => e instanceof RangeError && /newShape .* got 0x2x2/.test(e.message));
    assert.throws(() => fourierResample(v, [2.5, 2, 2]), RangeError);
    assert.throws(() => fourierResample(v, [2, 2] as unknown as Shape3), TypeError);
    assert.throws(() => fourierResample(vol(new Float32Array(9), [2, 2, 2]), [4, 4, 4]), TypeError);
  });

  // The pruned separable transforms against the full-size 3D reference: odd, even and non-cubic
  // boxes, crop and pad, with sizes PFFFT transforms (multiples of 16/32 of 2^a 3^b 5^c) and sizes
  // only kissfft can (45, 51, 97, primes), and mixed crop/pad/keep per axis.
  const parity: Array<[Shape3, Shape3]> = [
    [[64, 64, 64], [32, 32, 32]], // PFFFT on every pass
    [[32, 32, 32], [64, 64, 64]],
    [[96, 64, 48], [64, 32, 32]],
    [[97, 97, 97], [45, 45, 45]], // odd -> odd crop, kissfft
    [[45, 45, 45], [97, 97, 97]], // odd -> odd pad
    [[51, 51, 51], [32, 32, 32]], // odd -> even crop (merged Nyquist)
    [[32, 32, 32], [51, 51, 51]], // even -> odd pad (split Nyquist)
    [[64, 45, 51], [45, 64, 32]], // non-cubic, crop X and Z, pad Y
    [[97, 32, 48], [64, 51, 48]], // crop X, pad Y, keep Z
    [[50, 46, 13], [25, 23, 7]],
    [[7, 1, 12], [4, 3, 5]], // size-1 axis
    [[1, 1, 9], [1, 1, 4]],
  ];
  for (const [from, to] of parity) {
    test(`pruned equals the full-transform reference within 1e-5 relative: ${from.join('x')} -> ${to.join('x')}`, () => {
      const x = randomMap(from, 3 + from[0] + to[1], 0.4);
      const copy = x.slice();
      const v = vol(x, from, [1.3, 0.9, 1.1]);
      const pruned = fourierResample(v, to);
      const full = fourierResampleFull(v, to);
      assert.deepEqual(pruned.shape, to);
      assert.deepEqual(pruned.voxelSizeA, full.voxelSizeA);
      assert.equal(pruned.data.length, to[0] * to[1] * to[2]);
      let scale = 0;
      for (const f of full.data) scale = Math.max(scale, Math.abs(f));
      const rel = maxAbsDiff(pruned.data, full.data) / scale;
      assert.ok(rel < 1e-5, `relative error ${rel}`);
      assert.deepEqual(x, copy);
    });
  }

  test('pruned equals the reference on a smooth map with a large dynamic range (128x120x100 -> 80x81x50)', () => {
    const from: Shape3 = [128, 120, 100], to: Shape3 = [80, 81, 50];
    const fn = signal(from, [
      { f: [3, 1, 2], a: 1000, p: 0.3 },
      { f: [-20, 30, 11], a: 1, p: 1.1 },
      { f: [39, -40, 25], a: 0.3, p: -0.4 },
    ], 50);
    const v = vol(sampleOnGrid(fn, from, from), from);
    const pruned = fourierResample(v, to);
    const full = fourierResampleFull(v, to);
    let scale = 0;
    for (const f of full.data) scale = Math.max(scale, Math.abs(f));
    assert.ok(maxAbsDiff(pruned.data, full.data) / scale < 1e-5);
    assert.ok(maxAbsDiff(pruned.data, sampleOnGrid(fn, from, to)) / scale < 1e-5);
  });

  test('the reference has the same contract: copy for the same shape, errors', () => {
    const x = randomMap([5, 4, 3], 9);
    const same = fourierResampleFull(vol(x, [5, 4, 3]), [5, 4, 3]);
    assert.deepEqual(same.data, x);
    assert.notEqual(same.data, x);
    assert.throws(() => fourierResampleFull(vol(x, [5, 4, 3]), [0, 2, 2]), RangeError);
    assert.throws(() => fourierResampleFull(vol(new Float32Array(9), [2, 2, 2]), [4, 4, 4]), TypeError);
  });

  test('with onProgress (planes and columns in runs, as in a worker thread): the same bytes, fractions rising from 0 to 1', () => {
    // PFFFT and kissfft lengths, crop and pad, odd and even, with and without the low-pass alongside
    const cases: Array<[Shape3, Shape3]> = [[[64, 64, 64], [45, 45, 45]], [[45, 50, 40], [97, 64, 81]], [[100, 96, 98], [64, 72, 50]], [[7, 5, 6], [4, 8, 3]]];
    for (const [from, to] of cases) {
      const v = vol(randomMap(from, from[0] + to[0], 0.5), from, [1.2, 1.2, 1.2]);
      const fractions: number[] = [];
      const plain = fourierResample(v, to);
      const tracked = fourierResample(v, to, (f) => fractions.push(f));
      assert.ok(Buffer.from(tracked.data.buffer).equals(Buffer.from(plain.data.buffer)), `${from.join('x')} -> ${to.join('x')}: maps differ`);
      assert.ok(fractions[0] === 0 && fractions.at(-1) === 1 && fractions.length > 10, fractions.join(', '));
      assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]), 'fractions non-decreasing');
      const lowpass = { lowpassA: 8, maskStyle: 'original' as const };
      const a = fourierResampleLowpass(v, to, lowpass);
      const b = fourierResampleLowpass(v, to, lowpass, () => {});
      assert.ok(Buffer.from(b.volume.data.buffer).equals(Buffer.from(a.volume.data.buffer)));
      assert.equal(b.lowpassed === undefined, a.lowpassed === undefined);
      if (a.lowpassed && b.lowpassed) assert.ok(Buffer.from(b.lowpassed.data.buffer).equals(Buffer.from(a.lowpassed.data.buffer)), 'low-passed maps differ');
    }
  });

  test('cfftAxisInPlace equals cfftAxis into a separate array (pruned input and output, PFFFT and kissfft lengths)', () => {
    for (const [n, inner] of [[64, 300], [45, 7], [97, 1000]]) {
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      const some = Int32Array.from([0, 1, 2, n - 2, n - 1, 5]);
      for (const [indexIn, indexOut] of [[rows, some], [some, rows], [rows, rows]]) {
        const data = randomMap([2 * inner, Math.max(indexIn.length, indexOut.length), 1], n + inner);
        const expected = cfftAxis(data, 1, inner, n, indexIn, indexOut, n % 2 === 0);
        cfftAxisInPlace(data, inner, n, indexIn, indexOut, n % 2 === 0);
        assert.deepEqual(data.subarray(0, expected.length), expected);
      }
    }
    assert.throws(() => cfftAxisInPlace(new Float32Array(10), 2, 8, Int32Array.from([0, 1, 2]), Int32Array.from([0]), false), RangeError);
  });
});

describe('resampleToVoxelSize (pixel-size resample)', () => {
  before(async () => {
    await loadFft();
  });

  test('uses the pruned Fourier resampling: equals the full-transform reference, then the real-space box', () => {
    const from: Shape3 = [51, 45, 40];
    const x = randomMap(from, 31, 0.2);
    const v = vol(x, from, [1, 1, 1]);
    const out = resampleToVoxelSize(v, 1.5);
    const ref = fourierResampleFull(v, [34, 30, 27]);
    assert.deepEqual(out.shape, [34, 30, 27]);
    let scale = 0;
    for (const f of ref.data) scale = Math.max(scale, Math.abs(f));
    assert.ok(maxAbsDiff(out.data, ref.data) / scale < 1e-5);
    const boxed = resampleToVoxelSize(v, 1.5, [40, 20, 27]);
    assert.deepEqual(boxed.data, cropOrPad(out, [40, 20, 27]).data);
    assert.ok(maxAbsDiff(boxed.voxelSizeA, out.voxelSizeA) < 1e-12);
  });

  test('same voxel size: a copy, or the real-space box of the input itself', () => {
    const from: Shape3 = [6, 5, 4];
    const x = randomMap(from, 8);
    const copy = x.slice();
    const same = resampleToVoxelSize(vol(x, from, [1.2, 1.2, 1.2]), 1.2);
    assert.deepEqual(same.data, x);
    assert.notEqual(same.data, x);
    const boxed = resampleToVoxelSize(vol(x, from, [1.2, 1.2, 1.2]), 1.2, [4, 7, 4]);
    assert.deepEqual(boxed.shape, [4, 7, 4]);
    // centre voxel floor(n/2) stays the centre: output (x, y, z) = input (x + 1, y - 1, z)
    assert.equal(boxed.data[(2 * 7 + 3) * 4 + 2], x[(2 * 5 + 2) * 6 + 3]);
    assert.equal(boxed.data[(0 * 7 + 0) * 4 + 0], 0);
    assert.deepEqual(x, copy);
  });

  test('bad voxel size or box: RangeError naming the option', () => {
    const v = vol(randomMap([4, 4, 4], 1), [4, 4, 4]);
    assert.throws(() => resampleToVoxelSize(v, 0), /--angpix/);
    assert.throws(() => resampleToVoxelSize(v, Number.NaN), /--angpix/);
    assert.throws(() => resampleToVoxelSize(v, 2, [4, 0, 4]), /--box/);
    assert.throws(() => resampleToVoxelSize(v, 1, [4, 2.5, 4]), /--box/);
  });
});

describe('resampledShape: cubic voxels on a box of unequal extents', () => {
  it('97×120×88 at 1.0637 Å to 1.6 Å: voxels cubic within 0.3 % (rounding each axis gave 1.6122 × 1.5955 × 1.5865 Å), within 1 % of the target', () => {
    const m = resampledShape([97, 120, 88], [1.0637, 1.0637, 1.0637], 1.6);
    const sizes = m.map((k, i) => ([97, 120, 88][i] * 1.0637) / k);
    assert.ok(Math.max(...sizes) / Math.min(...sizes) - 1 < 0.003, sizes.join(', '));
    for (const a of sizes) assert.ok(Math.abs(a / 1.6 - 1) < 0.01, sizes.join(', '));
  });

  it('equal extents: round(n · a / target) on every axis, as before', () => {
    for (const [n, a, t] of [[128, 1, 1.37], [100, 1, 1.6], [256, 1.06, 0.8], [47, 1.43, 2]] as const) {
      const m = resampledShape([n, n, n], [a, a, a], t);
      assert.deepEqual(m, [0, 1, 2].map(() => Math.max(2, Math.round((n * a) / t))), `${n} ${a} ${t}`);
    }
  });

  it('on random boxes, never more anisotropic than rounding each axis', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let k = 0; k < 200; k++) {
      const shape = [0, 1, 2].map(() => 32 + Math.floor(rnd() * 300)) as [number, number, number];
      const a = 0.5 + rnd() * 2;
      const t = a * (0.4 + rnd() * 3);
      const spread = (m: readonly number[]) => {
        const s = m.map((q, i) => (shape[i] * a) / q);
        return Math.max(...s) / Math.min(...s) - 1;
      };
      const m = resampledShape(shape, [a, a, a], t);
      assert.ok(spread(m) <= spread(shape.map((n) => Math.max(2, Math.round((n * a) / t)))) + 1e-12, `${shape} ${a} → ${t}`);
    }
  });
});
