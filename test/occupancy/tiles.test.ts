/**
 * The tiled percentile search for s_max (spec §6.1): per-axis tiling, the ball of tiles and the
 * tau-quantile per tile, against a brute-force implementation that sorts every tile.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axisTiling, tileMaximum } from '../../src/occupancy/tiles.js';
import { estimateLocalScale } from '../../src/occupancy/estimate.js';
import { OptionError } from '../../src/core/option-error.js';
import type { Shape3, Vec3 } from '../../src/core/volume.js';
import { uniformRandomMap } from '../helpers/fixtures.js';

/** Values uniform in [-0.5, 1.5). */
const randomMap = (shape: Shape3, seed: number): Float32Array => uniformRandomMap(shape, seed, -0.5, 1.5);

/** Spec §6.1 tiling along one axis, written out independently. */
function specTiling(n: number, tile: number): { nTiles: number; step: number; margin: number } {
  const nTiles = n - tile + 1 < 20 ? n - tile + 1 : 20;
  const step = nTiles > 1 ? tile + Math.floor((n - nTiles * tile) / (nTiles - 1)) : tile;
  const margin = Math.floor((n - ((nTiles - 1) * step + tile)) / 2);
  return { nTiles, step, margin };
}

/**
 * Brute force of spec §6.1 for boxes with 20 tiles on every axis: the ball of tiles is
 * `|index - 10| < 9` (Euclidean), each tile sorted, value at floor(tau·count) (last for tau = 1).
 */
function bruteTileMax(data: Float32Array, shape: Shape3, tau: number): { value: number; centre: Vec3; used: number } {
  const [nx, ny] = shape;
  const ax = shape.map((n) => {
    const t = Math.max(1, Math.floor(n / 20));
    return { t, ...specTiling(n, t) };
  });
  for (const a of ax) assert.equal(a.nTiles, 20, 'brute force assumes 20 tiles per axis');
  const count = ax[0].t * ax[1].t * ax[2].t;
  const rank = Math.min(count - 1, Math.floor(tau * count));
  let best = -Infinity;
  let centre: Vec3 = [0, 0, 0];
  let used = 0;
  for (let k = 0; k < 20; k++) for (let j = 0; j < 20; j++) for (let i = 0; i < 20; i++) {
    if (!(Math.hypot(i - 10, j - 10, k - 10) < 9)) continue;
    used++;
    const x0 = ax[0].margin + i * ax[0].step;
    const y0 = ax[1].margin + j * ax[1].step;
    const z0 = ax[2].margin + k * ax[2].step;
    const vals: number[] = [];
    for (let z = z0; z < z0 + ax[2].t; z++) for (let y = y0; y < y0 + ax[1].t; y++) for (let x = x0; x < x0 + ax[0].t; x++) {
      vals.push(data[(z * ny + y) * nx + x]);
    }
    vals.sort((p, q) => p - q);
    const v = vals[rank];
    if (v > best) {
      best = v;
      centre = [x0 + (ax[0].t - 1) / 2, y0 + (ax[1].t - 1) / 2, z0 + (ax[2].t - 1) / 2];
    }
  }
  return { value: best, centre, used };
}

describe('axisTiling (spec §6.1)', () => {
  it('n = 64: 20 tiles of 3, step 3, margin 2', () => {
    assert.deepEqual(axisTiling(64), { nTiles: 20, tile: 3, step: 3, margin: 2 });
  });
  it('n = 20: 20 tiles of 1, step 1, margin 0', () => {
    assert.deepEqual(axisTiling(20), { nTiles: 20, tile: 1, step: 1, margin: 0 });
  });
  it('n = 100: 20 tiles of 5, step 5, margin 0; n = 128: tile 6, step 6, margin 4', () => {
    assert.deepEqual(axisTiling(100), { nTiles: 20, tile: 5, step: 5, margin: 0 });
    assert.deepEqual(axisTiling(128), { nTiles: 20, tile: 6, step: 6, margin: 4 });
  });
  it('fewer than 20 tiles fit: n = 12 → 12 tiles of 1; n = 12 with tile 4 → 9 tiles (n - t + 1)', () => {
    assert.deepEqual(axisTiling(12), { nTiles: 12, tile: 1, step: 1, margin: 0 });
    const t = axisTiling(12, 4);
    assert.equal(t.nTiles, 9);
    assert.equal(t.tile, 4);
    assert.deepEqual(t, { tile: 4, ...specTiling(12, 4) });
  });
  it('an explicit tile size that over-fills the box (--tile-size 12 on n = 200): step 12 + floor(-40/19) = 9, margin 8', () => {
    assert.deepEqual(axisTiling(200, 12), { nTiles: 20, tile: 12, step: 9, margin: 8 });
  });
  it('matches the spec formulas and every tile lies inside the box, for n = 1..300 and several tile sizes', () => {
    for (let n = 1; n <= 300; n++) {
      for (const ts of [undefined, 1, 2, 5, 12]) {
        if (ts !== undefined && ts > n) continue;
        const t = axisTiling(n, ts);
        const tile = ts ?? Math.max(1, Math.floor(n / 20));
        const s = specTiling(n, tile);
        assert.deepEqual(t, { nTiles: s.nTiles, tile, step: s.step, margin: s.margin }, `n ${n} tile ${ts}`);
        assert.ok(t.nTiles >= 1 && t.nTiles <= 20);
        assert.ok(t.margin >= 0, `n ${n} tile ${ts}: margin ${t.margin}`);
        assert.ok(t.margin + (t.nTiles - 1) * t.step + t.tile <= n, `n ${n} tile ${ts}: last tile ends past the box`);
      }
    }
  });
  it('rejects a tile larger than the box or a non-positive tile size', () => {
    assert.throws(() => axisTiling(10, 11), RangeError);
    assert.throws(() => axisTiling(10, 0), /--tile-size/);
  });
});

describe('tileMaximum (spec §6.1) against a brute-force sort of every tile', () => {
  const shapes: Shape3[] = [[40, 40, 40], [30, 40, 50], [64, 41, 47]];
  const taus = [0.5, 0.8902, 0.9668, 0.99479, 1];
  for (const shape of shapes) {
    it(`${shape.join('x')}, tau ∈ {${taus.join(', ')}}`, () => {
      const data = randomMap(shape, 11 + shape[0] + shape[2]);
      const copy = Float32Array.from(data);
      for (const tau of taus) {
        const got = tileMaximum(data, shape, tau);
        const ref = bruteTileMax(data, shape, tau);
        assert.equal(got.value, ref.value, `tau ${tau}`);
        assert.deepEqual(got.centreVoxel, ref.centre, `tau ${tau}`);
        assert.equal(got.tilesUsed, ref.used);
      }
      assert.deepEqual(data, copy, 'the input map was modified');
    });
  }

  it('uses the tiles whose index distance from (10,10,10) is < 9 (brute-force count)', () => {
    let n = 0;
    for (let k = 0; k < 20; k++) for (let j = 0; j < 20; j++) for (let i = 0; i < 20; i++) if (Math.hypot(i - 10, j - 10, k - 10) < 9) n++;
    assert.equal(tileMaximum(randomMap([40, 40, 40], 3), [40, 40, 40], 0.9).tilesUsed, n);
    assert.ok(n < 8000 && n > 2000);
  });
});

describe('tileMaximum: the ball of tiles skips the corners (64³, tiles of 3, step 3, margin 2)', () => {
  const shape: Shape3 = [64, 64, 64];
  /** A 64³ noise map in [0, 1) with tile (i, j, k) set to `value`. */
  function withTile(i: number, j: number, k: number, value: number): Float32Array {
    const d = randomMap(shape, 5).map((v) => v * 0.1);
    for (let z = 2 + 3 * k; z < 5 + 3 * k; z++) for (let y = 2 + 3 * j; y < 5 + 3 * j; y++) for (let x = 2 + 3 * i; x < 5 + 3 * i; x++) d[(z * 64 + y) * 64 + x] = value;
    return d;
  }
  it('a huge corner tile (0,0,0) is not chosen', () => {
    const r = tileMaximum(withTile(0, 0, 0, 1000), shape, 0.9);
    assert.ok(r.value < 1, `s_max ${r.value}`);
  });
  it('a huge tile at the box centre (10,10,10) is chosen and centreVoxel points at it', () => {
    const r = tileMaximum(withTile(10, 10, 10, 1000), shape, 0.9);
    assert.equal(r.value, 1000);
    assert.deepEqual(r.centreVoxel, [33, 33, 33]);
    assert.deepEqual(r.halfSizeVoxel, [1.5, 1.5, 1.5]);
  });
  it('boundary of the ball: tile (1,10,10) at distance 9 is excluded, (2,10,10) at distance 8 is used', () => {
    assert.ok(tileMaximum(withTile(1, 10, 10, 1000), shape, 0.9).value < 1);
    assert.ok(tileMaximum(withTile(19, 10, 10, 1000), shape, 0.9).value < 1);
    const r = tileMaximum(withTile(2, 10, 10, 1000), shape, 0.9);
    assert.equal(r.value, 1000);
    assert.deepEqual(r.centreVoxel, [2 + 6 + 1, 33, 33]);
  });
  it('the quantile, not the maximum: one hot voxel in a tile of 27 does not win at tau = 0.9', () => {
    const d = randomMap(shape, 5).map((v) => v * 0.1);
    d[(33 * 64 + 33) * 64 + 33] = 1000;
    assert.ok(tileMaximum(d, shape, 0.9).value < 1);
    assert.equal(tileMaximum(d, shape, 1).value, 1000);
  });
});

describe('tileMaximum: an axis of 3 tiles does not restrict the ball (it would hold none)', () => {
  it('boxes 3 voxels thick along x, y or z, a 3³ box and a tile of 12 in a 14³ box find tiles', () => {
    // before: "no tile fits in the box 3x128x128" (RangeError) while 1, 2, 4 and 5 voxels worked
    // ball over the other two axes (20 tiles each): |index - 10| / 9 < 1
    let disc = 0;
    for (let k = 0; k < 20; k++) for (let j = 0; j < 20; j++) if (((j - 10) / 9) ** 2 + ((k - 10) / 9) ** 2 < 1) disc++;
    for (const shape of [[3, 40, 40], [40, 3, 40], [40, 40, 3]] as Shape3[]) {
      const data = randomMap(shape, 17);
      const r = tileMaximum(data, shape, 0.9);
      assert.equal(r.tilesUsed, 3 * disc, shape.join('x'));
      assert.ok(Number.isFinite(r.value) && r.value <= Math.max(...data), shape.join('x'));
    }
    assert.equal(tileMaximum(randomMap([3, 3, 3], 2), [3, 3, 3], 0.9).tilesUsed, 27);
    assert.equal(tileMaximum(randomMap([14, 14, 14], 2), [14, 14, 14], 0.9, 12).tilesUsed, 27);
    // 4 tiles along an axis still restrict (radius 1: indices 1..3 of 0..3)
    assert.equal(tileMaximum(randomMap([4, 4, 4], 2), [4, 4, 4], 0.9).tilesUsed, 1);
  });
});

describe('a tile larger than the box', () => {
  it("is refused by the estimate with the option schema's message (as by the CLI, the batch and the GUI)", () => {
    const shape: Shape3 = [20, 20, 16];
    const map = { data: randomMap(shape, 3), shape, voxelSizeA: [2, 2, 2] as Vec3 };
    assert.throws(
      () => estimateLocalScale(map, { tileSize: 17 }),
      (e: Error) => e instanceof OptionError && e.option === 'tileSize' && e.message === '--tile-size must be an integer in 1..16 for this map (processing box 20x20x16), got 17',
    );
  });
});
