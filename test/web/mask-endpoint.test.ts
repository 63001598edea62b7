/**
 * `GET /api/maps/<id>/mask`: the last half-map run's mask, whole, in one answer, for the 3D view's
 * grey outside it (the view had fetched it as one slice request per z: 128 at 128³, 512 at 512³;
 * session 57). One bit per voxel (1 where the mask is > 0.5, the slices' rule), `X-Mask-Shape`,
 * read from a gzipped mask outside the output folder; the session token is required as for every
 * request; a map without a masked half-map run gets a 404 naming it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { HalfMapsView, MapInfo } from '../../src/web/api.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { halfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { startGuiTestServer, type GuiTestServer } from '../helpers/gui-server.js';

let g: GuiTestServer;
let mask: Float32Array;
const N = 48;

before(async () => {
  await loadFft();
  g = await startGuiTestServer('occupy-gui-mask-', async (root) => {
    await mkdir(join(root, 'maps'));
    await mkdir(join(root, 'masks'));
    const p = halfMapPhantom({ shape: [N, N, N], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
    await writeMrc(join(root, 'maps', 'h1.mrc'), p.half1);
    await writeMrc(join(root, 'maps', 'h2.mrc'), p.half2);
    // a soft edge: values between 0 and 1, some at 0.5 exactly (outside: not > 0.5)
    mask = new Float32Array(p.mask.length);
    for (let i = 0; i < mask.length; i++) mask[i] = p.mask[i] > 0.5 ? (i % 7 === 0 ? 0.5 : 0.8) : i % 11 === 0 ? 0.3 : 0;
    await writeMrc(join(root, 'masks', 'soft.mrc'), { data: mask, shape: [N, N, N], voxelSizeA: [1, 1, 1] });
    await writeFile(join(root, 'masks', 'soft.mrc.gz'), gzipSync(await readFile(join(root, 'masks', 'soft.mrc'))));
  });
});

after(async () => {
  await g?.close();
});

describe('GET /api/maps/<id>/mask', () => {
  test('a map without a masked half-map run: 404 naming it', async () => {
    const info = (await (await g.postJson('api/open', { path: 'maps/h1.mrc' })).json()) as MapInfo;
    const m = await g.call(`api/maps/${info.mapId}/mask`);
    assert.equal(m.status, 404);
    assert.match(((await m.json()) as { error: string }).error, /'h1\.mrc' has no half-map run with a mask/);
  });

  test('after a half-map run with a gzipped mask: the whole mask, one bit per voxel, > 0.5', async () => {
    const ev = await g.runJob('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'masks/soft.mrc.gz' });
    const last = ev.at(-1) as { type: 'done'; result: HalfMapsView };
    const m = await g.call(`api/maps/${last.result.mapId}/mask`);
    assert.equal(m.status, 200, await m.clone().text());
    assert.equal(m.headers.get('x-mask-shape'), `${N},${N},${N}`);
    const bits = new Uint8Array(await m.arrayBuffer());
    assert.equal(bits.length, N ** 3 / 8);
    let differ = 0;
    let inside = 0;
    for (let i = 0; i < mask.length; i++) {
      const bit = (bits[i >> 3] >> (i & 7)) & 1;
      inside += bit;
      if (bit !== (mask[i] > 0.5 ? 1 : 0)) differ++;
    }
    assert.equal(differ, 0, 'voxels whose bit is not the mask > 0.5');
    assert.ok(inside > 1000 && inside < N ** 3 / 2, `${inside} voxels inside`);
    // the session token is required, as for every request
    assert.equal((await fetch(new URL(`api/maps/${last.result.mapId}/mask`, g.server.url))).status, 403);
  });
});
