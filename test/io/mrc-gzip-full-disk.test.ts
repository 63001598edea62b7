/**
 * A gzip-compressed map written to a full disk fails with the cause in the user's terms (`no space
 * left on device`), not the stream pipeline's `The operation was aborted`, and leaves nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { uniformRandomMap } from '../helpers/fixtures.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { withTmpfs } from '../helpers/tmpfs.js';

const tempFolder = tempFolders('occupy-gzip-full-');

test('writeMrc to .mrc.gz on a full disk: "no space left on device", no file left', async (t) => {
  const dir = await tempFolder();
  const disk = join(dir, 'disk');
  await withTmpfs(t, disk, 'size=100k', async () => {
    // random floats hardly compress: about 400 kB of gzip for a 100 kB disk
    const shape: [number, number, number] = [48, 48, 48];
    const volume = { shape, voxelSizeA: [1, 1, 1] as [number, number, number], data: uniformRandomMap(shape, 1) };
    for (const name of ['map.mrc.gz', 'map.mrc']) {
      const path = join(disk, name);
      await assert.rejects(writeMrc(path, volume), (err: Error) => {
        assert.equal(err.message, `cannot write '${path}': no space left on device`);
        return true;
      });
      assert.deepEqual(await readdir(disk), [], `${name}: no output or temporary file left`);
    }
  });
});
