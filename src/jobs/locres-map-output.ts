/**
 * Writing a local-resolution map as `occupy locres` does, for the issue-18 methods that produce
 * one (`--method resmap`, `--method monotomo`): `locres_<stem>.mrc` (or `-o`), its histogram
 * (`<out>_histogram.png/.svg`), the per-label table with `--labels`, and the log `<out>_log.txt`,
 * all staged and committed together; the summary printed or returned as JSON.
 * @see issue 18 item 6
 */
import { basename, dirname, join } from 'node:path';
import type { Volume } from '../core/volume.js';
import type { MrcMap } from '../io/mrc/index.js';
import { writeMrc } from '../io/mrc/index.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { withOutputSet } from '../core/output-set.js';
import type { RunRecord } from '../core/run-record.js';
import { quantileByRank } from '../math/select.js';
import { labelSummary, type LabelRow } from '../resolution/label-summary.js';
import { jobLabels, jobLogLines, printJobResult, type JobReporter } from './resolution-job-common.js';
import { outputFile } from './output-path.js';
import { locresFamily, refuseOtherKinds, retireStaleOutputs } from './stale-outputs.js';

/** What {@link writeLocresMap} writes and reports. */
export interface LocresMapOutput {
  /** Method name for `--json` (`resmap`, `monotomo`). */
  method: string;
  /** Title of the log and the histogram. */
  title: string;
  /** One line describing the settings (log, MRC label). */
  settings: string;
  /** Local resolution per voxel, Å (same box as `template`). */
  resolutionA: Float32Array;
  /** Where to report (> 0.5); undefined = every voxel. */
  mask?: Float32Array | Uint8Array;
  /** Value written outside the mask, Å. */
  backgroundA: number;
  /** Resolutions the method tested, Å (histogram bins are centred on them). */
  testedA: number[];
  /** `--labels` map, when given. */
  labels?: { path: string; data: Float32Array };
  /** Extra lines for the log and the terminal (after the method line). */
  extraLines?: string[];
  /** Extra fields of the JSON summary. */
  extraJson?: Record<string, unknown>;
}

/**
 * Stage and commit the local-resolution map, its histogram and log; print the summary.
 * @param first the first input (its header is the template, its stem names the outputs)
 * @param output `-o` (a file or a folder), default `locres_<stem>.mrc` in the current folder
 * @returns the JSON summary (also printed with `json`)
 * @throws RangeError when `--labels` has no label > 0 inside the mask
 */
export async function writeLocresMap(
  firstPath: string, first: MrcMap, output: string | undefined, protect: string[], record: RunRecord, warnings: string[], diagnostics: object[],
  out: LocresMapOutput, reporter: JobReporter, json: boolean | undefined, t0: number,
): Promise<Record<string, unknown>> {
  const stem = basename(firstPath).replace(/\.(mrc|map|ccp4|mrcs)(\.gz)?$/i, '');
  const outPath = outputFile(output, `locres_${stem}.mrc`);
  const outDir = dirname(outPath);
  const outStem = basename(outPath).replace(/\.(mrc|map|ccp4)$/i, '');
  const n = out.resolutionA.length;
  const select = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if (!out.mask || out.mask[i] > 0.5) { select[i] = 1; count++; }
  const vals = new Float32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (select[i]) vals[j++] = out.resolutionA[i];
  const values = vals;
  const stats = { medianA: quantileByRank(vals, vals.length, 0.5), p5A: quantileByRank(vals, vals.length, 0.05), p95A: quantileByRank(vals, vals.length, 0.95) };
  const labelRows: LabelRow[] | undefined = out.labels ? labelSummary(out.resolutionA, out.labels.data, out.mask) : undefined;
  if (out.labels && labelRows?.length === 0) throw new RangeError(`--labels ${out.labels.path} has no label > 0${out.mask ? ' inside the mask' : ''}`);
  const body = [
    `Inputs             : ${protect.join(', ')}`,
    `Voxel size         : ${first.volume.voxelSizeA.map((v) => v.toFixed(3)).join(', ')} Å`,
    `Method             : ${out.settings}`,
    ...(out.extraLines ?? []),
    `Local resolution   : median ${stats.medianA.toFixed(2)} Å, 5–95 % ${stats.p5A.toFixed(2)}–${stats.p95A.toFixed(2)} Å`,
    `Outside the mask   : ${out.backgroundA.toFixed(2)} Å (background)`,
    ...(labelRows ? ['', `Per label (${out.labels?.path}${out.mask ? ', inside the mask' : ''}):`, 'label    voxels   median Å   10–90 % Å', ...labelRows.map((l) => `${String(l.label).padStart(5)} ${String(l.voxels).padStart(9)} ${l.medianA.toFixed(2).padStart(10)}   ${l.p10A.toFixed(2)}–${l.p90A.toFixed(2)}`), ''] : []),
    'Local resolution is relative to its method and window: values from different tools are not interchangeable.',
  ];
  const files = [outPath];
  let seconds = 0;
  let removed: string[] = [];
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    const vol: Volume = { data: out.resolutionA, shape: first.volume.shape, voxelSizeA: first.volume.voxelSizeA };
    await writeMrc(outPath, vol, { template: first.header, labels: [jobLabels(`local resolution (A), ${out.settings}`, record)[0], `outside the mask: ${out.backgroundA.toFixed(2)} A (background)`, ...jobLabels('', record).slice(1)], protect, outputs });
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { alignedBinEdges, resolutionHistogram, resolutionHistogramSpec } = await import('../plots/resolution-histogram.js');
    const tested = { resolutionsA: out.testedA, discrete: false };
    let lo = Infinity, hi = -Infinity;
    for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const hist = resolutionHistogram(out.resolutionA, select, alignedBinEdges(tested, lo, hi));
    files.push(...(await writePlot(join(outDir, `${outStem}_histogram`), await renderVegaLite(resolutionHistogramSpec(hist, `Local resolution (${out.title}): ${stem}`, stats.medianA, tested)), outputs)));
    files.push(join(outDir, `${outStem}_log.txt`));
    // an earlier run's outputs for this map that this one does not write (another method's maps): removed with this set
    // another map's output under one of these names (the interval map locres_a_low.mrc of a.mrc is the
    // resolution map of a_low.mrc): refused, as the output set's other faults, before anything is in place
    await refuseOtherKinds(outDir, [locresFamily(outStem)], files);
    removed = await retireStaleOutputs(outputs, outDir, [locresFamily(outStem)], files, protect);
    seconds = (performance.now() - t0) / 1000;
    await writeFileAtomic(join(outDir, `${outStem}_log.txt`), jobLogLines(`local resolution (${out.title})`, record, [...body, ''], warnings, files, seconds, removed).join('\n') + '\n', outputs);
  });
  reporter.progress('done', 1);
  const result = { method: out.method, record, inputs: protect, settings: out.settings, ...stats, backgroundA: out.backgroundA, testedA: out.testedA, ...(out.extraJson ?? {}), ...(labelRows ? { labels: labelRows } : {}), warnings, diagnostics, files, ...(removed.length > 0 ? { removed } : {}), seconds, note: 'Local resolution is relative to its method and window: values from different tools are not interchangeable.' };
  printJobResult(reporter, json, result, body, files, removed);
  return result;
}
