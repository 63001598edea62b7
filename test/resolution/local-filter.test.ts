/**
 * Local low-pass filtering and the local-resolution histogram.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Volume } from '../../src/core/volume.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import { loadFft } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { resolutionHistogram } from '../../src/plots/resolution-histogram.js';
import { localLowpass } from '../../src/resolution/local-filter.js';

const n = 32;
function noiseMap(seed: number): Volume {
  const g = gaussianSampler(mulberry32(seed));
  return { data: Float32Array.from({ length: n ** 3 }, () => g()), shape: [n, n, n], voxelSizeA: [1, 1, 1] };
}

describe('localLowpass', () => {
  before(loadFft);
  it('a uniform local resolution equals the global low-pass at that resolution', () => {
    const m = noiseMap(1);
    const out = localLowpass(m, new Float32Array(n ** 3).fill(6)).data;
    const ref = lowpassHard(m, 6, 'centred').data;
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - ref[i]) < 1e-5);
  });
  it('each voxel follows its own resolution: the coarse half is smoother than the fine half', () => {
    const m = noiseMap(2);
    const res = Float32Array.from({ length: n ** 3 }, (_, i) => ((i % n) < n / 2 ? 3 : 12));
    const out = localLowpass(m, res).data;
    const fine = lowpassHard(m, 3, 'centred').data;
    const coarse = lowpassHard(m, 12, 'centred').data;
    const i = (10 * n + 10) * n + 5; // x = 5: fine half
    const j = (10 * n + 10) * n + 25; // x = 25: coarse half
    assert.ok(Math.abs(out[i] - fine[i]) < 1e-5);
    assert.ok(Math.abs(out[j] - coarse[j]) < 1e-5);
  });
  it('rejects a resolution map of another size', () => {
    assert.throws(() => localLowpass(noiseMap(3), new Float32Array(5)), /resolution map has 5 voxels/);
  });
});

describe('resolution histogram and input checks', () => {
  it('counts exactly the selected voxels', () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => 2 + (i % 17) / 4);
    const sel = Uint8Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const h = resolutionHistogram(v, sel, 10);
    assert.equal(h.count.reduce((a, b) => a + b, 0), 334);
    assert.equal(h.lowerA[0], 2);
    assert.ok(Math.abs(h.upperA[9] - 6) < 1e-9);
  });
});
