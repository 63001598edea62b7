/**
 * Impossible settings are refused naming the option (issue 13 item 5): resolutions finer than
 * Nyquist, a kernel larger than the (processing) box, a local-FSC window below what its FSC shells
 * need, a mask from a map that is not a scale map (warned once), `star join` of one file twice.
 * The CLI runs as a child process on small seeded maps.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { estimateLocalScale, OptionError, readMrc } from '../../src/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { fourierShellCorrelation } from '../../src/resolution/fsc.js';
import { finerThanNyquistError, nyquistA } from '../../src/jobs/nyquist-check.js';
import { LOCAL_FSC_WINDOW_MIN } from '../../src/resolution/window-minimum.js';
import { notScaleMapWarning } from '../../src/cli/commands/scale-masks.js';
import { NODE_ARGS } from '../helpers/cli.js';
import { runInProcess } from '../helpers/cli-run.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `occupy <args>` from source as a child process; never rejects. */
function occupyChild(args: string[], cwd = PROJECT_ROOT): Promise<Run> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.on('close', (code) => res({ code, stdout, stderr })));
}

/** Run `occupy <args>` in this process (`main(argv)`, output captured): the error cases need no process each. */
const occupy = (args: string[]): Promise<Run> => runInProcess(args);

/** Exit code 2 and exactly one `occupy: error:` line matching `re`. */
function assertUsageError(r: Run, re: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}; ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
  assert.match(lines[0], /^occupy: error: /, what);
  assert.match(lines[0], re, what);
}

const work = mkdtempSync(join(tmpdir(), 'occupy-impossible-'));
after(() => rmSync(work, { recursive: true, force: true }));
/** 32³ phantom at 2 Å voxels: Nyquist 4 Å. */
const MAP = join(work, 'map.mrc');
/** Half maps 32³ at 1 Å (Nyquist 2 Å). */
const H1 = join(work, 'h1.mrc');
const H2 = join(work, 'h2.mrc');

before(() => {
  const c = 16;
  const { map } = occupancyPhantom({ shape: [32, 32, 32], voxelSizeA: 2, resolutionA: 6, snr: 5, seed: 3, domains: [{ centreVoxel: [c - 5, c, c], radiusA: 9, occupancy: 1 }, { centreVoxel: [c + 6, c, c], radiusA: 8, occupancy: 0.5 }] });
  writeFileSync(MAP, encodeMrc(map));
  const g = gaussianSampler(mulberry32(5));
  for (const p of [H1, H2]) writeFileSync(p, encodeMrc({ data: Float32Array.from({ length: 32 ** 3 }, () => g()), shape: [32, 32, 32], voxelSizeA: [1, 1, 1] }));
});

describe('resolutions finer than Nyquist', () => {
  it('the message names the option, the value and the limit; Nyquist itself is allowed', () => {
    assert.equal(nyquistA([1, 1.2, 1]), 2.4);
    assert.equal(finerThanNyquistError('--lowpass', 2.4, [1.2, 1.2, 1.2]), undefined);
    assert.equal(finerThanNyquistError('--lowpass', undefined, [1.2, 1.2, 1.2]), undefined);
    assert.equal(finerThanNyquistError('--lowpass', 2, [1.2, 1.2, 1.2]), '--lowpass 2 Å is finer than the Nyquist limit of the map (2 × 1.2 Å voxel = 2.4 Å): give 2.4 Å or more');
  });

  it('estimate: --lowpass, -r/--resolution and --lowpass-output below 2 × voxel are refused before any work', async () => {
    for (const [args, re] of [
      [['--lowpass', '3'], /^occupy: error: --lowpass 3 Å is finer than the Nyquist limit of the map \(2 × 2 Å voxel = 4 Å\): give 4 Å or more$/],
      [['-lp', '3.9'], /--lowpass 3\.9 Å is finer than the Nyquist limit/],
      [['-r', '2.5'], /-r\/--resolution 2\.5 Å is finer than the Nyquist limit of the map/],
      [['--amplify', '2', '--lowpass-output', '1'], /--lowpass-output 1 Å is finer than the Nyquist limit of the map \(2 × 2 Å voxel = 4 Å\)/],
      // --angpix replaces the header's voxel size: 3 Å voxels → Nyquist 6 Å
      [['--angpix', '3', '--lowpass', '5'], /--lowpass 5 Å is finer than the Nyquist limit of the map \(2 × 3 Å voxel = 6 Å\)/],
      // --max-box 16 halves the sampling: the low-pass applies in the processing box (4 Å voxels, Nyquist 8 Å)
      [['--max-box', '16', '--lowpass', '6'], /--lowpass 6 Å is finer than the Nyquist limit of the processing box 16x16x16 \(--max-box 16\) \(2 × 4 Å voxel = 8 Å\): give 8 Å or more, or process at full size with --max-box 0$/],
    ] as [string[], RegExp][]) {
      const out = join(work, 'est', 'x.mrc');
      const r = await occupy(['-i', MAP, ...args, '-o', out, '-q']);
      assertUsageError(r, re, args.join(' '));
      assert.ok(!existsSync(out) && !existsSync(join(work, 'est', 'scale_res_x.mrc')), 'nothing written');
    }
  });

  it('estimate (CLI and library): a low-pass coarser than the box is refused naming the box (session 50: "histogram: all … values equal 0")', async () => {
    // the 32³ map of 2 Å voxels spans 64 Å
    for (const [args, re] of [
      [['--lowpass', '65'], /^occupy: error: --lowpass 65 Å is coarser than the box \(64 Å along its longest edge, 32x32x32 voxels\): no frequency of the box but its mean is within it; give 64 Å or less$/],
      [['-r', '200'], /^occupy: error: -r\/--resolution 200 Å is coarser than the box \(64 Å/],
    ] as [string[], RegExp][]) {
      const out = join(work, 'coarse', 'x.mrc');
      assertUsageError(await occupy(['-i', MAP, ...args, '-o', out, '-q']), re, args.join(' '));
      assert.ok(!existsSync(join(work, 'coarse')), 'nothing written');
    }
    const map = await readMrc(MAP);
    await assert.rejects(estimateLocalScale(map, { lowpassA: 100 }), (e: unknown) => e instanceof OptionError && e.option === 'lowpassA' && /to 64 \(the box's longest extent/.test(e.message));
    const ok = await estimateLocalScale(map, { lowpassA: 64, solventFailure: 'warn' }); // the extent itself passes the check (its solvent model fails: nearly flat)
    assert.equal(ok.scale.data.length, 32 ** 3);
  });

  it('estimate: a low-pass at Nyquist is accepted', async () => {
    const r = await occupyChild(['-i', MAP, '--lowpass', '4', '-o', join(work, 'ok', 'x.mrc'), '-q', '--json']); // the one child-process run of this file
    assert.equal(r.code, 0, r.stderr);
  });

  it('locres --randomize-at / --lowest-resolution and decompose --highest-/--lowest-resolution', async () => {
    assertUsageError(await occupy(['locres', H1, H2, '--randomize-at', '1.5', '-o', join(work, 'l', 'x.mrc'), '-q']), /--randomize-at 1\.5 Å is finer than the Nyquist limit of the map \(2 × 1 Å voxel = 2 Å\)/, 'locres --randomize-at');
    assertUsageError(await occupy(['locres', H1, H2, '--lowest-resolution', '1', '-o', join(work, 'l', 'x.mrc'), '-q']), /--lowest-resolution 1 Å is finer than the Nyquist limit/, 'locres --lowest-resolution');
    assertUsageError(await occupy(['decompose', MAP, '--highest-resolution', '3', '-o', join(work, 'd', 'x.mrc'), '-q']), /--highest-resolution 3 Å is finer than the Nyquist limit of the map \(2 × 2 Å voxel = 4 Å\)/, 'decompose --highest-resolution');
    assertUsageError(await occupy(['decompose', MAP, '--lowest-resolution', '3.5', '-o', join(work, 'd', 'x.mrc'), '-q']), /--lowest-resolution 3\.5 Å is finer than the Nyquist limit/, 'decompose --lowest-resolution');
  });
});

describe('kernel and window sizes', () => {
  it('--kernel-size larger than the processing box is refused (with and without --max-box)', async () => {
    assertUsageError(await occupy(['-i', MAP, '--kernel-size', '33', '-o', join(work, 'k', 'x.mrc'), '-q']), /--kernel-size must be an odd integer in 1\.\.31 for this map \(processing box 32x32x32: the kernel must fit it\), got 33/, 'kernel 33');
    assertUsageError(await occupy(['-i', MAP, '--max-box', '16', '--kernel-size', '17', '-o', join(work, 'k', 'x.mrc'), '-q']), /--kernel-size must be an odd integer in 1\.\.15 for this map \(processing box 16x16x16/, 'kernel 17, max-box 16');
  });

  it(`locres --window below ${LOCAL_FSC_WINDOW_MIN} is refused naming the option and why`, async () => {
    assertUsageError(
      await occupy(['locres', H1, H2, '--window', '12', '-o', join(work, 'w', 'x.mrc'), '-q']),
      /^occupy: error: --window must be an even integer in 16\.\.\(smallest edge of the box\): a smaller Hann window leaves fewer than two independent FSC shells .*got '12'$/,
      'window 12',
    );
    const ok = await occupy(['locres', H1, H2, '--window', '16', '--step', '8', '-o', join(work, 'w', 'x.mrc'), '-q', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('the window minimum: FSC noise at the Nyquist shell of a Hann window is ≥ 0.12 at w = 8 and < 0.08 at w = 16', async () => {
    await loadFft();
    const g = gaussianSampler(mulberry32(9));
    const sdAtNyquist = (w: number, trials: number) => {
      const hann = new Float32Array(w ** 3);
      const h = (i: number) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / w);
      for (let z = 0; z < w; z++) for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) hann[(z * w + y) * w + x] = h(x) * h(y) * h(z);
      let s = 0, s2 = 0;
      for (let t = 0; t < trials; t++) {
        const cube = () => ({ data: Float32Array.from({ length: w ** 3 }, () => g()), shape: [w, w, w] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] });
        const f = fourierShellCorrelation(cube(), cube(), hann).fsc[w / 2];
        s += f; s2 += f * f;
      }
      return Math.sqrt(s2 / trials - (s / trials) ** 2);
    };
    const sd8 = sdAtNyquist(8, 150);
    const sd16 = sdAtNyquist(LOCAL_FSC_WINDOW_MIN, 150);
    assert.ok(sd8 >= 0.12, `w = 8: sd ${sd8.toFixed(3)} (a 0.143 crossing is noise)`);
    assert.ok(sd16 < 0.08, `w = 16: sd ${sd16.toFixed(3)}`);
  });
});

describe('masks from a map that is not a scale map', () => {
  it('notScaleMapWarning: none for values in [0, 1], one line with the range otherwise', () => {
    assert.equal(notScaleMapWarning('s.mrc', Float32Array.from([0, 0.5, 1])), undefined);
    assert.equal(notScaleMapWarning('d.mrc', Float32Array.from([-0.5, 0.2, 3])), 'd.mrc is not a scale map in [0, 1] (values from -0.5 to 3): the mask clips them to [0, 1] and means nothing; give the scale_occ_*/scale_res_* map that occupy wrote, not a density map');
  });

  it('subtraction-mask and soldef warn once, even with -q, and list it in --json; a scale map gives no warning', async () => {
    const sub = await occupy(['subtraction-mask', MAP, '--attenuate', '3', '-o', join(work, 'm', 'sub.mrc'), '-q']);
    assert.equal(sub.code, 0, sub.stderr);
    assert.deepEqual(sub.stderr.trim().split('\n').map((l) => l.replace(/\(values from .*?\)/, '(…)')), [`WARNING: ${MAP} is not a scale map in [0, 1] (…): the mask clips them to [0, 1] and means nothing; give the scale_occ_*/scale_res_* map that occupy wrote, not a density map`]);
    const sol = await occupy(['soldef', MAP, '--threshold', '0.2', '-o', join(work, 'm', 'sol.mrc'), '--json']);
    assert.equal(sol.code, 0, sol.stderr);
    assert.equal(sol.stderr.trim().split('\n').length, 1);
    assert.equal(JSON.parse(sol.stdout).warnings.length, 1);
    // a real scale map: estimate first, then no warning
    const est = await occupy(['-i', MAP, '--occupancy', '-o', join(work, 'm', 'map.mrc'), '-q', '--json']);
    assert.equal(est.code, 0, est.stderr);
    const scale = join(work, 'm', 'scale_occ_map.mrc');
    const clean = await occupy(['soldef', scale, '--threshold', '0.2', '-o', join(work, 'm', 'sol2.mrc'), '--json']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.deepEqual(JSON.parse(clean.stdout).warnings, []);
    assert.equal(clean.stderr.trim(), '');
  });
});

describe('star join of one file twice', () => {
  it('is refused, also when given once relative and once absolute', async () => {
    const star = join(work, 'a.star');
    writeFileSync(star, 'data_optics\n\nloop_\n_rlnOpticsGroupName #1\n_rlnOpticsGroup #2\n_rlnImagePixelSize #3\nopticsGroup1 1 1.0\n\ndata_particles\n\nloop_\n_rlnImageName #1\n_rlnOpticsGroup #2\n1@a.mrcs 1\n');
    const r = await occupy(['star', 'join', star, relative(process.cwd(), star), '-o', join(work, 'j.star')]);
    assertUsageError(r, /are the same file: joining it with itself would duplicate every particle/, 'star join');
    assert.ok(!existsSync(join(work, 'j.star')));
  });
});
