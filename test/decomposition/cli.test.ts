/**
 * `occupy decompose` as a child process (and, to save start-up time, through the CLI's entry
 * point in this process): a smoke run on real maps of ../shared/data (maps in
 * range, the log explains the usable bands, ChimeraX script with both colourings, plots and the
 * sharpened map), per-label medians with --labels, and bad input (one error line, nothing left).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeMrc, readMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { runCli } from '../helpers/cli.js';
import { main } from '../../src/cli/index.js';
import { SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { linesBesidesProgress } from '../helpers/stderr-lines.js';

await loadFft();
const skip = skipWithoutShared();
const dir = mkdtempSync(join(tmpdir(), 'occupy-decompose-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// a small phantom on disk: map, half maps, labels, and a mask on another box
const p = decompositionPhantom({ box: 56, voxelSizeA: 1.5, seed: 9, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }, { occupancy: 1, resolutionA: 4, flexDeg: 15 }] });
const files = { map: join(dir, 'ph.mrc'), h1: join(dir, 'ph_h1.mrc'), h2: join(dir, 'ph_h2.mrc'), labels: join(dir, 'ph_labels.mrc'), badMask: join(dir, 'mask40.mrc'), outsideLabels: join(dir, 'outside.mrc'), h1v2: join(dir, 'ph_h1_2A.mrc'), h2v2: join(dir, 'ph_h2_2A.mrc') };
writeFileSync(files.map, encodeMrc(p.map));
writeFileSync(files.h1, encodeMrc(p.half1));
writeFileSync(files.h2, encodeMrc(p.half2));
writeFileSync(files.labels, encodeMrc({ data: Float32Array.from(p.labels), shape: p.map.shape, voxelSizeA: p.map.voxelSizeA }));
writeFileSync(files.badMask, encodeMrc({ data: new Float32Array(40 ** 3).fill(1), shape: [40, 40, 40], voxelSizeA: [1.5, 1.5, 1.5] }));
// the half maps at another voxel size
writeFileSync(files.h1v2, encodeMrc({ ...p.half1, voxelSizeA: [2, 2, 2] }));
writeFileSync(files.h2v2, encodeMrc({ ...p.half2, voxelSizeA: [2, 2, 2] }));
// label 5 in one corner of the box only: no voxel of the molecule
const outside = new Float32Array(56 ** 3);
for (let z = 0; z < 3; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) outside[(z * 56 + y) * 56 + x] = 5;
writeFileSync(join(dir, 'outside.mrc'), encodeMrc({ data: outside, shape: [56, 56, 56], voxelSizeA: [1.5, 1.5, 1.5] }));

/**
 * Run the CLI's entry point in this process (no start-up cost), capturing stderr. stdout is not
 * captured (the test runner reports through it), so runs here use -q and read their outputs.
 * Calls must not overlap.
 */
async function runMain(args: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const ew = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stderr: err.join('') };
  } finally {
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
}

async function fails(args: string[]): Promise<string> {
  const r = await runMain(args);
  assert.notEqual(r.code, 0, `occupy ${args.join(' ')} succeeded`);
  // a refusal that comes after the diagnostics may follow their percentage line on a loaded machine
  const lines = linesBesidesProgress(r.stderr);
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0], /^occupy: error: /);
  return lines[0];
}

test('half maps and labels: every output, per-label medians in --json, ChimeraX script with both colourings', async () => {
  const out = join(dir, 'run1', 'ph.mrc');
  const { stdout } = await runCli(['decompose', files.map, '--half-maps', files.h1, files.h2, '--labels', files.labels, '--sharpen', '--plot', '--json', '-o', out], dir);
  const s = JSON.parse(stdout) as { labels: { label: number; relativeOccupancy: number; bfactorA2: number }[]; noiseModel: string; bands: { usableFraction: number }[]; files: string[] };
  assert.equal(s.noiseModel, 'half-map difference (local)');
  assert.deepEqual(s.labels.map((l) => l.label), [1, 2, 3]);
  assert.ok(s.labels[1].relativeOccupancy < 0.8, `half-occupied label reads ${s.labels[1].relativeOccupancy}`);
  assert.ok(s.labels[2].bfactorA2 > s.labels[0].bfactorA2 + 50, `the flexible label has the higher B: ${s.labels.map((l) => l.bfactorA2.toFixed(0)).join(' / ')} Å²`);
  assert.ok(s.labels[2].relativeOccupancy > 0.85, `the flexible label reads ${s.labels[2].relativeOccupancy}`);
  const names = readdirSync(join(dir, 'run1')).sort();
  for (const f of ['occupancy_ph.mrc', 'bfactor_ph.mrc', 'bands_ph.mrc', 'locbsharp_ph.mrc', 'log_decompose_ph.txt', 'chimX_decompose_ph.cxc', 'guinier_ph.png', 'guinier_ph.svg', 'occupancy_hist_ph.png', 'bfactor_hist_ph.png']) assert.ok(names.includes(f), `${f} missing from ${names.join(', ')}`);
  const cxc = readFileSync(join(dir, 'run1', 'chimX_decompose_ph.cxc'), 'utf8');
  assert.match(cxc, /alias color_by_bfactor color sample #1 map #3/);
  assert.match(cxc, /^color_by_occupancy$/m);
  const occ = (await readMrc(join(dir, 'run1', 'occupancy_ph.mrc'))).volume;
  assert.deepEqual([...occ.shape], [56, 56, 56]);
  assert.ok(occ.data.every((v) => v >= 0 && v <= 1));
});

test('real maps emd_5625, emd_1439: run from one map, maps in range, the log explains the usable bands', { skip }, async () => {
  for (const name of ['emd_5625.map', 'emd_1439.map']) {
    const out = join(dir, name.replace(/\W/g, '_'), 'x.mrc');
    const { code, stderr } = await runMain(['decompose', resolve(SHARED_DATA, name), '-q', '-o', out]);
    assert.equal(code, 0, stderr);
    const occ = (await readMrc(out.replace('x.mrc', 'occupancy_x.mrc'))).volume.data;
    const bands = (await readMrc(out.replace('x.mrc', 'bands_x.mrc'))).volume.data;
    const b = (await readMrc(out.replace('x.mrc', 'bfactor_x.mrc'))).volume.data;
    assert.ok(occ.every((v) => v >= 0 && v <= 1), `${name}: occupancy in [0, 1]`);
    assert.ok(occ.some((v) => v > 0.5), `${name}: some full occupancy`);
    assert.ok(bands.every((v) => Number.isInteger(v) && v >= 0 && v <= 6));
    assert.ok(b.every((v) => Number.isFinite(v)));
    const log = readFileSync(out.replace('x.mrc', 'log_decompose_x.txt'), 'utf8');
    assert.match(log, /Bands \(centre Å, window sigma Å, reference amplitude, noise amplitude, usable fraction of the molecule\):/);
    const bandLines = log.split('\n').filter((l) => /^ +\d+\.\d\d +\d+\.\d +\S+ +\S+ +\d+ %/.test(l));
    assert.equal(bandLines.length, 6, `${name}: one log line per band (centre, window, amplitudes, usable fraction)`);
    // emd_1439 (5.2 Å voxels, low resolution): the finest band is below noise, and the log says
    // so (with shells as narrow as the band spacing, before minBandHalfWidthPerA, only the three
    // coarsest were usable in most of the molecule and the log warned that B is poorly determined;
    // with shells 0.03/Å wide the 15 Å band is usable in 78 %). Its spectrum ends at 12.9 Å (the
    // deposited map is low-passed), so the finest band sits there, not near Nyquist (10.4 Å),
    // where the molecule's shell power never fell to twice the solvent's: there the finest bands
    // were 13.0 and 11.4 Å, usable in 27 % and 3 %, and the reference B 18 900 Å² (now 7 600)
    if (name === 'emd_1439.map') assert.match(log, /mostly below noise[\s\S]*spectrum ends at 12\.86 Å[\s\S]*bands usable in fewer than half of the molecule: 12\.9 Å\n/);
  }
});

test('bad input: one error line naming the option or file, nothing written', async () => {
  const out = join(dir, 'bad', 'x.mrc');
  const cases: [string[], RegExp][] = [
    [['decompose', join(dir, 'missing.mrc'), '-o', out], /cannot read map '.*missing\.mrc': no such file/],
    [['decompose', files.map, '--half-maps', files.h1, '-o', out], /--half-maps needs exactly two maps/],
    [['decompose', files.map, '--bands', '1', '-o', out], /--bands/],
    [['decompose', files.map, '--mask', files.badMask, '-o', out], /--mask map '.*mask40\.mrc' has a box of 40x40x40 voxels, the map '.*ph\.mrc' 56x56x56/],
    // bands finer than 1.1 × Nyquist had been set silently (Nyquist 3 Å: bands down to 2.7 Å)
    [['decompose', files.map, '--lowest-resolution', '4', '-o', out], /the lowest band \(4 Å, --lowest-resolution\) is too close to the Nyquist limit \(3\.00 Å\).*give --lowest-resolution 5 Å or coarser/],
    // half maps of another voxel size: named by file (it said 'half maps differ in voxel size', naming neither)
    [['decompose', files.map, '--half-maps', files.h1v2, files.h2v2, '-o', out], /half map 1 '.*ph_h1_2A\.mrc' has voxels of 2, 2, 2 Å, the map '.*ph\.mrc' 1\.5, 1\.5, 1\.5 Å/],
    // labels only outside the molecule: NaN rows had been printed with exit 0
    [['decompose', files.map, '--labels', files.outsideLabels, '-q', '-o', out], /--labels .*outside\.mrc has no label > 0 inside the molecule/],
  ];
  for (const [args, message] of cases) assert.match(await fails(args), message);
  assert.ok(!existsSync(join(dir, 'bad')) || readdirSync(join(dir, 'bad')).length === 0, 'nothing left after a failure');
});
