/**
 * Local B sharpening with B = 0 everywhere and every band usable returns the map below the last
 * band centre unchanged (the bands add up to the map), also with shells wider than the centre
 * spacing (minHalfWidthPerA), which overlap by more than half and are normalised by their sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, rfft3d } from '../../src/math/fft.js';
import { mulberry32 } from '../../src/math/random.js';
import { decompositionBands } from '../../src/decomposition/bands.js';
import { localBSharpen, localBSharpenFull } from '../../src/decomposition/sharpen.js';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { padCube, padVolume } from '../helpers/zero-padding.js';

await loadFft();

const shape: Shape3 = [32, 32, 32];
const rand = mulberry32(7);
const map: Volume = { data: Float32Array.from({ length: 32 ** 3 }, () => rand() - 0.5), shape, voxelSizeA: [1.5, 1.5, 1.5] };
const n = map.data.length;

/** Largest |difference| of the two maps' spectra over frequencies below `sMax` (1/Å), relative to the largest |coefficient| there. */
function spectrumMismatchBelow(a: Float32Array, b: Float32Array, sMax: number): number {
  const fa = rfft3d(a, shape);
  const fb = rfft3d(b, shape);
  const hx = 17;
  let worst = 0, big = 0;
  for (let z = 0; z < 32; z++) for (let y = 0; y < 32; y++) for (let x = 0; x < hx; x++) {
    const k = Math.hypot(x / 48, (y <= 16 ? y : y - 32) / 48, (z <= 16 ? z : z - 32) / 48);
    if (k >= sMax) continue;
    const i = 2 * ((z * 32 + y) * hx + x);
    worst = Math.max(worst, Math.hypot(fa[i] - fb[i], fa[i + 1] - fb[i + 1]));
    big = Math.max(big, Math.hypot(fa[i], fa[i + 1]));
  }
  return worst / big;
}

for (const minHalfWidthPerA of [0, 0.06, 0.08]) {
  test(`localBSharpen with B = 0: the map below the last band centre is unchanged (min half-width ${minHalfWidthPerA}/Å)`, () => {
    const bands = decompositionBands(30, 4, 6, { minHalfWidthPerA });
    if (minHalfWidthPerA > 0) assert.ok(bands[2].halfWidthPerA > bands[2].centrePerA - bands[1].centrePerA, 'shells wider than the spacing');
    const out = localBSharpen(map, bands, new Float32Array(n), new Float32Array(n).fill(6));
    const mismatch = spectrumMismatchBelow(out.data, map.data, bands[5].centrePerA);
    assert.ok(mismatch < 1e-4, `relative mismatch ${mismatch}`);
  });
}

// a box padded with zeros (a box resize): the data's box is filtered and put back, so the result
// inside it is that of the unpadded map (filtered whole, the step to the zeros rang into the data:
// synth_flex128 padded 128 → 160 differed by up to 6 % of its maximum)
test('localBSharpen of a map padded with zeros equals that of the map, 0 in the padding', () => {
  const bands = decompositionBands(30, 4, 6, {});
  const bRel = Float32Array.from({ length: n }, (_, i) => 100 * (i % 7) / 7);
  const used = Float32Array.from({ length: n }, (_, i) => 2 + (i % 5));
  const out = localBSharpen(map, bands, bRel, used);
  const m = 40;
  const padded = localBSharpen(padVolume(map, m, 4), bands, padCube(bRel, 32, m, 4), padCube(used, 32, m, 4));
  let maxd = 0;
  for (let z = 0; z < m; z++) for (let y = 0; y < m; y++) for (let x = 0; x < m; x++) {
    const inside = [x, y, z].every((c) => c >= 4 && c < 36);
    const v = padded.data[(z * m + y) * m + x];
    if (!inside) assert.equal(v, 0);
    else maxd = Math.max(maxd, Math.abs(v - out.data[((z - 4) * 32 + y - 4) * 32 + x - 4]));
  }
  assert.ok(maxd < 1e-6, `max |padded − unpadded| ${maxd}`);
});

// the default transforms only the block of frequencies within the last shell's edge (pruned,
// PFFFT where it can); the whole-box transforms are the reference: same map to float32 rounding,
// on a non-cubic box with an odd X edge, anisotropic voxels, varying B and usable bands
for (const [label, box, voxel, finestA] of [
  ['32³ at 0.8 Å, bands to 4 Å (block 10 of 17 X bins, 19 of 32 Y and Z)', [32, 32, 32], [0.8, 0.8, 0.8], 4],
  ['27×36×30 at 1.1/1.3/1.2 Å, bands to 5 Å (odd X; block 9 of 14 X bins, 25 of 36 Y, 21 of 30 Z)', [27, 36, 30], [1.1, 1.3, 1.2], 5],
  ['27×36×30 at 1.1/1.3/1.2 Å, bands to 3 Å (the block is the whole spectrum)', [27, 36, 30], [1.1, 1.3, 1.2], 3],
] as const) {
  test(`localBSharpen (pruned block) equals the whole-box transforms: ${label}`, () => {
    const sh: Shape3 = [box[0], box[1], box[2]];
    const m = sh[0] * sh[1] * sh[2];
    const r = mulberry32(11);
    const v: Volume = { data: Float32Array.from({ length: m }, () => r() - 0.5), shape: sh, voxelSizeA: [voxel[0], voxel[1], voxel[2]] };
    const bands = decompositionBands(30, finestA, 6, { minHalfWidthPerA: 0.03 });
    const bRel = Float32Array.from({ length: m }, () => 150 * r() - 20);
    const used = Float32Array.from({ length: m }, () => Math.floor(7 * r()));
    const a = localBSharpen(v, bands, bRel, used).data;
    const b = localBSharpenFull(v, bands, bRel, used).data;
    let maxd = 0, big = 0;
    for (let i = 0; i < m; i++) {
      maxd = Math.max(maxd, Math.abs(a[i] - b[i]));
      big = Math.max(big, Math.abs(b[i]));
    }
    assert.ok(big > 0.1, `the sharpened map is not empty (max ${big})`);
    assert.ok(maxd < 1e-5 * big, `max |pruned − full| ${maxd} against max ${big}`);
  });
}
