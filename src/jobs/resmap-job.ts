/**
 * The file pipeline of `occupy locres MAP --method resmap --mask M` (one map: noise outside the
 * mask) and `occupy locres H1 H2 --method resmap [--mask M]` (half maps: noise from their
 * difference): the ResMap-style estimate written as `locres_<stem>.mrc` (or `-o`) with its
 * histogram and log, as `occupy locres` writes its map.
 * @see issue 18 item 5; src/resolution/resmap.ts
 */
import { BASIS_SIZE } from '../resolution/resmap.js';
import { writeLocresMap } from './locres-map-output.js';
import { checkOtherMaps, computeJob, diagnoseInputs, jobRecord, withWarnings, type JobReporter, type ResolutionJobOptions } from './resolution-job-common.js';
import { readLabelsArg, readMapArg, refuseLabelsWithoutLabel } from './read-map.js';
import { nonCubicVoxelsError } from '../core/voxel-size-limits.js';
import { jobInputs } from './job-inputs.js';
import { UsageError } from '../core/exit-codes.js';

/** Options of {@link runResMapJob} (the `occupy locres` options it uses). */
export interface ResMapJobOptions extends ResolutionJobOptions {
  /** `--labels`: a map of integer region labels (statistics per region). */
  labels?: string;
  /** `-o`: the output map (a folder: `locres_<stem>.mrc` in it). */
  output?: string;
}

/** The caveat of a single-map estimate (printed and recorded). */
export const RESMAP_SINGLE_MAP_CAVEAT = 'single-map estimate: the noise is taken from outside the mask (it assumes solvent noise is the noise inside the molecule); prefer two half maps';

/**
 * Run the ResMap-style estimate on one map or two half maps and write its outputs.
 * Precondition: `await loadFft()` has resolved.
 * @throws UsageError (exit 2) when one map comes without `--mask`; RangeError for mismatched boxes or voxel sizes (naming the file), or an empty mask
 */
export async function runResMapJob(h1Path: string, h2Path: string | undefined, o: ResMapJobOptions, reporter: JobReporter): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  if (!h2Path && !o.mask) throw new UsageError('--method resmap with one map needs --mask (molecule inside, noise outside)');
  reporter.progress('read', 0);
  const h1 = await readMapArg(h1Path, h2Path ? 'half map' : 'map', o.angpix, (l) => reporter.info(l), true);
  const notCubic = nonCubicVoxelsError(h1.volume.voxelSizeA);
  if (notCubic) throw new RangeError(`${h2Path ? 'half map' : 'map'} '${h1Path}': ${notCubic}`);
  const h2 = h2Path ? await readMapArg(h2Path, 'half map', o.angpix, undefined, true) : undefined;
  const maskMap = o.mask ? await readMapArg(o.mask, '--mask map', o.angpix, undefined, true) : undefined;
  const labelsMap = o.labels ? await readLabelsArg(o.labels, o.angpix) : undefined;
  const gridWarnings = checkOtherMaps({ map: h1, path: h1Path, what: h2Path ? 'half map 1' : 'the map' }, [
    h2 && h2Path ? { map: h2, path: h2Path, what: 'half map 2' } : undefined,
    maskMap && o.mask ? { map: maskMap, path: o.mask, what: '--mask map' } : undefined,
    labelsMap && o.labels ? { map: labelsMap, path: o.labels, what: '--labels map' } : undefined,
  ]);
  if (labelsMap && o.labels) refuseLabelsWithoutLabel(labelsMap.volume.data, o.labels, maskMap?.volume.data);
  reporter.progress('diagnostics', 0);
  const { warnings, diagnostics, interpolationTest } = withWarnings(reporter, await diagnoseInputs(reporter, h1.volume, h2?.volume), gridWarnings);
  if (!h2) {
    warnings.push(RESMAP_SINGLE_MAP_CAVEAT);
    reporter.warn(RESMAP_SINGLE_MAP_CAVEAT);
  }
  const mask = maskMap?.volume.data ?? new Float32Array(h1.volume.data.length).fill(1);
  const r = await computeJob(reporter, 'resMapLocalResolution', [h2 ? { half1: h1.volume, half2: h2.volume } : { map: h1.volume }, mask, { interpolationTest }], 'ResMap-style test');
  const protect = jobInputs(h1Path, h2Path, o.mask, o.labels);
  const settings = `ResMap-style: local sinusoid fit (${BASIS_SIZE} steerable basis functions, Gaussian window sigma = r), likelihood-ratio test vs ${r.noiseSource === 'half-map-difference' ? 'the half-map difference' : 'the noise outside the mask'}, chi2(${BASIS_SIZE}) at alpha 0.05, ${r.testedA.length} resolutions ${r.testedA[0].toFixed(2)}..${r.testedA[r.testedA.length - 1].toFixed(2)} A`;
  const record = await jobRecord(o.commandLine, protect, {
    method: 'resmap', mask: o.mask ?? null, labels: o.labels ?? null, angpix: o.angpix ?? null,
    'noise-model': r.noiseSource === 'half-map-difference' ? 'half-map difference (noise inside the molecule)' : 'outside the mask (solvent noise)',
    'frequency-range': `${r.testedA[0].toFixed(2)}–${r.testedA[r.testedA.length - 1].toFixed(2)} Å, ${r.testedA.length} resolutions`,
    threshold: `chi2(${BASIS_SIZE}) quantile 0.95 of the noise-normalised statistic`, background: r.backgroundA,
    ...(h2 ? {} : { caveat: RESMAP_SINGLE_MAP_CAVEAT }),
  });
  return writeLocresMap(h1Path, h1, o.output, protect, record, warnings, diagnostics, {
    method: 'resmap', title: 'ResMap-style', settings, resolutionA: r.resolution, mask: maskMap?.volume.data, backgroundA: r.backgroundA, testedA: r.testedA,
    labels: labelsMap && o.labels ? { path: o.labels, data: labelsMap.volume.data } : undefined,
    extraJson: { noiseSource: r.noiseSource },
  }, reporter, o.json, t0);
}
