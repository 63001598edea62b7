/**
 * The map's density units do not change its confidence (src/occupancy/solvent-model.ts
 * histogramHeightUnit): the original's constants (+0.01 in the confidence, spec §7.2; tol 0.001
 * in the solvent limits, §5.5) are histogram heights, which scale as 1 / the unit, so the same
 * map ×1000, or stored as int16 counts, had read every voxel as confident (sweep, session 49).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readMrc } from '../../src/io/mrc/index.js';
import { estimateLocalScale } from '../../src/index.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_REFERENCE, SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();

function scaled(v: Volume, k: number): Volume {
  const data = new Float32Array(v.data.length);
  for (let i = 0; i < data.length; i++) data[i] = v.data[i] * k;
  return { ...v, data };
}

/** The share of voxels where |a − b| > tol. */
function shareDiffering(a: Float32Array, b: Float32Array, tol: number): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol) n++;
  return n / a.length;
}

describe('density units', { skip }, () => {
  let occ: Volume;
  let emd5168: Volume;
  before(async () => {
    occ = (await readMrc(join(SHARED_REFERENCE, 'synth_occ128', 'map.mrc.gz'))).volume;
    emd5168 = (await readMrc(join(SHARED_DATA, 'emd_5168.map'))).volume;
  });

  it('synth_occ128 ×1000 and ×177914 (int16 counts): the confidence limit within 0.005 of the map as stored, the confidence within 0.05 at 99 % of the voxels (0.35 % differ by more, in the solvent-to-molecule transition)', async () => {
    const ref = await estimateLocalScale(occ, {});
    for (const k of [1000, 177914]) {
      const r = await estimateLocalScale(scaled(occ, k), {});
      assert.ok(Math.abs(r.summary.confidenceLimit - ref.summary.confidenceLimit) <= 0.005, `×${k}: confidence limit ${r.summary.confidenceLimit} vs ${ref.summary.confidenceLimit}`);
      const d = shareDiffering(r.confidence.data, ref.confidence.data, 0.05);
      assert.ok(d <= 0.01, `×${k}: confidence differs by > 0.05 at ${(100 * d).toFixed(3)} % of the voxels`);
      // the solvent stays suppressed: as many confident voxels within 3 % (31 676 vs 31 159 ×1000; before: every voxel)
      const count = (c: Float32Array) => c.reduce((n, v) => n + (v > 0.5 ? 1 : 0), 0);
      assert.ok(Math.abs(count(r.confidence.data) - count(ref.confidence.data)) <= 0.03 * count(ref.confidence.data), `×${k}: ${count(r.confidence.data)} confident voxels vs ${count(ref.confidence.data)}`);
    }
  });

  it('EMD-5168 (solvent peak under 1 per density unit): ×0.5, ×2 and ×10 read the same confidence limit (the original: 0.145, 0.122, 0.083)', async () => {
    const limits: number[] = [];
    for (const k of [1, 0.5, 2, 10]) limits.push((await estimateLocalScale(scaled(emd5168, k), {})).summary.confidenceLimit);
    for (const l of limits) assert.ok(Math.abs(l - limits[0]) <= 0.002, `limits ${limits.map((x) => x.toFixed(4)).join(', ')}`);
  });
});
