/**
 * Half maps low-passed while still correlated at the cut (a user's filtered halves): no local
 * resolution finer than the cut may be reported. synth_halves128's halves low-passed at 6 Å read
 * their 3 Å domains at 4.72 / 4.77 Å (median) before session 55, although nothing finer than
 * 5.95 Å is left in them; now every value finer than the content limit reads the limit and is
 * pinned, with a warning. The unfiltered halves (whose own content ends where their finest
 * domain's does) are untouched.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { monogenicLocalResolution } from '../../src/resolution/monogenic.js';
import { resMapLocalResolution } from '../../src/resolution/resmap.js';
import { sharpen } from '../diagnostics/variants.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');

describe('local FSC on half maps low-passed while still correlated', { skip }, () => {
  let half1: Volume;
  let half2: Volume;
  let mask: Float32Array;
  let labels: Float32Array;
  /** The halves low-passed to 6 Å, made once for the four tests that read them. */
  let lp6: [Volume, Volume] | undefined;
  const lowPassed6 = (): [Volume, Volume] => (lp6 ??= [sharpen(half1, 0, 6), sharpen(half2, 0, 6)]);
  before(async () => {
    await loadFft();
    half1 = (await readMrc(join(R, 'half1.mrc.gz'))).volume;
    half2 = (await readMrc(join(R, 'half2.mrc.gz'))).volume;
    mask = (await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data;
    labels = (await readMrc(join(R, 'truth_labels.mrc.gz'))).volume.data;
  });

  it('reads nothing finer than the halves\' content limit and pins what would (6 Å low-pass)', () => {
    const r = localFsc(...lowPassed6(), { mask });
    assert.ok(r.emptyBeyondA !== undefined && r.emptyBeyondA > 5.5 && r.emptyBeyondA < 6.5, `content limit ${r.emptyBeyondA}`);
    assert.ok(r.contentLimitedPercent !== undefined && r.contentLimitedPercent > 5, `share reading finer than 0.8 × the limit: ${r.contentLimitedPercent}`);
    assert.equal(r.finestA, r.emptyBeyondA);
    let finest = Infinity;
    const label1: number[] = [];
    let pinnedInLabel1 = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!(mask[i] > 0.5)) continue;
      finest = Math.min(finest, r.resolution.data[i], r.low.data[i]);
      if (labels[i] === 1) {
        label1.push(r.resolution.data[i]);
        pinnedInLabel1 += r.pinned[i];
      }
    }
    assert.ok(finest >= r.emptyBeyondA - 1e-3, `finest value or interval end in the mask ${finest} Å, content limit ${r.emptyBeyondA} Å`);
    label1.sort((a, b) => a - b);
    // the 3 Å domain: at the limit (a bound), and flagged as one (it read 4.72 Å unflagged)
    assert.ok(Math.abs(label1[label1.length >> 1] - r.emptyBeyondA) < 1e-3, `3 Å domain median ${label1[label1.length >> 1]}`);
    assert.ok(pinnedInLabel1 > 0.9 * label1.length, `pinned in the 3 Å domain: ${pinnedInLabel1} of ${label1.length}`);
  });

  it('occupy fsc: a resolution finer than the halves hold is called no measurement (masked: not reached, corrected 3.10 Å before)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-content-'));
    try {
      const [p1, p2] = [join(dir, 'lp6_1.mrc'), join(dir, 'lp6_2.mrc')];
      await writeMrc(p1, lowPassed6()[0]);
      await writeMrc(p2, lowPassed6()[1]);
      const lp = await runInProcess(['fsc', p1, p2, '--mask', join(R, 'soft_mask.mrc.gz'), '-o', join(dir, 'lp'), '--json']);
      assert.equal(lp.code, 0, lp.stderr);
      const j = JSON.parse(lp.stdout);
      assert.ok(j.contentLimitA > 5.5 && j.contentLimitA < 6.5, `contentLimitA ${j.contentLimitA}`);
      assert.match(lp.stderr, /the half maps hold nothing beyond 5\.\d\d Å .*not a measurement/);
      // the log says the halves' content too, as the locres log does (it had been in --json only: user59)
      assert.match(readFileSync(join(dir, 'lp_log.txt'), 'utf8'), /^Half maps' content : nothing beyond 5\.\d\d Å \(low-passed: float round-off only\); a resolution finer than 5\.\d\d Å is not a measurement$/m);
      // the unfiltered halves: content to 2.94 Å, every resolution coarser, no warning, figures as before
      const un = await runInProcess(['fsc', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--mask', join(R, 'soft_mask.mrc.gz'), '-o', join(dir, 'un'), '--json']);
      const k = JSON.parse(un.stdout);
      assert.ok(k.contentLimitA > 2.8 && k.contentLimitA < 3, `contentLimitA ${k.contentLimitA}`);
      assert.doesNotMatch(un.stderr, /hold nothing beyond/);
      assert.ok(Math.abs(k.resolutionAt0143CorrectedA - 3.32) < 0.01, `corrected 0.143 ${k.resolutionAt0143CorrectedA}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('MonoRes tests no finer than the halves hold (6 Å low-pass: 9.6 % of the mask had read 2.44 Å)', () => {
    const r = monogenicLocalResolution({ half1: lowPassed6()[0], half2: lowPassed6()[1] }, mask);
    const finestTested = r.tested[r.tested.length - 1];
    assert.ok(finestTested > 5.8 && finestTested < 6.1, `finest tested ${finestTested} Å`);
    let finest = Infinity;
    for (let i = 0; i < mask.length; i++) if (mask[i] > 0.5) finest = Math.min(finest, r.resolution[i]);
    assert.ok(finest >= finestTested - 1e-3, `finest value in the mask ${finest} Å`);
    assert.ok(r.notes.some((n) => /hold nothing beyond 5\.\d\d Å/.test(n)), r.notes.join(' | '));
  });

  it('ResMap tests no finer than the halves hold (6 Å low-pass: the 3 Å domains had read 3.00 Å)', () => {
    const r = resMapLocalResolution({ half1: lowPassed6()[0], half2: lowPassed6()[1] }, mask);
    const finestTested = r.testedA[r.testedA.length - 1];
    assert.ok(finestTested >= 5.89 && finestTested < 6.5, `finest tested ${finestTested} Å`);
    let finest = Infinity;
    for (let i = 0; i < mask.length; i++) if (mask[i] > 0.5) finest = Math.min(finest, r.resolution[i]);
    assert.ok(finest >= finestTested - 1e-3, `finest value in the mask ${finest} Å`);
  });

  it('leaves the unfiltered halves alone (content ends where their signal does)', () => {
    const r = localFsc(half1, half2, { mask });
    assert.equal(r.contentLimitedPercent, undefined);
    assert.equal(r.finestA, 2);
  });
});
