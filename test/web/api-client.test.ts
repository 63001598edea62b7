/**
 * The page's API client against a real GUI server: it takes the session token from the page URL
 * (`#token=…`), sends it as a header with `fetch`, and puts it in the URLs the browser loads
 * itself (event streams, downloads, the page's raw fetch of a result). Runs in Node with stand-ins
 * for `location`, `document` and `sessionStorage` (the browser test needs Chromium).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGuiServer, type GuiServer } from '../helpers/gui-server.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';

let root: string;
let server: GuiServer;
let client: typeof import('../../src/web/app/api-client.js');
const stored = new Map<string, string>();

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'occupy-gui-client-test-'));
  await mkdir(join(root, 'maps'));
  const p = occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [12, 12, 12], radiusA: 12, occupancy: 1 }], seed: 3 });
  await writeMrc(join(root, 'maps', 'p.mrc'), p.map);
  server = await startGuiServer({ root });
  const page = new URL(server.pageUrl);
  Object.assign(globalThis, {
    location: { hash: page.hash },
    document: { baseURI: server.url },
    sessionStorage: { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) },
  });
  client = await import('../../src/web/app/api-client.js');
});

after(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('GUI page API client', () => {
  test('reads the token from #token= and keeps it for the tab', () => {
    assert.equal(client.sessionToken, server.token);
    assert.equal(stored.get('occupy-gui-token'), server.token);
  });

  test('fetch calls carry the token; browser-loaded URLs carry it as a query parameter', async () => {
    assert.equal((await client.getInfo()).tool, 'occupy-ts');
    const listing = await client.listFiles('maps');
    assert.deepEqual(listing.entries.map((e) => e.name), ['p.mrc']);
    const info = await client.openMap('maps/p.mrc');
    const slice = await client.getSlice(info.mapId, 'input', 'z', 12);
    assert.equal(slice.data.length, 24 * 24);
    const bytes = await client.getFileBytes(info.mapId, 'input.mrc');
    assert.equal(bytes.byteLength, 1024 + 24 ** 3 * 4);
    for (const url of [client.jobEventsUrl('j1'), client.fileUrl(info.mapId, 'input.mrc', true), client.apiUrl('info')]) {
      assert.equal(new URL(url).searchParams.get('token'), server.token, url);
    }
    // what the browser itself loads (download link, the page's raw fetch): no header needed
    assert.equal((await fetch(client.fileUrl(info.mapId, 'input.mrc', true))).status, 200);
    assert.equal((await fetch(client.apiUrl(`maps/${info.mapId}/result`))).status, 404); // no estimate yet, but not 403
    // and without the token the same URL is refused
    const bare = new URL(client.apiUrl('info'));
    bare.searchParams.delete('token');
    assert.equal((await fetch(bare)).status, 403);
  });
});
