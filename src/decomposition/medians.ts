/**
 * The medians `occupy decompose` reports: whole-molecule and per-label median occupancy and B of
 * one decomposition (the summary, and each noise redraw of `--noise-draws`).
 * @see shared/spec/occupancy-decomposition.md
 */
import { quantileWhere } from '../math/select.js';
import type { DecomposeResult } from './decompose.js';

/** Medians of one decomposition (as `occupy decompose` reports them). */
export interface DecompositionMedians {
  /** Median occupancy over the molecule's voxels with a fit (≥ 1 usable band). */
  occupancy: number;
  /** Median B (Å²) over the molecule's voxels with a slope (≥ 2 usable bands). */
  bfactorA2: number;
  /** Per label (> 0, ascending), medians over the label's voxels in the molecule with a fit (≥ 1 usable band), and their number. */
  labels: { label: number; voxels: number; occupancy: number; bfactorA2: number }[];
}

/**
 * The whole-molecule and per-label medians of a decomposition.
 * @param r a result of {@link decompose}
 * @param labels optional label map on the result's box (integers > 0), length nx*ny*nz
 */
export function decompositionMedians(r: DecomposeResult, labels?: ArrayLike<number>): DecompositionMedians {
  const n = r.occupancy.data.length;
  const buf = new Float32Array(n);
  const used = r.bandsUsed.data;
  const mol = r.molecule;
  const med = (v: Float32Array, sel: (i: number) => boolean) => quantileWhere(v, sel, 0.5, buf);
  const out: DecompositionMedians = {
    occupancy: med(r.occupancy.data, (i) => mol[i] === 1 && used[i] > 0).value,
    bfactorA2: med(r.bfactor.data, (i) => mol[i] === 1 && used[i] > 1).value,
    labels: [],
  };
  if (labels) {
    const ids = [...new Set(Array.from(labels, (v) => Math.round(v)))].filter((v) => v > 0).sort((a, b) => a - b);
    for (const label of ids) {
      // inside the molecule, as the whole-molecule medians: a labels map that covers the box (a
      // segmentation by nearest domain) had counted its solvent too (64³ crop of synth_halves128:
      // 65372 voxels, not 10912, B 88.8 Å², not 67.7 Å²)
      const sel = (i: number) => mol[i] === 1 && Math.round(labels[i]) === label && used[i] > 0;
      const occupancy = med(r.occupancy.data, sel);
      out.labels.push({ label, voxels: occupancy.count, occupancy: occupancy.value, bfactorA2: med(r.bfactor.data, sel).value });
    }
  }
  return out;
}
