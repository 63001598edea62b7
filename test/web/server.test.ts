/**
 * The GUI server (`occupy gui`): 127.0.0.1 only, path safety, maps, estimate jobs over SSE,
 * slices, files, cancellation, and outputs byte-identical to the CLI's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { startGuiServer, type GuiServer } from '../helpers/gui-server.js';
import type { EstimateSummaryView, JobEvent, MapInfo } from '../../src/web/api.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runCli } from '../helpers/cli.js';
import { readJobEvents } from '../helpers/job-events.js';
import { HAVE_SHARED, SHARED_DATA } from '../helpers/shared-data.js';
import { waitUntil } from '../helpers/wait-until.js';

const execFileP = promisify(execFile);

let root: string;
let server: GuiServer;
/** Relative path of the test map under the root, its stem, box and voxel size. */
let mapRel: string;
let stem: string;
let expectBox: [number, number, number];
let expectVoxel: number;

/** Fetch a path of the server (relative to its URL), with the session token. */
function get(path: string, init?: RequestInit): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { 'X-Occupy-Token': server.token, ...(init?.headers as Record<string, string> | undefined) } });
}

/** POST a JSON body. */
function postJson(path: string, body: unknown): Promise<Response> {
  return get(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** A raw GET (no URL normalisation by the client), returning the status. */
function rawStatus(path: string): Promise<number> {
  const u = new URL(server.url);
  return new Promise((done, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

/** Read a job's event stream to its end, calling `onEvent` for each event. */
function readEvents(jobId: string, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  return get(`api/jobs/${jobId}/events`).then((res) => readJobEvents(res, onEvent));
}

/** Start an estimate and wait for its last event. */
async function estimate(mapId: string, settings: Record<string, unknown>): Promise<{ events: JobEvent[]; result: EstimateSummaryView }> {
  const res = await postJson('api/estimate', { mapId, settings });
  assert.equal(res.status, 200, await res.clone().text());
  const { jobId } = (await res.json()) as { jobId: string };
  const events = await readEvents(jobId);
  const last = events.at(-1);
  assert.equal(last?.type, 'done', `last event: ${JSON.stringify(last)}`);
  return { events, result: (last as { type: 'done'; result: EstimateSummaryView }).result };
}

/** A slice as values plus headers. */
async function slice(mapId: string, layer: string, axis: string, index: number) {
  const res = await get(`api/maps/${mapId}/slice?layer=${layer}&axis=${axis}&index=${index}`);
  assert.equal(res.status, 200, await res.clone().text());
  const width = Number(res.headers.get('x-slice-width'));
  const height = Number(res.headers.get('x-slice-height'));
  const bytes = new Uint8Array(await res.arrayBuffer());
  assert.equal(bytes.length, width * height * 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = Float32Array.from({ length: width * height }, (_, i) => view.getFloat32(i * 4, true));
  return { width, height, values, min: Number(res.headers.get('x-slice-min')), max: Number(res.headers.get('x-slice-max')) };
}

/** Worker processes (estimate-worker) that are children of this process. */
async function workerChildren(): Promise<string[]> {
  const { stdout } = await execFileP('ps', ['-eo', 'pid=,ppid=,args=']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === process.pid && f.slice(2).join(' ').includes('estimate-worker'))
    .map((f) => f[0]);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'occupy-gui-test-'));
  await mkdir(join(root, 'maps'));
  if (HAVE_SHARED) {
    await copyFile(join(SHARED_DATA, 'emd_1832.map.gz'), join(root, 'maps', 'emd_1832.map.gz'));
    mapRel = 'maps/emd_1832.map.gz';
    stem = 'emd_1832';
    expectBox = [64, 64, 64];
    expectVoxel = 5.7;
  } else {
    const p = occupancyPhantom({ shape: [48, 48, 48], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [20, 24, 24], radiusA: 12, occupancy: 1 }, { centreVoxel: [30, 24, 24], radiusA: 10, occupancy: 0.5 }], seed: 5 });
    await writeMrc(join(root, 'maps', 'phantom.mrc'), p.map);
    mapRel = 'maps/phantom.mrc';
    stem = 'phantom';
    expectBox = [48, 48, 48];
    expectVoxel = 1.5;
  }
  await writeFile(join(root, 'notes.txt'), 'not a map\n');
  await symlink('/etc', join(root, 'etc-link'));
  const staticDir = join(root, '.bundle');
  await mkdir(staticDir);
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>occupy</title>');
  await writeFile(join(staticDir, 'app.js'), 'export {};');
  await writeFile(join(staticDir, 'app.wasm'), new Uint8Array([0, 97, 115, 109]));
  server = await startGuiServer({ root, port: 0, staticDir, initialMapPath: join(root, mapRel) });
});

after(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe('GUI server', () => {
  test('binds to 127.0.0.1 only', async (t) => {
    const u = new URL(server.url);
    assert.equal(u.hostname, '127.0.0.1');
    assert.equal(u.port, String(server.port));
    const info = await (await get('api/info')).json();
    assert.equal(info.tool, 'occupy-ts');
    assert.equal(info.initialMap.path, mapRel);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (!external) {
      t.skip('no non-loopback IPv4 address on this machine: the external connection check is skipped');
      return;
    }
    const outcome = await new Promise<string>((done) => {
      const sock = connect({ host: external.address, port: server.port });
      const timer = setTimeout(() => {
        sock.destroy();
        done('timeout');
      }, 2000);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.destroy();
        done('connected');
      });
      sock.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        done(err.code ?? 'error');
      });
    });
    assert.notEqual(outcome, 'connected', `the server answered on ${external.address}`);
    // a request with a foreign Host header (DNS rebinding) is refused
    const rebound = await new Promise<number>((done, fail) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/info', headers: { Host: 'evil.example:80' } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.end();
    });
    assert.equal(rebound, 403);
  });

  test('serves the page with content types; missing bundle → 500 page', async () => {
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match((await get('app.js')).headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await get('app.wasm')).headers.get('content-type'), 'application/wasm');
    assert.equal((await get('missing.js')).status, 404);
    assert.equal(await rawStatus('/%2e%2e/%2e%2e/etc/passwd'), 403);
    assert.equal(await rawStatus('/../../etc/passwd'), 403);
    const empty = await mkdtemp(join(tmpdir(), 'occupy-gui-empty-'));
    const bare = await startGuiServer({ root, staticDir: empty });
    try {
      const res = await fetch(bare.url);
      assert.equal(res.status, 500);
      assert.match(await res.text(), /run npm run build/);
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  test('path traversal is refused with 403; a normal map opens', async () => {
    for (const path of ['../outside.mrc', 'maps/../../outside.mrc', '%2e%2e/%2e%2e/etc/passwd', '%2e%2e%2fetc%2fpasswd', '/etc/passwd', 'etc-link/passwd', 'maps/emd\0.mrc']) {
      const res = await postJson('api/open', { path });
      assert.equal(res.status, 403, `${JSON.stringify(path)} → ${res.status}`);
      const body = (await res.json()) as { error: string };
      assert.equal(typeof body.error, 'string');
      assert.doesNotMatch(body.error, /\n\s+at /); // no stack trace
    }
    for (const dir of ['..', '%2e%2e', '/etc', 'etc-link']) assert.equal((await get(`api/files?dir=${encodeURIComponent(dir)}`)).status, 403, dir);
    const listing = await (await get('api/files?dir=')).json();
    assert.deepEqual(
      listing.entries.map((e: { name: string }) => e.name),
      ['maps'],
    ); // the link to /etc, hidden folders and non-maps are not listed
    const maps = await (await get('api/files?dir=maps')).json();
    assert.equal(maps.entries[0].path, mapRel);
    assert.equal((await postJson('api/open', { path: mapRel })).status, 200);
    assert.equal((await postJson('api/open', { path: 'maps/none.mrc' })).status, 404);
    assert.equal((await postJson('api/open', { path: 'notes.txt' })).status, 400);
  });

  test('open and upload give the map information', async () => {
    const opened = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    assert.equal(opened.path, mapRel);
    assert.deepEqual(opened.box, expectBox);
    for (const a of opened.voxelSizeA) assert.ok(Math.abs(a - expectVoxel) < 1e-4);
    assert.ok(opened.min < opened.mean && opened.mean < opened.max);
    const bytes = await readFile(join(root, mapRel));
    const res = await get(`api/upload?name=${encodeURIComponent('my map.mrc')}`, { method: 'POST', body: bytes });
    assert.equal(res.status, 200, await res.clone().text());
    const up = (await res.json()) as MapInfo;
    assert.equal(up.path, 'upload:my_map.mrc');
    assert.notEqual(up.mapId, opened.mapId);
    assert.deepEqual(up.box, expectBox);
    assert.equal(up.max, opened.max);
    // the uploaded input is served only through its map id
    const input = await get(`api/maps/${up.mapId}/files/input.mrc`);
    assert.equal(input.status, 200);
    assert.equal((await input.arrayBuffer()).byteLength, 1024 + expectBox[0] * expectBox[1] * expectBox[2] * 4);
    const bad = await get('api/upload?name=junk.mrc', { method: 'POST', body: new Uint8Array(100) });
    assert.equal(bad.status, 400);
  });

  test('two requests opening one map at once (a double click, two tabs) get the same map', async () => {
    // each open had looked for the map among those already open, then read it: both read it, and
    // each got its own id holding its own copy of the volume
    const p = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }], seed: 9 });
    await writeMrc(join(root, 'maps', 'twice.mrc'), p.map);
    const [a, b] = await Promise.all([0, 1].map(async () => (await (await postJson('api/open', { path: 'maps/twice.mrc' })).json()) as MapInfo));
    assert.equal(b.mapId, a.mapId, 'one map, not two');
    assert.equal(((await (await postJson('api/open', { path: 'maps/twice.mrc' })).json()) as MapInfo).mapId, a.mapId);
  });

  test('estimate job: SSE progress then done; slices, result and files', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    const { events, result } = await estimate(info.mapId, { amplify: 2 });
    const progress = events.filter((e) => e.type === 'progress');
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    const doneAt = events.findIndex((e) => e.type === 'done');
    assert.equal(doneAt, events.length - 1);
    assert.ok(progress.every((e) => e.fraction >= 0 && e.fraction <= 1));
    assert.equal(result.mapId, info.mapId);
    assert.equal(result.summary.mode, 'occ');
    assert.deepEqual(result.summary.boxInput, expectBox);
    assert.deepEqual(result.layers, ['input', 'scale', 'confidence', 'output']);
    assert.match(result.command, /^occupy -i maps\/\S+ --amplify 2$/);
    assert.equal(result.solventPlot.x.length, result.solventPlot.histogram.length);
    assert.equal(result.solventPlot.x.length, result.solventPlot.fitted.length);
    assert.equal(result.solventPlot.confidenceX.length, result.solventPlot.confidence.length);
    assert.deepEqual(await (await get(`api/maps/${info.mapId}/result`)).json(), result);

    const [nx, ny, nz] = expectBox;
    const z = Math.floor(nz / 2);
    const input = await slice(info.mapId, 'input', 'z', z);
    assert.deepEqual([input.width, input.height], [nx, ny]);
    const yz = await slice(info.mapId, 'input', 'x', 3);
    assert.deepEqual([yz.width, yz.height], [ny, nz]);
    const xz = await slice(info.mapId, 'scale', 'y', 5);
    assert.deepEqual([xz.width, xz.height], [nx, nz]);
    const scale = await slice(info.mapId, 'scale', 'z', z);
    assert.ok(scale.values.every((v) => v >= 0 && v <= 1));
    assert.ok(scale.max > scale.min, 'scale slice is constant');
    assert.equal(scale.max, Math.max(...scale.values));
    const conf = await slice(info.mapId, 'confidence', 'z', z);
    assert.equal(conf.values.length, nx * ny);
    const out = await slice(info.mapId, 'output', 'z', z);
    assert.equal(out.values.length, nx * ny);
    assert.equal((await get(`api/maps/${info.mapId}/slice?layer=soldef&axis=z&index=0`)).status, 404);

    assert.deepEqual(result.files.slice().sort(), [`ampl_2.0_${stem}.mrc`, `chimX_${stem}.cxc`, `conf_${stem}.mrc`, `log_${stem}.txt`, `scale_occ_${stem}.mrc`].sort());
    for (const f of result.files) {
      const res = await get(`api/maps/${info.mapId}/files/${f}?download=1`);
      assert.equal(res.status, 200, f);
      assert.match(res.headers.get('content-disposition') ?? '', /^attachment/);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    }
    assert.equal((await get(`api/maps/${info.mapId}/files/${result.files[0]}`)).headers.get('content-disposition'), null);

    // a solvent definition from the scale map (threshold) is written and used
    const second = await estimate(info.mapId, { solventDefThreshold: 0.3, mode: 'occ' });
    assert.ok(second.result.files.includes('soldef_by_scale_0.30.mrc'));
    assert.ok(second.result.layers.includes('soldef'));
    assert.match(second.result.command, /^occupy soldef scale_occ_\S+ --threshold 0.3 --like maps\/\S+ && occupy -i maps\/\S+ --occupancy --solvent-def soldef_by_scale_0.30.mrc$/);
    const def = await slice(info.mapId, 'soldef', 'z', z);
    assert.ok(def.values.every((v) => v === 0 || v === 1));
  });

  test('GUI outputs are byte-identical to the CLI run with the same settings and seed', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    const { result } = await estimate(info.mapId, { amplify: 2, seed: 0 });
    const cliDir = join(root, '.cli-out');
    await runCli(['-i', join(root, mapRel), '-o', join(cliDir, `${stem}.mrc`), '--amplify', '2', '-q']);
    for (const name of [`scale_occ_${stem}.mrc`, `conf_${stem}.mrc`, `ampl_2.0_${stem}.mrc`]) {
      assert.ok(result.files.includes(name), name);
      const gui = new Uint8Array(await (await get(`api/maps/${info.mapId}/files/${name}`)).arrayBuffer());
      const cli = new Uint8Array(await readFile(join(cliDir, name)));
      assert.equal(gui.length, cli.length, name);
      assert.ok(Buffer.from(gui.subarray(1024)).equals(Buffer.from(cli.subarray(1024))), `${name}: data differ`);
      // the header's fields agree; its labels (bytes 220–1023) record how each was run (the CLI's command line)
      assert.ok(Buffer.from(gui.subarray(0, 220)).equals(Buffer.from(cli.subarray(0, 220))), `${name}: headers differ`);
    }
  });

  test('output low-pass, histogram match, --S0 and a target mask: the command names them and the outputs equal the CLI\'s', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    // a spherical target mask on the map's box
    const [nx, ny, nz] = expectBox;
    const mask = new Float32Array(nx * ny * nz);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) mask[(z * ny + y) * nx + x] = (x - nx / 2) ** 2 + (y - ny / 2) ** 2 + (z - nz / 2) ** 2 < (nx / 5) ** 2 ? 1 : 0;
    await writeMrc(join(root, 'maps', 'target.mrc'), { data: mask, shape: expectBox, voxelSizeA: [expectVoxel, expectVoxel, expectVoxel] });
    const { result } = await estimate(info.mapId, { amplify: 2, lowpassOutputA: 20, histMatch: true, useS0: true, targetMaskPath: 'maps/target.mrc', seed: 0 });
    assert.match(result.command, / --amplify 2 .*--lowpass-output 20 --hist-match --S0 --target-mask maps\/target\.mrc$/);
    assert.equal(typeof result.summary.targetOccupancy, 'number');
    const cliDir = join(root, '.cli-out-extra');
    await runCli(['-i', join(root, mapRel), '-o', join(cliDir, `${stem}.mrc`), '--amplify', '2', '--lowpass-output', '20', '--hist-match', '--S0', '--target-mask', join(root, 'maps', 'target.mrc'), '-q']);
    for (const name of [`scale_occ_${stem}.mrc`, `ampl_2.0_${stem}.mrc`]) {
      const gui = new Uint8Array(await (await get(`api/maps/${info.mapId}/files/${name}`)).arrayBuffer());
      const cli = new Uint8Array(await readFile(join(cliDir, name)));
      assert.ok(Buffer.from(gui.subarray(1024)).equals(Buffer.from(cli.subarray(1024))), `${name}: data differ`);
    }
    // outside the root: refused
    const bad = await postJson('api/estimate', { mapId: info.mapId, settings: { targetMaskPath: '../x.mrc' } });
    assert.equal(bad.status, 403);
  });

  test('outputs also saved to a folder under the root: made when missing; outside the root (.., a link out) → 403', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    for (const bad of ['../out', '/tmp/out', 'etc-link/out']) {
      const res = await postJson('api/estimate', { mapId: info.mapId, settings: {}, outputFolder: bad });
      assert.equal(res.status, 403, `${bad}: ${await res.text()}`);
    }
    assert.ok(!existsSync('/etc/out'));
    const res = await postJson('api/estimate', { mapId: info.mapId, settings: { seed: 0 }, outputFolder: 'saved/a' });
    assert.equal(res.status, 200, await res.clone().text());
    const { jobId } = (await res.json()) as { jobId: string };
    const events = await readEvents(jobId);
    const done = events.at(-1) as { type: 'done'; result: EstimateSummaryView };
    assert.equal(done.type, 'done', JSON.stringify(events.slice(-3)));
    assert.ok(events.some((e) => e.type === 'log' && e.text === `saved ${done.result.files.length} files to saved/a/`));
    for (const f of done.result.files) {
      const served = Buffer.from(await (await get(`api/maps/${info.mapId}/files/${f}`)).arrayBuffer());
      assert.ok((await readFile(join(root, 'saved', 'a', f))).equals(served), f);
    }
  });

  test('EMDB ID: EMD-<id> fetched (local archive) into the cache, opened, and the command says --emdb', { skip: !HAVE_SHARED }, async () => {
    // a local archive with the EMDB layout <base>/EMD-<id>/map/emd_<id>.map.gz
    const gz = await readFile(join(SHARED_DATA, 'emd_1832.map.gz'));
    let served = 0;
    const archive = createServer((req, res) => {
      if (req.url === '/EMD-1832/map/emd_1832.map.gz') {
        served++;
        res.writeHead(200, { 'Content-Length': gz.length }).end(gz);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((done) => archive.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(archive.address() as AddressInfo).port}`;
    const cacheDir = join(root, '.emdb-cache');
    const s = await startGuiServer({ root, port: 0, emdb: { baseUrl: base, cacheDir } });
    const call = (path: string, body: unknown) => fetch(new URL(path, s.url), { method: 'POST', headers: { 'X-Occupy-Token': s.token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const res = await call('api/emdb', { id: 'EMD-1832' });
      assert.equal(res.status, 200, await res.clone().text());
      const info = (await res.json()) as MapInfo;
      assert.deepEqual([info.name, info.path, info.box], ['emd_1832.map.gz', 'emdb:1832', [64, 64, 64]]);
      assert.ok(existsSync(join(cacheDir, 'emd_1832.map.gz')), 'kept in the cache');
      // again: the same map, from the cache (no second download)
      assert.equal(((await (await call('api/emdb', { id: '1832' })).json()) as MapInfo).mapId, info.mapId);
      assert.equal(served, 1);
      const bad = await call('api/emdb', { id: '12' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /not an EMDB ID/);
      const missing = await call('api/emdb', { id: '99999' });
      assert.equal(missing.status, 502);
      assert.doesNotMatch(((await missing.json()) as { error: string }).error, new RegExp(cacheDir));
      const job = await call('api/estimate', { mapId: info.mapId, settings: { seed: 0 } });
      const { jobId } = (await job.json()) as { jobId: string };
      const text = await (await fetch(new URL(`api/jobs/${jobId}/events`, s.url), { headers: { 'X-Occupy-Token': s.token } })).text();
      const last = JSON.parse(text.trim().split('\n').filter((l) => l.startsWith('data: ')).at(-1)?.slice(6) ?? '{}') as { type: string; result?: EstimateSummaryView };
      assert.equal(last.type, 'done');
      assert.match(last.result?.command ?? '', /^occupy --emdb 1832( |$)/);
    } finally {
      await s.close();
      await new Promise((done) => archive.close(done));
    }
  });

  test('Open in ChimeraX: a local chimerax gets a copy of the script naming every map by an existing absolute path', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    await estimate(info.mapId, { seed: 0 });
    // a stand-in chimerax on PATH that records its argument
    const bin = await mkdtemp(join(tmpdir(), 'occupy-fake-chimerax-'));
    const record = join(bin, 'args.txt');
    await writeFile(join(bin, 'chimerax'), `#!/bin/sh\necho "$1" > "${record}.tmp" && mv "${record}.tmp" "${record}"\n`, { mode: 0o755 });
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const info2 = (await (await get('api/info')).json()) as { chimerax?: boolean };
      assert.equal(info2.chimerax, true);
      const res = await postJson(`api/maps/${info.mapId}/chimerax`, {});
      assert.equal(res.status, 200, await res.clone().text());
      // (until the detached stand-in has run: 100 polls of 50 ms had assumed a process start within 5 s)
      await waitUntil(() => existsSync(record), 'the stand-in chimerax\'s record of its argument');
      const script = (await readFile(record, 'utf8')).trim();
      assert.match(basename(script), new RegExp(`^chimX_${stem}_local\\.cxc$`));
      const opened = [...(await readFile(script, 'utf8')).matchAll(/^open "([^"]+)"/gm)].map((m) => m[1]);
      assert.ok(opened.length >= 2, opened.join(', '));
      for (const p of opened) {
        assert.ok(p.startsWith('/'), `absolute: ${p}`);
        assert.ok(existsSync(p), `exists: ${p}`);
      }
    } finally {
      process.env.PATH = oldPath;
      await rm(bin, { recursive: true, force: true });
    }
  });

  test('cancel kills the worker: a cancelled event and no worker process left', async () => {
    const n = 192;
    const p = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2, n / 2, n / 2], radiusA: 40, occupancy: 1 }], seed: 2 });
    await writeMrc(join(root, 'maps', 'big.mrc'), p.map);
    const info = (await (await postJson('api/open', { path: 'maps/big.mrc' })).json()) as MapInfo;
    const res = await postJson('api/estimate', { mapId: info.mapId, settings: { maxBox: 0 } });
    const { jobId } = (await res.json()) as { jobId: string };
    let cancel: Promise<Response> | undefined;
    const events = await readEvents(jobId, (e) => {
      if (e.type === 'progress' && !cancel) cancel = get(`api/jobs/${jobId}`, { method: 'DELETE' });
    });
    assert.ok(cancel, 'no progress event before the end');
    const answer = await cancel;
    assert.deepEqual(await answer.json(), { cancelled: true });
    assert.equal(events.at(-1)?.type, 'cancelled');
    assert.ok(!events.some((e) => e.type === 'done'));
    assert.deepEqual(await workerChildren(), []);
    // cancelling again: not running any more
    assert.deepEqual(await (await get(`api/jobs/${jobId}`, { method: 'DELETE' })).json(), { cancelled: false, reason: 'the job had already ended (cancelled)' });
    // a late client gets the replayed events, ending with cancelled
    assert.equal((await readEvents(jobId)).at(-1)?.type, 'cancelled');
    assert.equal((await get(`api/maps/${info.mapId}/result`)).status, 404);
  });

  test('bad requests: 400 / 403 / 404 with a JSON error', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    const expect = async (res: Promise<Response>, status: number) => {
      const r = await res;
      assert.equal(r.status, status, `${r.url}: ${r.status}`);
      assert.equal(typeof ((await r.json()) as { error: unknown }).error, 'string');
    };
    await expect(get('api/maps/nosuchmap/slice?layer=input&axis=z&index=0'), 404);
    await expect(get('api/maps/nosuchmap/result'), 404);
    await expect(get('api/maps/nosuchmap/files/input.mrc'), 404);
    await expect(postJson('api/estimate', { mapId: 'nosuchmap', settings: {} }), 404);
    await expect(get('api/jobs/nosuchjob/events'), 404);
    await expect(get('api/jobs/nosuchjob', { method: 'DELETE' }), 404);
    await expect(get('api/nothing'), 404);
    await expect(get(`api/maps/${info.mapId}/slice?layer=input&axis=z&index=${expectBox[2]}`), 400);
    await expect(get(`api/maps/${info.mapId}/slice?layer=input&axis=z&index=-1`), 400);
    await expect(get(`api/maps/${info.mapId}/slice?layer=input&axis=q&index=0`), 400);
    await expect(get(`api/maps/${info.mapId}/slice?layer=bogus&axis=z&index=0`), 400);
    await expect(get(`api/maps/${info.mapId}/files/${encodeURIComponent('../../etc/passwd')}`), 403);
    await expect(get(`api/maps/${info.mapId}/files/nothing.mrc`), 404);
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { sigmoid: 2 } }), 400);
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { amplify: 0.5 } }), 400);
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { kernelSize: 4 } }), 400);
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { lowpassA: 0.5 } }), 400); // finer than Nyquist (issue 13 item 5)
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { bogus: 1 } }), 400);
    await expect(postJson('api/estimate', { mapId: info.mapId, settings: { solventDefPath: '../x.mrc' } }), 403);
    await expect(get('api/open', { method: 'POST', body: '{not json' }), 400);
    // a fresh upload has no scale layer yet
    const up = (await (await get('api/upload?name=fresh.mrc', { method: 'POST', body: await readFile(join(root, mapRel)) })).json()) as MapInfo;
    await expect(get(`api/maps/${up.mapId}/slice?layer=scale&axis=z&index=0`), 404);
    await expect(postJson('api/estimate', { mapId: up.mapId, settings: { solventDefThreshold: 0.5 } }), 400);
  });

  test('a refusal about one field of a run request names it (`field`), so the page can show the reason next to that field', async () => {
    const info = (await (await postJson('api/open', { path: mapRel })).json()) as MapInfo;
    const refused = async (path: string, body: unknown): Promise<{ status: number; error: string; field?: string }> => {
      const r = await postJson(path, body);
      return { status: r.status, ...((await r.json()) as { error: string; field?: string }) };
    };
    const estimateField = async (settings: Record<string, unknown>, outputFolder?: string) => {
      const r = await refused('api/estimate', { mapId: info.mapId, settings, ...(outputFolder !== undefined ? { outputFolder } : {}) });
      assert.ok(r.status >= 400 && r.status < 500, JSON.stringify(r));
      return r.field;
    };
    assert.equal(await estimateField({ kernelSize: 4 }), 'kernelSize');
    // a tile larger than the box: refused (400) with the CLI's message, not a job that fails at the
    // tiling with "--tile-size 100000 is larger than the box (64 voxels)"
    const tile = await refused('api/estimate', { mapId: info.mapId, settings: { tileSize: 100000 } });
    assert.deepEqual(tile, { status: 400, error: `--tile-size must be an integer in 1..${Math.min(...expectBox)} for this map (processing box ${expectBox.join('x')}), got 100000`, field: 'tileSize' });
    assert.equal(await estimateField({ tau: 2 }), 'tau');
    assert.equal(await estimateField({ amplify: 0.5 }), 'amplify');
    assert.equal(await estimateField({ sigmoid: 2 }), 'sigmoid');
    // finer than the map's Nyquist limit: refused from the map's header, still named
    const nyquist = 2 * expectVoxel;
    assert.equal(await estimateField({ lowpassA: nyquist * 0.6 }), 'lowpassA');
    assert.equal(await estimateField({ resolutionA: nyquist * 0.6 }), 'resolutionA');
    // the output low-pass too, with a modification (session 54: the job was queued and failed,
    // shown under no field; the CLI refuses it before any work)
    const lpOut = await refused('api/estimate', { mapId: info.mapId, settings: { amplify: 2, lowpassOutputA: nyquist * 0.6 } });
    assert.equal(lpOut.status, 400, JSON.stringify(lpOut));
    assert.equal(lpOut.field, 'lowpassOutputA');
    assert.match(lpOut.error, /^--lowpass-output .* is finer than the Nyquist limit of the map/);
    assert.equal(await estimateField({ solventDefPath: '../x.mrc' }), 'solventDefPath');
    assert.equal(await estimateField({ targetMaskPath: 'maps/no_such_mask.mrc' }), 'targetMaskPath');
    assert.equal(await estimateField({}, '../outside'), 'outputFolder');
    // a refusal about no single field names none
    const noMap = await refused('api/estimate', { mapId: 'nosuchmap', settings: {} });
    assert.equal(noMap.status, 404);
    assert.equal(noMap.field, undefined);
    const halves = async (body: Record<string, unknown>) => (await refused('api/halfmaps', body)).field;
    assert.equal(await halves({ half1: '', half2: mapRel }), 'half1');
    assert.equal(await halves({ half1: mapRel, half2: 'maps/no_such_half.mrc' }), 'half2');
    assert.equal(await halves({ half1: mapRel, half2: mapRel }), 'half2');
    assert.equal(await halves({ half1: mapRel, half2: mapRel, mask: '../m.mrc' }), 'mask');
    // a second half, mask or labels map on another grid (or not a map): refused under its field,
    // naming both files as the CLI does (session 54: the run started, then failed with "the second
    // half map: box 40x40x40 does not match the half maps ...", naming no file, under no field)
    const other = await mkdtemp(join(root, 'grid-'));
    const otherRel = `${basename(other)}/other.mrc`;
    await writeMrc(join(other, 'other.mrc'), { data: new Float32Array(40 ** 3), shape: [40, 40, 40], voxelSizeA: [expectVoxel, expectVoxel, expectVoxel] });
    const fine = await mkdtemp(join(root, 'gridv-'));
    const fineRel = `${basename(fine)}/finer.mrc`;
    await writeMrc(join(fine, 'finer.mrc'), { data: new Float32Array(expectBox[0] * expectBox[1] * expectBox[2]), shape: [expectBox[0], expectBox[1], expectBox[2]], voxelSizeA: [expectVoxel * 1.1, expectVoxel * 1.1, expectVoxel * 1.1] });
    await writeFile(join(other, 'text.mrc'), 'not a map\n');
    const grid = (body: Record<string, unknown>) => refused('api/halfmaps', { half1: mapRel, ...body });
    assert.deepEqual(await grid({ half2: otherRel }), { status: 400, field: 'half2', error: `half map 2 '${otherRel}' has a box of 40x40x40 voxels, half map 1 '${mapRel}' ${expectBox.join('x')}: the maps must be on one grid` });
    const maskRefused = await grid({ half2: fineRel, mask: otherRel });
    assert.equal(maskRefused.field, 'half2', 'the voxel size of the second half is checked too');
    assert.match(maskRefused.error, new RegExp(`^half map 2 '${fineRel}' has voxels of `));
    const copy = await mkdtemp(join(root, 'gridc-'));
    await copyFile(join(root, mapRel), join(copy, basename(mapRel)));
    const half2 = `${basename(copy)}/${basename(mapRel)}`;
    assert.deepEqual(await grid({ half2, mask: otherRel }), { status: 400, field: 'mask', error: `--mask map '${otherRel}' has a box of 40x40x40 voxels, half map 1 '${mapRel}' ${expectBox.join('x')}: the maps must be on one grid` });
    assert.equal((await grid({ half2, labels: otherRel })).field, 'labels');
    const text = await grid({ half2: `${basename(other)}/text.mrc` });
    assert.equal(text.field, 'half2');
    assert.match(text.error, new RegExp(`^cannot read '${basename(other)}/text.mrc' as a map: `));
    // a header without a voxel size (cell 0): the page has no --angpix, so the advice names only
    // the header fix, when the map is opened and when it is a half map (session 60: "give it with --angpix")
    await writeMrc(join(other, 'cell0.mrc'), { data: new Float32Array(expectBox[0] * expectBox[1] * expectBox[2]), shape: [expectBox[0], expectBox[1], expectBox[2]], voxelSizeA: [expectVoxel, expectVoxel, expectVoxel] });
    const cell0 = await readFile(join(other, 'cell0.mrc'));
    cell0.fill(0, 40, 52); // cella
    await writeFile(join(other, 'cell0.mrc'), cell0);
    const cell0Rel = `${basename(other)}/cell0.mrc`;
    const opened = await refused('api/open', { path: cell0Rel });
    const asHalf = await grid({ half2: cell0Rel });
    for (const r of [opened, asHalf]) {
      assert.equal(r.status, 400, JSON.stringify(r));
      assert.match(r.error, /cell dimensions are zero or invalid: .*\(the voxel size is unknown: the GUI takes it from the header: fix the header with occupy pixel-size set MAP --angpix A and open the new map\)$/);
      assert.doesNotMatch(r.error, /give it with --angpix/);
    }
    assert.equal(asHalf.field, 'half2');
    await Promise.all([other, fine, copy].map((d) => rm(d, { recursive: true, force: true })));
  });

  test('a map that is not a density map: the refusal says what to do in the GUI, not "Use --force" (an option the page does not have)', async () => {
    // session 54: the GUI showed the CLI's "… Use --force to estimate anyway", and the page has no --force
    const dir = await mkdtemp(join(root, 'notdensity-'));
    try {
      const n = 32;
      const data = new Float32Array(n ** 3);
      for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[(z * n + y) * n + x] = (x - 16) ** 2 + (y - 16) ** 2 + (z - 16) ** 2 < 100 ? 1 : 0;
      await writeMrc(join(dir, 'mask.mrc'), { data, shape: [n, n, n], voxelSizeA: [1, 1, 1] });
      const rel = `${basename(dir)}/mask.mrc`;
      const info = (await (await postJson('api/open', { path: rel })).json()) as MapInfo;
      const res = await postJson('api/estimate', { mapId: info.mapId, settings: {} });
      assert.equal(res.status, 200, await res.clone().text());
      const events = await readEvents(((await res.json()) as { jobId: string }).jobId);
      const last = events.at(-1) as { type: string; message?: string };
      assert.equal(last.type, 'error', JSON.stringify(last));
      assert.match(last.message ?? '', new RegExp(`^${rel}: .*not a density map`));
      assert.doesNotMatch(last.message ?? '', /Use --force/);
      assert.match(last.message ?? '', /The GUI does not estimate such a map; on the command line, occupy --force estimates it anyway/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('close() removes the session folder and refuses further connections', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'occupy-gui-close-'));
    const extra = await startGuiServer({ root, tempParent: parent });
    try {
      const post = (path: string, body: unknown) => fetch(new URL(path, extra.url), { method: 'POST', body: JSON.stringify(body), headers: { 'X-Occupy-Token': extra.token } });
      const info = (await (await post('api/open', { path: mapRel })).json()) as MapInfo;
      const { jobId } = (await (await post('api/estimate', { mapId: info.mapId, settings: {} })).json()) as { jobId: string };
      const stream = await fetch(new URL(`api/jobs/${jobId}/events?token=${extra.token}`, extra.url));
      const text = await stream.text();
      const done = JSON.parse(text.trim().split('\n\n').at(-1)?.slice(6) ?? '{}') as { result: EstimateSummaryView };
      // the result names its files as the user knows them (no session path); they are in the session folder
      const written = (done.result.summary.files as string[])[0];
      assert.equal(written, basename(written));
      const sessions = await readdir(parent);
      assert.equal(sessions.length, 1);
      assert.match(sessions[0], new RegExp(`^occupy-gui-${process.pid}-[A-Za-z0-9]{6}$`));
      const sessionDir = join(parent, sessions[0]);
      assert.ok(existsSync(join(sessionDir, info.mapId, written)));
      await extra.close();
      assert.ok(!existsSync(sessionDir), 'session folder left behind');
      await assert.rejects(fetch(extra.url));
    } finally {
      await extra.close();
      await rm(parent, { recursive: true, force: true });
    }
  });
});

