/**
 * The GUI's folders hold one run's set per stem (session 57): a run saved into a folder, and the
 * map's session folder, lose an earlier run's files of the same families that the later run does
 * not write (a half-map run's directional FSC and decompose outputs once they are no longer
 * ticked; an estimate's plots of an earlier command-line run), named in the job's log and the
 * saved log; a file of another name stays, and so do an estimate's modified maps and scales, whose
 * names say their power and mode.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JobEvent, MapInfo } from '../../src/web/api.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { halfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { startGuiTestServer, type GuiTestServer } from '../helpers/gui-server.js';

let g: GuiTestServer;
const N = 48;

const logText = (ev: JobEvent[]) => ev.flatMap((e) => (e.type === 'log' ? [e.text] : [])).join('\n');
const listed = async (dir: string) => (await readdir(dir)).sort();
/** The files of the session's folders (every map's), by name. */
const sessionFiles = async (): Promise<string[]> => {
  // a finished job's staging folder (`.job-…`) may be removed while the walk is inside it: list again
  for (let attempt = 0; ; attempt++) {
    try {
      return (await readdir(g.tempParent, { recursive: true })).map((f) => basename(String(f)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
};

before(async () => {
  await loadFft();
  g = await startGuiTestServer('occupy-gui-stale-', async (root) => {
    await mkdir(join(root, 'maps'));
    await writeMrc(join(root, 'maps', 'ph.mrc'), occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 20, 20], radiusA: 10, occupancy: 1 }, { centreVoxel: [25, 20, 20], radiusA: 8, occupancy: 0.5 }], seed: 5 }).map);
    const p = halfMapPhantom({ shape: [N, N, N], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [24, 24, 24], radiusA: 12, resolutionA: 5 }] });
    await writeMrc(join(root, 'maps', 'h1.mrc'), p.half1);
    await writeMrc(join(root, 'maps', 'h2.mrc'), p.half2);
    await writeMrc(join(root, 'maps', 'mask.mrc'), { data: p.mask, shape: [N, N, N], voxelSizeA: [1, 1, 1] });
  });
});

after(async () => {
  await g?.close();
});

describe('GUI folders hold one run\'s set', () => {
  test('a half-map run without the directional FSC and decompose removes an earlier run\'s from the save folder and the session folder, and says so', async () => {
    const saved = join(g.root, 'hm');
    const halves = { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'maps/mask.mrc', outputFolder: 'hm' };
    await g.runJob('api/halfmaps', { ...halves, directional: true, decompose: true });
    const extra = (await listed(saved)).filter((f) => /^(3dfsc_h1|occupancy_h1|bfactor_h1|bands_h1|chimX_decompose_h1|log_decompose_h1)/.test(f));
    assert.ok(extra.includes('3dfsc_h1.mrc') && extra.includes('occupancy_h1.mrc') && extra.includes('log_decompose_h1.txt'), extra.join(', '));
    for (const f of extra) assert.ok((await sessionFiles()).includes(f), `${f} not in the session folder`);
    await writeFile(join(saved, 'occupancy_h1_notes.txt'), 'the user\'s');
    const ev = await g.runJob('api/halfmaps', halves);
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

  test('a run that is not saved names in its log lines what it removed from the session folder (session 58: named nowhere)', async () => {
    const halves = { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'maps/mask.mrc' };
    await g.runJob('api/halfmaps', { ...halves, directional: true, decompose: true });
    const extra = (await sessionFiles()).filter((f) => /^(3dfsc_h1|occupancy_h1|bfactor_h1|bands_h1|chimX_decompose_h1|log_decompose_h1)/.test(f));
    assert.ok(extra.includes('occupancy_h1.mrc') && extra.includes('3dfsc_h1.mrc'), extra.join(', '));
    const ev = await g.runJob('api/halfmaps', halves);
    const inSession = await sessionFiles();
    assert.deepEqual(extra.filter((f) => inSession.includes(f)), []);
    const line = /removed (\d+) of an earlier run in this map's session folder that this run does not write: (.*)/.exec(logText(ev));
    assert.ok(line, logText(ev));
    assert.deepEqual(line[2].split(', ').sort(), [...new Set(extra)].sort());
    assert.equal(Number(line[1]), new Set(extra).size);
  });

  test('an estimate without Modify keeps an earlier Modify run\'s map (its name says its power) and removes a plot it does not write, and its log says so', async () => {
    const info = (await (await g.postJson('api/open', { path: 'maps/ph.mrc' })).json()) as MapInfo;
    const saved = join(g.root, 'est');
    await g.runJob('api/estimate', { mapId: info.mapId, settings: { amplify: 2, seed: 0 }, outputFolder: 'est' });
    assert.ok((await listed(saved)).includes('ampl_2.0_ph.mrc'));
    assert.ok((await sessionFiles()).includes('ampl_2.0_ph.mrc'));
    // a command-line run with --plot into the same folder had left its solvent-model plot
    await writeFile(join(saved, 'solModel_ph.png'), 'a plot of an earlier run');
    const ev = await g.runJob('api/estimate', { mapId: info.mapId, settings: { mode: 'occ', seed: 0 }, outputFolder: 'est' });
    assert.ok((await listed(saved)).includes('ampl_2.0_ph.mrc'), (await listed(saved)).join(', '));
    assert.ok((await sessionFiles()).includes('ampl_2.0_ph.mrc'), 'the modified map was removed from the session folder');
    assert.ok(!(await listed(saved)).includes('solModel_ph.png'), (await listed(saved)).join(', '));
    assert.match(logText(ev), /saved \d+ files to est\/; removed 1 of an earlier run there that this run does not write: solModel_ph\.png/);
    const log = await readFile(join(saved, 'log_ph.txt'), 'utf8');
    assert.ok(log.includes(`Removed (an earlier run's outputs for this map that this run does not write):\n  ${join(saved, 'solModel_ph.png')}\n`), log);
  });

  test('a run saved where another map\'s output of another kind has the same name does not write over it: a warning of the job (session 58)', async () => {
    const saved = join(g.root, 'kinds');
    await g.runJob('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'maps/mask.mrc', outputFolder: 'kinds', decompose: true });
    const log = join(saved, 'log_decompose_h1.txt');
    const before = await readFile(log, 'utf8');
    // the estimate of a map named decompose_h1 writes log_decompose_h1.txt
    await writeFile(join(g.root, 'maps', 'decompose_h1.mrc'), await readFile(join(g.root, 'maps', 'ph.mrc')));
    const info = (await (await g.postJson('api/open', { path: 'maps/decompose_h1.mrc' })).json()) as MapInfo;
    const ev = await g.runJob('api/estimate', { mapId: info.mapId, settings: { seed: 0 }, outputFolder: 'kinds' });
    assert.match(logText(ev), /could not save the outputs to kinds\/: '.*log_decompose_h1\.txt' holds the log of occupy decompose of another map, not the log of an estimate/);
    assert.equal(await readFile(log, 'utf8'), before);
  });
});
