/**
 * estimateLocalScale and modifyMap run the input diagnostics the CLI's estimate runs (session 60:
 * the library had run none: EMD-1832, masked, came back with `summary.diagnostics: []`, and a binary
 * mask was estimated silently where `occupy` refuses it): the findings among `summary.diagnostics`
 * and their lines among `summary.warnings` as the CLI's --json has them (in the library's terms);
 * a `not-density` map refused (OptionError on `volume`) unless `force: true`; `diagnostics: false`
 * turns them off; the maps the same bit for bit either way.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateLocalScale, modifyMap, OptionError, readMrc, type Volume } from '../../src/index.js';
import { estimateInLibraryTerms } from '../../src/api/estimate-options.js';
import { runInProcess } from '../helpers/cli-run.js';

const EMD_1832 = '/work/shared/data/emd_1832.map.gz';
const MASK = '/work/shared/reference/synth_halves128/truth_mask.mrc.gz';

/** Whether `err` is the OptionError on `volume` that names the `not-density` finding and the way out. */
function refusedAsMask(err: unknown): boolean {
  assert.ok(err instanceof OptionError, String(err));
  assert.equal(err.option, 'volume');
  assert.match(err.message, /\[not-density\]/);
  assert.match(err.message, /looks like a mask/);
  assert.match(err.message, /force: true/);
  assert.doesNotMatch(err.message, /--force/);
  return true;
}

describe('the library\'s estimate runs the input diagnostics', () => {
  let dir: string;
  let emd: Volume;
  let mask: Volume;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-api-diag-'));
    emd = await readMrc(EMD_1832);
    mask = await readMrc(MASK);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('EMD-1832: masked among summary.diagnostics and its line among the warnings, as the CLI\'s --json has them; the same maps without the diagnostics', async () => {
    const r = await estimateLocalScale(emd, { mode: 'occ' });
    assert.ok(r.summary.diagnostics.some((f) => f.code === 'masked'), JSON.stringify(r.summary.diagnostics));
    const cli = await runInProcess([EMD_1832, '--occupancy', '--json', '-o', join(dir, 'cli') + '/', '--no-chimerax', '--quiet']);
    assert.equal(cli.code, 0, cli.stderr);
    const json = JSON.parse(cli.stdout) as { diagnostics: { code: string; message: string }[]; warnings: string[] };
    assert.deepEqual(r.summary.diagnostics.map((f) => f.code), json.diagnostics.map((f) => f.code));
    assert.deepEqual(r.summary.diagnostics.map((f) => f.message), json.diagnostics.map((f) => estimateInLibraryTerms(f.message)));
    // each finding's line first among the warnings, as the CLI's
    const n = json.diagnostics.length;
    assert.deepEqual(r.summary.warnings.slice(0, n), json.warnings.slice(0, n).map(estimateInLibraryTerms));
    assert.match(r.summary.warnings[0], /^\[masked\] .*solventDef/);
    assert.ok(r.summary.warnings.every((w) => !/--[a-z]/.test(w)), r.summary.warnings.join('\n'));
    assert.ok('diagnostics' in r.summary.timingsS);

    const off = await estimateLocalScale(emd, { mode: 'occ', diagnostics: false });
    assert.ok(!off.summary.diagnostics.some((f) => f.code === 'masked'));
    assert.ok(!off.summary.warnings.some((w) => w.startsWith('[masked]')));
    assert.ok(!('diagnostics' in off.summary.timingsS));
    // the maps do not depend on the diagnostics
    assert.deepEqual(off.scale.data, r.scale.data);
    assert.deepEqual(off.confidence.data, r.confidence.data);
  });

  it('a binary mask: refused with an OptionError on volume naming not-density; with force: true estimated, the finding among the warnings; with diagnostics: false estimated silently', async () => {
    await assert.rejects(estimateLocalScale(mask, { solventFailure: 'warn' }), refusedAsMask);
    const forced = await estimateLocalScale(mask, { force: true, solventFailure: 'warn' });
    assert.ok(forced.summary.diagnostics.some((f) => f.code === 'not-density' && f.severity === 'error'));
    assert.ok(forced.summary.warnings.some((w) => w.startsWith('[not-density]') && /looks like a mask/.test(w) && /unless force: true/.test(w)), forced.summary.warnings.join('\n'));
    const off = await estimateLocalScale(mask, { diagnostics: false, solventFailure: 'warn' });
    assert.ok(!off.summary.diagnostics.some((f) => f.code === 'not-density'));
    assert.deepEqual(off.scale.data, forced.scale.data);
  });

  it('modifyMap: the same findings, refusal and opt-outs', async () => {
    const r = await modifyMap(emd, { modification: { kind: 'amplify', gamma: 2 } });
    assert.ok(r.summary.diagnostics.some((f) => f.code === 'masked'));
    assert.match(r.summary.warnings[0], /^\[masked\] /);
    const off = await modifyMap(emd, { modification: { kind: 'amplify', gamma: 2 }, diagnostics: false });
    assert.ok(!off.summary.diagnostics.some((f) => f.code === 'masked'));
    assert.deepEqual(off.map.data, r.map.data);

    await assert.rejects(modifyMap(mask, { modification: { kind: 'amplify', gamma: 2 }, solventFailure: 'warn' }), refusedAsMask);
    const forced = await modifyMap(mask, { modification: { kind: 'amplify', gamma: 2 }, solventFailure: 'warn', force: true });
    assert.ok(forced.summary.diagnostics.some((f) => f.code === 'not-density'));
    assert.ok(forced.summary.warnings.some((w) => w.startsWith('[not-density]')));
  });

  it('diagnostics and force take true or false (OptionError naming them)', async () => {
    for (const key of ['diagnostics', 'force'] as const) {
      await assert.rejects(estimateLocalScale(mask, { [key]: 'no' } as never), (err: unknown) => err instanceof OptionError && err.option === key);
      await assert.rejects(modifyMap(mask, { excludeSolvent: true, [key]: 1 } as never), (err: unknown) => err instanceof OptionError && err.option === key);
    }
  });

  it('an abort during the diagnostics ends the call with the signal\'s reason', async () => {
    const ac = new AbortController();
    const phases: string[] = [];
    await assert.rejects(
      estimateLocalScale(emd, { signal: ac.signal, onProgress: (p) => { phases.push(p); if (p === 'diagnostics') ac.abort(); } }),
      (err: unknown) => err instanceof DOMException && err.name === 'AbortError',
    );
    assert.ok(phases.includes('diagnostics'));
    assert.ok(!phases.includes('low-pass'), phases.join(', '));
  });
});
