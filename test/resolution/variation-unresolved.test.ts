/**
 * `occupy locres` says when the local-resolution pattern lies within its own uncertainty: the
 * median 90 % interval width over the mask against the 5–95 % spread of the values
 * (`unresolvedVariation`, warned above `UNRESOLVED_VARIATION_RATIO`).
 * - the ratio and its limit on hand-made figures;
 * - a reference-style map whose every domain is 7.5–10 Å and whose noise stops at the finest
 *   domain, as the references' does (random 14011: its pattern is wrong, r −0.64 with the truth)
 *   is flagged; the same atoms with noise to Nyquist, as a reconstruction's, are not (r 0.84);
 * - through the CLI: the warning, and `medianIntervalWidthA` equal to the median of the written
 *   `_high − _low` maps inside the mask.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { localFsc, unresolvedVariation, UNRESOLVED_VARIATION_RATIO } from '../../src/resolution/local-fsc.js';
import { randomLocresCase, referenceStyleHalfMaps, REFERENCE_SPECTRUM } from '../../src/resolution/half-map-phantom.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { pearson } from '../../src/math/statistics.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

describe('unresolvedVariation', () => {
  it('is the median interval width over the 5–95 % spread, flagged only above the limit', () => {
    assert.equal(UNRESOLVED_VARIATION_RATIO, 0.8);
    assert.deepEqual(unresolvedVariation({ medianIntervalWidthA: 2, p5A: 4, p95A: 8 }), { ratio: 0.5, unresolved: false });
    assert.deepEqual(unresolvedVariation({ medianIntervalWidthA: 3.2, p5A: 6, p95A: 10 }), { ratio: 0.8, unresolved: false });
    assert.deepEqual(unresolvedVariation({ medianIntervalWidthA: 3.4, p5A: 6, p95A: 10 }), { ratio: 0.85, unresolved: true });
    // a flat map: any uncertainty is larger than no spread; none at all is not flagged
    assert.deepEqual(unresolvedVariation({ medianIntervalWidthA: 0.1, p5A: 5, p95A: 5 }), { ratio: Infinity, unresolved: true });
    assert.deepEqual(unresolvedVariation({ medianIntervalWidthA: 0, p5A: 5, p95A: 5 }), { ratio: 0, unresolved: false });
  });
});

describe('an all-coarse map whose pattern is noise is flagged; the same atoms with noise to Nyquist are not', () => {
  const c = randomLocresCase(14011); // 1.29 Å voxels, 7.5 / 8.5 / 7.5 / 10 Å, SNR 3.3
  const tempFolder = tempFolders('occupy-variation-');
  before(async () => {
    await loadFft();
  });

  it('noise to the finest domain (as the references): ratio > 0.8 and the pattern is wrong', () => {
    assert.deepEqual(c.resolutionsA, [7.5, 8.5, 7.5, 10]);
    const p = referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed);
    const r = localFsc(p.half1, p.half2, { mask: p.mask });
    const v = unresolvedVariation(r);
    assert.ok(v.unresolved && v.ratio > 1, `ratio ${v.ratio}`); // 1.19 (3.48 with the interval before session 45)
    const inMask = (d: Float32Array) => Float32Array.from(d.filter((_, i) => p.mask[i] > 0.5));
    assert.ok(pearson(inMask(r.resolution.data), inMask(p.truthResolutionA)) < 0, 'the flagged pattern is in fact anti-correlated with the truth');
  });

  it('noise to Nyquist: ratio < 0.7 and r with the truth > 0.75', () => {
    const q = decompositionPhantom({
      box: 128, voxelSizeA: c.voxelSizeA, snr: c.snr, seed: c.seed, cutoffTaper: REFERENCE_SPECTRUM.cutoffTaper, atomSigmaA: REFERENCE_SPECTRUM.atomSigmaA,
      domains: c.resolutionsA.map((d) => ({ occupancy: 1, resolutionA: d })), noiseResolutionA: 2 * c.voxelSizeA,
    });
    const mask = Float32Array.from(q.mask);
    const r = localFsc(q.half1, q.half2, { mask });
    const v = unresolvedVariation(r);
    assert.ok(!v.unresolved && v.ratio < 0.7, `ratio ${v.ratio}`); // 0.53
    const sel: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i]) sel.push(i);
    const got = Float32Array.from(sel, (i) => r.resolution.data[i]);
    const truth = Float32Array.from(sel, (i) => c.resolutionsA[q.labels[i] - 1]);
    assert.ok(pearson(got, truth) > 0.75, `r ${pearson(got, truth)}`);
  });

  it('occupy locres warns once and reports the median interval width of the maps it wrote', async () => {
    const p = referenceStyleHalfMaps(c.voxelSizeA, c.resolutionsA, c.snr, c.seed);
    const dir = await tempFolder();
    await writeMrc(join(dir, 'h1.mrc'), p.half1);
    await writeMrc(join(dir, 'h2.mrc'), p.half2);
    await writeMrc(join(dir, 'mask.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
    const run = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc'), '-o', join(dir, 'lr.mrc'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout) as { medianIntervalWidthA: number; intervalToSpread: number; p5A: number; p95A: number; warnings: string[]; intervalZ: number; intervalCalibration: number };
    const hits = s.warnings.filter((w) => /^a typical voxel's 90 % interval is [\d.]+ Å wide, [\d.]+ × the spread of the values over the mask/.test(w));
    assert.equal(hits.length, 1, s.warnings.join('\n'));
    assert.match(run.stderr, /WARNING: a typical voxel's 90 % interval/);
    assert.ok(Math.abs(s.intervalToSpread - s.medianIntervalWidthA / (s.p95A - s.p5A)) < 1e-9);
    // the interval's settings are recorded (the log says them too)
    assert.deepEqual([s.intervalZ, s.intervalCalibration], [0.3, 0.04]);
    assert.match(readFileSync(join(dir, 'lr_log.txt'), 'utf8'), /FSC band ±0\.3 standard errors and ±4 % calibration, in quadrature/);
    // the figure is the median of the written interval maps' width inside the mask
    const lo = (await readMrc(join(dir, 'lr_low.mrc'))).volume.data;
    const hi = (await readMrc(join(dir, 'lr_high.mrc'))).volume.data;
    const w: number[] = [];
    for (let i = 0; i < lo.length; i++) if (p.mask[i] > 0.5) w.push(hi[i] - lo[i]);
    w.sort((x, y) => x - y);
    const median = w[Math.round(0.5 * (w.length - 1))];
    assert.ok(Math.abs(s.medianIntervalWidthA - median) < 1e-3 * median, `${s.medianIntervalWidthA} vs ${median}`);
  });
});

describe('a mask of one voxel: the values do not vary, said in words, not as "Infinity ×"', () => {
  const tempFolder = tempFolders('occupy-variation-flat-');
  it('occupy locres prints and logs no Infinity, and says the spread is 0', async () => {
    await loadFft();
    const q = decompositionPhantom({ box: 48, voxelSizeA: 1, snr: 3, seed: 5, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 1, resolutionA: 6 }] });
    const dir = await tempFolder();
    const [nx, ny] = q.half1.shape;
    const mask = new Float32Array(q.mask.length);
    let centre = -1;
    for (let i = 0; i < q.mask.length && centre < 0; i++) if (q.mask[i] && i % nx > 8 && i % nx < nx - 8 && Math.floor(i / nx) % ny > 8) centre = i;
    mask[centre] = 1;
    await writeMrc(join(dir, 'h1.mrc'), q.half1);
    await writeMrc(join(dir, 'h2.mrc'), q.half2);
    await writeMrc(join(dir, 'mask.mrc'), { data: mask, shape: q.half1.shape, voxelSizeA: q.half1.voxelSizeA });
    const run = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc'), '-o', join(dir, 'lr.mrc')]);
    assert.equal(run.code, 0, run.stderr);
    const log = readFileSync(join(dir, 'lr_log.txt'), 'utf8');
    for (const [what, text] of [['stdout', run.stdout], ['stderr', run.stderr], ['log', log]] as const) assert.doesNotMatch(text, /Infinity|NaN/, `${what}:\n${text}`);
    assert.match(run.stdout, /90 % interval {6}: median width [\d.]+ Å over the mask \(the 5–95 % spread is 0: the values do not vary over the mask;/);
    assert.match(run.stderr, /a typical voxel's 90 % interval is [\d.]+ Å wide, more than any multiple of the spread of the values over the mask \(5–95 %: ([\d.]+)–\1 Å/);
  });
});
