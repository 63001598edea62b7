/**
 * The local Guinier fit on exact band energies: one B is read back by the line and by the convex
 * fit alike; a mixture of disorders (a window holding rigid and displaced atoms) has a convex
 * log-amplitude curve whose initial slope is the mean B, which the convex fit reads and a line
 * through the bands underestimates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLocalGuinier } from '../../src/decomposition/guinier-fit.js';
import { decompositionBands } from '../../src/decomposition/bands.js';

// six bands from 30 Å to 3.5 Å, as decompose lays them out
const s2 = decompositionBands(30, 3.5, 6).map((b) => b.centrePerA ** 2);
/** One voxel's band inputs: signal energy `energy(s^2)`, tiny noise, reference 1. */
const voxel = (energy: (x: number) => number) => ({
  signal: s2.map((x) => Float32Array.of(energy(x))),
  noise: s2.map(() => Float32Array.of(1e-9)),
  reference: s2.map(() => 1),
  s2,
});

test('one B (energy exp(−B s²/2), occupancy 0.6): line and convex fit both give B and ln 0.6', () => {
  for (const B of [0, 40, 150]) {
    const bands = voxel((x) => 0.36 * Math.exp((-B * x) / 2));
    for (const convex of [false, true]) {
      const f = fitLocalGuinier(bands, 0.5, 1, { convex });
      assert.ok(Math.abs(f.bRelative[0] - B) < 0.5, `convex ${convex}, B ${B}: read ${f.bRelative[0]}`);
      assert.ok(Math.abs(f.intercept[0] - Math.log(0.6)) < 1e-3, `intercept ${f.intercept[0]}`);
      assert.equal(f.used[0], 6);
    }
  }
});

test('a mixture of B 0 and B 120 (mean 60): the convex fit reads the initial slope within 15 %, the line under 40', () => {
  // amplitude 0.5 exp(−0) + 0.5 exp(−120 s²/4): energy is its square
  const bands = voxel((x) => (0.5 + 0.5 * Math.exp((-120 * x) / 4)) ** 2);
  const line = fitLocalGuinier(bands, 0.5, 1).bRelative[0];
  const fit = fitLocalGuinier(bands, 0.5, 1, { convex: true });
  assert.ok(line < 40, `line ${line.toFixed(1)}`);
  assert.ok(Math.abs(fit.bRelative[0] - 60) <= 9, `convex ${fit.bRelative[0].toFixed(1)}`);
  assert.ok((fit.curvature as Float32Array)[0] > 0);
  // the line's B is kept alongside (sharpening uses it)
  assert.equal((fit.bLine as Float32Array)[0], line);
});

test('a concave curve (c < 0 is unphysical): the convex fit keeps the line', () => {
  const bands = voxel((x) => Math.exp(-2 * (40 * x + 300 * x * x)));
  const line = fitLocalGuinier(bands, 0.5, 1).bRelative[0];
  const fit = fitLocalGuinier(bands, 0.5, 1, { convex: true });
  assert.equal(fit.bRelative[0], line);
  assert.equal((fit.curvature as Float32Array)[0], 0);
});

test('fewer than four usable bands: the convex fit is the line', () => {
  const bands = voxel((x) => (0.5 + 0.5 * Math.exp((-120 * x) / 4)) ** 2);
  for (let k = 3; k < 6; k++) bands.signal[k][0] = 0; // unusable
  const line = fitLocalGuinier(bands, 0.5, 1).bRelative[0];
  const fit = fitLocalGuinier(bands, 0.5, 1, { convex: true });
  assert.equal(fit.used[0], 3);
  assert.equal(fit.bRelative[0], line);
});

test('a Gamma mixture of disorders (mean B 350 Å², θ 200 Å²): read back within 2 %, where the quadratic reads under 80 %', () => {
  // amplitude: the mean of exp(−B_j s²/4) over Gamma-distributed B_j = (1 + θ s²/4)^(−B/θ); energy its square
  const bands = voxel((x) => (1 + (200 * x) / 4) ** (-2 * (350 / 200)));
  const quadratic = fitLocalGuinier(bands, 0.5, 1, { convex: true }).bRelative[0];
  const gamma = fitLocalGuinier(bands, 0.5, 1, { convex: true, gammaThetasA2: [25, 50, 100, 200, 400, 800, 1600] });
  assert.ok(quadratic < 0.8 * 350, `quadratic ${quadratic.toFixed(1)}`);
  assert.ok(Math.abs(gamma.bRelative[0] - 350) <= 7, `Gamma mixture ${gamma.bRelative[0].toFixed(1)}`);
  assert.ok(Math.abs((gamma.curvature as Float32Array)[0] - (350 * 200) / 32) <= 0.02 * (350 * 200) / 32);
  // the intercept and the line's B are the line's, as with the quadratic
  const line = fitLocalGuinier(bands, 0.5, 1);
  assert.equal(gamma.intercept[0], line.intercept[0]);
  assert.equal((gamma.bLine as Float32Array)[0], line.bRelative[0]);
});

test('one B, a concave curve, or fewer than four bands: the Gamma mixture reads as the line', () => {
  const grid = { convex: true, gammaThetasA2: [25, 50, 100, 200, 400, 800, 1600] };
  for (const B of [0, 40, 150]) {
    const f = fitLocalGuinier(voxel((x) => 0.36 * Math.exp((-B * x) / 2)), 0.5, 1, grid);
    assert.ok(Math.abs(f.bRelative[0] - B) < 0.5, `B ${B}: read ${f.bRelative[0]}`);
  }
  const concave = voxel((x) => Math.exp(-2 * (40 * x + 300 * x * x)));
  assert.equal(fitLocalGuinier(concave, 0.5, 1, grid).bRelative[0], fitLocalGuinier(concave, 0.5, 1).bRelative[0]);
  const three = voxel((x) => (0.5 + 0.5 * Math.exp((-120 * x) / 4)) ** 2);
  for (let k = 3; k < 6; k++) three.signal[k][0] = 0;
  assert.equal(fitLocalGuinier(three, 0.5, 1, grid).bRelative[0], fitLocalGuinier(three, 0.5, 1).bRelative[0]);
});
