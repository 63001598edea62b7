/**
 * The run summary: the numbers a user reads after an estimate, as one JSON-able object, and the
 * text log (`log_<stem>.txt`) written from it.
 * @see shared/spec/occupy-algorithm.md §11
 */
import type { Vec3 } from '../core/volume.js';
import type { EstimateResult } from './estimate.js';
import type { Finding } from '../diagnostics/findings.js';
import { settingText, shellCommand, type RunRecord } from '../core/run-record.js';
import { removedOutputLines } from '../core/output-set.js';

/**
 * The summary of one estimate; the same numbers go to `--json`, the log and the terminal (spec
 * `shared/spec/occupy-algorithm.md` §11). Density values are in the input map's units; "scale"
 * values are fractions of the full scale s_max (0–1). Voxel positions are on the processing box.
 */
export interface EstimateSummary {
  /** Always `'occupy-ts'`. */
  tool: string;
  /** The tool's version (package.json). */
  version: string;
  /** The input map's path as given; `'(in memory)'` from the library's `estimateLocalScale`/`modifyMap`. */
  input: string;
  /** Voxel size of the input along X, Y, Z, Å. */
  voxelSizeA: Vec3;
  /** Voxel size used for processing along X, Y, Z, Å (larger than the input's when `maxBox` cropped the map). */
  processingVoxelSizeA: Vec3;
  /** Box of the input `[nx, ny, nz]`, voxels. */
  boxInput: [number, number, number];
  /** Box processed `[nx, ny, nz]`, voxels: the input's, or the Fourier-cropped one when larger than `maxBox` (§2). */
  boxProcessing: [number, number, number];
  /** `'res'`: scale of the raw map (resolution-dependent); `'occ'`: of the low-passed map (relative occupancy). */
  mode: 'res' | 'occ';
  /** Low-pass applied, Å: the coarser of `lowpassA` and `resolutionA` as given, else max(8 Å, 3 × processing voxel size) (§3, §4). */
  lowpassA: number;
  /** Edge of the spherical kernel's cube, voxels of the processing box (odd) (§3). */
  kernelSize: number;
  /** Radius of the spherical kernel, voxels of the processing box (§3). */
  kernelRadiusVoxels: number;
  /** n_v: number of voxels inside the kernel (§3). */
  nV: number;
  /** Tau used, in (0, 1]: the quantile of each tile taken for s_max (§3, §6). */
  tau: number;
  /** The default tau for this kernel: the root in (0, 1) of x^n_v + x − 1 = 0 (§3); equals `tau` unless `tau` was given. */
  tauRecommended: number;
  /** Scale at or below which a modification leaves the map as it is, in [0, 1) (0.05 unless `scaleLimit`) (§9). */
  scaleLimit: number;
  /**
   * Solvent model (§5): the Gaussian c·exp(−(x − mu)²/(2 sigma²)) fitted to the solvent region's
   * histogram; `mu` and `sigma` in density units, `c` the peak height of the histogram normalised
   * as a density (1/density units).
   */
  solventModel: {
    /** Peak height of the Gaussian, histogram normalised as a density (1/density units). */
    c: number;
    /** Centre of the Gaussian: the solvent's mean density, density units. */
    mu: number;
    /** Width of the Gaussian: the solvent's standard deviation, density units. */
    sigma: number;
  };
  /** Where the solvent model was fitted: the inscribed sphere (ellipsoid), the `solventDef` mask, or its complement (§5.1). */
  solventRegion: 'sphere' | 'solvent-def' | 'solvent-def-complement';
  /** Content at 1 % of solvent, density units. */
  contentAt1PctOfSolvent: number;
  /** Solvent edge (model drops to ~0), density units. */
  solventEdge: number;
  /** s_max, density units. */
  sMax: number;
  /** Centre of the s_max tile in voxels (x, y, z) and in Å in the map's frame, and the tile's half edge in voxels; absent with `useS0` (CLI `--S0`). */
  sMaxTile?: {
    /** Centre (x, y, z) in voxels of the processing box. */
    centreVoxel: Vec3;
    /** Centre (x, y, z) in Å in the map's frame (its origin included). */
    centreA: Vec3;
    /** Half the tile's edge along x, y, z, voxels of the processing box. */
    halfSizeVoxel: Vec3;
  };
  /** Centre of the tile with the lowest tau-quantile (the original's minimum tile), voxels and Å, and that quantile (density units); absent with `useS0`. */
  sMinTile?: {
    /** Centre (x, y, z) in voxels of the processing box. */
    centreVoxel: Vec3;
    /** Centre (x, y, z) in Å in the map's frame (its origin included). */
    centreA: Vec3;
    /** That tile's tau-quantile, density units. */
    value: number;
  };
  /**
   * The record of the run: command line as typed and the command that reproduces it (with the
   * seed), version, input path and SHA-256, the seed, every resolved setting. Absent from the
   * library's summaries (no command line).
   */
  record?: RunRecord;
  /** Mean of the scale input where scale = 1, divided by s_max (a fraction; the scale map's display level) (§6.4). */
  variabilityLimit: number;
  /** Density at which the confidence first exceeds 0.5, divided by s_max (a fraction) (§7). */
  confidenceLimit: number;
  /** Fraction of the histogram's range at which the confidence first exceeds 0.5, 0–1 (1: never, the solvent model failed). */
  lowestConfidentFraction: number;
  /** Whether the scale was recalibrated by the noise level (`nlrc`, §7.7). */
  nlrc: boolean;
  /** Occupancy of the target mask's region, 0–1; only with a target mask (`targetMask`, CLI `--target-mask`) (§8). */
  targetOccupancy?: number;
  /** Warnings that limit the result, one line each (the library's in its option names). */
  warnings: string[];
  /**
   * Findings of the input diagnostics and of the solvent-model self-check (`{code, severity,
   * message, evidence}`; each message is also one of {@link warnings}). Empty when none.
   */
  diagnostics: Finding[];
  /** Notes on what was done (cropping, tiles, target mask), one line each. */
  notes: string[];
  /** Files written, paths as given; empty from the library. */
  files: string[];
  /**
   * An earlier run's outputs for the same stem in the output folder that this run does not write
   * under names that do not say their settings (plots, `--save-all-maps` maps, the ChimeraX
   * script; never a scale or a modified map), which the run removes with its
   * outputs (`occupy MAP -o DIR/`; the GUI when saving to a folder), paths as given; absent when none.
   */
  removed?: string[];
  /** Wall-clock seconds of the whole run. */
  seconds: number;
  /** Wall-clock seconds per phase (read, resample, low-pass, ..., write; the log file itself excluded). */
  timingsS: Record<string, number>;
}

/** Context the estimate itself does not know. */
export interface SummaryContext {
  version: string;
  /** The run record (see {@link EstimateSummary.record}). */
  record?: RunRecord;
  input: string;
  inputVoxelSizeA: Vec3;
  scaleLimit: number;
  nlrc: boolean;
  /** Converts a voxel position of the processing box (x, y, z) to Å in the map frame. */
  voxelToA: (v: Vec3) => Vec3;
  files: string[];
  seconds: number;
  /** Findings of the input diagnostics (default none). */
  diagnostics?: Finding[];
}

/** Build the summary of an estimate. */
export function summarise(r: EstimateResult, ctx: SummaryContext): EstimateSummary {
  const s = r.settings;
  return {
    tool: 'occupy-ts',
    version: ctx.version,
    ...(ctx.record ? { record: ctx.record } : {}),
    input: ctx.input,
    voxelSizeA: ctx.inputVoxelSizeA,
    processingVoxelSizeA: r.processingVoxelSizeA,
    boxInput: [...r.inputShape],
    boxProcessing: [...r.processingShape],
    mode: r.mode,
    lowpassA: s.lowpassA,
    kernelSize: s.kernel.size,
    kernelRadiusVoxels: s.kernel.radiusVoxels,
    nV: s.kernel.nSamples,
    tau: s.tau,
    tauRecommended: s.tauRecommended,
    scaleLimit: ctx.scaleLimit,
    solventModel: { ...r.solvent.model },
    solventRegion: r.solvent.region,
    contentAt1PctOfSolvent: r.solvent.contentAt1PctOfSolvent,
    solventEdge: r.solvent.solventEdge,
    sMax: r.sMax,
    sMaxTile: r.sMaxTile
      ? { centreVoxel: r.sMaxTile.centreVoxel, centreA: ctx.voxelToA(r.sMaxTile.centreVoxel), halfSizeVoxel: r.sMaxTile.halfSizeVoxel }
      : undefined,
    sMinTile: r.sMaxTile && r.sMaxTile.minCentreVoxel
      ? { centreVoxel: r.sMaxTile.minCentreVoxel, centreA: ctx.voxelToA(r.sMaxTile.minCentreVoxel), value: r.sMaxTile.minValue }
      : undefined,
    variabilityLimit: r.variabilityLimit,
    confidenceLimit: r.confidenceLimit,
    lowestConfidentFraction: r.lowestConfidentFraction,
    nlrc: ctx.nlrc,
    targetOccupancy: r.targetOccupancy,
    warnings: [...r.warnings],
    diagnostics: [...(ctx.diagnostics ?? [])],
    notes: [...r.notes],
    files: ctx.files,
    seconds: ctx.seconds,
    timingsS: { ...r.timingsS },
  };
}

function fmt(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? v.toFixed(digits) : v.toExponential(digits);
}

/** The settings block of the summary as aligned `name: value` lines (log and terminal). */
export function settingsLines(s: EstimateSummary): string[] {
  const tau = s.tau.toFixed(4) + (Math.abs(s.tau - s.tauRecommended) > 1e-12 ? ` (recommended ${s.tauRecommended.toFixed(4)})` : '');
  return [
    `Input              : ${s.input}`,
    `Voxel size   [Å]   : ${s.voxelSizeA.map((a) => a.toFixed(3)).join(', ')}`,
    `Box input    [vox] : ${s.boxInput.join(' x ')}`,
    `Box process  [vox] : ${s.boxProcessing.join(' x ')}${s.boxProcessing.join() !== s.boxInput.join() ? ` (voxel ${s.processingVoxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å)` : ''}`,
    `Kernel size  [vox] : ${s.kernelSize}`,
    `Kernel radius[vox] : ${s.kernelRadiusVoxels.toFixed(3)}`,
    `Kernel n_v         : ${s.nV}`,
    `Tau                : ${tau}`,
    `Low-pass     [Å]   : ${s.lowpassA.toFixed(2)}`,
    `Mode               : ${s.mode === 'occ' ? 'occupancy (scale of the low-passed map)' : 'resolution (scale of the raw map, includes resolution)'}`,
    `Scale limit        : ${s.scaleLimit.toFixed(3)}`,
  ];
}

/** The detected-limits block as aligned lines (density units unless stated). */
export function limitsLines(s: EstimateSummary): string[] {
  const lines = [
    `Solvent model      : peak mu ${fmt(s.solventModel.mu, 4)}, width sigma ${fmt(s.solventModel.sigma, 4)}, height ${fmt(s.solventModel.c, 4)} (${s.solventRegion})`,
    `Content at 1% solv.: ${fmt(s.contentAt1PctOfSolvent)}`,
    `Solvent edge       : ${fmt(s.solventEdge)}`,
    `Full scale s_max   : ${fmt(s.sMax, 4)}`,
  ];
  if (s.sMaxTile) lines.push(`s_max tile centre  : voxel (${s.sMaxTile.centreVoxel.join(', ')}), ${s.sMaxTile.centreA.map((v) => v.toFixed(2)).join(', ')} Å`);
  if (s.sMinTile) lines.push(`Minimum tile centre: voxel (${s.sMinTile.centreVoxel.join(', ')}), ${s.sMinTile.centreA.map((v) => v.toFixed(2)).join(', ')} Å (value ${fmt(s.sMinTile.value, 4)})`);
  lines.push(
    `Variability limit  : ${fmt(s.variabilityLimit)}`,
    `Confidence limit   : ${fmt(s.confidenceLimit)}${s.nlrc ? ' (scale recalibrated by it: --nlrc)' : ''}`,
  );
  if (s.targetOccupancy !== undefined) lines.push(`Target occupancy   : ${s.targetOccupancy.toFixed(3)}`);
  return lines;
}

/**
 * The record block of the log: the command as typed, the command that reproduces the outputs
 * byte for byte, the folder it ran in, version, input and SHA-256, seed, and every resolved setting
 * as `--option value` lines.
 */
export function recordLines(rec: RunRecord): string[] {
  const lines = [
    `Command            : ${rec.commandLine.length ? shellCommand(['occupy', ...rec.commandLine]) : '(not run from the command line)'}`,
    `Rerun (same output): ${rec.commandLine.length ? rec.rerun : '(not run from the command line)'}`,
    `Working folder     : ${rec.cwd}`,
    ...(rec.rerunCwd !== undefined ? [`Rerun folder       : ${rec.rerunCwd} (run the rerun line there)`] : []),
    `Version            : ${rec.tool} ${rec.version}${rec.build ? ` (git ${rec.build})` : ''}`,
  ];
  if (rec.input) lines.push(`Input              : ${rec.input.path} (${rec.input.bytes} bytes, SHA-256 ${rec.input.sha256})`);
  if ('seed' in rec.settings) lines.push(`Seed               : ${rec.seedText !== undefined ? rec.seedText : rec.settings.seed === null ? 'not used (no synthetic solvent noise: only --attenuate or --sigmoid without --exclude-solvent add it)' : `${rec.seed}${rec.seedGiven ? ' (given)' : ' (drawn at random; --seed ' + rec.seed + ' reproduces it)'}`}`);
  lines.push('Resolved settings  : (option names; defaults filled in)');
  for (const [k, v] of Object.entries(rec.settings)) lines.push(`  ${k.padEnd(19)} ${v === null ? '(not set)' : Array.isArray(v) && v.length === 0 ? '(none)' : Array.isArray(v) && typeof v[0] === 'object' ? v.map((m) => settingText(m)).join('; ') : settingText(v)}`);
  return lines;
}

/** The full text of `log_<stem>.txt`. */
export function formatLog(s: EstimateSummary): string {
  const out = [`occupy-ts ${s.version} — local scale estimate`, ''];
  if (s.record) out.push('--- Record ---', ...recordLines(s.record), '');
  out.push('--- Settings ---', ...settingsLines(s), '', '--- Detected limits ---', ...limitsLines(s));
  if (s.notes.length) out.push('', '--- Notes ---', ...s.notes);
  out.push('', '--- Input diagnostics ---', ...(s.diagnostics.length ? s.diagnostics.map((f) => `${f.code} (${f.severity}): ${JSON.stringify(f.evidence)}`) : ['no findings']));
  out.push('', '--- Warnings ---', ...(s.warnings.length ? s.warnings.map((w) => `WARNING: ${w}`) : ['none']));
  out.push('', '--- Files ---', ...s.files, ...(s.removed ? ['', ...removedOutputLines(s.removed)] : []), '', `Run time: ${s.seconds.toFixed(2)} s (${Object.entries(s.timingsS).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})`);
  return out.join('\n') + '\n';
}
