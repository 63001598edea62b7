/**
 * The GUI's half-map run (`runHalfMaps`, what the worker runs for the half-maps panel) shows the
 * local FSC's own warnings, not only the pair's input diagnostics: on seed 1020 (1.46 Å, 8.5 / 8.5 /
 * 9 / 10 Å, SNR 3.2) the SNR-aware threshold is at its floor, and the page's log must say so once.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { writeMrc } from '../../src/io/mrc/index.js';
import { randomLocresCase, referenceStyleHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { runHalfMaps } from '../../src/web/server/halfmaps-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const temp = tempFolders('occupy-gui-warn-');

describe('GUI half-map run: warnings', () => {
  before(loadFft);
  it('the threshold-at-floor warning of the local FSC reaches the page log once', async () => {
    const dir = await temp();
    const d = randomLocresCase(1020);
    const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
    await writeMrc(join(dir, 'h1.mrc'), p.half1);
    await writeMrc(join(dir, 'h2.mrc'), p.half2);
    await writeMrc(join(dir, 'm.mrc'), { data: p.mask, shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA });
    const warnings: string[] = [];
    await runHalfMaps(
      { kind: 'halfmaps', half1Path: join(dir, 'h1.mrc'), half2Path: join(dir, 'h2.mrc'), maskPath: join(dir, 'm.mrc'), names: { half1: 'h1.mrc', half2: 'h2.mrc', mask: 'm.mrc' }, outputDir: dir, stem: 'h1' },
      () => {},
      (w) => warnings.push(w),
    );
    assert.equal(warnings.filter((w) => /threshold is at its floor/.test(w)).length, 1, warnings.join('\n'));
  });
});
