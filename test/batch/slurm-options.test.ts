/**
 * `occupy batch --slurm` options beyond partition/time/mem (issue 13 item 9): --account, --qos,
 * --cpus-per-task, --gres and repeatable --sbatch-arg, validated against SLURM's syntax and written
 * one `#SBATCH` line each. The last test needs a SLURM cluster (skipped without it).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { checkSbatchArg, checkSlurmOptions, sbatchArgName, slurmScript } from '../../src/batch/slurm.js';
import { mulberry32 } from '../../src/math/random.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { skipWithoutSlurm, startSlurm } from '../helpers/slurm-cluster.js';

const execFileP = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'occupy-slurm-opts-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Run the CLI; resolves with code, stdout, stderr (never rejects). */
async function occupy(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await execFileP(process.execPath, [...NODE_ARGS, ...args], { cwd: PROJECT_ROOT });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A small random map file (the script is written before any map is read). */
function smallMap(): string {
  const p = join(work, 'm.mrc');
  if (!existsSync(p)) {
    const r = mulberry32(1);
    writeFileSync(p, encodeMrc({ data: Float32Array.from({ length: 16 ** 3 }, () => r()), shape: [16, 16, 16], voxelSizeA: [1, 1, 1] }));
  }
  return p;
}

const base = { tasks: 2, logDir: '/tmp/logs', workDir: '/tmp', command: ['occupy', 'batch', 'a.mrc'] };

describe('SLURM option syntax', () => {
  it('accepts SLURM-shaped values', () => {
    for (const ok of [
      { account: 'lab_smith' }, { account: 'proj-1.a' }, { qos: 'high' }, { gres: 'gpu:1' }, { gres: 'gpu:a100:2' }, { gres: 'gpu' }, { gres: 'gpu:tesla:1,mps:100' },
      { gres: 'none' }, { gres: 'shard:4k' }, { cpusPerTask: 1 }, { cpusPerTask: 64 },
      { sbatchArgs: ['--mail-type=END,FAIL', '--mail-user=me@lab.org', '--constraint=a100|v100', '--exclude=node[01-04]', '--dependency=afterok:123', '--exclusive', '-N 1', '-N1', '--nodes 2', '--export=ALL,OMP_NUM_THREADS=2', '--begin=now+1hour'] },
    ]) assert.doesNotThrow(() => checkSlurmOptions(ok), JSON.stringify(ok));
  });

  it('refuses values outside SLURM syntax, naming the option and showing control characters', () => {
    const cases: [Parameters<typeof checkSlurmOptions>[0], RegExp][] = [
      [{ account: 'a b' }, /^--account must be a SLURM account name .* got "a b"$/],
      [{ account: 'lab\n#SBATCH --x' }, /^--account must be .*got "lab\\n#SBATCH --x"$/],
      [{ account: '' }, /^--account must be/],
      [{ qos: 'x;reboot' }, /^--qos must be a SLURM QOS name/],
      [{ gres: 'gpu:' }, /^--gres must be comma-separated name\[:type\]\[:count\]/],
      [{ gres: 'gpu:1,' }, /^--gres must be/],
      [{ gres: '1:gpu' }, /^--gres must be/],
      [{ gres: 'gpu:a:b:c' }, /^--gres must be/],
      [{ cpusPerTask: 0 }, /^--cpus-per-task must be an integer in 1\.\.4096, got 0$/],
      [{ cpusPerTask: 1.5 }, /^--cpus-per-task must be/],
      [{ sbatchArgs: ['--mail-type=END', 'mail-type=END'] }, /^--sbatch-arg must be one sbatch option: .*got "mail-type=END"$/],
      [{ sbatchArgs: ['--comment=a b'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment="x"'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment=$(id)'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment=`id`'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment=a;b'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment=a\nb'] }, /^--sbatch-arg must be .*got "--comment=a\\nb"$/],
      [{ sbatchArgs: ['--comment=a\tb'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--comment=a\x1b[31m'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--'] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: [''] }, /^--sbatch-arg must be/],
      [{ sbatchArgs: ['--partition=gpu'] }, /^--sbatch-arg "--partition=gpu": --partition is an option of occupy batch: use --partition$/],
      [{ sbatchArgs: ['-p gpu'] }, /use --partition$/],
      [{ sbatchArgs: ['--array=0-9'] }, /--array is set by occupy/],
      [{ sbatchArgs: ['--output=/tmp/x'] }, /--output is set by occupy/],
      [{ sbatchArgs: ['-c 8'] }, /use --cpus-per-task$/],
      [{ sbatchArgs: ['--gres=gpu:1'] }, /use --gres$/],
      [{ sbatchArgs: ['-A lab'] }, /use --account$/],
    ];
    for (const [o, re] of cases) assert.throws(() => checkSlurmOptions(o), { name: 'RangeError', message: re }, JSON.stringify(o));
    assert.equal(sbatchArgName('--mail-type=END'), '--mail-type');
    assert.equal(sbatchArgName('--nodes 2'), '--nodes');
    assert.equal(sbatchArgName('-N1'), '-N');
    assert.throws(() => checkSbatchArg('--x=y z'), /--sbatch-arg must be/);
  });

  it('writes each option as its own #SBATCH line, in order, and bash reads them as comments only', () => {
    const script = slurmScript({ ...base, cpusPerTask: 8, account: 'lab_x', qos: 'high', gres: 'gpu:a100:1', sbatchArgs: ['--mail-type=END,FAIL', '--constraint=a100|v100&x', '-N 1'] });
    const sbatch = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
    assert.deepEqual(sbatch.slice(2), [
      '#SBATCH --cpus-per-task=8',
      '#SBATCH --output=/tmp/logs/slurm-%A_%a.out',
      '#SBATCH --account=lab_x',
      '#SBATCH --qos=high',
      '#SBATCH --gres=gpu:a100:1',
      '#SBATCH --mail-type=END,FAIL',
      '#SBATCH --constraint=a100|v100&x',
      '#SBATCH -N 1',
    ]);
    // SLURM stops reading #SBATCH lines at the first command: all of them come before it
    const firstCommand = script.split('\n').findIndex((l) => l !== '' && !l.startsWith('#'));
    assert.ok(script.split('\n').slice(firstCommand).every((l) => !l.startsWith('#SBATCH')));
    // the #SBATCH lines are inert for the shell: the header alone runs and prints nothing
    const header = script.split('\n').slice(0, firstCommand).join('\n');
    assert.equal(execFileSync('bash', ['-c', header + '\necho done'], { encoding: 'utf8' }), 'done\n');
    assert.throws(() => slurmScript({ ...base, sbatchArgs: ['--x=1\n#SBATCH --y'] }), /--sbatch-arg must be/);
    assert.throws(() => slurmScript({ ...base, cpusPerTask: 0 }), /--cpus-per-task must be/);
  });
});

describe('occupy batch --slurm with the new options (CLI)', () => {
  it('records --account, --qos, --cpus-per-task, --gres and every --sbatch-arg in the script, none in the task command', async () => {
    const out = join(work, 'ok');
    const r = await occupy([
      'batch', smallMap(), '-d', out, '--slurm', '--account', 'lab_x', '--qos', 'high', '--cpus-per-task', '4', '--gres', 'gpu:1',
      '--sbatch-arg', '--mail-type=END,FAIL', '--sbatch-arg=--constraint=a100', '--sbatch-arg', '-N 1', '--json', '-q',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const script = readFileSync(JSON.parse(r.stdout).script, 'utf8');
    for (const line of ['--cpus-per-task=4', '--account=lab_x', '--qos=high', '--gres=gpu:1', '--mail-type=END,FAIL', '--constraint=a100', '-N 1']) {
      assert.match(script, new RegExp(`^#SBATCH ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), line);
    }
    const command = script.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    assert.doesNotMatch(command, /--account|--qos|--cpus-per-task|--gres|--sbatch-arg|mail-type|lab_x/);
    assert.match(command, /--jobs "\$\{SLURM_CPUS_PER_TASK:-1\}"/);
  });

  it('a bad value: one "occupy: error:" line naming the option, usage exit code, no script', async () => {
    for (const [args, re] of [
      [['--gres', 'gpu:'], /^occupy: error: --gres must be/],
      [['--sbatch-arg', '--comment=x\n#SBATCH --y'], /^occupy: error: --sbatch-arg must be one sbatch option: .*got "--comment=x\\n#SBATCH --y"$/],
      [['--sbatch-arg=--time=1:00:00'], /^occupy: error: --sbatch-arg "--time=1:00:00": --time is an option of occupy batch: use --time$/],
      [['--cpus-per-task', '0'], /^occupy: error: --cpus-per-task must be an integer in 1\.\.4096/],
      [['--account', 'a b'], /^occupy: error: --account must be/],
    ] as [string[], RegExp][]) {
      const out = join(work, 'bad');
      const r = await occupy(['batch', smallMap(), '-d', out, '--slurm', ...args, '-q']);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], re);
      assert.ok(!existsSync(join(out, 'occupy_batch.sbatch')), 'no script written');
    }
  });
});

describe('a refused --slurm run creates nothing', () => {
  it('a -d folder sbatch cannot read (\'"\', \'\\\'), or a script name that is a link to an input: one line, no folder made', async () => {
    // session 52: `-d 'bo"ut' --slurm` exited 2 with bo"ut/slurm-logs made
    for (const name of ['bo"ut', 'back\\slash']) {
      const out = join(work, name, 'deeper');
      const r = await occupy(['batch', smallMap(), '-d', out, '--slurm', '-q']);
      assert.equal(r.code, 2, `${name}: exit ${r.code}, ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^occupy: error: -d\/--output-dir: with --slurm the folder path must not contain/);
      assert.ok(!existsSync(join(work, name)), `${name}: nothing made`);
    }
    const out = join(work, 'linked');
    mkdirSync(out);
    symlinkSync(smallMap(), join(out, 'occupy_batch.sbatch'));
    const r = await occupy(['batch', smallMap(), '-d', out, '--slurm', '-q']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^occupy: error: .*occupy_batch\.sbatch/);
    assert.deepEqual(readdirSync(out), ['occupy_batch.sbatch'], 'no slurm-logs folder left');
  });
});

describe('options that would be ignored are refused', () => {
  it('the script\'s options without --slurm, --jobs or --shard with it, --tasks with --maps-per-task: one line, exit 2, nothing written or run', async () => {
    for (const [args, re] of [
      [['--partition', 'gpu'], /^occupy: error: --partition is an option of the sbatch script: give --slurm with it, or leave it out \(without --slurm the maps run here\)$/],
      [['--submit'], /^occupy: error: --submit is an option of the sbatch script/],
      [['--sbatch-arg=--comment=x'], /^occupy: error: --sbatch-arg is an option of the sbatch script/],
      [['--mem', '8G', '--tasks', '2'], /^occupy: error: --tasks is an option of the sbatch script/],
      [['--slurm', '--jobs', '2'], /^occupy: error: --jobs is not used with --slurm: each array task runs --cpus-per-task worker processes/],
      [['--slurm', '--shard', '0/2'], /^occupy: error: --shard is not used with --slurm/],
      [['--slurm', '--tasks', '2', '--maps-per-task', '1'], /^occupy: error: --tasks and --maps-per-task contradict each other/],
    ] as [string[], RegExp][]) {
      const out = join(work, 'ignored');
      const r = await occupy(['batch', smallMap(), '-d', out, ...args, '-q']);
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], re);
      assert.ok(!existsSync(out), `${args.join(' ')}: nothing written`);
    }
  });
});

describe('sbatch accepts the script', { skip: skipWithoutSlurm() }, () => {
  it('sbatch --test-only parses a script with --cpus-per-task and --sbatch-arg lines', { timeout: 120_000 }, async () => {
    const cluster = await startSlurm(work);
    try {
      const out = join(work, 'sbatch');
      const r = await occupy(['batch', smallMap(), '-d', out, '--slurm', '--cpus-per-task', '1', '--sbatch-arg=--comment=occupy-test', '--sbatch-arg', '-N 1', '--sbatch-arg=--mail-type=NONE', '--json', '-q']);
      assert.equal(r.code, 0, r.stderr);
      const res = await execFileP('sbatch', ['--test-only', JSON.parse(r.stdout).script], { env: cluster.env }).catch((e: { stderr: string }) => assert.fail(`sbatch --test-only refused the script: ${e.stderr}`));
      assert.match(res.stderr, /to start at|test-only/i);
    } finally {
      await cluster.stop();
    }
  });
});
