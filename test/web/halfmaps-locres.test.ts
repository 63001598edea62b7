/**
 * The half-map panel's local-resolution method (`POST /api/halfmaps` `locresMethod`,
 * `locresSampling`): local FSC, RELION 3.1's `--relion [--locres-sampling A]` and `--method
 * monores`. A value or combination the CLI refuses is refused before the run, under the page's
 * field, with the CLI's own message (the option schema's, and the first half's header checks); a
 * run writes the same maps as `occupy locres` with the same options, voxel for voxel, only the
 * maps its method writes, and its view and log carry the CLI's figures and the equivalent command.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGuiServer, type GuiServer } from '../helpers/gui-server.js';
import type { HalfMapsView, JobEvent } from '../../src/web/api.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { runCli } from '../helpers/cli.js';
import { readJobEvents } from '../helpers/job-events.js';
import { writeCroppedHalves } from '../helpers/halves-crop.js';
import { skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();

let root: string;
let server: GuiServer;

function call(path: string, init?: RequestInit): Promise<Response> {
  return fetch(new URL(path, server.url), { ...init, headers: { 'X-Occupy-Token': server.token, ...(init?.headers as Record<string, string> | undefined) } });
}
function postJson(path: string, body: unknown): Promise<Response> {
  return call(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

/** The refusal of a half-map request: status, message and field. */
async function refused(body: Record<string, unknown>): Promise<{ status: number; error: string; field?: string }> {
  const r = await postJson('api/halfmaps', body);
  return { status: r.status, ...((await r.json()) as { error: string; field?: string }) };
}

/** The one-line refusal `occupy locres <args>` prints (run in the root), without `occupy: error: `. */
async function cliRefusal(args: string[]): Promise<string> {
  try {
    await runCli(['locres', ...args], root);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    assert.notEqual(e.code, 0);
    // (a number typed on the command line is quoted as typed text: `got '-3'`; the page sends a number)
    return e.stderr.trim().replace(/^occupy: error: /, '').replace(/got '(-?[\d.]+)'$/, 'got $1');
  }
  assert.fail(`occupy locres ${args.join(' ')} was not refused`);
}

/** Run a half-map request to its end: its events and result. */
async function run(body: Record<string, unknown>): Promise<{ events: JobEvent[]; view: HalfMapsView }> {
  const res = await postJson('api/halfmaps', body);
  assert.equal(res.status, 200, await res.clone().text());
  const { jobId } = (await res.json()) as { jobId: string };
  const events = await readJobEvents(await call(`api/jobs/${jobId}/events`));
  const last = events.at(-1);
  assert.equal(last?.type, 'done', JSON.stringify(last));
  return { events, view: (last as { type: 'done'; result: HalfMapsView }).result };
}

const H = { half1: 'halves/half1.mrc.gz', half2: 'halves/half2.mrc.gz', mask: 'halves/soft_mask.mrc.gz', labels: 'halves/truth_labels.mrc.gz' };

describe('GUI half maps: the local-resolution method', { skip, timeout: 600_000 }, () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'occupy-gui-locres-'));
    // the central 80³ of synth_halves128 (the mask and the four domains inside, 1 Å voxels): what is
    // asserted (the refusals, the GUI's maps and figures against the CLI's on the same files) does
    // not depend on the box, and each method runs twice (GUI and CLI)
    await writeCroppedHalves(join(root, 'halves'));
    // a small pair on anisotropic voxels, and one on a box too small for RELION's default sampling
    const box = 32;
    const data = () => Float32Array.from({ length: box ** 3 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
    await mkdir(join(root, 'odd'));
    await writeMrc(join(root, 'odd', 'a1.mrc'), { data: data(), shape: [box, box, box], voxelSizeA: [1, 1, 1.3] });
    await writeMrc(join(root, 'odd', 'a2.mrc'), { data: data().map((v) => v + 0.1), shape: [box, box, box], voxelSizeA: [1, 1, 1.3] });
    await writeMrc(join(root, 'odd', 's1.mrc'), { data: data(), shape: [box, box, box], voxelSizeA: [1, 1, 1] });
    await writeMrc(join(root, 'odd', 's2.mrc'), { data: data().map((v) => v + 0.1), shape: [box, box, box], voxelSizeA: [1, 1, 1] });
    server = await startGuiServer({ root, port: 0, staticDir: root });
  });
  after(async () => {
    await server?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('what occupy locres refuses is refused before the run, under the method\'s field, with the CLI\'s message', async () => {
    const cases: { body: Record<string, unknown>; args: string[]; field: string }[] = [
      // the schema: value and range, a value that is not a number, the rule between options
      { body: { ...H, locresMethod: 'relion', locresSampling: -3 }, args: [H.half1, H.half2, '--relion', '--locres-sampling', '-3'], field: 'locresSampling' },
      { body: { ...H, locresMethod: 'relion', locresSampling: 'abc' }, args: [H.half1, H.half2, '--relion', '--locres-sampling', 'abc'], field: 'locresSampling' },
      { body: { ...H, locresSampling: 10 }, args: [H.half1, H.half2, '--locres-sampling', '10'], field: 'locresSampling' },
      { body: { ...H, locresMethod: 'monores', locresSampling: 10 }, args: [H.half1, H.half2, '--method', 'monores', '--locres-sampling', '10'], field: 'locresSampling' },
      // from the header: a sampling finer than 4 voxels or coarser than a third of the box, the
      // 25 Å default on a 32 Å box, voxels that are not cubic (MonoRes and every method)
      { body: { ...H, locresMethod: 'relion', locresSampling: 2 }, args: [H.half1, H.half2, '--relion', '--locres-sampling', '2'], field: 'locresSampling' },
      { body: { ...H, locresMethod: 'relion', locresSampling: 50 }, args: [H.half1, H.half2, '--relion', '--locres-sampling', '50'], field: 'locresSampling' },
      { body: { half1: 'odd/s1.mrc', half2: 'odd/s2.mrc', locresMethod: 'relion' }, args: ['odd/s1.mrc', 'odd/s2.mrc', '--relion'], field: 'locresSampling' },
      { body: { half1: 'odd/a1.mrc', half2: 'odd/a2.mrc', locresMethod: 'monores' }, args: ['odd/a1.mrc', 'odd/a2.mrc', '--method', 'monores'], field: 'half1' },
    ];
    for (const c of cases) {
      const r = await refused(c.body);
      assert.deepEqual(r, { status: 400, field: c.field, error: await cliRefusal(c.args) }, JSON.stringify(c.body));
    }
    // a method the panel does not offer: named under the method's field
    const other = await refused({ ...H, locresMethod: 'monodir' });
    assert.equal(other.status, 400);
    assert.equal(other.field, 'locresMethod');
    assert.match(other.error, /^the local-resolution method must be one of localfsc, relion, monores/);
  });

  for (const way of [
    { method: 'relion', body: { locresMethod: 'relion', locresSampling: 10 }, args: ['--relion', '--locres-sampling', '10'], maps: { pinned: false, low: false, high: false }, phase: 'local FSC' },
    { method: 'monores', body: { locresMethod: 'monores' }, args: ['--method', 'monores'], maps: { pinned: true, low: false, high: false }, phase: 'monogenic' },
  ] as const) {
    test(`${way.method}: the maps equal occupy locres ${way.args.join(' ')}'s voxel for voxel, only the method's maps; its figures, per-label table, log and command`, async () => {
      const { events, view } = await run({ ...H, ...way.body });
      const l = view.locres;
      assert.equal(l.method, way.method);
      // progress during the run, in the method's own phase
      assert.ok(events.some((e) => e.type === 'progress' && e.phase === way.phase && e.fraction > 0.12 && e.fraction < 0.95), JSON.stringify(events.filter((e) => e.type === 'progress').map((e) => e.type === 'progress' && e.phase)));
      const command = `occupy locres ${H.half1} ${H.half2} --mask ${H.mask} --labels ${H.labels} ${way.args.join(' ')} -o locres_half1.mrc`;
      assert.ok(view.commands.includes(command), view.commands.join('\n'));
      // the CLI with the same options (in the root, as the GUI's rerun line runs)
      await mkdir(join(root, `cli_${way.method}`), { recursive: true });
      const cli = await runCli(['locres', H.half1, H.half2, '--mask', H.mask, '--labels', H.labels, ...way.args, '-o', `cli_${way.method}/locres_half1.mrc`, '--json', '-q'], root);
      const json = JSON.parse(cli.stdout) as Record<string, unknown>;
      const guiFile = async (name: string) => new Uint8Array(await (await call(`api/maps/${view.mapId}/files/${name}`)).arrayBuffer());
      for (const name of ['locres_half1.mrc', ...(way.maps.pinned ? ['locres_half1_pinned.mrc'] : [])]) {
        const g = await guiFile(name);
        const c = new Uint8Array(await readFile(join(root, `cli_${way.method}`, name)));
        const m = await readMrc(join(root, `cli_${way.method}`, name));
        const n = 4 * m.volume.data.length;
        assert.equal(g.length, c.length, `${name}: sizes differ`);
        // voxel for voxel, and header field for field up to the labels (which record the command)
        assert.ok(Buffer.from(g.subarray(g.length - n)).equals(Buffer.from(c.subarray(c.length - n))), `${name}: the GUI's voxels differ from the CLI's`);
        assert.ok(Buffer.from(g.subarray(0, 220)).equals(Buffer.from(c.subarray(0, 220))), `${name}: the header differs`);
      }
      // only the maps the method writes are listed and offered
      assert.deepEqual({ pinned: l.maps.pinned !== null, low: l.maps.low !== null, high: l.maps.high !== null }, way.maps);
      for (const k of ['pinned', 'low', 'high'] as const) assert.equal(view.files.includes(`locres_half1_${k}.mrc`), way.maps[k], `${k} in ${view.files.join(', ')}`);
      // the figures are the CLI's
      assert.equal(l.medianA, json.medianA);
      assert.equal(l.p5A, json.p5A);
      assert.equal(l.p95A, json.p95A);
      assert.deepEqual(view.labelRows, json.labels);
      if (way.method === 'relion') {
        assert.deepEqual(l.pinnedWindows, { pinned: json.pinnedWindows, of: json.points });
        assert.equal(l.samplingA, 10);
        assert.equal(l.finestA, null);
        assert.equal(l.windowVoxels, null);
      } else {
        assert.equal(l.pinnedVoxels, json.pinnedVoxels);
        assert.equal(l.pinnedPercent, json.pinnedPercent);
        assert.equal(l.finestA, json.finestA);
        assert.equal(l.pinnedWindows, null);
      }
      // colour range: finite, finest first
      assert.ok(Number.isFinite(l.rangeA[0]) && Number.isFinite(l.rangeA[1]) && l.rangeA[0] < l.rangeA[1], JSON.stringify(l.rangeA));
      // the report is what occupy locres prints (its log from Inputs on, but the warnings, which go
      // to stderr), up to the files' places and the time
      const cliLog = (await readFile(join(root, `cli_${way.method}`, 'locres_half1_log.txt'), 'utf8')).split('\n');
      const same = (lines: readonly string[]) => lines.slice(0, lines.indexOf('Files written:')).filter((x) => x !== '' && !/^(Inputs |WARNING: )/.test(x) && !x.startsWith('occupy-ts') && !x.startsWith('---'));
      const cliReport = same(cliLog.slice(cliLog.findIndex((x) => x.startsWith('Inputs '))));
      assert.ok(cliReport.length > 8, cliReport.join('\n'));
      assert.deepEqual(same(l.report), cliReport);
      assert.ok(l.report.some((x) => x.startsWith('Method             : ')), l.report.join('\n'));
      // the log records the equivalent command line (to rerun it)
      const log = new TextDecoder().decode(await guiFile('locres_half1_log.txt'));
      assert.match(log, new RegExp(`^Command +: occupy locres ${H.half1} ${H.half2} --mask ${H.mask} --labels ${H.labels} ${way.args.join(' ')}$`, 'm'));
    });
  }
});
