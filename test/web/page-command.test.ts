/**
 * The page's equivalent command line (`src/web/app/settings.ts` `commandLine`) leaves out what the
 * run would not read, as the server leaves it out of the run (`unreadEstimateOptions`): the scale
 * limit without a modification, a tile size with --S0. Before session 48 the page showed
 * `--scale-limit 0.9` on a plain estimate, a command the CLI refuses.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commandLine, type FormSettings, type ModificationSettings } from '../../src/web/app/settings.js';
import type { MapInfo } from '../../src/web/api.js';

const map = { path: 'maps/emd_1832.map.gz', name: 'emd_1832.map.gz' } as MapInfo;
const form: FormSettings = { mode: 'occ', nlrc: false, scaleLimit: 0.9, tileSize: 9, useS0: false, soldefKind: 'sphere', soldefThreshold: 0.2 };
const mod: ModificationSettings = { kind: 'amplify', gamma: 2, pivot: 0.5, items: [{ kind: 'amplify', gamma: 2, pivot: 0.5 }], excludeSolvent: false, histMatch: false };

describe('page command line', () => {
  it('no --scale-limit without a modification; with one it is there', () => {
    assert.equal(commandLine(map, form), 'occupy -i maps/emd_1832.map.gz --tile-size 9 --occupancy');
    assert.equal(commandLine(map, form, mod), 'occupy -i maps/emd_1832.map.gz --tile-size 9 --occupancy --scale-limit 0.9 --amplify 2');
  });
  it('no --tile-size with --S0', () => {
    assert.equal(commandLine(map, { ...form, useS0: true }), 'occupy -i maps/emd_1832.map.gz --occupancy --S0');
  });
});
