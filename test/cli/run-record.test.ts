/**
 * Issue 13, the command line round 2, through the CLI as a child process: `-o DIR/`, the record of
 * every run (log, --json, MRC labels) and a rerun from the log's recorded command that gives
 * byte-identical maps, the original OccuPy's option names, exit codes, errors in the user's terms,
 * progress when stderr is not a terminal, and -q keeping result-invalidating warnings.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc, readMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runCli } from '../helpers/cli.js';
import { shellWords } from '../helpers/shell-words.js';
import { HAVE_SHARED, SHARED_DATA } from '../helpers/shared-data.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `occupy <args>` in `cwd`; resolves with the exit code and output (never rejects). */
async function occupy(args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> {
  try {
    const r = await runCli(args, cwd, env ? { ...process.env, ...env } : undefined);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('occupy: output folders, the run record, rerun from the log', { concurrency: true }, () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'occupy-record-'));
    const n = 40;
    const c = n / 2;
    const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 11, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
    await writeMrc(join(work, 'map.mrc'), map);
    writeFileSync(join(work, 'notes.mrc'), 'this is a text file, not a map\n'.repeat(60));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('-o out/ (a folder that does not exist yet) and a positional map: out/scale_res_map.mrc, conf, log, script', async () => {
    const r = await occupy(['map.mrc', '-o', 'out-a/', '-q'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(work, 'out-a')).sort(), ['chimX_map.cxc', 'conf_map.mrc', 'log_map.txt', 'scale_res_map.mrc']);
    // an existing folder without the slash means the same
    mkdirSync(join(work, 'out-b'));
    const b = await occupy(['-i', 'map.mrc', '-o', 'out-b', '-q'], work);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(existsSync(join(work, 'out-b', 'scale_res_map.mrc')));
    // -o name.mrc keeps naming the outputs after `name`
    const c = await occupy(['-i', 'map.mrc', '-o', 'out-c/other.mrc', '-q'], work);
    assert.equal(c.code, 0, c.stderr);
    assert.ok(existsSync(join(work, 'out-c', 'scale_res_other.mrc')));
  });

  it('-o DIR/ on the subcommands: soldef, pixel-size set, fsc, locres write into DIR under their default names', async () => {
    const n = 24;
    const c = 20;
    const { map: half2 } = occupancyPhantom({ shape: [40, 40, 40], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 12, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
    await writeMrc(join(work, 'half2.mrc'), half2);
    const scale = new Float32Array(n ** 3).map((_, i) => (i % 7) / 7);
    await writeMrc(join(work, 'scale_occ_s.mrc'), { data: scale, shape: [n, n, n], voxelSizeA: [2, 2, 2] });
    const [soldef, px, fsc, locres, monores] = await Promise.all([
      occupy(['soldef', 'scale_occ_s.mrc', '--threshold', '0.2', '-o', 'masks/', '-q'], work),
      occupy(['pixel-size', 'set', 'map.mrc', '--angpix', '1.5', '-o', 'px/', '-q'], work),
      occupy(['fsc', 'map.mrc', 'half2.mrc', '-o', 'fscout/', '-q'], work),
      occupy(['locres', 'map.mrc', 'half2.mrc', '--window', '16', '-o', 'lr/', '-q'], work),
      occupy(['locres', 'map.mrc', '--method', 'monores', '--mask', 'map.mrc', '-o', 'mr/', '--json'], work),
    ]);
    // monores records its noise model, the frequencies it tested, the single-map caveat and the background
    assert.equal(monores.code, 0, monores.stderr);
    const rec = (JSON.parse(monores.stdout) as { record: { commandLine: string[]; settings: Record<string, unknown> } }).record;
    assert.deepEqual(rec.commandLine.slice(0, 3), ['locres', 'map.mrc', '--method']);
    assert.match(String(rec.settings['noise-model']), /outside the mask/);
    assert.match(String(rec.settings['frequency-range']), /^\d+\.\d\d–\d+\.\d\d Å, \d+ resolutions$/);
    assert.match(String(rec.settings.caveat), /single-map estimate/);
    assert.equal(typeof rec.settings.background, 'number');
    // the map's label names the value it holds outside the mask (it had said 'coarsest tested A', no number)
    const mrLabels = (await readMrc(join(work, 'mr', 'locres_map.mrc'))).header.labels;
    assert.ok(mrLabels.includes(`outside the mask: ${Number((rec.settings.background as number).toFixed(2))} A, the coarsest tested (background)`), mrLabels.join(' | '));
    assert.match(readFileSync(join(work, 'mr', 'locres_map_log.txt'), 'utf8'), /caveat +single-map estimate/);
    assert.equal(locres.code, 0, locres.stderr);
    assert.ok(readdirSync(join(work, 'lr')).includes('locres_map.mrc'), readdirSync(join(work, 'lr')).join(', '));
    assert.equal(soldef.code, 0, soldef.stderr);
    assert.deepEqual(readdirSync(join(work, 'masks')), ['soldef_by_scale_0.20.mrc']);
    assert.equal(px.code, 0, px.stderr);
    assert.deepEqual(readdirSync(join(work, 'px')), ['map_1.5.mrc']);
    assert.equal(fsc.code, 0, fsc.stderr);
    assert.ok(readdirSync(join(work, 'fscout')).includes('fsc_map.csv'), readdirSync(join(work, 'fscout')).join(', '));
  });

  it('log, --json and MRC labels record command line, version, input SHA-256, seed and every resolved setting; the logged rerun gives byte-identical maps', async () => {
    const args = ['-i', 'map.mrc', '-o', 'out-r/', '-t', '0.9', '--attenuate', '2', '--exclude-solvent', '--lowpass-output', '9', '--hist-match', '--hedge-confidence', '2', '--json'];
    const r = await occupy(args, work);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { tau: number; record: { commandLine: string[]; rerun: string; version: string; seed: number; seedGiven: boolean; input: { path: string; sha256: string }; settings: Record<string, unknown> } };
    assert.equal(s.tau, 0.9, '-t is --tau');
    const rec = s.record;
    assert.deepEqual(rec.commandLine, args);
    assert.equal(rec.version, version);
    assert.equal(rec.input.sha256, sha256(join(work, 'map.mrc')));
    assert.equal(rec.seedGiven, false);
    // --exclude-solvent: no synthetic solvent noise, so no seed is drawn, recorded or appended
    assert.equal(rec.settings.seed, null);
    assert.doesNotMatch(rec.rerun, /--seed/);
    assert.deepEqual(rec.settings.modifications, [{ kind: 'attenuate', power: 2 }]);
    for (const [k, v] of [['exclude-solvent', true], ['lowpass-output', 9], ['hist-match', true], ['hedge-confidence', 2], ['tau', 0.9], ['mode', 'occupancy']] as const) assert.deepEqual(rec.settings[k], v, k);
    const log = readFileSync(join(work, 'out-r', 'log_map.txt'), 'utf8');
    assert.match(log, new RegExp(`Version +: occupy-ts ${version.replace(/\./g, '\\.')}`));
    assert.ok(log.includes(`SHA-256 ${rec.input.sha256}`));
    assert.match(log, /hist-match +true/);
    assert.match(log, /modifications +kind=attenuate power=2/);
    const labels = (await readMrc(join(work, 'out-r', 'attn_2.0_solExcl_map.mrc'))).header.labels.join('\n');
    assert.ok(labels.includes(`cmd: ${rec.rerun}`.slice(0, 80)), labels);
    assert.ok(labels.includes(`sha256: ${rec.input.sha256}`), labels);

    // rerun exactly what the log says, in the folder the log names: the same maps, byte for byte
    const rerunLine = /^Rerun \(same output\): (.*)$/m.exec(log)?.[1] ?? '';
    const cwd = /^Working folder +: (.*)$/m.exec(log)?.[1] ?? '';
    const words = shellWords(rerunLine);
    assert.equal(words[0], 'occupy');
    const maps = readdirSync(join(work, 'out-r')).filter((f) => f.endsWith('.mrc')).sort();
    assert.deepEqual(maps, ['attn_2.0_solExcl_map.mrc', 'conf_map.mrc', 'scale_occ_map.mrc']);
    const before = new Map(maps.map((f) => [f, readFileSync(join(work, 'out-r', f))]));
    const again = await occupy(words.slice(1), cwd);
    assert.equal(again.code, 0, again.stderr);
    for (const f of maps) assert.ok(readFileSync(join(work, 'out-r', f)).equals(before.get(f) as Buffer), `${f} differs after the rerun`);
  });

  it('the seed: drawn and recorded when solvent noise is added (--attenuate), and otherwise not, so the same command writes the same bytes', async () => {
    const noisy = await occupy(['-i', 'map.mrc', '-o', 'out-seed/', '--attenuate', '2', '--no-chimerax', '--json'], work);
    assert.equal(noisy.code, 0, noisy.stderr);
    const rec = (JSON.parse(noisy.stdout) as { record: { seed: number; rerun: string; settings: Record<string, unknown> } }).record;
    assert.ok(Number.isInteger(rec.seed) && rec.settings.seed === rec.seed);
    assert.match(rec.rerun, new RegExp(`--seed ${rec.seed}$`));
    assert.match(readFileSync(join(work, 'out-seed', 'log_map.txt'), 'utf8'), new RegExp(`^Seed +: ${rec.seed} \\(drawn at random`, 'm'));
    // the plain estimate twice: byte-identical maps (a random seed had gone into every map's labels)
    const bytes: Buffer[][] = [];
    for (let k = 0; k < 2; k++) {
      const r = await occupy(['-i', 'map.mrc', '-o', 'out-same/', '--no-chimerax'], work);
      assert.equal(r.code, 0, r.stderr);
      bytes.push(['scale_res_map.mrc', 'conf_map.mrc'].map((f) => readFileSync(join(work, 'out-same', f))));
    }
    for (let i = 0; i < 2; i++) assert.ok(bytes[0][i].equals(bytes[1][i]), `map ${i} differs between two identical runs`);
    assert.match(readFileSync(join(work, 'out-same', 'log_map.txt'), 'utf8'), /^Seed +: not used/m);
  });

  it('exit codes: 2 for usage errors (one occupy: line), 1 for a failed run; errors in the user\'s terms', async () => {
    const [unknown, range, contra, text, offline] = await Promise.all([
      occupy(['map.mrc', '--no-such-option'], work),
      occupy(['map.mrc', '--tau', '2'], work),
      occupy(['map.mrc', '--S0', '--SW'], work),
      occupy(['notes.mrc', '-o', 'out-x/'], work),
      occupy(['--emdb-id', '1832', '-o', 'out-x/'], work, { OCCUPY_EMDB_URL: 'https://emdb.invalid/structures', XDG_CACHE_HOME: join(work, 'cache') }),
    ]);
    for (const [r, re] of [[unknown, /unknown option '--no-such-option'/], [range, /--tau must be a number in \(0, 1\], got '2'/], [contra, /--S0 and --SW contradict/]] as const) {
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^occupy: error: /);
      assert.match(r.stderr, re);
    }
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stderr, /^occupy: error: .*not an MRC\/CCP4 map: the header's mode and machine stamp are invalid/m);
    assert.doesNotMatch(text.stderr, /stamp [0-9a-f]{2} [0-9a-f]{2}|mode \d{6,}/);
    assert.equal(offline.code, 1, offline.stderr);
    assert.match(offline.stderr, /^occupy: error: EMD-1832: no network: cannot reach EMDB/m);
    assert.doesNotMatch(offline.stderr, /getaddrinfo|ENOTFOUND/);
    assert.ok(!existsSync(join(work, 'out-x')) || readdirSync(join(work, 'out-x')).length === 0);
  });

  it('--help lists every short alias; --help-all prints every subcommand\'s help', async () => {
    const [help, all] = await Promise.all([occupy(['--help'], work), occupy(['--help-all'], work)]);
    assert.equal(help.code, 0);
    for (const alias of ['-lp, --lowpass', '-am, --amplify', '-at, --attenuate', '-t, --tau', '-i, --input-map', '-r, --resolution', '-o, --output-map']) assert.ok(help.stdout.includes(alias), alias);
    assert.match(help.stdout, /--chimerax-silent/);
    assert.match(help.stdout, /--SW/);
    assert.match(help.stdout, /Exit codes: 0 ok, 1 failed, 2 usage error, 3 some batch maps failed/);
    assert.equal(all.code, 0, all.stderr);
    for (const sub of ['batch', 'batch collect', 'locres', 'pixel-size set', 'star join']) assert.ok(all.stdout.includes(`=== occupy ${sub} ===`), sub);
  });

  it('ChimeraX scripts: the minimum tile next to the s_max tile, the log hidden; --chimerax-silent renders four views and exits', async () => {
    const r = await occupy(['map.mrc', '-o', 'out-cx/', '--chimerax-silent', '-q'], work);
    assert.equal(r.code, 0, r.stderr);
    const script = readFileSync(join(work, 'out-cx', 'chimX_map.cxc'), 'utf8');
    assert.match(script, /name maxTile/);
    assert.match(script, /shape sphere center [-\d.e,]+ radius [\d.]+ color #cc392054 name minTile/);
    assert.match(script, /^tool hide log$/m);
    const silent = readFileSync(join(work, 'out-cx', 'chimX_map_silent.cxc'), 'utf8');
    assert.equal((silent.match(/^save "map_silent_rot\d\.png"/gm) ?? []).length, 4);
    assert.match(silent, /\nexit\n$/);
  });

  it('stderr not a terminal: one line per phase with elapsed time, no carriage returns; --progress json; the --max-box note without -v', async () => {
    const [lines, json] = await Promise.all([
      occupy(['map.mrc', '-o', 'out-p/', '--max-box', '32'], work),
      occupy(['map.mrc', '-o', 'out-j/', '--progress', 'json'], work),
    ]);
    assert.equal(lines.code, 0, lines.stderr);
    assert.doesNotMatch(lines.stderr, /\r/);
    const phases = lines.stderr.split('\n').filter((l) => /^\[ *\d+\.\d s\] /.test(l));
    for (const p of ['read', 'low-pass', 'solvent model', 'write']) assert.ok(phases.some((l) => new RegExp(`\\] ${p} \\(\\d+\\.\\d\\d s\\)$`).test(l)), `${p}: ${lines.stderr}`);
    assert.match(lines.stderr, /box 40x40x40 was Fourier-cropped to 32x32x32 by --max-box 32/);
    assert.equal(json.code, 0, json.stderr);
    const objs = json.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { phase: string; seconds: number; elapsedS: number });
    assert.ok(objs.length >= 4, json.stderr);
    assert.ok(objs.every((o) => typeof o.phase === 'string' && o.seconds >= 0 && o.elapsedS >= 0));
    assert.deepEqual(objs.map((o) => o.phase).slice(0, 1), ['read']);
  });

  it('-q still prints a warning that invalidates the result (EMD-3197: the solvent model failed)', { skip: HAVE_SHARED ? false : '../shared not found' }, async () => {
    const r = await occupy(['-i', join(SHARED_DATA, 'emd_3197.map'), '-o', 'out-q/', '-q'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^WARNING: The solvent model failed/m);
    assert.equal(r.stdout, '');
  });

  it('-q prints a finding that makes the result unreliable ([masked]) and not the small-kernel advisory (EMD-1832)', { skip: HAVE_SHARED ? false : '../shared not found' }, async () => {
    const { invalidatesResult } = await import('../../src/cli/commands/estimate.js');
    assert.ok(invalidatesResult('[masked] masked: 68.4 % of voxels are exactly 0 …'));
    assert.ok(!invalidatesResult('Auto-calculated a very small kernel size (3 voxels): too few samples (n_v = 19) may give a bad solvent model and noisy scale.'));
    const r = await occupy(['-i', join(SHARED_DATA, 'emd_1832.map.gz'), '-o', 'out-q1832/', '-q'], work);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^WARNING: \[masked\]/m);
    assert.doesNotMatch(r.stderr, /very small kernel size/);
  });
});
