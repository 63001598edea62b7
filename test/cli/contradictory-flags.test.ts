/**
 * Contradictory flags are refused in one line naming both (exit 2), as `--S0 --SW` is: a
 * negatable schema option in both forms (`--chimerax --no-chimerax`, either order: commander kept
 * the last), `-v` with `-q` (every command that has both; `-q` had won), and `--show-chimerax` with
 * `--no-chimerax` (it had run and then said there was no script to open). One error for all
 * (`contradictionError`, src/core/option-schema.ts).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
const p = (f: string) => join(dir, f);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-contra-'));
  const m = (seed: number) => occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [12, 12, 12], radiusA: 10, occupancy: 1 }] }).map;
  await writeMrc(p('m.mrc'), m(1));
  await writeMrc(p('h2.mrc'), m(2));
  writeFileSync(p('maps.txt'), `${p('m.mrc')}\n`);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('contradictory flags: one line naming both, exit 2, nothing written', { concurrency: 1 }, () => {
  const CHIMERAX = 'occupy: error: --chimerax and --no-chimerax contradict each other; give one';
  const VQ = 'occupy: error: -v/--verbose and -q/--quiet contradict each other; give one';
  for (const [args, line] of [
    [['m.mrc', '--chimerax', '--no-chimerax', '-o', 'out/'], CHIMERAX],
    [['m.mrc', '--no-chimerax', '--chimerax', '-o', 'out/'], CHIMERAX],
    [['batch', 'maps.txt', '-d', 'out', '--chimerax', '--no-chimerax'], CHIMERAX],
    [['m.mrc', '--show-chimerax', '--no-chimerax', '-o', 'out/'], 'occupy: error: --show-chimerax and --no-chimerax contradict each other; give one'],
    [['m.mrc', '-v', '-q', '-o', 'out/'], VQ],
    [['m.mrc', '--quiet', '--verbose', '-o', 'out/'], VQ],
    [['batch', 'maps.txt', '-d', 'out', '-v', '-q'], VQ],
    [['locres', 'm.mrc', 'h2.mrc', '-v', '-q', '-o', 'out/'], VQ],
    [['fsc', 'm.mrc', 'h2.mrc', '-v', '-q', '-o', 'out/'], VQ],
    [['decompose', 'm.mrc', '-v', '-q', '-o', 'out/'], VQ],
    [['check', 'm.mrc', '-v', '-q'], VQ],
    [['m.mrc', '--S0', '--SW', '-o', 'out/'], 'occupy: error: --S0 and --SW contradict each other; give one (--SW, the tile search, is the default)'],
  ] as [string[], string][]) {
    it(`occupy ${args.join(' ')}`, async () => {
      const out = `out-${args.join('').replace(/\W/g, '')}`;
      const r = await runInProcess(args.map((a) => (/\.(mrc|txt)$/.test(a) ? p(a) : a === 'out' ? p(out) : a === 'out/' ? p(`${out}/`) : a)));
      assert.equal(r.stderr, `${line}\n`);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(existsSync(p(out)), false, 'output written');
    });
  }

  it('each flag alone is accepted: --no-chimerax writes no script, -q prints nothing', async () => {
    const r = await runInProcess([p('m.mrc'), '--no-chimerax', '-q', '-o', p('alone/')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    assert.ok(!readdirSync(p('alone')).some((f) => f.endsWith('.cxc')));
    const v = await runInProcess([p('m.mrc'), '--chimerax', '-v', '-o', p('alone2/')]);
    assert.equal(v.code, 0, v.stderr);
    assert.ok(readdirSync(p('alone2')).some((f) => f.endsWith('.cxc')));
  });
});
