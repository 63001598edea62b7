/**
 * Plots a scientist can read (issue 13 item 10): plain power-of-ten ticks on the solvent-model
 * plot, every vertical line named in a legend (scale limit, median, crossings), locres histogram
 * bins aligned to the tested resolutions, and a batch report that fits the page, histograms only
 * relative measures and marks failed solvent models.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gaussianSampler, mulberry32 } from '../../src/math/random.js';
import { fitSolventModel } from '../../src/occupancy/solvent-model.js';
import { confidenceCurve } from '../../src/occupancy/confidence.js';
import { logAxisTicks, modificationSeries, modificationSpec, renderVegaLite, solventModelSeries, solventModelSpec } from '../../src/plots/index.js';
import { alignedBinEdges, resolutionHistogram, resolutionHistogramSpec } from '../../src/plots/resolution-histogram.js';
import { fscPlotSpec } from '../../src/plots/fsc-plot.js';
import { reportHtml, recordsToCsv, sMaxOverSolventSigma, solventModelFailed } from '../../src/batch/collect.js';
import type { BatchRecord } from '../../src/batch/record.js';
import { CHROMIUM, skipWithoutChromium } from '../helpers/browser.js';

/** The color scale domain of every layer of a spec (legend entries). */
function legendDomain(spec: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const color = o.color as { scale?: { domain?: string[] } } | undefined;
      if (color?.scale?.domain) for (const d of color.scale.domain) out.add(d);
      Object.values(o).forEach(walk);
    }
  };
  walk(spec);
  return [...out];
}

/** Every rule layer of a spec has a color encoding on a field (so it has a legend entry). */
function rulesInLegend(spec: unknown): boolean {
  let ok = true;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const mark = o.mark as { type?: string } | string | undefined;
      const type = typeof mark === 'string' ? mark : mark?.type;
      const enc = o.encoding as { x?: unknown; color?: { field?: string } } | undefined;
      if (type === 'rule' && enc?.x && !enc.color?.field) ok = false;
      Object.values(o).forEach(walk);
    }
  };
  walk(spec);
  return ok;
}

describe('solvent-model plot: log axis', () => {
  it('logAxisTicks: powers of ten with plain labels; 2× and 5× only when fewer than three decades', () => {
    assert.deepEqual(logAxisTicks(0.0016, 25), { values: [0.01, 0.1, 1, 10], labels: ['0.01', '0.1', '1', '10'] });
    assert.deepEqual(logAxisTicks(2e-7, 2e-3).labels, ['10⁻⁶', '10⁻⁵', '10⁻⁴', '0.001']);
    const narrow = logAxisTicks(0.3, 12);
    assert.deepEqual(narrow.values, [0.5, 1, 2, 5, 10]);
  });

  it('the spec ticks the histogram axis at decades only (no 1e+1-style labels, no nine grid lines per decade) and names every rule', async () => {
    const g = gaussianSampler(mulberry32(4));
    const n = 32;
    const data = Float32Array.from({ length: n ** 3 }, (_, i) => 0.05 * g() + ((i % n) > 20 ? 1 : 0));
    const solvent = fitSolventModel(data, [n, n, n]);
    const spec = solventModelSpec(solventModelSeries(solvent, confidenceCurve(data, solvent.model, 1)), 'Solvent model: t');
    const json = JSON.stringify(spec);
    assert.doesNotMatch(json, /"format":"\.0e"/);
    const values = (JSON.parse(json).layer[0].layer[0].encoding.y.axis.values as number[]);
    assert.ok(values.length >= 2 && values.every((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9), `ticks ${values}`);
    for (const m of ['solvent peak (mu)', 'solvent edge', 'content at 1 % of solvent']) assert.ok(legendDomain(spec).includes(m), m);
    assert.ok(rulesInLegend(spec));
    const { svg } = await renderVegaLite(spec, { pngWidthPx: 300 });
    assert.doesNotMatch(svg, />\d(\.\d)?e[+-]\d+</, 'no exponent labels');
  });
});

describe('every vertical line is in the legend', () => {
  it('modification plot: the scale limit', async () => {
    const spec = modificationSpec([modificationSeries('amplify', 2, undefined, 0.05)], { scaleLimit: 0.05 });
    assert.ok(legendDomain(spec).some((d) => /^scale limit 0\.05/.test(d)), legendDomain(spec).join('|'));
    assert.ok(rulesInLegend(spec));
    const { svg } = await renderVegaLite(spec, { pngWidthPx: 300 });
    assert.match(svg, /scale limit 0\.05/);
  });

  it('locres histogram: the median', () => {
    const h = resolutionHistogram(Float32Array.from([3, 3.5, 4, 5]));
    const spec = resolutionHistogramSpec(h, 't', 3.75);
    assert.ok(legendDomain(spec).includes('median 3.75 Å'));
    assert.ok(rulesInLegend(spec));
  });

  it('FSC plot: crossings and the phase-randomisation limit', () => {
    const f = Array.from({ length: 20 }, (_, k) => k / 40);
    const spec = fscPlotSpec({ frequencyPerA: f, fsc: f.map((x) => 1 - 2 * x), extraCurves: [{ label: 'masked', fsc: f.map(() => 0.5) }], randomiseFromA: 8, resolutionAt0143A: 2.5, resolutionAt05A: 4 }, 't');
    const d = legendDomain(spec);
    for (const re of [/^0\.143 crossing: 2\.50 Å$/, /^0\.5 crossing: 4\.00 Å$/, /^phases randomised beyond 8\.00 Å$/, /^masked$/]) assert.ok(d.some((x) => re.test(x)), `${re} in ${d.join('|')}`);
    assert.ok(rulesInLegend(spec));
  });
});

describe('locres histogram bins aligned to the tested resolutions', () => {
  it('discrete (MonoRes): one bin centred on each tested value, each value counted in its own bin', () => {
    const tested = [2.5, 3, 3.5, 4, 4.5, 5];
    const values = Float32Array.from([2.5, 2.5, 3, 3.5, 3.5, 3.5, 5]);
    const edges = alignedBinEdges({ resolutionsA: tested, discrete: true }, 2.5, 5);
    const h = resolutionHistogram(values, undefined, edges);
    const centres = h.lowerA.map((lo, i) => (lo + h.upperA[i]) / 2);
    for (const t of tested) assert.ok(centres.some((c) => Math.abs(c - t) < 1e-9), `a bin centred on ${t}`);
    assert.deepEqual(h.count, [2, 1, 3, 0, 0, 1]);
    // equal bins over the range (the old binning) put two tested values in some bins and none in others
    const old = resolutionHistogram(values, undefined, 4);
    assert.ok(old.count.some((c, i) => c > 0 && h.count[i] !== c));
  });

  it('continuous (local FSC): every window shell inside the range is a bin edge', () => {
    const w = 20;
    const shells = Array.from({ length: w / 2 }, (_, k) => w / (k + 1));
    const edges = alignedBinEdges({ resolutionsA: shells, discrete: false }, 2.2, 9);
    for (const s of shells.filter((s) => s > 2.2 && s < 9)) assert.ok(edges.some((e) => Math.abs(e - s) < 1e-9), `shell ${s} Å is an edge`);
    assert.ok(edges[0] <= 2.2 && edges[edges.length - 1] >= 9);
    assert.ok(edges.length > 20 && edges.length < 80, `${edges.length - 1} bins`);
    const g = gaussianSampler(mulberry32(2));
    const v = Float32Array.from({ length: 500 }, () => Math.min(9, Math.max(2.2, 4 + g())));
    const h = resolutionHistogram(v, undefined, edges);
    assert.equal(h.count.reduce((a, b) => a + b, 0), 500);
  });

  it('a degenerate value range (every voxel at one value) gives a handful of bins, not millions', () => {
    // locres at 17 Å voxels put every voxel at the background value: the old edges grew until V8 aborted
    for (const [lo, hi] of [[100, 100], [34, 34], [50, 50.000001], [1, 400]] as const) {
      const edges = alignedBinEdges({ resolutionsA: [34, 40, 50, 68, 100], discrete: false }, lo, hi);
      assert.ok(edges.length <= 5 * 40, `${edges.length} edges for [${lo}, ${hi}]`);
      assert.ok(edges[0] <= lo && edges[edges.length - 1] >= hi);
      const h = resolutionHistogram(Float32Array.from([lo, hi]), undefined, edges);
      assert.equal(h.count.reduce((a, b) => a + b, 0), 2);
    }
  });

  it('rejects edges that do not cover the values', () => {
    assert.throws(() => resolutionHistogram(Float32Array.from([1, 10]), undefined, [2, 5, 9]), /do not cover/);
  });
});

describe('batch report', () => {
  const rec = (id: string, sMax: number, sigma: number, extra: Partial<BatchRecord> = {}): BatchRecord => ({
    id, map: `/a/very/long/path/to/the/maps/of/project/number/12345/${id}_with_a_long_name.mrc`, status: 'ok', settings: {}, box: [100, 100, 100], voxelSizeA: [1.1, 1.1, 1.1], mode: 'res',
    sMax, solventModel: { c: 1, mu: 0, sigma }, confidenceLimit: 0.1, variabilityLimit: 0.8, meanScaleConfident: 0.5, fractionFullScale: 0.01, warnings: [], seconds: 1, ...extra,
  });
  // maps in very different density units: s_max 0.003 … 1900
  const records = [
    rec('a', 0.0027, 0.00007), rec('b', 1.93, 0.075), rec('c', 1900, 40),
    rec('failed_solvent', 5.5, 4.2, { meanScaleConfident: null, fractionFullScale: null, warnings: ['The solvent model failed: no density reaches confidence 0.5, so the confidence map is 0 everywhere.'] }),
    { ...rec('err', 0, 1), status: 'error' as const, message: 'broken' },
  ];

  it('marks a map whose confidence is all zero "solvent model failed", not "ok", also in the CSV', async () => {
    assert.equal(solventModelFailed(records[3]), true);
    assert.equal(solventModelFailed(records[0]), false);
    const html = await reportHtml(records, 'r');
    assert.match(html, /<tr class="solvent-failed"><td>failed_solvent<\/td>.*<td class="status">solvent model failed<\/td>/);
    assert.equal((html.match(/<tr class="ok">/g) ?? []).length, 3);
    assert.match(html, /5 maps: 3 ok, 1 solvent model failed, 1 failed/);
    const csv = recordsToCsv(records).trim().split('\n');
    assert.ok(csv[0].endsWith(',s_max_over_solvent_sigma,solvent_model_failed'), csv[0]);
    assert.ok(csv.find((l) => l.startsWith('failed_solvent,'))!.endsWith(',true'));
    assert.ok(csv.find((l) => l.startsWith('a,'))!.endsWith(',false'));
  });

  it('histograms relative measures (s_max / solvent σ, confidence limit), not s_max in density units', async () => {
    assert.ok(Math.abs(sMaxOverSolventSigma(records[1])! - 25.733) < 1e-3);
    const html = await reportHtml(records, 'r');
    assert.match(html, /s_max \/ solvent σ \(dimensionless\)/);
    assert.doesNotMatch(html, /s_max \(density units\)/);
    assert.equal((html.match(/<svg/g) ?? []).length, 2);
  });

  it('fits a 1024 px wide page (no horizontal page scroll, the table fits its box)', { skip: skipWithoutChromium() }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'occupy-report-'));
    try {
      const file = join(dir, 'report.html');
      writeFileSync(file, await reportHtml(records, 'occupy batch: /a/very/long/path/to/the/output/folder/of/this/batch/run'));
      assert.ok(existsSync(CHROMIUM));
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
        await page.goto(`file://${file}`);
        const m = await page.evaluate(() => {
          const t = document.querySelector('.table-wrap') as HTMLElement;
          return { page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth, table: t.scrollWidth, box: t.clientWidth };
        });
        assert.ok(m.page <= m.view, `page ${m.page} px wide in a ${m.view} px window`);
        assert.ok(m.table <= m.box + 1, `table ${m.table} px in a ${m.box} px box`);
      } finally {
        await browser.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
