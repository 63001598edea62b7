/**
 * The GUI server's jobs and their files: a saved copy never replaces any input of the job (map,
 * solvent or target mask, half maps, mask, labels); a job cancelled part-way leaves the map's
 * earlier results as they were (the worker writes into a staging folder, moved into place only when
 * the job is done); settings the run would not read are left out of the run and its command line,
 * and said; the log and labels record the equivalent command line; an uploaded map is named by its
 * upload name, never the session's copy; odd request bodies get a 400, not a 500.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGuiServer, type GuiServer } from '../helpers/gui-server.js';
import type { EstimateSummaryView, HalfMapsView, JobEvent, MapInfo } from '../../src/web/api.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { randomLocresCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { readJobEvents } from '../helpers/job-events.js';
import { standInWorker } from '../helpers/stand-in-worker.js';
import { waitUntil } from '../helpers/wait-until.js';
import type { ChildProcess } from 'node:child_process';
import { JobManager, startWorker } from '../../src/web/server/jobs.js';
import { Session } from '../../src/web/server/session.js';
import type { EstimateTask } from '../../src/web/server/worker-protocol.js';
import { runCli } from '../helpers/cli.js';
import { shellWords } from '../helpers/shell-words.js';

let root: string;
let tempParent: string;
let server: GuiServer;

function call(path: string, init?: RequestInit): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { 'X-Occupy-Token': server.token, ...(init?.headers as Record<string, string> | undefined) } });
}
function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** Every event of a job to its end; `onEvent` sees each as it arrives. */
async function events(jobId: string, onEvent?: (e: JobEvent) => void): Promise<JobEvent[]> {
  return readJobEvents(await call(`api/jobs/${jobId}/events`), onEvent);
}

async function start(path: string, body: unknown): Promise<string> {
  const res = await postJson(path, body);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { jobId: string }).jobId;
}

async function open(path: string): Promise<MapInfo> {
  const res = await postJson('api/open', { path });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as MapInfo;
}

const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

/** Every file and folder under a folder (relative names, dot files included). */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

const logText = (ev: JobEvent[]) => ev.flatMap((e) => (e.type === 'log' ? [e.text] : [])).join('\n');

/** A first estimate of maps/ph.mrc run to its end: the map, its scale map's path and hash, its result. */
async function firstEstimate(session: Session, jobs: JobManager) {
  const map = await session.open('maps/ph.mrc');
  const first = await jobs.start(map, { mode: 'occ', seed: 0 });
  await first.exited;
  await first.finishing;
  assert.equal(first.state, 'done', JSON.stringify(first.events.at(-1)));
  const scale = join(map.outputDir, 'scale_occ_ph.mrc');
  return { map, scale, firstScale: await sha(scale), firstResult: map.result };
}

before(async () => {
  await loadFft();
  root = await mkdtemp(join(tmpdir(), 'occupy-gui-jobs-'));
  tempParent = await mkdtemp(join(tmpdir(), 'occupy-gui-jobs-temp-'));
  await mkdir(join(root, 'maps'));
  const n = 48;
  const p = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [20, 24, 24], radiusA: 12, occupancy: 1 }, { centreVoxel: [30, 24, 24], radiusA: 10, occupancy: 0.5 }], seed: 5 });
  await writeMrc(join(root, 'maps', 'ph.mrc'), p.map);
  // a solvent definition: the voxels away from the two domains
  const soldef = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) soldef[(z * n + y) * n + x] = Math.hypot(x - 25, y - 24, z - 24) < 16 ? 0 : 1;
  await mkdir(join(root, 'saved'));
  // the solvent mask lies where a saved output would go (conf_ph.mrc)
  await writeMrc(join(root, 'saved', 'conf_ph.mrc'), { data: soldef, shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] });
  // half maps, with the mask where a saved output would go
  const d = randomLocresCase(21000);
  // an 80³ box (90 Å at 1.13 Å; the mask spans voxels 17…63, and RELION's default 25 Å sampling
  // fits): what is asserted of the half-map runs (what is saved, removed, logged and recorded)
  // does not depend on the box, and 128³ made them the file's slowest part
  const h = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed, { box: 80 });
  await writeMrc(join(root, 'maps', 'h1.mrc'), h.half1);
  await writeMrc(join(root, 'maps', 'h2.mrc'), h.half2);
  await mkdir(join(root, 'savedh'));
  await writeMrc(join(root, 'savedh', 'locres_h1_pinned.mrc'), { data: h.mask, shape: h.half1.shape, voxelSizeA: h.half1.voxelSizeA });
  server = await startGuiServer({ root, port: 0, staticDir: root, tempParent });
});

after(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
  await rm(tempParent, { recursive: true, force: true });
});

describe('GUI jobs and their files', () => {
  test('a saved copy never replaces the solvent mask (an input): the save is refused whole, the mask unchanged', async () => {
    const info = await open('maps/ph.mrc');
    const mask = join(root, 'saved', 'conf_ph.mrc');
    const before = await sha(mask);
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { mode: 'occ', solventDefPath: 'saved/conf_ph.mrc' }, outputFolder: 'saved' }));
    assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
    assert.match(logText(ev), /could not save the outputs to saved\/: refusing to overwrite input '.*conf_ph\.mrc'/);
    assert.equal(await sha(mask), before, 'the solvent mask was replaced');
    // all or none: no other output was saved either
    assert.deepEqual(await tree(join(root, 'saved')), ['conf_ph.mrc']);
  });

  test('a half-map run\'s saved copy never replaces its mask', async () => {
    const mask = join(root, 'savedh', 'locres_h1_pinned.mrc');
    const before = await sha(mask);
    const ev = await events(await start('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', mask: 'savedh/locres_h1_pinned.mrc', outputFolder: 'savedh' }));
    assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
    assert.match(logText(ev), /could not save the outputs to savedh\/: refusing to overwrite input/);
    assert.equal(await sha(mask), before, 'the mask was replaced');
  });

  test('a job cancelled part-way leaves the earlier result and its files as they were; nothing staged is left', async () => {
    // the first estimate runs in a real worker; the second in a stand-in that writes a scale map
    // where its task says and is then killed (the cancel), as a worker caught mid-write would be
    const session = await Session.create(root, { tempParent });
    let written = '';
    const launch = (): ChildProcess => {
      if (!written) {
        written = 'real';
        return startWorker();
      }
      return standInWorker((task: EstimateTask, c) => {
        written = join(task.options.outputDir as string, 'scale_occ_ph.mrc');
        // as the worker's output sets do: the staging folder is made by the first output
        void mkdir(task.options.outputDir as string, { recursive: true })
          .then(() => writeFile(written, 'half-written'))
          .then(() => c.emit('message', { type: 'progress', phase: 'write', fraction: 0.9 }));
      });
    };
    const jobs = new JobManager(session, { maxRunning: 1, launch });
    try {
      const { map, scale, firstScale, firstResult } = await firstEstimate(session, jobs);
      const second = await jobs.start(map, { mode: 'occ', seed: 0, tau: 0.5 });
      // (until the stand-in has written and said so: 100 polls of 10 ms had assumed it within about 1 s)
      await waitUntil(() => second.events.some((e) => e.type === 'progress'), 'the stand-in\'s progress after its write');
      assert.ok(written.endsWith('scale_occ_ph.mrc') && written !== scale, `the stand-in wrote into the output folder itself: ${written}`);
      assert.equal((await jobs.cancel(second.id)).cancelled, true);
      assert.equal(second.state, 'cancelled');
      assert.equal(await sha(scale), firstScale, 'the first run\'s scale map was replaced');
      assert.equal(map.result, firstResult);
      // (no pause: cancel answers once the staging folder is removed)
      assert.deepEqual((await tree(map.outputDir)).filter((f) => /\.job-|\.tmp$/.test(f)), [], 'a staging folder or temporary file is left');
    } finally {
      await jobs.closeAll();
      await session.dispose();
    }
  });

  /** A pause in the finishing chain of a job at `point`: `reached` resolves there, `release()` goes on. */
  function pauseAt(point: 'commit' | 'committed') {
    let release = () => {};
    let arrived = () => {};
    const reached = new Promise<void>((r) => (arrived = r));
    const gate = new Promise<void>((r) => (release = r));
    let armed = false;
    const hook = (_job: unknown, at: 'commit' | 'committed') => {
      if (!armed || at !== point) return;
      arrived();
      return gate;
    };
    return { hook, reached, release: () => release(), arm: () => (armed = true) };
  }

  for (const [point, wins] of [['commit', true], ['committed', false]] as const) {
    test(`a cancel asked for ${wins ? 'as the worker finishes (before the commit point) wins: nothing is kept or saved' : 'after the commit point is answered as too late: the job ends done, its files saved'}`, async () => {
      const session = await Session.create(root, { tempParent });
      const pause = pauseAt(point);
      const jobs = new JobManager(session, { maxRunning: 1, finishingHook: pause.hook });
      try {
        const { map, scale, firstScale, firstResult } = await firstEstimate(session, jobs);
        const folder = `late-cancel-${point}`;
        pause.arm();
        const second = await jobs.start(map, { mode: 'occ', seed: 0, tau: 0.5 }, folder);
        // (a job that ends without reaching the pause fails here instead of waiting for ever)
        const ended = (async () => {
          await second.exited;
          await second.finishing;
        })();
        assert.equal(await Promise.race([pause.reached.then(() => 'paused'), ended.then(() => 'ended')]), 'paused', 'the job never paused at its commit point');
        const answer = jobs.cancel(second.id);
        pause.release();
        const outcome = await answer;
        await second.exited;
        await second.finishing;
        const saved = await tree(join(root, folder)).catch((): string[] => []);
        if (wins) {
          assert.deepEqual(outcome, { cancelled: true });
          assert.equal(second.state, 'cancelled');
          assert.equal(second.events.at(-1)?.type, 'cancelled');
          assert.equal(await sha(scale), firstScale, 'the first run\'s scale map was replaced');
          assert.equal(map.result, firstResult, 'the cancelled run became the map\'s result');
          assert.equal(map.scaleRuns?.length, 1, 'the cancelled run\'s scale was kept as a run');
          assert.deepEqual(saved, [], 'the cancelled run saved files');
        } else {
          assert.equal(outcome.cancelled, false);
          assert.match(outcome.reason ?? '', /too late/);
          assert.equal(second.state, 'done');
          assert.notEqual(map.result, firstResult);
          assert.notEqual(await sha(scale), firstScale);
          assert.ok(saved.includes('scale_occ_ph.mrc'), saved.join(', '));
        }
        // (no pause: the job ends once its staging folder is removed)
        assert.deepEqual((await tree(map.outputDir)).filter((f) => /\.job-|\.tmp$/.test(f)), [], 'a staging folder or temporary file is left');
      } finally {
        await jobs.closeAll();
        await session.dispose();
      }
    });
  }

  test('settings the run would not read are left out of it and of its command line, and said', async () => {
    const info = await open('maps/ph.mrc');
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { mode: 'occ', seed: 0, histMatch: true, lowpassOutputA: 10 } }));
    const done = ev.at(-1) as { type: 'done'; result: EstimateSummaryView };
    assert.equal(done.type, 'done');
    assert.doesNotMatch(done.result.command, /--hist-match|--lowpass-output/);
    assert.match(logText(ev), /--hist-match left out of this run: it is only used for modified maps/);
    assert.match(logText(ev), /--lowpass-output left out of this run/);
  });

  test('the log and the MRC labels record the equivalent command line; the log names the saved copies', async () => {
    const info = await open('maps/ph.mrc');
    await mkdir(join(root, 'kept'), { recursive: true });
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { amplify: 2, seed: 0 }, outputFolder: 'kept' }));
    const done = ev.at(-1) as { type: 'done'; result: EstimateSummaryView };
    assert.equal(done.type, 'done', JSON.stringify(done));
    assert.equal(done.result.command, 'occupy -i maps/ph.mrc --amplify 2');
    const log = await readFile(join(root, 'kept', 'log_ph.txt'), 'utf8');
    assert.match(log, /occupy -i maps\/ph\.mrc --amplify 2(?! --seed)/);
    assert.doesNotMatch(log, /not run from the command line/);
    // outputs are named where the saved copies are, never in the session folder
    assert.ok(log.includes(join(root, 'kept', 'scale_occ_ph.mrc')), log);
    assert.ok(!log.includes(tempParent), 'the log names the session folder');
    const labels = (await readMrc(join(root, 'kept', 'scale_occ_ph.mrc'))).header.labels.join('');
    assert.match(labels, /cmd: occupy -i maps\/ph\.mrc --amplify 2(?! --seed)/);
  });

  test('the log\'s rerun line, run in its working folder (the GUI root), rewrites the saved maps byte for byte', async () => {
    const info = await open('maps/ph.mrc');
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { amplify: 2, seed: 0 }, outputFolder: 'rerun/out' }));
    assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
    const saved = join(root, 'rerun', 'out');
    const log = await readFile(join(saved, 'log_ph.txt'), 'utf8');
    const rerun = /^Rerun \(same output\): (.*)$/m.exec(log)?.[1] ?? '';
    const cwd = /^Working folder +: (.*)$/m.exec(log)?.[1] ?? '';
    assert.equal(cwd, root, 'the working folder is not the GUI root');
    assert.equal(rerun, 'occupy -i maps/ph.mrc --amplify 2 -o rerun/out/');
    const maps = (await readdir(saved)).filter((f) => f.endsWith('.mrc')).sort();
    assert.deepEqual(maps, ['ampl_2.0_ph.mrc', 'conf_ph.mrc', 'scale_occ_ph.mrc']);
    const before = new Map(await Promise.all(maps.map(async (f) => [f, await readFile(join(saved, f))] as const)));
    await runCli(shellWords(rerun).slice(1), cwd);
    for (const f of maps) assert.ok((await readFile(join(saved, f))).equals(before.get(f) as Buffer), `${f} differs after the rerun`);
  });

  test('a half-map run by another method into the same save folder removes the earlier run\'s maps it does not write, and says so', async () => {
    const saved = join(root, 'methods');
    const first = await events(await start('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', outputFolder: 'methods' }));
    assert.equal(first.at(-1)?.type, 'done', JSON.stringify(first.at(-1)));
    const interval = ['locres_h1_pinned.mrc', 'locres_h1_low.mrc', 'locres_h1_high.mrc'];
    for (const f of interval) await access(join(saved, f));
    await writeFile(join(saved, 'locres_h1_notes.txt'), 'the user\'s');
    // RELION's mode writes none of the three
    const second = await events(await start('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', outputFolder: 'methods', locresMethod: 'relion' }));
    const done = second.at(-1) as { type: 'done'; result: HalfMapsView };
    assert.equal(done.type, 'done', JSON.stringify(done));
    const left = await tree(saved);
    assert.deepEqual(interval.filter((f) => left.includes(f)), [], `the earlier run's maps are still there: ${left.join(', ')}`);
    assert.ok(left.includes('locres_h1_notes.txt') && left.includes('locres_h1.mrc'), left.join(', '));
    assert.match(logText(second), /saved \d+ files to methods\/; removed 3 of an earlier run there that this run does not write: locres_h1_pinned\.mrc, locres_h1_low\.mrc, locres_h1_high\.mrc/);
    // the saved log and the page's report name them where they were
    const log = await readFile(join(saved, 'locres_h1_log.txt'), 'utf8');
    for (const f of interval) assert.ok(log.includes(`  ${join(saved, f)}\n`), log);
    assert.ok(done.result.locres.report.some((l) => l.startsWith('Removed (an earlier run')), done.result.locres.report.join('\n'));
  });

  test('a half-map run records the equivalent command lines of its FSC, directional FSC and decompose (logs and labels)', async () => {
    await mkdir(join(root, 'halfrec'), { recursive: true });
    const ev = await events(await start('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc', directional: true, decompose: true, outputFolder: 'halfrec' }));
    assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
    // the commands write where the saved copies are, and the record's working folder is the GUI
    // root, to which their paths are relative (session 50: the server's cwd, and no -o)
    const logs: [string, RegExp][] = [
      ['fsc_h1_log.txt', /^Command +: occupy fsc maps\/h1\.mrc maps\/h2\.mrc -o halfrec\/$/m],
      ['3dfsc_h1_log.txt', /^Command +: occupy fsc maps\/h1\.mrc maps\/h2\.mrc --directional -o halfrec\/$/m],
      ['log_decompose_h1.txt', /^Command +: occupy decompose maps\/h1\.mrc --half-maps maps\/h1\.mrc maps\/h2\.mrc -o halfrec\/$/m],
      ['locres_h1_log.txt', /^Command +: occupy locres maps\/h1\.mrc maps\/h2\.mrc -o halfrec\/$/m],
    ];
    for (const [name, command] of logs) {
      const log = await readFile(join(root, 'halfrec', name), 'utf8');
      assert.match(log, command, name);
      assert.equal(/^Working folder +: (.*)$/m.exec(log)?.[1], root, `${name}: the working folder is not the GUI root`);
    }
    // the local-resolution log's rerun line, run there, rewrites the saved map byte for byte
    const locresLog = await readFile(join(root, 'halfrec', 'locres_h1_log.txt'), 'utf8');
    const rerun = /^Rerun \(same output\): (.*)$/m.exec(locresLog)?.[1] ?? '';
    const saved = await readFile(join(root, 'halfrec', 'locres_h1.mrc'));
    await runCli(shellWords(rerun).slice(1), root);
    assert.ok((await readFile(join(root, 'halfrec', 'locres_h1.mrc'))).equals(saved), 'locres_h1.mrc differs after the rerun');
    // every log names the saved copies, never the staging folder the worker wrote them to
    for (const name of ['fsc_h1_log.txt', 'locres_h1_log.txt', '3dfsc_h1_log.txt', 'log_decompose_h1.txt']) {
      const log = await readFile(join(root, 'halfrec', name), 'utf8');
      assert.ok(!log.includes(tempParent) && !log.includes('.job-'), `${name} names the server's temporary folder:\n${log}`);
      assert.ok(log.includes(join(root, 'halfrec', name)), `${name} does not name its saved copy:\n${log}`);
    }
    // the command in the labels (cut into 80-character pieces, each tagged cmd:)
    const cmdOf = async (name: string) => (await readMrc(join(root, 'halfrec', name))).header.labels.filter((l) => l.startsWith('cmd: ')).map((l) => l.slice(5)).join('');
    assert.equal(await cmdOf('3dfsc_h1.mrc'), 'occupy fsc maps/h1.mrc maps/h2.mrc --directional -o halfrec/');
    assert.equal(await cmdOf('occupancy_h1.mrc'), 'occupy decompose maps/h1.mrc --half-maps maps/h1.mrc maps/h2.mrc -o halfrec/');
    // the B-factor layer is coloured over the range of decompose's ChimeraX script (5–95 % over the
    // molecule), not each slice's min–max (session 54: -974 … 839 Å² on synth_flex128 against the
    // script's 60 … 391 Å², so the domains' B, 75–281 Å², took an eighth of the colour scale)
    const view = ev.at(-1)?.type === 'done' ? (ev.at(-1) as { result: HalfMapsView }).result : undefined;
    const cxc = await readFile(join(root, 'halfrec', 'chimX_decompose_h1.cxc'), 'utf8');
    const script = /color_by_bfactor .* range (-?[\d.]+),(-?[\d.]+)$/m.exec(cxc);
    assert.ok(script, cxc);
    const range = view?.decompose?.bfactorRangeA2;
    assert.ok(range && range[1] > range[0], `B colour range ${JSON.stringify(range)}`);
    assert.deepEqual([range[1].toFixed(1), range[0].toFixed(1)], [script[1], script[2]], 'the page colours B over the script\'s range (high B red, low blue)');
  });

  test('without a save folder the logs say the outputs are not saved, never naming the server\'s temporary folder', async () => {
    const download = async (mapId: string, name: string) => {
      const res = await call(`api/maps/${mapId}/files/${name}`);
      assert.equal(res.status, 200, name);
      return res.text();
    };
    const info = await open('maps/ph.mrc');
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { mode: 'occ', seed: 0 } }));
    assert.equal(ev.at(-1)?.type, 'done', JSON.stringify(ev.at(-1)));
    const logs = [['log_ph.txt', await download(info.mapId, 'log_ph.txt')]];
    const hev = await events(await start('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/h2.mrc' }));
    const hdone = hev.at(-1) as { type: 'done'; result: { mapId: string } };
    assert.equal(hdone.type, 'done', JSON.stringify(hdone));
    for (const name of ['fsc_h1_log.txt', 'locres_h1_log.txt']) logs.push([name, await download(hdone.result.mapId, name)]);
    for (const [name, log] of logs) {
      assert.ok(!log.includes(tempParent) && !log.includes('.job-'), `${name} names the server's temporary folder:\n${log}`);
      assert.match(log, new RegExp(`^ *${name.replace('.', '\\.')} \\(not saved: download it from the GUI\\)$`, 'm'), name);
    }
  });

  test('an uploaded map is named by its upload name in the command line, never the session copy', async () => {
    const up = await call('api/upload?name=dropped.mrc', { method: 'POST', body: await readFile(join(root, 'maps', 'ph.mrc')) });
    assert.equal(up.status, 200, await up.clone().text());
    const info = (await up.json()) as MapInfo;
    const ev = await events(await start('api/estimate', { mapId: info.mapId, settings: { seed: 0, mode: 'occ' } }));
    const done = ev.at(-1) as { type: 'done'; result: EstimateSummaryView };
    assert.equal(done.type, 'done');
    assert.equal(done.result.command, 'occupy -i dropped.mrc --occupancy');
    assert.ok(!JSON.stringify(done.result).includes(tempParent), 'the result names the session folder');
  });

  test('a refused request makes no output folder; a dangling link as the folder is said as such', async () => {
    const exists = (rel: string) => access(join(root, rel)).then(() => true, () => false);
    const info = await open('maps/ph.mrc');
    const bad = await postJson('api/estimate', { mapId: info.mapId, settings: { lowpassA: 0.5 }, outputFolder: 'refused/a/b' });
    assert.equal(bad.status, 400, await bad.clone().text());
    assert.equal(await exists('refused'), false, 'a refused estimate made its output folder');
    const missing = await postJson('api/halfmaps', { half1: 'maps/h1.mrc', half2: 'maps/missing.mrc', outputFolder: 'refusedh/a' });
    assert.equal(missing.status, 404, await missing.clone().text());
    assert.equal(await exists('refusedh'), false, 'a refused half-map run made its output folder');
    await symlink('nowhere', join(root, 'dangling'));
    const link = await postJson('api/estimate', { mapId: info.mapId, settings: { mode: 'occ' }, outputFolder: 'dangling' });
    assert.equal(link.status, 400, await link.clone().text());
    assert.match(((await link.json()) as { error: string }).error, /'dangling' is a symbolic link to 'nowhere', which does not exist/);
  });

  test('a run that ends without saving removes the save folders its request made while they are empty; a folder that existed stays', async () => {
    const exists = (rel: string) => access(join(root, rel)).then(() => true, () => false);
    const session = await Session.create(root, { tempParent });
    // stand-in workers that never answer (cancelled while they run), or fail at once
    let failNext = false;
    const launch = (): ChildProcess =>
      standInWorker((_task: EstimateTask, c) => {
        if (!failNext) return;
        failNext = false;
        queueMicrotask(() => {
          c.emit('message', { type: 'error', message: 'the method failed' });
          c.emit('exit', 1, null);
        });
      });
    const jobs = new JobManager(session, { maxRunning: 1, launch });
    try {
      const map = await session.open('maps/ph.mrc');
      const other = await session.open('maps/h1.mrc');
      await mkdir(join(root, 'existing'));
      // cancelled while it runs: the folders made for it go; the one that existed stays
      const running = await jobs.start(map, { mode: 'occ' }, 'existing/made/deeper');
      assert.equal(running.state, 'running');
      assert.equal(await exists('existing/made/deeper'), true, 'the request makes its save folder');
      // cancelled while it waits (the one slot is taken)
      const waiting = await jobs.start(other, { mode: 'occ' }, 'waited/a');
      assert.equal(waiting.state, 'queued');
      assert.equal((await jobs.cancel(waiting.id)).cancelled, true);
      assert.equal(await exists('waited'), false, 'a cancelled waiting run left its save folder');
      assert.equal((await jobs.cancel(running.id)).cancelled, true);
      assert.equal(await exists('existing/made'), false, 'a cancelled run left the folders made for it');
      assert.equal(await exists('existing'), true, 'a folder that existed before the run was removed');
      // a folder made for a run that holds something by its end is kept
      const kept = await jobs.start(map, { mode: 'occ' }, 'used/b');
      await writeFile(join(root, 'used', 'b', 'note.txt'), 'the user\'s');
      await jobs.cancel(kept.id);
      assert.deepEqual(await tree(join(root, 'used')), ['b', join('b', 'note.txt')]);
      // a failed run
      failNext = true;
      const failed = await jobs.start(map, { mode: 'occ' }, 'failed/c');
      await failed.exited;
      assert.equal(failed.state, 'error');
      assert.equal(await exists('failed'), false, 'a failed run left its save folder');
    } finally {
      await jobs.closeAll();
      await session.dispose();
    }
  });

  test('odd bodies get a 400 naming what is wrong, never a 500', async () => {
    for (const id of [{ toString: 1 }, ['1832'], null, 1.5, true]) {
      const res = await postJson('api/emdb', { id });
      assert.equal(res.status, 400, JSON.stringify(id));
      assert.match(((await res.json()) as { error: string }).error, /EMDB ID/);
    }
    const long = await postJson('api/open', { path: 'x'.repeat(5000) });
    assert.equal(long.status, 400);
    assert.match(((await long.json()) as { error: string }).error, /too long/);
    // 1e309 as the page's JSON may carry it (JSON.stringify would send null)
    const body = `{"mapId": ${JSON.stringify((await open('maps/ph.mrc')).mapId)}, "settings": {"amplify": 1e309}}`;
    const inf = await call('api/estimate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(inf.status, 400);
    assert.match(((await inf.json()) as { error: string }).error, /got Infinity/);
  });
});


