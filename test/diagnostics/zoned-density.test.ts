/**
 * Density cut out by a tight hard mask (all its values ≥ 0 and 95–98 % of the box exactly 0, as
 * a molecular mask without dilation, a ChimeraX zone or a segment writes it) is density, masked:
 * until session 55 the `not-density` binary-mask rule (≥ 95 % of the voxels within 2 % of the
 * range of its ends) called β-gal and EMD-1883 so masked "a mask, not a density map" and the
 * estimate refused them. A binary mask (values 0 and 1 only, or 0 and 5) is still not density, and
 * so is a labels map (0 and the labels 1, 2, …), which that change let through to the
 * local-resolution rule: synth_*'s truth_labels were called "a local-resolution map in Å".
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { readMrc } from '../../src/api/mrc.js';
import type { Volume } from '../../src/core/volume.js';
import { applyMask, molecularMask } from './variants.js';

const SHARED = new URL('../../../shared/', import.meta.url).pathname;

async function read(path: string): Promise<Volume> {
  const m = await readMrc(path);
  return { data: m.data, shape: [...m.shape] as [number, number, number], voxelSizeA: [...m.voxelSizeA] as [number, number, number] };
}

describe('density under a tight hard mask is not a mask', () => {
  before(loadFft);
  for (const name of ['nonemdb_betagal_ngl.mrc.gz', 'emd_1883.map']) {
    it(`${name} × its binary molecular mask: masked, not not-density; the mask itself (× 1 and × 5) is not-density`, async () => {
      const raw = await read(`${SHARED}data/${name}`);
      const bin = molecularMask(raw, 0);
      const masked = applyMask(raw, bin);
      let zeros = 0;
      for (const x of masked.data) if (x === 0) zeros++;
      assert.ok(zeros / masked.data.length > 0.95, `exact zeros ${zeros / masked.data.length}`);
      const codes = diagnoseMap(masked).findings.map((f) => f.code);
      assert.ok(!codes.includes('not-density'), JSON.stringify(codes));
      assert.ok(codes.includes('masked'), JSON.stringify(codes));
      for (const k of [1, 5]) {
        const f = diagnoseMap({ ...raw, data: Float32Array.from(bin, (x) => x * k) }).findings.find((x) => x.code === 'not-density');
        assert.equal(f?.evidence.kind, 'binary-mask', `mask × ${k}`);
      }
    });
  }
  it('a labels map (0 and labels 1–4) is called a labels map, not a local-resolution map; a local-resolution map with a few integer values stays one', async () => {
    for (const d of ['synth_halves128', 'synth_occres128']) {
      const f = diagnoseMap(await read(`${SHARED}reference/${d}/truth_labels.mrc.gz`)).findings.find((x) => x.code === 'not-density');
      assert.equal(f?.evidence.kind, 'labels', `${d}: ${f?.message}`);
      assert.equal(f?.evidence.levels, 5);
      assert.match(f?.message ?? '', /^5 integer values only \(0\.00 … 4\.00; .*\): looks like a labels map \(segmentation\) or a mask, not a density map/);
    }
    // 0 and 3, 5, 8 Å (gaps: not labels 1, 2, …)
    const r = diagnoseMap(await read(`${SHARED}reference/synth_halves128/truth_resolution.mrc.gz`)).findings.find((x) => x.code === 'not-density');
    assert.equal(r?.evidence.kind, 'local-resolution', r?.message);
    // a labels map built here: a 40³ box of 0 with four blocks labelled 1…4
    const n = 40;
    const data = new Float32Array(n ** 3);
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) if (x >= 8 && x < 16 && y >= 8 && y < 24 && z >= 8 && z < 14) data[(z * n + y) * n + x] = 1 + Math.floor((y - 8) / 4);
    const b = diagnoseMap({ data, shape: [n, n, n], voxelSizeA: [1, 1, 1] }).findings.find((x) => x.code === 'not-density');
    assert.equal(b?.evidence.kind, 'labels', b?.message);
  });
});
