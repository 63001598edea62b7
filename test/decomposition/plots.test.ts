/**
 * The Guinier-fit plot of `occupy decompose --plot`: points where a region has usable bands, and
 * its fitted line over the same range.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guinierFitsSpec } from '../../src/decomposition/plots.js';
import type { BandSummary, GuinierExample } from '../../src/decomposition/decompose.js';

const band = (resolutionA: number): BandSummary => ({ centrePerA: 1 / resolutionA, halfWidthPerA: 0.03, windowSigmaA: 5, wideWindowSigmaA: 5, resolutionA, referenceAmplitude: 1, noiseAmplitude: 0.1, usableFraction: 1 });
const bands = [30, 15, 10, 7.5, 6].map(band);
const examples: GuinierExample[] = [
  { name: 'best (reference)', voxels: 10, logRatio: [0, -0.01, 0, 0.01, 0], intercept: 0, bRelativeA2: 0, occupancy: 1 },
  { name: 'high B', voxels: 10, logRatio: [-0.05, -0.3, -0.6, Number.NaN, Number.NaN], intercept: 0, bRelativeA2: 200, occupancy: 0.95 },
];

test('guinierFitsSpec: each line runs from s² = 0 to its region\'s finest plotted band, at intercept − B s²/4; NaN points are left out', () => {
  const spec = guinierFitsSpec(examples, bands, 't', 51.3) as unknown as { layer: { data: { values: { region: string; s2: number; y: number }[] } }[] };
  const [points, lines] = spec.layer.map((l) => l.data.values);
  assert.equal(points.length, 5 + 3);
  const of = (name: string) => lines.filter((p) => p.region.startsWith(name)).map((p) => p.s2);
  const near = (got: number[], want: number[]) => assert.ok(got.length === want.length && got.every((v, i) => Math.abs(v - want[i]) < 1e-12), `${got} vs ${want}`);
  near(of('best'), [0, (1 / 6) ** 2]);
  near(of('high B'), [0, (1 / 10) ** 2]);
  const end = lines.find((p) => p.region.startsWith('high B') && p.s2 > 0) as { y: number };
  assert.ok(Math.abs(end.y - (0 - (200 * 0.01) / 4)) < 1e-12, `line end ${end.y}`);
  // the legend's B is the B map's (relative + the reference's), and says so (session 50: the relative B, unlabelled)
  assert.ok(points.some((p) => p.region === "high B (occ 0.95, B 251 Å²: +200 on the reference's 51)"), points.map((p) => p.region).join('\n'));
  assert.ok(points.some((p) => p.region === "best (reference) (occ 1.00, B 51 Å²: +0 on the reference's 51)"));
});
