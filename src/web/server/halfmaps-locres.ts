/**
 * The local-resolution method of the GUI's half-map run (`POST /api/halfmaps` fields
 * `locresMethod`, `locresSampling`): read from the request, checked by the CLI's option schema
 * (`resolveLocresOptions`, and `checkLocresSampling` against the first half's header) with the
 * CLI's messages under the page's field, and turned into the `occupy locres` options and the
 * arguments of the equivalent command line.
 */
import { OptionError } from '../../core/option-error.js';
import { nonCubicVoxelsError } from '../../core/voxel-size-limits.js';
import { checkLocresSampling, LOCRES_OPTION, resolveLocresOptions, type LocresOptionKey, type LocresOptionValues } from '../../resolution/locres-options.js';
import { HALF_MAPS_LOCRES_METHODS, type HalfMapsLocresMethod } from '../api.js';
import { HttpError } from './http-util.js';
import type { HalfMapGrid } from './half-map-grids.js';

/** The local-resolution method of a half-map run and its setting. */
export interface HalfMapsLocres {
  method: HalfMapsLocresMethod;
  /** With `relion`: `--locres-sampling`, Å (undefined: RELION's default). */
  samplingA?: number;
}

/** The `occupy locres` option values of a method (the schema's keys). */
export function locresMethodValues(l: HalfMapsLocres): LocresOptionValues {
  if (l.method === 'relion') return { relion: true, ...(l.samplingA !== undefined ? { locresSampling: l.samplingA } : {}) };
  if (l.method === 'monores') return { method: 'monores' };
  return {};
}

/** The method's arguments of the equivalent `occupy locres` command line (the schema's flags). */
export function locresMethodArgs(l: HalfMapsLocres): string[] {
  if (l.method === 'relion') return [LOCRES_OPTION.relion.flag, ...(l.samplingA !== undefined ? [LOCRES_OPTION.locresSampling.flag, String(l.samplingA)] : [])];
  if (l.method === 'monores') return [LOCRES_OPTION.method.flag, 'monores'];
  return [];
}

/** The request field a schema refusal is about (the page shows the message under it). */
function fieldOf(option: string): string {
  const fields: Partial<Record<LocresOptionKey, string>> = { locresSampling: 'locresSampling', method: 'locresMethod', relion: 'locresMethod', mask: 'mask', labels: 'labels' };
  return fields[option as LocresOptionKey] ?? 'locresMethod';
}

/**
 * The method of a `POST /api/halfmaps` body, checked as `occupy locres` checks its options: the
 * value and range of `--locres-sampling` and the rules between options (`--locres-sampling needs
 * --relion`) by {@link resolveLocresOptions}, with the CLI's messages.
 * @param body the request body (`locresMethod`, `locresSampling`; absent: local FSC)
 * @param inputs whether a mask and a labels map were given (they take part in the rules)
 * @throws HttpError 400 under `locresMethod` (not one of {@link HALF_MAPS_LOCRES_METHODS}) or
 *   `locresSampling` (the schema's message, e.g. `--locres-sampling must be a number in [0.1, 1000] Å, got -3`)
 */
export function parseHalfMapsLocres(body: Record<string, unknown>, inputs: { mask?: string; labels?: string }): HalfMapsLocres {
  const m = body.locresMethod ?? 'localfsc';
  if (typeof m !== 'string' || !(HALF_MAPS_LOCRES_METHODS as readonly string[]).includes(m)) {
    throw new HttpError(400, `the local-resolution method must be one of ${HALF_MAPS_LOCRES_METHODS.join(', ')} (local FSC, --relion, --method monores), got ${JSON.stringify(m)}`, 'locresMethod');
  }
  const method = m as HalfMapsLocresMethod;
  const sampling = body.locresSampling === null ? undefined : body.locresSampling;
  // the schema checks the value (a string is refused as the CLI refuses a non-number) and the rules
  const values = { ...locresMethodValues({ method }), ...(sampling !== undefined ? { locresSampling: sampling as number } : {}), mask: inputs.mask, labels: inputs.labels };
  try {
    resolveLocresOptions(values, 2);
  } catch (err) {
    if (err instanceof OptionError) throw new HttpError(400, err.message, fieldOf(err.option));
    throw err;
  }
  return { method, ...(sampling !== undefined ? { samplingA: sampling as number } : {}) };
}

/**
 * What `occupy locres` refuses from the first half's header before any work, refused before the
 * run is queued with the CLI's message: voxels that are not cubic (every method; under `half1`)
 * and, with `relion`, a window sampling (or its 25 Å default) under 4 voxels or over a third of the
 * box edge (`checkLocresSampling`; under `locresSampling`).
 * @param grid the first half's box and voxel size, as `checkHalfMapGrids` read them from its header
 *   (the header is read once before the run is queued)
 * @param half1Name the first half as the user named it (in the message)
 * @throws HttpError 400 naming the field
 */
export function checkHalfMapsLocresGrid(l: HalfMapsLocres, grid: HalfMapGrid, half1Name: string): void {
  const notCubic = nonCubicVoxelsError(grid.voxelSizeA);
  if (notCubic) throw new HttpError(400, `half map '${half1Name}': ${notCubic}`, 'half1');
  if (l.method !== 'relion') return;
  try {
    checkLocresSampling(l.samplingA, grid.shape, grid.voxelSizeA);
  } catch (err) {
    if (err instanceof OptionError) throw new HttpError(400, err.message, 'locresSampling');
    throw err;
  }
}

/**
 * The maps besides the resolution map that a method wrote, by name (the pinned voxels: local FSC
 * and MonoRes; the 90 % interval's ends: local FSC), null for those it did not write.
 * @param files the names of the files the job wrote
 * @param locresName the resolution map's name (`locres_<stem>.mrc`)
 */
export function locresOutputMaps(files: readonly string[], locresName: string): { pinned: string | null; low: string | null; high: string | null } {
  const stem = locresName.replace(/\.mrc$/, '');
  const of = (suffix: string) => (files.includes(`${stem}_${suffix}.mrc`) ? `${stem}_${suffix}.mrc` : null);
  return { pinned: of('pinned'), low: of('low'), high: of('high') };
}
