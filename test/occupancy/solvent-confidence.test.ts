/**
 * Solvent model (spec §5) and confidence (spec §7) on synthetic maps with known truth.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inscribedEllipsoidMask, inscribedEllipsoidMaskBruteForce } from '../../src/math/inscribed-ellipsoid.js';
import { fitSolventModel, initialGuess, solventRegion, gaussian, histogramHeightUnit } from '../../src/occupancy/solvent-model.js';
import { confidenceCurve, confidenceMap } from '../../src/occupancy/confidence.js';
import type { DensityHistogram } from '../../src/math/histogram.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import type { Shape3 } from '../../src/core/volume.js';

function noise(shape: Shape3, seed: number, mu: number, sigma: number): Float32Array {
  const g = gaussianSampler(mulberry32(seed));
  const d = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < d.length; i++) d[i] = mu + sigma * g();
  return d;
}

/** Noise (mu 0.3, sigma 0.05) plus a Gaussian blob of amplitude `amp`, width `s` voxels at the centre. */
function blobInNoise(n: number, seed: number, amp = 2, s = 4): { data: Float32Array; dist: Float64Array } {
  const data = noise([n, n, n], seed, 0.3, 0.05);
  const dist = new Float64Array(n * n * n);
  const c = (n - 1) / 2;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const i = (z * n + y) * n + x;
    const r = Math.hypot(x - c, y - c, z - c);
    dist[i] = r;
    data[i] += amp * Math.exp(-(r * r) / (2 * s * s));
  }
  return { data, dist };
}

describe('fitSolventModel on pure Gaussian noise (spec §5)', () => {
  const shape: Shape3 = [64, 64, 64];
  const data = noise(shape, 2024, 0.3, 0.05);
  const m = fitSolventModel(data, shape);

  it('recovers mu = 0.3 and sigma = 0.05 within 2 %', () => {
    assert.ok(Math.abs(m.model.mu - 0.3) <= 0.02 * 0.3, `mu ${m.model.mu}`);
    assert.ok(Math.abs(m.model.sigma - 0.05) <= 0.02 * 0.05, `sigma ${m.model.sigma}`);
  });

  it('the peak height c matches the normal density 1/(sigma·sqrt(2π)) within 5 %', () => {
    const c = 1 / (0.05 * Math.sqrt(2 * Math.PI));
    assert.ok(Math.abs(m.model.c - c) <= 0.05 * c, `c ${m.model.c} vs ${c}`);
  });

  it('uses the inscribed sphere, a 1000-bin histogram, and reports limits ordered around the peak', () => {
    assert.equal(m.region, 'sphere');
    assert.equal(m.histogram.density.length, 1000);
    const inSphere = inscribedEllipsoidMask(shape).reduce((s, v) => s + v, 0);
    assert.equal(m.histogram.counts.reduce((s, v) => s + v, 0), inSphere);
    assert.ok(m.solventEdge > m.model.mu, `edge ${m.solventEdge}`);
    assert.ok(m.solventEdge <= m.histogram.hi);
  });

  it('the initial guess is near the truth (peak bin within 2 sigma, width within a factor 2)', () => {
    assert.ok(Math.abs(m.initial.mu - 0.3) < 2 * 0.05, `mu0 ${m.initial.mu}`);
    assert.ok(m.initial.sigma > 0.025 && m.initial.sigma < 0.1, `sigma0 ${m.initial.sigma}`);
  });

  it('is invariant to the density scale: noise × 1e-4 gives mu and sigma × 1e-4', () => {
    const scaled = data.map((v) => v * 1e-4);
    const s = fitSolventModel(scaled, shape);
    assert.ok(Math.abs(s.model.mu / 1e-4 - m.model.mu) <= 1e-3 * m.model.mu, `mu ${s.model.mu}`);
    assert.ok(Math.abs(s.model.sigma / 1e-4 - m.model.sigma) <= 1e-3 * m.model.sigma, `sigma ${s.model.sigma}`);
  });
});

describe('initialGuess (spec §5.3)', () => {
  function hist(density: number[], lo: number, width: number): DensityHistogram {
    const d = Float64Array.from(density);
    return { lo, hi: lo + width * density.length, width, density: d, counts: Float64Array.from(density) };
  }
  it('mu0 = left edge of the peak bin, c0 = its height, sigma0 = (first bin right of p below c0/e − p) × width', () => {
    // peak at bin 3 (height 10); c0/e = 3.68: bin 4 (8), 5 (4) stay above, bin 6 (3.6) is the first below.
    const g = initialGuess(hist([0, 1, 3, 10, 8, 4, 3.6, 1, 0], -1, 0.25));
    assert.equal(g.c, 10);
    assert.equal(g.mu, -1 + 3 * 0.25);
    assert.equal(g.sigma, 3 * 0.25);
  });
  it('a height exactly at c0/e does not end the walk; the next lower bin does', () => {
    // c0 = e, c0/e = 1: bin 2 (height 1) continues, bin 3 (0.5) ends → sigma0 = 2 bins.
    const g = initialGuess(hist([1, Math.E, 1, 0.5], 0, 1));
    assert.equal(g.mu, 1);
    assert.equal(g.c, Math.E);
    assert.equal(g.sigma, 2);
    const h = initialGuess(hist([Math.E, 1, 1, 0.5], 0, 1));
    assert.equal(h.mu, 0);
    assert.equal(h.sigma, 3);
  });
});

describe('inscribedEllipsoidMask (spec §5.1, §12)', () => {
  it('64³ equals the brute-force sphere dist((x,y,z), (31.5,31.5,31.5)) <= 32 voxel by voxel', () => {
    const m = inscribedEllipsoidMask([64, 64, 64]);
    let count = 0;
    let brute = 0;
    for (let z = 0; z < 64; z++) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) {
      const inside = Math.hypot(x - 31.5, y - 31.5, z - 31.5) <= 32 ? 1 : 0;
      const i = (z * 64 + y) * 64 + x;
      assert.equal(m[i], inside, `(${x},${y},${z})`);
      brute += inside;
      count += m[i];
    }
    assert.equal(count, brute);
  });

  for (const shape of [[20, 30, 40], [21, 33, 17], [64, 48, 40], [21, 33, 16]] as Shape3[]) {
    it(`${shape.join('x')}: an ellipsoid touching each face, symmetric, corners outside`, () => {
      const [nx, ny, nz] = shape;
      const m = inscribedEllipsoidMask(shape);
      const at = (x: number, y: number, z: number) => m[(z * ny + y) * nx + x];
      const touches = [0, 0, 0, 0, 0, 0];
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
        const v = at(x, y, z);
        assert.equal(at(nx - 1 - x, y, z), v);
        assert.equal(at(x, ny - 1 - y, z), v);
        assert.equal(at(x, y, nz - 1 - z), v);
        if (!v) continue;
        if (x === 0) touches[0]++;
        if (x === nx - 1) touches[1]++;
        if (y === 0) touches[2]++;
        if (y === ny - 1) touches[3]++;
        if (z === 0) touches[4]++;
        if (z === nz - 1) touches[5]++;
      }
      assert.ok(touches.every((t) => t > 0), `face contacts ${touches}`);
      assert.equal(at(0, 0, 0), 0);
      assert.equal(at(nx - 1, ny - 1, nz - 1), 0);
      const frac = m.reduce((s, v) => s + v, 0) / (nx * ny * nz);
      // volume of the ellipsoid with semi-axes n_i/2, relative to the box: pi/6
      const expected = Math.PI / 6;
      assert.ok(Math.abs(frac - expected) < 0.03, `filled fraction ${frac} vs ${expected}`);
    });
  }
});

describe('solventRegion with --solvent-def (spec §5.1)', () => {
  const n = 32;
  const shape: Shape3 = [n, n, n];
  // Left half (x < 16) quiet noise, right half loud noise.
  const data = noise(shape, 8, 0, 1);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const i = (z * n + y) * n + x;
    data[i] *= x < n / 2 ? 0.1 : 2;
  }
  const sphere = inscribedEllipsoidMaskBruteForce(shape);
  const half = (left: boolean) => {
    const d = new Float32Array(n * n * n);
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) d[(z * n + y) * n + x] = (x < n / 2) === left ? 1 : 0;
    return d;
  };

  it('a solvent mask (1 on the quiet side) selects the mask itself, restricted to the sphere', () => {
    const r = solventRegion(data, shape, half(true));
    assert.equal(r.region, 'solvent-def');
    const def = half(true);
    const mask = r.mask as Uint8Array;
    for (let i = 0; i < def.length; i++) assert.equal(mask[i], def[i] > 0.9 && sphere[i] ? 1 : 0);
  });

  it('a molecule mask (1 on the loud side) selects its complement: the quiet, lower-variance side', () => {
    const r = solventRegion(data, shape, half(false));
    assert.equal(r.region, 'solvent-def-complement');
    const quiet = half(true);
    const mask = r.mask as Uint8Array;
    for (let i = 0; i < quiet.length; i++) assert.equal(mask[i], quiet[i] && sphere[i] ? 1 : 0);
  });

  it('binarises at > 0.9: a mask of 0.9 everywhere (or 1 everywhere) does not split the sphere and is refused (it had been used as the whole sphere, silently)', () => {
    assert.throws(() => solventRegion(data, shape, new Float32Array(n * n * n).fill(0.9)), /--solvent-def selects no usable region inside the solvent sphere: no voxel .* > 0\.9/);
    assert.throws(() => solventRegion(data, shape, new Float32Array(n * n * n).fill(1)), /every voxel of the inscribed sphere has a value > 0\.9/);
  });

  it('without a definition the region is the sphere', () => {
    const r = solventRegion(data, shape);
    assert.equal(r.region, 'sphere');
    assert.ok(!(r.mask instanceof Uint8Array) && r.mask.rowLength === n, 'the sphere comes as row runs');
    const expanded = new Uint8Array(n * n * n);
    for (let row = 0; row < n * n; row++) expanded.fill(1, row * n + r.mask.runs[2 * row], row * n + r.mask.runs[2 * row + 1]);
    assert.deepEqual(expanded, sphere);
  });

  it('fitSolventModel with the molecule mask fits the quiet side (sigma ≈ 0.1)', () => {
    const m = fitSolventModel(data, shape, half(false));
    assert.equal(m.region, 'solvent-def-complement');
    assert.ok(Math.abs(m.model.sigma - 0.1) < 0.01, `sigma ${m.model.sigma}`);
  });
});

describe('confidence (spec §7) on noise + a bright blob', () => {
  const n = 48;
  const shape: Shape3 = [n, n, n];
  const { data, dist } = blobInNoise(n, 99);
  const solvent = fitSolventModel(data, shape);
  const curve = confidenceCurve(data, solvent.model);
  const conf = confidenceMap(data, curve);

  it('the solvent model finds the noise (mu ≈ 0.3, sigma ≈ 0.05 within 5 %)', () => {
    assert.ok(Math.abs(solvent.model.mu - 0.3) < 0.05 * 0.3, `mu ${solvent.model.mu}`);
    assert.ok(Math.abs(solvent.model.sigma - 0.05) < 0.05 * 0.05, `sigma ${solvent.model.sigma}`);
  });

  it('confidence ≈ 0 in the solvent (mean < 0.05 beyond 16 voxels from the blob) and 1 at its core', () => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < conf.length; i++) {
      if (dist[i] > 16) { s += conf[i]; c++; }
      if (dist[i] < 2) assert.equal(conf[i], 1, `core voxel ${i} at r ${dist[i].toFixed(2)}: ${conf[i]}`);
    }
    assert.ok(c > 1000);
    assert.ok(s / c < 0.05, `mean solvent confidence ${s / c}`);
  });

  it('every voxel confidence is in [0, 1]', () => {
    for (const v of conf) assert.ok(v >= 0 && v <= 1);
  });

  it('the curve is in [0, 1], non-decreasing, and its rise never speeds up towards higher density (§7.3)', () => {
    const q = curve.curve;
    assert.equal(q.length, 1000);
    for (let i = 0; i < q.length; i++) assert.ok(q[i] >= 0 && q[i] <= 1, `q[${i}] = ${q[i]}`);
    for (let i = 0; i + 1 < q.length; i++) assert.ok(q[i + 1] >= q[i], `q decreases at ${i}`);
    for (let i = 0; i + 2 < q.length; i++) {
      if (q[i] <= 0) continue;
      assert.ok(q[i + 1] - q[i] >= q[i + 2] - q[i + 1] - 1e-12, `drop slows at ${i}`);
    }
    assert.equal(q[0], 0);
    assert.ok(q[999] > 0.99);
  });

  it('the raw curve is (h + ε − fit)/(h + ε) with the model at each bin’s lower edge, ε = 0.01 × min(1, c / 10)', () => {
    const h = curve.histogram;
    const eps = 0.01 * Math.min(1, solvent.model.c / 10);
    assert.equal(histogramHeightUnit(solvent.model), Math.min(1, solvent.model.c / 10));
    for (const i of [0, 100, 250, 500, 999]) {
      const fit = Math.max(0, gaussian(solvent.model, h.lo + i * h.width));
      const expected = (h.density[i] + eps - fit) / (h.density[i] + eps);
      assert.ok(Math.abs(curve.raw[i] - expected) < 1e-12, `raw[${i}]`);
    }
  });

  it('halfIndex is the first bin above 0.5 and halfDensity its lower edge', () => {
    const q = curve.curve;
    assert.ok(curve.halfIndex < 1000);
    assert.ok(q[curve.halfIndex] > 0.5);
    if (curve.halfIndex > 0) assert.ok(q[curve.halfIndex - 1] <= 0.5);
    assert.ok(Math.abs(curve.halfDensity - (curve.histogram.lo + curve.halfIndex * curve.histogram.width)) < 1e-12);
    // the half point lies above the solvent peak and well below the blob maximum
    assert.ok(curve.halfDensity > solvent.model.mu && curve.halfDensity < 1.0, `half ${curve.halfDensity}`);
  });

  it('hedge 2 gives exactly the square of the unhedged curve (≤ it everywhere)', () => {
    const h2 = confidenceCurve(data, solvent.model, 2);
    for (let i = 0; i < 1000; i++) {
      assert.ok(Math.abs(h2.curve[i] - curve.curve[i] ** 2) < 1e-12, `bin ${i}`);
      assert.ok(h2.curve[i] <= curve.curve[i] + 1e-15);
    }
    assert.ok(h2.halfIndex >= curve.halfIndex);
  });

  it('the minimum voxel gets bin 0’s confidence (0), not the top bin’s (spec §7.5 quirk fixed)', () => {
    let iMin = 0;
    for (let i = 1; i < data.length; i++) if (data[i] < data[iMin]) iMin = i;
    assert.equal(conf[iMin], 0);
  });
});
