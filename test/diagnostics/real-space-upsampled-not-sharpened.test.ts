/**
 * Session 57: maps upsampled in real space (trilinear as ChimeraX's `volume resample`, cubic
 * spline as scipy's `zoom`) were called `sharpened`: the interpolation leaves the images of the old
 * spectrum beyond the old Nyquist (mirrored, attenuated), which read as noise rising towards
 * Nyquist or a flat signal. `realSpaceUpsampledBox` finds the old box from the images' coherence and
 * the spectra are measured on the map cropped back to it (docs/diagnostics.md, *Maps upsampled in
 * real space*).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { realSpaceUpsampledBox } from '../../src/diagnostics/upsampled.js';
import { resampleToVoxelSize } from '../../src/filters/resample-voxel-size.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { RAW_SPECS, rawSynthetic, sharpen } from './variants.js';
import { upsampleRealSpace } from './real-space-upsample.js';

const sharpenedEvidence = (v: Volume): string | undefined => {
  const f = diagnoseMap(v).findings.find((x) => x.code === 'sharpened');
  return f ? JSON.stringify(f.evidence) : undefined;
};

describe('realSpaceUpsampledBox: the box a real-space upsampled map came from', () => {
  before(async () => loadFft());
  it('finds trilinear and cubic-spline upsampling by 1.25, 1.5 and 2 ×, not raw, low-passed, sharpened or Fourier-upsampled maps', () => {
    const raw = rawSynthetic(RAW_SPECS[1]); // 64³
    for (const s of [1.25, 1.5, 2]) {
      for (const how of ['trilinear', 'cubic-spline'] as const) {
        const box = realSpaceUpsampledBox(upsampleRealSpace(raw, s, how));
        // the aligned trilinear grid's period is (n − 1)·s/s … 63.2–63.5 old voxels: 63 or 64
        assert.ok(box && box.every((k) => k === 63 || k === 64), `${how} ${s} ×: ${box?.join('x')}`);
      }
    }
    assert.equal(realSpaceUpsampledBox(raw), undefined);
    assert.equal(realSpaceUpsampledBox(lowpassHard(raw, 5)), undefined);
    assert.equal(realSpaceUpsampledBox(sharpen(raw, -100, 1e-6)), undefined);
    assert.equal(realSpaceUpsampledBox(resampleToVoxelSize(raw, raw.voxelSizeA[0] / 1.5)), undefined);
  });
});

describe('sharpened: not said of maps upsampled in real space', () => {
  before(async () => loadFft());

  it('a raw 5 Å synthetic map upsampled 1.5 × by cubic spline (was: flat signal, ratio 0.37)', () => {
    const u = upsampleRealSpace(rawSynthetic(RAW_SPECS[1]), 1.5, 'cubic-spline');
    assert.equal(sharpenedEvidence(u), undefined);
    assert.deepEqual(diagnoseMap(u).spectrumGrid?.box, [64, 64, 64]);
  });

  describe('shared maps', { skip: skipWithoutShared() }, () => {
    const maps: Record<string, Volume> = {};
    before(async () => {
      for (const f of ['nonemdb_betagal_ngl.mrc.gz', 'emd_1883.map']) maps[f] = (await readMrc(join(SHARED_DATA, f))).volume;
    });
    it('β-gal upsampled 1.5 × trilinear (was: noise rise +0.18) and EMD-1883 1.5 × trilinear (was: flat signal, ratio 0.54)', () => {
      for (const f of ['nonemdb_betagal_ngl.mrc.gz', 'emd_1883.map']) assert.equal(sharpenedEvidence(upsampleRealSpace(maps[f], 1.5, 'trilinear')), undefined, f);
    });
    it('session 59: EMD-1883 low-passed as deposited (nothing beyond 15.7 Å), upsampled 1.5 ×, is still read on its old box: its images lie beyond the old Nyquist (content to 5.3 Å); EMD-5168 as deposited (content to 5.5 Å) no longer is', async () => {
      assert.deepEqual(diagnoseMap(upsampleRealSpace(maps['emd_1883.map'], 1.5, 'trilinear')).spectrumGrid?.box, [69, 69, 69]);
      // the coherence of the taper's leakage beyond its content (band 4.1–3.5 Å) had read an old box of 84 of 100
      const d = diagnoseMap((await readMrc(join(SHARED_DATA, 'emd_5168.map'))).volume);
      assert.equal(d.spectrumGrid, undefined);
      assert.deepEqual(d.findings.map((f) => f.code), []);
    });
    it('session 58: EMD-1883 and EMD-1439 upsampled 1.25 × trilinear, old periods of 68.8 and 70.4 voxels (was: flat signal, ratio −0.17 / −0.26: the crop to 70 / 72 kept images in its last shells)', async () => {
      maps['emd_1439.map'] ??= (await readMrc(join(SHARED_DATA, 'emd_1439.map'))).volume;
      for (const f of ['emd_1883.map', 'emd_1439.map']) {
        const u = upsampleRealSpace(maps[f], 1.25, 'trilinear');
        assert.equal(sharpenedEvidence(u), undefined, f);
        // the box reported is the old box found; the spectra are read two voxels short of it
        assert.equal(diagnoseMap(u).spectrumGrid?.how, 'interpolated', f);
      }
      assert.deepEqual(diagnoseMap(upsampleRealSpace(maps['emd_1883.map'], 1.25, 'trilinear')).spectrumGrid?.box, [70, 70, 70]);
    });
  });
});
