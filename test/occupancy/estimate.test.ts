/**
 * The end-to-end estimate on analytic maps (spec §6, §12): a Gaussian blob's scale peaks at its
 * centre and falls off; bad maps and mismatched masks are rejected with clear errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { estimateLocalScale, estimateLocalScaleParallel } from '../../src/occupancy/estimate.js';
import { isShared, sharedFloat32, stopScaleThread } from '../../src/occupancy/scale-thread.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import type { Shape3, Volume } from '../../src/core/volume.js';

/** Gaussian blob (amplitude 1, sigma `s` voxels) at `centre` plus noise of sd `noiseSd`. */
function blobMap(shape: Shape3, centre: [number, number, number], s: number, noiseSd: number, seed: number, voxelSizeA = 1.5): { map: Volume; dist: Float64Array } {
  const [nx, ny, nz] = shape;
  const g = gaussianSampler(mulberry32(seed));
  const data = new Float32Array(nx * ny * nz);
  const dist = new Float64Array(data.length);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const i = (z * ny + y) * nx + x;
    const r = Math.hypot(x - centre[0], y - centre[1], z - centre[2]);
    dist[i] = r;
    data[i] = Math.exp(-(r * r) / (2 * s * s)) + noiseSd * g();
  }
  return { map: { data, shape, voxelSizeA: [voxelSizeA, voxelSizeA, voxelSizeA] }, dist };
}

before(async () => {
  await loadFft();
});

describe('estimateLocalScale: a Gaussian blob in noise (40³, 1.5 Å)', () => {
  const shape: Shape3 = [40, 40, 40];
  const centre: [number, number, number] = [20, 20, 20];
  const { map, dist } = blobMap(shape, centre, 3, 0.02, 31);
  const copy = Float32Array.from(map.data);
  // Built lazily inside the first test so loadFft() has run.
  let r: ReturnType<typeof estimateLocalScale>;
  const result = () => (r ??= estimateLocalScale(map));

  it('derives k = 5, r = 8/3 voxels, n_v = 81 for 1.5 Å voxels, and leaves the input unmodified', () => {
    const res = result();
    assert.equal(res.settings.kernel.size, 5);
    assert.ok(Math.abs(res.settings.kernel.radiusVoxels - 8 / 3) < 1e-12);
    assert.equal(res.settings.kernel.nSamples, 81);
    assert.deepEqual(map.data, copy);
    assert.equal(res.mode, 'res');
    assert.equal(res.downsampled, false);
  });

  it('the scale is 1 at the blob centre and every scale-1 voxel lies near it', () => {
    const res = result();
    const s = res.scale.data;
    assert.equal(s[(20 * 40 + 20) * 40 + 20], 1);
    for (let i = 0; i < s.length; i++) if (s[i] === 1) assert.ok(dist[i] < 6, `scale 1 at distance ${dist[i].toFixed(2)}`);
  });

  it('the scale falls off with distance from the centre and is near 0 in the solvent', () => {
    const s = result().scale.data;
    const shell = (lo: number, hi: number) => {
      let sum = 0;
      let c = 0;
      for (let i = 0; i < s.length; i++) if (dist[i] >= lo && dist[i] < hi) { sum += s[i]; c++; }
      return sum / c;
    };
    const means = [shell(0, 3), shell(4, 6), shell(7, 9), shell(10, 12), shell(14, 18)];
    for (let i = 0; i + 1 < means.length; i++) assert.ok(means[i + 1] < means[i], `shell means ${means.map((m) => m.toFixed(3))}`);
    assert.ok(means[0] > 0.95, `core ${means[0]}`);
    assert.ok(means[4] < 0.15, `solvent ${means[4]}`);
    for (const v of s) assert.ok(v >= 0 && v <= 1);
  });

  it('s_max comes from the tile at the blob centre and is close to the blob peak', () => {
    const res = result();
    assert.ok(res.sMaxTile);
    const c = res.sMaxTile.centreVoxel;
    assert.ok(Math.hypot(c[0] - 20, c[1] - 20, c[2] - 20) < 3, `tile centre ${c}`);
    assert.ok(res.sMax > 0.85 && res.sMax < 1.1, `s_max ${res.sMax}`);
  });

  it('confidence is 1 at the blob and ≈ 0 in the solvent; the solvent model finds the noise', () => {
    const res = result();
    const conf = res.confidence.data;
    assert.equal(conf[(20 * 40 + 20) * 40 + 20], 1);
    let sum = 0;
    let c = 0;
    for (let i = 0; i < conf.length; i++) if (dist[i] > 14) { sum += conf[i]; c++; }
    assert.ok(sum / c < 0.05, `solvent confidence ${sum / c}`);
    assert.ok(Math.abs(res.solvent.model.mu) < 0.02, `mu ${res.solvent.model.mu}`);
  });

  it('an off-centre blob moves the peak with it (scale 1 at (14, 24, 22))', () => {
    const { map: m2, dist: d2 } = blobMap(shape, [14, 24, 22], 3, 0.02, 32);
    const s = estimateLocalScale(m2).scale.data;
    assert.equal(s[(22 * 40 + 24) * 40 + 14], 1);
    let iMin = 0;
    for (let i = 0; i < s.length; i++) if (s[i] < 1 && d2[i] < d2[iMin]) iMin = i;
    assert.ok(d2[iMin] >= 1, 'a voxel adjacent to the peak has scale < 1');
  });

  it('occupancy mode (on the low-passed map) also peaks at the centre', () => {
    const res = estimateLocalScale(map, { mode: 'occ' });
    assert.equal(res.mode, 'occ');
    assert.equal(res.scale.data[(20 * 40 + 20) * 40 + 20], 1);
  });

  it('a non-cubic odd box (33x40x27) works and peaks at the blob', () => {
    const { map: m3 } = blobMap([33, 40, 27], [16, 20, 13], 3, 0.02, 33);
    const res = estimateLocalScale(m3);
    assert.deepEqual(res.scale.shape, [33, 40, 27]);
    assert.equal(res.scale.data[(13 * 40 + 20) * 33 + 16], 1);
  });
});

describe('estimateLocalScale: bad maps and options', () => {
  const shape: Shape3 = [24, 24, 24];
  const good = () => blobMap(shape, [12, 12, 12], 2.5, 0.02, 5).map;

  it('a constant map → RangeError /constant/', () => {
    const map: Volume = { data: new Float32Array(24 ** 3).fill(0.7), shape, voxelSizeA: [1.5, 1.5, 1.5] };
    assert.throws(() => estimateLocalScale(map), (e: unknown) => e instanceof RangeError && /constant/.test(e.message));
  });

  it('a --solvent-def on another box → RangeError naming --solvent-def and both boxes', () => {
    const solventDef: Volume = { data: new Float32Array(20 * 24 * 24), shape: [20, 24, 24], voxelSizeA: [1.5, 1.5, 1.5] };
    assert.throws(() => estimateLocalScale(good(), { solventDef }), (e: unknown) => e instanceof RangeError && /--solvent-def/.test(e.message) && /20x24x24/.test(e.message) && /24x24x24/.test(e.message));
  });

  it('a --target-mask on another box → RangeError naming --target-mask', () => {
    const targetMask: Volume = { data: new Float32Array(24 * 24 * 22), shape: [24, 24, 22], voxelSizeA: [1.5, 1.5, 1.5] };
    assert.throws(() => estimateLocalScale(good(), { targetMask }), (e: unknown) => e instanceof RangeError && /--target-mask/.test(e.message));
  });

  it('a map whose every value is negative → a clear error that s_max is not positive', () => {
    const m = good();
    const data = m.data.map((v) => v - 5);
    assert.ok(data.every((v) => v < 0));
    assert.throws(() => estimateLocalScale({ ...m, data }), (e: unknown) => e instanceof Error && /s_max/.test(e.message) && /not positive/.test(e.message));
    // it names the offset (with the values' range and mean), not only a sign inversion: the map is not inverted
    assert.throws(() => estimateLocalScale({ ...m, data }), (e: unknown) => e instanceof Error && /every value of the map lies at or below it \(-[\d.]+ to -[\d.]+, mean -[\d.]+\): the map is offset below zero/.test(e.message), 'offset named');
  });

  it('out-of-range options name the option: --max-box 7, --hedge-confidence 0.5, --tau 1.3, --kernel-size 4', () => {
    const m = good();
    assert.throws(() => estimateLocalScale(m, { maxBox: 7 }), /--max-box/);
    assert.throws(() => estimateLocalScale(m, { hedgeConfidence: 0.5 }), /--hedge-confidence/);
    assert.throws(() => estimateLocalScale(m, { tau: 1.3 }), /--tau/);
    assert.throws(() => estimateLocalScale(m, { kernelSize: 4 }), /--kernel-size/);
  });

  it('--target-mask: a full blob reports occupancy ≈ 1, a half-amplitude blob less than that', () => {
    const sh: Shape3 = [32, 32, 32];
    const g = gaussianSampler(mulberry32(6));
    const data = new Float32Array(32 ** 3);
    const m1 = new Float32Array(32 ** 3);
    const m2 = new Float32Array(32 ** 3);
    for (let z = 0; z < 32; z++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      const i = (z * 32 + y) * 32 + x;
      const r1 = Math.hypot(x - 10, y - 16, z - 16);
      const r2 = Math.hypot(x - 22, y - 16, z - 16);
      data[i] = Math.exp(-(r1 * r1) / 12.5) + 0.5 * Math.exp(-(r2 * r2) / 12.5) + 0.01 * g();
      if (r1 <= 3) m1[i] = 1;
      if (r2 <= 3) m2[i] = 1;
    }
    const map: Volume = { data, shape: sh, voxelSizeA: [1.5, 1.5, 1.5] };
    const full = estimateLocalScale(map, { targetMask: { data: m1, shape: sh, voxelSizeA: map.voxelSizeA } });
    const half = estimateLocalScale(map, { targetMask: { data: m2, shape: sh, voxelSizeA: map.voxelSizeA } });
    assert.ok(full.targetOccupancy !== undefined && full.targetOccupancy > 0.9, `full ${full.targetOccupancy}`);
    assert.ok(half.targetOccupancy !== undefined && half.targetOccupancy < full.targetOccupancy - 0.1, `half ${half.targetOccupancy}`);
    assert.ok(full.notes.some((n) => /Target mask/.test(n)));
  });
});

describe('estimateLocalScaleParallel (local-scale step in a worker thread)', () => {
  after(async () => {
    await stopScaleThread();
  });

  it('lets the event loop run between its steps on the calling thread: a timer due in the low-pass runs before the noise-spectrum work and the max filter (session 58: after all of them, so SIGINT waited 13.8 s at 256³ under load)', async () => {
    const { map } = blobMap([64, 64, 64], [30, 33, 31], 6, 0.05, 9);
    for (const mode of ['res', 'occ'] as const) {
      const seen: string[] = [];
      await estimateLocalScaleParallel(map, {
        mode,
        onProgress: (phase) => {
          if (seen.at(-1) !== phase) seen.push(phase);
          if (phase === 'low-pass' && !seen.includes('timer')) setTimeout(() => seen.push('timer'), 0);
        },
        whileWaiting: () => seen.push('while waiting'),
        whileWaitingPhase: 'noise spectrum',
      });
      const at = (p: string) => seen.indexOf(p);
      assert.ok(at('timer') > at('low-pass') && at('timer') < at('noise spectrum') && at('noise spectrum') < at('max filter'), `${mode}: ${seen.join(', ')}`);
    }
  });

  it('computes the low-pass in steps: a timer due when it begins runs before its last step is reported (before session 60 after the whole low-pass: SIGINT waited ~5 s at 256³ under load)', async () => {
    // 128³: 64 planes a step (2^20 voxels), so the low-pass yields after each half of its forward
    // planes, after its inverse pass along Z and after the first half of its inverse planes
    const { map } = blobMap([128, 128, 128], [62, 66, 63], 8, 0.05, 9);
    for (const mode of ['res', 'occ'] as const) {
      const seen: [string, number][] = [];
      await estimateLocalScaleParallel(map, {
        mode,
        onProgress: (phase, f) => {
          if (phase === 'low-pass' && !seen.some(([p]) => p === 'low-pass')) setTimeout(() => seen.push(['timer', f]), 0);
          seen.push([phase, f]);
        },
      });
      const names = seen.map(([p]) => p);
      const lowpass = seen.filter(([p]) => p === 'low-pass').map(([, f]) => f);
      assert.ok(lowpass.length >= 4, `${mode}: low-pass reported ${lowpass.length} times`);
      assert.ok(lowpass.every((f, i) => i === 0 || f > lowpass[i - 1]) && lowpass[0] === 0.05 && lowpass.at(-1)! < 0.35, `${mode}: fractions ${lowpass.join(', ')}`);
      assert.ok(names.indexOf('timer') > 0 && names.indexOf('timer') < names.lastIndexOf('low-pass'), `${mode}: ${names.join(', ')}`);
    }
  });

  it('gives bit-identical scale and confidence to the one-thread estimate, res and occ modes, plain and shared input', async () => {
    const { map } = blobMap([64, 64, 64], [30, 33, 31], 6, 0.05, 9);
    const shared = { ...map, data: sharedFloat32(map.data.length) };
    shared.data.set(map.data);
    for (const mode of ['res', 'occ'] as const) {
      const one = estimateLocalScale(map, { mode, nlrc: true });
      for (const input of [map, shared]) {
        const two = await estimateLocalScaleParallel(input, { mode, nlrc: true });
        assert.ok(isShared(two.scale.data), 'the scale came from the worker thread');
        assert.deepEqual(two.scale.data, one.scale.data, `${mode}: scale`);
        assert.deepEqual(two.confidence.data, one.confidence.data, `${mode}: confidence`);
        assert.equal(two.sMax, one.sMax);
        assert.equal(two.variabilityLimit, one.variabilityLimit);
        assert.deepEqual(two.sMaxTile, one.sMaxTile);
      }
    }
    assert.deepEqual(shared.data, map.data, 'the input is not modified');
  });

  it('reports errors of the worker thread with their class and message', async () => {
    const { map } = blobMap([64, 64, 64], [30, 33, 31], 6, 0.05, 9);
    const negative = { ...map, data: map.data.map((v) => -Math.abs(v) - 1) };
    await assert.rejects(estimateLocalScaleParallel(negative), (e: unknown) => e instanceof RangeError && /s_max/.test(e.message) && /not positive/.test(e.message));
  });

  it('small boxes and threads: false run on the calling thread', async () => {
    const { map } = blobMap([32, 32, 32], [15, 16, 16], 4, 0.05, 2);
    assert.ok(!isShared((await estimateLocalScaleParallel(map)).scale.data));
    const { map: big } = blobMap([64, 64, 64], [30, 33, 31], 6, 0.05, 9);
    assert.ok(!isShared((await estimateLocalScaleParallel(big, { threads: false })).scale.data));
  });
});
