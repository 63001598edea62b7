/**
 * A bad output folder is refused before the run reads anything, by every writing command, in one
 * line: an existing folder on a read-only file system had been found only when the outputs were
 * written (`occupy locres … --method monores -o /ro/`: 12 s of work, then "read-only file
 * system"), and a missing one under it after the computation for locres, decompose and fsc (3 s),
 * while the estimate refused it at once (sweep, session 51). The check is the CLI's, in one place
 * (a `preAction` hook, src/cli/index.ts), and leaves nothing in a writable folder. It is made
 * once: the estimate and the demo had probed the folder a second time in `estimateFromFile`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeMrc, writeMrc } from '../../src/io/mrc/index.js';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { uniformRandomMap } from '../helpers/fixtures.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { withTmpfs } from '../helpers/tmpfs.js';

const tempFolder = tempFolders('occupy-folder-checks-');

test('every writing command refuses a read-only output folder (existing or to be made) at once, in one line', async (t) => {
  const dir = await tempFolder();
  const n = 32;
  const map = join(dir, 'map.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }], seed: 2 }).map);
  const [h1, h2] = [1, 2].map((k) => join(dir, `h${k}.mrc`));
  for (const [k, h] of [h1, h2].entries()) await writeMrc(h, { data: uniformRandomMap([n, n, n], 20 + k), shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] });
  const starText = (img: string) => ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', 'g1 1 1.0', '', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', `1@${img}.mrcs 1`, ''].join('\n');
  const [sa, sb] = ['a', 'b'].map((x) => join(dir, `${x}.star`));
  await writeFile(sa, starText('a'));
  await writeFile(sb, starText('b'));
  const ro = join(dir, 'ro');
  await withTmpfs(t, ro, 'size=1M,ro', async () => {
    const commands: [string, (o: string) => string[]][] = [
      ['estimate', (o) => [map, '-o', o]],
      ['locres monores', (o) => ['locres', map, '--method', 'monores', '-o', o]],
      ['locres', (o) => ['locres', h1, h2, '-o', o]],
      ['decompose', (o) => ['decompose', map, '-o', o]],
      ['fsc', (o) => ['fsc', h1, h2, '-o', `${o}f`]],
      ['pixel-size set', (o) => ['pixel-size', 'set', map, '--angpix', '1.1', '-o', `${o}p.mrc`]],
      ['pixel-size resample', (o) => ['pixel-size', 'resample', map, '--angpix', '2', '-o', `${o}r.mrc`]],
      ['soldef', (o) => ['soldef', map, '--threshold', '0.5', '-o', `${o}s.mrc`]],
      ['star join', (o) => ['star', 'join', sa, sb, '-o', `${o}j.star`]],
      ['pixel-size ctf-plot', (o) => ['pixel-size', 'ctf-plot', '--true-angpix', '1.0', '--nominal-angpix', '1.02', '-o', `${o}ctf`]],
      ['demo', (o) => ['demo', '-d', o]],
      ['demo (-d without a slash)', (o) => ['demo', '-d', o.replace(/\/$/, '')]],
    ];
    for (const [what, args] of commands) {
      for (const [folder, expected] of [[`${ro}/`, `cannot write to output folder '${ro}/?': read-only file system`], [`${ro}/new/`, `cannot create output folder '${ro}/new/?': read-only file system`]] as const) {
        const r = await runInProcess(args(folder));
        assert.equal(r.code, 1, `${what} -o ${folder}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `${what} -o ${folder}: refused before any work (no progress or warning line): ${r.stderr}`);
        assert.match(lines[0], new RegExp(`^occupy: error: (cannot write '[^']*': )?${expected}$`), `${what} -o ${folder}`);
      }
    }
  });
  // a writable folder: the check leaves nothing there
  const ok = join(dir, 'ok');
  const r = await runInProcess(['pixel-size', 'set', map, '--angpix', '1.1', '-o', `${ok}/`]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(await readdir(ok), ['map_1.1.mrc']);
});

test('the estimate and the demo probe their output folder once (the CLI hook), and leave no probe file', async () => {
  const dir = await tempFolder();
  const map = join(dir, 'map.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [12, 12, 12], radiusA: 8, occupancy: 1 }], seed: 2 }).map);
  for (const [what, args] of [
    ['estimate', (o: string) => [map, '-o', `${o}/`, '-q']],
    ['demo', (o: string) => ['demo', '-d', o, '-q']],
  ] as const) {
    const out = join(dir, what);
    await mkdir(out);
    // every probe is a hidden file made and removed in the folder: its name is seen by a watcher
    const probes = new Set<string>();
    const watcher = watch(out, (_event, name) => {
      if (name !== null && String(name).startsWith('.occupy-write-check.')) probes.add(String(name));
    });
    try {
      const r = await runInProcess(args(out));
      assert.equal(r.code, 0, `${what}: ${r.stderr}`);
      await new Promise((done) => setTimeout(done, 300));
    } finally {
      watcher.close();
    }
    // the estimate had probed it twice: in the CLI's hook and again in estimateFromFile
    assert.equal(probes.size, 1, `${what}: probes of the output folder: ${[...probes].join(', ')}`);
    assert.deepEqual((await readdir(out)).filter((f) => f.startsWith('.occupy-write-check.')), [], `${what}: a probe file was left`);
  }
});

test('--emdb with --keep-output-path: a read-only EMDB cache (the outputs\' folder) is refused before the estimate', async (t) => {
  const dir = await tempFolder();
  const cache = join(dir, 'cache');
  const emdb = join(cache, 'occupy-ts', 'emdb');
  // a cached map is used without a download: the test needs no network
  const map = occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, domains: [{ centreVoxel: [12, 12, 12], radiusA: 8, occupancy: 1 }], seed: 2 }).map;
  await withTmpfs(t, emdb, 'size=1M', async () => {
    await writeFile(join(emdb, 'emd_1832.map.gz'), gzipSync(encodeMrc(map)));
    execFileSync('mount', ['-o', 'remount,ro', emdb]);
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const r = await runInProcess(['--emdb', '1832', '--keep-output-path']);
      assert.equal(r.code, 1, r.stderr);
      const lines = r.stderr.trim().split('\n');
      // it had computed the estimate (progress lines), then failed at the write
      assert.equal(lines.length, 1, `refused before any work (no progress or warning line): ${r.stderr}`);
      assert.match(lines[0], new RegExp(`^occupy: error: cannot write to output folder '${emdb}/?': read-only file system$`));
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
    }
  });
});
