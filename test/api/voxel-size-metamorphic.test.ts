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
import { estimateLocalScale, readMrc, writeMrc, type Volume } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { loadFft } from '../../src/math/fft.js';

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
async function throughFile(v: Volume, a: number, name: string): Promise<Volume> {
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
