import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { packViews, unpackViews } from '../../src/core/shared-views.js';

// Node 20 sends a typed array's offset and length as 32-bit byte counts (a view over 4 GiB arrives
// truncated), so messages to worker threads carry packed views. Small sizes here: what is tested is
// that pack and unpack rebuild each view (kind, offset, length, same memory) across a real thread.

/** A worker thread that unpacks each message, reports what it sees, and answers with packed views. */
function startEcho(): Worker {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const helper = JSON.stringify(new URL('../../src/core/shared-views.ts', import.meta.url).href);
  return new Worker(
    `const { parentPort } = require('node:worker_threads');
     import(${api}).then((m) => { m.register(); return import(${helper}); }).then(({ packViews, unpackViews }) => {
       parentPort.on('message', (packed) => {
         const msg = unpackViews(packed);
         const seen = msg.deep.list.map((v) => ({ kind: v.constructor.name, byteOffset: v.byteOffset, length: v.length, shared: v.buffer instanceof SharedArrayBuffer, first: Number(v[0]) }));
         msg.deep.list[0][0] = 42; // shared memory: the sender sees it
         const back = new Float64Array(16).fill(7).subarray(3, 8);
         parentPort.postMessage(packViews({ seen, back, label: msg.label }), [back.buffer]);
       });
     });`,
    { eval: true },
  );
}

test('typed arrays in a message round-trip through a worker thread with their offset, length and memory', async () => {
  const sab = new SharedArrayBuffer(4 * 64);
  const sharedView = new Float32Array(sab, 4 * 8, 20); // not the whole buffer
  sharedView[0] = 1.5;
  const int16 = new Int16Array(sab, 6, 5);
  int16[0] = -3;
  const plain = new Float64Array(10).fill(2).subarray(4, 7);
  const message = { label: 'x', deep: { list: [sharedView, int16, plain] } };

  const packed = packViews(message) as { deep: { list: unknown[] } };
  assert.equal(message.deep.list[0], sharedView, 'the message itself is not modified');
  assert.ok(!ArrayBuffer.isView(packed.deep.list[0]));

  const w = startEcho();
  try {
    const reply = await new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.postMessage(packed);
    });
    const { seen, back, label } = unpackViews(reply) as { seen: { kind: string; byteOffset: number; length: number; shared: boolean; first: number }[]; back: Float64Array; label: string };
    assert.equal(label, 'x');
    assert.deepEqual(seen, [
      { kind: 'Float32Array', byteOffset: 32, length: sharedView.length, shared: true, first: 1.5 },
      { kind: 'Int16Array', byteOffset: 6, length: int16.length, shared: true, first: -3 },
      { kind: 'Float64Array', byteOffset: 32, length: plain.length, shared: false, first: 2 },
    ]);
    assert.equal(sharedView[0], 42, 'the worker wrote into the same shared memory');
    assert.ok(back instanceof Float64Array);
    assert.equal(back.byteOffset, 24);
    assert.equal(back.length, 5);
    assert.deepEqual([...back], [7, 7, 7, 7, 7]);
  } finally {
    await w.terminate();
  }
});

test('values that are not typed arrays pass unchanged; class instances are not walked into', () => {
  class Box {
    constructor(readonly v: Float32Array) {}
  }
  const box = new Box(new Float32Array(2));
  const dv = new DataView(new ArrayBuffer(4));
  const msg = { n: 1, s: 's', nil: null, box, dv, arr: [1, 'a'] };
  const round = unpackViews(packViews(msg)) as typeof msg;
  assert.deepEqual(round, msg);
  assert.equal(round.box, box);
  assert.equal(round.dv, dv);
  const bare = new Uint8Array(new SharedArrayBuffer(9), 2, 4);
  const again = unpackViews(packViews(bare)) as Uint8Array;
  assert.ok(again instanceof Uint8Array && again.byteOffset === 2 && again.length === 4 && again.buffer === bare.buffer);
});
