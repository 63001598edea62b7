/**
 * Measurements behind the thresholds of the input diagnostics (not a test):
 * `node --import tsx bench/diagnostics-thresholds.ts [--out docs/diagnostics]`.
 *
 * Measures every statistic the classifier uses on the real maps of ../shared/data and on the
 * processed variants of raw synthetic and raw real maps (test/diagnostics/variants.ts), runs the
 * solvent-model self-check on the same maps, and writes
 * - `measurements.csv`: one row per map (group, expected code, statistics, codes found),
 * - `masking.svg/png`, `sharpening.svg/png`, `not-density.svg/png`, `solvent-model.svg/png`:
 *   each statistic per group with the threshold drawn,
 * into the output folder (docs/diagnostics by default). docs/diagnostics.md discusses them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { loadFft } from '../src/math/fft.js';
import { readMrc } from '../src/io/mrc/index.js';
import { diagnoseMap, referenceBFactor, THRESHOLDS } from '../src/diagnostics/index.js';
import { estimateLocalScale } from '../src/occupancy/estimate.js';
import { SOLVENT_SPIKE_RATIO_MAX, SOLVENT_WIDTH_RATIO_MIN, solventModelSelfCheck } from '../src/occupancy/solvent-model.js';
import { renderVegaLite, writePlot } from '../src/plots/render.js';
import type { Volume } from '../src/core/volume.js';
import { processedVariants, RAW_SPECS, rawSynthetic } from '../test/diagnostics/variants.js';

const outArg = process.argv.indexOf('--out');
const out = resolve(outArg >= 0 ? process.argv[outArg + 1] : 'docs/diagnostics');
mkdirSync(out, { recursive: true });
const DATA = resolve(import.meta.dirname ?? '.', '../../shared/data');
await loadFft();

interface Row {
  map: string;
  group: string;
  expect: string;
  found: string;
  faceConstant: number;
  voxelConstant: number;
  edgeOverInner: number;
  cornerOverInner: number;
  stdEdge: number;
  stdCorner: number;
  extremeFraction: number;
  min: number;
  max: number;
  guinierB: number;
  bRatio: number;
  cutoff: boolean;
  solventWidthRatio: number;
  solventSpikeRatio: number;
  solventWarning: boolean;
}
const rows: Row[] = [];

function measure(map: string, group: string, expect: string, v: Volume, selfCheck: boolean): void {
  const d = diagnoseMap(v);
  const f = d.features;
  const p = f.stdProfile;
  const g = d.guinier;
  let w = Number.NaN;
  let s = Number.NaN;
  let warn = false;
  if (selfCheck && !d.findings.some((x) => x.code === 'not-density')) {
    const c = solventModelSelfCheck(estimateLocalScale(v, { mode: 'occ' }).solvent);
    w = c.widthRatio;
    s = c.spikeRatio;
    warn = c.warning !== undefined;
  }
  rows.push({
    map, group, expect, found: d.findings.map((x) => x.code).join(' '),
    faceConstant: f.faceModeFraction, voxelConstant: f.faceModeGlobalFraction,
    edgeOverInner: p[3] / p[1], cornerOverInner: p[5] / p[1], stdEdge: p[3], stdCorner: p[5],
    extremeFraction: f.extremeFraction, min: f.min, max: f.max,
    guinierB: g.bFactorA2, bRatio: g.ruleBFactorA2 / referenceBFactor(1 / g.ruleFitToPerA), cutoff: g.cutoffDropLn > 2,
    solventWidthRatio: w, solventSpikeRatio: s, solventWarning: warn,
  });
  console.log(`${map.padEnd(52)} ${expect.padEnd(12)} ${d.findings.map((x) => x.code).join(',')}`);
}

const REAL: [string, string][] = [
  ['emd_1997.map.gz', 'real, deposited masked'], ['emd_1832.map.gz', 'real, deposited masked'], ['emd_1439.map', 'real, deposited masked'],
  ['emd_5170.map', 'real, deposited masked'], ['emd_5625.map', 'real, deposited masked'], ['emd_5168.map', 'real, raw'], ['emd_1883.map', 'real, raw'],
  ['nonemdb_betagal_ngl.mrc.gz', 'real, raw'], ['emd_3197.map', 'real, raw'], ['nonemdb_betagal_ngl_localres.mrc.gz', 'real, local resolution'],
];
for (const [file, group] of REAL) {
  const expect = group.includes('masked') ? 'masked' : group.includes('local') ? 'not-density' : '';
  measure(file, group, expect, (await readMrc(join(DATA, file))).volume, !file.includes('localres'));
}
const kind = (name: string) => name.replace(/^.*?(hard|soft|Gaussian|flattened|sharpened|binary|local)/, '$1').replace(/ B=.*$/, '');
for (const s of RAW_SPECS) {
  const raw = rawSynthetic(s);
  const label = `synthetic ${s.resolutionA} Å, ${s.voxelSizeA} Å/vox, SNR ${s.snr}`;
  measure(label, 'synthetic, raw', '', raw, true);
  for (const v of processedVariants(raw, label, s.resolutionA)) measure(v.name, `synthetic, ${kind(v.name)}${v.expect === 'sharpened' ? (s.resolutionA <= 5 ? ' (≤ 5 Å)' : ' (≥ 8 Å)') : ''}`, v.expect ?? '', v.map, v.expect === 'masked' || v.expect === 'flattened');
}
for (const [file, res] of [['emd_5168.map', 8], ['emd_1883.map', 10], ['nonemdb_betagal_ngl.mrc.gz', 9]] as const) {
  const raw = (await readMrc(join(DATA, file))).volume;
  for (const v of processedVariants(raw, file, res)) measure(v.name, `real, ${kind(v.name)}`, v.expect ?? '', v.map, v.expect === 'masked' || v.expect === 'flattened');
}

const keys = Object.keys(rows[0]) as (keyof Row)[];
const cell = (x: unknown) => (typeof x === 'number' ? (Number.isFinite(x) ? Number(x.toPrecision(4)) : '') : /[,"]/.test(String(x)) ? `"${String(x).replace(/"/g, '""')}"` : String(x));
writeFileSync(join(out, 'measurements.csv'), [keys.join(','), ...rows.map((r) => keys.map((k) => cell(r[k])).join(','))].join('\n') + '\n');

const clean = (v: number, floor: number) => (Number.isFinite(v) ? Math.max(v, floor) : null);
async function strip(name: string, title: string, field: keyof Row, floor: number, log: boolean, thresholds: number[], filter: (r: Row) => boolean, selfCheck = false): Promise<void> {
  const values = rows.filter(filter).map((r) => ({ group: r.group, value: clean(r[field] as number, floor), expect: r.expect || 'raw', flagged: selfCheck ? (r.solventWarning ? (r.expect ? 'flagged' : 'false alarm') : r.expect ? 'missed' : 'clean') : r.found.includes(r.expect || '§') ? 'flagged' : r.expect ? 'missed' : r.found.match(/masked|flattened|sharpened|not-density/) ? 'false alarm' : 'clean' })).filter((v) => v.value !== null);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 520,
    height: { step: 18 },
    layer: [
      { data: { values }, mark: { type: 'point', filled: true, size: 60, opacity: 0.8 }, encoding: { x: { field: 'value', type: 'quantitative', scale: log ? { type: 'log' } : { zero: false }, title: String(field) }, y: { field: 'group', type: 'nominal', title: null, axis: { labelLimit: 400 } }, color: { field: 'flagged', type: 'nominal', scale: { domain: ['flagged', 'clean', 'missed', 'false alarm'], range: ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e'] }, title: 'result' } } },
      { data: { values: thresholds.map((t) => ({ t })) }, mark: { type: 'rule', strokeDash: [4, 3], color: '#444' }, encoding: { x: { field: 't', type: 'quantitative' } } },
    ],
  } as unknown as TopLevelSpec;
  await writePlot(join(out, name), await renderVegaLite(spec));
}
const T = THRESHOLDS;
await strip('masking-face-constant', `Fraction of the box faces holding one exact value (threshold ${T.faceConstantFraction})`, 'faceConstant', 1e-5, true, [T.faceConstantFraction], () => true);
await strip('masking-edge-fall', `Local std at the inscribed sphere's edge / at 0.6–0.8 of its radius (threshold ${T.edgeFallRatio}, with corners < ${T.cornerFallRatio})`, 'edgeOverInner', 1e-4, true, [T.edgeFallRatio], (r) => !r.expect || r.expect === 'masked');
await strip('masking-edge-std', `Local std at the inscribed sphere's edge / the map's std (near-constant background below ${T.constantBackgroundStd})`, 'stdEdge', 1e-4, true, [T.constantBackgroundStd], (r) => !r.expect || r.expect === 'masked');
await strip('sharpening', `Guinier B / B_ref(d) (thresholds ${T.sharpenedBRatio}, and ${T.sharpenedBRatioWithCutoff} with a hard cut-off)`, 'bRatio', -3, false, [T.sharpenedBRatio, T.sharpenedBRatioWithCutoff], (r) => !r.expect || r.expect === 'sharpened');
await strip('not-density', `Fraction of voxels within 2 % of the range from min or max (near-binary above ${T.nearBinaryFraction})`, 'extremeFraction', 1e-6, true, [T.nearBinaryFraction], () => true);
await strip('solvent-model', `Solvent model self-check: fitted sigma / histogram width (warning below ${SOLVENT_WIDTH_RATIO_MIN}; or spike > ${SOLVENT_SPIKE_RATIO_MAX}×)`, 'solventWidthRatio', 1e-3, true, [SOLVENT_WIDTH_RATIO_MIN], (r) => Number.isFinite(r.solventWidthRatio), true);
console.log(`wrote ${out}`);
