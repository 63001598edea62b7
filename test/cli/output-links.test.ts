/**
 * An output name that is a symbolic link is refused in one line naming it, before any work, and
 * the link stays a link: the commit renames a temporary file onto the name, which had replaced the
 * link with a regular file, exit 0 (sweep, session 51: `ln -s elsewhere/out.mrc out.mrc; occupy
 * pixel-size set map.mrc --angpix 1.1 -o out.mrc`, the same with a dangling link, `star join …
 * -o <link>`, the estimate's outputs; session 52: `locres --shells`, `--method monodir` and `fsc
 * --directional` refused it only after the computation).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { writeFileAtomic } from '../../src/core/atomic-write.js';
import { OutputSet } from '../../src/core/output-set.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { uniformRandomMap } from '../helpers/fixtures.js';
import { runInProcess, type CliRun } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-output-links-');

/** Exit 1 and exactly one stderr line: `occupy: error: cannot write '<link>': is a symbolic link …`. */
function refusedLink(r: CliRun, link: string, what: string): void {
  assert.equal(r.code, 1, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: no work before the refusal (no progress or warning line): ${r.stderr}`);
  assert.equal(lines[0].split(': is a symbolic link')[0], `occupy: error: cannot write '${link}'`, what);
}

/** A link `name` in `dir` to `target`, and a check that it is still that link. */
async function linkIn(dir: string, name: string, target: string): Promise<{ path: string; unchanged: () => Promise<void> }> {
  const path = join(dir, name);
  await symlink(target, path);
  return {
    path,
    unchanged: async () => {
      assert.ok((await lstat(path)).isSymbolicLink(), `${name} was replaced by a regular file`);
      assert.equal(await readlink(path), target);
    },
  };
}

test('OutputSet: a link (to a file, or dangling) is refused and stays a link; its target is untouched', async () => {
  const dir = await tempFolder();
  await mkdir(join(dir, 'elsewhere'));
  await writeFile(join(dir, 'elsewhere', 'out.mrc'), 'earlier');
  const live = await linkIn(dir, 'out.mrc', join(dir, 'elsewhere', 'out.mrc'));
  const dangling = await linkIn(dir, 'gone.mrc', join(dir, 'nowhere.mrc'));
  for (const l of [live, dangling]) {
    await assert.rejects(writeFileAtomic(l.path, 'new'), { message: new RegExp(`^cannot write '${l.path}': is a symbolic link \\(to '.*'\\)`) });
    await l.unchanged();
  }
  assert.equal(await readFile(join(dir, 'elsewhere', 'out.mrc'), 'utf8'), 'earlier');
  // a link made after staging is refused at the commit, and nothing of the set stays
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'late.mrc'), 'x');
  await symlink(join(dir, 'elsewhere', 'out.mrc'), join(dir, 'late.mrc'));
  await assert.rejects(set.commit(), /late\.mrc': is a symbolic link/);
  assert.ok((await lstat(join(dir, 'late.mrc'))).isSymbolicLink());
  assert.deepEqual((await readdir(dir)).sort(), ['elsewhere', 'gone.mrc', 'late.mrc', 'out.mrc']);
});

test('every writing command refuses a link as its output before any work, in one line naming it', async () => {
  const dir = await tempFolder();
  const n = 32;
  const map = join(dir, 'map.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 16, 16], radiusA: 10, occupancy: 1 }], seed: 2 }).map);
  const halves = [1, 2].map((k) => join(dir, `h${k}.mrc`));
  for (const [k, h] of halves.entries()) await writeMrc(h, { data: uniformRandomMap([n, n, n], 10 + k), shape: [n, n, n], voxelSizeA: [1.5, 1.5, 1.5] });
  const star = join(dir, 'a.star');
  const starB = join(dir, 'b.star');
  const starText = (img: string) => ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', 'g1 1 1.0', '', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', `1@${img}.mrcs 1`, ''].join('\n');
  await writeFile(star, starText('a'));
  await writeFile(starB, starText('b'));
  await mkdir(join(dir, 'elsewhere'));
  await writeFile(join(dir, 'elsewhere', 'target'), 'earlier');
  const target = join(dir, 'elsewhere', 'target');
  const out = join(dir, 'out');
  await mkdir(out);
  const cases: [string, string, (link: string) => string[]][] = [
    ['pixel-size set', 'p.mrc', (l) => ['pixel-size', 'set', map, '--angpix', '1.1', '-o', l]],
    ['pixel-size resample', 'r.mrc', (l) => ['pixel-size', 'resample', map, '--angpix', '2', '-o', l]],
    ['star join', 'j.star', (l) => ['star', 'join', star, starB, '-o', l]],
    ['estimate', 'scale_res_map.mrc', () => [map, '-o', `${out}/`]],
    ['locres', 'l.mrc', (l) => ['locres', halves[0], halves[1], '-o', l]],
    ['fsc', 'f.csv', () => ['fsc', halves[0], halves[1], '-o', join(out, 'f')]],
    // these three name their outputs themselves and had refused a link only at the write, after
    // the computation (session 52)
    ['locres --shells', 'shells_h1.csv', () => ['locres', halves[0], halves[1], '--shells', '-o', `${out}/`]],
    ['locres --method monodir', 'monodir_h1_log.txt', () => ['locres', halves[0], halves[1], '--method', 'monodir', '-o', `${out}/`]],
    ['fsc --directional', 'd_xyz.csv', () => ['fsc', halves[0], halves[1], '--directional', '-o', join(out, 'd')]],
    ['decompose', 'occupancy_map.mrc', () => ['decompose', map, '-o', `${out}/`]],
    ['soldef', 'sd.mrc', (l) => ['soldef', map, '--threshold', '0.5', '-o', l]],
  ];
  for (const [what, name, args] of cases) {
    for (const to of [target, join(dir, 'nowhere')]) {
      const l = await linkIn(out, name, to);
      refusedLink(await runInProcess(args(l.path)), l.path, `${what} (link to ${to === target ? 'a file' : 'nothing'})`);
      await l.unchanged();
      assert.deepEqual(await readdir(out), [name], `${what}: only the link in the folder`);
      await (await import('node:fs/promises')).unlink(l.path);
    }
  }
  assert.equal(await readFile(target, 'utf8'), 'earlier');
});
