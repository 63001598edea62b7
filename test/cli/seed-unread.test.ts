/**
 * `--seed` is refused, in one line naming it and why, when the run draws no random number (only
 * the synthetic solvent noise of `--attenuate`/`--sigmoid` without `--exclude-solvent` does), as
 * the other options a run would not read are (`unreadEstimateOptions`): `occupy MAP --seed 5` and
 * `--attenuate 2 --exclude-solvent --seed 5` had exited 0 with `Seed : 5 (given)` in the log. The
 * batch's and the GUI's own default seed (0) do not trip it: it is passed only where the run draws
 * random numbers, so their other runs record the seed as not used and their rerun lines carry no
 * `--seed` (the batch's had ended in `--seed 0`, which the CLI now refuses); the library's
 * `modifyMap` refuses a `seed` its modification does not read.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { OptionError } from '../../src/core/option-error.js';
import { unreadEstimateOptions } from '../../src/occupancy/options.js';
import { methodOptionsOf, settingsArgs } from '../../src/web/server/settings.js';
import { modifyMap } from '../../src/index.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
let map = '';
const volume = occupancyPhantom({ shape: [28, 28, 28], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [10, 14, 14], radiusA: 8, occupancy: 1 }, { centreVoxel: [19, 14, 14], radiusA: 7, occupancy: 0.5 }] }).map;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-seed-'));
  map = join(dir, 'm.mrc');
  await writeMrc(map, volume);
  writeFileSync(join(dir, 'maps.txt'), `${map}\n`);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const WHY = /^occupy: error: --seed is only used for the synthetic solvent noise of --attenuate or --sigmoid \(not with --exclude-solvent\): this run draws no random number$/;

describe('--seed where no random number is drawn', { concurrency: 1 }, () => {
  it('is refused in one line (exit 2) with no modification, --amplify, --exclude-solvent alone or with --attenuate; nothing written', async () => {
    for (const extra of [[], ['--amplify', '2'], ['--exclude-solvent'], ['--attenuate', '2', '--exclude-solvent'], ['--sigmoid', '2', '--pivot', '0.5', '--exclude-solvent']]) {
      const r = await runInProcess([map, ...extra, '--seed', '5', '-o', join(dir, 'refused/'), '-q']);
      assert.equal(r.code, 2, `${extra.join(' ')}: exit ${r.code} ${r.stderr}`);
      assert.deepEqual(r.stderr.trim().split('\n'), [r.stderr.trim()]);
      assert.match(r.stderr.trim(), WHY);
    }
    assert.throws(() => readdirSync(join(dir, 'refused')), /ENOENT/);
    const b = await runInProcess(['batch', join(dir, 'maps.txt'), '-d', join(dir, 'b-refused'), '--seed', '5', '-q']);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr.trim(), WHY);
  });

  it('is read with --attenuate or --sigmoid (solvent noise): accepted and logged as given', async () => {
    for (const [k, extra] of [['a', ['--attenuate', '2']], ['s', ['--sigmoid', '2', '--pivot', '0.5']]] as const) {
      const r = await runInProcess([map, ...extra, '--seed', '5', '-o', join(dir, `${k}/`), '-q', '--no-chimerax']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(readFileSync(join(dir, k, 'log_m.txt'), 'utf8'), /^Seed +: 5 \(given\)$/m);
    }
  });

  it('the schema: unread only when nothing is drawn', () => {
    const unread = (o: Parameters<typeof unreadEstimateOptions>[0]) => unreadEstimateOptions(o).map((u) => u.key);
    assert.deepEqual(unread({ seed: 5 }), ['seed']);
    assert.deepEqual(unread({ seed: 5, amplify: 2 }), ['seed']);
    assert.deepEqual(unread({ seed: 5, attenuate: 2, excludeSolvent: true }), ['seed']);
    assert.deepEqual(unread({ seed: 5, attenuate: 2 }), []);
    assert.deepEqual(unread({ seed: 5, sigmoid: 2, pivot: 0.5 }), []);
    assert.deepEqual(unread({ attenuate: 2, excludeSolvent: true }), []);
  });

  it("the batch's default seed: recorded as not used, and the rerun line (no --seed) reruns", async () => {
    const r = await runInProcess(['batch', join(dir, 'maps.txt'), '-d', join(dir, 'b'), '--amplify', '2', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const [id] = readdirSync(join(dir, 'b')).filter((f) => !f.startsWith('.') && statSync(join(dir, 'b', f)).isDirectory());
    const log = readFileSync(join(dir, 'b', id, `log_${id}.txt`), 'utf8');
    assert.match(log, /^Seed +: not used/m);
    const rerun = /^Rerun \(same output\): occupy (.*)$/m.exec(log)?.[1] ?? '';
    assert.doesNotMatch(rerun, /--seed/);
    const words = rerun.split(' ');
    words[words.indexOf('-o') + 1] = join(dir, 'again/'); // the map's own stem there, in another folder
    const again = await runInProcess(words);
    assert.equal(again.code, 0, again.stderr);
  });

  it("the GUI's command line carries --seed only when the run draws random numbers", () => {
    assert.deepEqual(settingsArgs({ amplify: 2, seed: 0 }), ['--amplify', '2']);
    assert.deepEqual(settingsArgs({ mode: 'occ' }), ['--occupancy']);
    assert.deepEqual(settingsArgs({ attenuate: 2 }), ['--attenuate', '2', '--seed', '0']);
    assert.deepEqual(settingsArgs({ attenuate: 2, seed: 4, excludeSolvent: true }), ['--attenuate', '2', '--exclude-solvent']);
    // and the run gets the GUI's default seed only then (given, it would be recorded as given)
    assert.equal(methodOptionsOf({ amplify: 2 }, undefined).seed, undefined);
    assert.equal(methodOptionsOf({ attenuate: 2 }, undefined).seed, 0);
  });

  it("the library's modifyMap refuses a seed its modification does not read (default 0 is fine)", async () => {
    await assert.rejects(modifyMap(volume, { modification: { kind: 'amplify', gamma: 2 }, seed: 3 }), (e: unknown) => e instanceof OptionError && e.option === 'seed' && !/--/.test(e.message));
    const ok = await modifyMap(volume, { modification: { kind: 'amplify', gamma: 2 } });
    assert.equal(ok.map.data.length, volume.data.length);
    const noisy = await modifyMap(volume, { modification: { kind: 'attenuate', gamma: 2 }, seed: 3 });
    assert.equal(noisy.map.data.length, volume.data.length);
  });
});
