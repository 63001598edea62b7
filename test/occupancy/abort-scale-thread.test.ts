/**
 * An aborted estimate stops its local-scale work in the worker thread too (when no other call
 * shares it): 12 aborted 128³ estimates had made the next call twice as slow (sweep, session 49).
 */
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { estimateLocalScale } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { scaleRequestsPending } from '../../src/occupancy/scale-thread.js';

before(async () => {
  await loadFft();
});

it('abort while the worker computes the local scale: the call rejects and the worker is ended; the next call gives the same result as before', async () => {
  const n = 96;
  const c = n / 2;
  const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 6, snr: 5, seed: 5, domains: [{ centreVoxel: [c - 8, c, c], radiusA: 14, occupancy: 1 }] });
  const first = await estimateLocalScale(map, { kernelSize: 11 });
  const ac = new AbortController();
  const run = estimateLocalScale(map, {
    kernelSize: 11,
    signal: ac.signal,
    onProgress: (phase) => {
      if (phase === 'low-pass') ac.abort(); // res mode: the worker already has the local scale
    },
  });
  await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  // the abandoned request is ended with the worker; or, when the worker's answer came in during the
  // turn between steps before the abort was acted on (the turn passes the poll phase since session
  // 59: one CI in three), nothing was left to abandon and the idle worker may stay
  assert.equal(scaleRequestsPending(), 0, 'the worker thread still runs the abandoned local scale');
  const again = await estimateLocalScale(map, { kernelSize: 11 });
  assert.ok(Buffer.from(again.scale.data.buffer).equals(Buffer.from(first.scale.data.buffer)));
});
