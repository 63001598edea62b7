/**
 * The GUI's folders hold one run's set per stem (session 57): a run saved into a folder, and the
 * map's session folder, lose an earlier run's files of the same families that the later run does
 * not write (a half-map run's directional FSC and decompose outputs once they are no longer
 * ticked, an estimate's modified maps after a run without Modify), named in the job's log and the
 * saved log; a file of another name stays.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startGuiServer, type GuiServer } from '../../src/web/server/server.js';
import type { JobEvent, MapInfo } from '../../src/web/api.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { halfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { readJobEvents } from '../helpers/job-events.js';

let root: string;
let tempParent: string;
let server: GuiServer;
const N = 48;

function call(path: string, init?: RequestInit): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { 'X-Occupy-Token': server.token, ...(init?.headers as Record<string, string> | undefined) } });
}
async function run(path: string, body: unknown): Promise<JobEvent[]> {
  const res = await call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  const { jobId } = (await res.json()) as { jobId: string };
  const ev = await readJobEvents(await call(`api/jobs/${jobId}/events`));
  assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
  return ev;
}
const logText = (ev: JobEvent[]) => ev.flatMap((e) => (e.type === 'log' ? [e.text] : [])).join('\n');
const listed = async (dir: string) => (await readdir(dir)).sort();
/** The files of the session's folders (every map's), by name. */
const sessionFiles = async () => (await readdir(tempParent, { recursive: true })).map((f) => basename(String(f)));

before(async () => {
  await loadFft();
  root = await mkdtemp(join(tmpdir(), 'occupy-gui-stale-'));
  tempParent = await mkdtemp(join(tmpdir(), 'occupy-gui-stale-temp-'));
  await mkdir(join(root, 'maps'));
  await writeMrc(join(root, 'maps', 'ph.mrc'), occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 20, 20], radiusA: 10, occupancy: 1 }, { centreVoxel: [25, 20, 20], radiusA: 8, occupancy: 0.5 }], seed: 5 }).map);
  const p = halfMapPhantom({ shape: [N, N, N], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
  await writeMrc(join(root, 'maps', 'h1.mrc'), p.half1);
  await writeMrc(join(root, 'maps', 'h2.mrc'), p.half2);
  await writeMrc(join(root, 'maps', 'mask.mrc'), { data: p.mask, shape: [N, N, N], voxelSizeA: [1, 1, 1] });
  server = await startGuiServer({ root, port: 0, staticDir: root, tempParent });
});

after(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
  await rm(tempParent, { recursive: true, force: true });
});

describe('GUI folders hold one run\'s set', () => {
  test('a half-map run without the directional FSC and decompose removes an earlier run\'s from the save folder and the session folder, and says so', async () => {
    const saved = join(root, 'hm');
    const halves = { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'maps/mask.mrc', outputFolder: 'hm' };
    await run('api/halfmaps', { ...halves, directional: true, decompose: true });
    const extra = (await listed(saved)).filter((f) => /^(3dfsc_h1|occupancy_h1|bfactor_h1|bands_h1|chimX_decompose_h1|log_decompose_h1)/.test(f));
    assert.ok(extra.includes('3dfsc_h1.mrc') && extra.includes('occupancy_h1.mrc') && extra.includes('log_decompose_h1.txt'), extra.join(', '));
    for (const f of extra) assert.ok((await sessionFiles()).includes(f), `${f} not in the session folder`);
    await writeFile(join(saved, 'occupancy_h1_notes.txt'), 'the user\'s');
    const ev = await run('api/halfmaps', halves);
    const left = await listed(saved);
    assert.deepEqual(extra.filter((f) => left.includes(f)), [], `an earlier run's outputs are still in the save folder: ${left.join(', ')}`);
    assert.ok(left.includes('occupancy_h1_notes.txt') && left.includes('locres_h1.mrc') && left.includes('fsc_h1.csv'), left.join(', '));
    const inSession = await sessionFiles();
    assert.deepEqual(extra.filter((f) => inSession.includes(f)), [], `an earlier run's outputs are still in the session folder: ${inSession.join(', ')}`);
    assert.ok(inSession.includes('locres_h1.mrc'));
    const line = /saved \d+ files to hm\/; removed (\d+) of an earlier run there that this run does not write: (.*)/.exec(logText(ev));
    assert.ok(line, logText(ev));
    assert.deepEqual(line[2].split(', ').sort(), [...extra].sort());

  });

  test('an estimate without Modify removes an earlier Modify run\'s maps from the save folder and the session folder, and its log says so', async () => {
    const info = (await (await call('api/open', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ path: 'maps/ph.mrc' }) })).json()) as MapInfo;
    const saved = join(root, 'est');
    await run('api/estimate', { mapId: info.mapId, settings: { amplify: 2, seed: 0 }, outputFolder: 'est' });
    assert.ok((await listed(saved)).includes('ampl_2.0_ph.mrc'));
    assert.ok((await sessionFiles()).includes('ampl_2.0_ph.mrc'));
    const ev = await run('api/estimate', { mapId: info.mapId, settings: { mode: 'occ', seed: 0 }, outputFolder: 'est' });
    assert.ok(!(await listed(saved)).includes('ampl_2.0_ph.mrc'), (await listed(saved)).join(', '));
    assert.ok(!(await sessionFiles()).includes('ampl_2.0_ph.mrc'), 'the modified map is still in the session folder');
    assert.match(logText(ev), /saved \d+ files to est\/; removed 1 of an earlier run there that this run does not write: ampl_2\.0_ph\.mrc/);
    const log = await readFile(join(saved, 'log_ph.txt'), 'utf8');
    assert.ok(log.includes(`Removed (an earlier run's outputs for this map that this run does not write):\n  ${join(saved, 'ampl_2.0_ph.mrc')}\n`), log);
  });
});
