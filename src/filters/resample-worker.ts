/**
 * Worker-thread entry of {@link ./resample-thread.ts}: its share of a Fourier crop/pad on the
 * shared work block (forward planes, Z columns, inverse planes), as the main thread asks.
 */
import { parentPort } from 'node:worker_threads';
import { unpackViews } from '../core/shared-views.js';
import { loadFft } from '../math/fft.js';
import { PrunedResampler } from './fourier-resample.js';
import type { ResampleReply, ResampleRequest } from './resample-thread.js';

const ready = loadFft();
ready.catch(() => undefined); // reported with the first request
let resampler: PrunedResampler | undefined;

parentPort?.on('message', (packed: unknown) => {
  const req = unpackViews(packed) as ResampleRequest;
  let t0 = 0;
  void ready
    .then(() => {
      t0 = performance.now();
      if (req.kind === 'init') {
        resampler = new PrunedResampler(req.inShape, req.outShape, req.block, req.lowpass, req.lowBlock);
        return;
      }
      const r = resampler;
      if (!r) throw new Error('internal: resample worker used before init');
      if (req.kind === 'planes') {
        const plane = req.inShape[0] * req.inShape[1];
        for (let k = 0; k < req.count; k++) r.forwardPlane(req.first + k, req.data.subarray(k * plane, (k + 1) * plane));
      } else if (req.kind === 'z') {
        r.zPass(req.c0, req.c1);
      } else {
        r.inversePlanes(req.out, req.z0, req.z1);
        if (req.low) r.inverseLowpassPlanes(req.low, req.z0, req.z1);
        resampler = undefined; // the last step: the block is released with the caller's
      }
    })
    .then(
      (): ResampleReply => ({ id: req.id, ok: true, ms: performance.now() - t0 }),
      (err: unknown): ResampleReply => ({ id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
    )
    .then((reply) => parentPort?.postMessage(reply));
});
