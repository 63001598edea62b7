/**
 * `checkMap` of the public API: is a map (or a pair of half maps) suitable for the method?
 * @see README "Is my map suitable?"; docs/diagnostics.md (the checks and their thresholds)
 */
import { diagnoseHalfMaps, diagnoseMap, type Finding, type MapSummary } from '../diagnostics/index.js';
import { checkKnownKeys, RUN_OPTION_KEYS } from './estimate-options.js';
import { startRun, type RunOptions } from './run-control.js';
import { checkVolume, type VolumeInput } from './volume.js';

export type { Finding, MapSummary };

/** What {@link checkMap} returns. */
export interface CheckMapResult {
  /** Per map: box, voxel size, value statistics, solvent statistics (one entry, two with `half2`). */
  maps: MapSummary[];
  /**
   * Findings (`{code, severity, message, evidence}`): `masked`, `flattened`, `sharpened`,
   * `not-density`, `inverted`, `anisotropic-voxels`, `constant`…; with two maps also `identical-halves`, `anti-correlated-halves`, `not-independent`,
   * `voxel-size-mismatch`, `box-mismatch`, `halves-look-masked`, `halves-differ-in-scale`, `low-passed-halves`. Empty when the map looks fine.
   */
  findings: Finding[];
}

/**
 * Diagnose a map, or two half maps, as `occupy check` does: masked, flattened, sharpened, not a
 * density map (a mask, scale or local-resolution map), and for half maps identical, dependent or
 * low-passed halves. Findings are information; a map is never refused here.
 *
 * @param volume the map: `data` Float32Array nx*ny*nz, x fastest; `voxelSizeA` Å
 * @param half2 optional second half map (then `volume` is the first half)
 * @param options see {@link RunOptions}
 * @throws TypeError for a volume of the wrong kind or length (`data` not a Float32Array of
 *   length nx*ny*nz, `shape`/`voxelSizeA` not triples), naming it
 * @throws OptionError for an invalid volume or option
 * @throws the signal's reason (DOMException `AbortError`) when `signal` aborts (during the
 *   diagnosis, which runs on the calling thread: once it is done)
 * @see docs/diagnostics.md (each check, its threshold and how it was measured); README "Is my map suitable?"
 */
export async function checkMap(volume: VolumeInput, half2?: VolumeInput, options: RunOptions = {}): Promise<CheckMapResult> {
  checkKnownKeys(options, RUN_OPTION_KEYS);
  const a = checkVolume(volume, 'volume');
  const b = half2 === undefined ? undefined : checkVolume(half2, 'half2');
  const rc = await startRun(options);
  rc.phase('check', 0.1);
  let out: CheckMapResult;
  if (!b) {
    const d = diagnoseMap(a);
    out = { maps: [d.map], findings: d.findings };
  } else {
    const p = diagnoseHalfMaps(a, b, { contentLimit: true });
    out = { maps: [p.maps[0].map, p.maps[1].map], findings: p.findings };
  }
  // the diagnosis runs on the calling thread: an abort from a timer meanwhile runs only now, and
  // had never been seen (the call resolved as if not aborted)
  await rc.yield();
  rc.done();
  return out;
}
