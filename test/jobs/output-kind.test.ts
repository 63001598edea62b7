/**
 * Output names of two maps that coincide (src/jobs/output-kind.ts): the estimate's
 * `--chimerax-silent` script of `m.mrc` is `chimX_m_silent.cxc`, the script of `m_silent.mrc`; the
 * estimate of `decompose_X.mrc` writes `log_decompose_X.txt` and `chimX_decompose_X.cxc`, the log and
 * script of `occupy decompose X.mrc`; locres' interval map of `a` is `locres_a_low.mrc`, the
 * resolution map of `a_low`. Before session 58 a run removed the other map's file as a stale output
 * of its own, or overwrote it, silently. Now it keeps it, and refuses in one line naming the file
 * to write over it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { outputKind } from '../../src/jobs/output-kind.js';
import { runInProcess } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

await loadFft();
const tempFolder = tempFolders('occupy-output-kind-');
const ph = decompositionPhantom({ box: 48, voxelSizeA: 1.5, seed: 9, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }] });

test('estimate: m.mrc keeps m_silent.mrc\'s ChimeraX script (it had removed it) and refuses to write its silent script over it', async () => {
  const dir = await tempFolder();
  writeFileSync(join(dir, 'm.mrc'), encodeMrc(ph.map));
  copyFileSync(join(dir, 'm.mrc'), join(dir, 'm_silent.mrc'));
  let r = await runInProcess([join(dir, 'm_silent.mrc'), '-o', `${dir}/`, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const script = join(dir, 'chimX_m_silent.cxc');
  const before = readFileSync(script, 'utf8');
  assert.equal(await outputKind(script), 'estimate ChimeraX script');
  r = await runInProcess([join(dir, 'm.mrc'), '-o', `${dir}/`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(script, 'utf8'), before);
  assert.doesNotMatch(r.stdout, /chimX_m_silent/);
  r = await runInProcess([join(dir, 'm.mrc'), '-o', `${dir}/`, '--chimerax-silent', '-q']);
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n'), [`occupy: error: '${script}' holds the ChimeraX script of an estimate (occupy MAP) of another map, not the --chimerax-silent script of an estimate (occupy MAP): the two output names coincide; write this run elsewhere (-o another folder or stem) or move that file away`]);
  assert.equal(readFileSync(script, 'utf8'), before);
  // its own silent script, in another folder, is of its kind: a rerun replaces it
  const own = await tempFolder();
  for (let k = 0; k < 2; k++) assert.equal((await runInProcess([join(dir, 'm.mrc'), '-o', `${own}/`, '--chimerax-silent', '-q'])).code, 0);
  assert.equal(await outputKind(join(own, 'chimX_m_silent.cxc')), 'estimate silent ChimeraX script');
});

test('decompose X.mrc and the estimate of decompose_X.mrc: neither writes over the other\'s log or script', async () => {
  for (const first of ['decompose', 'estimate'] as const) {
    const dir = await tempFolder();
    writeFileSync(join(dir, 'X.mrc'), encodeMrc(ph.map));
    copyFileSync(join(dir, 'X.mrc'), join(dir, 'decompose_X.mrc'));
    const runs = { decompose: ['decompose', join(dir, 'X.mrc'), '-o', `${dir}/`, '-q'], estimate: [join(dir, 'decompose_X.mrc'), '-o', `${dir}/`, '-q'] };
    const second = first === 'decompose' ? 'estimate' : 'decompose';
    let r = await runInProcess(runs[first]);
    assert.equal(r.code, 0, r.stderr);
    const log = join(dir, 'log_decompose_X.txt');
    const before = readFileSync(log, 'utf8');
    assert.equal(await outputKind(log), `${first} log`);
    assert.equal(await outputKind(join(dir, 'chimX_decompose_X.cxc')), `${first} ChimeraX script`);
    r = await runInProcess(runs[second]);
    assert.equal(r.code, 1, `${second} after ${first}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^occupy: error: '${dir}/(log|chimX)_decompose_X\\.(txt|cxc)' holds the (log|ChimeraX script) of ${first === 'decompose' ? 'occupy decompose' : 'an estimate \\(occupy MAP\\)'} of another map, not .*\\n$`));
    assert.equal(readFileSync(log, 'utf8'), before);
  }
});

test('locres: the interval maps of a are not taken for the resolution map of a_low (removed before), nor written over it', async () => {
  const dir = await tempFolder();
  const p = fourDomainHalfMaps(1.4, [3, 5, 8, 3], 3, 4901);
  for (const [name, v] of [['h1.mrc', p.half1], ['h2.mrc', p.half2], ['mask.mrc', { ...p.half1, data: p.mask }]] as const) writeFileSync(join(dir, name), encodeMrc(v));
  const halves = [join(dir, 'h1.mrc'), join(dir, 'h2.mrc'), '--mask', join(dir, 'mask.mrc')];
  // the resolution map of a map named a_low
  let r = await runInProcess(['locres', ...halves, '-o', join(dir, 'locres_a_low.mrc'), '-q']);
  assert.equal(r.code, 0, r.stderr);
  const other = join(dir, 'locres_a_low.mrc');
  const before = readFileSync(other);
  assert.equal(await outputKind(other), 'locres map');
  // a's MonoRes run writes no interval maps: it had removed locres_a_low.mrc as a's own
  r = await runInProcess(['locres', ...halves, '--method', 'monores', '-o', join(dir, 'locres_a.mrc'), '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(readFileSync(other).equals(before), 'locres_a_low.mrc was removed or changed');
  // a's local FSC writes its finer interval end there: refused
  r = await runInProcess(['locres', ...halves, '-o', join(dir, 'locres_a.mrc'), '-q']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^occupy: error: '.*locres_a_low\.mrc' holds the local-resolution map of occupy locres of another map, not the 90 % interval map \(finer end\) of occupy locres: /);
  assert.ok(readFileSync(other).equals(before));
});
