/**
 * Faults while commands run, as a user meets them: a full disk, an output path that reaches the
 * input through a link, an output name that is a folder, a device as input, and signals. After
 * any failure: one stderr line, a non-zero exit, the input unchanged, no output under its final
 * name and no hidden temporary file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc, readMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { NODE_ARGS, runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-faults-');
const sha = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');

/** A small map with two domains (n³, 1.5 Å voxels). */
async function writeInput(dir: string, n = 48): Promise<string> {
  const p = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2 - 5, n / 2, n / 2], radiusA: 12, occupancy: 1 }, { centreVoxel: [n / 2 + 6, n / 2, n / 2], radiusA: 10, occupancy: 0.5 }], seed: 3 });
  const path = join(dir, 'in.mrc');
  await writeMrc(path, p.map);
  return path;
}

/** Run the CLI; resolves with the exit code and output (never rejects on a non-zero exit). */
async function occupy(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await runCli(args, cwd);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Assert one `occupy: error:` line on stderr, no stack trace. */
function oneErrorLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n').filter((l) => !/^\s*(\[|read|estimate|write|done)/.test(l) || /error/.test(l));
  const errors = lines.filter((l) => l.startsWith('occupy: error:'));
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0], pattern);
  assert.doesNotMatch(stderr, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');
}

/** Mount a small tmpfs (root and mount only), or undefined with the reason. */
function smallDisk(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`;
  }
}

test('disk full: pixel-size set and the estimate fail with one line and leave no output', async (t) => {
  const dir = await tempFolder();
  const input = await writeInput(dir, 64); // 1 MiB map
  const before = await sha(input);
  const disk = join(dir, 'disk');
  await mkdir(disk);
  const why = smallDisk(disk, '1536k'); // room for one map, not two
  if (why) {
    t.skip(why);
    return;
  }
  try {
    const big = join(dir, 'big.mrc');
    await writeMrc(big, occupancyPhantom({ shape: [80, 80, 80], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [40, 40, 40], radiusA: 20, occupancy: 1 }] }).map);
    const set = await occupy(['pixel-size', 'set', big, '--angpix', '1.1', '-o', join(disk, 'big_1.1.mrc')]);
    assert.notEqual(set.code, 0);
    oneErrorLine(set.stderr, /cannot write '.*big_1\.1\.mrc': no space left on device/);
    assert.deepEqual(await readdir(disk), []);

    const est = await occupy(['-i', input, '-o', join(disk, 'in.mrc')]);
    assert.notEqual(est.code, 0);
    oneErrorLine(est.stderr, /no space left on device/);
    assert.deepEqual(await readdir(disk), [], 'no scale_/conf_ map, log or temporary file left');

    // the same command with room writes the whole set
    const ok = await occupy(['-i', input, '-o', join(dir, 'out', 'in.mrc'), '--quiet']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['chimX_in.cxc', 'conf_in.mrc', 'log_in.txt', 'scale_res_in.mrc']);
    assert.equal(await sha(input), before);
  } finally {
    execFileSync('umount', [disk]);
  }
});

test('an output path reaching the input through a symlinked folder is refused', async () => {
  const dir = await tempFolder();
  const input = await writeInput(dir);
  const before = await sha(input);
  await symlink('.', join(dir, 'lnk'));
  const set = await occupy(['pixel-size', 'set', input, '--angpix', '1.2', '-o', join(dir, 'lnk', 'in.mrc')]);
  assert.notEqual(set.code, 0);
  oneErrorLine(set.stderr, /refusing to overwrite input map/);
  // the estimate with an output stem that makes an output name equal to the input's, via the link
  await symlink(dir, join(dir, 'same'));
  const est = await occupy(['-i', input, '-o', join(dir, 'same', 'in.mrc'), '--exclude-solvent']);
  assert.equal(est.code, 0, est.stderr); // solExcl_in.mrc, not in.mrc: allowed
  assert.equal(await sha(input), before);
});

test('an output name that is a folder fails before anything is written', async () => {
  const dir = await tempFolder();
  const input = await writeInput(dir);
  await mkdir(join(dir, 'out', 'conf_in.mrc'), { recursive: true });
  const r = await occupy(['-i', input, '-o', join(dir, 'out', 'in.mrc')]);
  assert.notEqual(r.code, 0);
  oneErrorLine(r.stderr, /cannot write '.*conf_in\.mrc': is a folder/);
  assert.deepEqual(await readdir(join(dir, 'out')), ['conf_in.mrc']);
});

test('a device or a FIFO as input gives one line at once', async () => {
  const r = await occupy(['-i', '/dev/zero', '-o', join(await tempFolder(), 'x.mrc')]);
  assert.notEqual(r.code, 0);
  oneErrorLine(r.stderr, /cannot read map '\/dev\/zero': not a regular file/);
  const dir = await tempFolder();
  try {
    execFileSync('mkfifo', [join(dir, 'p.mrc')]);
  } catch {
    return;
  }
  const f = await occupy(['pixel-size', 'set', join(dir, 'p.mrc'), '--angpix', '1', '-o', join(dir, 'o.mrc')]);
  assert.notEqual(f.code, 0);
  oneErrorLine(f.stderr, /not a regular file/);
});

test('SIGINT or SIGTERM at any point: either the complete set or nothing, never a temporary file', async () => {
  const dir = await tempFolder();
  const input = await writeInput(dir, 96);
  const before = await sha(input);
  const expected = ['ampl_2.0_in.mrc', 'chimX_in.cxc', 'conf_in.mrc', 'log_in.txt', 'scale_occ_in.mrc'];
  const outcomes = new Set<string>();
  // seeded delays spread over the run (start-up, read, estimate, writing)
  for (const [i, delayMs] of [150, 450, 700, 900, 1100, 1300, 1600, 2000].entries()) {
    const out = join(dir, `run${i}`);
    const signal: NodeJS.Signals = i % 2 === 0 ? 'SIGINT' : 'SIGTERM';
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...NODE_ARGS, '-i', input, '-o', join(out, 'in.mrc'), '--amplify', '2', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const timer = setTimeout(() => child.kill(signal), delayMs);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stderr: err });
      });
    });
    const files = await readdir(out).catch(() => [] as string[]);
    if (code === 0 || files.length === expected.length) {
      // a signal after the set was committed (while the process is exiting) still leaves it complete
      assert.deepEqual(files.sort(), expected, `run ${i}: complete set (exit ${code})`);
      outcomes.add('complete');
    } else {
      // null: the signal came before the handlers were installed (start-up), so it killed the process
      assert.ok(code === null || code === (signal === 'SIGINT' ? 130 : 143), `run ${i}: exit ${code} ${stderr}`);
      assert.deepEqual(files, [], `run ${i} (${signal} after ${delayMs} ms) left ${files.join(', ')}`);
      outcomes.add('interrupted');
    }
    await rm(out, { recursive: true, force: true });
  }
  assert.ok(outcomes.has('interrupted'), 'at least one run was interrupted');
  assert.equal(await sha(input), before);
  const m = await readMrc(input);
  assert.deepEqual(m.volume.shape, [96, 96, 96]);
});

test('an output named like the --labels map is refused for every method that reads labels; the labels are recorded as an input', async () => {
  const dir = await tempFolder();
  const n = 48;
  const half = (seed: number) => occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, domains: [{ centreVoxel: [n / 2 - 5, n / 2, n / 2], radiusA: 12, occupancy: 1 }, { centreVoxel: [n / 2 + 6, n / 2, n / 2], radiusA: 10, occupancy: 0.5 }], seed });
  const a = half(3), b = half(4);
  const [h1, h2, mask, labels] = ['h1.mrc', 'h2.mrc', 'mask.mrc', 'labels.mrc'].map((f) => join(dir, f));
  await writeMrc(h1, a.map);
  await writeMrc(h2, b.map);
  await writeMrc(mask, { ...a.map, data: Float32Array.from(a.labels, (l) => (l > 0 ? 1 : 0)) });
  await writeMrc(labels, { ...a.map, data: Float32Array.from(a.labels) });
  const before = await sha(labels);
  for (const method of ['localfsc', 'resmap', 'monotomo']) {
    const r = await occupy(['locres', h1, h2, '--method', method, '--mask', mask, '--labels', labels, '-o', labels, '-q']);
    assert.notEqual(r.code, 0, method);
    oneErrorLine(r.stderr, /refusing to overwrite input map '.*labels\.mrc'/);
    assert.equal(await sha(labels), before, `${method}: the labels map is unchanged`);
  }
  const ok = await occupy(['locres', h1, h2, '--mask', mask, '--labels', labels, '-o', join(dir, 'out.mrc'), '--json', '-q']);
  assert.equal(ok.code, 0, ok.stderr);
  const s = JSON.parse(ok.stdout) as { inputs: string[]; record: { settings: Record<string, string[]> } };
  assert.deepEqual(s.inputs, [h1, h2, mask, labels]);
  assert.ok(s.record.settings['inputs-sha256'].includes(`${labels}=${before}`), 'the labels map is hashed in the record');
});
