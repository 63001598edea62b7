/**
 * The variability limit counts the voxels at full scale even where 1/s_max rounds down: for
 * s_max = 0.14415699243545532 (a float32), s_max · (1/s_max) = 1 − 2⁻⁵³, and the map stored in
 * another axis order (same density, other tile) read a variability limit of 1 instead of 0.447.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { computeLocalScale } from '../../src/occupancy/local-scale.js';
import { sphericalKernel } from '../../src/filters/spherical-kernel.js';

it('variability limit: a voxel equal to s_max is at full scale whatever 1/s_max rounds to', () => {
  const sMax = Math.fround(0.14415699243545532);
  assert.ok(sMax * (1 / sMax) < 1, 'the case needs a value whose reciprocal rounds down');
  const n = 8;
  const input = new Float32Array(n * n * n).fill(0.01);
  input[(4 * n + 4) * n + 4] = sMax;
  const out = new Float32Array(input.length);
  const r = computeLocalScale(input, { shape: [n, n, n], kernel: sphericalKernel(3, 1.5), tau: 1, useS0: true }, out);
  assert.equal(r.sMax, sMax);
  // the voxels within the kernel of the peak are at full scale; their input is 0.01 except the peak
  let nFull = 0;
  let sum = 0;
  for (let i = 0; i < out.length; i++) if (out[i] === 1) { nFull++; sum += input[i]; }
  assert.ok(nFull >= 7, `${nFull} voxels at full scale`);
  assert.ok(Math.abs(r.variabilityLimit - sum / nFull / sMax) < 1e-9, `variability limit ${r.variabilityLimit}`);
  assert.ok(r.variabilityLimit < 1);
});
