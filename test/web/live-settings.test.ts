/**
 * The GUI's live settings (`src/web/app/settings.ts` `liveSettings`) hold the kernel size to the
 * processing box as the CLI does (session 57): a typed kernel that does not fit the open map's box
 * is shown as the CLI's refusal before a run is asked for (it had been shown as valid, the server
 * then refusing the run), and the default kernel is reduced to fit a thin box, with the warning.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { liveSettings, type FormSettings } from '../../src/web/app/settings.js';
import type { MapInfo } from '../../src/web/api.js';

const slab = { mapId: 'm1', name: 'slab.mrc', path: 'slab.mrc', box: [64, 64, 6], voxelSizeA: [1, 1, 1], min: 0, max: 1, mean: 0.1 } as MapInfo;
const form: FormSettings = { mode: 'res', nlrc: false, scaleLimit: 0.05, useS0: false, soldefKind: 'sphere', soldefThreshold: 0.2 };

describe('GUI live settings: the kernel size against the open map\'s box', () => {
  it('a typed 9 on a 64x64x6 box is the CLI\'s one-line refusal; 5 is accepted', () => {
    const typed = liveSettings({ ...form, kernelSize: 9 }, slab);
    assert.deepEqual(typed.errors, ['--kernel-size must be an odd integer in 1..5 for this map (processing box 64x64x6: the kernel must fit it), got 9']);
    assert.equal(typed.derived, undefined);
    const five = liveSettings({ ...form, kernelSize: 5 }, slab);
    assert.deepEqual(five.errors, []);
    assert.equal(five.derived?.kernel.size, 5);
  });

  it('the default is reduced to 5 with the CLI\'s warning', () => {
    const live = liveSettings(form, slab);
    assert.deepEqual(live.errors, []);
    assert.equal(live.derived?.kernel.size, 5);
    assert.ok(live.warnings.some((w) => /^The default kernel size, 9 voxels .*does not fit the processing box 64x64x6: 5 voxels is used/.test(w)), live.warnings.join(' | '));
  });
});
