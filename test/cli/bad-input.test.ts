/**
 * The CLI on bad input (spec §12): every case exits non-zero with one clear line on stderr, no
 * stack trace, no output left behind and the input untouched. The cases run in this process
 * (`main(argv)` with its output captured); the input-overwrite cases and the smoke test of a
 * good run (--json, -lp, --quiet) run the CLI as a child process.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc, readMrc } from '../../src/io/mrc/index.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import type { Shape3, Volume } from '../../src/core/volume.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';

const execFileP = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `occupy <args>` from source with cwd = project root. */
async function runCli(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [...NODE_ARGS, ...args], { cwd: PROJECT_ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Two Gaussian blobs plus noise, 40³ at 1.5 Å (seeded). */
function goodVolume(shape: Shape3 = [40, 40, 40]): Volume {
  const [nx, ny, nz] = shape;
  const g = gaussianSampler(mulberry32(2024));
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const r1 = (x - 20) ** 2 + (y - 20) ** 2 + (z - 20) ** 2;
    const r2 = (x - 12) ** 2 + (y - 26) ** 2 + (z - 22) ** 2;
    data[(z * ny + y) * nx + x] = Math.exp(-r1 / 18) + 0.5 * Math.exp(-r2 / 12) + 0.03 * g();
  }
  return { data, shape, voxelSizeA: [1.5, 1.5, 1.5] };
}

const nonEmptyLines = (s: string) => s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
const STACK = /^\s*at\s.+(:\d+:\d+\)?|native\)?)$|node:internal|\.ts:\d+:\d+/m;

let root = '';
let good = '';
const files: Record<string, string> = {};

before(() => {
  root = mkdtempSync(join(tmpdir(), 'occupy-badinput-'));
  const inputs = join(root, 'inputs');
  mkdirSync(inputs);
  const vol = goodVolume();
  const bytes = encodeMrc(vol);
  const put = (name: string, b: Uint8Array | string) => {
    const p = join(inputs, name);
    writeFileSync(p, b);
    files[name] = p;
    return p;
  };
  good = put('good.mrc', bytes);
  put('text.mrc', 'This is not a map, just a text file that was renamed to .mrc.\n'.repeat(40));
  put('truncated.mrc', bytes.subarray(0, 1024 + (bytes.length - 1024) / 2));
  put('short.mrc', bytes.subarray(0, 600));
  put('empty.mrc', new Uint8Array(0));
  files['adir.mrc'] = join(inputs, 'adir.mrc');
  mkdirSync(files['adir.mrc']);
  const mode4 = Uint8Array.from(bytes);
  new DataView(mode4.buffer).setInt32(12, 4, true); // word 4 (mode) = 4: complex float32
  put('mode4.mrc', mode4);
  const withValue = (v: number) => {
    const d = Float32Array.from(vol.data);
    d[(20 * 40 + 5) * 40 + 7] = v;
    return encodeMrc({ ...vol, data: d });
  };
  put('nan.mrc', withValue(Number.NaN));
  put('inf.mrc', withValue(Number.POSITIVE_INFINITY));
  put('constant.mrc', encodeMrc({ ...vol, data: new Float32Array(vol.data.length).fill(0.25) }));
  put('mask36.mrc', encodeMrc({ data: new Float32Array(36 * 40 * 40).fill(1), shape: [36, 40, 40], voxelSizeA: [1.5, 1.5, 1.5] }));
  // on the input's grid, but not splitting the solvent sphere (no voxel > 0.9, or every one)
  put('zeros40.mrc', encodeMrc({ ...vol, data: new Float32Array(vol.data.length) }));
  put('ones40.mrc', encodeMrc({ ...vol, data: new Float32Array(vol.data.length).fill(1) }));
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

interface BadCase {
  name: string;
  /** Arguments; `$good`/`$<file>` are replaced by input paths. */
  args: string[];
  /** What the one stderr line must say. */
  names: RegExp;
  /** Files that must come out unchanged (default: the -i file). */
  watch?: string[];
}


const CASES: BadCase[] = [
  { name: 'missing input file', args: ['-i', '$missing'], names: /no such file/ },
  { name: 'a text file renamed .mrc', args: ['-i', '$text.mrc'], names: /text\.mrc.*(byte order|not an? (MRC|map)|header|mode)/i },
  { name: 'a truncated MRC (header + half the data)', args: ['-i', '$truncated.mrc'], names: /truncated/ },
  { name: 'a file shorter than 1024 bytes', args: ['-i', '$short.mrc'], names: /shorter than|1024/ },
  { name: 'an empty file', args: ['-i', '$empty.mrc'], names: /empty\.mrc.*(shorter than|empty|1024)/ },
  { name: 'a directory given as the map', args: ['-i', '$adir.mrc'], names: /adir\.mrc': it is a folder, not a file$/, watch: [] },
  { name: 'unsupported mode 4', args: ['-i', '$mode4.mrc'], names: /mode.*4|4.*mode/i },
  { name: 'NaN voxels', args: ['-i', '$nan.mrc'], names: /NaN/ },
  { name: 'Inf voxels', args: ['-i', '$inf.mrc'], names: /Inf/ },
  { name: 'a constant map', args: ['-i', '$constant.mrc'], names: /constant\.mrc: the map is constant \(every voxel is 0\.25\)/ },
  { name: 'a constant map with --force', args: ['-i', '$constant.mrc', '--force'], names: /constant\.mrc: the map is constant/ },
  { name: '--solvent-def with a different box', args: ['-i', '$good.mrc', '--solvent-def', '$mask36.mrc'], names: /--solvent-def/, watch: ['good.mrc', 'mask36.mrc'] },
  { name: '--target-mask with a different box', args: ['-i', '$good.mrc', '--target-mask', '$mask36.mrc'], names: /--target-mask/, watch: ['good.mrc', 'mask36.mrc'] },
  { name: '--solvent-def of zeros (refused before the low-pass)', args: ['-i', '$good.mrc', '--solvent-def', '$zeros40.mrc'], names: /--solvent-def map '.*zeros40\.mrc' selects no usable region .*: no voxel/, watch: ['good.mrc', 'zeros40.mrc'] },
  { name: '--solvent-def of ones (refused before the low-pass)', args: ['-i', '$good.mrc', '--solvent-def', '$ones40.mrc'], names: /--solvent-def map '.*ones40\.mrc' selects no usable region .*: every voxel/, watch: ['good.mrc', 'ones40.mrc'] },
  { name: '--solvent-def file missing', args: ['-i', '$good.mrc', '--solvent-def', '$missing'], names: /--solvent-def.*no such file/ },
  { name: '--tau 1.5', args: ['-i', '$good.mrc', '--tau', '1.5'], names: /--tau.*1\.5/ },
  { name: '--tau abc', args: ['-i', '$good.mrc', '--tau', 'abc'], names: /--tau.*abc/ },
  { name: '--kernel-size 4', args: ['-i', '$good.mrc', '--kernel-size', '4'], names: /--kernel-size.*4/ },
  { name: '--max-box 7', args: ['-i', '$good.mrc', '--max-box', '7'], names: /--max-box.*7/ },
  { name: '--lowpass -3', args: ['-i', '$good.mrc', '--lowpass', '-3'], names: /--lowpass.*-3/ },
  { name: '-lp -3 (OccuPy spelling)', args: ['-i', '$good.mrc', '-lp', '-3'], names: /--lowpass.*-3/ },
  { name: '--hedge-confidence 0.5', args: ['-i', '$good.mrc', '--hedge-confidence', '0.5'], names: /--hedge-confidence.*0\.5/ },
  { name: '--min-vis-scale 2', args: ['-i', '$good.mrc', '--min-vis-scale', '2'], names: /--min-vis-scale.*2/ },
  { name: 'no -i at all', args: [], names: /input map|-i/, watch: [] },
];

function expand(args: string[], missing: string): string[] {
  return args.map((a) => (a === '$missing' ? missing : a.startsWith('$') ? files[a.slice(1)] : a));
}

function snapshot(paths: string[]): { path: string; bytes: Buffer; mtimeMs: number }[] {
  return paths.map((p) => ({ path: p, bytes: readFileSync(p), mtimeMs: statSync(p).mtimeMs }));
}

describe('occupy CLI on bad input (spec §12)', { concurrency: 2 }, () => {
  const runs = new Map<string, Promise<{ res: CliResult; outDir: string; ok: boolean }>>();
  /** Run a case once (shared by its two tests). */
  const runCase = (c: BadCase) => {
    let p = runs.get(c.name);
    if (!p) {
      p = (async () => {
        const outDir = mkdtempSync(join(root, 'out-'));
        const watchNames = c.watch ?? (c.args.includes('-i') ? [c.args[c.args.indexOf('-i') + 1].slice(1)] : []);
        const watched = watchNames.filter((n) => n !== 'missing').map((n) => files[n]);
        const before = snapshot(watched);
        const res = await runInProcess([...expand(c.args, join(root, 'inputs', 'does-not-exist.mrc')), '-o', join(outDir, 'result.mrc')]);
        const afterSnap = snapshot(watched);
        for (let i = 0; i < before.length; i++) {
          assert.ok(before[i].bytes.equals(afterSnap[i].bytes), `${before[i].path} was modified`);
          assert.equal(afterSnap[i].mtimeMs, before[i].mtimeMs, `${before[i].path} mtime changed`);
        }
        return { res, outDir, ok: true };
      })();
      runs.set(c.name, p);
    }
    return p;
  };

  for (const c of CASES) {
    it(`${c.name}: exit ≠ 0, an error line naming the problem, no stack, no outputs, input unchanged`, async () => {
      const { res, outDir } = await runCase(c);
      assert.notEqual(res.code, 0, `exit code 0; stderr: ${res.stderr}`);
      const lines = nonEmptyLines(res.stderr);
      assert.ok(lines.length >= 1, 'stderr is empty');
      const last = lines[lines.length - 1];
      assert.match(last, c.names, `stderr: ${res.stderr}`);
      assert.match(last, /error/i);
      assert.doesNotMatch(res.stderr, STACK, `stack trace on stderr: ${res.stderr}`);
      assert.equal(res.stdout.trim(), '', `stdout: ${res.stdout}`);
      assert.deepEqual(readdirSync(outDir), [], 'files left in the output folder');
    });
    it(`${c.name}: stderr is exactly one non-empty line`, async () => {
      const { res } = await runCase(c);
      const lines = nonEmptyLines(res.stderr);
      assert.equal(lines.length, 1, `stderr has ${lines.length} lines:\n${res.stderr}`);
    });
  }
});

describe('occupy CLI never overwrites its input', { concurrency: 1 }, () => {
  it('-o pointing at the input map itself leaves the input byte-identical (refused in one line, or written elsewhere)', async () => {
    const dir = mkdtempSync(join(root, 'self-'));
    const input = join(dir, 'in.mrc');
    copyFileSync(good, input);
    const [before] = snapshot([input]);
    const res = await runCli(['-i', input, '-o', input, '--quiet']);
    const [afterSnap] = snapshot([input]);
    assert.ok(before.bytes.equals(afterSnap.bytes), 'the input map was overwritten');
    assert.equal(afterSnap.mtimeMs, before.mtimeMs);
    if (res.code !== 0) {
      assert.equal(nonEmptyLines(res.stderr).length, 1, res.stderr);
      assert.doesNotMatch(res.stderr, STACK);
    } else {
      // written next to it under the output names, which differ from the input's
      const out = readdirSync(dir).sort();
      assert.ok(out.includes('scale_res_in.mrc') && out.includes('conf_in.mrc'), out.join(', '));
      assert.equal((await readMrc(input)).volume.data.length, 40 ** 3);
    }
  });

  it('an input named like one of the outputs (conf_m.mrc with -o m.mrc) is refused, untouched, and no partial outputs are left', async () => {
    const dir = mkdtempSync(join(root, 'clash-'));
    const input = join(dir, 'conf_m.mrc');
    copyFileSync(good, input);
    const [before] = snapshot([input]);
    const res = await runCli(['-i', input, '-o', join(dir, 'm.mrc'), '--quiet']);
    const [afterSnap] = snapshot([input]);
    assert.ok(before.bytes.equals(afterSnap.bytes), 'the input map was overwritten');
    assert.equal(afterSnap.mtimeMs, before.mtimeMs);
    assert.notEqual(res.code, 0);
    assert.equal(nonEmptyLines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /overwrite/);
    assert.deepEqual(readdirSync(dir), ['conf_m.mrc'], 'outputs left behind by a failed run');
  });
});

describe('occupy CLI on a valid small map', { concurrency: 1 }, () => {
  it('--json: exit 0, stdout is one JSON object with the settings, and the scale map is in [0, 1] with max 1', async () => {
    const outDir = mkdtempSync(join(root, 'ok-'));
    const [before] = snapshot([good]);
    const res = await runCli(['-i', good, '-o', join(outDir, 'good.mrc'), '--json']);
    assert.equal(res.code, 0, res.stderr);
    const out = res.stdout.trim();
    assert.equal(nonEmptyLines(out).length, 1, `stdout: ${out}`);
    const s = JSON.parse(out) as Record<string, unknown>;
    assert.equal(typeof s, 'object');
    assert.ok(s !== null && !Array.isArray(s));
    assert.equal(s.kernelSize, 5);
    assert.equal(s.nV, 81);
    assert.ok(typeof s.tau === 'number' && Math.abs(s.tau - 0.9608) < 1e-3, `tau ${s.tau}`);
    assert.ok(typeof s.sMax === 'number' && s.sMax > 0.8 && s.sMax < 1.2, `sMax ${s.sMax}`);
    const sm = s.solventModel as { c: number; mu: number; sigma: number };
    assert.ok(Math.abs(sm.mu) < 0.02 && sm.sigma > 0 && sm.c > 0, JSON.stringify(sm));
    assert.equal(s.lowpassA, 8);
    const scale = await readMrc(join(outDir, 'scale_res_good.mrc'));
    assert.deepEqual(scale.volume.shape, [40, 40, 40]);
    assert.deepEqual(scale.volume.voxelSizeA, [1.5, 1.5, 1.5]);
    let max = -Infinity;
    for (const v of scale.volume.data) {
      assert.ok(v >= 0 && v <= 1, `scale value ${v}`);
      if (v > max) max = v;
    }
    assert.equal(max, 1);
    assert.equal(scale.volume.data[(20 * 40 + 20) * 40 + 20], 1);
    const conf = await readMrc(join(outDir, 'conf_good.mrc'));
    assert.ok(conf.volume.data.every((v) => v >= 0 && v <= 1));
    assert.deepEqual(readdirSync(outDir).sort(), ['chimX_good.cxc', 'conf_good.mrc', 'log_good.txt', 'scale_res_good.mrc']);
    const [afterSnap] = snapshot([good]);
    assert.ok(before.bytes.equals(afterSnap.bytes));
  });

  it('-lp 10 is accepted as --lowpass 10 (summary lowpassA = 10, k = floor(10/1.5) → 7)', async () => {
    const outDir = mkdtempSync(join(root, 'lp-'));
    const res = await runCli(['-i', good, '-o', join(outDir, 'good.mrc'), '-lp', '10', '--json', '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    const s = JSON.parse(res.stdout) as { lowpassA: number; kernelSize: number };
    assert.equal(s.lowpassA, 10);
    assert.equal(s.kernelSize, 7);
  });

  it('--quiet without --json: stdout and stderr are empty on success, and the outputs are written', async () => {
    const outDir = mkdtempSync(join(root, 'quiet-'));
    const res = await runCli(['-i', good, '-o', join(outDir, 'good.mrc'), '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '');
    assert.equal(res.stderr, '');
    assert.ok(readdirSync(outDir).includes('scale_res_good.mrc'));
  });
});
