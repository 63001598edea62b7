/**
 * Output file names of an estimate (spec §1 and §11).
 */
import { basename } from 'node:path';

/**
 * The stem of a map file name: the base name without `.gz` and without `.mrc`, `.map`, `.ccp4`
 * or `.mrcs` (e.g. `emd_1832.map.gz` → `emd_1832`).
 */
export function mapStem(path: string): string {
  let b = basename(path);
  b = b.replace(/\.gz$/i, '');
  b = b.replace(/\.(mrc|map|ccp4|mrcs|rec)$/i, '');
  return b;
}

/** Output names for one estimate with stem `stem` and scale mode `mode`. */
export function estimateOutputNames(stem: string, mode: 'res' | 'occ'): { scale: string; confidence: string; log: string; chimerax: string; chimeraxSilent: string; lowpassed: string; downsampled: string } {
  return {
    scale: `scale_${mode}_${stem}.mrc`,
    confidence: `conf_${stem}.mrc`,
    log: `log_${stem}.txt`,
    chimerax: `chimX_${stem}.cxc`,
    chimeraxSilent: `chimX_${stem}_silent.cxc`,
    lowpassed: `lowpass_${stem}.mrc`,
    downsampled: `downsampled_${stem}.mrc`,
  };
}
