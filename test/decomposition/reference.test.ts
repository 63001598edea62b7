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
import { gaussianSmooth } from '../../src/filters/gaussian-smooth.js';
import { readMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { decompose } from '../../src/decomposition/decompose.js';
import { scoreDecomposition, type DecompositionScore } from '../../src/decomposition/evaluate.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { padCube, padVolume } from '../helpers/zero-padding.js';
import { applyMask, sharpen } from '../diagnostics/variants.js';

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

/** Each reference set is read once per file: the tests only read its maps. */
const loaded = new Map<string, ReturnType<typeof load>>();
function loadOnce(name: string): ReturnType<typeof load> {
  let c = loaded.get(name);
  if (!c) loaded.set(name, (c = load(name)));
  return c;
}

/**
 * `decompose` of synth_flex128 as stored, one map or with its half maps: computed once per file
 * (three tests read each; `decompose` draws no random numbers and the tests only read the result).
 */
const flexRuns = new Map<boolean, ReturnType<typeof decompose>>();
async function decomposeFlex(halves: boolean): Promise<ReturnType<typeof decompose>> {
  let r = flexRuns.get(halves);
  if (!r) {
    const c = await loadOnce('synth_flex128');
    flexRuns.set(halves, (r = decompose(c.map, halves ? { halfMaps: [c.half1, c.half2] } : {})));
  }
  return r;
}

/**
 * A soft mask as an FFT-based tool makes it: the truth mask grown ~5 Å (3 Å Gaussian above 0.05),
 * its edge a 2 Å Gaussian, with the 10⁻⁸-level tails that smoothing leaves over the whole box.
 */
function fftSmoothedMask(c: { mask: Float32Array; map: Volume }): Float32Array {
  const grown = gaussianSmooth(c.mask, c.map.shape, c.map.voxelSizeA, 3).map((v) => (v > 0.05 ? 1 : 0));
  return gaussianSmooth(grown, c.map.shape, c.map.voxelSizeA, 2);
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
  const c = await loadOnce('synth_occres128');
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
  const c = await loadOnce('synth_flex128');
  const r = await decomposeFlex(true);
  const s = c.score(r.occupancy.data, r.bfactor.data);
  t.diagnostic(`original OccuPy: ${table(c.original)}; ours (half maps): ${table(s)}`);
  assertHalfMapAcceptance(s, c.original);
  assert.equal(r.noiseModel, 'half-map difference (local)');
});

test('synth_flex128, one map: flexible domain ±0.25, r ≥ original + 0.10', { skip }, async (t) => {
  const c = await loadOnce('synth_flex128');
  const r = await decomposeFlex(false);
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
  const c = await loadOnce('synth_flex128');
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
    const base = await decomposeFlex(halves);
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
// 1.00 / 0.64 / 0.99 / 0.51 unmasked, silently but for the generic `masked` finding. Measured again
// (README): the spherical mask below reads 1.00 / 0.74 / 0.86 / 0.61, the grown truth mask
// 1.00 / 0.99 / 1.00 / 0.85, against 1.00 / 0.66 / 0.98 / 0.52 unmasked
test('synth_flex128 masked, one map (cosine edge, or an FFT-smoothed mask): said to be unreliable; unmasked and padded maps are not', { skip }, async () => {
  const c = await loadOnce('synth_flex128');
  const [n] = c.map.shape;
  // a spherical soft mask around the molecule: 1 inside radius 40, cosine edge to 0 at 48 voxels
  const soft = new Float32Array(n ** 3);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    const r = Math.hypot(x - n / 2, y - n / 2, z - n / 2);
    soft[(z * n + y) * n + x] = r <= 40 ? 1 : r >= 48 ? 0 : 0.5 + 0.5 * Math.cos((Math.PI * (r - 40)) / 8);
  }
  const masked = decompose({ ...c.map, data: c.map.data.map((v, i) => v * soft[i]) });
  assert.equal(masked.warnings.filter((w) => w.startsWith('the map is masked')).length, 1, masked.warnings.join(' | '));
  assert.ok(!(await decomposeFlex(false)).warnings.some((w) => w.startsWith('the map is masked')));
  // with half maps the noise comes from their difference: no such warning
  assert.ok(!decompose({ ...c.map, data: c.map.data.map((v, i) => v * soft[i]) }, { halfMaps: [c.half1, c.half2] }).warnings.some((w) => w.startsWith('the map is masked')));
  // a mask smoothed by FFT leaves 10⁻⁸-level tails, not exact zeros: said too (it was not, when
  // only exact zeros counted; the truth mask grown ~5 Å with a 2 Å edge read 1.00 / 1.00 / 1.00 / 0.88)
  const tails = fftSmoothedMask(c);
  assert.ok(tails.some((v) => v !== 0 && Math.abs(v) < 1e-6), 'the FFT-smoothed mask has tails, not zeros');
  const fft = decompose(applyMask(c.map, tails));
  assert.equal(fft.warnings.filter((w) => w.startsWith('the map is masked (100 % of its solvent is 0)')).length, 1, fft.warnings.join(' | '));
});

// half maps as users may have them processed (docs/decomposition.md, *Processed half maps*):
// - sharpened by B = −100 Å² (map and halves): every domain's B should fall by 100 Å² and the
//   occupancies stay. The soft-masked FSC reads the sharpened leakage of the halves' 4 Å low-pass
//   up to 3.5 Å; with the finest band there, every domain's B read about 90 Å² higher instead of
//   100 lower (123 / 98 / 284 / 84 Å² → 210 / 189 / 332 / 173); with the finest band where the
//   spectrum ends, 112 / 86 / 280 / 72 → 24 / −2 / 183 / −17.
// - masked (truth mask grown ~5 Å, 2 Å Gaussian edge): the mean map's robust SD is about 0, so
//   the molecule threshold fell to 2·10⁻⁹ and took in the noise inside the mask (11 % of the box
//   against 2.6 %). With the solvent exactly 0 below 1 % the 0.6 and 0.4 domains read 0.66 and
//   0.52, r 0.831; with the edge's 10⁻⁸-level tails left over the box (an FFT-smoothed mask) 0.93
//   and 0.78, r 0.66. With the threshold from the half-map noise 0.64 / 0.47, r 0.889, and
//   0.63 / 0.47, r 0.888.
test('synth_flex128 half maps sharpened by B = −100 Å²: every B 100 Å² lower (±25), same occupancy; masked half maps: the half-map acceptance', { skip }, async (t) => {
  const c = await loadOnce('synth_flex128');
  const run = (f: (v: typeof c.map) => typeof c.map) => {
    const r = decompose(f(c.map), { halfMaps: [f(c.half1), f(c.half2)] });
    return { r, s: c.score(r.occupancy.data, r.bfactor.data) };
  };
  const rawRun = await decomposeFlex(true);
  const raw = { r: rawRun, s: c.score(rawRun.occupancy.data, rawRun.bfactor.data) };
  const sharp = run((v) => sharpen(v, -100, 2 * v.voxelSizeA[0]));
  t.diagnostic(`raw: ${table(raw.s)}; sharpened by B = −100 Å²: ${table(sharp.s)}`);
  raw.s.domains.forEach((d, k) => {
    const e = sharp.s.domains[k];
    assert.ok(Math.abs((e.bMedianA2 as number) - (d.bMedianA2 as number) + 100) <= 25, `domain ${d.label}: B ${e.bMedianA2?.toFixed(0)} sharpened vs ${d.bMedianA2?.toFixed(0)} Å²`);
    assert.ok(Math.abs(e.relative - d.relative) <= 0.02, `domain ${d.label}: occupancy ${e.relative.toFixed(3)} sharpened vs ${d.relative.toFixed(3)}`);
  });
  assert.ok(sharp.r.notes.some((n) => n.startsWith("the signal map's spectrum ends at 4.00 Å")), sharp.r.notes.join(' | '));
  const tails = fftSmoothedMask(c);
  for (const [what, soft] of [['0 below 1 %', tails.map((v) => (v < 0.01 ? 0 : v))], ['FFT tails', tails]] as const) {
    const masked = run((v) => applyMask(v, soft));
    t.diagnostic(`masked half maps (${what}): ${table(masked.s)}`);
    assertHalfMapAcceptance(masked.s, c.original);
    assert.ok(masked.s.r >= 0.85, `${what}: r ${masked.s.r.toFixed(3)}`);
    assert.ok(masked.r.notes.some((n) => n.startsWith('the half maps look masked')), masked.r.notes.join(' | '));
  }
  assert.ok(!raw.r.notes.some((n) => n.startsWith('the half maps look masked')));
});
