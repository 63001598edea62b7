/**
 * `inverted` (session 51): a map with inverted contrast (× −1) had been called a raw
 * reconstruction by `occupy check` and the estimate ("Findings: none"), or, when masked, "not a
 * density map" (no solvent peak). The density tail tells: a reconstruction's values reach farther
 * above the solvent level than below (skewness > 0, tail ratio (q99.9 − median) / (median − q0.1)
 * > 1), an inverted map's farther below. Flagged when skewness < −0.15 and tail ratio < 0.8.
 *
 * Measured (skewness / tail ratio, src/diagnostics/map-features.ts densityTail; × −1 gives the
 * negative skewness and about the reciprocal ratio):
 *   ../shared/data: EMD-1439 9.54 / 5.46, EMD-1832 5.67 / 9.09, EMD-1883 3.10 / 2.08,
 *   EMD-1997 3.62 / 2.08, EMD-3197 −0.03 / 0.98, EMD-5168 2.34 / 1.63, EMD-5170 3.57 / 3.86,
 *   EMD-5625 3.52 / 7.05, β-gal 6.86 / 5.17 — none flagged; × −1 all flagged except EMD-3197, a
 *   20³ box nearly filled by its molecule, whose values are symmetric about the median either way
 *   (× −1: 0.03 / 1.03): its sign cannot be read from the values.
 *   ../shared/reference density maps: synth_occ128 0.73 / 2.12, synth_occres128 1.11 / 2.47,
 *   synth_flex128 0.80 / 2.11, half maps 0.31 … 0.48 / 1.56 … 1.80, ampl_2.0 maps 5.68 / 9.93
 *   (EMD-1832) and 6.76 / 5.24 (β-gal) — none flagged (every other reference map is not-density,
 *   which the check does not go past); × −1 all flagged (half maps −0.31 / 0.64 the closest).
 *   A map sharpened by −100 Å² without a low-pass (synth_occ128 crop): 0.21 / 1.04, not flagged
 *   (on the diagnostics' stride-2 sample it had read −2.57 / 0.79: the sample is now random runs).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseHalfMaps, diagnoseMap } from '../../src/diagnostics/index.js';
import type { Volume } from '../../src/core/volume.js';
import { SHARED_DATA, SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { RAW_SPECS, sharpen, syntheticHalves } from './variants.js';

const negated = (v: Volume): Volume => ({ ...v, data: v.data.map((x) => -x) });
const inverted = (v: Volume) => diagnoseMap(v).findings.find((f) => f.code === 'inverted');

/** Every map file under a folder, recursively. */
function mapFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? mapFiles(join(dir, e.name)) : /\.(mrc|map)(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : []));
}

describe('inverted contrast', () => {
  before(async () => loadFft());

  it('synthetic map and half maps: not inverted; × −1: inverted (warning, message says multiply by −1); the pair with one half × −1 names that half', () => {
    const h = syntheticHalves(RAW_SPECS[0]);
    assert.equal(inverted(h.half1), undefined);
    const f = inverted(negated(h.half1));
    assert.ok(f, 'half 1 × −1 not flagged');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /^looks inverted: .*multiply the map by −1/);
    assert.ok((f.evidence.skewness as number) < -0.15 && (f.evidence.tailRatio as number) < 0.8, JSON.stringify(f.evidence));
    const pair = diagnoseHalfMaps(h.half1, negated(h.half2)).findings;
    assert.ok(pair.some((x) => x.code === 'inverted' && x.evidence.map === 2 && /^half map 2: looks inverted/.test(x.message)), JSON.stringify(pair.map((x) => x.code)));
  });
});

describe('inverted contrast on ../shared', { skip: skipWithoutShared() }, () => {
  before(async () => loadFft());

  it('the nine real maps and every map of ../shared/reference as given: none inverted', async () => {
    const flagged: string[] = [];
    for (const file of [...mapFiles(SHARED_DATA), ...mapFiles(SHARED_REFERENCE)]) {
      const f = inverted((await readMrc(file)).volume);
      if (f) flagged.push(`${relative(SHARED_DATA, file)}: ${JSON.stringify(f.evidence)}`);
    }
    assert.deepEqual(flagged, []);
  });

  it('each real density map × −1 (but EMD-3197) and synth_occ128, its crop sharpened without a low-pass, and the synthetic half maps: as measured', async () => {
    const missed: string[] = [];
    for (const file of ['emd_1439.map', 'emd_1832.map.gz', 'emd_1883.map', 'emd_1997.map.gz', 'emd_5168.map', 'emd_5170.map', 'emd_5625.map', 'nonemdb_betagal_ngl.mrc.gz']) {
      if (!inverted(negated((await readMrc(join(SHARED_DATA, file))).volume))) missed.push(file);
    }
    for (const file of ['synth_occ128/map.mrc.gz', 'synth_halves128/half1.mrc.gz', 'synth_occres128/half2.mrc.gz', 'synth_flex128/half1.mrc.gz']) {
      if (!inverted(negated((await readMrc(join(SHARED_REFERENCE, file))).volume))) missed.push(file);
    }
    assert.deepEqual(missed, []);
    // sharpened by −100 Å² with no low-pass (a cut-off beyond Nyquist): heavy tails both ways, not inverted
    const occ = (await readMrc(join(SHARED_REFERENCE, 'synth_occ128/map.mrc.gz'))).volume;
    const [nx, ny] = occ.shape;
    const crop = new Float32Array(128 * 96 * 112);
    for (let z = 0; z < 112; z++) for (let y = 0; y < 96; y++) crop.set(occ.data.subarray(((z + 8) * ny + y + 16) * nx, ((z + 8) * ny + y + 16) * nx + 128), (z * 96 + y) * 128);
    const sharp = sharpen({ data: crop, shape: [128, 96, 112], voxelSizeA: occ.voxelSizeA }, -100, occ.voxelSizeA[0]);
    assert.equal(inverted(sharp), undefined, JSON.stringify(inverted(sharp)?.evidence));
  });
});
