/**
 * Folders a failed run made for its outputs are removed with them: on a full disk (ENOSPC) `occupy
 * locres h1 h2 --mask m -o /full/a/b/` had left empty a/b/, and so had the estimate (`-o new/sub/`),
 * fsc (`-o c/d/f`), decompose (`-o e/`), pixel-size set (`-o g/p.mrc`) and, until session 56, the demo (`-d dm/sub`) and batch (`-d bt/sub`, with its `.staging`), though the README says
 * what the run wrote is removed (sweep, session 51). Folders that existed stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { uniformRandomMap } from '../helpers/fixtures.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { withTmpfs } from '../helpers/tmpfs.js';

const tempFolder = tempFolders('occupy-folders-removed-');

/** Fill the file system of `dir` with 4 KiB files (`fill<i>`) until it is full. */
async function fillUp(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(dir, `fill${i}`), Buffer.alloc(4096, 1));
    } catch {
      return;
    }
  }
}

test('on a full disk every command removes the folders it made (a/b/, new/sub/, c/d/, e/, g/), and keeps the ones that existed', async (t) => {
  const dir = await tempFolder();
  const n = 32;
  const map = join(dir, 'map.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }], seed: 4 }).map);
  const [h1, h2] = [1, 2].map((k) => join(dir, `h${k}.mrc`));
  for (const [k, h] of [h1, h2].entries()) await writeMrc(h, { data: uniformRandomMap([n, n, n], 30 + k), shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] });
  const mask = join(dir, 'mask.mrc');
  const m = new Float32Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) m[(z * n + y) * n + x] = (x - 16) ** 2 + (y - 16) ** 2 + (z - 16) ** 2 < 100 ? 1 : 0;
  await writeMrc(mask, { data: m, shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] });
  const full = join(dir, 'full');
  await withTmpfs(t, full, 'size=256k', async () => {
    await mkdir(join(full, 'existing'));
    await fillUp(full);
    const runs: [string, string[]][] = [
      ['locres', ['locres', h1, h2, '--mask', mask, '-o', `${full}/a/b/`]],
      ['estimate', [map, '-o', `${full}/new/sub/`]],
      ['fsc', ['fsc', h1, h2, '-o', `${full}/c/d/f`]],
      ['decompose', ['decompose', map, '-o', `${full}/e/`]],
      ['pixel-size set', ['pixel-size', 'set', map, '--angpix', '1.1', '-o', `${full}/g/p.mrc`]],
      // the demo's folder had been left, empty (sweep, session 56)
      ['demo', ['demo', '-d', `${full}/dm/sub`, '-q']],
      // batch's -d folder and its .staging (the staging marker cannot be written) had been left too
      ['batch', ['batch', map, '-d', `${full}/bt/sub`, '-q']],
      ['pixel-size set into an existing folder', ['pixel-size', 'set', map, '--angpix', '1.1', '-o', `${full}/existing/h/p.mrc`]],
    ];
    for (const [what, args] of runs) {
      const r = await runInProcess(args);
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      assert.match(r.stderr, /no space left on device/, what);
      const left = (await readdir(full)).filter((f) => !/^fill\d+$/.test(f));
      assert.deepEqual(left, ['existing'], `${what}: left ${left.join(", ")}; ${r.stderr}`);
      assert.deepEqual(await readdir(join(full, 'existing')), [], what);
    }
  });
});
