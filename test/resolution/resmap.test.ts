/**
 * ResMap-style local resolution (issue 18 item 5) against ground truth: on
 * ../shared/reference/synth_halves128 (half maps through `occupy locres --method resmap`, and the
 * single averaged map with the truth mask) and on a synthetic four-domain case: domain medians
 * ordered as the truth, r ≥ 0.7; MAE and median bias reported (a correlation can hide a bias).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { chiSquareQuantile, resMapLocalResolution } from '../../src/resolution/resmap.js';
import { accuracyFigures } from '../../src/resolution/accuracy.js';
import { labelSummary } from '../../src/resolution/label-summary.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { runInProcess } from '../helpers/cli-run.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');

before(async () => {
  await loadFft();
});

/** Domain medians ordered as the truth: for every pair of domains with different truths, the estimate's order agrees. */
function orderedAsTruth(medians: number[], truth: number[]): boolean {
  for (let i = 0; i < truth.length; i++) for (let j = 0; j < truth.length; j++) if (truth[i] < truth[j] && !(medians[i] < medians[j])) return false;
  return true;
}

describe('chiSquareQuantile', () => {
  it('matches tabulated χ² quantiles within 1 %', () => {
    // 0.95 quantiles: dof 1 → 3.841, 9 → 16.919, 30 → 43.773
    for (const [dof, q] of [[9, 16.919], [30, 43.773], [4, 9.488]]) assert.ok(Math.abs(chiSquareQuantile(0.95, dof) / q - 1) < 0.01, `dof ${dof}: ${chiSquareQuantile(0.95, dof)}`);
  });
});

describe('ResMap-style on synthetic truth', () => {
  it('four domains at 1.5 Å voxels, 3.5 / 5 / 7 / 10 Å, SNR 4: medians ordered as the truth, r ≥ 0.7', (t) => {
    const truth = [3.5, 5, 7, 10];
    const p = fourDomainHalfMaps(1.5, truth as [number, number, number, number], 4, 1);
    const r = resMapLocalResolution({ half1: p.half1, half2: p.half2 }, p.mask);
    const a = accuracyFigures(r.resolution, p.truthResolutionA, p.mask);
    const med = labelSummary(r.resolution, p.labels, p.mask).map((l) => l.medianA);
    t.diagnostic(`MAE ${a.maeA.toFixed(2)} Å, median bias ${a.medianBiasA.toFixed(2)} Å, r ${a.r.toFixed(3)}; domain medians ${med.map((v) => v.toFixed(2)).join(' / ')} (truth ${truth.join(' / ')})`);
    assert.ok(orderedAsTruth(med, truth), `medians ${med}`);
    assert.ok(a.r >= 0.7, `r ${a.r}`);
    assert.ok(a.maeA <= 1.5 && Math.abs(a.medianBiasA) <= 1, `MAE ${a.maeA}, bias ${a.medianBiasA}`);
  });

  it('refuses one map without noise voxels, an empty mask and a mask of the wrong length', () => {
    const p = fourDomainHalfMaps(2, [4, 5, 6, 7], 4, 2);
    assert.throws(() => resMapLocalResolution({ map: p.half1 }, new Float32Array(p.mask.length).fill(1)), /covers the whole box/);
    assert.throws(() => resMapLocalResolution({ map: p.half1 }, new Float32Array(p.mask.length)), /selects no voxel/);
    assert.throws(() => resMapLocalResolution({ map: p.half1 }, new Float32Array(3)), /--mask has 3 voxels/);
  });
});

describe('ResMap-style on synth_halves128', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-resmap-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const truthDomains = [3, 5, 8, 3];

  it('occupy locres H1 H2 --method resmap --mask: locres_<stem>.mrc, histogram, log, --json; medians ordered as the truth, r ≥ 0.7', async (t) => {
    const run = await runInProcess(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--method', 'resmap', '--mask', join(R, 'truth_mask.mrc.gz'), '--labels', join(R, 'truth_labels.mrc.gz'), '-o', `${dir}/`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout);
    assert.equal(s.method, 'resmap');
    for (const f of ['locres_half1.mrc', 'locres_half1_histogram.png', 'locres_half1_histogram.svg', 'locres_half1_log.txt']) assert.ok(s.files.includes(join(dir, f)) && existsSync(join(dir, f)), f);
    assert.match(readFileSync(join(dir, 'locres_half1_log.txt'), 'utf8'), /noise-model\s+half-map difference/);
    const est = (await readMrc(join(dir, 'locres_half1.mrc'))).volume.data;
    const mask = (await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data;
    const truth = (await readMrc(join(R, 'truth_resolution.mrc.gz'))).volume.data;
    const a = accuracyFigures(est, truth, mask);
    const med = s.labels.map((l: { medianA: number }) => l.medianA);
    t.diagnostic(`half maps: MAE ${a.maeA.toFixed(2)} Å, median bias ${a.medianBiasA.toFixed(2)} Å, r ${a.r.toFixed(3)}; domain medians ${med.join(' / ')} (truth 3 / 5 / 8 / 3); ${s.seconds.toFixed(1)} s`);
    assert.ok(orderedAsTruth(med, truthDomains), `medians ${med}`);
    assert.ok(a.r >= 0.7, `r ${a.r}`);
  });

  it('one map (the halves\' mean) with the truth mask: medians ordered as the truth, r ≥ 0.7; caveat printed', async (t) => {
    const h1 = (await readMrc(join(R, 'half1.mrc.gz'))).volume;
    const h2 = (await readMrc(join(R, 'half2.mrc.gz'))).volume;
    const map = { ...h1, data: Float32Array.from(h1.data, (v, i) => 0.5 * (v + h2.data[i])) };
    await writeMrc(join(dir, 'mean.mrc'), map);
    const run = await runInProcess(['locres', join(dir, 'mean.mrc'), '--method', 'resmap', '--mask', join(R, 'truth_mask.mrc.gz'), '--labels', join(R, 'truth_labels.mrc.gz'), '-o', join(dir, 'one.mrc'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /single-map estimate/);
    const s = JSON.parse(run.stdout);
    const est = (await readMrc(join(dir, 'one.mrc'))).volume.data;
    const mask = (await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data;
    const truth = (await readMrc(join(R, 'truth_resolution.mrc.gz'))).volume.data;
    const a = accuracyFigures(est, truth, mask);
    const med = s.labels.map((l: { medianA: number }) => l.medianA);
    t.diagnostic(`one map: MAE ${a.maeA.toFixed(2)} Å, median bias ${a.medianBiasA.toFixed(2)} Å, r ${a.r.toFixed(3)}; domain medians ${med.join(' / ')}`);
    assert.ok(orderedAsTruth(med, truthDomains), `medians ${med}`);
    assert.ok(a.r >= 0.7, `r ${a.r}`);
  });

  it('one map without --mask is refused in one line', async () => {
    const run = await runInProcess(['locres', join(R, 'half1.mrc.gz'), '--method', 'resmap', '-o', join(dir, 'x.mrc')]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--method resmap with one map needs --mask/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.ok(!existsSync(join(dir, 'x.mrc')));
  });
});
