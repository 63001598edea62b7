/**
 * `occupy check` and the diagnostics in the commands that read maps (one child process, the rest
 * in-process): --json shapes, identical halves, the estimate's `diagnostics` and its single
 * stderr line per finding, the refusal of non-density maps unless --force, locres, fsc,
 * pixel-size set/resample, soldef and subtraction-mask (their --like map) and decompose.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc, readMrcBuffer } from '../../src/io/mrc/index.js';
import { runCli } from '../helpers/cli.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { applyMask, molecularMask, RAW_SPECS, rawSynthetic, sharpen, sphereMask, syntheticHalves } from './variants.js';
import { runInProcess } from '../helpers/cli-run.js';
import { FINDING_CODES } from '../../src/diagnostics/findings.js';
import { linesBesidesProgress } from '../helpers/stderr-lines.js';

interface Run { code: number; stdout: string; stderr: string }
/** `occupy <args>` as a child process (the file's one smoke run of `occupy check`). */
async function occupyChild(args: string[]): Promise<Run> {
  try {
    const r = await runCli(args);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : 1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}
/** `occupy <args>` in this process (`main(argv)`, output captured): no process per run. */
const occupy = (args: string[]): Promise<Run> => runInProcess(args);
const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('occupy check and diagnostics in commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-diag-'));
  const p = (name: string) => join(dir, name);
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(async () => {
    await loadFft();
    const raw = rawSynthetic(RAW_SPECS[3]);
    writeFileSync(p('raw.mrc'), encodeMrc(raw));
    writeFileSync(p('inv.mrc'), encodeMrc({ ...raw, data: raw.data.map((v) => -v) }));
    writeFileSync(p('masked.mrc'), encodeMrc(applyMask(raw, sphereMask(raw, 0.8, 5))));
    writeFileSync(p('binary.mrc'), encodeMrc({ ...raw, data: molecularMask(raw, 0) }));
    writeFileSync(p('sharp.mrc'), encodeMrc(sharpen(raw, -150, 4)));
    const h = syntheticHalves(RAW_SPECS[0]);
    writeFileSync(p('h1.mrc'), encodeMrc(h.half1));
    writeFileSync(p('h2.mrc'), encodeMrc(h.half2));
    writeFileSync(p('h2inv.mrc'), encodeMrc({ ...h.half2, data: h.half2.data.map((v) => -v) }));
    // hard low-pass at 6 Å (1 Å voxels: Nyquist 2 Å), as post-processed or filtered halves are
    writeFileSync(p('h1lp.mrc'), encodeMrc(sharpen(h.half1, 0, 6)));
    writeFileSync(p('h2lp.mrc'), encodeMrc(sharpen(h.half2, 0, 6)));
    const m = sphereMask(h.half1, 0.8, 4);
    writeFileSync(p('h1m.mrc'), encodeMrc(applyMask(h.half1, m)));
    writeFileSync(p('h2m.mrc'), encodeMrc(applyMask(h.half2, m)));
    const template = readMrcBuffer(encodeMrc(h.half2)).header;
    // half 2 placed elsewhere by its header's origin; and in another axis order, starts
    // (file order) 0, 0, 0 at the same place: the same grid
    writeFileSync(p('h2origin.mrc'), encodeMrc(h.half2, { template: { ...template, origin: [12, -3, 0] } }));
    writeFileSync(p('h2ord312.mrc'), encodeMrc(h.half2, { template: { ...template, mapc: 3, mapr: 1, maps: 2 } }));
  });

  it('check --help names every finding code a check can report', async () => {
    const r = await occupy(['check', '--help']);
    assert.equal(r.code, 0, r.stderr);
    const listed = r.stdout.slice(r.stdout.indexOf('Finding codes:')).replace(/\s+/g, ' ');
    // solvent-model is the estimate's self-check, not a check of the map
    for (const code of FINDING_CODES.filter((c) => c !== 'solvent-model')) assert.match(listed, new RegExp(`[:, ]${code}[,;.]`), `'${code}' is not in check --help`);
  });

  it('check --json: {map, findings[{code, severity, message, evidence}]}; a raw map has no finding', async () => {
    const r = await occupyChild(['check', p('masked.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.map.box, [72, 72, 72]);
    assert.ok(Math.abs(j.map.voxelSizeA[0] - 1.2) < 1e-6);
    assert.equal(j.findings[0].code, 'masked');
    assert.deepEqual(Object.keys(j.findings[0]).sort(), ['code', 'evidence', 'message', 'severity']);
    assert.equal(typeof j.findings[0].evidence.voxelFraction, 'number');
    const raw = JSON.parse((await occupy(['check', p('raw.mrc'), '--json'])).stdout);
    assert.deepEqual(raw.findings, []);
  });

  it('check h1 h1 → identical-halves; independent halves → none of the pair codes', async () => {
    const same = JSON.parse((await occupy(['check', p('h1.mrc'), p('h1.mrc'), '--json'])).stdout);
    assert.ok(same.findings.some((f: { code: string }) => f.code === 'identical-halves'));
    assert.equal(same.map.length, 2);
    const pair = JSON.parse((await occupy(['check', p('h1.mrc'), p('h2.mrc'), '--json'])).stdout);
    assert.deepEqual(pair.findings.map((f: { code: string }) => f.code).filter((c: string) => /halves|independent|mismatch/.test(c)), []);
    const text = await occupy(['check', p('h1.mrc'), p('h1.mrc')]);
    assert.match(text.stdout, /error \[identical-halves\]/);
  });

  // session 56: `check` said nothing of halves that hold nothing beyond a low-pass (fsc and locres did)
  it('check names low-passed half maps (low-passed-halves, the limit in Å), and only those; checkMap too', async () => {
    const lp = JSON.parse((await occupy(['check', p('h1lp.mrc'), p('h2lp.mrc'), '--json'])).stdout);
    const f = lp.findings.find((x: { code: string }) => x.code === 'low-passed-halves');
    assert.ok(f, JSON.stringify(lp.findings.map((x: { code: string }) => x.code)));
    assert.equal(f.severity, 'warning');
    assert.ok(f.evidence.contentLimitA > 5.5 && f.evidence.contentLimitA <= 6.1, String(f.evidence.contentLimitA));
    assert.equal(f.evidence.nyquistA, 2);
    assert.match(f.message, /hold nothing beyond \d\.\d\d Å .*no FSC or local resolution finer than \d\.\d\d Å is a measurement/);
    const text = await occupy(['check', p('h1lp.mrc'), p('h2lp.mrc')]);
    assert.equal(count(text.stdout, '[low-passed-halves]'), 1, text.stdout);
    const raw = JSON.parse((await occupy(['check', p('h1.mrc'), p('h2.mrc'), '--json'])).stdout);
    assert.ok(!raw.findings.some((x: { code: string }) => x.code === 'low-passed-halves'));
    const { readMrc } = await import('../../src/io/mrc/index.js');
    const { checkMap } = await import('../../src/api/check-map.js');
    const api = await checkMap((await readMrc(p('h1lp.mrc'))).volume, (await readMrc(p('h2lp.mrc'))).volume);
    assert.ok(api.findings.some((x) => x.code === 'low-passed-halves'));
  });

  // session 60: fsc, locres and decompose warned of half maps at different origins, check said nothing
  it('check names half maps whose headers differ in origin (origin-mismatch), not halves in another axis order', async () => {
    const moved = JSON.parse((await occupy(['check', p('h1.mrc'), p('h2origin.mrc'), '--json'])).stdout);
    const f = moved.findings.find((x: { code: string }) => x.code === 'origin-mismatch');
    assert.ok(f, JSON.stringify(moved.findings.map((x: { code: string }) => x.code)));
    assert.equal(f.severity, 'warning');
    assert.deepEqual([f.evidence.origin1A, f.evidence.origin2A], ['0, 0, 0', '12, -3, 0']);
    assert.match(f.message, /different origins: \(0, 0, 0\) vs \(12, -3, 0\) Å/);
    for (const other of ['h2.mrc', 'h2ord312.mrc']) {
      const same = JSON.parse((await occupy(['check', p('h1.mrc'), p(other), '--json'])).stdout);
      const codes = same.findings.map((x: { code: string }) => x.code);
      assert.ok(!codes.some((c: string) => /mismatch/.test(c)), `${other}: ${codes}`);
    }
  });

  it('locres, fsc and decompose refuse one map given as both half maps: one line naming both, exit 1, nothing written', async () => {
    // before session 50 they warned and went on (locres: one value over the whole box, exit 0)
    for (const [name, args] of [
      ['locres', ['locres', p('h1.mrc'), p('h1.mrc'), '-o', p('same-locres/')]],
      ['fsc', ['fsc', p('h1.mrc'), p('h1.mrc'), '-o', p('same-fsc/')]],
      ['decompose', ['decompose', p('h1.mrc'), '--half-maps', p('h1.mrc'), p('h1.mrc'), '-o', p('same-dec/')]],
    ] as const) {
      const r = await occupy([...args]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      // the refusal comes from the diagnostics: on a loaded machine a percentage line may come first
      assert.equal(linesBesidesProgress(r.stderr).length, 1, `${name}: ${r.stderr}`);
      assert.match(linesBesidesProgress(r.stderr)[0], /^occupy: error: half maps '.*h1\.mrc' and '.*h1\.mrc': the two maps are identical .*give two independent half maps/, name);
      assert.equal(existsSync(p(`same-${name === 'decompose' ? 'dec' : name}`)), false, name);
    }
  });

  // session 51: before, `fsc` read 96 Å (the box) and `locres` 49.5 Å everywhere, exit 0, and `check` said "none"
  it('locres, fsc and decompose refuse half maps of which one is × −1 (anti-correlated): one line naming both, exit 1, nothing written; check says it', async () => {
    for (const [name, args] of [
      ['locres', ['locres', p('h1.mrc'), p('h2inv.mrc'), '-o', p('inv-locres/')]],
      ['fsc', ['fsc', p('h1.mrc'), p('h2inv.mrc'), '-o', p('inv-fsc/')]],
      ['decompose', ['decompose', p('h1.mrc'), '--half-maps', p('h1.mrc'), p('h2inv.mrc'), '-o', p('inv-dec/')]],
    ] as const) {
      const r = await occupy([...args]);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      // the refusal comes from the diagnostics: on a loaded machine a percentage line may come first
      assert.equal(linesBesidesProgress(r.stderr).length, 1, `${name}: ${r.stderr}`);
      assert.match(linesBesidesProgress(r.stderr)[0], /^occupy: error: half maps '.*h1\.mrc' and '.*h2inv\.mrc': the half maps are anti-correlated \(FSC -[01]\.\d\d .*multiply that half map by −1/, name);
      assert.equal(existsSync(p(`inv-${name === 'decompose' ? 'dec' : name}`)), false, name);
    }
    const chk = JSON.parse((await occupy(['check', p('h1.mrc'), p('h2inv.mrc'), '--json'])).stdout);
    assert.ok(chk.findings.some((f: { code: string; severity: string }) => f.code === 'anti-correlated-halves' && f.severity === 'error'), JSON.stringify(chk.findings));
  });

  // session 51: a map × −1 had been called a raw reconstruction by check and the estimate
  it('a map × −1: check says inverted (warning); the estimate runs, lists it in diagnostics and prints it once on stderr even with -q', async () => {
    const chk = JSON.parse((await occupy(['check', p('inv.mrc'), '--json'])).stdout);
    assert.deepEqual(chk.findings.map((f: { code: string; severity: string }) => `${f.code}:${f.severity}`), ['inverted:warning']);
    const r = await occupy(['-i', p('inv.mrc'), '-o', p('out-inv/inv.mrc'), '--json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).diagnostics.some((f: { code: string }) => f.code === 'inverted'), r.stdout);
    assert.equal(count(r.stderr, 'WARNING: [inverted] looks inverted:'), 1, r.stderr);
    assert.match(r.stderr, /multiply the map by −1/);
  });

  it('occupy -i masked.mrc --json: diagnostics has masked; stderr shows it once; the log lists it', async () => {
    const r = await occupy(['-i', p('masked.mrc'), '-o', p('out/masked.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.ok(s.diagnostics.some((f: { code: string }) => f.code === 'masked'), JSON.stringify(s.diagnostics));
    assert.equal(count(r.stderr, '[masked]'), 1, r.stderr);
    assert.equal(typeof s.timingsS.diagnostics, 'number');
    const log = readFileSync(p('out/log_masked.txt'), 'utf8');
    assert.equal(count(log, 'WARNING: [masked]'), 1);
    assert.match(log, /--- Input diagnostics ---\nmasked \(warning\)/);
  });

  it('occupy -i sharpened.mrc --json (noise spectrum run while the worker thread finishes): sharpened once on stderr and in diagnostics, as occupy check says', async () => {
    const r = await occupy(['-i', p('sharp.mrc'), '-o', p('out3/sharp.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const chk = JSON.parse((await occupy(['check', p('sharp.mrc'), '--json'])).stdout);
    assert.ok(chk.findings.some((f: { code: string }) => f.code === 'sharpened'), JSON.stringify(chk.findings));
    assert.deepEqual(s.diagnostics.map((f: { code: string }) => f.code), chk.findings.map((f: { code: string }) => f.code));
    assert.equal(count(r.stderr, '[sharpened]'), 1, r.stderr);
    assert.equal(typeof s.timingsS['diagnostics (overlapped)'], 'number');
    const raw = JSON.parse((await occupy(['-i', p('raw.mrc'), '-o', p('out3/raw.mrc'), '--json'])).stdout);
    assert.deepEqual(raw.diagnostics, []);
  });

  it('a binary mask as input: one error line naming it and --force; with --force it runs and reports not-density', async () => {
    const r = await occupy(['-i', p('binary.mrc'), '-o', p('out2/binary.mrc')]);
    assert.notEqual(r.code, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^occupy: error: .*binary.*not a density map.*--force/);
    const f = await occupy(['-i', p('binary.mrc'), '-o', p('out2/binary.mrc'), '--force', '--json']);
    assert.equal(f.code, 0, f.stderr);
    assert.equal(JSON.parse(f.stdout).diagnostics[0].code, 'not-density');
  });

  it('locres with masked halves: halves-look-masked once per half on stderr, not repeated on stdout, in --json diagnostics', async () => {
    const r = await occupy(['locres', p('h1m.mrc'), p('h2m.mrc'), '-o', p('lr/locres.mrc')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count(r.stderr, '[halves-look-masked]'), 2, r.stderr);
    assert.equal(count(r.stdout, 'halves-look-masked'), 0, r.stdout);
    const j = await occupy(['locres', p('h1m.mrc'), p('h2m.mrc'), '-o', p('lr2/locres.mrc'), '--json']);
    const s = JSON.parse(j.stdout);
    assert.deepEqual(s.diagnostics.filter((f: { code: string }) => f.code === 'halves-look-masked').map((f: { evidence: { map: number } }) => f.evidence.map), [1, 2]);
  });

  it('fsc h1m h2m --json: halves-look-masked under diagnostics, once per half on stderr', async () => {
    const r = await occupy(['fsc', p('h1m.mrc'), p('h2m.mrc'), '-o', p('fsc/f'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).diagnostics.map((f: { code: string }) => f.code), ['halves-look-masked', 'halves-look-masked']);
    assert.equal(count(r.stderr, '[halves-look-masked]'), 2);
  });

  it('check on a real map: EMD-1997 text output names box, voxel size and the masked finding', { skip: skipWithoutShared() }, async () => {
    const r = await occupy(['check', join(SHARED_DATA, 'emd_1997.map.gz')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Box {10}\[vox\] : 100 x 100 x 100/);
    assert.match(r.stdout, /Voxel size {3}\[Å\] {3}: 2\.020, 2\.020, 2\.020/);
    assert.match(r.stdout, /warning \[masked\] masked: 68\.4 % of voxels are exactly 0/);
  });

  it('pixel-size set/resample on a masked map: [masked] once on stderr, in --json diagnostics; a raw map adds none', async () => {
    const r = await occupy(['pixel-size', 'set', p('masked.mrc'), '--angpix', '1.3', '-o', p('px/set.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(count(r.stderr, '[masked]'), 1, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).diagnostics.map((f: { code: string }) => f.code), ['masked']);
    const t = await occupy(['pixel-size', 'resample', p('masked.mrc'), '--angpix', '1.5', '-o', p('px/res.mrc')]);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(count(t.stderr, '[masked]'), 1, t.stderr);
    const raw = await occupy(['pixel-size', 'set', p('raw.mrc'), '--angpix', '1.3', '-o', p('px/raw.mrc'), '--json']);
    assert.deepEqual(JSON.parse(raw.stdout).diagnostics, []);
    assert.equal(count(raw.stderr, 'WARNING: ['), 0, raw.stderr);
  });

  it('soldef and subtraction-mask: the --like density map is diagnosed ([masked] once, --json diagnostics); without --like no density is read', async () => {
    const est = await occupy(['-i', p('raw.mrc'), '-o', p('sm/raw.mrc'), '--occupancy', '--json']);
    assert.equal(est.code, 0, est.stderr);
    const scale = (JSON.parse(est.stdout).files as string[]).find((f) => /scale_occ_/.test(f)) as string;
    const s = await occupy(['soldef', scale, '--threshold', '0.5', '--like', p('masked.mrc'), '-o', p('sm/soldef.mrc'), '--json']);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(count(s.stderr, '[masked]'), 1, s.stderr);
    assert.match(s.stderr, /\[masked\] --like map .*masked\.mrc: masked/);
    assert.deepEqual(JSON.parse(s.stdout).diagnostics.map((f: { code: string }) => f.code), ['masked']);
    const m = await occupy(['subtraction-mask', scale, '--attenuate', '2', '--like', p('masked.mrc'), '-o', p('sm/sub.mrc'), '--json']);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(count(m.stderr, '[masked]'), 1, m.stderr);
    assert.equal(JSON.parse(m.stdout).diagnostics[0].code, 'masked');
    const plain = await occupy(['subtraction-mask', scale, '--attenuate', '2', '-o', p('sm/sub2.mrc'), '--json']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(JSON.parse(plain.stdout).diagnostics, undefined);
  });

  it('decompose with masked half maps: map and half-map findings once each on stderr, under diagnostics in --json and in the log', async () => {
    const r = await occupy(['decompose', p('h1m.mrc'), '--half-maps', p('h1m.mrc'), p('h2m.mrc'), '-o', p('dc/h.mrc'), '--bands', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    const codes = s.diagnostics.map((f: { code: string }) => f.code);
    assert.ok(codes.includes('masked') && codes.includes('halves-look-masked'), codes.join(', '));
    assert.equal(count(r.stderr, '[masked]'), 1, r.stderr);
    assert.equal(count(r.stderr, '[halves-look-masked]'), 2, r.stderr);
    assert.equal(count(readFileSync(p('dc/log_decompose_h.txt'), 'utf8'), 'WARNING: [halves-look-masked]'), 2);
  });

  it('check prints a line per phase (read, diagnostics) when stderr is not a terminal (session 50: none)', async () => {
    const r = await occupy(['check', p('raw.mrc')]);
    assert.equal(r.code, 0, r.stderr);
    const phases = r.stderr.split('\n').map((l) => /^\[\s*[\d.]+ s\] (.+?) \([\d.]+ s\)$/.exec(l)?.[1]).filter((x) => x !== undefined);
    assert.deepEqual(phases, ['read', 'diagnostics'], r.stderr);
  });

  it('check of a missing file: one error line, exit ≠ 0', async () => {
    const r = await occupy(['check', p('nope.mrc')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), /^occupy: error: cannot read map '.*nope\.mrc': no such file$/);
  });
});
