/**
 * A solvent level off 0 (a constant left by processing) moves every local scale, as the method
 * measures the scale from 0 (spec §6, as the original): the estimate says so, with the level and
 * what it does to a half-occupied domain. Before session 50 nothing was said: synth_occ128 + 0.05
 * read its four domains 0.88 / 0.75 / 0.62 / 0.50 against 0.84 / 0.67 / 0.48 / 0.33 (resolution
 * mode) without a word.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { estimateLocalScale } from '../../src/index.js';
import { solventOffsetWarning, SOLVENT_OFFSET_MAX_FRACTION } from '../../src/occupancy/estimate.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import type { Volume } from '../../src/core/volume.js';

const plus = (v: Volume, c: number): Volume => ({ ...v, data: v.data.map((x) => x + c) });

describe('solvent level off 0', () => {
  let map: Volume;
  before(async () => {
    await loadFft();
    map = occupancyPhantom({ shape: [64, 64, 64], voxelSizeA: 1.5, resolutionA: 6, snr: 5, seed: 21, domains: [{ centreVoxel: [24, 32, 32], radiusA: 12, occupancy: 1 }, { centreVoxel: [42, 32, 32], radiusA: 10, occupancy: 0.5 }] }).map;
  });

  it('the warning: from 5 % of s_max and half a solvent SD, with the reading of a half-occupied domain', () => {
    assert.equal(solventOffsetWarning(0.004, 0.01, 0.1), undefined, '4 % of s_max');
    assert.equal(solventOffsetWarning(0.02, 0.1, 0.1), undefined, '20 % of s_max but a fifth of the peak width');
    assert.match(solventOffsetWarning(0.02, 0.01, 0.1) ?? '', /sits at 0\.0200 \(20 % of s_max, 2\.0 solvent SDs\).*reads about 0\.60 instead of 0\.50.*subtract 0\.0200 from the map/);
    assert.match(solventOffsetWarning(-0.02, 0.01, 0.1) ?? '', /reads lower.*about 0\.40 instead.*add 0\.0200 to the map/);
    assert.equal(SOLVENT_OFFSET_MAX_FRACTION, 0.05);
  });

  it('the estimate warns of a constant added to the map, and not of the map as made', async () => {
    const quiet = await estimateLocalScale(map, { mode: 'occ' });
    assert.ok(!quiet.summary.warnings.some((w) => /solvent peak sits/.test(w)), quiet.summary.warnings.join('\n'));
    let max = -Infinity;
    for (const v of map.data) if (v > max) max = v;
    for (const c of [0.3 * max, -0.3 * max]) {
      // the estimate's own warning (without the input diagnostics)
      const r = await estimateLocalScale(plus(map, c), { mode: 'occ', diagnostics: false });
      assert.ok(r.summary.warnings.some((w) => /solvent peak sits at .* not at 0/.test(w)), `offset ${c}: ${r.summary.warnings.join('\n')}`);
      // with them (the default since session 60), said once, as the CLI says it: the `offset` finding
      const d = await estimateLocalScale(plus(map, c), { mode: 'occ' });
      assert.ok(d.summary.diagnostics.some((f) => f.code === 'offset'), `offset ${c}: ${JSON.stringify(d.summary.diagnostics)}`);
      assert.equal(d.summary.warnings.filter((w) => /^\[offset\] the solvent sits at/.test(w)).length, 1, d.summary.warnings.join('\n'));
      assert.ok(!d.summary.warnings.some((w) => /solvent peak sits at .* not at 0/.test(w)), d.summary.warnings.join('\n'));
    }
  });
});
