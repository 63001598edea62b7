/**
 * `--relion` against RELION 3.1.3 itself (`relion_postprocess --locres`, Debian's package as CI
 * installs it), run on the same half maps at voxel sizes other than the shared reference's 1 Å.
 * Until session 41 each window was transformed in a box just larger than itself and its FSC
 * interpolated at RELION's shells; that read finer than RELION where the FSC falls steeply (this
 * 56³ phantom at 1.43 Å: median −0.17 Å; a 128³ one 1.09 Å) while synth_halves128 at 1 Å agreed
 * within 0.10 Å. Now the whole box is transformed, as RELION does (odd boxes at their own size).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc, writeMrc } from '../../src/io/mrc/index.js';
import { halfMapPhantom, referenceStyleHalfMaps, type HalfMapPhantom } from '../../src/resolution/half-map-phantom.js';
import { relionLocalResolution } from '../../src/resolution/relion-locres.js';
import { mapDifference } from '../../src/resolution/accuracy.js';

const HAVE_RELION = spawnSync('relion_postprocess', ['--version'], { encoding: 'utf8' }).status === 0;

/** The `skip` option: false when RELION is installed; a message when not; throws under CI=true. */
function skipWithoutRelion(): false | string {
  if (HAVE_RELION) return false;
  if (process.env.CI === 'true') throw new Error('CI=true but relion_postprocess is not on PATH: install relion (apt-get install relion) so the --locres comparison runs');
  return 'relion_postprocess not found on PATH (apt-get install relion): comparison with RELION --locres skipped';
}

describe('--relion against relion_postprocess --locres (RELION 3.1.3) at other voxel sizes', { skip: skipWithoutRelion() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-relion-own-'));
  before(loadFft);
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** RELION and ours on the same half maps: |ours − RELION| inside the mask (median, 90th percentile, Å) and our Fourier box. */
  async function againstRelion(p: HalfMapPhantom, tag: string, samplingA: number): Promise<{ med: number; p90: number; fftBox: number }> {
    const a = p.half1.voxelSizeA[0];
    const h1 = join(dir, `h1_${tag}.mrc`);
    const h2 = join(dir, `h2_${tag}.mrc`);
    await writeMrc(h1, p.half1);
    await writeMrc(h2, p.half2);
    const r = spawnSync('relion_postprocess', ['--i', h1, '--i2', h2, '--angpix', String(a), '--locres', '--locres_sampling', String(samplingA), '--o', join(dir, tag)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const theirs = (await readMrc(join(dir, `${tag}_locres.mrc`))).volume.data;
    const ours = relionLocalResolution(p.half1, p.half2, { samplingA, mask: p.mask });
    const { medianA, p90A } = mapDifference(ours.resolution.data, theirs, p.mask);
    return { med: medianA, p90: p90A, fftBox: ours.fftBox };
  }

  for (const a of [1.43, 1.2]) {
    it(`${a} Å voxels, 56³, sampling 10 Å: the same map inside the mask`, async (t) => {
      const { med, p90, fftBox } = await againstRelion(referenceStyleHalfMaps(a, [4, 6, 9, 4], 3.2, 900, { box: 56 }), String(a), 10);
      t.diagnostic(`median |ours − RELION| ${med.toFixed(4)} Å, 90th percentile ${p90.toFixed(4)} Å`);
      assert.ok(med <= 0.01 && p90 <= 0.05, `median ${med} Å, 90th percentile ${p90} Å`);
      assert.equal(fftBox, 56);
    });
  }

  it('an odd box (47³, 1 Å, sampling 6 Å): transformed at its own size, as RELION does', async () => {
    const n = 47;
    const p = halfMapPhantom({ shape: [n, n, n], voxelSizeA: 1, snr: 3, seed: 3, domains: [{ centreVoxel: [n / 2, n / 2, n / 2], radiusA: 12, resolutionA: 5 }] });
    const { med, p90, fftBox } = await againstRelion(p, 'odd', 6);
    // (the next even box, 48, is 0.38 Å off in the median)
    assert.ok(med <= 0.01 && p90 <= 0.05, `median ${med} Å, 90th percentile ${p90} Å`);
    assert.equal(fftBox, 47);
  });
});
