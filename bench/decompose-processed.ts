/**
 * `occupy decompose` on processed versions of the shared reference sets (a measurement, not a
 * test): `node --import tsx bench/decompose-processed.ts [--set synth_flex128|synth_occres128]`.
 * Map and half maps are processed alike: ×1000 + 5; sharpened by B = −100 Å² (amplitudes ×
 * exp(100 s²/4), up to Nyquist); blurred by B = +100 Å²; low-passed at 6 Å (hard); times a soft
 * mask (the truth mask grown ~5 Å by a 3 Å Gaussian above 0.05, edge a 2 Å Gaussian, 0 below
 * 0.01). Per variant, from one map and from half maps: the relative occupancy per domain (median over the
 * highest rigid fully occupied domain's), the voxel-wise r with the true occupancy in the truth
 * mask, the median B per domain (Å²) and, with a flexible domain, its B minus the highest rigid
 * domain's. Sharpening and blurring should move every B by ∓100 Å² and leave the occupancies.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadFft } from '../src/math/fft.js';
import { readMrc } from '../src/io/mrc/index.js';
import { decompose } from '../src/decomposition/decompose.js';
import { scoreDecomposition } from '../src/decomposition/evaluate.js';
import { gaussianSmooth } from '../src/filters/gaussian-smooth.js';
import type { Volume } from '../src/core/volume.js';
import { printTable } from './markdown-table.js';
import { flexBOf } from './decompose-accuracy.js';
import { applyMask, sharpen } from '../test/diagnostics/variants.js';

const i = process.argv.indexOf('--set');
const set = i >= 0 ? process.argv[i + 1] : 'synth_flex128';
if (!['synth_flex128', 'synth_occres128'].includes(set)) throw new RangeError(`--set must be synth_flex128 or synth_occres128, got ${set}`);
await loadFft();
const dir = resolve(import.meta.dirname, '../../shared/reference', set);
const rd = async (f: string) => (await readMrc(resolve(dir, `${f}.mrc.gz`))).volume;
const [map, h1, h2, occ, lab, mask] = await Promise.all(['map', 'half1', 'half2', 'truth_occupancy', 'truth_labels', 'truth_mask'].map(rd));
const truth = JSON.parse(readFileSync(resolve(dir, 'truth.json'), 'utf8')) as { domains: { occupancy: number; flexible: boolean }[] };

const grown = gaussianSmooth(mask.data, mask.shape, mask.voxelSizeA, 3).map((v) => (v > 0.05 ? 1 : 0));
// below 1 % exactly 0, as a real soft mask (a cosine edge) leaves the solvent
const soft = gaussianSmooth(grown, mask.shape, mask.voxelSizeA, 2).map((v) => (v < 0.01 ? 0 : v));
const lp = 6;
// `sharpen(v, B, lowpass)`: amplitudes × exp(−B s²/4) up to 1/lowpass, 0 beyond (test/diagnostics)
const nyquistA = 2 * Math.max(...map.voxelSizeA);
const variants: [string, (v: Volume) => Volume][] = [
  ['raw', (v) => v],
  ['×1000 + 5', (v) => ({ ...v, data: v.data.map((x) => 1000 * x + 5) })],
  ['sharpened, B = −100 Å²', (v) => sharpen(v, -100, nyquistA)],
  ['blurred, B = +100 Å²', (v) => sharpen(v, 100, nyquistA)],
  [`low-passed at ${lp} Å`, (v) => sharpen(v, 0, lp)],
  ['soft-masked', (v) => applyMask(v, soft)],
];
const rows: string[][] = [];
for (const [name, f] of variants) {
  for (const halves of [false, true]) {
    const r = decompose(f(map), halves ? { halfMaps: [f(h1), f(h2)] } : {});
    const s = scoreDecomposition(r.occupancy.data, occ.data, lab.data, mask.data, truth.domains, r.bfactor.data);
    const excess = s.domains.some((d) => d.flexible) ? flexBOf(s).toFixed(0) : '–';
    rows.push([name, halves ? 'half maps' : 'one map', s.domains.map((d) => d.relative.toFixed(2)).join(' / '), s.r.toFixed(3), s.domains.map((d) => (d.bMedianA2 as number).toFixed(0)).join(' / '), excess, r.warnings.length > 0 ? r.warnings.map((w) => w.split(':')[0]).join('; ') : '']);
  }
}
console.log(`${set}, truth ${truth.domains.map((d) => `${d.occupancy}${d.flexible ? ' flexible' : ''}`).join(' / ')}`);
printTable(['input', 'from', 'relative occupancy per domain', 'r', 'median B per domain (Å²)', 'flexible − rigid B', 'warnings'], rows);
