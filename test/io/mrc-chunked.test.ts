import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../src/math/random.js';
import { encodeMrc, encodeMrcParts, readMrc, readMrcBuffer, writeMrc, type MrcMode } from '../../src/io/mrc/index.js';
import { mrcViewChunk } from '../../src/io/mrc/layout.js';
import type { Volume } from '../../src/core/volume.js';

// Maps over 4 GiB are read and written through byte views of at most mrcViewChunk.bytes (Node 20
// refuses one Uint8Array view of more than 2^32 bytes); here a tiny chunk size drives the same
// chunked path on a small map, whose bytes must match those of the unchunked path.

const shape: [number, number, number] = [7, 5, 3]; // 105 voxels: not a whole number of chunks
const rand = mulberry32(11);
const volume: Volume = { data: Float32Array.from({ length: 105 }, () => 100 * rand() - 20), shape, voxelSizeA: [1.1, 1.1, 1.1] };

/** Run `fn` with the view chunk set to `bytes`, then restore it. */
async function withChunk<T>(bytes: number, fn: () => Promise<T> | T): Promise<T> {
  const saved = mrcViewChunk.bytes;
  mrcViewChunk.bytes = bytes;
  try {
    return await fn();
  } finally {
    mrcViewChunk.bytes = saved;
  }
}

const cases: { mode: MrcMode; littleEndian: boolean }[] = [
  { mode: 2, littleEndian: true },
  { mode: 2, littleEndian: false },
  { mode: 1, littleEndian: true },
  { mode: 12, littleEndian: true },
  { mode: 0, littleEndian: false },
  { mode: 6, littleEndian: true },
];

for (const { mode, littleEndian } of cases) {
  test(`mode ${mode} ${littleEndian ? 'little' : 'big'}-endian: chunked write and read give the unchunked bytes and voxels`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-chunk-'));
    try {
      const reference = encodeMrc(volume, { mode, littleEndian });
      const expected = readMrcBuffer(reference).volume.data;
      await withChunk(36, async () => {
        const parts = encodeMrcParts(volume, { mode, littleEndian });
        assert.ok(parts.body.length > 1, 'the data block comes in several chunks');
        for (const chunk of parts.body) assert.ok(chunk.length <= 36);
        assert.deepEqual(encodeMrc(volume, { mode, littleEndian }), reference);
        for (const name of ['m.mrc', 'm.mrc.gz']) {
          const file = path.join(dir, name);
          await writeMrc(file, volume, { mode, littleEndian });
          const bytes = new Uint8Array(await readFile(file));
          if (!name.endsWith('.gz')) assert.deepEqual(bytes, reference);
          for (const shared of [false, true]) {
            const back = await readMrc(file, { shared });
            assert.deepEqual(back.volume.data, expected);
            assert.deepEqual(back.volume.shape, shape);
          }
        }
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('a chunk size that is not a multiple of 4 is rounded down, never to zero', async () => {
  const reference = encodeMrc(volume);
  await withChunk(6, () => {
    const parts = encodeMrcParts(volume);
    for (const chunk of parts.body) assert.equal(chunk.length % 4, 0);
    assert.deepEqual(encodeMrc(volume), reference);
  });
  await withChunk(1, () => assert.deepEqual(encodeMrc(volume), reference));
});
