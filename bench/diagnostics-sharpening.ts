/**
 * Calibration of the `sharpened` finding (not a test):
 * `node --import tsx bench/diagnostics-sharpening.ts [all|shared|real|syn] [--csv docs/diagnostics/sharpening.csv]`.
 *
 * For raw synthetic maps (0.8–3.5 Å voxels, 3–12 Å, SNR 0.7–20: the test's RAW_SPECS and more),
 * the raw real maps (EMD-5168, EMD-1883, β-gal), each sharpened by B = −100, −150, −200, −300 Å²
 * and hard low-passed at its resolution (and low-passed only), and the held-out maps (the shared
 * synth_* maps and half maps, the masked real maps), prints and writes one row per map: the
 * solvent-noise rise (rule 1), the Guinier B ratio (rule 2) and the codes found. docs/diagnostics.md
 * quotes the figures.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadFft } from '../src/math/fft.js';
import { readMrc } from '../src/io/mrc/index.js';
import type { Volume } from '../src/core/volume.js';
import { diagnoseMap, referenceBFactor } from '../src/diagnostics/index.js';
import { sharpen, rawSynthetic, RAW_SPECS, type RawSpec } from '../test/diagnostics/variants.js';

await loadFft();
const SHARED = resolve(import.meta.dirname ?? '.', '../../shared');
const DATA = join(SHARED, 'data');
const REF = join(SHARED, 'reference');
const csvArg = process.argv.indexOf('--csv');
const rows: string[] = ['map,group,variant,noiseRiseLn,bandFromA,bandToA,cutoffA,bRatio,codes'];

function report(name: string, group: string, variant: string, v: Volume): void {
  const d = diagnoseMap(v);
  const g = d.guinier;
  const s = d.noise;
  const ratio = g.ruleBFactorA2 / referenceBFactor(1 / g.ruleFitToPerA); // the rule 2 statistic (GuinierFit.ruleBFactorA2)
  const codes = d.findings.map((f) => f.code).join(' ');
  const f3 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(3) : '');
  rows.push([name, group, variant, f3(s?.noiseRiseLn), f3(s ? 1 / s.bandFromPerA : undefined), f3(s ? 1 / s.bandToPerA : undefined), f3(s && Number.isFinite(s.cutoffPerA) ? 1 / s.cutoffPerA : undefined), f3(ratio), codes].join(','));
  console.log([`${name} ${variant}`.padEnd(46), `rise ${f3(s?.noiseRiseLn).padStart(7)}`, `band ${s ? `${(1 / s.bandFromPerA).toFixed(1)}-${(1 / s.bandToPerA).toFixed(1)} Å` : '-'}`, `cut ${s && Number.isFinite(s.cutoffPerA) ? (1 / s.cutoffPerA).toFixed(1) : '-'}`, `bRatio ${ratio.toFixed(2)}${Number.isFinite(g.cutoffPerA) ? 'c' : ''}`, `codes ${codes}`].join('  '));
}

const which = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 'all';
const specs: RawSpec[] = [
  ...RAW_SPECS,
  ...RAW_SPECS.map((q) => ({ ...q, seed: q.seed + 50, snr: q.snr * 2 })),
  { n: 64, voxelSizeA: 3, resolutionA: 10, snr: 3, seed: 9 },
  { n: 96, voxelSizeA: 0.8, resolutionA: 3, snr: 1, seed: 8 },
  { n: 64, voxelSizeA: 2, resolutionA: 6, snr: 2, seed: 10 },
  { n: 72, voxelSizeA: 2.2, resolutionA: 9, snr: 0.7, seed: 11 },
];
if (which === 'all' || which === 'shared') {
  for (const f of ['synth_occ128/map.mrc.gz', 'synth_halves128/half1.mrc.gz', 'synth_halves128/half2.mrc.gz', 'synth_occres128/map.mrc.gz', 'synth_occres128/half1.mrc.gz', 'synth_occres128/half2.mrc.gz', 'synth_flex128/map.mrc.gz', 'synth_flex128/half1.mrc.gz', 'synth_flex128/half2.mrc.gz']) {
    report(f, 'shared synth (held out)', 'raw', (await readMrc(join(REF, f))).volume);
  }
}
if (which === 'all' || which === 'real') {
  for (const f of ['emd_3197.map', 'emd_1997.map.gz', 'emd_1832.map.gz', 'emd_1439.map', 'emd_5170.map', 'emd_5625.map']) report(f, 'real deposited (held out)', 'as deposited', (await readMrc(join(DATA, f))).volume);
}
const bases: [string, string, Volume, number][] = [];
if (which === 'all' || which === 'syn') for (const s of specs) bases.push([`synthetic ${s.n}³ ${s.voxelSizeA} Å/vox ${s.resolutionA} Å SNR ${s.snr}`, 'synthetic', rawSynthetic(s), s.resolutionA]);
if (which === 'all' || which === 'real') for (const [f, r] of [['emd_5168.map', 8], ['emd_1883.map', 10], ['nonemdb_betagal_ngl.mrc.gz', 9]] as const) bases.push([f, 'real raw', (await readMrc(join(DATA, f))).volume, r]);
for (const [n, group, v, r] of bases) {
  report(n, group, 'raw', v);
  for (const B of [-100, -150, -200, -300]) report(n, group, `B=${B}`, sharpen(v, B, r));
  report(n, group, 'low-pass only', sharpen(v, 0, r));
}
if (csvArg >= 0) writeFileSync(process.argv[csvArg + 1], rows.join('\n') + '\n');
