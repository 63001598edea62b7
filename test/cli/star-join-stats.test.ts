/**
 * `occupy star join` looks at each input once (session 55): it had stat'ed every input four times
 * before reading it (the input check, the output-is-an-input check, the sizes for the progress
 * line, and readStar's own check); now the input check's `Stats` serve all of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInProcess } from '../helpers/cli-run.js';

function particles(group: string, n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `${i + 1}@${group}.mrcs 1`);
  return ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', `${group} 1 1.0`, '', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', ...rows, ''].join('\n');
}

test('star join stats each input once, and still refuses a folder among them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-join-stats-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a.star');
  const b = join(dir, 'b.star');
  writeFileSync(a, particles('g1', 20));
  writeFileSync(b, particles('g2', 30));
  // count every stat/lstat (promise, callback and sync forms) of the two inputs
  const counts = new Map<string, number>();
  const count = (p: unknown): void => {
    const key = typeof p === 'string' ? resolve(p) : '';
    if (key === a || key === b) counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const saved = { stat: fsp.stat, lstat: fsp.lstat, statSync: fs.statSync, lstatSync: fs.lstatSync, cbStat: fs.stat, cbLstat: fs.lstat };
  const wrap = <F extends (...args: never[]) => unknown>(f: F): F => ((...args: Parameters<F>) => (count(args[0]), f(...args))) as F;
  fsp.stat = wrap(saved.stat);
  fsp.lstat = wrap(saved.lstat);
  fs.statSync = wrap(saved.statSync);
  fs.lstatSync = wrap(saved.lstatSync);
  fs.stat = wrap(saved.cbStat);
  fs.lstat = wrap(saved.cbLstat);
  syncBuiltinESMExports();
  const restore = (): void => {
    Object.assign(fsp, { stat: saved.stat, lstat: saved.lstat });
    Object.assign(fs, { statSync: saved.statSync, lstatSync: saved.lstatSync, stat: saved.cbStat, lstat: saved.cbLstat });
    syncBuiltinESMExports();
  };
  t.after(restore);
  const out = join(dir, 'joined.star');
  const r = await runInProcess(['star', 'join', a, b, '-o', out, '-q']);
  restore();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8').match(/^\d+@g[12]\.mrcs /gm)?.length, 50, 'every particle joined');
  assert.deepEqual(Object.fromEntries(counts), { [a]: 1, [b]: 1 }, 'each input looked at once');
  // the check that took the Stats still refuses what readStar had refused
  const bad = await runInProcess(['star', 'join', a, dir, '-o', join(dir, 'bad.star'), '-q']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /cannot read STAR file '.*': it is a folder, not a file/);
});
