/**
 * `sharpened` on crops that hold no solvent (session 53): a raw map of sharp atoms cropped to
 * 12–40³ inside its molecule leaves no solvent in the centre cube, so the solvent noise is not
 * measured (rise NaN) and the white-noise guard of rule 2 could not clear it; its signal alone
 * falls as slowly as a sharpened map's (B ratio 0.36–0.59 against 0.75 with a cut-off), and 21 of
 * 26 such crops of the synth_* references and a raw synthetic map were called `sharpened` (synth_halves128
 * half 1 at 16³: ratio 0.44; synth_occres128 at 20³: 0.46). Without a noise measurement rule 2 now
 * judges only a spectrum that rises (ratio < 0): a sharpened crop whose spectrum rises is still
 * flagged.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { cropOrPad } from '../../src/filters/resample-voxel-size.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { RAW_SPECS, rawSynthetic, sharpen } from './variants.js';

const crop = (v: Volume, n: number): Volume => cropOrPad(v, [n, n, n]);
const sharpenedOf = (v: Volume) => diagnoseMap(v).findings.find((f) => f.code === 'sharpened');

describe('sharpened: crops without solvent', () => {
  before(loadFft);

  it('a raw synthetic map (1 Å, 3 Å) cropped to 16³: no solvent measured, not sharpened; the full map clean too', () => {
    const raw = rawSynthetic(RAW_SPECS[0]);
    const d = diagnoseMap(crop(raw, 16));
    assert.ok(!Number.isFinite(d.noise?.noiseRiseLn ?? Number.NaN), `rise ${d.noise?.noiseRiseLn}`);
    assert.equal(sharpenedOf(crop(raw, 16)), undefined, JSON.stringify(d.findings));
    assert.equal(sharpenedOf(raw), undefined);
  });

  it('synth_halves128 half 1 at 16³ and 24³, synth_occres128 at 20³ and 32³: not sharpened; synth_occres128 sharpened by −100 Å² and cropped to 32³ (rising spectrum): still sharpened', { skip: skipWithoutShared() }, async () => {
    const h1 = (await readMrc(join(SHARED_REFERENCE, 'synth_halves128/half1.mrc.gz'))).volume;
    const occres = (await readMrc(join(SHARED_REFERENCE, 'synth_occres128/map.mrc.gz'))).volume;
    for (const [name, v] of [['half1 16³', crop(h1, 16)], ['half1 24³', crop(h1, 24)], ['occres 20³', crop(occres, 20)], ['occres 32³', crop(occres, 32)]] as const) {
      const f = sharpenedOf(v);
      assert.equal(f, undefined, `${name}: ${JSON.stringify(f?.evidence)}`);
    }
    const sharp = sharpenedOf(crop(sharpen(occres, -100, 0.001), 32));
    assert.ok(sharp, 'occres −100 Å² 32³ not flagged');
    assert.equal(sharp.evidence.rule, 'flat-signal');
    assert.ok(Number(sharp.evidence.bRatio) < 0, `ratio ${sharp.evidence.bRatio}`);
  });
});
