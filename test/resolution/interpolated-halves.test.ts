/**
 * Half maps upsampled in real space (interpolated onto a finer grid, as ChimeraX's `volume
 * resample` or scipy's `zoom` do): beyond the old grid's Nyquist they hold only the images of
 * coarser shells, correlated as those are, so no local or global resolution finer than it is a
 * measurement (src/resolution/half-map-content.ts). Before session 58, synth_halves128 upsampled
 * 1.5 × read 49 % of its mask at the new Nyquist (1.33 Å, its 3 Å domains 1.33 Å) and the check
 * said the halves shared noise (`not-independent`).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { loadFft } from '../../src/math/fft.js';
import { fourDomainHalfMaps, randomLocresCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { realSpaceUpsampledBox } from '../../src/diagnostics/upsampled.js';
import { contentLimitOf } from '../../src/decomposition/decompose.js';
import { halfMapContent, interpolatedContent, interpolationTest, type InterpolationTest } from '../../src/resolution/half-map-content.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { monogenicLocalResolution } from '../../src/resolution/monogenic.js';
import { diagnoseHalfMaps, diagnoseMap } from '../../src/diagnostics/index.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { upsampleRealSpace } from '../diagnostics/real-space-upsample.js';
import { writeCroppedHalves } from '../helpers/halves-crop.js';
import { skipWithoutShared } from '../helpers/shared-data.js';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folder.js';
import type { Volume } from '../../src/core/volume.js';

const tmp = tempFolders('occupy-interp-halves-');

/** Threshold a trilinearly upsampled 0/1 map back to 0/1. */
function binary(v: Volume): Float32Array {
  return Float32Array.from(v.data, (x) => (x > 0.5 ? 1 : 0));
}

describe('half maps interpolated onto a finer grid', () => {
  // 2 Å voxels, noise to Nyquist (4 Å), domains 4.2 / 6 / 8 / 5 Å; box 56 → 83 at 1.333 Å
  let orig: ReturnType<typeof fourDomainHalfMaps>;
  let u1: Volume, u2: Volume, mask: Float32Array;
  before(async () => {
    await loadFft();
    orig = fourDomainHalfMaps(2, [4.2, 6, 8, 5], 3, 5, 0);
    u1 = upsampleRealSpace(orig.half1, 1.5, 'trilinear');
    u2 = upsampleRealSpace(orig.half2, 1.5, 'trilinear');
    mask = binary(upsampleRealSpace({ data: orig.mask, shape: orig.half1.shape, voxelSizeA: orig.half1.voxelSizeA }, 1.5, 'trilinear'));
  });

  it('are found, with the old grid\'s Nyquist as their content limit; the halves as made are not', () => {
    const c = interpolatedContent(u1, u2);
    assert.ok(c, 'the upsampled halves are found interpolated');
    assert.ok(Math.abs(c.limitA - 4) < 0.1, `content limit ${c.limitA} Å, the old grid's Nyquist is 4 Å`);
    assert.equal(halfMapContent(u1, u2)?.cause, 'interpolated');
    assert.equal(interpolatedContent(orig.half1, orig.half2), undefined);
    assert.equal(halfMapContent(orig.half1, orig.half2), undefined, 'noise to Nyquist: the content runs to Nyquist');
  });

  it('local FSC reads no value finer than the old Nyquist, and pins the values at it', () => {
    const r = localFsc(u1, u2, { mask });
    // the same values, bit for bit, with the interpolation test handed on (as a job hands its diagnostics')
    const handed = localFsc(u1, u2, { mask, interpolationTest: interpolationTest(u1, u2) });
    assert.deepEqual(Buffer.from(handed.resolution.data.buffer), Buffer.from(r.resolution.data.buffer));
    assert.deepEqual(handed.pinned, r.pinned);
    assert.ok(r.interpolated, 'the result says the halves are interpolated');
    const limit = r.interpolated.limitA;
    assert.equal(r.finestA, limit);
    let finer = 0, atLimit = 0, pinnedAtLimit = 0, n = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      n++;
      const v = r.resolution.data[i];
      if (v < limit * (1 - 1e-5)) finer++;
      if (v <= limit * (1 + 1e-5)) {
        atLimit++;
        if (r.pinned[i]) pinnedAtLimit++;
      }
    }
    assert.equal(finer, 0, `${finer} of ${n} mask voxels read finer than the old grid's Nyquist (${limit.toFixed(2)} Å)`);
    assert.equal(pinnedAtLimit, atLimit, 'every voxel reading the limit is marked pinned');
    assert.ok(r.globalResolutionA >= limit, `global resolution ${r.globalResolutionA} Å`);
  });

  it('the input diagnostics\' interpolation test is handed on: the methods use it and do not run it again', () => {
    // the diagnostics return the test they ran (old box, limit and the guard's empty shells)
    const tested = diagnoseHalfMaps(u1, u2).interpolationTest;
    assert.ok(tested?.interpolated && tested.empty, JSON.stringify(tested?.interpolated));
    assert.deepEqual(tested, interpolationTest(u1, u2));
    // the average is formed on the planes the test reads: the same old box as on the whole-box average
    const avg = { data: Float32Array.from(u1.data, (x, i) => 0.5 * (x + u2.data[i])), shape: u1.shape, voxelSizeA: u1.voxelSizeA };
    assert.deepEqual(realSpaceUpsampledBox(u1, u2.data), realSpaceUpsampledBox(avg));
    // a test handed to the local FSC is what it reads (halves as made, told they were upsampled from 40³)
    const told: InterpolationTest = { interpolated: { limitA: 5.6, fromBox: [40, 40, 40] } };
    const r = localFsc(orig.half1, orig.half2, { mask: orig.mask, interpolationTest: told });
    assert.deepEqual(r.interpolated, told.interpolated);
    assert.equal(r.finestA, 5.6);
    // the guard's empty shells are reused for the low-pass test (halves whose content runs to Nyquist, told empty beyond shell 10)
    const shells = interpolationTest(u1, u2).empty as NonNullable<InterpolationTest['empty']>;
    const empty = Uint8Array.from(shells.empty, (_, s) => (s > 10 ? 1 : 0));
    assert.equal(halfMapContent(orig.half1, orig.half2, { empty: { shellWidthPerA: shells.shellWidthPerA, empty } })?.cause, 'low-passed');
    assert.equal(halfMapContent(orig.half1, orig.half2, {}), undefined, 'without empty shells handed on they are computed: content to Nyquist');
  });

  it('MonoRes tests no finer than the old Nyquist, with half maps and with one map', () => {
    const avg = { data: Float32Array.from(u1.data, (x, i) => 0.5 * (x + u2.data[i])), shape: u1.shape, voxelSizeA: u1.voxelSizeA };
    for (const input of [{ half1: u1, half2: u2 }, { map: avg }]) {
      const r = monogenicLocalResolution(input, mask);
      const finest = Math.min(...r.tested);
      assert.ok(finest >= 0.99 * 4 - 0.1, `${'map' in input ? 'one map' : 'half maps'}: finest tested ${finest} Å, the old grid's Nyquist is about 4 Å`);
      let finer = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] && r.resolution[i] < finest - 1e-6) finer++;
      assert.equal(finer, 0);
    }
  });

  it('the half-map check says so, and does not call the halves dependent', () => {
    const codes = diagnoseHalfMaps(u1, u2).findings.map((f) => f.code);
    assert.ok(codes.includes('interpolated-halves'), codes.join(', '));
    assert.ok(!codes.includes('not-independent'), codes.join(', '));
    const plain = diagnoseHalfMaps(orig.half1, orig.half2).findings.map((f) => f.code);
    assert.ok(!plain.includes('interpolated-halves') && !plain.includes('not-independent'), plain.join(', '));
  });

  it('occupy locres and occupy fsc warn in one line each and record the limit', async () => {
    const dir = await tmp();
    const grid = { shape: u1.shape, voxelSizeA: u1.voxelSizeA };
    await writeMrc(join(dir, 'h1.mrc'), { data: u1.data, ...grid });
    await writeMrc(join(dir, 'h2.mrc'), { data: u2.data, ...grid });
    await writeMrc(join(dir, 'mask.mrc'), { data: mask, ...grid });
    const lr = await runCli(['locres', 'h1.mrc', 'h2.mrc', '--mask', 'mask.mrc', '--json'], dir);
    assert.equal(lr.stderr.split('\n').filter((l) => /interpolated onto a finer grid/.test(l)).length, 1, lr.stderr);
    assert.match(lr.stderr, /WARNING: \[interpolated-halves\] the half maps look interpolated onto a finer grid/);
    const j = JSON.parse(lr.stdout);
    assert.ok(Math.abs(j.interpolatedBeyondA - 4) < 0.1, `interpolatedBeyondA ${j.interpolatedBeyondA}`);
    const log = await readFile(join(dir, 'locres_h1_log.txt'), 'utf8');
    assert.match(log, /Half maps' content : interpolated onto a finer grid/);
    const f = await runCli(['fsc', 'h1.mrc', 'h2.mrc', '--json'], dir);
    assert.equal(f.stderr.split('\n').filter((l) => /interpolated onto a finer grid/.test(l)).length, 1, f.stderr);
    const fj = JSON.parse(f.stdout);
    assert.equal(fj.contentLimitCause, 'interpolated');
    assert.ok(Math.abs(fj.contentLimitA - 4) < 0.1);
  });
});

describe('maps low-passed as made are not taken for interpolated', () => {
  it('random 31003 (0.91 Å, 9.5 / 7 / 10 / 4.5 Å, noise cut at 4.5 Å): no old box, one map or the pair', async () => {
    await loadFft();
    const c = randomLocresCase(31003);
    const p = referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed);
    // the coherence of the taper's leakage into the empty band beyond 4.5 Å read an old box of 109
    // (until session 59 also in the diagnostics: `occupy check` said the map looked interpolated);
    // no image lies beyond that box's old Nyquist, 2.14 Å, where the map holds only round-off
    assert.equal(realSpaceUpsampledBox(p.half1), undefined);
    assert.equal(diagnoseMap(p.half1).spectrumGrid, undefined);
    assert.equal(interpolatedContent(p.half1, p.half2), undefined);
    assert.equal(contentLimitOf(p.half1), undefined);
    assert.equal(halfMapContent(p.half1, p.half2)?.cause, 'low-passed');
  });
});

describe('synth_halves128 upsampled 1.5 × (its central 80³)', { skip: skipWithoutShared() }, () => {
  let dir: string;
  before(async () => {
    await loadFft();
    dir = await tmp();
    await writeCroppedHalves(dir);
  });

  it('no longer reads its 3 Å domains at the new Nyquist', async () => {
    const read = async (name: string) => (await readMrc(join(dir, name))).volume;
    const [h1, h2, m] = [await read('half1.mrc.gz'), await read('half2.mrc.gz'), await read('soft_mask.mrc.gz')];
    const u1 = upsampleRealSpace(h1, 1.5, 'trilinear');
    const u2 = upsampleRealSpace(h2, 1.5, 'trilinear');
    const mask = binary(upsampleRealSpace(m, 1.5, 'trilinear'));
    const r = localFsc(u1, u2, { mask });
    assert.ok(r.interpolated && Math.abs(r.interpolated.limitA - 2) < 0.05, JSON.stringify(r.interpolated));
    let finer = 0, n = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) { n++; if (r.resolution.data[i] < 1.99) finer++; }
    // before: 49 % of the mask at 1.33 Å (the new Nyquist), nothing in the halves finer than 3 Å
    assert.equal(finer, 0, `${finer} of ${n} voxels finer than the old Nyquist`);
  });

  it('the half-map check says one thing: interpolated, so independence cannot be judged either (no not-independent beside it)', async () => {
    const read = async (name: string) => (await readMrc(join(dir, name))).volume;
    const u1 = upsampleRealSpace(await read('half1.mrc.gz'), 1.5, 'trilinear');
    const u2 = upsampleRealSpace(await read('half2.mrc.gz'), 1.5, 'trilinear');
    const found = diagnoseHalfMaps(u1, u2).findings;
    const codes = found.map((f) => f.code);
    // before session 60: not-independent (FSC 0.48 near the old Nyquist, the images' correlation) beside interpolated-halves
    assert.ok(codes.includes('interpolated-halves') && !codes.includes('not-independent'), codes.join(', '));
    const f = found.find((x) => x.code === 'interpolated-halves');
    assert.ok(typeof f?.evidence.outerFscMean === 'number' && f.evidence.outerFscMean > 0.3, JSON.stringify(f?.evidence));
    assert.match(f?.message ?? '', /cannot tell whether their noise is independent .*use the half maps at their own voxel size, where both can be checked\.$/);
  });
});
