/**
 * Pinned local FSC windows (FSC above the threshold up to Nyquist): their value is Nyquist, 2a,
 * exactly (the broadening correction, meant for crossings, had moved it to 2.0097 Å at 1 Å, so no
 * voxel read the bound the summary named); a voxel is flagged when half or more of its value comes
 * from grid windows reading the bound, so every voxel reading it is flagged; the job's summary line
 * and `_pinned.mrc` count the same voxels and say how many read the bound.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { loadFft } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { locresJob } from '../../src/jobs/locres-job.js';
import { tempFolders } from '../helpers/temp-folder.js';

const temp = tempFolders('occupy-pinned-');

/**
 * 40³ at `a` Å: for x < 20 both halves hold the same white signal (SD 10) plus noise of SD 1 (FSC
 * near 0.99 to Nyquist: pinned); beyond, independent noise only (FSC near 0: coarse).
 */
function splitHalves(a: number): [Volume, Volume] {
  const shape: Shape3 = [40, 40, 40];
  const n = 40 ** 3;
  const g = gaussianSampler(mulberry32(7));
  const h1 = new Float32Array(n);
  const h2 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = i % 40 < 20 ? 10 * g() : 0;
    h1[i] = s + g();
    h2[i] = s + g();
  }
  return [{ data: h1, shape, voxelSizeA: [a, a, a] }, { data: h2, shape, voxelSizeA: [a, a, a] }];
}

describe('pinned local FSC windows read the bound', () => {
  before(async () => {
    await loadFft();
  });

  for (const a of [1, 1.09]) {
    it(`${a} Å: the finest value is Nyquist exactly, and every voxel reading it is flagged pinned`, () => {
      const [h1, h2] = splitHalves(a);
      for (const gridMedian of [true, false]) {
        const r = localFsc(h1, h2, { windowVoxels: 12, stepVoxels: 4, threshold: 0.143, whiten: false, gridMedian });
        const bound = Math.fround(2 * a);
        assert.equal(r.finestA, 2 * a);
        const inside = (i: number) => r.resolution.data[i] < r.lowestResolutionA;
        let min = Infinity;
        let atBound = 0;
        let flagged = 0;
        let blends = 0;
        for (let i = 0; i < r.pinned.length; i++) {
          const v = r.resolution.data[i];
          if (!inside(i)) continue;
          min = Math.min(min, v);
          if (v <= bound) {
            atBound++;
            assert.equal(r.pinned[i], 1, `voxel ${i} reads the bound ${bound} Å but is not flagged`);
          }
          if (r.pinned[i]) {
            flagged++;
            if (v > bound) blends++;
          }
        }
        // before: 2.0097 Å (1 Å) and no voxel at the bound
        assert.equal(min, bound, `gridMedian ${gridMedian}: finest value ${min} Å, Nyquist ${bound} Å`);
        assert.ok(atBound > 1000, `${atBound} voxels at the bound`);
        assert.equal(flagged, r.pinnedVoxels);
        // blends of pinned and coarser windows are flagged too, the coarse half is not
        assert.ok(blends > 0 && flagged < 0.7 * r.maskVoxels, `${flagged} flagged (${blends} blends) of ${r.maskVoxels}`);
      }
    });
  }

  it('the job: the summary line counts the voxels of _pinned.mrc and those of them reading the bound', async () => {
    const dir = await temp();
    const [h1, h2] = splitHalves(1);
    await writeMrc(join(dir, 'h1.mrc'), h1);
    await writeMrc(join(dir, 'h2.mrc'), h2);
    const res = await locresJob(join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), { method: 'localfsc', window: 12, step: 4, threshold: 0.143, whiten: false, lowestResolution: 50, output: join(dir, 'l.mrc') });
    const map = (await readMrc(join(dir, 'l.mrc'))).volume.data;
    const pinned = (await readMrc(join(dir, 'l_pinned.mrc'))).volume.data;
    let nPinned = 0;
    let nAt = 0;
    for (let i = 0; i < map.length; i++) {
      if (pinned[i] > 0.5) {
        nPinned++;
        if (map[i] <= 2) nAt++;
      } else assert.ok(map[i] > 2, 'an unflagged voxel reads the bound');
    }
    assert.ok(nAt > 1000 && nPinned > nAt, `${nPinned} pinned, ${nAt} at 2 Å`);
    const line = res.lines.find((l) => l.startsWith('Pinned '));
    assert.ok(line, res.lines.join('\n'));
    assert.match(line, new RegExp(`^Pinned {13}: ${nPinned} voxels \\(\\d+\\.\\d %\\) take half or more of their value from windows pinned at 2\\.00 Å, the finest reported value .*; ${nAt} of them read 2\\.00 Å, the rest blend in coarser windows; marked in l_pinned\\.mrc$`));
    assert.equal(res.summary.pinnedVoxels, nPinned);
    assert.equal(res.summary.pinnedAtFinestVoxels, nAt);
    assert.match(readFileSync(join(dir, 'l_log.txt'), 'utf8'), /^Pinned {13}: /m);
  });
});
