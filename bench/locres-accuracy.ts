/**
 * Local-resolution accuracy against ground truth (a measurement, not a test):
 * `node --import tsx bench/locres-accuracy.ts [--cases all|halves|synthetic] [--methods localfsc,relion,monores]
 *  [--threshold T] [--window-a A] [--step N] [--z Z] [--only i,j]` (`--only`: synthetic cases by index;
 *  `--no-grid-median` / `--no-broadening` turn off localFsc's grid median / Hann broadening correction; `--cases heldout` six cases not used to fit the SNR-aware threshold, `all-heldout` both sets,
 *  `validation` four more, `everything` all of them).
 *
 * Cases: `../shared/reference/synth_halves128` (with RELION 3.1.3's own map as a row), and
 * synthetic half maps from `src/resolution/half-map-phantom.ts` with voxel sizes 0.9–1.5 Å,
 * domain resolutions 3–10 Å and SNR 2–4. For each method: mean absolute error (MAE, Å), median of
 * (estimate − truth) (bias, Å), Pearson r with the truth inside the mask, % of mask voxels at the
 * finest value (Nyquist), per-domain medians, the 90 % interval's coverage of the truth at voxels
 * at least one window radius inside a domain (local FSC), and the run time. "relion" is our
 * `--relion` emulation (sampling 10 Å); on synth_halves128 RELION's own output is listed too.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readMrc } from '../src/io/mrc/index.js';
import { loadFft } from '../src/math/fft.js';
import { pearson } from '../src/math/statistics.js';
import type { Volume } from '../src/core/volume.js';
import { localFsc } from '../src/resolution/local-fsc.js';
import { relionLocalResolution } from '../src/resolution/relion-locres.js';
import { monogenicLocalResolution } from '../src/resolution/monogenic.js';
import { fourDomainHalfMaps } from '../src/resolution/half-map-phantom.js';
import { labelSummary } from '../src/resolution/label-summary.js';
import { labelInterior } from '../src/resolution/accuracy.js';
import { printTable } from './markdown-table.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const which = arg('cases', 'all');
const methods = arg('methods', 'localfsc,relion,monores').split(',');
const threshold = process.argv.includes('--threshold') ? Number(arg('threshold', '0.143')) : undefined;
const windowA = process.argv.includes('--window-a') ? Number(arg('window-a', '20')) : undefined;
const step = process.argv.includes('--step') ? Number(arg('step', '3')) : undefined;
const intervalZ = process.argv.includes('--z') ? Number(arg('z', '1.645')) : undefined;

interface Case {
  name: string;
  half1: Volume;
  half2: Volume;
  truth: Float32Array;
  labels: ArrayLike<number>;
  mask: Float32Array;
  relionOwn?: Float32Array;
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
  });
}
if (which !== 'halves') {
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
  const defs = which === 'heldout' ? heldOut : which === 'all-heldout' ? [...main, ...heldOut] : which === 'validation' ? validation : which === 'everything' ? [...main, ...heldOut, ...validation] : main;
  const only = process.argv.includes('--only') ? arg('only', '').split(',').map(Number) : undefined;
  for (const [ci, [a, res, snr, seed]] of defs.entries()) {
    if (only && !only.includes(ci)) continue;
    const p = fourDomainHalfMaps(a, res, snr, seed);
    cases.push({ name: `synthetic ${a} Å, ${res.join('/')} Å, SNR ${snr}${seed !== 5 ? `, seed ${seed}` : ''}`, half1: p.half1, half2: p.half2, truth: p.truthResolutionA, labels: p.labels, mask: p.mask });
  }
}


function row(method: string, c: Case, est: Float32Array, finestA: number, seconds: number, interval?: { low: Float32Array; high: Float32Array; radiusVoxels: number }): string[] {
  const m = Uint8Array.from(c.mask, (v) => (v > 0.5 ? 1 : 0));
  let abs = 0, nIn = 0, fin = 0;
  const err: number[] = [];
  for (let i = 0; i < m.length; i++) {
    if (!m[i]) continue;
    const e = est[i] - c.truth[i];
    err.push(e);
    abs += Math.abs(e);
    nIn++;
    if (est[i] <= finestA * 1.001) fin++;
  }
  err.sort((x, y) => x - y);
  const doms = labelSummary(est, c.labels, m).map((d) => d.medianA.toFixed(2)).join(' / ');
  let cover = '';
  if (interval) {
    const inner = labelInterior(c.labels, c.half1.shape, interval.radiusVoxels);
    let k = 0, cov = 0;
    const widths: number[] = [];
    for (let i = 0; i < m.length; i++) {
      if (!inner[i] || !m[i]) continue;
      k++;
      widths.push(interval.high[i] - interval.low[i]);
      if (interval.low[i] <= c.truth[i] + 1e-4 && c.truth[i] <= interval.high[i] + 1e-4) cov++;
    }
    widths.sort((x, y) => x - y);
    cover = k ? `${((100 * cov) / k).toFixed(0)} % of ${k} (width ${widths[widths.length >> 1].toFixed(2)} Å)` : 'no interior voxel';
  }
  return [method, (abs / nIn).toFixed(2), err[err.length >> 1].toFixed(2), pearson(est, c.truth, m).toFixed(3), ((100 * fin) / nIn).toFixed(1), doms, cover, seconds.toFixed(1)];
}

for (const c of cases) {
  const rows: string[][] = [];
  const a = c.half1.voxelSizeA[0];
  if (c.relionOwn) rows.push(row('RELION 3.1.3 (its own map)', c, c.relionOwn, 2 * a, 153));
  if (methods.includes('localfsc')) {
    const t0 = performance.now();
    let w: number | undefined;
    if (windowA) {
      w = Math.round(windowA / a);
      if (w % 2) w++;
    }
    const r = localFsc(c.half1, c.half2, { mask: c.mask, threshold, windowVoxels: w, stepVoxels: step, intervalZ, gridMedian: !process.argv.includes('--no-grid-median'), broadeningCorrection: !process.argv.includes('--no-broadening') });
    const s = (performance.now() - t0) / 1000;
    rows.push(row(`local FSC (w ${r.windowVoxels}, step ${r.stepVoxels}, t ${r.threshold.toFixed(3)} ${r.thresholdRule}, C0 ${r.lowFrequencySnr.toFixed(1)})`, c, r.resolution.data, r.finestA, s, { low: r.low.data, high: r.high.data, radiusVoxels: r.windowVoxels / 2 }));
  }
  if (methods.includes('relion')) {
    const t0 = performance.now();
    const r = relionLocalResolution(c.half1, c.half2, { samplingA: 10, mask: c.mask });
    rows.push(row('--relion --locres-sampling 10', c, r.resolution.data, 2 * a, (performance.now() - t0) / 1000));
  }
  if (methods.includes('monores')) {
    const t0 = performance.now();
    const r = monogenicLocalResolution({ half1: c.half1, half2: c.half2 }, c.mask);
    rows.push(row('MonoRes-style (half maps)', c, r.resolution, Math.min(...r.tested), (performance.now() - t0) / 1000));
  }
  console.log(`\n${c.name}`);
  printTable(['method', 'MAE Å', 'bias Å', 'r', '% finest', 'domain medians Å', '90 % interval covers', 's'], rows);
}

