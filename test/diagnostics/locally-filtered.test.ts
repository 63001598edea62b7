/**
 * `locally-filtered`: a map whose solvent was low-passed more than its molecule (a local filter by
 * local resolution, as blocfilt, RELION's locres-filtered map or cryoSPARC's local filtering write
 * it) breaks the method's solvent model, and the README tells users not to give one; until session
 * 52 nothing said so (`occupy check` on such a map: "Findings: none"). The raw average of the same
 * half maps, a globally low-passed copy and the raw maps elsewhere in the diagnostics tests
 * (variants.test.ts) must not be flagged.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { THRESHOLDS } from '../../src/diagnostics/thresholds.js';
import { lowpassHard } from '../../src/filters/lowpass.js';
import { localLowpass } from '../../src/resolution/local-filter.js';
import { randomLocresCase, referenceLayoutCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { applyMask, sharpen, sphereMask } from './variants.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-locally-filtered-');
const codes = (v: Volume): string[] => diagnoseMap(v).findings.map((f) => f.code);

describe('locally-filtered finding', () => {
  before(loadFft);
  for (const d of [randomLocresCase(3012), referenceLayoutCase(21001)]) {
    it(`${d.voxelSizeA} Å, domains ${d.resolutionsA.join('/')} Å, SNR ${d.snr}: the average of the half maps is clean; filtered by its true local resolution (solvent at the coarsest domain's) it is flagged`, () => {
      const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
      const map: Volume = { ...p.half1, data: Float32Array.from(p.half1.data, (x, i) => (x + p.half2.data[i]) / 2) };
      const raw = diagnoseMap(map);
      assert.ok(!codes(map).includes('locally-filtered'), 'raw average');
      assert.ok((raw.noise?.solventShareDropLn ?? Infinity) < Math.log(2), `raw share drop ${raw.noise?.solventShareDropLn}`);
      const finest = Math.min(...d.resolutionsA);
      assert.ok(!codes(lowpassHard(map, finest)).includes('locally-filtered'), 'globally low-passed to the finest domain');
      assert.ok(!codes(lowpassHard(map, finest + 2)).includes('locally-filtered'), 'globally low-passed coarser than the finest domain');
      const coarsest = Math.max(...d.resolutionsA);
      const filtered = localLowpass(map, Float32Array.from(p.truthResolutionA, (x, i) => (p.mask[i] > 0.5 ? x : coarsest)));
      const f = diagnoseMap(filtered).findings.find((x) => x.code === 'locally-filtered');
      assert.ok(f, `locally filtered: ${codes(filtered).join(', ') || 'nothing'}`);
      assert.equal(f.severity, 'warning');
      assert.ok((f.evidence.shareDropLn as number) > THRESHOLDS.locallyFilteredShareDropLn);
      // the fall runs from a coarse shell to a finer one, within the map's band
      assert.ok((f.evidence.fromA as number) > (f.evidence.toA as number) && (f.evidence.toA as number) >= 2 * d.voxelSizeA, `${f.evidence.fromA} → ${f.evidence.toA} Å`);
      assert.match(f.message, /locally filtered: .* use the raw map/);
      // masked as well: said as masked (no solvent noise to judge), not as locally filtered
      const masked = codes(applyMask(filtered, sphereMask(filtered, 0.7, 0)));
      assert.ok(masked.includes('masked') && !masked.includes('locally-filtered'), masked.join(', '));
    });
  }

  // session 52: a steeply rising spectrum leaks through the solvent weight's edges into the coarse
  // shells (ln share 1–2 there), and the fall to the share near the resolution read as a local
  // filter: 10.1-fold (the only finding: not even `sharpened`) and 6.9-fold (solvent fraction 0.45)
  for (const [seed, bFactor] of [[22601, -200], [22604, -300]] as const) {
    it(`a raw map sharpened by B ${bFactor} Å² (reference layout ${seed}, soft low-pass at the finest domain) is not flagged`, () => {
      const d = referenceLayoutCase(seed);
      const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
      const map: Volume = { ...p.half1, data: Float32Array.from(p.half1.data, (x, i) => (x + p.half2.data[i]) / 2) };
      const sharp = diagnoseMap(sharpen(map, bFactor, Math.min(...d.resolutionsA), 8));
      const drop = sharp.noise?.solventShareDropLn ?? Number.NaN;
      assert.ok(drop < Math.log(2.5), `share drop ${Math.exp(drop).toFixed(2)}-fold`);
      assert.ok(!sharp.findings.some((f) => f.code === 'locally-filtered'), sharp.findings.map((f) => f.code).join(', '));
    });
  }

  it('occupy check names it (exit 0, a warning), and --json carries the code and its evidence', async () => {
    const d = referenceLayoutCase(21001);
    const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
    const map: Volume = { ...p.half1, data: Float32Array.from(p.half1.data, (x, i) => (x + p.half2.data[i]) / 2) };
    const filtered = localLowpass(map, Float32Array.from(p.truthResolutionA, (x, i) => (p.mask[i] > 0.5 ? x : Math.max(...d.resolutionsA))));
    const dir = await tempFolder();
    await writeMrc(join(dir, 'lf.mrc'), filtered);
    const r = await runInProcess(['check', join(dir, 'lf.mrc'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { findings: { code: string; severity: string; evidence: Record<string, number> }[] };
    const f = json.findings.find((x) => x.code === 'locally-filtered');
    assert.ok(f && f.severity === 'warning' && f.evidence.shareDropLn > Math.log(5), r.stdout);
  });
});
