/**
 * The kernel-settings panel: reads the form, recomputes the derived settings live with the same
 * code as the CLI (`deriveSettings`), and builds the request settings and the equivalent command.
 */
import type { EstimateSettings, MapInfo } from '../api.js';
import { deriveSettings, type DerivedSettings } from '../../occupancy/kernel.js';
import { checkModification, type ModificationKind } from '../../occupancy/modification-curves.js';
import { DEFAULT_MAX_BOX, downsampledNote, estimateOptionErrors, processingBox } from '../../occupancy/estimate-options.js';
import { checkOptionValue, ESTIMATE_OPTION, unreadEstimateOptions, type EstimateOptionValues } from '../../occupancy/options.js';
import { NOT_A_NUMBER, numberFieldValue } from './number-field.js';

/** What the form holds; undefined = left blank (the CLI derives it). */
export interface FormSettings {
  lowpassA?: number;
  resolutionA?: number;
  kernelSize?: number;
  kernelRadiusVoxels?: number;
  tau?: number;
  tileSize?: number;
  maxBox?: number;
  mode: 'res' | 'occ';
  nlrc: boolean;
  hedgeConfidence?: number;
  scaleLimit?: number;
  soldefKind: 'sphere' | 'mask' | 'threshold';
  soldefPath?: string;
  soldefThreshold: number;
  /** `--S0`. */
  useS0: boolean;
  /** `--target-mask`, a path under the root. */
  targetMaskPath?: string;
  /**
   * The number fields holding text that is not a number (request field names, e.g. `lowpassA`):
   * read as blank above, and refused under each field, not run with the default.
   */
  notNumbers?: string[];
}

/** One modification: its kind, power and (sigmoid) pivot. */
export interface ModificationItem {
  kind: ModificationKind;
  gamma: number;
  pivot: number;
}

/**
 * The modification controls: every ticked modification (`items`, written by one Modify run), and
 * the one the Preview, the subtraction mask and the curve highlight use (`kind`, `gamma`, `pivot`).
 */
export interface ModificationSettings extends ModificationItem {
  items: ModificationItem[];
  excludeSolvent: boolean;
  /** `--lowpass-output`, Å. */
  lowpassOutputA?: number;
  /** `--hist-match`. */
  histMatch: boolean;
  /** The fields holding text that is not a number (request field names: `amplify`, `pivot`, `lowpassOutputA` …). */
  notNumbers?: string[];
}

/** The modification kinds in the order the CLI writes them. */
export const MODIFICATION_KINDS: readonly ModificationKind[] = ['amplify', 'attenuate', 'sigmoid'];

/** Default `--scale-limit`. */
export const DEFAULT_SCALE_LIMIT = 0.05;

function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e as T;
}

/**
 * A reader of number inputs: each input's value, or undefined when blank; an input holding text
 * that is not a number reads as `fallback` and its request field is added to `notNumbers`.
 */
function numberReader(notNumbers: string[]): (id: string, field: string, fallback?: number) => number | undefined {
  return (id, field, fallback) => {
    const v = numberFieldValue(el<HTMLInputElement>(id));
    if (v !== NOT_A_NUMBER) return v ?? fallback;
    notNumbers.push(field);
    return fallback;
  };
}

/** Read the kernel and solvent-definition form. */
export function readForm(): FormSettings {
  const notNumbers: string[] = [];
  const optionalNumber = numberReader(notNumbers);
  return {
    lowpassA: optionalNumber('lowpass', 'lowpassA'),
    resolutionA: optionalNumber('resolution', 'resolutionA'),
    kernelSize: optionalNumber('kernel-size', 'kernelSize'),
    kernelRadiusVoxels: optionalNumber('kernel-radius', 'kernelRadiusVoxels'),
    tau: optionalNumber('tau', 'tau'),
    tileSize: optionalNumber('tile-size', 'tileSize'),
    maxBox: optionalNumber('max-box', 'maxBox'),
    mode: el<HTMLSelectElement>('mode').value === 'occ' ? 'occ' : 'res',
    nlrc: el<HTMLInputElement>('nlrc').checked,
    hedgeConfidence: optionalNumber('hedge', 'hedgeConfidence'),
    scaleLimit: optionalNumber('scale-limit', 'scaleLimit'),
    soldefKind: el<HTMLSelectElement>('soldef-kind').value as FormSettings['soldefKind'],
    soldefPath: el<HTMLInputElement>('soldef-path').value.trim() || undefined,
    soldefThreshold: Number(el<HTMLInputElement>('soldef-threshold').value),
    useS0: el<HTMLInputElement>('s0').checked,
    targetMaskPath: el<HTMLInputElement>('target-mask').value.trim() || undefined,
    notNumbers,
  };
}

/** Read the modification controls (a blank power or pivot reads 0, which the checks refuse). */
export function readModification(): ModificationSettings {
  const notNumbers: string[] = [];
  const number = numberReader(notNumbers);
  const pivot = number('mod-pivot', 'pivot', 0) as number;
  const ticked = MODIFICATION_KINDS.filter((k) => el<HTMLInputElement>(`mod-on-${k}`).checked);
  // (a power of a kind not ticked is not read: it is neither run nor refused)
  const gammas = new Map(ticked.map((k) => [k, number(`mod-gamma-${k}`, k, 0) as number]));
  const items = ticked.map((kind) => ({ kind, gamma: gammas.get(kind) as number, pivot }));
  const kind = el<HTMLSelectElement>('mod-kind').value as ModificationKind;
  return {
    kind,
    gamma: gammas.get(kind) ?? Number(el<HTMLInputElement>(`mod-gamma-${kind}`).value),
    pivot,
    items,
    excludeSolvent: el<HTMLInputElement>('exclude-solvent').checked,
    lowpassOutputA: number('lowpass-output', 'lowpassOutputA'),
    histMatch: el<HTMLInputElement>('hist-match').checked,
    notNumbers: notNumbers.filter((f) => f !== 'pivot' || ticked.includes('sigmoid')),
  };
}

/** Result of the live derivation: the derived settings plus what the page adds. */
export interface LiveSettings {
  derived?: DerivedSettings;
  /** Processing voxel size (finest axis), Å. */
  voxelSizeA?: number;
  processingBox?: [number, number, number];
  /** Validation errors (one line each, naming the option like the CLI). */
  errors: string[];
  /** Warnings as the CLI prints them, plus the down-sampling note. */
  warnings: string[];
  notes: string[];
}

/**
 * Recompute the derived settings for the open map (spec §3) and check the other options the way
 * the CLI does.
 */
export function liveSettings(form: FormSettings, map: MapInfo | undefined): LiveSettings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  // the option schema's types and ranges (as the CLI and the server check them); the kernel size's fit to the box comes from deriveSettings below
  for (const [key, v] of [['lowpassA', form.lowpassA], ['resolutionA', form.resolutionA], ['kernelRadiusVoxels', form.kernelRadiusVoxels], ['tau', form.tau], ['tileSize', form.tileSize], ['scaleLimit', form.scaleLimit]] as const) {
    try {
      if (v !== undefined) checkOptionValue(ESTIMATE_OPTION[key], v);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (form.kernelSize !== undefined && !Number.isFinite(form.kernelSize)) errors.push('--kernel-size must be a number');
  const maxBox = form.maxBox ?? DEFAULT_MAX_BOX;
  errors.push(...estimateOptionErrors({ maxBox, hedgeConfidence: form.hedgeConfidence }));
  if (form.soldefKind === 'mask' && !form.soldefPath) errors.push('--solvent-def: choose a mask file');
  if (!map) return { errors, warnings, notes };

  const box: [number, number, number] = errors.some((e) => e.startsWith('--max-box')) ? map.box : [...processingBox(map.box, maxBox)] as [number, number, number];
  const voxel = map.voxelSizeA.map((a, i) => (a * map.box[i]) / box[i]);
  const voxelSizeA = Math.min(...voxel);
  if (box.some((n, i) => n !== map.box[i])) {
    notes.push(downsampledNote(map.box, maxBox, box, voxel));
  }
  let derived: DerivedSettings | undefined;
  try {
    derived = deriveSettings({
      voxelSizeA,
      lowpassA: form.lowpassA,
      resolutionA: form.resolutionA,
      kernelSize: form.kernelSize,
      kernelRadiusVoxels: form.kernelRadiusVoxels,
      tau: form.tau,
      box,
    });
    warnings.push(...derived.warnings);
    notes.push(...derived.notes);
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  return { derived, voxelSizeA, processingBox: box, errors, warnings, notes };
}

/** Check the modification controls; the CLI's message, or undefined when valid. */
export function modificationError(m: ModificationSettings): string | undefined {
  if (m.items.length === 0) return 'tick at least one modification (amplify, attenuate or sigmoid)';
  if (m.lowpassOutputA !== undefined && !(m.lowpassOutputA > 0)) return `--lowpass-output must be a resolution in Å > 0, got ${m.lowpassOutputA}`;
  try {
    for (const it of m.items) checkModification(it.kind, it.gamma, it.kind === 'sigmoid' ? it.pivot : undefined);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The request settings of an estimate (only what the user set; the server derives the rest). */
export function requestSettings(form: FormSettings, mod?: ModificationSettings): EstimateSettings {
  const s: EstimateSettings = { mode: form.mode };
  if (form.lowpassA !== undefined) s.lowpassA = form.lowpassA;
  if (form.resolutionA !== undefined) s.resolutionA = form.resolutionA;
  if (form.kernelSize !== undefined) s.kernelSize = form.kernelSize;
  if (form.kernelRadiusVoxels !== undefined) s.kernelRadiusVoxels = form.kernelRadiusVoxels;
  if (form.tau !== undefined) s.tau = form.tau;
  if (form.tileSize !== undefined) s.tileSize = form.tileSize;
  if (form.maxBox !== undefined) s.maxBox = form.maxBox;
  if (form.nlrc) s.nlrc = true;
  if (form.hedgeConfidence !== undefined) s.hedgeConfidence = form.hedgeConfidence;
  if (form.scaleLimit !== undefined) s.scaleLimit = form.scaleLimit;
  if (form.soldefKind === 'mask' && form.soldefPath) s.solventDefPath = form.soldefPath;
  if (form.soldefKind === 'threshold') s.solventDefThreshold = form.soldefThreshold;
  if (form.useS0) s.useS0 = true;
  if (form.targetMaskPath) s.targetMaskPath = form.targetMaskPath;
  if (mod) {
    if (mod.lowpassOutputA !== undefined) s.lowpassOutputA = mod.lowpassOutputA;
    if (mod.histMatch) s.histMatch = true;
    for (const it of mod.items) {
      s[it.kind] = it.gamma;
      if (it.kind === 'sigmoid') s.pivot = it.pivot;
    }
    if (mod.excludeSolvent) s.excludeSolvent = true;
  }
  return s;
}

/** Quote a shell word when needed (POSIX single quotes). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** File stem of a map name (drops .gz and the map extension). */
export function mapStem(name: string): string {
  return name.replace(/\.gz$/i, '').replace(/\.(mrc|map|ccp4|rec)$/i, '');
}

/**
 * The command line equivalent to the settings (README options table); with a threshold solvent
 * definition, the `occupy soldef` step that makes the mask comes first.
 */
export function commandLine(map: MapInfo | undefined, form: FormSettings, mod?: ModificationSettings): string {
  const input = map ? (/^(upload|emdb):/.test(map.path) ? map.name : map.path) : 'MAP';
  // settings the run would not read are left out, as the server leaves them out of the run
  // (the scale limit without a modification, a tile size with --S0: unreadEstimateOptions)
  const typed: EstimateOptionValues = { scaleLimit: form.scaleLimit, tileSize: form.tileSize, useS0: form.useS0, excludeSolvent: mod?.excludeSolvent, lowpassOutputA: mod?.lowpassOutputA, histMatch: mod?.histMatch };
  for (const it of mod?.items ?? []) typed[it.kind] = it.gamma;
  const unread = new Set<string>(unreadEstimateOptions(typed).map((u) => u.key));
  const args: string[] = map?.path.startsWith('emdb:') ? ['occupy', '--emdb', map.path.slice(5)] : ['occupy', '-i', shellQuote(input)];
  const num = (flag: string, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) args.push(flag, String(v));
  };
  num('--resolution', form.resolutionA);
  num('--lowpass', form.lowpassA);
  num('--kernel-size', form.kernelSize);
  num('--kernel-radius', form.kernelRadiusVoxels);
  num('--tau', form.tau);
  if (!unread.has('tileSize')) num('--tile-size', form.tileSize);
  num('--max-box', form.maxBox);
  if (form.mode === 'occ') args.push('--occupancy');
  if (form.nlrc) args.push('--nlrc');
  num('--hedge-confidence', form.hedgeConfidence);
  if (!unread.has('scaleLimit')) num('--scale-limit', form.scaleLimit);
  let prefix = '';
  if (form.soldefKind === 'mask' && form.soldefPath) args.push('--solvent-def', shellQuote(form.soldefPath));
  if (form.soldefKind === 'threshold') {
    const t = form.soldefThreshold.toFixed(2);
    prefix = `occupy soldef scale_${form.mode}_${shellQuote(mapStem(input.split('/').pop() ?? input))}.mrc --threshold ${t} && `;
    args.push('--solvent-def', `soldef_by_scale_${t}.mrc`);
  }
  if (mod) {
    for (const it of mod.items) {
      args.push(`--${it.kind}`, String(it.gamma));
      if (it.kind === 'sigmoid') args.push('--pivot', String(it.pivot));
    }
    if (mod.excludeSolvent) args.push('--exclude-solvent');
    num('--lowpass-output', mod.lowpassOutputA);
    if (mod.histMatch) args.push('--hist-match');
  }
  if (form.useS0) args.push('--S0');
  if (form.targetMaskPath) args.push('--target-mask', shellQuote(form.targetMaskPath));
  return prefix + args.join(' ');
}
