/**
 * How good is `occupy decompose --noise-draws`' SD? (a measurement, not a test):
 * `node --import tsx bench/noise-redraw-validation.ts [--true-draws 5] [--redraws 5] [--cases own-D,held-2,…]`.
 *
 * For each phantom (default: own-D, held-2, fresh-1.7, fresh-4.1, fresh-4.5, the README's cases of
 * "How sure is a median?"), the SD over independent true noise draws (the benchmark's draw, then
 * `noiseSeed` 1, 2, … as `bench/decompose-accuracy.ts --noise-seed S` makes them) of the flexible
 * domain's median B minus the highest rigid domain's (Å², the benchmark's flexible-B point), against
 * `noiseRedrawSpread`'s estimate from the benchmark's draw alone (N redraws of each kind, seed 1):
 * SD_d (the noise estimate redrawn), SD_m / ε (noise added to the mean) and their combination.
 * Also the same for the whole molecule's median B.
 */
import { loadFft } from '../src/math/fft.js';
import { decompose } from '../src/decomposition/decompose.js';
import { decompositionPhantom, type DecompositionPhantomOptions } from '../src/decomposition/phantom.js';
import { decompositionMedians, type DecompositionMedians } from '../src/decomposition/medians.js';
import { noiseRedrawSpread } from '../src/decomposition/noise-redraw.js';
import { freshCases, HELD_OUT_CASES, OWN_CASES } from './decompose-accuracy.js';
import { printTable } from './markdown-table.js';
import { sampleStdOf as sd } from '../src/math/statistics.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const trueDraws = Number(arg('true-draws', '5'));
const redraws = Number(arg('redraws', '5'));
if (!(Number.isInteger(trueDraws) && trueDraws >= 2)) throw new RangeError(`--true-draws must be an integer >= 2, got ${arg('true-draws', '')}`);
if (!(Number.isInteger(redraws) && redraws >= 2)) throw new RangeError(`--redraws must be an integer >= 2, got ${arg('redraws', '')}`);
const wanted = arg('cases', 'own-D,held-2,fresh-1.7,fresh-4.1,fresh-4.5').split(',');

const all: (DecompositionPhantomOptions & { name: string })[] = [...OWN_CASES, ...HELD_OUT_CASES, ...freshCases(8, 1), ...freshCases(8, 4)];
const cases = wanted.map((w) => {
  const c = all.find((o) => o.name.startsWith(`${w} `));
  if (!c) throw new RangeError(`--cases: no phantom named ${w} (own-A…H, held-1…3, fresh-1.0…1.7, fresh-4.0…4.7)`);
  return c;
});

await loadFft();
const rows: string[][] = [];
for (const c of cases) {
  const flexible = c.domains.map((d) => (d.flexDeg ?? 0) > 0);
  /** Flexible domain's median B − the highest rigid domain's, Å² (labels 1…K in domain order). */
  const flexExcess = (m: DecompositionMedians) => {
    const b = m.labels.map((l) => l.bfactorA2);
    return b[flexible.indexOf(true)] - Math.max(...b.filter((_, k) => !flexible[k]));
  };
  const truth: DecompositionMedians[] = [];
  let labels: Float32Array | undefined;
  for (let k = 0; k < trueDraws; k++) {
    const p = decompositionPhantom({ ...c, ...(k > 0 ? { noiseSeed: k } : {}) });
    labels ??= Float32Array.from(p.labels);
    truth.push(decompositionMedians(decompose(p.map, { halfMaps: [p.half1, p.half2] }), labels));
  }
  const p = decompositionPhantom(c);
  const s = noiseRedrawSpread(p.map, { halfMaps: [p.half1, p.half2] }, { draws: redraws, seed: 1, labels: p.labels });
  for (const [what, get] of [['flexible − rigid B', flexExcess], ['whole-molecule B', (m: DecompositionMedians) => m.bfactorA2]] as const) {
    const t = sd(truth.map(get));
    const d = sd(s.perDrawDifference.map(get));
    const m = sd(s.perDrawMean.map(get)) / s.epsilon;
    const est = Math.hypot(d, m);
    rows.push([c.name.split(' ')[0], what, truth.map((x) => get(x).toFixed(0)).join(', '), t.toFixed(1), d.toFixed(1), m.toFixed(1), est.toFixed(1), (est / t).toFixed(2)]);
  }
  console.error(`${c.name}: done`);
}
console.log(`true draws: ${trueDraws} (the benchmark's, then noiseSeed 1…${trueDraws - 1}); redraws: ${redraws} of each kind from the benchmark's draw, seed 1`);
printTable(['case', 'median', 'true draws (Å²)', 'true SD', 'SD_d', 'SD_m / ε', 'estimate', 'estimate / true'], rows);
