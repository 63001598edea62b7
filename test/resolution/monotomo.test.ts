/**
 * MonoTomo-style local resolution (issue 18 item 4) on a synthetic non-cubic slab of half
 * tomograms whose noise grows along x (×4 from x = 0 to the far end): the median local resolution
 * inside the molecules must get coarser along x; memory stays within 3× the two inputs.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import type { Vec3 } from '../../src/core/volume.js';
import { anisotropicHalfMaps, type AnisotropicPhantom } from '../../src/resolution/anisotropic-phantom.js';
import { monoTomoLocalResolution } from '../../src/resolution/monotomo.js';
import { spearman } from '../../src/resolution/accuracy.js';
import { runInProcess } from '../helpers/cli-run.js';

const [NX, NY, NZ] = [256, 128, 64];
let slab: AnisotropicPhantom;

before(async () => {
  await loadFft();
  // 16 globular domains at 7 Å (2 Å voxels) in two rows along x; noise sd × (1 + 3x/(nx−1))
  const domains = [];
  for (let i = 0; i < 8; i++) for (const y of [34, 94]) domains.push({ centreVoxel: [16 + i * 32, y, 32] as Vec3, radiusA: 18, resolutionAlongA: 7, resolutionAcrossA: 7 });
  slab = anisotropicHalfMaps({ shape: [NX, NY, NZ], voxelSizeA: 2, snr: 3, noiseGrowthX: 3, seed: 7, atomFwhmA: 3, domains });
});

/** Median of `values` inside the mask per quarter of the x axis. */
function quarterMedians(values: Float32Array, mask: Float32Array): number[] {
  const out: number[] = [];
  for (let b = 0; b < 4; b++) {
    const v: number[] = [];
    for (let z = 0; z < NZ; z++) for (let y = 0; y < NY; y++) for (let x = (b * NX) / 4; x < ((b + 1) * NX) / 4; x++) {
      const i = (z * NY + y) * NX + x;
      if (mask[i] > 0.5) v.push(values[i]);
    }
    v.sort((a, c) => a - c);
    out.push(v[v.length >> 1]);
  }
  return out;
}

describe('monoTomoLocalResolution on a slab with noise growing along x', () => {
  it('median resolution per x quarter gets coarser (Spearman ≥ 0.8); memory within 3× the inputs', (t) => {
    const r = monoTomoLocalResolution(slab.half1, slab.half2, { mask: slab.mask });
    const med = quarterMedians(r.resolution, slab.mask);
    const rho = spearman(med, [0, 1, 2, 3]);
    const inputs = 2 * 4 * NX * NY * NZ;
    t.diagnostic(`medians per x quarter ${med.map((v) => v.toFixed(2)).join(' / ')} Å (truth 7 Å, noise ×1 → ×4), Spearman ${rho.toFixed(2)}; ${r.blocks} blocks; working ${(r.workingBytes / 2 ** 20).toFixed(1)} MiB + inputs ${(inputs / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(rho >= 0.8, `Spearman ${rho}`);
    assert.ok(med[3] > med[0] + 1, `${med}`);
    // the low-noise quarter is near the truth
    assert.ok(Math.abs(med[0] - 7) <= 1.5, `first quarter ${med[0]} Å`);
    assert.ok(inputs + r.workingBytes <= 3 * inputs, `working ${r.workingBytes} B besides inputs of ${inputs} B`);
    // outside the mask: the background
    for (let i = 0; i < slab.mask.length; i += 97) if (!(slab.mask[i] > 0.5)) assert.equal(r.resolution[i], r.backgroundA);
  });

  it('refuses a mask of the wrong length, an empty mask and a tiny block', () => {
    assert.throws(() => monoTomoLocalResolution(slab.half1, slab.half2, { mask: new Float32Array(9) }), /--mask has 9 voxels/);
    assert.throws(() => monoTomoLocalResolution(slab.half1, slab.half2, { mask: new Float32Array(slab.mask.length) }), /selects no voxel/);
    assert.throws(() => monoTomoLocalResolution(slab.half1, slab.half2, { blockVoxels: 4 }), /block core must be an integer >= 8/);
  });
});

describe('occupy locres --method monotomo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-monotomo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('writes locres_<stem>.mrc (same non-cubic box), histogram and log; --json has blocks and memory', async () => {
    // a smaller non-cubic slab for the command line: 160×96×48
    const domains = [0, 1, 2, 3].map((i) => ({ centreVoxel: [24 + i * 36, 48, 24] as Vec3, radiusA: 16, resolutionAlongA: 7, resolutionAcrossA: 7 }));
    const p = anisotropicHalfMaps({ shape: [160, 96, 48], voxelSizeA: 2, snr: 3, seed: 3, atomFwhmA: 3, domains });
    await writeMrc(join(dir, 'odd.mrc'), p.half1);
    await writeMrc(join(dir, 'even.mrc'), p.half2);
    await writeMrc(join(dir, 'mask.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
    const run = await runInProcess(['locres', join(dir, 'odd.mrc'), join(dir, 'even.mrc'), '--method', 'monotomo', '--mask', join(dir, 'mask.mrc'), '-o', `${dir}/`, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const s = JSON.parse(run.stdout);
    assert.equal(s.method, 'monotomo');
    assert.ok(s.blocks > 0 && s.workingBytes > 0);
    for (const f of ['locres_odd.mrc', 'locres_odd_histogram.png', 'locres_odd_log.txt']) assert.ok(existsSync(join(dir, f)), f);
    const out = await readMrc(join(dir, 'locres_odd.mrc'));
    assert.deepEqual([...out.volume.shape], [160, 96, 48]);
    assert.ok(Math.abs(s.medianA - 7) <= 2, `median ${s.medianA} Å (truth 7)`);
    const bad = await runInProcess(['locres', join(dir, 'odd.mrc'), '--method', 'monotomo', '-o', join(dir, 'x.mrc')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--method monotomo needs two half tomograms/);
  });
});
