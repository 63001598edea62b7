/**
 * The decomposition phantom keeps the reference generator's definitions (synth_map.py, see
 * ../shared/reference/synth_flex128/truth.json): signal and noise cut off at the resolution, the
 * SNR as mean full-occupancy signal over the rigid domains' mask / noise SD of the mean map, and a
 * protein-like atom density that fills the domains (the sparse option does not).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft, rfft3d } from '../../src/math/fft.js';
import { decompositionPhantom, type DecompositionPhantomOptions } from '../../src/decomposition/phantom.js';

await loadFft();

const base: DecompositionPhantomOptions = { box: 64, voxelSizeA: 1.25, seed: 7, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 1, resolutionA: 4 }, { occupancy: 1, resolutionA: 4, flexDeg: 12 }] };
const p = decompositionPhantom(base);
const N = 64 ** 3;

/** Power of a map's spectrum beyond and within |k| = 1/resA (sums over the half spectrum). */
function powerSplit(data: Float32Array, resA: number): { inside: number; beyond: number } {
  const n = 64, a = 1.25, hx = n / 2 + 1;
  const s = rfft3d(data, [n, n, n]);
  let inside = 0, beyond = 0;
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < hx; x++) {
    const kz = (z <= n / 2 ? z : z - n) / (n * a), ky = (y <= n / 2 ? y : y - n) / (n * a), kx = x / (n * a);
    const i = 2 * ((z * n + y) * hx + x);
    const pw = s[i] ** 2 + s[i + 1] ** 2;
    if (Math.hypot(kx, ky, kz) < 1 / resA - 1e-9) inside += pw;
    else beyond += pw;
  }
  return { inside, beyond };
}

test('phantom: half maps (signal and noise) hold no power beyond 1/resolution, as the references', () => {
  for (const h of [p.half1, p.half2]) {
    const { inside, beyond } = powerSplit(h.data, 4);
    assert.ok(beyond < 1e-8 * inside, `power beyond 1/4 Å: ${(beyond / inside).toExponential(2)} of the power within`);
  }
});

test('phantom: SNR = mean full-occupancy signal over the rigid domains\' mask / noise SD of the mean map', (t) => {
  // noise of the mean map: (h1 − h2)/2 has the same SD as (n1 + n2)/2
  let ss = 0;
  for (let i = 0; i < N; i++) ss += ((p.half1.data[i] - p.half2.data[i]) / 2) ** 2;
  const noiseSd = Math.sqrt(ss / N);
  let s = 0, c = 0;
  for (let i = 0; i < N; i++) if (p.mask[i] && p.labels[i] !== 3) {
    s += p.map.data[i];
    c++;
  }
  const snr = s / c / noiseSd;
  t.diagnostic(`measured SNR ${snr.toFixed(3)}`);
  assert.ok(Math.abs(snr - 4) < 0.2, `measured SNR ${snr.toFixed(3)}, expected 4`);
});

test('phantom: 50 atoms per 1000 Å³ fill a domain\'s interior; the sparse 10 leave it patchy', (t) => {
  /** Fraction of the voxels within 10 Å of domain 1's centroid that are in the mask. */
  const fill = (q: ReturnType<typeof decompositionPhantom>): number => {
    const c = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < N; i++) if (q.labels[i] === 1) {
      c[0] += i % 64; c[1] += Math.floor(i / 64) % 64; c[2] += Math.floor(i / 4096);
      n++;
    }
    const [cx, cy, cz] = c.map((v) => v / n);
    let inMask = 0, all = 0;
    for (let i = 0; i < N; i++) {
      const d = 1.25 * Math.hypot(i % 64 - cx, (Math.floor(i / 64) % 64) - cy, Math.floor(i / 4096) - cz);
      if (d > 10) continue;
      all++;
      inMask += q.mask[i];
    }
    return inMask / all;
  };
  const dense = fill(p);
  const sparse = fill(decompositionPhantom({ ...base, atomsPer1000A3: 10 }));
  t.diagnostic(`mask fill within 10 Å of the centre: ${dense.toFixed(3)} (50 per 1000 Å³), ${sparse.toFixed(3)} (10)`);
  // Poisson coverage by 2.5 Å balls: 1 − exp(−ρ·65.4 Å³) = 0.96 at 50, 0.48 at 10 per 1000 Å³
  assert.ok(dense > 0.9, `dense fill ${dense.toFixed(3)}`);
  assert.ok(sparse > 0.35 && sparse < 0.65, `sparse fill ${sparse.toFixed(3)}`);
});

test('phantom: out-of-range options throw', () => {
  assert.throws(() => decompositionPhantom({ ...base, atomsPer1000A3: 0 }), /atomsPer1000A3/);
  assert.throws(() => decompositionPhantom({ ...base, domains: [{ occupancy: 1, resolutionA: 2 }, { occupancy: 1, resolutionA: 4 }] }), /resolutionA/);
  assert.throws(() => decompositionPhantom({ ...base, noiseResolutionA: -1 }), /noiseResolutionA/);
  assert.throws(() => decompositionPhantom({ ...base, noiseSeed: 1.5 }), /noiseSeed/);
});

test('phantom: noiseSeed draws an independent noise realisation at the same level over the same signal and truth', () => {
  const a = decompositionPhantom({ ...base, noiseSeed: 1 });
  const a2 = decompositionPhantom({ ...base, noiseSeed: 1 });
  const b = decompositionPhantom({ ...base, noiseSeed: 2 });
  assert.deepEqual(a2.half1.data, a.half1.data, 'deterministic for a noise seed');
  for (const q of [a, b]) {
    assert.deepEqual(q.labels, p.labels);
    assert.deepEqual(q.mask, p.mask);
    assert.deepEqual(q.bExcess, p.bExcess);
    assert.deepEqual(q.occupancy, p.occupancy);
  }
  // same signal: with the noise scaled away the maps agree whatever the noise seed (and without one)
  const quiet = [undefined, 1, 2].map((noiseSeed) => decompositionPhantom({ ...base, snr: 1e9, noiseSeed }).map.data);
  let peak = 0;
  for (const v of quiet[0]) peak = Math.max(peak, Math.abs(v));
  for (const q of quiet.slice(1)) {
    let d = 0;
    for (let i = 0; i < N; i++) d = Math.max(d, Math.abs(q[i] - quiet[0][i]));
    assert.ok(d < 1e-5 * peak, `signal differs by ${(d / peak).toExponential(2)} of its peak`);
  }
  // noise (half-map difference): same SD, uncorrelated between the two seeds and with the default draw
  const diff = (q: typeof p) => Float64Array.from(q.half1.data, (v, i) => v - q.half2.data[i]);
  const [na, nb, n0] = [diff(a), diff(b), diff(p)];
  const sd = (x: Float64Array) => Math.sqrt(x.reduce((s2, v) => s2 + v * v, 0) / N);
  const corr = (x: Float64Array, y: Float64Array) => x.reduce((s2, v, i) => s2 + v * y[i], 0) / N / (sd(x) * sd(y));
  assert.ok(Math.abs(sd(na) / sd(nb) - 1) < 0.02, `noise SD ratio ${(sd(na) / sd(nb)).toFixed(4)}`);
  assert.ok(Math.abs(sd(na) / sd(n0) - 1) < 0.02, `noise SD ratio to the default draw ${(sd(na) / sd(n0)).toFixed(4)}`);
  assert.ok(Math.abs(corr(na, nb)) < 0.05, `noise correlation ${corr(na, nb).toFixed(3)}`);
  assert.ok(Math.abs(corr(na, n0)) < 0.05, `noise correlation with the default draw ${corr(na, n0).toFixed(3)}`);
});
