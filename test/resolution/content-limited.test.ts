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
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { readMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { sharpen } from '../diagnostics/variants.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';

const skip = skipWithoutShared();
const R = join(SHARED_REFERENCE, 'synth_halves128');

describe('local FSC on half maps low-passed while still correlated', { skip }, () => {
  let half1: Volume;
  let half2: Volume;
  let mask: Float32Array;
  let labels: Float32Array;
  before(async () => {
    await loadFft();
    half1 = (await readMrc(join(R, 'half1.mrc.gz'))).volume;
    half2 = (await readMrc(join(R, 'half2.mrc.gz'))).volume;
    mask = (await readMrc(join(R, 'truth_mask.mrc.gz'))).volume.data;
    labels = (await readMrc(join(R, 'truth_labels.mrc.gz'))).volume.data;
  });

  it('reads nothing finer than the halves\' content limit and pins what would (6 Å low-pass)', () => {
    const r = localFsc(sharpen(half1, 0, 6), sharpen(half2, 0, 6), { mask });
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

  it('leaves the unfiltered halves alone (content ends where their signal does)', () => {
    const r = localFsc(half1, half2, { mask });
    assert.equal(r.contentLimitedPercent, undefined);
    assert.equal(r.finestA, 2);
  });
});
