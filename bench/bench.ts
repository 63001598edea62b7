/**
 * Benchmark (not a test): `npm run bench [-- --sizes 128,256,384,512 --runs 5 --max-box 256]`.
 *
 * For each box size it generates a deterministic synthetic map (two domains of pseudo-atoms at
 * occupancy 1.0 and 0.5, 1.2 Å voxels, 4 Å, SNR 4), then prints
 * - the median per-phase time of the default estimate in the CLI process (the local-scale step
 *   runs in a worker thread, so `tiles` and `max filter` overlap `low-pass` … `confidence`),
 * - the median wall time and peak RSS (GNU time) of the whole `occupy` CLI process, each run
 *   writing into a new output folder (overwriting earlier outputs adds the file system's cost of
 *   freeing them, 20–300 ms here),
 * and the speed-up of each optimised kernel over the plain reference kept for the tests.
 * Boxes above `--max-box` (default 256) run with `--max-box 0`, i.e. at full size.
 * Then the large-box table of bench/large-box.ts (256³–1024³, default and `--max-box 0`, with the
 * original OccuPy side by side when `OCCUPY_REF` names its source tree; `--no-large` skips it,
 * `--large-sizes`, `--large-runs`, `--ref-1024` tune it).
 * Medians over `--runs` runs: these machines are noisy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeMrc } from '../src/io/mrc/index.js';
import { loadFft } from '../src/math/fft.js';
import { sphericalKernel } from '../src/occupancy/kernel.js';
import { sphericalMaxFilter, sphericalMaxFilterBruteForce } from '../src/filters/max-filter.js';
import { lowpassHard, lowpassHardFull } from '../src/filters/lowpass.js';
import { fourierResample, fourierResampleFull } from '../src/filters/fourier-resample.js';
import { densityHistogram, densityHistogramReference } from '../src/math/histogram.js';
import { confidenceCurve, confidenceMap, confidenceMapReference } from '../src/occupancy/confidence.js';
import { occupancyPhantom } from '../src/synthetic/phantom.js';
import { halfMapPhantom } from '../src/resolution/half-map-phantom.js';
import { mulberry32 } from '../src/math/random.js';
import { largeBoxArgs, largeBoxTable } from './large-box.js';
import { printTable } from './markdown-table.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const sizes = arg('sizes', '128,256,384,512').split(',').map(Number);
const runs = Number(arg('runs', '5'));
const maxBox = Number(arg('max-box', '256'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const root = resolve(import.meta.dirname ?? '.', '..');
const cli = join(root, 'bin/occupy.js');
if (!existsSync(join(root, 'dist/cli/index.js'))) throw new Error('run `npm run build` first (npm run bench does)');

console.log(`occupy-ts benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${runs} runs, median; --max-box ${maxBox}`);
await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-bench-'));
try {
  const phaseNames = ['read', 'diagnostics', 'diagnostics (overlapped)', 'resample', 'low-pass', 'solvent model', 'tiles', 'max filter', 'confidence', 'write'];
  const rows: string[][] = [];
  const diagnosticsShare: string[] = [];
  for (const n of sizes) {
    const c = n / 2;
    const off = Math.round(n / 8);
    const { map } = occupancyPhantom({
      shape: [n, n, n], voxelSizeA: 1.2, resolutionA: 4, snr: 4, seed: 3,
      domains: [
        { centreVoxel: [c - off, c, c], radiusA: (n * 1.2) / 7, occupancy: 1 },
        { centreVoxel: [c + off, c, c], radiusA: (n * 1.2) / 7, occupancy: 0.5 },
      ],
    });
    const path = join(dir, `bench_${n}.mrc`);
    await writeMrc(path, map);
    const boxArg = n > maxBox ? '0' : String(maxBox);
    // whole CLI process, a new output folder each run
    const walls: number[] = [];
    const cliPhases: Record<string, number[]> = {};
    const shares: number[] = [];
    for (let r = 0; r < runs; r++) {
      const out = mkdtempSync(join(dir, 'out-'));
      const t0 = performance.now();
      const stdout = execFileSync(process.execPath, [cli, '-i', path, '-o', join(out, `out_${n}.mrc`), '--max-box', boxArg, '--json', '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      walls.push((performance.now() - t0) / 1000);
      rmSync(out, { recursive: true, force: true });
      const summary = JSON.parse(stdout) as { seconds: number; timingsS: Record<string, number> };
      for (const [k, v] of Object.entries(summary.timingsS)) (cliPhases[k] ??= []).push(v);
      if (summary.timingsS.diagnostics !== undefined) shares.push((summary.timingsS.diagnostics + (summary.timingsS['diagnostics (overlapped)'] ?? 0)) / summary.seconds);
    }
    // peak RSS of one more CLI run, from GNU time
    const out = mkdtempSync(join(dir, 'out-'));
    const peak = peakRss(path, join(out, `out_${n}.mrc`), boxArg);
    rmSync(out, { recursive: true, force: true });
    rmSync(path, { force: true });
    // issue 15: the input diagnostics should take < 10 % of the estimate (read to write) on 256³
    // (their CPU time: the part before the estimate plus the noise spectrum run while the main thread
    // waits for the worker; the added wall time is measured by bench/diagnostics.ts)
    if (shares.length) diagnosticsShare.push(`${n}³: diagnostics ${median(cliPhases.diagnostics).toFixed(2)} s before the estimate + ${median(cliPhases['diagnostics (overlapped)'] ?? [0]).toFixed(2)} s overlapped, of ${median(walls).toFixed(2)} s CLI wall; CPU share of the estimate ${(100 * median(shares)).toFixed(1)} % (min ${(100 * Math.min(...shares)).toFixed(1)} %); added wall time: bench/diagnostics.ts`);
    const mapMiB = (n ** 3 * 4) / 2 ** 20;
    rows.push([
      `${n}³${boxArg === '0' ? ' (--max-box 0)' : ''}`,
      ...phaseNames.map((p) => median(cliPhases[p] ?? [0]).toFixed(2)),
      median(walls).toFixed(2),
      `${(peak / 1024).toFixed(0)} MiB (${(peak / 1024 / mapMiB).toFixed(1)}× map)`,
    ]);
  }
  const header = ['box', ...phaseNames, 'CLI wall s', 'CLI peak RSS'];
  console.log('\nPer-phase seconds of the CLI process (tiles and max filter run in a worker thread, overlapping low-pass … confidence), whole-process wall time and peak RSS:');
  printTable(header, rows);
  console.log(`\nInput diagnostics (issue 15, target < 10 % of the estimate on 256³; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  for (const line of diagnosticsShare) console.log(`- ${line}`);

  // kernel speed-ups against the plain references kept for the tests
  const n = 64;
  const rand = mulberry32(5);
  const data = new Float32Array(n ** 3).map(() => rand());
  const krows: string[][] = [];
  for (const [k, r] of [[3, 1.5], [5, 2.3], [7, 3.33], [9, 4]] as const) {
    const kernel = sphericalKernel(k, r);
    const tFast = timeMedian(() => sphericalMaxFilter(data, [n, n, n], kernel), runs);
    const tBrute = timeMedian(() => sphericalMaxFilterBruteForce(data, [n, n, n], kernel), runs);
    krows.push([`max filter ${n}³, k=${k} r=${r} (n_v ${kernel.nSamples})`, (tBrute * 1000).toFixed(0), (tFast * 1000).toFixed(0), (tBrute / tFast).toFixed(1) + '×']);
  }
  {
    const m = 256;
    const big = new Float32Array(m ** 3).map(() => rand());
    const vol = { data: big, shape: [m, m, m] as [number, number, number], voxelSizeA: [1.2, 1.2, 1.2] as [number, number, number] };
    const tFull = timeMedian(() => lowpassHardFull(vol, 8, 'original'), runs);
    const tPruned = timeMedian(() => lowpassHard(vol, 8, 'original'), runs);
    krows.push([`low-pass ${m}³ to 8 Å (full 3D kissfft vs pruned, PFFFT)`, (tFull * 1000).toFixed(0), (tPruned * 1000).toFixed(0), (tFull / tPruned).toFixed(1) + '×']);
    // Fourier crop of the default --max-box 256 (full 3D transforms vs pruned separable ones); the
    // 512³ map is made from the 256³ noise, and at most 3 runs each (the full one takes seconds)
    {
      const c = 512;
      const src = new Float32Array(c ** 3);
      for (let i = 0; i < src.length; i += big.length) src.set(big.subarray(0, Math.min(big.length, src.length - i)), i);
      const large = { data: src, shape: [c, c, c] as [number, number, number], voxelSizeA: [0.8, 0.8, 0.8] as [number, number, number] };
      const k = Math.min(runs, 3);
      const tCropFull = timeMedian(() => fourierResampleFull(large, [m, m, m]), k);
      const tCrop = timeMedian(() => fourierResample(large, [m, m, m]), k);
      krows.push([`Fourier crop ${c}³ → ${m}³ (full 3D kissfft vs pruned separable)`, (tCropFull * 1000).toFixed(0), (tCrop * 1000).toFixed(0), (tCropFull / tCrop).toFixed(1) + '×']);
    }
    const tHistRef = timeMedian(() => densityHistogramReference(big, 1000), runs);
    const tHist = timeMedian(() => densityHistogram(big, 1000), runs);
    krows.push([`histogram ${m}³, 1000 bins (JavaScript vs SIMD)`, (tHistRef * 1000).toFixed(0), (tHist * 1000).toFixed(0), (tHistRef / tHist).toFixed(1) + '×']);
    const curve = confidenceCurve(big, { c: 1, mu: 0.5, sigma: 0.2 });
    const tConfRef = timeMedian(() => confidenceMapReference(big, curve), runs);
    const tConf = timeMedian(() => confidenceMap(big, curve), runs);
    krows.push([`confidence lookup ${m}³ (JavaScript vs SIMD)`, (tConfRef * 1000).toFixed(0), (tConf * 1000).toFixed(0), (tConfRef / tConf).toFixed(1) + '×']);
  }
  console.log('\nKernels against their plain references (ms, median):');
  printTable(['kernel', 'reference', 'optimised', 'speed-up'], krows);
  // batch: 16 small maps on one and on two worker processes (whole CLI process)
  {
    const bdir = join(dir, 'batch-maps');
    execFileSync('mkdir', ['-p', bdir]);
    const n = 128;
    for (let k = 0; k < 16; k++) {
      const c = n / 2;
      const { map } = occupancyPhantom({ shape: [n, n, n], voxelSizeA: 1.5, resolutionA: 5, snr: 4, seed: 200 + k, domains: [{ centreVoxel: [c - 8, c, c], radiusA: 14, occupancy: 1 }, { centreVoxel: [c + 9, c, c], radiusA: 12, occupancy: 0.5 }] });
      await writeMrc(join(bdir, `m${String(k).padStart(2, '0')}.mrc`), map);
    }
    const brows: string[][] = [];
    const times: Record<number, number> = {};
    for (const jobs of [1, 2]) {
      const walls: number[] = [];
      for (let r = 0; r < runs; r++) {
        const out = join(dir, `batch-out-${jobs}-${r}`);
        const t0 = performance.now();
        execFileSync(process.execPath, [cli, 'batch', bdir, '-d', out, '--jobs', String(jobs), '-q'], { stdio: 'ignore' });
        walls.push((performance.now() - t0) / 1000);
      }
      times[jobs] = median(walls);
      brows.push([`--jobs ${jobs}`, times[jobs].toFixed(2), jobs === 1 ? '1.00×' : `${(times[1] / times[jobs]).toFixed(2)}×`]);
    }
    console.log('\nBatch of 16 maps (128³), whole CLI process:');
    printTable(['workers', 'wall s', 'speed-up'], brows);
  }

  // local resolution on the synthetic half maps with ground truth, against RELION
  const halves = resolve(root, '../shared/reference/synth_halves128');
  if (existsSync(halves)) {
    const args = ['locres', join(halves, 'half1.mrc.gz'), join(halves, 'half2.mrc.gz'), '--mask', join(halves, 'truth_mask.mrc.gz'), '-o', join(dir, 'locres.mrc'), '-q'];
    const walls: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      execFileSync(process.execPath, [cli, ...args], { stdio: 'ignore' });
      walls.push((performance.now() - t0) / 1000);
    }
    const lrows = [['occupy locres (calibrated local FSC, whole process)', median(walls).toFixed(1)]];
    // the same content on a 256³ box (issue 16: calibrated default with a mask in ≤ 15 s)
    const big = halfMapPhantom({
      shape: [256, 256, 256], voxelSizeA: 1, snr: 3, seed: 16,
      domains: [-1, 1].flatMap((i) => [-1, 1].flatMap((j) => [-1, 1].map((k, m) => ({ centreVoxel: [128 + 24 * i, 128 + 24 * j, 128 + 24 * k] as [number, number, number], radiusA: 24, resolutionA: [3, 4, 5, 6, 8, 3.5, 4.5, 7][((i + 1) / 2) * 4 + ((j + 1) / 2) * 2 + m] })))),
    });
    const bigDir = join(dir, 'locres256');
    mkdirSync(bigDir);
    await writeMrc(join(bigDir, 'h1.mrc'), big.half1);
    await writeMrc(join(bigDir, 'h2.mrc'), big.half2);
    await writeMrc(join(bigDir, 'mask.mrc'), { data: big.mask, shape: big.half1.shape, voxelSizeA: big.half1.voxelSizeA });
    for (const [label, extra] of [['occupy locres 256³ (calibrated default, mask 2.8 %)', []], ['occupy locres 256³ --no-whiten --threshold 0.143 (before issue 16)', ['--no-whiten', '--threshold', '0.143']], ['occupy locres 256³ --relion (sampling 25 Å)', ['--relion']]] as [string, string[]][]) {
      const bw: number[] = [];
      for (let r = 0; r < Math.min(runs, 3); r++) {
        const t0 = performance.now();
        execFileSync(process.execPath, [cli, 'locres', join(bigDir, 'h1.mrc'), join(bigDir, 'h2.mrc'), '--mask', join(bigDir, 'mask.mrc'), '-o', join(bigDir, 'out.mrc'), '-q', ...extra], { stdio: 'ignore' });
        bw.push((performance.now() - t0) / 1000);
      }
      lrows.push([label, median(bw).toFixed(1)]);
    }
    if (process.argv.includes('--relion')) {
      // RELION 3.1 from Debian's package, run side by side on the same machine
      const work = mkdtempSync(join(tmpdir(), 'occupy-bench-relion-'));
      execFileSync('bash', ['-c', `zcat "${join(halves, 'half1.mrc.gz')}" > "${work}/h1.mrc" && zcat "${join(halves, 'half2.mrc.gz')}" > "${work}/h2.mrc"`]);
      const t0 = performance.now();
      execFileSync('relion_postprocess', ['--i', 'h1.mrc', '--i2', 'h2.mrc', '--angpix', '1.0', '--locres', '--locres_sampling', '10', '--o', 'pp'], { cwd: work, stdio: 'ignore' });
      lrows.push(['relion_postprocess --locres --locres_sampling 10', ((performance.now() - t0) / 1000).toFixed(1)]);
      rmSync(work, { recursive: true, force: true });
    } else {
      lrows.push(['relion_postprocess --locres (reference README: 3.0 min; run with --relion to measure)', '180.0']);
    }
    console.log('\nLocal resolution, synth_halves128 (128³, 1 Å), seconds:');
    printTable(['program', 'wall s'], lrows);
  }
  // large boxes, ours and (with OCCUPY_REF) the original OccuPy side by side
  if (!process.argv.includes('--no-decompose')) {
    // occupy decompose on a 256³ phantom, one map, half maps and half maps with --sharpen (bench/decompose-speed.ts; --no-decompose skips it)
    console.log('\noccupy decompose, 256³ phantom (issue 17 targets: one map <= 20 s, half maps <= 30 s):');
    execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'decompose-speed.ts'), '--box', '256', '--runs', '1'], { stdio: 'inherit' });
  }
  if (!process.argv.includes('--no-resolution-methods')) {
    // issue 18: directional FSC, MonoDir, radial shells, ResMap-style, MonoTomo (bench/resolution-methods.ts; --no-resolution-methods skips it)
    console.log('\nIssue 18 resolution methods (targets: directional FSC 256³ <= 10 s, MonoDir 128³ <= 60 s):');
    execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'resolution-methods.ts'), '--runs', String(Math.min(runs, 3))], { stdio: 'inherit' });
  }
  if (!process.argv.includes('--no-library')) {
    // the library in a classification loop: 100 in-memory estimates in one process next to 100 CLI processes (bench/library-loop.ts; --no-library skips it)
    console.log('\nLibrary in a classification loop (issue 14): maps per second and peak RSS:');
    execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'library-loop.ts')], { stdio: 'inherit' });
  }
  if (!process.argv.includes('--no-large')) {
    console.log(`\nLarge boxes: median of ${largeBoxArgs(dir, cli).runs} whole CLI processes each (wall s, peak RSS from GNU time), load ${loadavg().map((l) => l.toFixed(1)).join(' ')}:`);
    await largeBoxTable(largeBoxArgs(dir, cli));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function timeMedian(fn: () => unknown, k: number): number {
  const t: number[] = [];
  for (let i = 0; i < k; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

/** Peak RSS in KiB of one CLI run, from GNU time's %M on stderr. */
function peakRss(input: string, output: string, boxArg: string): number {
  const out = execFileSync('bash', ['-c', `/usr/bin/time -f %M "${process.execPath}" "${cli}" -i "${input}" -o "${output}" --max-box ${boxArg} --quiet 2>&1 1>/dev/null`], { encoding: 'utf8' });
  const m = /(\d+)\s*$/.exec(out.trim());
  return m ? Number(m[1]) : Number.NaN;
}

