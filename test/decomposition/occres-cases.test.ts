/**
 * The decomposition on a phantom made as `synth_occres128` is (a fully occupied and a partly
 * occupied domain at a fine resolution, the same pair at a coarse one; the references' spectrum),
 * with other seeds, voxel size, resolutions and occupancies: `occres-1.5` of
 * `bench/decompose-accuracy.ts --cases occres --fresh-seed 1 --reference-spectrum`. Its coarse
 * partial domain has a high local B (resolution), so the wide-window fit is blended in there; with
 * the earlier wide windows of 0.4 wavelengths (12 Å at the 30 Å band) it took in its full
 * neighbours' energy and read 0.54 against 0.34.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { decompose, type DecomposeOptions } from '../../src/decomposition/decompose.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { scoreDecomposition, type DecompositionScore } from '../../src/decomposition/evaluate.js';
import { REFERENCE_SPECTRUM } from '../../src/resolution/half-map-phantom.js';

await loadFft();

const domains = [
  { occupancy: 1, resolutionA: 3.2 }, { occupancy: 0.51, resolutionA: 3.2 },
  { occupancy: 1, resolutionA: 7.9 }, { occupancy: 0.34, resolutionA: 7.9 },
];
const p = decompositionPhantom({ seed: 2524, box: 104, voxelSizeA: 1.2, domains, ...REFERENCE_SPECTRUM });
const truth = domains.map((d) => ({ occupancy: d.occupancy, flexible: false }));
const score = (o: DecomposeOptions = {}): DecompositionScore => {
  const r = decompose(p.map, { halfMaps: [p.half1, p.half2], ...o });
  return scoreDecomposition(r.occupancy.data, p.occupancy, p.labels, p.mask, truth, r.bfactor.data);
};
const now = score();
const fmt = (s: DecompositionScore) => s.domains.map((d) => `${d.relative.toFixed(2)} (truth ${d.trueOccupancy.toFixed(2)}, B ${(d.bMedianA2 as number).toFixed(0)})`).join(' / ') + `, r ${s.r.toFixed(3)}`;

test('occupancy and resolution pairs (3.2 / 7.9 Å, 1.2 Å voxels): every domain within ±0.15 with half maps; wide windows of 0.4 wavelengths read the coarse partial domain > 0.15 high', (t) => {
  const before = score({ wideWindowPerWavelength: 0.4 });
  t.diagnostic(`half maps: ${fmt(now)}; with 0.4-wavelength wide windows: ${fmt(before)}`);
  for (const d of now.domains) assert.ok(Math.abs(d.relative - d.trueOccupancy) <= 0.15, `domain ${d.label}: ${d.relative.toFixed(3)} vs truth ${d.trueOccupancy.toFixed(3)}`);
  assert.ok(now.r >= 0.9, `r ${now.r.toFixed(3)}`);
  // the coarse domains carry the higher B (resolution), so the wide fit is blended in there
  assert.ok((now.domains[3].bMedianA2 as number) > (now.domains[1].bMedianA2 as number) + 100);
  const coarsePartial = before.domains[3];
  assert.ok(coarsePartial.relative - coarsePartial.trueOccupancy > 0.15, `0.4 wavelengths: ${coarsePartial.relative.toFixed(3)} vs ${coarsePartial.trueOccupancy.toFixed(3)}`);
});

test('occupancySmoothPasses: validated (an integer in 1..10); two passes give a higher r than one on the same maps', (t) => {
  for (const bad of [0, 1.5, 11, Number.NaN]) assert.throws(() => decompose(p.map, { occupancySmoothPasses: bad }), /occupancySmoothPasses must be an integer in 1\.\.10/);
  const one = score({ occupancySmoothPasses: 1 });
  const two = now;
  t.diagnostic(`one pass: ${fmt(one)}; two: ${fmt(two)}`);
  assert.ok(two.r > one.r, `r ${two.r.toFixed(3)} (2 passes) vs ${one.r.toFixed(3)} (1)`);
  // the domains' medians move little (the steps between domains are kept)
  two.domains.forEach((d, k) => assert.ok(Math.abs(d.relative - one.domains[k].relative) < 0.05, `domain ${d.label}: ${d.relative.toFixed(3)} vs ${one.domains[k].relative.toFixed(3)}`));
});
