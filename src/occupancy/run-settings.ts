/**
 * Every resolved setting of an estimate run, by option name (defaults filled in), for the run
 * record (log, `--json`, MRC labels, batch records).
 */
import type { EstimateResult } from './estimate.js';
import { DEFAULT_LOWPASS_MASK, DEFAULT_MAX_BOX, DEFAULT_MIN_VIS_SCALE, DEFAULT_SCALE_LIMIT, type ResolvedEstimateOptions } from './options.js';
import { axisTiling } from './tiles.js';

/**
 * The options {@link resolvedSettings} reads: the estimate's options as the schema resolves them
 * (`resolveEstimateOptions`); missing fields count as their defaults.
 */
export type SettingsSource = Partial<ResolvedEstimateOptions>;

/**
 * The resolved settings of a run, keyed by the option's long name without dashes: mode, low-pass
 * (Å, the value used), kernel size/radius/n_v, tau (used and recommended), tile size per axis of the
 * processing box, max box, processing box and voxel size (Å), every modification (kind, power,
 * pivot), solvent handling, output low-pass, histogram matching, hedge, nlrc, masks, the seed (`null`
 * when the run draws no random number) and
 * the output switches. Values that were not set are `null` (so that the record lists every option).
 */
export function resolvedSettings(o: SettingsSource, r: EstimateResult, seed: number | null): Record<string, unknown> {
  const s = r.settings;
  const tiles = o.useS0 ? null : r.processingShape.map((n) => axisTiling(n, o.tileSize).tile);
  const modifications = (o.modifications ?? []).map((m) => ({ kind: m.kind, power: m.gamma, ...(m.kind === 'sigmoid' ? { pivot: m.pivot ?? null } : {}) }));
  return {
    mode: r.mode === 'occ' ? 'occupancy' : 'resolution',
    resolution: o.resolutionA ?? null,
    lowpass: s.lowpassA,
    'lowpass-mask': o.lowpassMask ?? DEFAULT_LOWPASS_MASK,
    'kernel-size': s.kernel.size,
    'kernel-radius': s.kernel.radiusVoxels,
    'kernel-n_v': s.kernel.nSamples,
    tau: s.tau,
    'tau-recommended': s.tauRecommended,
    'tile-size': tiles,
    'max-box': o.maxBox ?? DEFAULT_MAX_BOX,
    'box-input': [...r.inputShape],
    'box-processing': [...r.processingShape],
    'voxel-processing': [...r.processingVoxelSizeA],
    angpix: o.angpix ?? null,
    S0: o.useS0 === true,
    'solvent-def': o.solventDefPath ?? null,
    'hedge-confidence': o.hedgeConfidence ?? null,
    nlrc: o.nlrc === true,
    'target-mask': o.targetMaskPath ?? null,
    'scale-limit': o.scaleLimit ?? DEFAULT_SCALE_LIMIT,
    modifications,
    'scale-from': o.scaleFrom ?? 'estimate',
    'exclude-solvent': o.excludeSolvent === true,
    'omit-confidence': o.omitConfidence === true,
    'lowpass-output': o.lowpassOutputA ?? null,
    'hist-match': o.histMatch === true,
    seed,
    'save-all-maps': o.saveAllMaps === true,
    chimerax: o.chimerax !== false,
    'chimerax-silent': o.chimeraxSilent === true,
    'min-vis-scale': o.minVisScale ?? DEFAULT_MIN_VIS_SCALE,
    plot: o.plot === true,
  };
}
