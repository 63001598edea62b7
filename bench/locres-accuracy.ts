/**
 * Local-resolution accuracy against ground truth (a measurement, not a test):
 * `node --import tsx bench/locres-accuracy.ts [--cases all|halves|synthetic] [--methods localfsc,relion,monores]
 *  [--threshold T] [--window-a A] [--step N] [--z Z] [--only i,j]` (`--methods …,relion313` also runs RELION 3.1.3's own
 *  `relion_postprocess --locres --locres_sampling 10` (Debian's package; minutes a case) and gives the four figures against it and
 *  the `--relion` reproduction's distance from it; `--only`: synthetic cases by index;
 *  `--no-grid-median` / `--no-broadening` turn off localFsc's grid median / Hann broadening correction; `--cases heldout` six cases not used to fit the SNR-aware threshold, `all-heldout` both sets,
 *  `validation` four more, `everything` all of them, `fresh` / `fresh2` eight / six random ones, never fitted on;
 *  `random[:SEED0[:N]]` N cases drawn at random from seeds SEED0… and made the way the shared references were (`referenceStyleHalfMaps`, the calibration set since the second refit);
 *  `layout[:SEED0[:N]]` the same with `synth_halves128`'s layout (finest / mid / coarse / finest, `referenceLayoutCase`);
 *  `--fit-threshold [--sample-z Z]` (default Z the built-in 0.3) prints each case's zero-bias threshold and the fitted `t = a + b·ln C₀`;
 *  `--domain-thresholds` prints each domain's zero-bias threshold (one threshold for the whole map, interpolated over nine runs) and
 *  how well `a + b·ln C₀ + c·L` and the same plus `g·ln(d / d_global)` fit them (docs/local-resolution.md *A threshold per shell*);
 *  `--ab a,b` runs with that rule instead of the built-in one; `--window-cap A` / `--window-factor F`: the
 *  default window capped at A Å / F × the global resolution instead of 6 × (issue 16: tried for the
 *  coarse random maps and not adopted, see docs/local-resolution.md)).
 *
 * Cases: `../shared/reference/synth_halves128` (with RELION 3.1.3's own map as a row), and
 * synthetic half maps from `src/resolution/half-map-phantom.ts` with voxel sizes 0.9–1.5 Å,
 * domain resolutions 3–10 Å and SNR 2–4. For each method: mean absolute error (MAE, Å), median of
 * (estimate − truth) (bias, Å), Pearson r with the truth inside the mask, % of mask voxels at the
 * finest value (Nyquist, or the content limit where local FSC's content rule fired) and % of those
 * whose truth is coarser than it by more than one box shell (issue 16's fourth figure:
 * `finestValueShare`), per-domain medians, the 90 % interval's coverage of the truth at voxels
 * at least one window radius inside a domain (local FSC), and the run time. "relion" is our
 * `--relion` emulation (sampling 10 Å); on synth_halves128 RELION's own output is listed too.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readMrc, writeMrc } from '../src/io/mrc/index.js';
import { loadFft } from '../src/math/fft.js';
import { pearson } from '../src/math/statistics.js';
import type { Volume } from '../src/core/volume.js';
import { defaultWindow, localFsc, lowFrequencySnr, maskedGlobalFsc, SAMPLE_THRESHOLD_Z } from '../src/resolution/local-fsc.js';
import { resolutionAtThreshold } from '../src/resolution/fsc.js';
import { relionLocalResolution } from '../src/resolution/relion-locres.js';
import { monogenicLocalResolution } from '../src/resolution/monogenic.js';
import { fourDomainHalfMaps, randomLocresCase, referenceLayoutCase, referenceStyleHalfMaps } from '../src/resolution/half-map-phantom.js';
import { labelSummary } from '../src/resolution/label-summary.js';
import { finestValueShare, intervalCoverage, labelInterior, mapDifference, nearDomainCentre } from '../src/resolution/accuracy.js';
import { printTable } from './markdown-table.js';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const which = arg('cases', 'all');
const methods = arg('methods', 'localfsc,relion,monores').split(',');
const threshold = process.argv.includes('--threshold') ? Number(arg('threshold', '0.143')) : undefined;
const windowA = process.argv.includes('--window-a') ? Number(arg('window-a', '20')) : undefined;
// (issue 16, the window rule for coarse maps) --window-cap A: the default window but at most A Å;
// --window-factor F: F × the global resolution instead of the default 6 ×
const windowCapA = process.argv.includes('--window-cap') ? Number(arg('window-cap', '36')) : undefined;
const windowFactor = process.argv.includes('--window-factor') ? Number(arg('window-factor', '6')) : undefined;
const step = process.argv.includes('--step') ? Number(arg('step', '3')) : undefined;
const intervalZ = process.argv.includes('--z') ? Number(arg('z', '1.645')) : undefined;
// per-shell threshold raise: given, or the built-in one with --fit-threshold / --ab (whose
// thresholds are given, which turns the default raise off), else localFsc's default
const sampleZ = process.argv.includes('--sample-z') ? Number(arg('sample-z', '0')) : process.argv.includes('--fit-threshold') || process.argv.includes('--ab') ? SAMPLE_THRESHOLD_Z : undefined;

interface Case {
  name: string;
  half1: Volume;
  half2: Volume;
  truth: Float32Array;
  labels: ArrayLike<number>;
  mask: Float32Array;
  relionOwn?: Float32Array;
  /** Domains that are balls of atoms (the references' kind): centres in Å and radius, for the interval's coverage. */
  balls?: { centresA: number[][]; radiusA: number };
}

const cases: Case[] = [];
await loadFft();
const root = resolve(import.meta.dirname ?? '.', '..');
const R = resolve(root, '../shared/reference/synth_halves128');
if ((which === 'all' || which === 'halves' || which === 'all-heldout' || which === 'everything') && existsSync(R)) {
  const rd = async (f: string) => (await readMrc(join(R, f))).volume;
  cases.push({
    name: 'synth_halves128 (1 Å, 3/5/8/3 Å, SNR 3)',
    half1: await rd('half1.mrc.gz'), half2: await rd('half2.mrc.gz'),
    truth: (await rd('truth_resolution.mrc.gz')).data, labels: (await rd('truth_labels.mrc.gz')).data,
    mask: (await rd('truth_mask.mrc.gz')).data, relionOwn: (await rd('relion_locres_sampling10.mrc.gz')).data,
    balls: (() => { const t = JSON.parse(readFileSync(join(R, 'truth.json'), 'utf8')) as { domain_radius: number; domains: { centre_xyz_A: number[] }[] }; return { centresA: t.domains.map((d) => d.centre_xyz_A), radiusA: t.domain_radius }; })(),
  });
}
if (which.startsWith('random') || which.startsWith('layout')) {
  // --cases random[:SEED0[:N]]: N cases (default 16) drawn from seeds SEED0… (default 1000) over
  // the acceptance ranges, made the way the shared references were (referenceStyleHalfMaps);
  // --cases layout[:SEED0[:N]]: the same with synth_halves128's layout (referenceLayoutCase)
  const [kind, s0 = which.startsWith('layout') ? '1' : '1000', cnt = '16'] = which.split(':');
  for (let k = 0; k < Number(cnt); k++) {
    const d = kind === 'layout' ? referenceLayoutCase(Number(s0) + k) : randomLocresCase(Number(s0) + k);
    const p = referenceStyleHalfMaps(d.voxelSizeA, d.resolutionsA, d.snr, d.seed);
    cases.push({ name: `reference-style ${d.voxelSizeA} Å, ${d.resolutionsA.join('/')} Å, SNR ${d.snr}, seed ${d.seed}`, half1: p.half1, half2: p.half2, truth: p.truthResolutionA, labels: p.labels, mask: p.mask, balls: p.centresA && p.radiusA !== undefined ? { centresA: p.centresA, radiusA: p.radiusA } : undefined });
  }
} else if (which !== 'halves') {
  // the README's four cases (seed 5), then (--cases heldout / all-heldout) cases not used to fit
  // the SNR-aware threshold (other seeds, voxel sizes, resolutions)
  const main: [number, [number, number, number, number], number, number][] = [
    [0.9, [3, 5, 8, 4], 3, 5], [1.2, [4, 6, 10, 3], 2, 5], [1.5, [3.5, 5, 7, 10], 4, 5], [1.0, [3, 4, 6, 8], 2.5, 5],
  ];
  const heldOut: [number, [number, number, number, number], number, number][] = [
    [1.1, [3.5, 6, 9, 4.5], 2, 11], [1.4, [4, 5, 8, 10], 3, 11], [0.95, [3, 4, 7, 5], 4, 13], [1.25, [3, 6, 8, 10], 2.5, 13], [1.5, [4, 6, 8, 3.5], 3, 17], [1.0, [3, 5, 8, 10], 2, 17],
  ];
  // (--cases validation / everything) four more, drawn after the held-out ones had been used to
  // choose the method: the check that a change generalises
  const validation: [number, [number, number, number, number], number, number][] = [
    [1.3, [5, 7, 10, 3.5], 2, 23], [0.9, [3, 6, 9, 4], 2, 29], [1.15, [3, 4.5, 8, 6], 3.5, 31], [1.05, [4, 8, 10, 3], 2.5, 37],
  ];
  // (--cases fresh) eight more, drawn at random (voxel size 0.9–1.5 Å, resolutions 3–10 Å in 0.5 Å
  // steps, SNR 2–4) after the per-shell threshold raise had been chosen on the cases above; never
  // fitted on, but looked at (with fresh2) when the threshold's window term was kept
  const fresh: [number, [number, number, number, number], number, number][] = [
    [0.97, [3.5, 9, 6.5, 6.5], 4, 41], [1.23, [8.5, 8.5, 7, 8], 2, 43], [1.07, [9, 3.5, 3, 6.5], 3, 47], [1.11, [10, 5.5, 8, 5.5], 2, 53],
    [1.23, [9, 6, 5, 8], 3, 59], [1.18, [3.5, 7, 9, 9], 3.5, 61], [1.45, [6, 9.5, 6.5, 5], 2.5, 67], [1.39, [8, 6.5, 7.5, 9.5], 3.5, 71],
  ];
  // (--cases fresh2) six more, drawn the same way when the window term of the threshold was being
  // decided on (after `fresh` had been looked at), as the check of that decision
  const fresh2: [number, [number, number, number, number], number, number][] = [
    [1.42, [6, 3.3, 5.5, 5], 2.5, 73], [1.21, [3, 6.5, 4, 8.5], 3.5, 79], [0.97, [4, 4, 5.5, 4], 2.5, 83], [1.42, [7, 7.5, 9.5, 3.5], 3, 89],
    [1.1, [5, 4, 5.5, 5.5], 3.5, 97], [1.14, [8, 8.5, 5.5, 7], 3, 101],
  ];
  const defs = which === 'fresh2' ? fresh2 : which === 'fresh' ? fresh : which === 'heldout' ? heldOut : which === 'all-heldout' ? [...main, ...heldOut] : which === 'validation' ? validation : which === 'everything' ? [...main, ...heldOut, ...validation] : main;
  const only = process.argv.includes('--only') ? arg('only', '').split(',').map(Number) : undefined;
  for (const [ci, [a, res, snr, seed]] of defs.entries()) {
    if (only && !only.includes(ci)) continue;
    const p = fourDomainHalfMaps(a, res, snr, seed);
    cases.push({ name: `synthetic ${a} Å, ${res.join('/')} Å, SNR ${snr}${seed !== 5 ? `, seed ${seed}` : ''}`, half1: p.half1, half2: p.half2, truth: p.truthResolutionA, labels: p.labels, mask: p.mask });
  }
}


function row(method: string, c: Case, est: Float32Array, finestA: number, seconds: number, interval?: { low: Float32Array; high: Float32Array; radiusVoxels: number }): string[] {
  const m = Uint8Array.from(c.mask, (v) => (v > 0.5 ? 1 : 0));
  let abs = 0, nIn = 0;
  const err: number[] = [];
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    const e = est[i] - c.truth[i];
    err.push(e);
    abs += Math.abs(e);
    nIn++;
  }
  // at the finest value, and of those the voxels whose truth is coarser than it by more than one
  // shell of the box (issue 16's fourth figure, per voxel: finestValueShare)
  const fin = finestValueShare(est, c.truth, m, finestA, 1 / (c.half1.shape[0] * c.half1.voxelSizeA[0]));
  err.sort((x, y) => x - y);
  const doms = labelSummary(est, c.labels, m).map((d) => d.medianA.toFixed(2)).join(' / ');
  let cover = '';
  if (interval) {
    // balls of atoms: within radius − w/2 of a centre (their labels have holes between the atoms)
    const a = c.half1.voxelSizeA[0];
    const inner = c.balls ? nearDomainCentre(c.half1.shape, a, c.balls.centresA, c.balls.radiusA - interval.radiusVoxels * a) : labelInterior(c.labels, c.half1.shape, interval.radiusVoxels);
    const { voxels: k, covered: cov, medianWidthA } = intervalCoverage(interval.low, interval.high, c.truth, inner, m);
    cover = k ? `${((100 * cov) / k).toFixed(0)} % of ${k} (width ${medianWidthA.toFixed(2)} Å)` : 'no interior voxel';
  }
  return [method, (abs / nIn).toFixed(2), err[err.length >> 1].toFixed(2), pearson(est, c.truth, m).toFixed(3), fin.atFinestPercent.toFixed(1), fin.missPercent.toFixed(1), doms, cover, seconds.toFixed(1)];
}

if (process.argv.includes('--fit-threshold')) {
  // per case, the threshold of zero median bias (bisection), then t = a + b·ln C₀ by least squares
  // (how SNR_AWARE_THRESHOLD in src/resolution/local-fsc.ts is fitted)
  const pts: [number, number, string][] = [];
  const windowsA: number[] = [];
  for (const c of cases) {
    const run = (t: number) => localFsc(c.half1, c.half2, { mask: c.mask, threshold: t, sampleThresholdZ: sampleZ });
    const medianBias = (est: Float32Array) => {
      const e: number[] = [];
      for (let i = 0; i < c.mask.length; i++) if (c.mask[i] > 0.5) e.push(est[i] - c.truth[i]);
      e.sort((x, y) => x - y);
      return e[e.length >> 1];
    };
    let lo = 0.0, hi = 0.6, c0 = Number.NaN;
    for (let it = 0; it < 8; it++) {
      const mid = 0.5 * (lo + hi);
      const r = run(mid);
      c0 = r.lowFrequencySnr;
      // a higher threshold crosses earlier: coarser, the bias rises
      if (medianBias(r.resolution.data) < 0) lo = mid;
      else hi = mid;
    }
    pts.push([Math.log(c0), 0.5 * (lo + hi), c.name]);
    windowsA.push(run(0.5 * (lo + hi)).windowVoxels * c.half1.voxelSizeA[0]);
    console.log(`${c.name}: C0 ${c0.toFixed(2)}, zero-bias threshold ${(0.5 * (lo + hi)).toFixed(3)}`);
  }
  const m = pts.length;
  const sx = pts.reduce((u, p) => u + p[0], 0), sy = pts.reduce((u, p) => u + p[1], 0);
  const sxx = pts.reduce((u, p) => u + p[0] * p[0], 0), sxy = pts.reduce((u, p) => u + p[0] * p[1], 0);
  const b = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  const a = (sy - b * sx) / m;
  const res = pts.map((p) => p[1] - (a + b * p[0]));
  console.log(`fit: a ${a.toFixed(3)}, b ${b.toFixed(3)}; residual rms ${Math.sqrt(res.reduce((u, r) => u + r * r, 0) / m).toFixed(3)}, largest ${Math.max(...res.map(Math.abs)).toFixed(3)}`);
  // with the window edge L (Å): t = a + b·ln C₀ + c·L, normal equations solved by Cramer's rule
  const X = pts.map((p, i) => [1, p[0], windowsA[i]]);
  const A = [0, 1, 2].map((r) => [0, 1, 2].map((q) => X.reduce((u, x) => u + x[r] * x[q], 0)));
  const y = [0, 1, 2].map((r) => X.reduce((u, x, i) => u + x[r] * pts[i][1], 0));
  const det = (M: number[][]) => M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  const d0 = det(A);
  const co = [0, 1, 2].map((j) => det(A.map((row, r) => row.map((v, q) => (q === j ? y[r] : v)))) / d0);
  const res3 = pts.map((p, i) => p[1] - (co[0] + co[1] * p[0] + co[2] * windowsA[i]));
  console.log(`fit with the window: a ${co[0].toFixed(4)}, b ${co[1].toFixed(4)}, c ${co[2].toFixed(5)} per Å (windows ${windowsA.map((v) => v.toFixed(1)).join(', ')} Å); residual rms ${Math.sqrt(res3.reduce((u, r) => u + r * r, 0) / m).toFixed(3)}, largest ${Math.max(...res3.map(Math.abs)).toFixed(3)}`);
  process.exit(0);
}

if (process.argv.includes('--domain-thresholds')) {
  // per domain, the one threshold at which the domain's median equals its truth (linear
  // interpolation over the runs below; domains outside the range are listed, not fitted), then
  // least-squares fits of those thresholds (issue 16, session 40: a threshold per shell)
  const ts = [0.001, 0.03, 0.06, 0.1, 0.14, 0.19, 0.25, 0.32, 0.4];
  const pts: { lnC0: number; windowA: number; lnRel: number; t: number }[] = [];
  for (const c of cases) {
    const base = localFsc(c.half1, c.half2, { mask: c.mask });
    const windowA = base.windowVoxels * c.half1.voxelSizeA[0];
    // per-label medians inside the mask, as the domain medians of every table here
    const truthRows = labelSummary(c.truth, c.labels, c.mask);
    const labels = truthRows.map((row) => row.label);
    const truth = truthRows.map((row) => row.medianA);
    const reads = ts.map((t) => {
      const r = localFsc(c.half1, c.half2, { mask: c.mask, threshold: t, sampleThresholdZ: SAMPLE_THRESHOLD_Z, moleculeCentred: true });
      return labelSummary(r.resolution.data, c.labels, c.mask).map((row) => row.medianA);
    });
    labels.forEach((l, j) => {
      const col = reads.map((r) => r[j]);
      let t = Number.NaN;
      for (let q = 0; q + 1 < ts.length; q++) {
        if (col[q] <= truth[j] && col[q + 1] >= truth[j]) {
          t = ts[q] + ((truth[j] - col[q]) / (col[q + 1] - col[q] || 1)) * (ts[q + 1] - ts[q]);
          break;
        }
      }
      const row = { case: c.name, label: l, truthA: truth[j], globalA: base.globalResolutionA, c0: base.lowFrequencySnr, windowA, zeroBiasThreshold: Number.isFinite(t) ? t : null, readsA: col };
      console.log(JSON.stringify(row));
      if (Number.isFinite(t)) pts.push({ lnC0: Math.log(base.lowFrequencySnr), windowA, lnRel: Math.log(truth[j] / base.globalResolutionA), t });
    });
  }
  // linear least squares by ml-levenberg-marquardt (a linear model converges in a few steps)
  const fit = (withRel: boolean) => {
    const model = ([a, b, cc, g]: number[]) => (k: number) => a + b * pts[k].lnC0 + cc * pts[k].windowA + (withRel ? g : 0) * pts[k].lnRel;
    const r = levenbergMarquardt({ x: pts.map((_, k) => k), y: pts.map((p) => p.t) }, model, { initialValues: [0.2, 0.05, -0.005, 0], maxIterations: 200, errorTolerance: 1e-12, damping: 1e-3 });
    const rms = Math.sqrt(r.parameterError / pts.length);
    console.log(`t = ${r.parameterValues[0].toFixed(4)} + ${r.parameterValues[1].toFixed(4)}·ln C₀ + ${r.parameterValues[2].toFixed(5)}·L${withRel ? ` + ${r.parameterValues[3].toFixed(4)}·ln(d / d_global)` : ''}: rms ${rms.toFixed(4)} over ${pts.length} domains`);
  };
  fit(false);
  fit(true);
  process.exit(0);
}

const verdicts: boolean[] = [];
const verdictsOwn: boolean[] = [];
for (const c of cases) {
  const rows: string[][] = [];
  const a = c.half1.voxelSizeA[0];
  if (c.relionOwn) rows.push(row('RELION 3.1.3 (its own map)', c, c.relionOwn, 2 * a, 153));
  let globalA: number | undefined;
  let reproduction: Float32Array | undefined;
  if (methods.includes('localfsc')) {
    const t0 = performance.now();
    let w: number | undefined;
    if (windowA) {
      w = Math.round(windowA / a);
      if (w % 2) w++;
    }
    if (!w && (windowCapA || windowFactor)) {
      const g = maskedGlobalFsc(c.half1, c.half2, Uint8Array.from(c.mask, (v) => (v > 0.5 ? 1 : 0)));
      const d = resolutionAtThreshold(g, 0.143).resolutionA;
      w = defaultWindow((d * (windowFactor ?? 6)) / 6, a);
      if (windowCapA && w * a > windowCapA) w = Math.max(16, 2 * Math.round(windowCapA / a / 2));
    }
    let tCase = threshold;
    if (process.argv.includes('--ab')) {
      // an SNR-aware rule t = a + b·ln C₀ of other coefficients (clamped at 0.02–0.5)
      // (a third coefficient: + c·L with L the default window's edge in Å)
      const [fa, fb, fc] = arg('ab', '').split(',').map(Number);
      const g = maskedGlobalFsc(c.half1, c.half2, Uint8Array.from(c.mask, (v) => (v > 0.5 ? 1 : 0)));
      const c0 = lowFrequencySnr(g);
      const lA = (w ?? defaultWindow(resolutionAtThreshold(g, 0.143).resolutionA, a)) * a;
      tCase = Math.min(0.5, Math.max(0.02, fa + fb * Math.log(c0) + (fc || 0) * lA));
    }
    const r = localFsc(c.half1, c.half2, { mask: c.mask, threshold: tCase, windowVoxels: w, stepVoxels: step, intervalZ, gridMedian: !process.argv.includes('--no-grid-median'), sampleThresholdZ: sampleZ, broadeningCorrection: !process.argv.includes('--no-broadening') });
    const s = (performance.now() - t0) / 1000;
    rows.push(row(`local FSC (w ${r.windowVoxels}, step ${r.stepVoxels}, t ${r.threshold.toFixed(3)} ${r.thresholdRule}, C0 ${r.lowFrequencySnr.toFixed(1)}, z ${r.sampleThresholdZ})`, c, r.resolution.data, r.finestA, s, { low: r.low.data, high: r.high.data, radiusVoxels: r.windowVoxels / 2 }));
    globalA = r.globalResolutionA;
  }
  if (methods.includes('relion')) {
    const t0 = performance.now();
    const r = relionLocalResolution(c.half1, c.half2, { samplingA: 10, mask: c.mask });
    reproduction = r.resolution.data;
    rows.push(row('--relion --locres-sampling 10', c, r.resolution.data, 2 * a, (performance.now() - t0) / 1000));
  }
  let relion313: Float32Array | undefined;
  if (methods.includes('relion313')) {
    // RELION 3.1.3 itself (Debian's package, as CI installs it), run on the same half maps as the
    // shared reference was made: relion_postprocess --locres --locres_sampling 10, no mask
    const work = mkdtempSync(join(tmpdir(), 'occupy-locres-relion-'));
    try {
      await writeMrc(join(work, 'h1.mrc'), c.half1);
      await writeMrc(join(work, 'h2.mrc'), c.half2);
      const t0 = performance.now();
      execFileSync('relion_postprocess', ['--i', 'h1.mrc', '--i2', 'h2.mrc', '--angpix', String(a), '--locres', '--locres_sampling', '10', '--o', 'pp'], { cwd: work, stdio: 'ignore' });
      const s = (performance.now() - t0) / 1000;
      relion313 = (await readMrc(join(work, 'pp_locres.mrc'))).volume.data;
      rows.push(row('RELION 3.1.3 relion_postprocess --locres', c, relion313, 2 * a, s));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  if (methods.includes('monores')) {
    const t0 = performance.now();
    const r = monogenicLocalResolution({ half1: c.half1, half2: c.half2 }, c.mask);
    rows.push(row('MonoRes-style (half maps)', c, r.resolution, Math.min(...r.tested), (performance.now() - t0) / 1000));
  }
  console.log(`\n${c.name}`);
  printTable(['method', 'MAE Å', 'bias Å', 'r', '% finest', '% finest, truth coarser', 'domain medians Å', '90 % interval covers', 's'], rows);
  // a map whose global FSC is coarser than every domain's cut-off: the noise hides each domain's
  // cut-off, so an FSC-based estimate reads where the signal meets the noise, not the cut-off
  if (globalA !== undefined) {
    const inMask = Array.from(c.truth).filter((_, i) => c.mask[i] > 0.5);
    const coarsest = Math.max(...inMask);
    console.log(`global FSC 0.143 (soft-masked): ${globalA.toFixed(2)} Å; truth ${Math.min(...inMask).toFixed(1)}–${coarsest.toFixed(1)} Å${globalA > coarsest ? ' (coarser than every domain: their cut-offs lie below the noise)' : ''}`);
  }
  // issue 16's four figures: local FSC against the --relion reproduction on the same maps
  const ours = rows.find((r) => r[0].startsWith('local FSC'));
  // issue 16's four figures of our row against a RELION row (MAE ≤ 0.85 ×, |bias| ≤ 0.3 Å, r ≥, ≤ 2 % finest unless the truth
  // is that fine: the voxels at the finest value, Nyquist or the content limit, whose truth is coarser than it by more than one
  // box shell; until session 60 the whole figure was waived when any truth was Nyquist and the content limit's domain counted)
  const fourFigures = (ref: string[]): boolean[] => {
    const o = ours as string[];
    return [Number(o[1]) <= 0.85 * Number(ref[1]), Math.abs(Number(o[2])) <= 0.3, Number(o[3]) >= Number(ref[3]), Number(o[5]) <= 2];
  };
  const said = (ok: boolean[]) => ok.map((v) => (v ? 'met' : 'missed')).join(', ');
  const rel = rows.find((r) => r[0].startsWith('--relion'));
  if (ours && rel) {
    const ok = fourFigures(rel);
    verdicts.push(ok.every(Boolean));
    console.log(`four figures (MAE ≤ 0.85 × reproduction, |bias| ≤ 0.3 Å, r ≥ reproduction, ≤ 2 % finest with the truth coarser): ${said(ok)}`);
  }
  // the same figures against RELION 3.1.3 itself, and how far the reproduction is from it
  const own = rows.find((r) => r[0].startsWith('RELION 3.1.3'));
  if (ours && own) {
    const ok = fourFigures(own);
    verdictsOwn.push(ok.every(Boolean));
    console.log(`four figures against RELION 3.1.3 itself: ${said(ok)}`);
  }
  relion313 ??= c.relionOwn;
  if (relion313 && reproduction) {
    const { medianA, p90A } = mapDifference(reproduction, relion313, c.mask);
    console.log(`--relion reproduction against RELION 3.1.3 inside the mask: median |difference| ${medianA.toFixed(2)} Å, 90th percentile ${p90A.toFixed(2)} Å`);
  }
}
if (verdictsOwn.length) console.log(`cases meeting all four figures against RELION 3.1.3 itself: ${verdictsOwn.filter(Boolean).length} of ${verdictsOwn.length}`);
if (verdicts.length) console.log(`\ncases meeting all four figures: ${verdicts.filter(Boolean).length} of ${verdicts.length}`);

