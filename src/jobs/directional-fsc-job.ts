/**
 * The file pipeline of `occupy fsc H1 H2 --directional [--mask M] [--cone-angle 20] [--json]`:
 * read and check the half maps (a binary mask is softened first, as a hard edge would correlate
 * the halves' noise; a soft mask is used as it is), compute the directional FSC, write `3dfsc_<stem>.mrc` (the 3D
 * FSC), `3dfsc_<stem>.csv` (resolution per direction), `3dfsc_<stem>_xyz.csv` (FSC along x, y, z),
 * the plot and the log, all together or none.
 * @see issue 18 item 1; src/resolution/directional-fsc.ts
 */
import { dirname, join, basename } from 'node:path';
import { writeMrc } from '../io/mrc/index.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { checkOutputNames, withOutputSet } from '../core/output-set.js';
import { mapStem } from '../occupancy/output-names.js';
import { directionalFscVolume } from '../resolution/directional-fsc.js';
import { softenMask } from '../resolution/soft-mask.js';
import { listedOutputs } from './listed-outputs.js';
import { jobLabels, jobLogLines, jobPrefix, jobRecord, computeJob, printJobResult, readHalfMapInputs, type JobReporter, type ResolutionJobOptions } from './resolution-job-common.js';
import type { DirectionalSummary } from '../resolution/directional-summary.js';
import { jobInputs } from './job-inputs.js';

/** Options of {@link runDirectionalFscJob} (the `occupy fsc` options it uses). */
export interface DirectionalFscJobOptions extends ResolutionJobOptions {
  /** Cone half-angle, degrees (default 20). */
  coneAngle?: number;
  /** Number of cone directions on the hemisphere (default 300). */
  directions?: number;
  /** `-o`: a folder (ending in `/`) or an output prefix; default `3dfsc_<stem>` in the current folder. */
  output?: string;
}

/** What {@link runDirectionalFscJob} returns (also printed with `--json`). */
export interface DirectionalFscJobResult {
  half1: string;
  half2: string;
  mask: string | null;
  voxelSizeA: number;
  coneAngleDeg: number;
  threshold: number;
  globalResolutionA: number;
  nyquistA: number;
  /** The interface: unit vectors in map x, y, z. */
  directional: DirectionalSummary;
  perDirection: { direction: [number, number, number]; resolutionA: number; crossed: boolean }[];
  record: object;
  warnings: string[];
  diagnostics: object[];
  files: string[];
  seconds: number;
}

const round = (v: number, d = 4): number => Number(v.toFixed(d));

/**
 * Run the directional FSC on two half-map files and write its outputs.
 * Precondition: `await loadFft()` has resolved.
 * @throws Error / MrcFormatError for unreadable inputs; RangeError for mismatched boxes or
 *   out-of-range options (named)
 */
export async function runDirectionalFscJob(h1Path: string, h2Path: string, o: DirectionalFscJobOptions, reporter: JobReporter): Promise<DirectionalFscJobResult> {
  const t0 = performance.now();
  const stem = mapStem(h1Path);
  const prefix = jobPrefix(o.output, `3dfsc_${stem}`);
  const outDir = dirname(prefix);
  const outStem = basename(prefix);
  const protect = jobInputs(h1Path, h2Path, o.mask);
  // an output name that is an input, a symbolic link or a folder is refused now, not after the FSC
  await checkOutputNames(['.mrc', '.csv', '_xyz.csv', '.png', '.svg', '_log.txt'].map((e) => `${prefix}${e}`), { protect, inputLabel: 'input map' });
  const { h1, h2, mask, warnings, diagnostics } = await readHalfMapInputs(h1Path, h2Path, o.mask, o.angpix, reporter);
  // a binary mask's hard edge would correlate the halves' noise: soften it as the FSC masks are
  let weights = mask?.volume.data;
  const binary = weights !== undefined && weights.every((v) => v === 0 || v === 1);
  if (weights && binary) weights = softenMask(weights, h1.volume.shape);
  const r = await computeJob(reporter, 'directionalFsc', [h1.volume, h2.volume, { mask: weights, coneAngleDeg: o.coneAngle, directions: o.directions }], 'directional FSC');
  const record = await jobRecord(o.commandLine, protect, {
    method: 'directional FSC (3DFSC-style)',
    mask: o.mask ? `${o.mask}${binary ? ' (binary: softened by a Gaussian of 2 voxels)' : ' (used as weights)'}` : null,
    'cone-angle': r.coneAngleDeg,
    directions: r.directions.length,
    threshold: r.threshold,
    angpix: o.angpix ?? null,
    fit: 'ellipsoid r(d)^2 = d^T M d, robust least squares over all cones',
    sphericity: 'r_best / (r1 r2 r3)^(1/3) of the fitted ellipsoid',
  }, o.recordCwd);
  const v3 = (v: readonly number[]): [number, number, number] => [round(v[0]), round(v[1]), round(v[2])];
  const notCrossing = r.crossed.reduce((s, c) => s + (c ? 0 : 1), 0);
  const directional = {
    sphericity: round(r.sphericity),
    bestResolutionA: round(r.bestResolutionA, 3),
    worstResolutionA: round(r.worstResolutionA, 3),
    worstDirection: v3(r.worstDirection),
    bestDirection: v3(r.bestDirection),
    middleResolutionA: round(r.ellipsoid.resolutionsA[1], 3),
    fitRmsRelativeResidual: round(r.ellipsoid.rmsRelativeResidual),
    conesNotCrossing: notCrossing,
  };
  const perDirection = r.directions.map((d, k) => ({ direction: v3(d), resolutionA: round(r.resolutionA[k], 3), crossed: r.crossed[k] === 1 }));
  const csv = ['direction,x,y,z,resolution_A,crossed', ...perDirection.map((p, k) => `${k},${p.direction.join(',')},${p.resolutionA},${p.crossed ? 1 : 0}`)].join('\n') + '\n';
  const cell = (v: number) => (Number.isFinite(v) ? round(v, 5) : '');
  const xyz = ['shell,frequency_per_A,resolution_A,fsc_global,fsc_x,fsc_y,fsc_z', ...Array.from(r.frequencyPerA, (f, s) => [s, round(f, 6), s === 0 ? '' : round(1 / f, 3), cell(r.globalFsc[s]), cell(r.axisFsc.x[s]), cell(r.axisFsc.y[s]), cell(r.axisFsc.z[s])].join(','))].join('\n') + '\n';
  const body = [
    `Directional FSC    : ${r.directions.length} cones of half-angle ${r.coneAngleDeg}° on a hemisphere, FSC ${r.threshold}${o.mask ? ', masked' : ''}`,
    `Global resolution  : ${r.globalResolutionA.toFixed(2)} Å`,
    `Best  (fitted)     : ${r.bestResolutionA.toFixed(2)} Å along [${directional.bestDirection.map((v) => v.toFixed(3)).join(', ')}]`,
    `Worst (fitted)     : ${r.worstResolutionA.toFixed(2)} Å along [${directional.worstDirection.map((v) => v.toFixed(3)).join(', ')}]`,
    `Worst / best       : ${(r.worstResolutionA / r.bestResolutionA).toFixed(2)}`,
    `Sphericity         : ${r.sphericity.toFixed(3)} (r_best / (r1 r2 r3)^(1/3) of the ellipsoid fitted over all cones; 1 = isotropic)`,
    ...(notCrossing ? [`Cones at Nyquist   : ${notCrossing} of ${r.directions.length} never fell below ${r.threshold} (their value ${r.nyquistA.toFixed(2)} Å is a bound)`] : []),
  ];
  const files: string[] = [];
  let seconds = 0;
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    const mrcPath = `${prefix}.mrc`;
    await writeMrc(mrcPath, directionalFscVolume(r, h1.volume.shape, h1.volume.voxelSizeA), { labels: jobLabels(`3D FSC (cone ${r.coneAngleDeg} deg), zero frequency at the box centre`, record), protect, outputs });
    files.push(mrcPath);
    for (const [path, text] of [[`${prefix}.csv`, csv], [`${prefix}_xyz.csv`, xyz]] as const) {
      await writeFileAtomic(path, text, outputs);
      files.push(path);
    }
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { directionalFscPlotSpec } = await import('../plots/directional-fsc-plot.js');
    const spec = directionalFscPlotSpec({
      resolutionsA: Array.from(r.resolutionA), bestResolutionA: r.bestResolutionA, worstResolutionA: r.worstResolutionA,
      frequencyPerA: Array.from(r.frequencyPerA), globalFsc: Array.from(r.globalFsc), fscX: Array.from(r.axisFsc.x), fscY: Array.from(r.axisFsc.y), fscZ: Array.from(r.axisFsc.z),
      threshold: r.threshold, sphericity: r.sphericity,
    }, `Directional FSC: ${stem} / ${mapStem(h2Path)}${o.mask ? ' (masked)' : ''}`);
    files.push(...(await writePlot(join(outDir, outStem), await renderVegaLite(spec), outputs)));
    const logPath = join(outDir, `${outStem}_log.txt`);
    files.push(logPath);
    seconds = (performance.now() - t0) / 1000;
    await writeFileAtomic(logPath, jobLogLines('directional FSC', record, [`Inputs             : ${protect.join(', ')}`, ...body, ''], warnings, listedOutputs(files, o), seconds).join('\n') + '\n', outputs);
  });
  reporter.progress('done', 1);
  const result: DirectionalFscJobResult = {
    half1: h1Path, half2: h2Path, mask: o.mask ?? null, voxelSizeA: h1.volume.voxelSizeA[0], coneAngleDeg: r.coneAngleDeg, threshold: r.threshold,
    globalResolutionA: round(r.globalResolutionA, 3), nyquistA: r.nyquistA, directional, perDirection, record, warnings, diagnostics, files, seconds,
  };
  printJobResult(reporter, o.json, result, body, files);
  return result;
}
