/**
 * The completion key of a batch map: a hash of the resolved method settings and of the input's
 * content, so that a rerun with other settings (or a changed file under the same name) is never
 * taken for "already complete".
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { hashFile } from '../core/run-record.js';
import { notRegularFileReason } from '../core/regular-file.js';
import type { BatchItem } from './inputs.js';
import { DEFAULT_LOWPASS_MASK, DEFAULT_MAX_BOX, DEFAULT_MIN_VIS_SCALE, DEFAULT_SCALE_LIMIT } from '../occupancy/options.js';

/**
 * Defaults of the method options: an option at its default computes what the option left out
 * computes, so both give the same key (a library call with `{}` and the CLI's explicit defaults).
 */
const OPTION_DEFAULTS: Record<string, unknown> = {
  mode: 'res',
  lowpassMask: DEFAULT_LOWPASS_MASK,
  maxBox: DEFAULT_MAX_BOX,
  useS0: false,
  nlrc: false,
  scaleLimit: DEFAULT_SCALE_LIMIT,
  saveAllMaps: false,
  chimerax: true,
  chimeraxSilent: false,
  minVisScale: DEFAULT_MIN_VIS_SCALE,
  modifications: [],
  excludeSolvent: false,
  omitConfidence: false,
  histMatch: false,
  plot: false,
  force: false,
  diagnostics: true,
  scaleFrom: 'estimate',
};

/**
 * Method options as the key sees them: how a run is executed (`threads`, progress) is not part of
 * what it computes; the seed is filled in (batch default 0); options at their default are left out.
 */
export function keySettings(options: object): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options as Record<string, unknown>)) {
    if (v === undefined || k === 'threads' || k === 'onProgress' || k === 'commandLine' || k === 'rerunArgs') continue;
    if (k in OPTION_DEFAULTS && canonicalJson(v) === canonicalJson(OPTION_DEFAULTS[k])) continue;
    settings[k] = v;
  }
  settings.seed = settings.seed ?? 0; // the batch default
  return settings;
}

/** JSON with object keys sorted at every level and undefined values left out (one text per value). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The digest of an item's input: the SHA-256 of a local file's bytes, or `emdb:<ID>` for an EMDB
 * entry (archive entries do not change under their ID).
 * @returns undefined when the file cannot be read or is not a regular file (a FIFO would block the
 *   open, a device would never end; the run's record will say why)
 */
export async function inputDigest(item: BatchItem): Promise<string | undefined> {
  if (item.source.startsWith('emdb:')) return item.source;
  try {
    if (notRegularFileReason(await stat(item.source)) !== undefined) return undefined;
    return (await hashFile(item.source)).sha256;
  } catch {
    return undefined;
  }
}

/**
 * The completion key: the first 16 hex digits of SHA-256(canonical settings, input digest).
 * @param options the batch's method options (see {@link keySettings})
 * @param digest from {@link inputDigest} (or the SHA-256 the estimate recorded)
 */
export function runKey(options: object, digest: string): string {
  return createHash('sha256').update(`occupy-ts batch key 1\n${canonicalJson(keySettings(options))}\n${digest}`).digest('hex').slice(0, 16);
}
