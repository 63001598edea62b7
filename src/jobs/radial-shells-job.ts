/**
 * The file pipeline of `occupy locres H1 H2 --shells [--shell-width A] [--centre x,y,z] [--mask M]
 * [--json]`: FSC resolution per spherical shell about a centre, written as `shells_<stem>.csv`,
 * `shells_<stem>.mrc` (each voxel its shell's value), the plot `shells_<stem>.png/.svg` and the log
 * `shells_<stem>_log.txt`, all together or none, in the folder of `-o` (default: the current one).
 * @see issue 18 item 3; src/resolution/radial-shells.ts
 */
import { join } from 'node:path';
import type { Vec3 } from '../core/volume.js';
import { writeMrc } from '../io/mrc/index.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { checkOutputNames, withOutputSet } from '../core/output-set.js';
import { mapStem } from '../occupancy/output-names.js';
import { UsageError } from '../core/exit-codes.js';
import { SHELL_THRESHOLD } from '../resolution/radial-shells.js';
import { jobFolder, jobLabels, jobLogLines, jobRecord, computeJob, printJobResult, readHalfMapInputs, type JobReporter, type ResolutionJobOptions } from './resolution-job-common.js';
import { jobInputs } from './job-inputs.js';

/** Options of {@link runRadialShellsJob} (the `occupy locres` options it uses). */
export interface RadialShellsJobOptions extends ResolutionJobOptions {
  /** Shell width, Å (default 4 voxels). */
  shellWidth?: number;
  /** `--centre x,y,z` in voxels (0-based), as typed; default the box centre. */
  centre?: string;
  threshold?: number;
  whiten?: boolean;
  /** `-o`: its folder receives the outputs (default the current folder). */
  output?: string;
}

/**
 * Parse `--centre x,y,z` (voxels, 0-based, may be fractional).
 * @throws UsageError (a RangeError; exit 2) naming `--centre` unless it is three finite numbers separated by commas
 */
export function parseCentre(text: string): Vec3 {
  const parts = text.split(',').map((s) => s.trim());
  const v = parts.map((p) => (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p) ? Number(p) : Number.NaN));
  if (v.length !== 3 || !v.every(Number.isFinite)) throw new UsageError(`--centre must be three numbers x,y,z (voxels), got '${text}'`);
  return [v[0], v[1], v[2]];
}

/**
 * Run the radial-shell FSC on two half-map files and write its outputs.
 * Precondition: `await loadFft()` has resolved.
 * @throws Error / MrcFormatError for unreadable inputs; RangeError for mismatched boxes;
 *   UsageError / OptionError (exit 2) for a missing second half map, a bad `--centre` or `--shell-width`
 */
export async function runRadialShellsJob(h1Path: string, h2Path: string | undefined, o: RadialShellsJobOptions, reporter: JobReporter): Promise<object> {
  const t0 = performance.now();
  if (!h2Path) throw new UsageError('--shells needs two half maps: occupy locres HALF1 HALF2 --shells');
  const centreVoxel = o.centre !== undefined ? parseCentre(o.centre) : undefined;
  const stem = mapStem(h1Path);
  const outDir = jobFolder(o.output);
  const base = join(outDir, `shells_${stem}`);
  const protect = jobInputs(h1Path, h2Path, o.mask);
  // an output name that is an input, a symbolic link or a folder is refused now, not after the FSC
  await checkOutputNames(['.mrc', '.csv', '.png', '.svg', '_log.txt'].map((e) => `${base}${e}`), { protect, inputLabel: 'input map' });
  const { h1, h2, mask, warnings, diagnostics } = await readHalfMapInputs(h1Path, h2Path, o.mask, o.angpix, reporter);
  const r = await computeJob(reporter, 'radialShellResolution', [h1.volume, h2.volume, { centreVoxel, shellWidthA: o.shellWidth, mask: mask?.volume.data, threshold: o.threshold, whiten: o.whiten }], 'shell FSC');
  const settings = `FSC per spherical shell about voxel (${r.centreVoxel.map((v) => v.toFixed(2)).join(', ')}), width ${r.shellWidthA} A, ${r.whitened ? 'pre-whitened halves' : 'no pre-whitening'}, threshold ${r.threshold}`;
  const record = await jobRecord(o.commandLine, protect, {
    method: 'radial shells (blocres -shell)', mask: o.mask ?? null, centre: r.centreVoxel.map((v) => Number(v.toFixed(3))), 'shell-width': r.shellWidthA,
    threshold: r.threshold ?? SHELL_THRESHOLD, whiten: r.whitened, angpix: o.angpix ?? null, background: r.backgroundA,
  });
  const shells = r.shells.map((s) => ({ radiusA: s.radiusA, resolutionA: Number.isFinite(s.resolutionA) ? Number(s.resolutionA.toFixed(3)) : null, innerA: s.innerA, outerA: s.outerA, crossed: s.crossed, voxels: s.voxels }));
  const csv = ['radius_A,inner_A,outer_A,resolution_A,crossed,mask_voxels', ...shells.map((s) => [s.radiusA, s.innerA, s.outerA, s.resolutionA ?? '', s.crossed ? 1 : 0, s.voxels].join(','))].join('\n') + '\n';
  const body = [
    `Inputs             : ${protect.join(', ')}`,
    `Method             : ${settings}`,
    'radius Å   resolution Å   mask voxels',
    ...shells.map((s) => `${s.radiusA.toFixed(1).padStart(8)}   ${(s.resolutionA === null ? 'skipped' : s.resolutionA.toFixed(2) + (s.crossed ? '' : ' (bound)')).padStart(12)}   ${String(s.voxels).padStart(11)}`),
    `Outside the mask   : ${r.backgroundA.toFixed(2)} Å (background) in ${base}.mrc`,
    'Local resolution is relative to its method and window: values from different tools are not interchangeable.',
  ];
  const files: string[] = [];
  let seconds = 0;
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    await writeMrc(`${base}.mrc`, { data: r.map, shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA }, { template: h1.header, labels: jobLabels(`resolution per shell (A), ${settings}`, record), protect, outputs });
    files.push(`${base}.mrc`);
    await writeFileAtomic(`${base}.csv`, csv, outputs);
    files.push(`${base}.csv`);
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { shellsPlotSpec } = await import('../plots/shells-plot.js');
    files.push(...(await writePlot(base, await renderVegaLite(shellsPlotSpec(r.shells, `Resolution per shell: ${stem}`)), outputs)));
    files.push(`${base}_log.txt`);
    seconds = (performance.now() - t0) / 1000;
    await writeFileAtomic(`${base}_log.txt`, jobLogLines('resolution per spherical shell', record, [...body, ''], warnings, files, seconds).join('\n') + '\n', outputs);
  });
  reporter.progress('done', 1);
  const result = { method: 'shells', record, inputs: protect, centreVoxel: r.centreVoxel, shellWidthA: r.shellWidthA, threshold: r.threshold, whitened: r.whitened, shells, backgroundA: r.backgroundA, warnings, diagnostics, files, seconds };
  printJobResult(reporter, o.json, result, body, files);
  return result;
}
