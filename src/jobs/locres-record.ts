/**
 * The record of an `occupy locres` run (log, `--json`, MRC labels): the command line, version,
 * inputs with their SHA-256, and for `--method monores` its noise model, the frequency range it
 * tested and the caveat of single-map estimates.
 */
import { hashInputs, INPUTS_SHA256, inputsSha256Setting, makeRunRecord, type RunRecord } from '../core/run-record.js';

/** The caveat printed with every single-map monogenic estimate. */
export const MONORES_SINGLE_MAP_CAVEAT =
  'single-map estimate: the noise is taken from outside the mask, so it assumes that solvent noise is the noise inside the molecule (not true for masked, flattened, sharpened or anisotropic maps) and that the mask holds the whole molecule; prefer two half maps';

/** What {@link locresRecord} needs. */
export interface LocresRecordInput {
  /** The arguments as typed after `occupy` (absent for library calls). */
  commandLine?: readonly string[];
  /** The working folder to record (default `process.cwd()`; the GUI's root). */
  cwd?: string;
  /** The input maps (half maps, or the single map), then the mask. */
  inputs: readonly string[];
  method: 'localfsc' | 'monores';
  /** Monores: whether two half maps were given (noise from their difference). */
  twoMaps: boolean;
  /** Monores: the resolutions tested, Å. */
  testedA?: readonly number[];
  /** Value written outside the mask, Å (`--lowest-resolution` for local FSC; the coarsest tested for monores). */
  backgroundA: number;
  /** Every other resolved setting, by option name. */
  settings: Record<string, unknown>;
}

/**
 * The run record of a locres run: settings completed with the method's noise model, tested range and
 * (single-map monores) caveat. The first input's SHA-256 is the record's input; the others are
 * listed in the settings as `inputs-sha256`.
 */
export async function locresRecord(r: LocresRecordInput): Promise<RunRecord> {
  const hashes = await hashInputs(r.inputs);
  const settings: Record<string, unknown> = { method: r.method, ...r.settings, background: r.backgroundA };
  if (r.method === 'monores') {
    const tested = [...(r.testedA ?? [])];
    settings['noise-model'] = r.twoMaps ? 'half-map difference (noise inside the molecule)' : 'outside the mask (solvent noise)';
    settings['frequency-range'] = tested.length ? `${Math.max(...tested).toFixed(2)}–${Math.min(...tested).toFixed(2)} Å, ${tested.length} resolutions` : null;
    settings.threshold = '95th percentile of the noise amplitude (alpha 0.05)';
    if (!r.twoMaps) settings.caveat = MONORES_SINGLE_MAP_CAVEAT;
  }
  settings[INPUTS_SHA256] = inputsSha256Setting(hashes);
  return makeRunRecord({
    commandLine: r.commandLine,
    cwd: r.cwd,
    input: hashes[0],
    seed: 0,
    seedGiven: false,
    hasSeedOption: false,
    settings,
  });
}
