/**
 * Benchmark (not a test): `npm run bench [-- --sizes 128,256,384,512 --runs 3 --max-box 256]`.
 *
 * For each box size it generates a deterministic synthetic map (two domains of pseudo-atoms at
 * occupancy 1.0 and 0.5, 1.2 Å voxels, 4 Å, SNR 4), then prints
 * - the median per-phase time of the default estimate run in-process,
 * - the median wall time and peak RSS of the whole `occupy` CLI process (GNU time),
 * and, once, the speed-up of the spherical max filter over the brute-force reference.
 * Medians over `--runs` runs: these machines are noisy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeMrc } from '../src/io/mrc/index.js';
import { loadFft } from '../src/math/fft.js';
import { estimateLocalScale } from '../src/occupancy/estimate.js';
import { sphericalKernel } from '../src/occupancy/kernel.js';
import { sphericalMaxFilter, sphericalMaxFilterBruteForce } from '../src/filters/max-filter.js';
import { occupancyPhantom } from '../src/synthetic/phantom.js';
import { mulberry32 } from '../src/math/random.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const sizes = arg('sizes', '128,256').split(',').map(Number);
const runs = Number(arg('runs', '3'));
const maxBox = Number(arg('max-box', '256'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const root = resolve(import.meta.dirname ?? '.', '..');
const cli = join(root, 'bin/occupy.js');
if (!existsSync(join(root, 'dist/cli/index.js'))) throw new Error('run `npm run build` first (npm run bench does)');

console.log(`occupy-ts benchmark — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ${runs} runs, median; --max-box ${maxBox}`);
await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-bench-'));
try {
  const phaseNames = ['read', 'resample', 'low-pass', 'solvent model', 'tiles', 'max filter', 'confidence', 'write'];
  const rows: string[][] = [];
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
    // in-process phases
    const phases: Record<string, number[]> = {};
    for (let r = 0; r < runs; r++) {
      const res = estimateLocalScale(map, { maxBox });
      for (const [k, v] of Object.entries(res.timingsS)) (phases[k] ??= []).push(v);
    }
    // whole CLI process
    const walls: number[] = [];
    const cliPhases: Record<string, number[]> = {};
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      const out = execFileSync(process.execPath, [cli, '-i', path, '-o', join(dir, `out_${n}.mrc`), '--max-box', String(maxBox), '--json', '--quiet'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      walls.push((performance.now() - t0) / 1000);
      const summary = JSON.parse(out) as { timingsS: Record<string, number> };
      for (const [k, v] of Object.entries(summary.timingsS)) (cliPhases[k] ??= []).push(v);
    }
    // peak RSS of one more CLI run, from GNU time
    const peak = peakRss(path, join(dir, `out_${n}.mrc`));
    const mapMiB = (n ** 3 * 4) / 2 ** 20;
    rows.push([
      `${n}³`,
      ...phaseNames.map((p) => (p === 'read' || p === 'write' ? median(cliPhases[p] ?? [0]) : median(phases[p] ?? [0])).toFixed(2)),
      median(walls).toFixed(2),
      `${(peak / 1024).toFixed(0)} MiB (${(peak / 1024 / mapMiB).toFixed(1)}× map)`,
    ]);
  }
  const header = ['box', ...phaseNames, 'CLI wall s', 'CLI peak RSS'];
  console.log('\nPer-phase seconds (read/write from the CLI process, the rest in-process):');
  printTable(header, rows);

  // kernel speed-up against the plain reference kept for the tests
  const n = 64;
  const rand = mulberry32(5);
  const data = new Float32Array(n ** 3).map(() => rand());
  const krows: string[][] = [];
  for (const [k, r] of [[3, 1.5], [5, 2.3], [7, 3.33], [9, 4]] as const) {
    const kernel = sphericalKernel(k, r);
    const tFast = timeMedian(() => sphericalMaxFilter(data, [n, n, n], kernel), runs);
    const tBrute = timeMedian(() => sphericalMaxFilterBruteForce(data, [n, n, n], kernel), runs);
    krows.push([`k=${k} r=${r} (n_v ${kernel.nSamples})`, (tBrute * 1000).toFixed(0), (tFast * 1000).toFixed(0), (tBrute / tFast).toFixed(1) + '×']);
  }
  console.log(`\nSpherical max filter on ${n}³ (ms):`);
  printTable(['kernel', 'brute force', 'decomposed', 'speed-up'], krows);
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
    const lrows = [['occupy locres (local FSC, whole process)', median(walls).toFixed(1)]];
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
function peakRss(input: string, output: string): number {
  const out = execFileSync('bash', ['-c', `/usr/bin/time -f %M "${process.execPath}" "${cli}" -i "${input}" -o "${output}" --max-box ${maxBox} --quiet 2>&1 1>/dev/null`], { encoding: 'utf8' });
  const m = /(\d+)\s*$/.exec(out.trim());
  return m ? Number(m[1]) : Number.NaN;
}

function printTable(header: string[], rows: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}
