/**
 * The file pipeline of `occupy locres H1 H2 --method monodir [--mask M] [--json]`: local-directional
 * resolution, written as `monodir_<stem>_highest.mrc`, `_lowest.mrc` (Å), `_anisotropy.mrc`
 * (1 − highest/lowest), `_radial.mrc`, `_tangential.mrc` (Å), the plot `monodir_<stem>.png/.svg`
 * and the log `monodir_<stem>_log.txt`, all together or none, in the folder of `-o` (default: the
 * current one). `<stem>` is the first half map's name without extension.
 * @see issue 18 item 2; src/resolution/monodir.ts
 */
import { join } from 'node:path';
import type { Vec3, Volume } from '../core/volume.js';
import { writeMrc } from '../io/mrc/index.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { checkOutputNames, withOutputSet } from '../core/output-set.js';
import { mapStem } from '../occupancy/output-names.js';
import { parseCentre } from './radial-shells-job.js';
import { jobFolder, jobLabels, jobLogLines, jobRecord, computeJob, printJobResult, readHalfMapInputs, type JobReporter, type ResolutionJobOptions } from './resolution-job-common.js';
import { jobInputs } from './job-inputs.js';
import { UsageError } from '../core/exit-codes.js';

/** The maps written: name suffix, label, and the result's field. */
const MAPS = [
  ['highest', 'highest directional resolution (A)', 'highestA'],
  ['lowest', 'lowest directional resolution (A)', 'lowestA'],
  ['anisotropy', 'anisotropy 1 - highest/lowest', 'anisotropy'],
  ['radial', 'radial resolution (A)', 'radialA'],
  ['tangential', 'tangential resolution (A)', 'tangentialA'],
] as const;

/** Options of {@link runMonoDirJob} (the `occupy locres` options it uses). */
export interface MonoDirJobOptions extends ResolutionJobOptions {
  /** `--centre x,y,z` (voxels) for the radial/tangential split; default the box centre. */
  centre?: string;
  /** Cone half-angle of the directional filters, degrees (default 30). */
  coneAngle?: number;
  /** `-o`: its folder receives the outputs (default the current folder). */
  output?: string;
}

/**
 * Run MonoDir on two half-map files and write its outputs. Without `--mask`, the molecule is taken
 * as the sphere inscribed in the box (said in the log).
 * Precondition: `await loadFft()` has resolved.
 * @throws Error / MrcFormatError for unreadable inputs; RangeError for mismatched boxes;
 *   UsageError / OptionError (exit 2) for a missing half map or out-of-range options
 */
export async function runMonoDirJob(h1Path: string, h2Path: string | undefined, o: MonoDirJobOptions, reporter: JobReporter): Promise<object> {
  const t0 = performance.now();
  if (!h2Path) throw new UsageError('--method monodir needs two half maps: occupy locres HALF1 HALF2 --method monodir');
  const centreVoxel = o.centre !== undefined ? parseCentre(o.centre) : undefined;
  const stem = mapStem(h1Path);
  const outDir = jobFolder(o.output);
  const base = join(outDir, `monodir_${stem}`);
  const protect = jobInputs(h1Path, h2Path, o.mask);
  // an output name that is an input, a symbolic link or a folder is refused now, not after MonoDir
  await checkOutputNames([...MAPS.map(([suffix]) => `${base}_${suffix}.mrc`), `${base}.png`, `${base}.svg`, `${base}_log.txt`], { protect, inputLabel: 'input map' });
  const { h1, h2, mask: maskMap, warnings, diagnostics } = await readHalfMapInputs(h1Path, h2Path, o.mask, o.angpix, reporter);
  const [nx, ny, nz] = h1.volume.shape;
  const mask = maskMap?.volume.data ?? inscribedSphere(nx, ny, nz);
  const r = await computeJob(reporter, 'monoDir', [h1.volume, h2.volume, mask, { centreVoxel, coneAngleDeg: o.coneAngle }], 'directional monogenic');
  const round = (v: number, d = 3) => Number(v.toFixed(d));
  const v3 = (v: Readonly<Vec3>) => v.map((x) => round(x, 4)) as [number, number, number];
  const settings = `MonoDir-style: ${r.directions.length} directions, cones of ${r.coneAngleDeg} deg, ${r.testedA.length} frequencies ${r.testedA[0].toFixed(2)}..${r.testedA[r.testedA.length - 1].toFixed(2)} A, noise from the half-map difference, alpha ${r.alpha}`;
  const record = await jobRecord(o.commandLine, protect, {
    method: 'monodir', mask: o.mask ?? '(none: the sphere inscribed in the box)', directions: r.directions.length, 'cone-angle': r.coneAngleDeg, 'frequency-range': `${r.testedA[0].toFixed(2)}–${r.testedA[r.testedA.length - 1].toFixed(2)} Å, ${r.testedA.length} frequencies`,
    'noise-model': 'half-map difference inside the mask, per direction', threshold: `${100 * (1 - r.alpha)}th percentile of the noise amplitude`, centre: r.centreVoxel.map((v) => round(v)), angpix: o.angpix ?? null, background: r.backgroundA,
  });
  const perDirection = r.directions.map((d, k) => ({ direction: v3(d), medianA: round(r.perDirectionMedianA[k]), meanA: round(r.perDirectionMeanA[k]) }));
  const body = [
    `Inputs             : ${protect.join(', ')}`,
    `Method             : ${settings}`,
    `Highest resolution : median ${r.medianHighestA.toFixed(2)} Å over the mask (finest direction per voxel)`,
    `Lowest resolution  : median ${r.medianLowestA.toFixed(2)} Å (coarsest direction per voxel)`,
    `Anisotropy         : median ${r.medianAnisotropy.toFixed(3)} (1 − highest/lowest)`,
    `Worst direction    : [${v3(r.worstDirection).join(', ')}] (${r.worstResolutionA.toFixed(2)} Å; ellipsoid fitted to the per-direction means over the mask)`,
    `Best direction     : [${v3(r.bestDirection).join(', ')}] (${r.bestResolutionA.toFixed(2)} Å)`,
    `Outside the mask   : ${r.backgroundA.toFixed(2)} Å (the coarsest tested; anisotropy 0)`,
    'Local resolution is relative to its method and window: values from different tools are not interchangeable.',
  ];
  const files: string[] = [];
  let seconds = 0;
  const geom = (data: Float32Array): Volume => ({ data, shape: h1.volume.shape, voxelSizeA: h1.volume.voxelSizeA });
  await withOutputSet({ protect, inputLabel: 'input map' }, async (outputs) => {
    for (const [suffix, what, field] of MAPS) {
      const path = `${base}_${suffix}.mrc`;
      await writeMrc(path, geom(r[field]), { template: h1.header, labels: jobLabels(`MonoDir ${what}`, record), protect, outputs });
      files.push(path);
    }
    const inMask: number[] = [];
    for (let i = 0; i < mask.length; i++) if (mask[i] > 0.5) inMask.push(i);
    const pick = (a: Float32Array) => {
      const out = new Float32Array(inMask.length);
      for (let j = 0; j < out.length; j++) out[j] = a[inMask[j]];
      return out;
    };
    const { renderVegaLite, writePlot } = await import('../plots/render.js'); // on demand: slow to import
    const { monoDirPlotSpec } = await import('../plots/monodir-plot.js');
    files.push(...(await writePlot(base, await renderVegaLite(monoDirPlotSpec(pick(r.highestA), pick(r.lowestA), pick(r.anisotropy), `Local-directional resolution (MonoDir-style): ${stem}`)), outputs)));
    files.push(`${base}_log.txt`);
    seconds = (performance.now() - t0) / 1000;
    const table = ['direction (x, y, z)            median Å   mean Å', ...perDirection.map((p) => `[${p.direction.map((v) => v.toFixed(3).padStart(6)).join(', ')}]   ${p.medianA.toFixed(2).padStart(7)}   ${p.meanA.toFixed(2).padStart(6)}`)];
    await writeFileAtomic(`${base}_log.txt`, jobLogLines('local-directional resolution (MonoDir-style)', record, [...body, '', ...table, ''], warnings, files, seconds).join('\n') + '\n', outputs);
  });
  reporter.progress('done', 1);
  const result = {
    method: 'monodir', record, inputs: protect, settings,
    worstDirection: v3(r.worstDirection), bestDirection: v3(r.bestDirection), worstResolutionA: round(r.worstResolutionA), bestResolutionA: round(r.bestResolutionA),
    medianHighestA: round(r.medianHighestA), medianLowestA: round(r.medianLowestA), medianAnisotropy: round(r.medianAnisotropy),
    perDirection, testedA: r.testedA.map((v) => round(v)), backgroundA: r.backgroundA, warnings, diagnostics, files, seconds,
  };
  printJobResult(reporter, o.json, result, body, files);
  return result;
}

/** 1 inside the sphere (ellipsoid) inscribed in the box, 0 outside. */
function inscribedSphere(nx: number, ny: number, nz: number): Float32Array {
  const m = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    const u = (x - nx / 2) / (nx / 2), v = (y - ny / 2) / (ny / 2), w = (z - nz / 2) / (nz / 2);
    if (u * u + v * v + w * w <= 1) m[(z * ny + y) * nx + x] = 1;
  }
  return m;
}
