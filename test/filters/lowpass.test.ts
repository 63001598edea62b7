import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { lowpassHard, lowpassHardFull, lowpassHardSteps, lowpassKeep, lowpassKeeps, lowpassKeptCount } from '../../src/filters/lowpass.js';
import { runStepsYielding } from '../../src/core/event-loop.js';
import type { Shape3, Vec3, Volume } from '../../src/core/volume.js';
import { maxAbsDiff, mean, naiveDft3d, randomMap, signedFrequency } from '../math/reference.js';

function vol(data: Float32Array, shape: Shape3, voxelSizeA: Vec3 = [1, 1, 1]): Volume {
  return { data, shape, voxelSizeA };
}

/** Map of a sum of cosines a*cos(2*pi*(h*x/nx + k*y/ny + l*z/nz) + p) plus a constant. */
function cosineMap(shape: Shape3, terms: Array<{ f: [number, number, number]; a: number; p: number }>, c = 0): Float32Array {
  const [nx, ny, nz] = shape;
  const out = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    let v = c;
    for (const t of terms) v += t.a * Math.cos(2 * Math.PI * ((t.f[0] * x) / nx + (t.f[1] * y) / ny + (t.f[2] * z) / nz) + t.p);
    out[(z * ny + y) * nx + x] = v;
  }
  return out;
}


describe('lowpassKeep / lowpassKeeps / lowpassKeptCount', () => {
  test('keep_i = floor(n_i * a_i / lowpassA)', () => {
    assert.deepEqual(lowpassKeep([64, 64, 64], [1.1, 1.1, 1.1], 8), [8, 8, 8]);
    assert.deepEqual(lowpassKeep([15, 12, 9], [1, 1.25, 2], 4), [3, 3, 4]);
  });

  test('cubic mask is exactly sqrt(h^2+k^2+l^2) <= keep+1, including integer boundary points', () => {
    const keep: Vec3 = [4, 4, 4];
    assert.equal(lowpassKeeps(3, 4, 0, keep), true); // radius exactly 5 = keep+1
    assert.equal(lowpassKeeps(0, -5, 0, keep), true);
    assert.equal(lowpassKeeps(1, 0, 5, keep), false);
    assert.equal(lowpassKeeps(-3, 3, 3, keep), false); // sqrt(27) > 5
  });

  test('kept-frequency count for cubic boxes equals a brute-force count of sqrt(h^2+k^2+l^2) <= keep+1', () => {
    for (const [n, a, lp] of [[16, 1, 4], [17, 1.3, 5.1], [24, 1, 3.3], [11, 2, 5]] as Array<[number, number, number]>) {
      const keep = Math.floor((n * a) / lp);
      let brute = 0;
      for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
        const h = signedFrequency(x, n), k = signedFrequency(y, n), l = signedFrequency(z, n);
        if (Math.sqrt(h * h + k * k + l * l) <= keep + 1) brute++;
      }
      assert.equal(lowpassKeptCount([n, n, n], [a, a, a], lp), brute, `n=${n} a=${a} lp=${lp} keep=${keep}`);
    }
  });

  test('non-cubic count equals a brute-force ellipsoid count', () => {
    const shape: Shape3 = [15, 12, 9], a: Vec3 = [1, 1.25, 2], lp = 4;
    const keep = lowpassKeep(shape, a, lp);
    let brute = 0;
    for (let z = 0; z < 9; z++) for (let y = 0; y < 12; y++) for (let x = 0; x < 15; x++) {
      const h = signedFrequency(x, 15), k = signedFrequency(y, 12), l = signedFrequency(z, 9);
      if ((h * h) / (keep[0] + 1) ** 2 + (k * k) / (keep[1] + 1) ** 2 + (l * l) / (keep[2] + 1) ** 2 <= 1 + 1e-12) brute++;
    }
    assert.equal(lowpassKeptCount(shape, a, lp), brute);
  });

  test('rejects a non-positive or non-finite lowpassA with its value in the message', () => {
    for (const bad of [0, -3, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => lowpassKeep([8, 8, 8], [1, 1, 1], bad), (e: unknown) => e instanceof RangeError && e.message.includes('lowpassA') && e.message.includes(String(bad)));
    }
  });
});

describe('lowpassHard', () => {
  before(async () => {
    await loadFft();
  });

  test('a constant map is unchanged', () => {
    const shape: Shape3 = [12, 10, 9];
    const out = lowpassHard(vol(new Float32Array(12 * 10 * 9).fill(3.25), shape), 4);
    assert.ok(maxAbsDiff(out.data, new Float32Array(out.data.length).fill(3.25)) < 1e-5);
  });

  test('zeros in give zeros out', () => {
    const out = lowpassHard(vol(new Float32Array(7 * 8 * 9), [7, 8, 9]), 3);
    assert.ok(out.data.every((v) => v === 0));
  });

  test('a cosine below the cut-off passes unchanged, one above is removed (cubic, even)', () => {
    const shape: Shape3 = [16, 16, 16]; // keep = floor(16*1/4) = 4, radius limit 5
    const low = { f: [2, 1, 0] as [number, number, number], a: 1, p: 0.3 };
    const high = { f: [0, 6, 2] as [number, number, number], a: 0.8, p: -1.1 };
    const input = cosineMap(shape, [low, high], 0.5);
    const out = lowpassHard(vol(input, shape), 4);
    assert.ok(maxAbsDiff(out.data, cosineMap(shape, [low], 0.5)) < 1e-5);
  });

  test('odd, non-cubic box with anisotropic voxels: passes/removes per the ellipsoidal mask', () => {
    const shape: Shape3 = [15, 12, 9];
    const a: Vec3 = [1, 1.25, 2];
    const keep = lowpassKeep(shape, a, 4); // [3, 3, 4]
    const pass = { f: [3, -2, 1] as [number, number, number], a: 1, p: 0.2 };
    const cut = { f: [4, 2, 0] as [number, number, number], a: 1, p: 0.9 };
    assert.equal(lowpassKeeps(...pass.f, keep), true);
    assert.equal(lowpassKeeps(...cut.f, keep), false);
    assert.equal(lowpassKeeps(4, 0, 0, keep), true); // on the ellipsoid: h = keep_x + 1
    const out = lowpassHard(vol(cosineMap(shape, [pass, cut], -0.25), shape, a), 4);
    assert.deepEqual(out.shape, shape);
    assert.deepEqual(out.voxelSizeA, a);
    assert.ok(maxAbsDiff(out.data, cosineMap(shape, [pass], -0.25)) < 1e-5);
  });

  test('random maps match a naive float64 reference (mask in the full spectrum, real result) and keep the mean', () => {
    const cases: Array<[Shape3, Vec3, number]> = [
      [[7, 6, 5], [1, 1, 1], 2.5],
      [[9, 8, 7], [1.2, 1, 0.9], 3],
      [[8, 8, 8], [1, 1, 1], 2.7],
    ];
    for (const [shape, a, lp] of cases) {
      const x = randomMap(shape, 31 + shape[0], 0.4);
      const out = lowpassHard(vol(x, shape, a), lp);
      const keep = lowpassKeep(shape, a, lp);
      const [nx, ny, nz] = shape;
      const F = naiveDft3d(x, new Float64Array(x.length), shape, -1);
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let xx = 0; xx < nx; xx++) {
        if (!lowpassKeeps(signedFrequency(xx, nx), signedFrequency(y, ny), signedFrequency(z, nz), keep)) {
          const i = (z * ny + y) * nx + xx;
          F.re[i] = 0;
          F.im[i] = 0;
        }
      }
      const ref = naiveDft3d(F.re, F.im, shape, 1);
      const n = x.length;
      let maxIm = 0;
      for (let i = 0; i < n; i++) maxIm = Math.max(maxIm, Math.abs(ref.im[i] / n));
      assert.ok(maxIm < 1e-10, `reference is not real: ${maxIm}`); // the mask is centro-symmetric
      const refRe = Array.from(ref.re, (v) => v / n);
      assert.ok(maxAbsDiff(out.data, refRe) < 1e-5, `${shape.join('x')}: ${maxAbsDiff(out.data, refRe)}`);
      assert.ok(Math.abs(mean(out.data) - mean(x)) < 1e-6, `mean ${mean(out.data)} vs ${mean(x)}`);
      assert.ok(maxAbsDiff(out.data, x) > 0.05, 'the filter changed nothing');
    }
  });

  test('the pruned transforms equal the full 3D transforms within 1e-5 relative (odd, even, flat, non-cubic boxes; both masks; cut-offs from near Nyquist to DC only)', () => {
    const shapes: Shape3[] = [[32, 32, 32], [33, 31, 29], [16, 20, 24], [7, 9, 5], [1, 8, 8], [8, 1, 1], [40, 36, 1], [64, 48, 40]];
    let checked = 0;
    for (const shape of shapes) {
      const x = randomMap(shape, 100 + shape[0] + shape[2], 0.3);
      const v = vol(x, shape, [1, 1.1, 0.9]);
      for (const style of ['original', 'centred'] as const) {
        for (const lp of [2.3, 4, 8, 20, 500]) {
          const fast = lowpassHard(v, lp, style).data;
          const full = lowpassHardFull(v, lp, style).data;
          let peak = 0;
          for (let i = 0; i < full.length; i++) peak = Math.max(peak, Math.abs(full[i]));
          const err = maxAbsDiff(fast, full);
          assert.ok(err <= 1e-5 * peak, `${shape.join('x')} ${style} ${lp} Å: max |pruned - full| = ${err} (peak ${peak})`);
          checked++;
        }
      }
    }
    assert.equal(checked, shapes.length * 10);
  });

  test("the original OccuPy mask always keeps the zero frequency: the mean survives a keep of 0 along Y or Z (thin slabs, a cut-off beyond the box)", () => {
    // before: with keep 0 along Y or Z the signed range [-keep, keep-1] was empty and the map
    // came out all 0 ([128,128,4], [128,4,128], lowpassA 1000 on a 48 Å box); along X h = 0 was kept
    for (const [shape, lp] of [[[32, 32, 4], 8], [[32, 4, 32], 8], [[4, 32, 32], 8], [[32, 32, 1], 8], [[12, 12, 12], 1000]] as [Shape3, number][]) {
      const x = randomMap(shape, 7 + shape[2], 0.3);
      const v = vol(x, shape);
      for (const f of [lowpassHard, lowpassHardFull]) {
        const out = f(v, lp, 'original').data;
        assert.ok(Math.abs(mean(out) - mean(x)) < 1e-5, `${shape.join('x')} ${lp} Å ${f.name}: mean ${mean(out)} vs ${mean(x)}`);
        // the kept Y-Z plane (l = 0 or k = 0) still varies along the long axes
        if (lp < 100) assert.ok(maxAbsDiff(out, Array.from(out, () => mean(out))) > 1e-3, `${shape.join('x')} ${f.name}: constant`);
      }
    }
  });

  test('lowpassA <= 2a on the finest axis returns a copy of the input', () => {
    const shape: Shape3 = [6, 5, 4];
    const x = randomMap(shape, 3);
    const input = vol(x, shape, [1.5, 1, 2]);
    for (const lp of [2, 1.2]) {
      const out = lowpassHard(input, lp);
      assert.deepEqual(out.data, x);
      assert.notEqual(out.data, x);
    }
    // just above 2 * min(a) the filter is applied
    assert.ok(maxAbsDiff(lowpassHard(input, 2.01).data, x) > 1e-3);
  });

  test('lowpassHardSteps: steps of about 2^20 voxels with increasing fractions, the same map bit for bit as lowpassHard (odd, non-cubic box; both masks)', async () => {
    // 128 x 128 planes: 64 a step; 130 planes: the forward transform yields after planes 64, 128
    // and 130, the inverse after its pass along Z and after planes 64 and 128
    const shape: Shape3 = [128, 128, 130];
    const x = randomMap(shape, 11);
    const input = vol(x, shape, [1, 1.1, 1.2]);
    for (const style of ['centred', 'original'] as const) {
      const fractions: number[] = [];
      const stepped = await runStepsYielding(lowpassHardSteps(input, 9, style), (f) => fractions.push(f));
      assert.deepEqual(stepped.data, lowpassHard(input, 9, style).data, style);
      assert.equal(fractions.length, 6, `${style}: ${fractions.join(', ')}`);
      assert.ok(fractions.every((f, i) => f > 0 && f < 1 && (i === 0 || f > fractions[i - 1])), `${style}: ${fractions.join(', ')}`);
    }
    assert.deepEqual(input.data, x, 'the input is not modified');
  });

  test('does not modify its input', () => {
    const shape: Shape3 = [8, 7, 6];
    const x = randomMap(shape, 8);
    const copy = x.slice();
    lowpassHard(vol(x, shape), 3);
    assert.deepEqual(x, copy);
  });

  test('bad input: lowpassA, data length, voxel size', () => {
    const v = vol(new Float32Array(8), [2, 2, 2]);
    assert.throws(() => lowpassHard(v, 0), /lowpassA must be a finite number > 0 \(Å\), got 0/);
    assert.throws(() => lowpassHard(v, -5), RangeError);
    assert.throws(() => lowpassHard(vol(new Float32Array(7), [2, 2, 2]), 4), TypeError);
    assert.throws(() => lowpassHard(vol(new Float32Array(8), [2, 2, 2], [1, 0, 1]), 4), /voxelSizeA/);
  });
});
