/**
 * Benchmark of issue 18's resolution methods (not a test): `node --import tsx
 * bench/resolution-methods.ts [--runs 3] [--no-accuracy] [--no-speed] [--from-source]`; `npm run bench`
 * runs it (with the build; `--from-source` runs the CLI from the TypeScript sources instead).
 *
 * Speed (issue 18 targets: directional FSC on 256³ ≤ 10 s, MonoDir on 128³ ≤ 60 s): the library
 * call (median of `--runs`) and the whole `occupy` process (wall s, peak RSS from GNU time when
 * available) for `fsc --directional` on a 256³ pair, `locres --method monodir` on a 128³ pair,
 * `locres --shells` and `--method resmap` on synth_halves128, and `locres --method monotomo` on a
 * 384×384×96 slab (peak RSS against 3× the two inputs).
 *
 * Accuracy on synthetic truth (the README's table): directional FSC and MonoDir on half maps cut
 * to 7 Å along an oblique axis and 3.5 Å across; radial shells and ResMap-style on
 * ../shared/reference/synth_halves128 (and ResMap-style on three four-domain cases); MonoTomo on a
 * slab whose noise grows along x. MAE = mean |estimate − truth|, bias = median(estimate − truth).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadFft } from '../src/math/fft.js';
import { readMrc, writeMrc } from '../src/io/mrc/index.js';
import type { Vec3, Volume } from '../src/core/volume.js';
import { anisotropicHalfMaps } from '../src/resolution/anisotropic-phantom.js';
import { axisAngleDeg, directionalFsc } from '../src/resolution/directional-fsc.js';
import { monoDir } from '../src/resolution/monodir.js';
import { radialShellResolution } from '../src/resolution/radial-shells.js';
import { resMapLocalResolution } from '../src/resolution/resmap.js';
import { monoTomoLocalResolution } from '../src/resolution/monotomo.js';
import { accuracyFigures, spearman } from '../src/resolution/accuracy.js';
import { labelSummary } from '../src/resolution/label-summary.js';
import { fourDomainHalfMaps } from '../src/resolution/half-map-phantom.js';
import { printTable } from './markdown-table.js';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const runs = Number(arg('runs', '3'));
const root = resolve(import.meta.dirname ?? '.', '..');
const halvesDir = resolve(root, '../shared/reference/synth_halves128');
const builtCli = join(root, 'bin/occupy.js');
/** The CLI: the build when present (npm run bench builds it), else from sources with tsx. */
const cliArgs = existsSync(join(root, 'dist/cli/index.js')) && !process.argv.includes('--from-source') ? [builtCli] : ['--import', import.meta.resolve('tsx'), join(root, 'test/helpers/run-cli.ts')];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const hasTime = existsSync('/usr/bin/time');

/** Wall seconds and peak RSS (KiB, NaN without GNU time) of one `occupy` run. */
function cliRun(args: string[], cwd: string): { seconds: number; rssKiB: number } {
  const t0 = performance.now();
  let rss = Number.NaN;
  if (hasTime) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...cliArgs, ...args, '-q'], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`occupy ${args.join(' ')} failed: ${r.stderr}`);
    rss = Number(/(\d+)\s*$/.exec(r.stderr.trim())?.[1] ?? Number.NaN);
  } else execFileSync(process.execPath, [...cliArgs, ...args, '-q'], { cwd, stdio: 'ignore' });
  return { seconds: (performance.now() - t0) / 1000, rssKiB: rss };
}

function timed<T>(fn: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/** Two domains of radius r in an n³ box at 1 Å: domain 1 cut to `along1` Å along `axis` and 3.5 Å across, domain 2 to `along2`. */
function anisotropicPair(n: number, axis: Vec3, along1: number, along2: number, seed: number, radiusA = 14) {
  const c = n / 2;
  return anisotropicHalfMaps({
    shape: [n, n, n], voxelSizeA: 1, snr: 3, seed,
    domains: [
      { centreVoxel: [c - 10, c, c], radiusA, resolutionAlongA: along1, resolutionAcrossA: 3.5, axis },
      { centreVoxel: [c + 10, c + 4, c - 3], radiusA, resolutionAlongA: along2, resolutionAcrossA: 3.5, axis },
    ],
  });
}

const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const med = (a: number[]) => median(a);

console.log(`issue 18 resolution methods — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${runs} runs, median`);
await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-bench-methods-'));
try {
  if (!process.argv.includes('--no-speed')) {
    const rows: string[][] = [];
    // directional FSC, 256³
    const big = anisotropicPair(256, [1, 1, 0.5], 7, 7, 11, 24);
    await writeMrc(join(dir, 'b1.mrc'), big.half1);
    await writeMrc(join(dir, 'b2.mrc'), big.half2);
    const lib = Array.from({ length: runs }, () => timed(() => directionalFsc(big.half1, big.half2)).seconds);
    const cli = Array.from({ length: runs }, () => cliRun(['fsc', 'b1.mrc', 'b2.mrc', '--directional', '-o', 'd256'], dir));
    rows.push(['directional FSC, 256³ (target ≤ 10 s)', fmt(median(lib)), fmt(median(cli.map((c) => c.seconds))), fmt(median(cli.map((c) => c.rssKiB)) / 1024, 0)]);
    // MonoDir, 128³
    const mid = anisotropicPair(128, [1, 1, 0.5], 7, 3.5, 12, 18);
    await writeMrc(join(dir, 'm1.mrc'), mid.half1);
    await writeMrc(join(dir, 'm2.mrc'), mid.half2);
    await writeMrc(join(dir, 'mm.mrc'), { data: mid.mask, shape: mid.half1.shape, voxelSizeA: mid.half1.voxelSizeA });
    const mlib = Array.from({ length: Math.min(runs, 2) }, () => timed(() => monoDir(mid.half1, mid.half2, mid.mask)).seconds);
    const mcli = cliRun(['locres', 'm1.mrc', 'm2.mrc', '--method', 'monodir', '--mask', 'mm.mrc', '-o', 'md/'], dir);
    rows.push([`MonoDir, 128³, mask ${((100 * mid.mask.reduce((s, v) => s + v, 0)) / mid.mask.length).toFixed(1)} % (target ≤ 60 s)`, fmt(median(mlib)), fmt(mcli.seconds), fmt(mcli.rssKiB / 1024, 0)]);
    if (existsSync(halvesDir)) {
      const h = (f: string) => join(halvesDir, f);
      const s = cliRun(['locres', h('half1.mrc.gz'), h('half2.mrc.gz'), '--shells', '--centre', '75.305,71.223,54.598', '--mask', h('truth_mask.mrc.gz'), '-o', 'sh/'], dir);
      rows.push(['radial shells, synth_halves128 (whole process)', '', fmt(s.seconds), fmt(s.rssKiB / 1024, 0)]);
      const r = cliRun(['locres', h('half1.mrc.gz'), h('half2.mrc.gz'), '--method', 'resmap', '--mask', h('truth_mask.mrc.gz'), '-o', 'rm/'], dir);
      rows.push(['ResMap-style, synth_halves128 half maps (whole process)', '', fmt(r.seconds), fmt(r.rssKiB / 1024, 0)]);
    }
    // MonoTomo on a slab: peak RSS against 3× the two inputs
    const [sx, sy, sz] = [384, 384, 96];
    const domains = [];
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) if ((i + j) % 2 === 0) domains.push({ centreVoxel: [32 + i * 64, 32 + j * 64, 48] as Vec3, radiusA: 36, resolutionAlongA: 12, resolutionAcrossA: 12 });
    const slab = anisotropicHalfMaps({ shape: [sx, sy, sz], voxelSizeA: 4, snr: 3, noiseGrowthX: 3, seed: 5, atomFwhmA: 6, domains });
    await writeMrc(join(dir, 't1.mrc'), slab.half1);
    await writeMrc(join(dir, 't2.mrc'), slab.half2);
    await writeMrc(join(dir, 'tm.mrc'), { data: slab.mask, shape: slab.half1.shape, voxelSizeA: slab.half1.voxelSizeA });
    const inputsMiB = (2 * 4 * sx * sy * sz) / 2 ** 20;
    const t = cliRun(['locres', 't1.mrc', 't2.mrc', '--method', 'monotomo', '--mask', 'tm.mrc', '-o', 'mt/'], dir);
    rows.push([`MonoTomo, ${sx}×${sy}×${sz} slab (inputs ${inputsMiB.toFixed(0)} MiB; 3× = ${(3 * inputsMiB).toFixed(0)} MiB)`, '', fmt(t.seconds), fmt(t.rssKiB / 1024, 0)]);
    console.log('\nSpeed (seconds; whole process = the `occupy` CLI, including reading, diagnostics and writing):');
    printTable(['method', 'library s', 'whole process s', 'peak RSS MiB'], rows);
  }

  if (!process.argv.includes('--no-accuracy')) {
    const rows: string[][] = [];
    // directional FSC: anisotropic (oblique axis) and the same halves isotropic
    const axis: Vec3 = [0.3, -0.8, 0.5];
    const an = anisotropicPair(96, axis, 7, 7, 3);
    const iso = anisotropicPair(96, axis, 3.5, 3.5, 3);
    const d = timed(() => directionalFsc(an.half1, an.half2));
    const di = directionalFsc(iso.half1, iso.half2);
    rows.push(['directional FSC, 96³, 7 Å along an oblique axis / 3.5 Å across (isotropic control)', `worst ${fmt(d.value.worstResolutionA)} Å (7), best ${fmt(d.value.bestResolutionA)} Å (3.5), worst/best ${fmt(d.value.worstResolutionA / d.value.bestResolutionA)}, worst direction ${fmt(axisAngleDeg(d.value.worstDirection, axis), 1)}° off, sphericity ${fmt(d.value.sphericity, 3)} (control ${fmt(di.sphericity, 3)})`, fmt(d.seconds)]);
    // MonoDir: both domains anisotropic, then only one
    const md = timed(() => monoDir(an.half1, an.half2, an.mask));
    const lo = accuracyFigures(md.value.lowestA, an.truthWorstA, an.mask);
    const hi = accuracyFigures(md.value.highestA, an.truthBestA, an.mask);
    rows.push(['MonoDir, 96³, both domains 7 / 3.5 Å', `worstDirection ${fmt(axisAngleDeg(md.value.worstDirection, axis), 1)}° off; lowest vs 7 Å: MAE ${fmt(lo.maeA)}, bias ${fmt(lo.medianBiasA)}; highest vs 3.5 Å: MAE ${fmt(hi.maeA)}, bias ${fmt(hi.medianBiasA)}; anisotropy median ${fmt(md.value.medianAnisotropy, 3)} (0.5)`, fmt(md.seconds)]);
    const one = anisotropicPair(96, [1, 1, 0.5], 7, 3.5, 2);
    const m1 = monoDir(one.half1, one.half2, one.mask);
    const anis = [1, 2].map((L) => med(Array.from(one.labels).flatMap((l, i) => (l === L ? [m1.anisotropy[i]] : []))));
    rows.push(['MonoDir, 96³, only domain 1 anisotropic', `median anisotropy ${fmt(anis[0], 3)} (anisotropic domain) vs ${fmt(anis[1], 3)} (isotropic)`, '']);
    if (existsSync(halvesDir)) {
      const rd = async (f: string) => (await readMrc(join(halvesDir, f))).volume;
      const h1 = await rd('half1.mrc.gz'), h2 = await rd('half2.mrc.gz');
      const mask = (await rd('truth_mask.mrc.gz')).data, truth = (await rd('truth_resolution.mrc.gz')).data, labels = (await rd('truth_labels.mrc.gz')).data;
      // radial shells about the 8 Å domain
      const c: Vec3 = [75.305, 71.223, 54.598];
      const sh = timed(() => radialShellResolution(h1, h2, { centreVoxel: c, mask }));
      const est: number[] = [], tru: number[] = [];
      for (const s of sh.value.shells) {
        if (s.voxels < 500) continue;
        const v: number[] = [];
        for (let z = 0; z < 128; z++) for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) {
          const i = (z * 128 + y) * 128 + x;
          const r = Math.hypot(x - c[0], y - c[1], z - c[2]);
          if (mask[i] > 0.5 && r >= s.innerA && r < s.outerA) v.push(truth[i]);
        }
        est.push(s.resolutionA);
        tru.push(med(v));
      }
      const diffs = est.map((e, i) => e - tru[i]);
      rows.push(['radial shells, synth_halves128 about the 8 Å domain (4 Å shells, ≥ 500 voxels)', `Spearman ${fmt(spearman(est, tru), 3)} over ${est.length} shells; MAE ${fmt(diffs.reduce((s, x) => s + Math.abs(x), 0) / diffs.length)} Å, median bias ${fmt(med(diffs))} Å`, fmt(sh.seconds)]);
      const mean: Volume = { ...h1, data: Float32Array.from(h1.data, (v, i) => 0.5 * (v + h2.data[i])) };
      for (const [label, input] of [['half maps', { half1: h1, half2: h2 }], ['one map + mask', { map: mean }]] as const) {
        const r = timed(() => resMapLocalResolution(input, mask));
        const a = accuracyFigures(r.value.resolution, truth, mask);
        rows.push([`ResMap-style, synth_halves128, ${label}`, `MAE ${fmt(a.maeA)} Å, bias ${fmt(a.medianBiasA)} Å, r ${fmt(a.r, 3)}; domain medians ${labelSummary(r.value.resolution, labels, mask).map((l) => fmt(l.medianA)).join(' / ')} (3 / 5 / 8 / 3)`, fmt(r.seconds)]);
      }
    }
    for (const [a, res, snr] of [[0.9, [3, 5, 8, 4], 3], [1.2, [4, 6, 10, 3], 2], [1.5, [3.5, 5, 7, 10], 4]] as [number, [number, number, number, number], number][]) {
      const p = fourDomainHalfMaps(a, res, snr, 1);
      const r = timed(() => resMapLocalResolution({ half1: p.half1, half2: p.half2 }, p.mask));
      const f = accuracyFigures(r.value.resolution, p.truthResolutionA, p.mask);
      rows.push([`ResMap-style, ${a} Å, ${res.join(' / ')} Å, SNR ${snr}`, `MAE ${fmt(f.maeA)} Å, bias ${fmt(f.medianBiasA)} Å, r ${fmt(f.r, 3)}; domain medians ${labelSummary(r.value.resolution, p.labels, p.mask).map((l) => fmt(l.medianA)).join(' / ')}`, fmt(r.seconds)]);
    }
    // MonoTomo: slab with noise growing along x
    const [nx, ny, nz] = [256, 128, 64];
    const domains = [];
    for (let i = 0; i < 8; i++) for (const y of [34, 94]) domains.push({ centreVoxel: [16 + i * 32, y, 32] as Vec3, radiusA: 18, resolutionAlongA: 7, resolutionAcrossA: 7 });
    const slab = anisotropicHalfMaps({ shape: [nx, ny, nz], voxelSizeA: 2, snr: 3, noiseGrowthX: 3, seed: 7, atomFwhmA: 3, domains });
    const mt = timed(() => monoTomoLocalResolution(slab.half1, slab.half2, { mask: slab.mask }));
    const q: number[] = [];
    for (let b = 0; b < 4; b++) {
      const v: number[] = [];
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = (b * nx) / 4; x < ((b + 1) * nx) / 4; x++) if (slab.mask[(z * ny + y) * nx + x] > 0.5) v.push(mt.value.resolution[(z * ny + y) * nx + x]);
      q.push(med(v));
    }
    const first = accuracyFigures(mt.value.resolution, slab.truthWorstA, Float32Array.from(slab.mask, (m, i) => (m > 0.5 && i % nx < nx / 4 ? 1 : 0)));
    rows.push(['MonoTomo, 256×128×64 slab at 2 Å, 7 Å truth, noise ×1 → ×4 along x', `medians per x quarter ${q.map((v) => fmt(v)).join(' / ')} Å, Spearman ${fmt(spearman(q, [0, 1, 2, 3]), 2)}; first quarter vs 7 Å: MAE ${fmt(first.maeA)}, bias ${fmt(first.medianBiasA)}`, fmt(mt.seconds)]);
    console.log('\nAccuracy on synthetic truth (library calls):');
    printTable(['case', 'result (truth)', 's'], rows);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
