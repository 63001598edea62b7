/**
 * The file pipeline of `occupy locres H1 H2 --method monotomo [--mask M]`: local resolution of
 * half tomograms with a locally estimated noise model, block by block, written as
 * `locres_<stem>.mrc` (or `-o`) with its histogram and log, as `occupy locres` writes its map.
 * @see issue 18 item 4; src/resolution/monotomo.ts
 */
import type { Volume } from '../core/volume.js';

/** Edge of the central crop the input diagnostics look at, voxels. */
const DIAGNOSTICS_CROP = 128;
import { writeLocresMap } from './locres-map-output.js';
import { checkOtherMaps, computeJob, diagnoseInputs, jobRecord, withWarnings, type JobReporter, type ResolutionJobOptions } from './resolution-job-common.js';
import { readLabelsArg, readMapArg, refuseLabelsWithoutLabel } from './read-map.js';
import { nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { jobInputs } from './job-inputs.js';
import { UsageError } from '../core/exit-codes.js';

/** Options of {@link runMonoTomoJob} (the `occupy locres` options it uses). */
export interface MonoTomoJobOptions extends ResolutionJobOptions {
  /** `--labels`: a map of integer region labels (statistics per region). */
  labels?: string;
  /** `-o`: the output map (a folder: `locres_<stem>.mrc` in it). */
  output?: string;
}

/**
 * Run MonoTomo on two half tomograms and write its outputs.
 * Precondition: `await loadFft()` has resolved.
 * @throws UsageError (exit 2) for a missing second half; RangeError for mismatched boxes or voxel sizes (naming the file) or an empty mask
 */
export async function runMonoTomoJob(h1Path: string, h2Path: string | undefined, o: MonoTomoJobOptions, reporter: JobReporter): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  if (!h2Path) throw new UsageError('--method monotomo needs two half tomograms (odd/even frames or tilts): occupy locres HALF1 HALF2 --method monotomo');
  reporter.progress('read', 0);
  const h1 = await readMapArg(h1Path, 'half tomogram', o.angpix, (l) => reporter.info(l), true);
  const notCubic = nonCubicVoxelsError(h1.volume.voxelSizeA);
  if (notCubic) throw new RangeError(`half tomogram '${h1Path}': ${notCubic}`);
  const h2 = await readMapArg(h2Path, 'half tomogram', o.angpix, undefined, true);
  // the mask as one byte per voxel: the float map is dropped once converted
  const first = { map: h1, path: h1Path, what: 'half tomogram 1' };
  const gridWarnings = checkOtherMaps(first, [{ map: h2, path: h2Path, what: 'half tomogram 2' }]);
  let mask: Uint8Array | undefined;
  if (o.mask) {
    const m = await readMapArg(o.mask, '--mask map', o.angpix, undefined, true);
    gridWarnings.push(...checkOtherMaps(first, [{ map: m, path: o.mask, what: '--mask map' }]));
    mask = new Uint8Array(m.volume.data.length);
    for (let i = 0; i < mask.length; i++) mask[i] = m.volume.data[i] > 0.5 ? 1 : 0;
  }
  const labelsMap = o.labels ? await readLabelsArg(o.labels, o.angpix) : undefined;
  gridWarnings.push(...checkOtherMaps(first, [labelsMap && o.labels ? { map: labelsMap, path: o.labels, what: '--labels map' } : undefined]));
  if (labelsMap && o.labels) refuseLabelsWithoutLabel(labelsMap.volume.data, o.labels, mask);
  reporter.progress('diagnostics', 0);
  // the input diagnostics transform whole maps: on a tomogram, a central crop of at most 128³ keeps memory bounded
  const crop = (v: Volume): Volume => {
    const size = v.shape.map((n) => Math.min(n, DIAGNOSTICS_CROP)) as [number, number, number];
    const lo = v.shape.map((n, k) => (n - size[k]) >> 1);
    const data = new Float32Array(size[0] * size[1] * size[2]);
    for (let z = 0, j = 0; z < size[2]; z++) for (let y = 0; y < size[1]; y++, j += size[0]) {
      const o = ((z + lo[2]) * v.shape[1] + (y + lo[1])) * v.shape[0] + lo[0];
      data.set(v.data.subarray(o, o + size[0]), j);
    }
    return { data, shape: size, voxelSizeA: v.voxelSizeA };
  };
  const { warnings, diagnostics } = withWarnings(reporter, await diagnoseInputs(reporter, crop(h1.volume), crop(h2.volume)), gridWarnings);
  const r = await computeJob(reporter, 'monoTomoLocalResolution', [h1.volume, h2.volume, { mask }], 'blocks');
  const protect = jobInputs(h1Path, h2Path, o.mask, o.labels);
  const block = r.blockVoxels + 2 * r.marginVoxels;
  const settings = `MonoTomo-style: monogenic test per block (core ${r.blockVoxels} + margin ${r.marginVoxels} vox), noise from each block's half difference (spatially variant), alpha 0.05, ${r.testedA.length} resolutions ${r.testedA[0].toFixed(2)}..${r.testedA[r.testedA.length - 1].toFixed(2)} A`;
  const record = await jobRecord(o.commandLine, protect, {
    method: 'monotomo', mask: o.mask ?? null, labels: o.labels ?? null, angpix: o.angpix ?? null, block: `${block} voxels (core ${r.blockVoxels}, margin ${r.marginVoxels})`,
    'noise-model': 'local: half-tomogram difference within each block', 'frequency-range': `${r.testedA[0].toFixed(2)}–${r.testedA[r.testedA.length - 1].toFixed(2)} Å, ${r.testedA.length} resolutions`,
    threshold: '95th percentile of the block noise amplitude (alpha 0.05)', background: r.backgroundA,
  });
  const inputBytes = 8 * h1.volume.data.length;
  return writeLocresMap(h1Path, h1, o.output, protect, record, warnings, diagnostics, {
    method: 'monotomo', title: 'MonoTomo-style', settings, resolutionA: r.resolution, mask, backgroundA: r.backgroundA, testedA: r.testedA,
    labels: labelsMap && o.labels ? { path: o.labels, data: labelsMap.volume.data } : undefined,
    extraLines: [`Blocks             : ${r.blocks} of ${block}³ voxels; working memory ${(r.workingBytes / 2 ** 20).toFixed(1)} MiB besides the inputs (${(inputBytes / 2 ** 20).toFixed(1)} MiB)`],
    extraJson: { blocks: r.blocks, blockVoxels: r.blockVoxels, marginVoxels: r.marginVoxels, workingBytes: r.workingBytes, inputBytes },
  }, reporter, o.json, t0);
}
