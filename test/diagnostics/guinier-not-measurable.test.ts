/**
 * The Guinier B `occupy check` shows is the map's, or "not measurable" with the reason (session 60).
 * On a map with nothing beyond ~20 Å the fit window (~15–10 Å) holds only the analysis window's
 * leak of coarser content: EMD-1883 read 1721 Å² raw, 1740 sharpened by −150 Å² and 1680
 * low-passed at 20 Å, a number in Å² that a sharpening does not move. The check sharpens the map
 * in silico by 50 Å² and refits: the map's content moves B by −50 (sensitivity ≈ 1), leak does not.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc, readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap, mapSummaryJson } from '../../src/diagnostics/index.js';
import { rawSynthetic, sharpen } from './variants.js';
import { runInProcess } from '../helpers/cli-run.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';

// a raw synthetic map whose fit window (9.6–4.5 Å) holds its content, and the same map hard
// low-passed at 25 Å: the window then holds none (its B read 210 Å², as if measured)
const SPEC = { n: 72, voxelSizeA: 1.2, resolutionA: 4, snr: 10, seed: 4 };

describe('Guinier B: measured, or not measurable with the reason', () => {
  let dir = '';
  before(async () => {
    await loadFft();
    dir = mkdtempSync(join(tmpdir(), 'guinier-nm-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a raw map: B given, its sensitivity to a sharpening ≈ 1, no reason', () => {
    const d = diagnoseMap(rawSynthetic(SPEC));
    assert.ok(Number.isFinite(d.map.guinierBA2) && d.map.guinierBA2 > 100, `B ${d.map.guinierBA2}`);
    assert.equal(d.map.guinierBNotMeasurable, null);
    assert.ok(Math.abs(d.guinier.sensitivity - 1) < 0.1, `sensitivity ${d.guinier.sensitivity}`);
  });

  it('a map low-passed at 25 Å: B not measurable (NaN, null in JSON) with a reason naming the fit window', () => {
    const d = diagnoseMap(sharpen(rawSynthetic(SPEC), 0, 25));
    assert.ok(Number.isFinite(d.guinier.bFactorA2), 'the fit itself still runs (the sharpened rule reads it)');
    assert.ok(Math.abs(d.guinier.sensitivity) < 0.2, `sensitivity ${d.guinier.sensitivity}`);
    assert.ok(Number.isNaN(d.map.guinierBA2), `B ${d.map.guinierBA2}`);
    assert.match(d.map.guinierBNotMeasurable ?? '', /fit window .* Å holds no measurable content/);
    const json = JSON.parse(JSON.stringify(mapSummaryJson('m.mrc', d.map))) as Record<string, unknown>;
    assert.equal(json.guinierBA2, null);
    assert.equal(typeof json.guinierBNotMeasurable, 'string');
  });

  it('occupy check prints "not measurable (…)" in the Guinier B line and JSON null + reason', async () => {
    const v = sharpen(rawSynthetic(SPEC), 0, 25);
    const path = join(dir, 'lp25.mrc');
    writeFileSync(path, encodeMrc(v));
    const text = await runInProcess(['check', path]);
    assert.equal(text.code, 0, text.stderr);
    const line = text.stdout.split('\n').find((l) => l.startsWith('Guinier B'));
    assert.match(line ?? '', /^Guinier B +\[Å²\] +: not measurable \(the fit window/, text.stdout);
    const json = await runInProcess(['check', path, '--json', '-q']);
    const m = (JSON.parse(json.stdout) as { map: Record<string, unknown> }).map;
    assert.equal(m.guinierBA2, null);
    assert.match(String(m.guinierBNotMeasurable), /sharpening applied in silico/);
  });

  it('EMD-1883 raw, sharpened by −150 Å², low-passed at 20 Å or 10 Å: B not measurable; β-gal, EMD-1997 measured', { skip: skipWithoutShared() }, async () => {
    const v = (await readMrc(join(SHARED_DATA, 'emd_1883.map'))).volume;
    for (const [name, m] of [['raw', v], ['−150 Å²', sharpen(v, -150, 0.001)], ['low-passed 20 Å', sharpen(v, 0, 20)]] as const) {
      const d = diagnoseMap(m);
      assert.ok(Number.isNaN(d.map.guinierBA2), `EMD-1883 ${name}: B ${d.map.guinierBA2} (sensitivity ${d.guinier.sensitivity})`);
      assert.ok(d.map.guinierBNotMeasurable !== null, name);
    }
    // low-passed at 10 Å: the window (14.8–11 Å) still lies beyond the map's content, and the hard
    // cut three shells past its end leaks into it (sensitivity 1.31–1.76: B moves by more than the sharpening)
    for (const b of [0, -150]) {
      const d = diagnoseMap(sharpen(v, b, 10));
      assert.ok(d.guinier.sensitivity > 1.25 && Number.isNaN(d.map.guinierBA2), `EMD-1883 ${b} Å² low-passed at 10 Å: B ${d.map.guinierBA2}, sensitivity ${d.guinier.sensitivity}`);
      const sh = d.findings.find((f) => f.code === 'sharpened');
      if (sh) assert.doesNotMatch(sh.message, /Guinier B ≈/, 'the finding does not quote a B the summary calls not measurable');
      if (b === -150) assert.ok(sh, 'still flagged sharpened (rule 2 reads the fit)');
    }
    for (const [file, lo, hi] of [['nonemdb_betagal_ngl.mrc.gz', 900, 1050], ['emd_1997.map.gz', 550, 670]] as const) {
      const d = diagnoseMap((await readMrc(join(SHARED_DATA, file))).volume);
      assert.ok(d.map.guinierBA2 > lo && d.map.guinierBA2 < hi, `${file}: B ${d.map.guinierBA2}`);
      assert.equal(d.map.guinierBNotMeasurable, null, file);
    }
  });
});
