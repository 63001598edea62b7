/**
 * Input diagnostics on the real maps of ../shared/data (issue 15 acceptance, first point):
 * EMD-1997, EMD-1832, EMD-1439 and EMD-5170 are masked; EMD-5168, EMD-1883 and the β-gal map are
 * none of masked/flattened/sharpened/not-density; the β-gal local-resolution map is not-density.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { estimateLocalScale } from '../../src/occupancy/estimate.js';
import { solventModelSelfCheck } from '../../src/occupancy/solvent-model.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { applyMask, sphereMask } from './variants.js';

const skip = skipWithoutShared();
const SINGLE = ['masked', 'flattened', 'sharpened', 'not-density'];
const codesOf = async (file: string) => diagnoseMap((await readMrc(join(SHARED_DATA, file))).volume).findings.map((f) => f.code);

describe('diagnostics of the real maps', { skip }, () => {
  before(async () => loadFft());

  for (const file of ['emd_1997.map.gz', 'emd_1832.map.gz', 'emd_1439.map', 'emd_5170.map']) {
    it(`${file} is masked`, async () => {
      const codes = await codesOf(file);
      assert.ok(codes.includes('masked'), `${file}: ${codes.join(', ')}`);
      assert.ok(!codes.includes('not-density'), `${file}: ${codes.join(', ')}`);
    });
  }

  for (const file of ['emd_5168.map', 'emd_1883.map', 'nonemdb_betagal_ngl.mrc.gz']) {
    it(`${file} has none of ${SINGLE.join('/')}`, async () => {
      const codes = await codesOf(file);
      assert.deepEqual(codes.filter((c) => SINGLE.includes(c)), [], `${file}: ${codes.join(', ')}`);
    });
  }

  it('the β-gal local-resolution map is not-density (local resolution, background 8.86)', async () => {
    const d = diagnoseMap((await readMrc(join(SHARED_DATA, 'nonemdb_betagal_ngl_localres.mrc.gz'))).volume);
    assert.deepEqual(d.findings.map((f) => f.code), ['not-density']);
    assert.equal(d.findings[0].evidence.kind, 'local-resolution');
    assert.ok(Math.abs(Number(d.findings[0].evidence.background) - 8.86) < 0.01);
  });

  it('solvent-model self-check: silent on the raw β-gal map, warns when it is hard-masked (σ locks onto the zeros)', async () => {
    const raw = (await readMrc(join(SHARED_DATA, 'nonemdb_betagal_ngl.mrc.gz'))).volume;
    const a = estimateLocalScale(raw, { mode: 'occ' });
    assert.equal(solventModelSelfCheck(a.solvent).warning, undefined);
    const masked = applyMask(raw, sphereMask(raw, 0.9, 0));
    const b = estimateLocalScale(masked, { mode: 'occ' });
    const c = solventModelSelfCheck(b.solvent);
    assert.ok(b.solvent.model.sigma < 0.3 * a.solvent.model.sigma, `sigma ${b.solvent.model.sigma} vs raw ${a.solvent.model.sigma}`);
    assert.match(c.warning ?? '', /narrower than the histogram.*--solvent-def/);
  });
});
