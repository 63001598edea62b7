/**
 * `offset`: a map with a constant added (its solvent noise kept, the level far from 0). The local
 * scale is measured from 0, so every scale reads higher: synth_occ128 + 100 × its std read its
 * four domains 0.98 / 0.97 / 0.95 / 0.94 in occupancy mode against 0.79 / 0.60 / 0.41 / 0.21 raw.
 * The estimate warned (its fitted solvent peak), but until session 55 `occupy check` said
 * "none (the map looks like a raw reconstruction)" and decompose, locres and the other commands
 * that run the input diagnostics said nothing. Unprocessed maps (the shared synth_* maps and half
 * maps, the EMDB maps of ../shared/data) and a map × 10⁻³ must not get it. Commands whose
 * results a constant does not move (half maps: FSC, local FSC; decompose, which removes the mean)
 * do not say it.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseHalfMaps, diagnoseMap } from '../../src/diagnostics/index.js';
import { cropOrPad } from '../../src/filters/resample-voxel-size.js';
import { readMrc, writeMrc } from '../../src/api/mrc.js';
import type { Volume } from '../../src/core/volume.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;
const tempFolder = tempFolders('occupy-offset-');

async function read(path: string): Promise<Volume> {
  const m = await readMrc(path);
  return { data: m.data, shape: [...m.shape] as [number, number, number], voxelSizeA: [...m.voxelSizeA] as [number, number, number] };
}
const plus = (v: Volume, c: number): Volume => ({ ...v, data: Float32Array.from(v.data, (x) => x + c) });
const times = (v: Volume, c: number): Volume => ({ ...v, data: Float32Array.from(v.data, (x) => x * c) });
const offsetOf = (v: Volume) => diagnoseMap(v).findings.find((f) => f.code === 'offset');

describe('offset finding', () => {
  let occ: Volume;
  before(async () => {
    await loadFft();
    occ = await read(`${SHARED}reference/synth_occ128/map.mrc.gz`);
  });

  it('synth_occ128 + 100 × its std, + 0.05 and − 0.05 are flagged with the level and what to do; the raw map and the map × 10⁻³ are not', () => {
    let s = 0, ss = 0;
    for (const x of occ.data) { s += x; ss += x * x; }
    const sd = Math.sqrt(ss / occ.data.length - (s / occ.data.length) ** 2);
    assert.equal(offsetOf(occ), undefined, 'raw');
    assert.equal(offsetOf(times(occ, 1e-3)), undefined, '× 1e-3');
    const big = offsetOf(plus(occ, 100 * sd));
    assert.ok(big, 'raw + 100 sd');
    assert.ok(Math.abs(Number(big.evidence.level) - 100 * sd) < 0.01 * 100 * sd, `level ${big.evidence.level} vs ${100 * sd}`);
    assert.match(big.message, /reads higher/);
    assert.match(big.message, /subtract 1\.44 from the map/);
    assert.ok(offsetOf(plus(occ, 0.05)), '+ 0.05 (34 % of s_max)');
    const neg = offsetOf(plus(occ, -0.05));
    assert.ok(neg, '− 0.05');
    assert.match(neg.message, /reads lower/);
    assert.match(neg.message, /add 0\.0499 to the map/);
    // under 10 SDs the distance keeps a decimal (2.67 had been printed as '3 of its noise SDs')
    assert.match(neg.message, /\(\d\.\d of its noise SDs from 0/, neg.message);
  });

  it('no unprocessed map of ../shared gets it', async () => {
    const maps = ['data/emd_1439.map', 'data/emd_1832.map.gz', 'data/emd_1883.map', 'data/emd_1997.map.gz', 'data/emd_3197.map', 'data/emd_5168.map', 'data/emd_5170.map', 'data/emd_5625.map', 'data/nonemdb_betagal_ngl.mrc.gz'];
    for (const b of ['synth_occ128', 'synth_occres128', 'synth_flex128']) maps.push(`reference/${b}/map.mrc.gz`);
    for (const b of ['synth_occres128', 'synth_flex128', 'synth_halves128']) maps.push(`reference/${b}/half1.mrc.gz`, `reference/${b}/half2.mrc.gz`);
    for (const m of maps) assert.equal(offsetOf(await read(SHARED + m)), undefined, m);
  });

  it('half maps with the same constant added are not flagged (FSC and local FSC ignore it); decompose does not say it', async () => {
    const [h1, h2] = await Promise.all(['half1', 'half2'].map((h) => read(`${SHARED}reference/synth_occres128/${h}.mrc.gz`)));
    const pair = diagnoseHalfMaps(plus(h1, 1), plus(h2, 1)).findings;
    assert.ok(!pair.some((f) => f.code === 'offset'), JSON.stringify(pair.map((f) => f.code)));
    assert.ok(offsetOf(plus(h1, 1)), 'the half alone is flagged');
    const dir = await tempFolder();
    const p = join(dir, 'crop.mrc');
    await writeMrc(p, plus(cropOrPad(occ, [64, 64, 64]), 1.4));
    const dec = await runInProcess(['decompose', p, '-o', join(dir, 'dec/')]);
    assert.equal(dec.code, 0, dec.stderr);
    assert.doesNotMatch(dec.stderr, /\[offset\]/);
  });

  it('check says it (no longer "looks like a raw reconstruction"), and the estimate says it once, as the finding', async () => {
    const dir = await tempFolder();
    const p = join(dir, 'offset.mrc');
    await writeMrc(p, plus(occ, 1.4));
    const chk = JSON.parse((await runInProcess(['check', p, '--json'])).stdout);
    assert.deepEqual(chk.findings.map((f: { code: string }) => f.code), ['offset']);
    const est = await runInProcess(['-i', p, '--occupancy', '-o', join(dir, 'est/')]);
    assert.equal(est.code, 0, est.stderr);
    assert.equal(est.stderr.match(/WARNING: \[offset\] the solvent sits at 1\.4/g)?.length, 1, est.stderr);
    assert.doesNotMatch(est.stderr, /The solvent peak sits at/);
  });
});
