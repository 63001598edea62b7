/**
 * Rule 1 of `sharpened` (the solvent noise rises towards the resolution) is judged only where a
 * sharpening can show in its band: ending finer than 25 Å (THRESHOLDS.noiseRiseBandPerA). Until
 * session 55, EMD-1883 (its spectrum ends near 20 Å, noise band 37–26 Å) cropped tight to 50³ and
 * Fourier-upsampled 2× (a 64³ crop padded in Fourier space to 128³) were called sharpened (rises
 * +0.178 over 62–31 Å and +0.092 over 59–30 Å) though neither was sharpened; its sharpened
 * variants are found by rule 2 (the flat signal) as before.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { readMrc } from '../../src/api/mrc.js';
import { cropOrPad } from '../../src/filters/resample-voxel-size.js';
import { fourierResample } from '../../src/filters/fourier-resample.js';
import type { Volume } from '../../src/core/volume.js';
import { sharpen } from './variants.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const codes = (v: Volume): string[] => diagnoseMap(v).findings.map((f) => f.code);

describe('sharpened: rule 1 not judged in a band coarser than 25 Å', () => {
  let map: Volume;
  before(async () => {
    await loadFft();
    const m = await readMrc(`${SHARED}data/emd_1883.map`);
    map = { data: m.data, shape: [...m.shape] as [number, number, number], voxelSizeA: [...m.voxelSizeA] as [number, number, number] };
  });

  it('EMD-1883 cropped to 50³ and Fourier-upsampled 2× are not called sharpened', () => {
    const crop = cropOrPad(map, [50, 50, 50]);
    assert.deepEqual(codes(crop), [], 'cropped to 50³');
    const up = fourierResample(cropOrPad(map, [64, 64, 64]), [128, 128, 128]);
    assert.deepEqual(codes(up), [], 'upsampled 2×');
  });

  it('EMD-1883 sharpened by −100 and −200 Å² then low-passed at 10 Å is still called sharpened (rule 2)', () => {
    for (const b of [-100, -200]) {
      const f = diagnoseMap(sharpen(map, b, 10)).findings.find((x) => x.code === 'sharpened');
      assert.ok(f, `B ${b}`);
      assert.equal(f.evidence.rule, 'flat-signal');
    }
  });
});
