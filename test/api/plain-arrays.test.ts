/**
 * The library's results are in ordinary memory whatever `threads` is: the estimate computes in a
 * worker thread on SharedArrayBuffers, and `scale.data` had come back shared on boxes of 64³ and
 * more, so a caller's structuredClone shared it and crypto.subtle refused it (sweep, session 49).
 */
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { estimateLocalScale, modifyMap } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { loadFft } from '../../src/math/fft.js';

before(async () => {
  await loadFft();
});

it('estimateLocalScale and modifyMap return ordinary (not shared) arrays; a clone is a copy', async () => {
  const n = 72;
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [c - 8, c, c], radiusA: 12, occupancy: 1 }, { centreVoxel: [c + 9, c, c], radiusA: 11, occupancy: 0.5 }] });
  const est = await estimateLocalScale(map, {});
  const mod = await modifyMap(map, { modification: { kind: 'amplify', gamma: 2 } });
  for (const [name, a] of [['scale', est.scale.data], ['confidence', est.confidence.data], ['modified map', mod.map.data], ['modify scale', mod.scale.data]] as const) {
    assert.ok(a.buffer instanceof ArrayBuffer && !(a.buffer instanceof SharedArrayBuffer), `${name} is shared`);
  }
  const clone = structuredClone(est.scale.data);
  const before = est.scale.data[0];
  clone[0] = 42;
  assert.equal(est.scale.data[0], before);
  await crypto.subtle.digest('SHA-256', est.scale.data as Float32Array<ArrayBuffer>); // refused a view on shared memory
});
