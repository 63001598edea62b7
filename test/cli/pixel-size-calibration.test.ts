/**
 * `occupy pixel-size from-cs | groups | ctf-plot` and `occupy star join` from the command line,
 * with RELION's pixel-size test vectors and clear errors on malformed STAR files.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z40ForApparentCs } from '../../src/pixel-size/index.js';
import { parseStar, getBlock, loopTable, column } from '../../src/io/star/index.js';
import { runCli } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';
import { magMatrixOpticsStar, zernikeOpticsStar } from '../helpers/fixtures.js';

/**
 * `occupy <args>` in this process (`main(argv)`, output captured), rejecting like {@link runCli}
 * on a non-zero exit: each command keeps one child-process run below, the other runs and every
 * error case need no process of their own.
 */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runInProcess(args);
  if (r.code !== 0) throw r;
  return r;
}

const oneLineError = (re: RegExp) => (e: { code: number; stderr: string }) => {
  assert.notEqual(e.code, 0);
  assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  assert.match(e.stderr, re);
  return true;
};

describe('occupy pixel-size calibration and star join', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-cal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('from-cs: Cs refined at 0.54 Å/px (3.39 mm for a true 2.7 mm) gives back 0.51 Å/px, from flags and from a STAR optics table', async () => {
    const a = JSON.parse((await runCli(['pixel-size', 'from-cs', '--voltage', '300', '--cs', '2.7', '--cs-apparent', '3.39', '--angpix', '0.54', '--json'])).stdout);
    assert.ok(Math.abs(a.groups[0].truePixelA - 0.51) < 5e-4, `${a.groups[0].truePixelA}`);
    assert.ok(Math.abs(a.groups[0].wavelengthA - 0.0197) < 5e-5);
    const z40 = z40ForApparentCs(2.7, 2.7 * (0.54 / 0.51) ** 4, 300);
    const star = join(dir, 'optics.star');
    writeFileSync(star, zernikeOpticsStar(z40, 'opticsGroup1'));
    const b = JSON.parse((await inProcess(['pixel-size', 'from-cs', '--star', star, '--json'])).stdout);
    assert.ok(Math.abs(b.groups[0].truePixelA - 0.51) < 1e-6, `${b.groups[0].truePixelA}`);
    assert.ok(Math.abs(b.groups[0].csApparentMm - 3.39) < 0.01);
    const text = (await inProcess(['pixel-size', 'from-cs', '--star', star])).stdout;
    assert.match(text, /λ = 0\.019687 Å/);
    assert.match(text, /0\.5100 Å/);
  });

  it('groups: nominal 1.00/0.95, matrices 0.99/1.045, trusted group 1 at 1.00 → reconstruction 0.99, group 2 0.90 Å/px', async () => {
    const star = join(dir, 'refined.star');
    writeFileSync(star, magMatrixOpticsStar(['1 opticsGroup1 1.00 0.99 0 0 0.99', '2 opticsGroup2 0.95 1.045 0 0 1.045'], ['1@a.mrcs 1', '1@b.mrcs 2']));
    const r = JSON.parse((await runCli(['pixel-size', 'groups', '--star', star, '--trusted-group', '1', '--trusted-angpix', '1.0', '--json'])).stdout);
    assert.equal(r.reconstructionPixelA.toFixed(3), '0.990');
    assert.equal(r.groups[1].truePixelA.toFixed(3), '0.900');
    const byName = JSON.parse((await inProcess(['pixel-size', 'groups', '--star', star, '--trusted-group', 'opticsGroup1', '--trusted-angpix', '1.0', '--json'])).stdout);
    assert.equal(byName.reconstructionPixelA, r.reconstructionPixelA);
  });

  it('ctf-plot: RELION example (0.51 true, 0.54 nominal, 5000 Å) goes out of phase near 2.55 Å; with --refit-cs never', async () => {
    const r = JSON.parse((await runCli(['pixel-size', 'ctf-plot', '--true-angpix', '0.51', '--nominal-angpix', '0.54', '--defocus', '5000', '-o', join(dir, 'ctf'), '--json'])).stdout);
    assert.ok(Math.abs(r.outOfPhase.resolutionA - 2.55) < 0.05, `${r.outOfPhase.resolutionA}`);
    assert.ok(Math.abs(r.model.defocusA - 5606) < 1);
    for (const f of r.files) assert.ok(existsSync(f));
    const refit = JSON.parse((await inProcess(['pixel-size', 'ctf-plot', '--true-angpix', '0.51', '--nominal-angpix', '0.54', '--defocus', '5000', '--refit-cs', '-o', join(dir, 'ctf2'), '--json'])).stdout);
    assert.equal(refit.outOfPhase, null);
  });

  it('star join: renumbers optics groups and particles; refuses a clashing group name', async () => {
    const mk = (name: string, group: string, px: string, parts: string[]) =>
      ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', '_rlnVoltage #4', `${name} ${group} ${px} 300`, '', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', ...parts.map((p) => `${p} ${group}`), ''].join('\n');
    writeFileSync(join(dir, 'a.star'), mk('dataset1', '1', '1.0', ['1@a.mrcs', '2@a.mrcs']));
    writeFileSync(join(dir, 'b.star'), mk('dataset2', '1', '0.95', ['1@b.mrcs']));
    const r = JSON.parse((await runCli(['star', 'join', join(dir, 'a.star'), join(dir, 'b.star'), '-o', join(dir, 'joined.star'), '--json'])).stdout);
    assert.deepEqual([r.opticsGroups, r.particles], [2, 3]);
    const j = parseStar(readFileSync(join(dir, 'joined.star'), 'utf8'));
    assert.deepEqual(column(loopTable(getBlock(j, 'particles')!)!, 'rlnOpticsGroup'), ['1', '1', '2']);
    writeFileSync(join(dir, 'c.star'), mk('dataset1', '1', '0.95', ['1@c.mrcs']));
    await assert.rejects(inProcess(['star', 'join', join(dir, 'a.star'), join(dir, 'c.star'), '-o', join(dir, 'bad.star')]), oneLineError(/optics group name 'dataset1' .* different values/));
    assert.ok(!existsSync(join(dir, 'bad.star')));
  });

  it('star join: messages name each file as typed, so two run_data.star of different jobs are told apart (both read \'run_data.star\')', async () => {
    const mk = (px: string, columns: string[], parts: string[]) =>
      ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', `opticsGroup1 1 ${px}`, '', 'data_particles', '', 'loop_', ...columns.map((c, i) => `_${c} #${i + 1}`), ...parts, ''].join('\n');
    for (const job of ['job010', 'job020', 'job030']) mkdirSync(join(dir, job), { recursive: true });
    const [a, b, c] = ['job010', 'job020', 'job030'].map((job) => join(dir, job, 'run_data.star'));
    writeFileSync(a, mk('1.0', ['rlnImageName', 'rlnOpticsGroup', 'rlnDefocusU'], ['1@a.mrcs 1 10000']));
    writeFileSync(b, mk('0.95', ['rlnImageName', 'rlnOpticsGroup', 'rlnDefocusU'], ['1@b.mrcs 1 10000']));
    writeFileSync(c, mk('1.0', ['rlnImageName', 'rlnOpticsGroup'], ['1@c.mrcs 1']));
    const esc = (p: string) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    await assert.rejects(inProcess(['star', 'join', a, b, '-o', join(dir, 'bad.star')]), oneLineError(new RegExp(`optics group name 'opticsGroup1' appears in ${esc(a)} and ${esc(b)} with different values: rlnImagePixelSize 1.0 vs 0.95`)));
    await assert.rejects(inProcess(['star', 'join', a, c, '-o', join(dir, 'bad.star')]), oneLineError(new RegExp(`column rlnDefocusU of data_particles is in ${esc(a)} but missing in ${esc(c)}`)));
    assert.ok(!existsSync(join(dir, 'bad.star')));
  });

  it('from-cs --star: values outside the flags\' ranges are refused naming the file, group and column (volts for kV, Cs 0, group 1.5); a byte-order mark is read', async () => {
    const base = zernikeOpticsStar(0.0169);
    const cases: [string, RegExp][] = [
      [base.replace('1 g1 300 2.7', '1 g1 300000 2.7'), /rlnVoltage of optics group 1 .* is 300000: expected 10–3000 kV/],
      [base.replace('1 g1 300 2.7', '1 g1 300 0'), /rlnSphericalAberration of optics group 1 .* is 0 \(a Cs-corrected microscope\)/],
      [base.replace('1 g1 300 2.7', '1.5 g1 300 2.7'), /rlnOpticsGroup 1\.5 .*whole number/],
      // an infinite Z40 had given 'z40 must be a finite number (radians), got Infinity', naming no file, group or column
      [zernikeOpticsStar('1e400'), /rlnEvenZernike of optics group 1 in block data_optics: Z40 \(the 7th value\) is Infinity: expected a finite number/],
      [zernikeOpticsStar('-Infinity'), /rlnEvenZernike of optics group 1 in block data_optics: Z40 \(the 7th value\) is -Infinity: expected a finite number/],
    ];
    for (const [text, re] of cases) {
      const p = join(dir, 'odd-optics.star');
      writeFileSync(p, text);
      await assert.rejects(inProcess(['pixel-size', 'from-cs', '--star', p]), oneLineError(new RegExp(`odd-optics\\.star: ${re.source}`)));
    }
    const bom = join(dir, 'bom-optics.star');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(base)]));
    assert.equal(JSON.parse((await inProcess(['pixel-size', 'from-cs', '--star', bom, '--json'])).stdout).groups.length, 1);
  });

  it('malformed STAR files give one clear line: missing column, ragged row', async () => {
    const missing = join(dir, 'missing.star');
    writeFileSync(missing, ['data_optics', '', 'loop_', '_rlnOpticsGroup #1', '_rlnVoltage #2', '1 300', ''].join('\n'));
    await assert.rejects(inProcess(['pixel-size', 'from-cs', '--star', missing]), oneLineError(/rlnSphericalAberration|rlnEvenZernike|rlnImagePixelSize/));
    const ragged = join(dir, 'ragged.star');
    writeFileSync(ragged, ['data_optics', '', 'loop_', '_rlnOpticsGroup #1', '_rlnVoltage #2', '1 300', '2', ''].join('\n'));
    await assert.rejects(inProcess(['pixel-size', 'from-cs', '--star', ragged]), oneLineError(/line 7.*1 values? but .*2 columns/));
  });

  it('a bad STAR file exits 1 (a bad input), naming the file and column; a trusted group the file lacks exits 2 naming --trusted-group', async () => {
    const exits = async (args: string[], code: number, re: RegExp) => {
      const r = await runInProcess(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /trusted\.group|csApparentMm|nominalPixelA|groups\[/);
    };
    const star = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const base = zernikeOpticsStar(0.0169);
    const noZernike = star('no-zernike.star', base.replace('_rlnEvenZernike #6\n', '').replace(/ \[[^\]]*\]/, ''));
    await exits(['pixel-size', 'from-cs', '--star', noZernike], 1, /no-zernike\.star: missing column rlnEvenZernike in block data_optics/);
    await exits(['pixel-size', 'from-cs', '--star', star('neg-z40.star', zernikeOpticsStar(-1000))], 1, /neg-z40\.star: rlnEvenZernike of optics group 1 .*apparent Cs of -\d.* not positive/);
    await exits(['pixel-size', 'from-cs', '--star', star('cs0.star', base.replace('1 g1 300 2.7', '1 g1 300 0'))], 1, /cs0\.star: rlnSphericalAberration .* is 0/);
    const groups = star('groups.star', magMatrixOpticsStar(['1 opticsGroup1 1.00 0.99 0 0 0.99', '2 opticsGroup2 0.95 1.045 0 0 1.045']));
    await exits(['pixel-size', 'groups', '--star', groups, '--trusted-group', '7', '--trusted-angpix', '1'], 2, /--trusted-group must be an optics group number in data_optics of .*groups\.star \(1 'opticsGroup1', 2 'opticsGroup2'\), got 7/);
    await exits(['pixel-size', 'groups', '--star', groups, '--trusted-group', 'nope', '--trusted-angpix', '1'], 2, /--trusted-group must be an optics group name .*got "nope"/);
    await exits(['pixel-size', 'groups', '--star', star('pixel0.star', magMatrixOpticsStar(['1 g1 0 0.99 0 0 0.99', '2 g2 0.95 1.045 0 0 1.045'])), '--trusted-group', '1', '--trusted-angpix', '1'], 1, /pixel0\.star: rlnImagePixelSize of optics group 1 'g1' in block data_optics is 0/);
    await exits(['pixel-size', 'groups', '--star', star('singular.star', magMatrixOpticsStar(['1 g1 1 0 0 0 0', '2 g2 0.95 1.045 0 0 1.045'])), '--trusted-group', '1', '--trusted-angpix', '1'], 1, /singular\.star: the magnification matrix \(rlnMagMat00\.\.11\) of optics group 1 'g1' .* singular/);
    await exits(['pixel-size', 'groups', '--star', star('no-matrix.star', base), '--trusted-group', '1', '--trusted-angpix', '1'], 1, /no-matrix\.star: missing columns rlnMagMat00/);
  });
});
