/**
 * Density cut out by a tight hard mask (all its values ≥ 0 and 95–98 % of the box exactly 0, as
 * a molecular mask without dilation, a ChimeraX zone or a segment writes it) is density, masked:
 * until session 55 the `not-density` binary-mask rule (≥ 95 % of the voxels within 2 % of the
 * range of its ends) called β-gal and EMD-1883 so masked "a mask, not a density map" and the
 * estimate refused them. A binary mask (values 0 and 1 only, or 0 and 5) is still not density.
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
});
