/**
 * Acceptance of `decompose` on the two synthetic ground-truth sets of ../shared/reference
 * (synth_occres128, synth_flex128), against what the original OccuPy's `--occupancy` scale gives
 * (its scale maps are stored there). Skipped with a message when ../shared is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { decompose } from '../../src/decomposition/decompose.js';
import { scoreDecomposition, type DecompositionScore } from '../../src/decomposition/evaluate.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { padCube, padVolume } from '../helpers/zero-padding.js';

const skip = skipWithoutShared();
if (!skip) await loadFft();

async function load(name: string) {
  const d = resolve(SHARED_REFERENCE, name);
  const read = async (f: string) => (await readMrc(resolve(d, f))).volume;
  const truth = JSON.parse(readFileSync(resolve(d, 'truth.json'), 'utf8')) as { domains: { occupancy: number; flexible: boolean }[] };
  const c = {
    map: await read('map.mrc.gz'), half1: await read('half1.mrc.gz'), half2: await read('half2.mrc.gz'),
    labels: (await read('truth_labels.mrc.gz')).data, occupancy: (await read('truth_occupancy.mrc.gz')).data, mask: (await read('truth_mask.mrc.gz')).data,
    occupy: (await read('occupy_occ/scale_occ_map.mrc.gz')).data, domains: truth.domains,
  };
  const score = (est: ArrayLike<number>, b?: ArrayLike<number>) => scoreDecomposition(est, c.occupancy, c.labels, c.mask, c.domains, b);
  return { ...c, score, original: score(c.occupy) };
}

const table = (s: DecompositionScore) => s.domains.map((d) => `${d.relative.toFixed(2)}${d.bMedianA2 !== undefined ? ` (B ${d.bMedianA2.toFixed(0)})` : ''}`).join(' / ') + `, r ${s.r.toFixed(3)}`;

/** Half-map acceptance: every domain ±0.15, r ≥ original + 0.05 (≥ 0.75 with a flexible domain), flexible B ≥ rigid + 50 Å². */
function assertHalfMapAcceptance(s: DecompositionScore, original: DecompositionScore): void {
  for (const d of s.domains) assert.ok(Math.abs(d.relative - d.trueOccupancy) <= 0.15, `domain ${d.label}: ${d.relative.toFixed(3)} vs truth ${d.trueOccupancy}`);
  assert.ok(s.r >= original.r + 0.05, `r ${s.r.toFixed(3)} < original ${original.r.toFixed(3)} + 0.05`);
  const flex = s.domains.filter((d) => d.flexible);
  if (flex.length > 0) {
    assert.ok(s.r >= 0.75, `r ${s.r.toFixed(3)} < 0.75 with a flexible domain`);
    const rigidB = Math.max(...s.domains.filter((d) => !d.flexible).map((d) => d.bMedianA2 as number));
    for (const d of flex) assert.ok((d.bMedianA2 as number) >= rigidB + 50, `flexible B ${d.bMedianA2?.toFixed(1)} < rigid ${rigidB.toFixed(1)} + 50`);
  }
}

test('synth_occres128, half maps: domains within ±0.15, r ≥ original + 0.05', { skip }, async (t) => {
  const c = await load('synth_occres128');
  const r = decompose(c.map, { halfMaps: [c.half1, c.half2] });
  const s = c.score(r.occupancy.data, r.bfactor.data);
  t.diagnostic(`original OccuPy: ${table(c.original)}; ours (half maps): ${table(s)}`);
  assertHalfMapAcceptance(s, c.original);
  // the 7 Å domains carry a higher B than the 3 Å ones
  assert.ok((s.domains[2].bMedianA2 as number) > (s.domains[0].bMedianA2 as number) + 50);
  // outputs in range
  assert.ok(r.occupancy.data.every((v) => v >= 0 && v <= 1));
  assert.ok(r.bandsUsed.data.every((v) => Number.isInteger(v) && v >= 0 && v <= r.bands.length));
});

test('synth_flex128, half maps: flexible domain ±0.15, r ≥ 0.75, flexible B ≥ rigid + 50 Å²', { skip }, async (t) => {
  const c = await load('synth_flex128');
  const r = decompose(c.map, { halfMaps: [c.half1, c.half2] });
  const s = c.score(r.occupancy.data, r.bfactor.data);
  t.diagnostic(`original OccuPy: ${table(c.original)}; ours (half maps): ${table(s)}`);
  assertHalfMapAcceptance(s, c.original);
  assert.equal(r.noiseModel, 'half-map difference (local)');
});

test('synth_flex128, one map: flexible domain ±0.25, r ≥ original + 0.10', { skip }, async (t) => {
  const c = await load('synth_flex128');
  const r = decompose(c.map);
  const s = c.score(r.occupancy.data, r.bfactor.data);
  t.diagnostic(`original OccuPy: ${table(c.original)}; ours (one map): ${table(s)}`);
  const flex = s.domains.find((d) => d.flexible);
  assert.ok(flex && Math.abs(flex.relative - 1) <= 0.25, `flexible domain ${flex?.relative.toFixed(3)}`);
  assert.ok(s.r >= c.original.r + 0.1, `r ${s.r.toFixed(3)} < original ${c.original.r.toFixed(3)} + 0.10`);
  assert.equal(r.noiseModel, 'solvent (one map, per band)');
});

// a box padded with zeros (a box resize, 128 → 160 voxels): the zeros are neither solvent nor
// noise; analysed over the whole box, synth_flex128 read every domain at 0.94–1.00 (one map: 1.00 /
// 1.00 / 1.00 / 0.94, half maps 1.00 / 1.00 / 1.00 / 0.98); now the data's box is analysed
test('synth_flex128 padded with zeros reads as unpadded (one map and half maps)', { skip }, async (t) => {
  const c = await load('synth_flex128');
  const n = 128;
  const m = 160;
  const o = 16;
  const big = (v: typeof c.map) => padVolume(v, m, o);
  const labels = padCube(c.labels, n, m, o);
  const medians = (r: ReturnType<typeof decompose>, lab: ArrayLike<number>) =>
    [1, 2, 3, 4].map((l) => {
      const occ: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < lab.length; i++) if (lab[i] === l && r.molecule[i]) {
        occ.push(r.occupancy.data[i]);
        b.push(r.bfactor.data[i]);
      }
      const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
      return { occ: med(occ), b: med(b) };
    });
  for (const halves of [false, true]) {
    const base = decompose(c.map, halves ? { halfMaps: [c.half1, c.half2] } : {});
    const padded = decompose(big(c.map), halves ? { halfMaps: [big(c.half1), big(c.half2)] } : {});
    const a = medians(base, c.labels);
    const p = medians(padded, labels);
    t.diagnostic(`${halves ? 'half maps' : 'one map'}: occupancy ${a.map((d) => d.occ.toFixed(3)).join(' / ')} unpadded, ${p.map((d) => d.occ.toFixed(3)).join(' / ')} padded; B ${a.map((d) => d.b.toFixed(0)).join(' / ')} and ${p.map((d) => d.b.toFixed(0)).join(' / ')} Å²`);
    a.forEach((d, k) => {
      assert.ok(Math.abs(d.occ - p[k].occ) < 0.01, `domain ${k + 1}: occupancy ${p[k].occ} padded vs ${d.occ}`);
      assert.ok(Math.abs(d.b - p[k].b) < 5, `domain ${k + 1}: B ${p[k].b} padded vs ${d.b} Å²`);
    });
    assert.ok(padded.notes[0].startsWith('the map is padded with zeros'), padded.notes[0]);
    assert.equal(padded.occupancy.data[0], 0);
  }
});

// a masked map has no solvent noise for the one-map noise model: synth_flex128 times a soft mask
// (its truth mask grown by 6 voxels, smoothed by 2 voxels) read 1.00 / 0.74 / 0.82 / 0.60 against
// 1.00 / 0.64 / 0.99 / 0.51 unmasked, silently but for the generic `masked` finding
test('synth_flex128 masked, one map: said to be unreliable; unmasked and padded maps are not', { skip }, async () => {
  const c = await load('synth_flex128');
  const [n] = c.map.shape;
  // a spherical soft mask around the molecule: 1 inside radius 40, cosine edge to 0 at 48 voxels
  const soft = new Float32Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const r = Math.hypot(x - n / 2, y - n / 2, z - n / 2);
    soft[(z * n + y) * n + x] = r <= 40 ? 1 : r >= 48 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (r - 40)) / 8);
  }
  const masked = decompose({ ...c.map, data: c.map.data.map((v, i) => v * soft[i]) });
  assert.equal(masked.warnings.filter((w) => w.startsWith('the map is masked')).length, 1, masked.warnings.join(' | '));
  assert.ok(!decompose(c.map).warnings.some((w) => w.startsWith('the map is masked')));
  // with half maps the noise comes from their difference: no such warning
  assert.ok(!decompose({ ...c.map, data: c.map.data.map((v, i) => v * soft[i]) }, { halfMaps: [c.half1, c.half2] }).warnings.some((w) => w.startsWith('the map is masked')));
});
