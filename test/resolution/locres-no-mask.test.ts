/**
 * `occupy locres` without `--mask` says that its summary covers the ellipsoid inscribed in the box,
 * solvent included, with the fixed threshold (the SNR-aware one is calibrated with a mask): on
 * synth_halves128 unmasked the median over that region is 49 Å, the solvent's background value.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

/** The four-domain half maps (1.5 Å voxels) and their mask written as h1.mrc, h2.mrc, mask.mrc in `dir`. */
async function writeHalvesAndMask(dir: string) {
  const p = fourDomainHalfMaps(1.5, [3.5, 5, 7, 10], 4, 5);
  await writeMrc(join(dir, 'h1.mrc'), p.half1);
  await writeMrc(join(dir, 'h2.mrc'), p.half2);
  await writeMrc(join(dir, 'mask.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
  return { p, dir };
}

describe('occupy locres without --mask', () => {
  const tempFolder = tempFolders('occupy-nomask-');
  before(async () => loadFft());

  it('warns once, naming the region (π/6 of the box), the fixed threshold and --mask; with --mask it does not', async () => {
    const { p, dir } = await writeHalvesAndMask(await tempFolder());
    const bare = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '-o', join(dir, 'a.mrc'), '--json']);
    assert.equal(bare.code, 0, bare.stderr);
    const s = JSON.parse(bare.stdout) as { warnings: string[]; threshold: number; thresholdRule: string };
    assert.equal(s.thresholdRule, 'fixed');
    const hits = s.warnings.filter((w) => w.startsWith('no --mask: '));
    assert.equal(hits.length, 1, s.warnings.join('\n'));
    const m = /over the ellipsoid inscribed in the box \((\d+) voxels\), solvent included .* with the fixed threshold ([\d.]+) .*give --mask/.exec(hits[0]);
    assert.ok(m, hits[0]);
    const n = p.half1.data.length;
    assert.ok(Math.abs(Number(m[1]) / n - Math.PI / 6) < 0.01, `${m[1]} of ${n} voxels`);
    assert.equal(Number(m[2]), s.threshold);
    assert.match(bare.stderr, /WARNING: no --mask: /);
    const masked = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc'), '-o', join(dir, 'b.mrc'), '--json']);
    assert.equal(masked.code, 0, masked.stderr);
    assert.deepEqual((JSON.parse(masked.stdout) as { warnings: string[] }).warnings.filter((w) => w.startsWith('no --mask')), []);
    // voxels coarser than the calibration's 0.9–1.5 Å are said (session 50): 1.5 Å is inside
    assert.deepEqual((JSON.parse(masked.stdout) as { warnings: string[] }).warnings.filter((w) => /coarser than the calibration/.test(w)), []);
    const coarse = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc'), '--angpix', '1.8', '-o', join(dir, 'c.mrc'), '--json']);
    assert.equal(coarse.code, 0, coarse.stderr);
    const said = (JSON.parse(coarse.stdout) as { warnings: string[] }).warnings.filter((w) => /coarser than the calibration/.test(w));
    assert.equal(said.length, 1, coarse.stderr);
    assert.match(said[0], /^voxels of 1\.80 Å are coarser than the calibration of the local FSC \(half maps of 0\.9–1\.5 Å voxels\): its \d+-voxel window spans \d+ Å/);
    assert.match(coarse.stderr, /WARNING: voxels of 1\.80 Å are coarser/);
    // a line per phase when stderr is not a terminal, the reading and the last phase included
    // (session 50: a 448³ run's first line came at 28 s, and no write line was printed)
    const plain = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc'), '-o', join(dir, 'd.mrc')]);
    assert.equal(plain.code, 0, plain.stderr);
    const phases = plain.stderr.split('\n').map((l) => /^\[\s*[\d.]+ s\] (.+?) \([\d.]+ s\)$/.exec(l)?.[1]).filter((p) => p !== undefined);
    assert.deepEqual(phases, ['read', 'diagnostics', 'local FSC', 'write'], plain.stderr);
  });
});

describe('occupy locres --method monores without --mask', () => {
  const tempFolder = tempFolders('occupy-nomask-mono-');
  before(async () => loadFft());

  it('warns once that the figures are over the whole box, solvent included (the median had been printed with no region: session 59)', async () => {
    const { p, dir } = await writeHalvesAndMask(await tempFolder());
    const bare = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--method', 'monores', '-o', join(dir, 'a.mrc'), '--json']);
    assert.equal(bare.code, 0, bare.stderr);
    const s = JSON.parse(bare.stdout) as { warnings: string[] };
    const hits = s.warnings.filter((w) => w.startsWith('no --mask: '));
    assert.equal(hits.length, 1, s.warnings.join('\n'));
    const m = /^no --mask: the summary's figures are over the whole box \((\d+) voxels\), solvent included .*give --mask/.exec(hits[0]);
    assert.ok(m, hits[0]);
    assert.equal(Number(m[1]), p.half1.data.length);
    const masked = await runInProcess(['locres', join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--method', 'monores', '--mask', join(dir, 'mask.mrc'), '-o', join(dir, 'b.mrc'), '--json']);
    assert.equal(masked.code, 0, masked.stderr);
    assert.deepEqual((JSON.parse(masked.stdout) as { warnings: string[] }).warnings.filter((w) => w.startsWith('no --mask')), []);
  });
});
