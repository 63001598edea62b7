/**
 * `occupy MAP -o DIR/` and `occupy decompose MAP -o DIR/` run again into the same folder with
 * other options: the estimate's solvent-model plot, decompose's sharpened map and plots, of an earlier run had
 * stayed beside the later run's outputs, where they read as its own (session 57; locres since
 * session 56). Each run now removes, with its output set, this tool's own outputs for the same stem
 * under names that do not say their settings and that it does not write, and names them in its
 * log, on stdout and in `--json` (`removed`). The modified maps (any power) with their curves and
 * either mode's scale stay: their names say what they are, and a sweep of powers or both modes are compared in
 * one folder. A file of another name or stem, a symbolic link, or an input of the run under such a
 * name, stays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-stale-outputs-');
const HEAD = "Removed (an earlier run's outputs for this map that this run does not write):";

async function phantomMap(dir: string): Promise<string> {
  const n = 40;
  const map = join(dir, 'ph.mrc');
  await writeMrc(map, occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [16, 20, 20], radiusA: 10, occupancy: 1 }, { centreVoxel: [25, 20, 20], radiusA: 8, occupancy: 0.5 }], seed: 5 }).map);
  return map;
}

test('an estimate removes an earlier run\'s solvent-model plot that it does not write, and says so; modified maps of any power with their curves, either mode\'s scale and everything else stay', async () => {
  const dir = await tempFolder();
  const map = await phantomMap(dir);
  const out = join(dir, 'out');
  const run = async (args: string[]) => {
    const r = await runInProcess([map, ...args, '-o', `${out}/`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const listed = async () => (await readdir(out)).sort();
  await run(['--amplify', '2', '--sigmoid', '3', '--pivot', '0.5', '--plot', '--seed', '1', '-q']);
  const modified = ['ampl_2.0_ph.mrc', 'sigm_3.0-0.50_ph.mrc'];
  const curves = ['gamma_modification_ph.png', 'gamma_modification_ph.svg', 'sigmoid_modification_ph.png', 'sigmoid_modification_ph.svg'];
  const solvent = ['solModel_ph.png', 'solModel_ph.svg'];
  const own = ['chimX_ph.cxc', 'conf_ph.mrc', 'log_ph.txt'];
  assert.deepEqual(await listed(), [...modified, ...own, ...curves, 'scale_occ_ph.mrc', ...solvent].sort());
  // the user's files beside them: another map's modified map, notes, a link named like an output
  await writeFile(join(out, 'ampl_2.0_other.mrc'), 'another map');
  await writeFile(join(out, 'ampl_notes.txt'), 'mine');
  await symlink('ampl_notes.txt', join(out, 'gamma_modification_ph.svg.lnk'));
  // the occupancy mode again, without a modification or plots: the solvent-model plot goes, nothing else
  const stdout = await run(['--occupancy']);
  const gone = solvent.map((f) => join(out, f));
  const kept = ['ampl_2.0_other.mrc', 'ampl_notes.txt', 'gamma_modification_ph.svg.lnk', ...modified, ...curves];
  assert.deepEqual(await listed(), [...own, 'scale_occ_ph.mrc', ...kept].sort());
  assert.equal(await readlink(join(out, 'gamma_modification_ph.svg.lnk')), 'ampl_notes.txt');
  assert.ok(stdout.includes([HEAD, ...gone.map((p) => `  ${p}`)].join('\n')), stdout);
  const log = (await readFile(join(out, 'log_ph.txt'), 'utf8')).split('\n');
  const at = log.indexOf(HEAD);
  assert.ok(at > log.indexOf('--- Files ---'), log.join('\n'));
  assert.deepEqual(log.slice(at + 1, at + 1 + gone.length), gone.map((p) => `  ${p}`));
  // resolution mode: the occupancy mode's scale stays beside it; --no-chimerax: the script goes
  const json = JSON.parse(await run(['--no-chimerax', '--json', '-q'])) as { removed?: string[]; files: string[] };
  assert.deepEqual(json.removed, [join(out, 'chimX_ph.cxc')]);
  assert.deepEqual(await listed(), ['conf_ph.mrc', 'log_ph.txt', 'scale_occ_ph.mrc', 'scale_res_ph.mrc', ...kept].sort());
  // nothing to remove: no line, no field
  const again = JSON.parse(await run(['--no-chimerax', '--json', '-q'])) as { removed?: string[] };
  assert.equal(again.removed, undefined);
  // a sweep of powers keeps every power's map
  await run(['--amplify', '4', '--no-chimerax', '-q']);
  assert.deepEqual(await listed(), ['conf_ph.mrc', 'log_ph.txt', 'scale_occ_ph.mrc', 'scale_res_ph.mrc', 'ampl_4.0_ph.mrc', ...kept].sort());
  // an input named like an output is never removed (here the target mask): the run is refused
  await writeMrc(join(out, 'lowpass_ph.mrc'), { data: new Float32Array(40 ** 3).fill(1), shape: [40, 40, 40], voxelSizeA: [1.5, 1.5, 1.5] });
  const refused = await runInProcess([map, '--target-mask', join(out, 'lowpass_ph.mrc'), '-o', `${out}/`, '-q']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /refusing to overwrite input map/);
  assert.ok((await listed()).includes('lowpass_ph.mrc'), 'the --target-mask input was removed');
});

test('decompose removes an earlier run\'s sharpened map and plots that it does not write, and says so', async () => {
  const dir = await tempFolder();
  const map = await phantomMap(dir);
  const out = join(dir, 'dec');
  const run = async (args: string[]) => {
    const r = await runInProcess(['decompose', map, ...args, '-o', `${out}/`]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  await run(['--sharpen', '-q']);
  assert.ok((await readdir(out)).includes('locbsharp_ph.mrc'));
  const stdout = await run([]);
  assert.deepEqual((await readdir(out)).sort(), ['bands_ph.mrc', 'bfactor_ph.mrc', 'chimX_decompose_ph.cxc', 'log_decompose_ph.txt', 'occupancy_ph.mrc']);
  assert.ok(stdout.includes(`${HEAD}\n  ${join(out, 'locbsharp_ph.mrc')}\n`), stdout);
  assert.ok((await readFile(join(out, 'log_decompose_ph.txt'), 'utf8')).includes(`${HEAD}\n  ${join(out, 'locbsharp_ph.mrc')}\n`));
  await run(['--sharpen', '-q']);
  const json = JSON.parse(await run(['--no-chimerax', '--json', '-q'])) as { removed?: string[] };
  assert.deepEqual(json.removed, ['locbsharp_ph.mrc', 'chimX_decompose_ph.cxc'].map((f) => join(out, f)));
});
