/**
 * `occupy decompose` on processed versions of the shared reference sets (a measurement, not a
 * test): `node --import tsx bench/decompose-processed.ts [--set synth_flex128|synth_occres128]`.
 * Map and half maps are processed alike: ×1000 + 5; sharpened by B = −100 Å² (amplitudes ×
 * exp(100 s²/4)); blurred by B = +100 Å²; low-passed at 6 Å (raised cosine from 0.9/6 Å⁻¹); times a
 * soft mask (the truth mask grown ~5 Å by a 3 Å Gaussian above 0.05, edge a 2 Å Gaussian, 0 below 0.01). Per
 * variant, from one map and from half maps: the relative occupancy per domain (median over the
 * highest rigid fully occupied domain's), the voxel-wise r with the true occupancy in the truth
 * mask, the median B per domain (Å²) and, with a flexible domain, its B minus the highest rigid
 * domain's. Sharpening and blurring should move every B by ∓100 Å² and leave the occupancies.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { irfft3d, loadFft, rfft3d } from '../src/math/fft.js';
import { readMrc } from '../src/io/mrc/index.js';
import { decompose } from '../src/decomposition/decompose.js';
import { scoreDecomposition } from '../src/decomposition/evaluate.js';
import { gaussianSmooth } from '../src/filters/gaussian-smooth.js';
import type { Volume } from '../src/core/volume.js';
import { printTable } from './markdown-table.js';

const i = process.argv.indexOf('--set');
const set = i >= 0 ? process.argv[i + 1] : 'synth_flex128';
if (!['synth_flex128', 'synth_occres128'].includes(set)) throw new RangeError(`--set must be synth_flex128 or synth_occres128, got ${set}`);
await loadFft();
const dir = resolve(import.meta.dirname, '../../shared/reference', set);
const rd = async (f: string) => (await readMrc(resolve(dir, `${f}.mrc.gz`))).volume;
const [map, h1, h2, occ, lab, mask] = await Promise.all(['map', 'half1', 'half2', 'truth_occupancy', 'truth_labels', 'truth_mask'].map(rd));
const truth = JSON.parse(readFileSync(resolve(dir, 'truth.json'), 'utf8')) as { domains: { occupancy: number; flexible: boolean }[] };

/** The map with every Fourier coefficient at |s| (1/Å) multiplied by `gain(s)`. */
function filtered(v: Volume, gain: (s: number) => number): Volume {
  const [nx, ny, nz] = v.shape;
  const hx = (nx >> 1) + 1;
  const a = v.voxelSizeA;
  const sp = rfft3d(v.data, v.shape);
  for (let z = 0; z < nz; z++) {
    const kz = (z <= nz / 2 ? z : z - nz) / (nz * a[2]);
    for (let y = 0; y < ny; y++) {
      const ky = (y <= ny / 2 ? y : y - ny) / (ny * a[1]);
      for (let x = 0; x < hx; x++) {
        const g = gain(Math.hypot(x / (nx * a[0]), ky, kz));
        const j = 2 * ((z * ny + y) * hx + x);
        sp[j] *= g;
        sp[j + 1] *= g;
      }
    }
  }
  return { ...v, data: irfft3d(sp, v.shape) };
}
const grown = gaussianSmooth(mask.data, mask.shape, mask.voxelSizeA, 3).map((v) => (v > 0.05 ? 1 : 0));
// below 1 % exactly 0, as a real soft mask (a cosine edge) leaves the solvent
const soft = gaussianSmooth(grown, mask.shape, mask.voxelSizeA, 2).map((v) => (v < 0.01 ? 0 : v));
const lp = 6;
const variants: [string, (v: Volume) => Volume][] = [
  ['raw', (v) => v],
  ['×1000 + 5', (v) => ({ ...v, data: v.data.map((x) => 1000 * x + 5) })],
  ['sharpened, B = −100 Å²', (v) => filtered(v, (s) => Math.exp((100 * s * s) / 4))],
  ['blurred, B = +100 Å²', (v) => filtered(v, (s) => Math.exp((-100 * s * s) / 4))],
  [`low-passed at ${lp} Å`, (v) => filtered(v, (s) => (s < 0.9 / lp ? 1 : s >= 1 / lp ? 0 : 0.5 * (1 + Math.cos((Math.PI * (s - 0.9 / lp)) / (0.1 / lp)))))],
  ['soft-masked', (v) => ({ ...v, data: v.data.map((x, k) => x * soft[k]) })],
];
const rows: string[][] = [];
for (const [name, f] of variants) {
  for (const halves of [false, true]) {
    const r = decompose(f(map), halves ? { halfMaps: [f(h1), f(h2)] } : {});
    const s = scoreDecomposition(r.occupancy.data, occ.data, lab.data, mask.data, truth.domains, r.bfactor.data);
    const b = s.domains.map((d) => d.bMedianA2 as number);
    const flex = s.domains.findIndex((d) => d.flexible);
    const excess = flex >= 0 ? (b[flex] - Math.max(...b.filter((_, k) => !s.domains[k].flexible))).toFixed(0) : '–';
    rows.push([name, halves ? 'half maps' : 'one map', s.domains.map((d) => d.relative.toFixed(2)).join(' / '), s.r.toFixed(3), b.map((v) => v.toFixed(0)).join(' / '), excess, r.warnings.length > 0 ? r.warnings.map((w) => w.split(':')[0]).join('; ') : '']);
  }
}
console.log(`${set}, truth ${truth.domains.map((d) => `${d.occupancy}${d.flexible ? ' flexible' : ''}`).join(' / ')}`);
printTable(['input', 'from', 'relative occupancy per domain', 'r', 'median B per domain (Å²)', 'flexible − rigid B', 'warnings'], rows);
