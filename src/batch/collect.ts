/**
 * `occupy batch collect DIR`: merge the JSONL records of a batch (and its shards) into
 * `results.csv` and an offline HTML report.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { BatchRecord } from './record.js';
import { readBatchRecords } from './results-file.js';
import { writeFileAtomic } from '../core/atomic-write.js';

/** Columns of results.csv, in order. */
export const CSV_COLUMNS = [
  'id', 'map', 'status', 'message', 'class_number', 'class_distribution', 'box', 'voxel_size_A', 'mode', 's_max', 'solvent_mu', 'solvent_sigma',
  'confidence_limit', 'variability_limit', 'mean_scale_confident', 'fraction_full_scale', 'diagnostics', 'warnings', 'seconds', 'shard',
] as const;

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The CSV text of a set of records (one row per map, columns {@link CSV_COLUMNS}). */
export function recordsToCsv(records: BatchRecord[]): string {
  const rows = records.map((r) =>
    [r.id, r.map, r.status, r.message, r.classNumber, r.classDistribution, r.box, r.voxelSizeA, r.mode, r.sMax, r.solventModel?.mu, r.solventModel?.sigma,
      r.confidenceLimit, r.variabilityLimit, r.meanScaleConfident, r.fractionFullScale, findingCodes(r), r.warnings.join(' | '), r.seconds, r.shard].map(csvCell).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\n') + '\n';
}

/** The input diagnostics' finding codes of a record, space-separated ('' when none). */
function findingCodes(r: BatchRecord): string {
  return (r.diagnostics ?? []).map((f) => f.code).join(' ');
}

function esc(s: unknown): string {
  return String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number | null | undefined, digits = 4): string {
  return v === undefined || v === null || Number.isNaN(v) ? '' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toFixed(digits) : v.toExponential(3);
}

/** A histogram spec of one numeric field over the ok records. */
function histogramSpec(values: number[], title: string, axis: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 380,
    height: 200,
    background: 'white',
    data: { values: values.map((v) => ({ v })) },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      x: { field: 'v', type: 'quantitative', bin: { maxbins: 20 }, title: axis },
      y: { aggregate: 'count', type: 'quantitative', title: 'maps' },
    },
  };
}

/**
 * The HTML report: counts, histograms of s_max and the confidence limit (inline SVG, so it opens
 * offline), a per-map table (Class3D classes with their distribution next to their scale
 * statistics), and every warning and error.
 */
export async function reportHtml(records: BatchRecord[], title: string): Promise<string> {
  const ok = records.filter((r) => r.status === 'ok');
  const failed = records.filter((r) => r.status === 'error');
  const isClass3d = records.some((r) => r.classNumber !== undefined);
  const { renderVegaLite } = await import('../plots/render.js'); // on demand: slow to import
  const svg = async (values: number[], t: string, axis: string) => (values.length ? (await renderVegaLite(histogramSpec(values, t, axis))).svg : '<p>No data.</p>');
  const sMaxSvg = await svg(ok.map((r) => r.sMax as number), 'Full scale s_max', 's_max (density units)');
  const confSvg = await svg(ok.map((r) => r.confidenceLimit as number), 'Confidence limit', 'confidence limit (fraction of s_max)');
  const classCols = isClass3d ? '<th>class</th><th>distribution</th>' : '';
  const rows = records
    .map((r) => {
      const cls = isClass3d ? `<td>${r.classNumber ?? ''}</td><td>${fmt(r.classDistribution, 3)}</td>` : '';
      return `<tr class="${r.status}"><td>${esc(r.id)}</td><td>${esc(r.map)}</td>${cls}<td>${r.status}</td><td>${esc(r.box?.join('×'))}</td><td>${fmt(r.voxelSizeA?.[0], 3)}</td><td>${fmt(r.sMax)}</td><td>${fmt(r.solventModel?.mu)}</td><td>${fmt(r.solventModel?.sigma)}</td><td>${fmt(r.confidenceLimit)}</td><td>${fmt(r.variabilityLimit)}</td><td>${fmt(r.meanScaleConfident, 3)}</td><td>${fmt(r.fractionFullScale, 3)}</td><td>${esc(findingCodes(r))}</td><td>${r.warnings.length}</td><td>${fmt(r.seconds, 1)}</td></tr>`;
    })
    .join('\n');
  const notes = records
    .filter((r) => r.warnings.length || r.message)
    .map((r) => `<li><b>${esc(r.id)}</b>: ${r.message ? `<span class="err">${esc(r.message)}</span>` : ''}${r.warnings.map((w) => `<div>${esc(w)}</div>`).join('')}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 13px; } th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f0f0f0; } td:nth-child(1), td:nth-child(2) { text-align: left; } tr.error td { background: #fde8e8; }
.plots { display: flex; gap: 2em; flex-wrap: wrap; } .err { color: #b00; }
</style></head><body>
<h1>${esc(title)}</h1>
<p>${records.length} maps: ${ok.length} ok, ${failed.length} failed.${isClass3d ? ' Input: RELION Class3D classes.' : ''}</p>
<div class="plots"><div>${sMaxSvg}</div><div>${confSvg}</div></div>
<h2>Maps</h2>
<table><thead><tr><th>id</th><th>map</th>${classCols}<th>status</th><th>box</th><th>voxel Å</th><th>s_max</th><th>solvent μ</th><th>solvent σ</th><th>confidence limit</th><th>variability limit</th><th>mean scale (confident)</th><th>fraction at full scale</th><th>input diagnostics</th><th>warnings</th><th>s</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Warnings and errors</h2>
<ul>${notes || '<li>none</li>'}</ul>
<p>Local scale is relative to each map's own full scale (s_max); it is not a resolution.</p>
</body></html>
`;
}

/**
 * Merge the records of a batch folder (every results file: this run's, earlier and concurrent
 * runs', SLURM shards'; one record per map, the most recently finished) and write `results.csv`
 * and `report.html` there. Broken lines of the results files are skipped and passed to `onWarning`.
 */
export async function collectBatch(outRoot: string, onWarning?: (message: string) => void): Promise<{ records: BatchRecord[]; csvPath: string; htmlPath: string }> {
  const records = await readBatchRecords(outRoot, onWarning);
  const csvPath = join(outRoot, 'results.csv');
  const htmlPath = join(outRoot, 'report.html');
  for (const [p, text] of [[csvPath, recordsToCsv(records)], [htmlPath, await reportHtml(records, `occupy batch: ${outRoot}`)]] as const) {
    await writeFileAtomic(p, text);
  }
  return { records, csvPath, htmlPath };
}
