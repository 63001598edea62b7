/**
 * Metamorphic checks of units: the same voxels stored with another voxel size (every Å option
 * scaled with it) must give the same dimensionless results and Å results scaled by exactly the
 * voxel-size ratio. The maps go through an MRC file, so the voxel size is what a reader gets
 * from a float32 header cell (1.37 Å over 96 voxels reads 1.3700000445 Å, over 112 voxels
 * 1.3700000218 Å): ratios such as low-pass / voxel size come out a round-off short of the whole
 * numbers they are at 1 Å, and must not change a result.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompose, estimateLocalScale, fsc, readMrc, writeMrc, type Volume } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { halfMapPhantom, type HalfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { directionalFsc } from '../../src/resolution/directional-fsc.js';
import { radialShellResolution } from '../../src/resolution/radial-shells.js';
import { readFile } from 'node:fs/promises';
import { runInProcess } from '../helpers/cli-run.js';
import { loadFft } from '../../src/math/fft.js';
import type { Volume as GridVolume } from '../../src/core/volume.js';

/** The ratio of the two voxel sizes compared. */
const RATIO = 1.37;

let dir = '';
before(async () => {
  await loadFft();
  dir = await mkdtemp(join(tmpdir(), 'occupy-units-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `v` written with voxel size `a` Å and read back (the header's float32 cell decides the size). */
async function throughFile(v: GridVolume, a: number, name: string): Promise<Volume> {
  const path = join(dir, name);
  await writeMrc(path, { ...v, voxelSizeA: [a, a, a], originA: [0, 0, 0] });
  return readMrc(path);
}

describe('estimate: the same map at 1 Å and 1.37 Å (low-pass scaled with it)', () => {
  it('derives the same kernel (size, n_v, tau) and writes the same scale and confidence voxels', async () => {
    // a non-cubic box, so that every axis has its own float32 voxel size
    const { map } = occupancyPhantom({
      shape: [48, 56, 64],
      voxelSizeA: 1,
      resolutionA: 4,
      snr: 4,
      seed: 3,
      domains: [
        { centreVoxel: [18, 22, 26], radiusA: 9, occupancy: 1 },
        { centreVoxel: [30, 34, 38], radiusA: 9, occupancy: 0.5 },
      ],
    });
    const at1 = await throughFile(map, 1, 'at1.mrc');
    const atR = await throughFile(map, RATIO, 'atR.mrc');
    assert.ok(atR.voxelSizeA.every((a) => a !== RATIO), 'the header rounds the voxel size (the case under test)');
    const r1 = await estimateLocalScale(at1, { mode: 'occ', lowpassA: 8 });
    const rR = await estimateLocalScale(atR, { mode: 'occ', lowpassA: 8 * RATIO });
    // 8 Å over 1 Å voxels: a 9-voxel kernel of radius 4 (n_v 257); before, 10.96 Å over the header's
    // 1.3700000048 Å read 7.9999997: a 7-voxel kernel, n_v 251, and scales up to 0.2 apart
    assert.equal(rR.summary.kernelSize, r1.summary.kernelSize);
    assert.equal(rR.summary.nV, r1.summary.nV);
    assert.equal(rR.summary.tau, r1.summary.tau);
    let worst = 0;
    for (let i = 0; i < r1.scale.data.length; i++) worst = Math.max(worst, Math.abs(r1.scale.data[i] - rR.scale.data[i]));
    assert.ok(worst <= 1e-6, `scale maps differ by up to ${worst}`);
    worst = 0;
    for (let i = 0; i < r1.confidence.data.length; i++) worst = Math.max(worst, Math.abs(r1.confidence.data[i] - rR.confidence.data[i]));
    assert.ok(worst <= 1e-6, `confidence maps differ by up to ${worst}`);
  });
});

/** A small half-map pair (1 Å) with two domains at 4 and 7 Å. */
function pair(shape: [number, number, number]): HalfMapPhantom {
  const c = shape.map((n) => n / 2);
  return halfMapPhantom({
    shape,
    voxelSizeA: 1,
    snr: 3,
    seed: 5,
    bandLimitA: 0,
    domains: [
      { centreVoxel: [c[0] - 7, c[1], c[2]], radiusA: 8, resolutionA: 4 },
      { centreVoxel: [c[0] + 7, c[1], c[2]], radiusA: 8, resolutionA: 7 },
    ],
  });
}

describe('estimate: --angpix 1.37 (exactly 1.37 in memory) against the same voxels at 1 Å', () => {
  it('keeps the same Fourier samples in the low-pass, so scale and confidence are the same', async () => {
    // 112 × 1.37 / 10.96 is 13.999999999999998 in doubles: the low-pass kept 13 samples along y
    // where 112 × 1 / 8 keeps 14 (confidence up to 0.98 apart on a 96x112x128 map)
    const { map } = occupancyPhantom({
      shape: [40, 112, 48],
      voxelSizeA: 1,
      resolutionA: 4,
      snr: 4,
      seed: 4,
      domains: [
        { centreVoxel: [14, 40, 24], radiusA: 9, occupancy: 1 },
        { centreVoxel: [26, 70, 24], radiusA: 9, occupancy: 0.5 },
      ],
    });
    const r1 = await estimateLocalScale({ ...map, voxelSizeA: [1, 1, 1] }, { mode: 'occ', lowpassA: 8 });
    const rR = await estimateLocalScale({ ...map, voxelSizeA: [RATIO, RATIO, RATIO] }, { mode: 'occ', lowpassA: 8 * RATIO });
    assert.equal(rR.summary.solventModel.mu, r1.summary.solventModel.mu);
    let worst = 0;
    for (let i = 0; i < r1.confidence.data.length; i++) worst = Math.max(worst, Math.abs(r1.confidence.data[i] - rR.confidence.data[i]));
    assert.ok(worst <= 1e-6, `confidence maps differ by up to ${worst}`);
    worst = 0;
    for (let i = 0; i < r1.scale.data.length; i++) worst = Math.max(worst, Math.abs(r1.scale.data[i] - rR.scale.data[i]));
    assert.ok(worst <= 1e-6, `scale maps differ by up to ${worst}`);
  });
});

describe('fsc: the same half maps at 1 Å and 1.37 Å', () => {
  it('keeps the Nyquist shell and gives the same FSC per shell, frequencies scaled by 1/1.37', async () => {
    const p = pair([48, 56, 64]);
    const [a1, b1] = [await throughFile(p.half1, 1, 'h1a.mrc'), await throughFile(p.half2, 1, 'h2a.mrc')];
    const [aR, bR] = [await throughFile(p.half1, RATIO, 'h1b.mrc'), await throughFile(p.half2, RATIO, 'h2b.mrc')];
    const r1 = await fsc(a1, b1);
    const rR = await fsc(aR, bR);
    // shells 0..32 at 1 Å; the header's 1.37 Å made Nyquist / shell width 31.999999 and the last
    // shell (Nyquist) was dropped
    assert.equal(r1.frequencyPerA.length, 33);
    assert.equal(rR.frequencyPerA.length, r1.frequencyPerA.length);
    for (let k = 0; k < r1.frequencyPerA.length; k++) {
      assert.ok(Math.abs(rR.unmasked.fsc[k] - r1.unmasked.fsc[k]) <= 1e-9, `shell ${k}: FSC ${rR.unmasked.fsc[k]} vs ${r1.unmasked.fsc[k]}`);
      assert.ok(Math.abs(rR.frequencyPerA[k] * RATIO - r1.frequencyPerA[k]) <= 1e-6 * (r1.frequencyPerA[k] + 1e-9), `shell ${k}: frequency`);
    }
  });
});

describe('fsc --directional: the same half maps at any voxel size', () => {
  it('reads every cone at the same shell, so each resolution scales by exactly the voxel-size ratio', async () => {
    await loadFft();
    const p = pair([40, 40, 40]);
    const at = (a: number) => directionalFsc({ ...p.half1, voxelSizeA: [a, a, a] }, { ...p.half2, voxelSizeA: [a, a, a] });
    const r1 = at(1);
    for (const a of [RATIO, 1.0000001]) {
      const r = at(a);
      let moved = 0;
      let worst = 0;
      for (let k = 0; k < r1.resolutionA.length; k++) {
        const rel = Math.abs(r.resolutionA[k] / (a * r1.resolutionA[k]) - 1);
        if (rel > 1e-9) moved++;
        worst = Math.max(worst, rel);
      }
      // before: Fourier samples on a direction cell's boundary fell on either side by round-off,
      // and on a 96³ pair 174 of 300 cones moved between 1 and 1.37 Å (one by 35 %), 117 at 1.0000001 Å
      assert.equal(moved, 0, `${a} Å: ${moved} of ${r1.resolutionA.length} cones read another resolution (worst ${(100 * worst).toFixed(1)} %)`);
    }
  });
});

describe('decompose --mask: a molecule mask (> 0.5) stored as 0/1 or as 0/255', () => {
  it('selects the same molecule and gives the same occupancy and B voxels', async () => {
    const p = pair([48, 56, 64]);
    const mean = new Float32Array(p.half1.data.length);
    for (let i = 0; i < mean.length; i++) mean[i] = 0.5 * (p.half1.data[i] + p.half2.data[i]);
    const map: Volume = { ...p.half1, originA: [0, 0, 0], data: mean };
    const mask01: Volume = { ...p.half1, originA: [0, 0, 0], data: p.mask };
    const mask255: Volume = { ...p.half1, originA: [0, 0, 0], data: Float32Array.from(p.mask, (v) => 255 * v) };
    const r1 = await decompose(map, { halfMaps: [p.half1, p.half2], mask: mask01 });
    const r255 = await decompose(map, { halfMaps: [p.half1, p.half2], mask: mask255 });
    // before: the 0/255 mask was interpolated to the analysis grid and then cut at 0.5, so its edge
    // took in more voxels (on a 96x112x128 crop of synth_halves128: 51434 molecule voxels against
    // 44208, occupancy up to 0.12 apart)
    const count = (m: Uint8Array) => m.reduce((acc, v) => acc + v, 0);
    assert.equal(count(r255.molecule), count(r1.molecule));
    assert.equal(r255.occupancyMedian, r1.occupancyMedian);
    assert.equal(r255.bfactorMedianA2, r1.bfactorMedianA2);
    let worst = 0;
    for (let i = 0; i < r1.occupancy.data.length; i++) worst = Math.max(worst, Math.abs(r1.occupancy.data[i] - r255.occupancy.data[i]));
    assert.equal(worst, 0, `occupancy maps differ by up to ${worst}`);
  });
});

describe('locres --relion at 1.37 Å voxels', () => {
  it('states the window sampling in Å as given (13.7), not the float32 header product', async () => {
    const p = pair([40, 40, 40]);
    const h1 = join(dir, 'r1.mrc');
    const h2 = join(dir, 'r2.mrc');
    await writeMrc(h1, { ...p.half1, voxelSizeA: [RATIO, RATIO, RATIO] });
    await writeMrc(h2, { ...p.half2, voxelSizeA: [RATIO, RATIO, RATIO] });
    const out = join(dir, 'relion', 'locres_r1.mrc');
    const run = await runInProcess(['locres', h1, h2, '--relion', '--locres-sampling', '13.7', '--lowest-resolution', '68.5', '-q', '-o', out]);
    assert.equal(run.code, 0, run.stderr);
    const log = await readFile(join(dir, 'relion', 'locres_r1_log.txt'), 'utf8');
    // before: 'sampling 13.700000445048016 A (10 vox)'
    assert.match(log, /sampling 13\.7 A \(10 vox\)/);
    assert.doesNotMatch(log, /\d\.\d{9,}/, 'a number printed to float round-off');
  });
});

describe('locres --shells: the same half maps at 1 Å (4 Å shells) and 1.37 Å (5.48 Å shells)', () => {
  it('puts every voxel in the same shell and reads each shell at 1.37 × the 1 Å resolution', async () => {
    await loadFft();
    const p = pair([40, 48, 40]);
    const [a1, b1] = [await throughFile(p.half1, 1, 's1a.mrc'), await throughFile(p.half2, 1, 's2a.mrc')];
    const [aR, bR] = [await throughFile(p.half1, RATIO, 's1b.mrc'), await throughFile(p.half2, RATIO, 's2b.mrc')];
    const centreVoxel: [number, number, number] = [20, 24, 20];
    const r1 = radialShellResolution(a1, b1, { centreVoxel, shellWidthA: 4 });
    const rR = radialShellResolution(aR, bR, { centreVoxel, shellWidthA: 4 * RATIO });
    assert.equal(rR.shells.length, r1.shells.length);
    for (let k = 0; k < r1.shells.length; k++) {
      // before: voxels at exactly 4, 8, … Å fell either side of a shell edge, and each shell's
      // sub-box could be a voxel larger or smaller (on a 96x112x128 pair: 16316 voxels against
      // 16300, shell 1 at 6.184 Å against 1.37 × 4.623 = 6.333 Å)
      assert.equal(rR.shells[k].voxels, r1.shells[k].voxels, `shell ${k}: voxels`);
      if (Number.isFinite(r1.shells[k].resolutionA)) {
        const rel = Math.abs(rR.shells[k].resolutionA / (RATIO * r1.shells[k].resolutionA) - 1);
        assert.ok(rel <= 1e-4, `shell ${k}: ${rR.shells[k].resolutionA} Å against 1.37 × ${r1.shells[k].resolutionA} Å`);
      }
    }
  });
});
