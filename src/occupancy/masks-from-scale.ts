/**
 * Masks derived from a local-scale map: subtraction masks for RELION signal subtraction and
 * solvent definitions for `--solvent-def`.
 * @see shared/spec/occupy-algorithm.md §10
 */
import type { Shape3, Volume } from '../core/volume.js';
import { fourierResample } from '../filters/fourier-resample.js';
import { checkModification, sigmoidCurve } from './modification-curves.js';

/** Kind of subtraction mask: the attenuation of `--attenuate g`, or the lower half of `--sigmoid g --pivot p`. */
export type SubtractionMaskKind = 'attenuate' | 'sigmoid';

/** Resample a map to `shape` (Fourier crop/pad) when it differs; clip to [lo, hi] afterwards. */
function toBox(v: Volume, shape: Shape3 | undefined, lo: number, hi: number): Volume {
  if (!shape || shape.every((n, i) => n === v.shape[i])) return v;
  const r = fourierResample(v, shape);
  for (let i = 0; i < r.data.length; i++) r.data[i] = Math.min(hi, Math.max(lo, r.data[i]));
  return r;
}

/**
 * Subtraction mask (spec §10): per voxel the attenuation factor `scale^(g-1)` (attenuate) or, for
 * the sigmoid, `f(scale)/scale` below the pivot and 1 at and above it; clipped to [0, 1] and, when
 * `shape` is given, Fourier-resampled to that box (and clipped again).
 *
 * @param scale local-scale map in [0, 1], canonical layout
 * @param shape optional output box (the input map's), [nx, ny, nz]
 * @throws RangeError for g <= 1 or a pivot outside [0.01, 0.99]
 */
export function subtractionMask(scale: Volume, kind: SubtractionMaskKind, gamma: number, pivot?: number, shape?: Shape3): Volume {
  checkModification(kind, gamma, pivot);
  const f = kind === 'sigmoid' ? sigmoidCurve(gamma, pivot as number) : undefined;
  const out = new Float32Array(scale.data.length);
  for (let i = 0; i < out.length; i++) {
    const s = Math.min(1, Math.max(0, scale.data[i]));
    let m: number;
    if (kind === 'attenuate') m = Math.pow(s, gamma - 1);
    else m = s >= (pivot as number) ? 1 : s > 0 ? (f as (x: number) => number)(s) / s : 0;
    out[i] = Math.min(1, Math.max(0, m));
  }
  return toBox({ data: out, shape: scale.shape, voxelSizeA: scale.voxelSizeA }, shape, 0, 1);
}

/**
 * Solvent definition from the scale (spec §10): 1 where `scale > threshold`, else 0; when `shape`
 * is given the scale is first resampled to that box.
 *
 * @param threshold in [0, 1)
 * @throws RangeError for a threshold outside [0, 1)
 */
export function solventDefinitionFromScale(scale: Volume, threshold: number, shape?: Shape3): Volume {
  if (!(threshold >= 0 && threshold < 1)) throw new RangeError(`--threshold must be in [0, 1), got ${threshold}`);
  const s = toBox(scale, shape, 0, 1);
  const out = new Float32Array(s.data.length);
  for (let i = 0; i < out.length; i++) out[i] = s.data[i] > threshold ? 1 : 0;
  return { data: out, shape: s.shape, voxelSizeA: s.voxelSizeA };
}

/** File name of a subtraction mask: `subtraction_mask_attn_<g>.mrc` or `subtraction_mask_sigm_<p>.<g>.mrc`. */
export function subtractionMaskName(kind: SubtractionMaskKind, gamma: number, pivot?: number): string {
  return kind === 'attenuate' ? `subtraction_mask_attn_${gamma.toFixed(1)}.mrc` : `subtraction_mask_sigm_${(pivot as number).toFixed(2)}.${gamma.toFixed(1)}.mrc`;
}

/** File name of a solvent definition: `soldef_by_scale_<t>.mrc`. */
export function solventDefinitionName(threshold: number): string {
  return `soldef_by_scale_${threshold.toFixed(2)}.mrc`;
}
