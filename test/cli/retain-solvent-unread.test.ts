/**
 * `--retain-solvent` without a modification is refused in one line naming it and why (exit 2,
 * nothing written), as the other options a run would not read are (`unreadEstimateOptions`):
 * `occupy MAP --retain-solvent` had exited 0, the option having no effect (session 52). With a
 * modification it is read; with `--exclude-solvent` it contradicts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { unreadEstimateOptions } from '../../src/occupancy/options.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
let map = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-retain-'));
  map = join(dir, 'm.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [12, 12, 12], radiusA: 8, occupancy: 1 }] }).map);
  writeFileSync(join(dir, 'maps.txt'), `${map}\n`);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const WHY = /^occupy: error: --retain-solvent is only used for modified maps \(--amplify, --attenuate or --sigmoid\), whose solvent it keeps: none is written$/;

describe('--retain-solvent without a modification', { concurrency: 1 }, () => {
  it('is refused in one line (exit 2) by the estimate and the batch; nothing written', async () => {
    for (const extra of [[], ['--occupancy']]) {
      const r = await runInProcess([map, ...extra, '--retain-solvent', '-o', join(dir, 'refused/'), '-q']);
      assert.equal(r.code, 2, `${extra.join(' ')}: exit ${r.code} ${r.stderr}`);
      assert.match(r.stderr.trim(), WHY);
    }
    assert.throws(() => readdirSync(join(dir, 'refused')), /ENOENT/);
    const b = await runInProcess(['batch', join(dir, 'maps.txt'), '-d', join(dir, 'b-refused'), '--retain-solvent', '-q']);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr.trim(), WHY);
    assert.throws(() => readdirSync(join(dir, 'b-refused')), /ENOENT/);
  });

  it('is read with a modification; contradicts --exclude-solvent', async () => {
    const r = await runInProcess([map, '--amplify', '2', '--retain-solvent', '-o', join(dir, 'a/'), '-q', '--no-chimerax']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readdirSync(join(dir, 'a')).includes('ampl_2.0_m.mrc'), readdirSync(join(dir, 'a')).join(' '));
    const c = await runInProcess([map, '--amplify', '2', '--retain-solvent', '--exclude-solvent', '-o', join(dir, 'c/'), '-q']);
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, /--exclude-solvent and --retain-solvent contradict each other/);
  });

  it('the schema: unread only without a modification', () => {
    const unread = (o: Parameters<typeof unreadEstimateOptions>[0]) => unreadEstimateOptions(o).map((u) => u.key);
    assert.deepEqual(unread({ retainSolvent: true }), ['retainSolvent']);
    assert.deepEqual(unread({ retainSolvent: true, mode: 'occ' }), ['retainSolvent']);
    assert.deepEqual(unread({ retainSolvent: false }), []);
    for (const m of [{ amplify: 2 }, { attenuate: 2 }, { sigmoid: 2, pivot: 0.5 }]) assert.deepEqual(unread({ retainSolvent: true, ...m }), []);
  });
});
