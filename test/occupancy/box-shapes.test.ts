/**
 * Non-cubic and odd boxes (spec §12): a crop of a cubic map to a non-cubic or odd box must give
 * the same local scale as the full cubic map (the "padded" case: the crop with more solvent around
 * it) in the shared region, r >= 0.99.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { loadFft } from '../../src/math/fft.js';
import { pearson } from '../../src/math/statistics.js';
import { estimateLocalScale, type ScaleMode } from '../../src/occupancy/estimate.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';

/** Centre crop of a volume to `shape`; returns the crop and its offset in the parent. */
function centreCrop(v: Volume, shape: Shape3): { crop: Volume; offset: [number, number, number] } {
  const [nx, ny] = v.shape;
  const offset = [0, 1, 2].map((i) => Math.floor((v.shape[i] - shape[i]) / 2)) as [number, number, number];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[2]; z++) {
    for (let y = 0; y < shape[1]; y++) {
      for (let x = 0; x < shape[0]; x++) {
        data[(z * shape[1] + y) * shape[0] + x] = v.data[((z + offset[2]) * ny + y + offset[1]) * nx + x + offset[0]];
      }
    }
  }
  return { crop: { data, shape, voxelSizeA: [...v.voxelSizeA] }, offset };
}

/** Values of the full-box map at the crop's voxels (same layout as the crop). */
function sharedRegion(full: Float32Array, fullShape: Shape3, shape: Shape3, offset: [number, number, number]): Float32Array {
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[2]; z++) {
    for (let y = 0; y < shape[1]; y++) {
      for (let x = 0; x < shape[0]; x++) {
        out[(z * shape[1] + y) * shape[0] + x] = full[((z + offset[2]) * fullShape[1] + y + offset[1]) * fullShape[0] + x + offset[0]];
      }
    }
  }
  return out;
}

describe('non-cubic and odd boxes', () => {
  let full: Volume;
  before(async () => {
    await loadFft();
    const n = 128;
    const c = n / 2;
    full = occupancyPhantom({
      shape: [n, n, n],
      voxelSizeA: 1.5,
      resolutionA: 5,
      snr: 4,
      seed: 11,
      domains: [
        { centreVoxel: [c - 12, c - 10, c], radiusA: 18, occupancy: 1 },
        { centreVoxel: [c + 12, c - 8, c + 4], radiusA: 18, occupancy: 0.6 },
        { centreVoxel: [c, c + 14, c - 6], radiusA: 18, occupancy: 0.3 },
      ],
    }).map;
  });

  const cases: { name: string; shape: Shape3 }[] = [
    { name: 'non-cubic 96x112x128', shape: [96, 112, 128] },
    { name: 'odd 101x101x101', shape: [101, 101, 101] },
    { name: 'odd and non-cubic 81x95x77', shape: [81, 95, 77] },
  ];
  for (const mode of ['res', 'occ'] as ScaleMode[]) {
    for (const c of cases) {
      it(`${c.name} (${mode}): same scale as the cubic map in the shared region`, () => {
        // Same tile edge for both: the default edge (box/20) differs between the boxes, and s_max with it.
        const ref = estimateLocalScale(full, { mode, tileSize: 6 });
        const { crop, offset } = centreCrop(full, c.shape);
        const r = estimateLocalScale(crop, { mode, tileSize: 6 });
        assert.deepEqual([...r.scale.shape], [...c.shape]);
        assert.equal(r.settings.kernel.nSamples, ref.settings.kernel.nSamples);
        const refShared = sharedRegion(ref.scale.data, full.shape, c.shape, offset);
        const rr = pearson(r.scale.data, refShared);
        assert.ok(rr >= 0.99, `r = ${rr.toFixed(4)}`);
        // s_max comes from differently placed tiles (the grid step depends on the box), so it
        // samples the densest region differently: close (seen: within 11 %), not identical.
        assert.ok(Math.abs(r.sMax - ref.sMax) / ref.sMax < 0.15, `s_max ${r.sMax} vs ${ref.sMax}`);
      });
    }
  }
});
