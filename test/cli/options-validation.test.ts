/**
 * Option validation at the command line (issue 12, item 8): every numeric option of every command
 * refuses NaN, ±Infinity, empty, non-numeric, huge and out-of-range values with one
 * `occupy: error:` line naming the option and its range, exits non-zero, prints no stack trace and
 * writes nothing; and the specific cases of the issue (--angpix 1e300/1e-320, --kernel-size larger
 * than the map, demo --seed NaN, from-cs flag conflicts, duplicate optics groups, star join of one
 * file twice) as child processes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { runChild, runInProcess, type CliRun } from '../helpers/cli-run.js';
import { mulberry32 } from '../../src/math/random.js';
import { magMatrixOpticsStar, zernikeOpticsStar } from '../helpers/fixtures.js';

const STACK = /^\s*at\s.+(:\d+:\d+\)?|native\)?)$|node:internal|\.ts:\d+:\d+/m;
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

type Run = CliRun;
const cli = runChild;
const inProcess = runInProcess;

/** Exit ≠ 0, exactly one `occupy: error:` line on stderr matching `re`, no stack trace, nothing on stdout. */
function assertOneLineError(r: Run, re: RegExp, what: string): void {
  assert.notEqual(r.code, 0, `${what}: exit 0; stdout ${r.stdout}`);
  assert.doesNotMatch(r.stderr, STACK, `${what}: stack trace: ${r.stderr}`);
  const l = lines(r.stderr);
  assert.equal(l.length, 1, `${what}: stderr has ${l.length} lines:\n${r.stderr}`);
  assert.match(l[0], /^occupy: error: /, what);
  assert.match(l[0], re, what);
  assert.equal(r.stdout.trim(), '', `${what}: stdout ${r.stdout}`);
}

let root = '';
let map20 = '';

before(() => {
  root = mkdtempSync(join(tmpdir(), 'occupy-options-'));
  const rand = mulberry32(12);
  const data = new Float32Array(20 ** 3);
  for (let z = 0; z < 20; z++) for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) {
    data[(z * 20 + y) * 20 + x] = Math.exp(-((x - 10) ** 2 + (y - 10) ** 2 + (z - 10) ** 2) / 12) + 0.02 * (rand() - 0.5);
  }
  map20 = join(root, 'map20.mrc');
  writeFileSync(map20, encodeMrc({ data, shape: [20, 20, 20], voxelSizeA: [1.5, 1.5, 1.5] }));
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Values no numeric option accepts (given as `--opt=<value>`). */
const ALWAYS_BAD = ['NaN', 'Infinity', '-Infinity', '', 'abc', '1e308', '-1e308', '0x10', '1,5'];

interface OptionCase {
  /** Command line before the option (inputs are missing files: the option is refused first). */
  prefix: string[];
  option: string;
  /** Refused besides {@link ALWAYS_BAD}. */
  bad: string[];
}

const M = '$missing.mrc';
const TRIO = ['-1', '0'];
const A_BAD = [...TRIO, '1e300', '1e-320', '0.001', '101'];
const UNIT_BAD = ['-0.5', '1', '1.5'];
const POWER_BAD = [...TRIO, '1', '101', '1e-320'];
const INT_BAD = (min: number) => [String(min - 1), '2.5', '2147483648', '1e20'];
const OPTIONS: OptionCase[] = [
  ...['--angpix', '--resolution', '--lowpass', '--lowpass-output'].map((option) => ({ prefix: ['-i', M], option, bad: option === '--angpix' ? A_BAD : [...TRIO, '1e-320', '0.01', '1001'] })),
  { prefix: ['-i', M], option: '--kernel-size', bad: [...INT_BAD(1), '4', '-3'] },
  { prefix: ['-i', M], option: '--kernel-radius', bad: [...TRIO, '1001'] },
  { prefix: ['-i', M], option: '--tau', bad: [...TRIO, '1.5'] },
  { prefix: ['-i', M], option: '--tile-size', bad: INT_BAD(1) },
  { prefix: ['-i', M], option: '--max-box', bad: ['-2', '7', '9', '2.5', '2147483648'] },
  { prefix: ['-i', M], option: '--hedge-confidence', bad: ['0.5', '0', '-1', '1001'] },
  { prefix: ['-i', M], option: '--scale-limit', bad: UNIT_BAD },
  { prefix: ['-i', M], option: '--min-vis-scale', bad: UNIT_BAD },
  ...['--amplify', '--attenuate'].map((option) => ({ prefix: ['-i', M], option, bad: POWER_BAD })),
  { prefix: ['-i', M, '--pivot', '0.5'], option: '--sigmoid', bad: POWER_BAD },
  { prefix: ['-i', M, '--sigmoid', '2'], option: '--pivot', bad: ['0', '1', '-0.5', '0.999'] },
  { prefix: ['-i', M], option: '--seed', bad: INT_BAD(0) },
  { prefix: ['demo', '-d', '$out'], option: '--seed', bad: INT_BAD(0) },
  { prefix: ['subtraction-mask', M], option: '--angpix', bad: A_BAD },
  { prefix: ['subtraction-mask', M], option: '--attenuate', bad: POWER_BAD },
  { prefix: ['subtraction-mask', M, '--pivot', '0.5'], option: '--sigmoid', bad: POWER_BAD },
  { prefix: ['subtraction-mask', M, '--sigmoid', '2'], option: '--pivot', bad: ['0', '1'] },
  { prefix: ['soldef', M], option: '--threshold', bad: UNIT_BAD },
  { prefix: ['soldef', M, '--threshold', '0.2'], option: '--angpix', bad: A_BAD },
  { prefix: ['locres', M, M], option: '--window', bad: [...INT_BAD(4), '4097'] },
  { prefix: ['locres', M, M], option: '--step', bad: [...INT_BAD(1), '4097'] },
  { prefix: ['locres', M, M], option: '--threshold', bad: ['0', '1', '-0.1'] },
  { prefix: ['locres', M, M], option: '--randomize-at', bad: [...TRIO, '1e-320'] },
  { prefix: ['locres', M, M], option: '--lowest-resolution', bad: [...TRIO, '1e-320'] },
  { prefix: ['locres', M, M], option: '--angpix', bad: A_BAD },
  { prefix: ['fsc', M, M], option: '--angpix', bad: A_BAD },
  { prefix: ['pixel-size', 'set', M, '-o', '$out/x.mrc'], option: '--angpix', bad: A_BAD },
  { prefix: ['pixel-size', 'resample', M, '-o', '$out/x.mrc'], option: '--angpix', bad: A_BAD },
  { prefix: ['pixel-size', 'resample', M, '-o', '$out/x.mrc', '--angpix', '1'], option: '--box', bad: [...INT_BAD(1), '1291', '100000'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--cs-true', bad: [...TRIO, '21'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--voltage', bad: [...TRIO, '5', '3001'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--cs', bad: ['-1', '21'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--cs-apparent', bad: [...TRIO, '21'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--z40', bad: ['1e7', '-1e7'] },
  { prefix: ['pixel-size', 'from-cs'], option: '--angpix', bad: A_BAD },
  { prefix: ['pixel-size', 'groups', '--star', M, '--trusted-group', '1'], option: '--trusted-angpix', bad: A_BAD },
  ...['--true-angpix', '--nominal-angpix'].map((option) => ({ prefix: ['pixel-size', 'ctf-plot', ...(option === '--true-angpix' ? ['--nominal-angpix', '1'] : ['--true-angpix', '1']), '-o', '$out/ctf'], option, bad: A_BAD })),
  { prefix: ['pixel-size', 'ctf-plot', '--true-angpix', '1', '--nominal-angpix', '1', '-o', '$out/ctf'], option: '--voltage', bad: [...TRIO, '3001'] },
  { prefix: ['pixel-size', 'ctf-plot', '--true-angpix', '1', '--nominal-angpix', '1', '-o', '$out/ctf'], option: '--cs', bad: ['-1', '21'] },
  { prefix: ['pixel-size', 'ctf-plot', '--true-angpix', '1', '--nominal-angpix', '1', '-o', '$out/ctf'], option: '--defocus', bad: ['1e6', '-1e6'] },
  { prefix: ['pixel-size', 'ctf-plot', '--true-angpix', '1', '--nominal-angpix', '1', '-o', '$out/ctf'], option: '--amplitude-contrast', bad: ['-0.1', '1'] },
  // --jobs: at most the cores (session 57: 1e6 had been accepted, a worker process per map)
  ...['--jobs', '--tasks', '--maps-per-task'].map((option) => ({ prefix: ['batch', M, '-d', '$out/b'], option, bad: option === '--jobs' ? [...INT_BAD(1), '1e6', String(availableParallelism() + 1)] : INT_BAD(1) })),
];

describe('every numeric option refuses bad values in one line naming it (in-process main)', { concurrency: 1 }, () => {
  for (const c of OPTIONS) {
    const where = c.prefix.filter((a) => !a.startsWith('$') && !a.startsWith('-') && !/^\d/.test(a)).slice(0, 2).join(' ') || 'estimate';
    it(`${where} ${c.option}: ${[...ALWAYS_BAD, ...c.bad].map((v) => `'${v}'`).join(' ')}`, async () => {
      for (const value of [...ALWAYS_BAD, ...c.bad]) {
        const out = mkdtempSync(join(root, 'opt-'));
        const prefix = c.prefix.map((a) => (a === M ? join(root, 'missing.mrc') : a.replace('$out', out)));
        const argv = [...prefix, `${c.option}=${value}`];
        const r = await inProcess(argv);
        const name = c.option.replace(/[-]/g, '\\-');
        assertOneLineError(r, new RegExp(`${name}.*(must be|conflict|range|in \\[|in \\(|integer)`), `occupy ${argv.join(' ')}`);
        assert.ok(r.stderr.includes(`'${value}'`) || r.stderr.includes(String(Number(value))), `the message shows the value: ${r.stderr}`);
        assert.deepEqual(readdirSync(out), [], `occupy ${argv.join(' ')} wrote ${readdirSync(out).join(', ')}`);
      }
    });
  }
});

describe('issue 12 item 8: the cases of the issue (the first of each as a child process)', { concurrency: 2 }, () => {
  const outDir = () => mkdtempSync(join(root, 'cp-'));

  it('pixel-size set --angpix 1e300 / 1e-320: refused in one line with the range (was: exit 0, cell Inf / 0); no output file; input unchanged', async () => {
    const before = readFileSync(map20);
    for (const v of ['1e300', '1e-320', '0']) {
      const dir = outDir();
      const args = ['pixel-size', 'set', map20, '--angpix', v, '-o', join(dir, 'out.mrc')];
      const r = v === '1e300' ? await cli(args, dir) : await inProcess(args);
      assertOneLineError(r, new RegExp(`--angpix must be a number in \\[0\\.01, 100\\] Å, got '${v.replace(/[.+-]/g, '\\$&')}'`), `set --angpix ${v}`);
      assert.deepEqual(readdirSync(dir), []);
    }
    assert.ok(readFileSync(map20).equals(before));
    // a sane value still works, and the cell is box × angpix as float32
    const dir = outDir();
    const ok = await inProcess(['pixel-size', 'set', map20, '--angpix', '100', '-o', join(dir, 'out.mrc'), '-q']);
    assert.equal(ok.code, 0, ok.stderr);
    const header = new DataView(readFileSync(join(dir, 'out.mrc')).buffer);
    assert.equal(header.getFloat32(40, true), 2000);
  });

  it('-i MAP --angpix 1e300 (estimate): refused before anything is written', async () => {
    const dir = outDir();
    const r = await cli(['-i', map20, '--angpix', '1e300', '-o', join(dir, 'm.mrc')], dir);
    assertOneLineError(r, /--angpix must be a number in \[0\.01, 100\] Å, got '1e300'/, '--angpix 1e300');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('--kernel-size 2001 / 1601 / 21 on a 20³ map: one line naming --kernel-size, the value and the largest kernel for this map (19), in seconds', async () => {
    for (const k of ['2001', '1601', '21']) {
      const dir = outDir();
      const args = ['-i', map20, '--kernel-size', k, '-o', join(dir, 'm.mrc')];
      const r = k === '1601' ? await cli(args, dir) : await inProcess(args);
      assertOneLineError(r, new RegExp(`--kernel-size must be an odd integer in 1\\.\\.19 for this map .*20x20x20.*got ${k}`), `--kernel-size ${k}`);
      assert.ok(r.ms < 20_000, `--kernel-size ${k} took ${r.ms.toFixed(0)} ms`);
      assert.deepEqual(readdirSync(dir), []);
    }
    // --max-box shrinks the processing box, and the limit with it
    const dir = outDir();
    const r = await inProcess(['-i', map20, '--max-box', '10', '--kernel-size', '11', '-o', join(dir, 'm.mrc')]);
    assertOneLineError(r, /--kernel-size must be an odd integer in 1\.\.9 for this map \(processing box 10x10x10/, '--kernel-size 11 --max-box 10');
    const okDir = outDir();
    const ok = await inProcess(['-i', map20, '--kernel-size', '19', '-o', join(okDir, 'm.mrc'), '--json', '-q']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).kernelSize, 19);
  });

  it('demo --seed NaN / empty / -1 / 3.5: refused before the demo folder is created', async () => {
    for (const v of ['NaN', '', '-1', '3.5']) {
      const dir = outDir();
      const args = ['demo', '-d', join(dir, 'demo'), `--seed=${v}`];
      const r = v === 'NaN' ? await cli(args, dir) : await inProcess(args);
      assertOneLineError(r, new RegExp(`--seed must be an integer in 0\\.\\.2147483647, got '${v.replace(/[.+-]/g, '\\$&')}'`), `demo --seed ${v}`);
      assert.ok(!existsSync(join(dir, 'demo')), 'demo folder created');
    }
  });

  it('pixel-size from-cs: --z40 with --cs-apparent, and --star with --voltage, are refused naming both flags', async () => {
    const dir = outDir();
    const both = await cli(['pixel-size', 'from-cs', '--voltage', '300', '--cs', '2.7', '--z40', '0', '--cs-apparent', '3.39', '--angpix', '0.54'], dir);
    assertOneLineError(both, /--z40 and --cs-apparent conflict/, 'from-cs --z40 --cs-apparent');
    const star = join(dir, 'optics.star');
    writeFileSync(star, zernikeOpticsStar(0.5));
    for (const [flag, value] of [['--voltage', '200'], ['--angpix', '1.0'], ['--cs', '2.0'], ['--z40', '1'], ['--cs-apparent', '3']]) {
      const r = await inProcess(['pixel-size', 'from-cs', '--star', star, flag, value]);
      assertOneLineError(r, new RegExp(`--star and ${flag} conflict`), `from-cs --star ${flag}`);
    }
    // --cs-true is meant to go with --star
    const ok = await inProcess(['pixel-size', 'from-cs', '--star', star, '--cs-true', '2.7', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    // a Z40 that makes the apparent Cs negative gives no pixel size: one line naming --z40
    const neg = await inProcess(['pixel-size', 'from-cs', '--voltage', '300', '--cs', '2.7', '--z40', '-1000', '--angpix', '0.54']);
    assertOneLineError(neg, /--z40 -1000 gives an apparent Cs of -?\d.* not a positive number/, 'from-cs --z40 -1000');
  });

  it('pixel-size groups: a nan/inf magnification cell and a pixel size outside 0.01-100 A are refused naming the file, column and group', async () => {
    const dir = outDir();
    const cases: [string, string, RegExp][] = [
      ['nan.star', '2 g2 0.95 nan 0 0 1.045', /nan\.star: rlnMagMat00 of optics group 2 'g2' in block data_optics is NaN: expected a finite number/],
      ['inf.star', '2 g2 0.95 1.045 0 0 inf', /inf\.star: rlnMagMat11 of optics group 2 'g2' in block data_optics is Infinity: expected a finite number/],
      // 9500 A had been taken (group 2 'actual 9000.0000 A'), where from-cs refuses it
      ['big.star', '2 g2 9500 1.045 0 0 1.045', /big\.star: rlnImagePixelSize of optics group 2 'g2' in block data_optics is 9500: expected a pixel size of 0\.01–100 Å/],
    ];
    for (const [name, row, re] of cases) {
      writeFileSync(join(dir, name), magMatrixOpticsStar(['1 g1 1.00 0.99 0 0 0.99', row]));
      const r = await inProcess(['pixel-size', 'groups', '--star', join(dir, name), '--trusted-group', '1', '--trusted-angpix', '1']);
      assertOneLineError(r, re, `groups ${name}`);
      assert.equal(r.code, 1, `${name}: a bad input file exits 1`);
    }
  });

  it('pixel-size groups: a group number or name listed twice in data_optics is refused, naming the group', async () => {
    const dir = outDir();
    const mk = (rows: string[]) => magMatrixOpticsStar(rows);
    writeFileSync(join(dir, 'dup.star'), mk(['1 g1 1.00 0.99 0 0 0.99', '1 g2 0.95 1.045 0 0 1.045']));
    writeFileSync(join(dir, 'dupname.star'), mk(['1 g1 1.00 0.99 0 0 0.99', '2 g1 0.95 1.045 0 0 1.045']));
    const r = await cli(['pixel-size', 'groups', '--star', join(dir, 'dup.star'), '--trusted-group', '1', '--trusted-angpix', '1'], dir);
    assertOneLineError(r, /optics group number 1 appears twice in data_optics \(rows 1 and 2\)/, 'groups duplicate number');
    const n = await inProcess(['pixel-size', 'groups', '--star', join(dir, 'dupname.star'), '--trusted-group', '2', '--trusted-angpix', '1']);
    assertOneLineError(n, /optics group name "g1" appears twice/, 'groups duplicate name');
  });

  it('star join a.star a.star (also through a link, or a copy): refused, nothing written', async () => {
    const dir = outDir();
    const a = join(dir, 'a.star');
    writeFileSync(a, ['data_optics', '', 'loop_', '_rlnOpticsGroupName #1', '_rlnOpticsGroup #2', '_rlnImagePixelSize #3', 'g1 1 1.0', '', 'data_particles', '', 'loop_', '_rlnImageName #1', '_rlnOpticsGroup #2', '1@a.mrcs 1', '2@a.mrcs 1', ''].join('\n'));
    symlinkSync(a, join(dir, 'link.star'));
    mkdirSync(join(dir, 'sub'));
    copyFileSync(a, join(dir, 'sub', 'copy.star'));
    const out = join(dir, 'joined.star');
    const same = await cli(['star', 'join', a, a, '-o', out], dir);
    assertOneLineError(same, /a\.star' is given twice: joining a file with itself would duplicate every particle/, 'join a a');
    const link = await inProcess(['star', 'join', a, join(dir, 'link.star'), '-o', out]);
    assertOneLineError(link, /a\.star' and '.*link\.star' are the same file/, 'join a link');
    const copy = await inProcess(['star', 'join', a, join(dir, 'sub', 'copy.star'), '-o', out]);
    assertOneLineError(copy, /particle 1 of \S*\/sub\/copy\.star \(rlnImageName 1@a\.mrcs\) is identical to particle 1 of \S*\/a\.star:/, 'join a copy');
    const overwrite = await inProcess(['star', 'join', a, join(dir, 'sub', 'copy.star'), '-o', join(dir, 'link.star')]);
    assertOneLineError(overwrite, /refusing to overwrite input/, 'join -o link-to-input');
    assert.equal(overwrite.code, 1, 'exit 1, as every command refuses an output that is an input (it was 2)');
    assert.ok(!existsSync(out));
    assert.deepEqual(readdirSync(dir).sort(), ['a.star', 'link.star', 'sub']);
    // a folder, a device or a missing file among the inputs: the one wording of every input
    // check, naming the file and what it is ('not a regular file' had not said which; session 55)
    for (const [bad, re] of [
      [join(dir, 'sub'), /cannot read STAR file '.*sub': it is a folder, not a file$/],
      ['/dev/null', /cannot read STAR file '\/dev\/null': it is a character device, not a regular file$/],
      [join(dir, 'none.star'), /cannot read STAR file '.*none\.star': no such file$/],
    ] as const) {
      assertOneLineError(await inProcess(['star', 'join', a, bad, '-o', out]), re, `join ${bad}`);
    }
    assert.ok(!existsSync(out));
  });

  it('batch --jobs 1e6: one line naming the cores as the limit, exit 2, nothing written; runBatch refuses it too (session 57: accepted)', async () => {
    const dir = outDir();
    const cores = availableParallelism();
    const r = await inProcess(['batch', map20, '-d', join(dir, 'b'), '--jobs', '1e6']);
    assertOneLineError(r, new RegExp(`^occupy: error: --jobs must be an integer in 1\\.\\.${cores} \\(the CPU cores of this machine: more worker processes run no faster, and each holds its own maps in memory\\), got '1e6'$`), 'batch --jobs 1e6');
    assert.equal(r.code, 2);
    assert.deepEqual(readdirSync(dir), []);
    const { runBatch } = await import('../../src/batch/runner.js');
    await assert.rejects(runBatch([], {}, { outRoot: join(dir, 'lib'), jobs: cores + 1 }), (e: unknown) => e instanceof Error && e.name === 'OptionError' && e.message === `--jobs must be an integer in 1..${cores} (the CPU cores of this machine: more worker processes run no faster, and each holds its own maps in memory), got ${cores + 1}`);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('--emdb with a malformed ID is a usage error (exit 2) before any download (it exited 1)', async () => {
    for (const id of ['abc', '99999999']) {
      const r = await inProcess(['--emdb', id]);
      assertOneLineError(r, /--emdb: EMDB id must be 4-5 digits/, `--emdb ${id}`);
      assert.equal(r.code, 2, `--emdb ${id}`);
    }
  });

  it('pixel-size resample --angpix 0.01 of a 20³ map at 1.5 Å (a 3000³ box): refused naming --angpix (was: a crash or memory exhaustion)', async () => {
    const dir = outDir();
    const r = await cli(['pixel-size', 'resample', map20, '--angpix', '0.01', '-o', join(dir, 'r.mrc')], dir);
    assertOneLineError(r, /--angpix 0\.01 would resample the 20x20x20 map .* to 3000x3000x3000 voxels/, 'resample --angpix 0.01');
    assert.deepEqual(readdirSync(dir), []);
  });
});
