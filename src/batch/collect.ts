/**
 * `occupy batch collect DIR`: merge the JSONL records of a batch (and its shards) into
 * `results.csv` and an offline HTML report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { latestRecords, type BatchRecord } from './record.js';
import { readResultsFiles, skippedLineMessage } from './results-file.js';
import { missingMaps, missingMessages, readPlans, type MissingMap } from './plan.js';
import { withOutputSet } from '../core/output-set.js';

/** Columns of results.csv, in order. */
export const CSV_COLUMNS = [
  'id', 'map', 'status', 'message', 'class_number', 'class_distribution', 'box', 'voxel_size_A', 'mode', 's_max', 'solvent_mu', 'solvent_sigma',
  'confidence_limit', 'variability_limit', 'mean_scale_confident', 'fraction_full_scale', 'diagnostics', 'warnings', 'seconds', 'shard',
  's_max_over_solvent_sigma', 'solvent_model_failed',
] as const;

/** Warnings of the estimate that say its solvent model failed (confidence 0 everywhere). */
const SOLVENT_FAILED_RE = /solvent model failed|confidence map is 0 everywhere/i;

/**
 * Whether a computed map's solvent model failed: no voxel is confidently density (its confidence
 * is all zero, so its scale statistics mean nothing). Such maps are not "ok" in the report.
 * @param r a record
 */
export function solventModelFailed(r: BatchRecord): boolean {
  return r.status === 'ok' && (r.meanScaleConfident === null || r.warnings.some((w) => SOLVENT_FAILED_RE.test(w)));
}

/**
 * s_max relative to the solvent noise, s_max / σ_solvent: dimensionless, so comparable across
 * maps in different density units (s_max itself is not). Undefined without a solvent model or
 * with σ = 0.
 * @param r a record
 */
export function sMaxOverSolventSigma(r: BatchRecord): number | undefined {
  const sigma = r.solventModel?.sigma;
  return r.sMax !== undefined && sigma !== undefined && sigma > 0 ? r.sMax / sigma : undefined;
}

function csvCell(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The CSV text of a set of records (one row per map, columns {@link CSV_COLUMNS}); maps of the
 * batch's plans without any record get a row with status `missing` (and the shard that was to
 * record them), sorted in by id.
 */
export function recordsToCsv(records: BatchRecord[], missing: readonly MissingMap[] = []): string {
  const rows = records.map((r) =>
    [r.id, r.map, r.status, r.message, r.classNumber, r.classDistribution, r.box, r.voxelSizeA, r.mode, r.sMax, r.solventModel?.mu, r.solventModel?.sigma,
      r.confidenceLimit, r.variabilityLimit, r.meanScaleConfident, r.fractionFullScale, findingCodes(r), r.warnings.join(' | '), r.seconds, r.shard,
      sMaxOverSolventSigma(r), r.status === 'ok' ? solventModelFailed(r) : undefined].map(csvCell).join(','),
  );
  const ids = records.map((r) => r.id);
  const extra = missingRows(records, missing).map((m) => {
    const cells: Record<string, unknown> = { id: m.id, map: m.map, status: 'missing', message: missingText(m), shard: m.shard };
    return { id: m.id, row: CSV_COLUMNS.map((c) => csvCell(cells[c])).join(',') };
  });
  const all = [...rows.map((row, k) => ({ id: ids[k], row })), ...extra].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return [CSV_COLUMNS.join(','), ...all.map((x) => x.row)].join('\n') + '\n';
}

/** The missing maps that have no record at all (one row each, the first plan's): the others have a row already. */
function missingRows(records: readonly BatchRecord[], missing: readonly MissingMap[]): MissingMap[] {
  const seen = new Set(records.map((r) => r.id));
  const out: MissingMap[] = [];
  for (const m of missing) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    out.push(m);
  }
  return out;
}

/** What a missing map's row says. */
function missingText(m: MissingMap): string {
  return `no record: ${m.shard === undefined ? 'the run' : `shard ${m.shard}`} did not record it (${m.resultsFile})`;
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
    width: 340,
    height: 180,
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
 * The HTML report: counts, histograms of relative measures only — s_max / solvent σ and the
 * confidence limit (a fraction of s_max) — because s_max itself is in each map's own density
 * units and cannot be compared across maps (inline SVG, so it opens offline); a per-map table
 * (Class3D classes with their distribution next to their scale statistics) in which maps whose
 * solvent model failed (confidence all zero) are marked "solvent model failed", not "ok"; and
 * every warning and error; when maps of the batch's plans have no record (a shard that never ran),
 * a banner says the batch is incomplete and names them, and the table lists them as missing. The page fits the window: the table wraps long paths and scrolls
 * sideways inside its own box, the plots shrink with the page.
 */
export async function reportHtml(records: BatchRecord[], title: string, missing: readonly MissingMap[] = []): Promise<string> {
  const good = records.filter((r) => r.status === 'ok' && !solventModelFailed(r));
  const solventFailed = records.filter(solventModelFailed);
  const failed = records.filter((r) => r.status === 'error');
  const isClass3d = records.some((r) => r.classNumber !== undefined);
  const { renderVegaLite } = await import('../plots/render.js'); // on demand: slow to import
  const svg = async (values: number[], t: string, axis: string) => (values.length ? (await renderVegaLite(histogramSpec(values, t, axis))).svg : '<p>No data.</p>');
  const ratios = good.map(sMaxOverSolventSigma).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const sMaxSvg = await svg(ratios, 'Full scale relative to the solvent noise', 's_max / solvent σ (dimensionless)');
  const confSvg = await svg(good.map((r) => r.confidenceLimit).filter((v): v is number => v !== undefined && Number.isFinite(v)), 'Confidence limit', 'confidence limit (fraction of s_max)');
  const statusOf = (r: BatchRecord) => (r.status === 'error' ? 'error' : solventModelFailed(r) ? 'solvent model failed' : 'ok');
  const rowClass = (r: BatchRecord) => (r.status === 'error' ? 'error' : solventModelFailed(r) ? 'solvent-failed' : 'ok');
  const classCols = isClass3d ? '<th>class</th><th>distribution</th>' : '';
  const rows = records
    .map((r) => {
      const cls = isClass3d ? `<td>${r.classNumber ?? ''}</td><td>${fmt(r.classDistribution, 3)}</td>` : '';
      return `<tr class="${rowClass(r)}"><td>${esc(r.id)}</td><td class="map">${esc(r.map)}</td>${cls}<td class="status">${statusOf(r)}</td><td>${esc(r.box && r.box.every((n) => n === r.box?.[0]) ? `${r.box[0]}³` : r.box?.join('×'))}</td><td>${fmt(r.voxelSizeA?.[0], 3)}</td><td>${fmt(r.sMax)}</td><td>${fmt(sMaxOverSolventSigma(r), 1)}</td><td>${fmt(r.solventModel?.mu)}</td><td>${fmt(r.solventModel?.sigma)}</td><td>${fmt(r.confidenceLimit)}</td><td>${fmt(r.variabilityLimit)}</td><td>${fmt(r.meanScaleConfident, 3)}</td><td>${fmt(r.fractionFullScale, 3)}</td><td>${esc(findingCodes(r))}</td><td>${r.warnings.length}</td><td>${fmt(r.seconds, 1)}</td></tr>`;
    })
    .join('\n');
  const absent = missingRows(records, missing);
  const missingRowsHtml = absent
    .map((m) => `<tr class="missing"><td>${esc(m.id)}</td><td class="map">${esc(m.map)}</td>${isClass3d ? '<td></td><td></td>' : ''}<td class="status">missing</td><td colspan="13">${esc(missingText(m))}</td></tr>`)
    .join('\n');
  const banner = missing.length
    ? `<p class="incomplete">Incomplete batch: ${missing.length} map${missing.length === 1 ? '' : 's'} of the batch ${missing.length === 1 ? 'has' : 'have'} no record with ${missing.length === 1 ? 'its' : 'their'} settings (${[...new Set(missing.map((m) => (m.shard === undefined ? 'the run did not finish' : `shard ${m.shard}`)))].map(esc).join(', ')}): ${missing.slice(0, 50).map((m) => esc(m.id)).join(', ')}${missing.length > 50 ? `, and ${missing.length - 50} more` : ''}. This report covers the maps recorded so far.</p>`
    : '';
  const notes = records
    .filter((r) => r.warnings.length || r.message)
    .map((r) => `<li><b>${esc(r.id)}</b>: ${r.message ? `<span class="err">${esc(r.message)}</span>` : ''}${r.warnings.map((w) => `<div>${esc(w)}</div>`).join('')}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 1em 2%; color: #222; max-width: 100%; }
li, p { overflow-wrap: anywhere; }
h1 { font-size: 1.4em; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: 11px; width: 100%; } th, td { border: 1px solid #ccc; padding: 2px 4px; text-align: right; }
th { background: #f0f0f0; vertical-align: bottom; } td { white-space: nowrap; } td:nth-child(1), td.map { text-align: left; } td.map { white-space: normal; word-break: break-all; min-width: 8em; } td.status, td:nth-child(1), td:nth-last-child(3) { white-space: normal; }
tr.error td { background: #fde8e8; } tr.solvent-failed td { background: #fff3cd; } tr.missing td { background: #eee; color: #555; }
.incomplete { color: #b00; font-weight: bold; }
.plots { display: flex; gap: 1.5em; flex-wrap: wrap; } .plots > div { flex: 1 1 320px; max-width: 480px; } .plots svg { max-width: 100%; height: auto; }
.err { color: #b00; } .note { color: #555; font-size: 0.9em; }
</style></head><body>
<h1>${esc(title)}</h1>
${banner}
<p>${records.length + absent.length} maps: ${good.length} ok, ${solventFailed.length} solvent model failed, ${failed.length} failed${absent.length ? `, ${absent.length} missing (no record)` : ''}.${isClass3d ? ' Input: RELION Class3D classes.' : ''}</p>
${solventFailed.length ? `<p class="note">Solvent model failed: no voxel of the map is confidently density (its confidence is 0 everywhere), so its scale statistics mean nothing; check it with <code>occupy -i MAP --plot</code> or give a <code>--solvent-def</code> mask. These maps are left out of the histograms.</p>` : ''}
<div class="plots"><div>${sMaxSvg}</div><div>${confSvg}</div></div>
<p class="note">Histograms over the ok maps, of relative measures only: s_max is in each map's own density units, so it is compared to that map's solvent noise σ.</p>
<h2>Maps</h2>
<div class="table-wrap"><table><thead><tr><th>id</th><th>map</th>${classCols}<th>status</th><th>box</th><th>voxel Å</th><th>s_max (map units)</th><th>s_max / solvent σ</th><th>solvent μ</th><th>solvent σ</th><th>confi&shy;dence limit</th><th>varia&shy;bility limit</th><th>mean scale (confi&shy;dent)</th><th>fraction at full scale</th><th>input diagnostics</th><th>warn&shy;ings</th><th>s</th></tr></thead>
<tbody>
${rows}${missingRowsHtml ? `\n${missingRowsHtml}` : ''}
</tbody></table></div>
<h2>Warnings and errors</h2>
<ul>${notes || '<li>none</li>'}</ul>
<p>Local scale is relative to each map's own full scale (s_max); it is not a resolution.</p>
</body></html>
`;
}

/**
 * Merge the records of a batch folder (every results file: this run's, earlier and concurrent
 * runs', SLURM shards'; one record per map, the most recently finished) and write `results.csv`
 * and `report.html` there, as one output set: both or neither (a full disk leaves neither, and an
 * earlier pair stays as it was). Broken lines of the results files are skipped and passed to `onWarning`.
 * The records are checked against the batch's plans (`plan.ts`, written by every run and by
 * `--slurm`): maps without a record carrying their plan's settings (a shard that never ran, a run
 * stopped early or still running) are returned in `missing`, listed in both files as `missing`,
 * and described in `missingLines` (one line per plan and shard).
 * A folder with plans but no results file yet (a `--slurm` array none of whose tasks ran) is
 * collected as every planned map missing.
 * @throws Error when the folder does not exist, or holds neither a results file nor a plan
 * @throws Error `cannot write '<path>': <reason>` when either file cannot be written
 */
export async function collectBatch(outRoot: string, onWarning?: (message: string) => void): Promise<{ records: BatchRecord[]; missing: MissingMap[]; missingLines: string[]; csvPath: string; htmlPath: string }> {
  if (!existsSync(outRoot)) throw new Error(`batch folder '${outRoot}' not found`);
  const { files, records: all, skipped } = await readResultsFiles(outRoot);
  const plans = await readPlans(outRoot, onWarning);
  // no results file yet is only an error when no plan names the batch's maps either: a `--slurm`
  // plan whose array has not run (or whose tasks all failed to start) leaves every map missing
  if (files.length === 0 && plans.length === 0) throw new Error(`no results*.jsonl in '${outRoot}': nothing to collect`);
  for (const s of skipped) onWarning?.(skippedLineMessage(s));
  const records = latestRecords(all);
  const missing = missingMaps(plans, all);
  const missingLines = missingMessages(missing, plans, files);
  const csvPath = join(outRoot, 'results.csv');
  const htmlPath = join(outRoot, 'report.html');
  const csv = recordsToCsv(records, missing);
  const html = await reportHtml(records, `occupy batch: ${outRoot}`, missing);
  await withOutputSet({}, async (set) => {
    await set.writeBytes(csvPath, csv);
    await set.writeBytes(htmlPath, html);
  });
  return { records, missing, missingLines, csvPath, htmlPath };
}
