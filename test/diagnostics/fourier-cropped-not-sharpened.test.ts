/**
 * Session 58: maps binned by cropping their spectrum (Fourier cropping, as RELION and cryoSPARC
 * downsample) to a Nyquist coarser than their resolution were called `sharpened`. Rule 2 took the
 * fit's end (Nyquist's) for the resolution: fitted from Nyquist/2 at 15–33 Å, the molecule's shape
 * transform read as a flat signal. Rule 1's band, at 0.9 × Nyquist, lay where the molecule's signal
 * still dominates, and read a mask edge's ringing (masked maps) or the map's own mid-resolution noise
 * as a rise. Rule 2 now judges only fits ending at 12 Å or finer; rule 1 is not judged (the rise
 * counts as not measured) without a hard cut-off when the solvent's share at the band's end is
 * below e^−1.3 (docs/diagnostics.md, *Fourier-cropped maps*). Maps really sharpened are still found.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { resampleToVoxelSize } from '../../src/filters/resample-voxel-size.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { RAW_SPECS, applyMask, molecularMask, rawSynthetic, sharpen } from './variants.js';

/** Fourier-crop `v` to a voxel `factor` × coarser. */
const crop = (v: Volume, factor: number): Volume => resampleToVoxelSize(v, v.voxelSizeA[0] * factor);
const codes = (v: Volume): string[] => diagnoseMap(v).findings.map((f) => f.code);
const sharpenedRule = (v: Volume): unknown => diagnoseMap(v).findings.find((f) => f.code === 'sharpened')?.evidence.rule;

describe('sharpened: not said of Fourier-cropped maps', () => {
  before(async () => loadFft());

  it('a raw 8 Å synthetic map at 2.5 Å voxels cropped 2 × (was: flat signal, ratio 0.11, fit to 16 Å)', () => {
    const c = crop(rawSynthetic(RAW_SPECS[2]), 2);
    assert.ok(!codes(c).includes('sharpened'), JSON.stringify(diagnoseMap(c).findings));
  });

  it('a raw 3 Å synthetic map under a soft molecular mask cropped 2 × is masked, not sharpened (was: noise rise from the mask edge\'s ringing)', () => {
    const raw = rawSynthetic(RAW_SPECS[0]);
    const c = crop(applyMask(raw, molecularMask(raw, 2)), 2);
    const d = diagnoseMap(c);
    assert.deepEqual(d.findings.map((f) => f.code), ['masked'], JSON.stringify(d.findings));
    assert.ok(d.noise && d.noise.bandEndShareLn < -1.3, `share at the band's end ${d.noise?.bandEndShareLn}`);
  });

  it('sharpened maps cropped 1.25–2 × are still found (rule 1)', () => {
    for (const i of [0, 1, 3]) {
      const s = sharpen(rawSynthetic(RAW_SPECS[i]), -100, RAW_SPECS[i].resolutionA);
      for (const f of [1.25, 2]) assert.equal(sharpenedRule(crop(s, f)), 'noise-rise', `spec ${i} × ${f}`);
    }
  });

  describe('shared maps', { skip: skipWithoutShared() }, () => {
    const maps: Record<string, Volume> = {};
    before(async () => {
      for (const f of ['emd_1997.map.gz', 'emd_5168.map', 'emd_1883.map', 'nonemdb_betagal_ngl.mrc.gz']) maps[f] = (await readMrc(join(SHARED_DATA, f))).volume;
    });
    it('EMD-1997 2 × (was: rule 1, +0.73), EMD-5168 3 × (rule 1, +0.65), EMD-1883 3 × (rule 2, 0.22), β-gal 1.5 × (rule 2, 0.17)', () => {
      for (const [f, factor] of [['emd_1997.map.gz', 2], ['emd_5168.map', 3], ['emd_1883.map', 3], ['nonemdb_betagal_ngl.mrc.gz', 1.5]] as const) {
        assert.ok(!codes(crop(maps[f], factor)).includes('sharpened'), `${f} × ${factor}`);
      }
    });
    it('EMD-5168 sharpened by −100 Å² and cropped 1.25 × is found (rule 1)', () => {
      assert.equal(sharpenedRule(crop(sharpen(maps['emd_5168.map'], -100, 1e-6), 1.25)), 'noise-rise');
    });
  });
});
