/**
 * Session 56: `sharpened` was said of maps that are not sharpened.
 * - Blurred by a Gaussian B of +50 / +100 Å²: the shared synth_occ128 and synth_flex128 maps (sharp
 *   atoms in white noise, rule-2 ratio 0.31–0.34, kept clean by the white-noise guard) read a noise
 *   rise of −0.25 … −0.50 and a ratio of 0.49 … 0.71 (< 0.75 with their cut-off): the falling noise
 *   took the guard away. The fall is now read as a blur and taken off the signal's B.
 * - Fourier-upsampled (spectrum empty beyond the old Nyquist, in a cube): the band and the Guinier
 *   fit ran into the empty band (a raw 5 Å map at 1.5 Å voxels, 1.5 ×: rule 2, ratio 0.23; EMD-5168
 *   1.5 ×: rule 1, +0.125 in a physically smaller cube). Their spectra are now measured on the map
 *   cropped back to its content's box (`fourierPaddedBox`).
 * Maps really sharpened are still called so.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap, completeDiagnosis } from '../../src/diagnostics/index.js';
import { fourierPaddedBox } from '../../src/diagnostics/upsampled.js';
import { resampleToVoxelSize } from '../../src/filters/resample-voxel-size.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_DATA, SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { RAW_SPECS, rawSynthetic, sharpen } from './variants.js';

const sharpened = (v: Volume): boolean => diagnoseMap(v).findings.some((f) => f.code === 'sharpened');
const up = (v: Volume, factor: number): Volume => resampleToVoxelSize(v, v.voxelSizeA[0] / factor);

describe('fourierPaddedBox: the content box of a Fourier-upsampled map', () => {
  before(async () => loadFft());
  it('finds 1.25–2 × upsampled maps, not raw maps or hard (spherical) low-passes', () => {
    const raw = rawSynthetic(RAW_SPECS[1]); // 64³
    assert.equal(fourierPaddedBox(raw), undefined);
    assert.equal(fourierPaddedBox(lowpassHard(raw, 5)), undefined);
    for (const f of [1.25, 1.5, 2]) assert.deepEqual(fourierPaddedBox(up(raw, f)), [65, 65, 65], `${f} ×`);
    // a map low-passed (a sphere of frequencies) then upsampled: the content is a sphere, left alone
    assert.equal(fourierPaddedBox(up(lowpassHard(raw, 5), 1.5)), undefined);
  });
});

describe('sharpened: not said of blurred or Fourier-upsampled maps; still said of sharpened ones', () => {
  before(async () => loadFft());

  it('raw synthetic maps upsampled 1.5 × and 2 × (Fourier): not sharpened, and read as the map itself', () => {
    for (const i of [1, 2, 4]) {
      const raw = rawSynthetic(RAW_SPECS[i]);
      for (const f of [1.5, 2]) {
        const u = up(raw, f);
        const d = diagnoseMap(u);
        assert.ok(!d.findings.some((x) => x.code === 'sharpened'), `spec ${i} × ${f}: ${JSON.stringify(d.findings.find((x) => x.code === 'sharpened')?.evidence)}`);
        assert.deepEqual(d.spectrumGrid?.box, [65, 65, 65]);
        assert.ok(Math.abs((d.noise?.noiseRiseLn ?? NaN) - (diagnoseMap(raw).noise?.noiseRiseLn ?? NaN)) < 0.02, `spec ${i} × ${f}: noise rise as the map's`);
        // the deferred path measures the same cube
        const late = completeDiagnosis(diagnoseMap(u, { deferNoise: true }), u);
        assert.equal(late.noise?.noiseRiseLn, d.noise?.noiseRiseLn);
      }
    }
  });

  // with the blur taken off, its signal (under white noise from 9.8 to 6.4 Å) reads −0.01 of B_ref:
  // cleared by the tolerance THRESHOLDS.deblurredRatioMin (a held-out map of session 56's sweep)
  it('a 10 Å synthetic map at 2 Å voxels blurred by +100 Å²: not sharpened', () => {
    assert.ok(!sharpened(sharpen(rawSynthetic({ n: 64, voxelSizeA: 2, resolutionA: 10, snr: 4, seed: 909 }), 100, 1e-6)));
  });

  it('a sharpened, low-passed synthetic map upsampled 1.5 × is still sharpened', () => {
    const raw = rawSynthetic(RAW_SPECS[1]);
    for (const b of [-50, -100, -150]) assert.ok(sharpened(up(sharpen(raw, b, 5), 1.5)), `B ${b}`);
  });

  describe('shared maps', { skip: skipWithoutShared() }, () => {
    const maps: Record<string, Volume> = {};
    before(async () => {
      for (const f of ['synth_occ128/map.mrc.gz', 'synth_flex128/map.mrc.gz']) maps[f] = (await readMrc(join(SHARED_REFERENCE, f))).volume;
      maps.emd5168 = (await readMrc(join(SHARED_DATA, 'emd_5168.map'))).volume;
    });

    it('synth_occ128 and synth_flex128 blurred by B +50 and +100 Å²: not sharpened', () => {
      for (const f of ['synth_occ128/map.mrc.gz', 'synth_flex128/map.mrc.gz']) {
        for (const b of [50, 100]) assert.ok(!sharpened(sharpen(maps[f], b, 1e-6)), `${f} B +${b}`);
      }
    });

    it('synth_occ128 sharpened by −50, −100, −150 Å² (no low-pass): sharpened', () => {
      for (const b of [-50, -100, -150]) assert.ok(sharpened(sharpen(maps['synth_occ128/map.mrc.gz'], b, 1e-6)), `B ${b}`);
    });

    it('EMD-5168 Fourier-upsampled 1.5 × and blurred by +100 Å²: not sharpened; sharpened by −150 Å²: sharpened', () => {
      assert.ok(!sharpened(up(maps.emd5168, 1.5)), 'upsampled');
      assert.ok(!sharpened(sharpen(maps.emd5168, 100, 1e-6)), 'blurred');
      assert.ok(sharpened(sharpen(maps.emd5168, -150, 1e-6)), 'sharpened −150');
      assert.ok(sharpened(sharpen(maps.emd5168, -100, 8)), 'sharpened −100, low-passed at 8 Å');
    });
  });
});
