/**
 * Text and JSON forms of a diagnosis (for `occupy check`, logs and summaries).
 */
import type { Finding } from './findings.js';
import type { MapDiagnosis, MapSummary } from './diagnose.js';

const g = (v: number, d = 4): string => (!Number.isFinite(v) ? 'n/a' : v === 0 ? '0' : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? v.toPrecision(d) : v.toExponential(2));

/** The finding as JSON: `{ code, severity, message, evidence }` (NaN evidence becomes null). */
export function findingJson(f: Finding): Finding {
  const evidence: Finding['evidence'] = {};
  for (const [k, v] of Object.entries(f.evidence)) evidence[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return { code: f.code, severity: f.severity, message: f.message, evidence };
}

/** The map summary as JSON (NaN becomes null), with its path. */
export function mapSummaryJson(path: string, m: MapSummary): Record<string, unknown> {
  const out: Record<string, unknown> = { path };
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out;
}

/** Aligned lines describing a map (box, voxel size, values, solvent statistics, Guinier B, solvent-noise rise). */
export function mapSummaryLines(path: string, d: MapDiagnosis): string[] {
  const m = d.map;
  const gf = d.guinier;
  return [
    `Map                : ${path}`,
    `Box          [vox] : ${m.box.join(' x ')}`,
    `Voxel size   [Å]   : ${m.voxelSizeA.map((a) => a.toFixed(3)).join(', ')}`,
    `Values             : min ${g(m.min)}, max ${g(m.max)}, mean ${g(m.mean)}, std ${g(m.std)}`,
    `Exactly zero       : ${(100 * m.zeroFraction).toFixed(1)} % of voxels`,
    `Solvent noise      : local std ${g(m.solventStdEdge, 3)} × the map's std at the edge of the inscribed sphere, ${g(m.solventStdCorner, 3)} in the corners`,
    `Guinier B    [Å²]  : ${gf.notMeasurable === null ? `${gf.bFactorA2.toFixed(0)} (${(1 / gf.fitFromPerA).toFixed(1)}–${(1 / gf.fitToPerA).toFixed(1)} Å${Number.isFinite(gf.cutoffPerA) ? `, hard cut-off at ${(1 / gf.cutoffPerA).toFixed(1)} Å` : ''})` : `not measurable (${gf.notMeasurable})`}`,
    `Solvent noise rise : ${d.noise && Number.isFinite(d.noise.noiseRiseLn) ? `${d.noise.noiseRiseLn >= 0 ? '+' : ''}${d.noise.noiseRiseLn.toFixed(2)} (ln amplitude, ${(1 / d.noise.bandFromPerA).toFixed(1)}–${(1 / d.noise.bandToPerA).toFixed(1)} Å; > 0.05 reads as sharpened)` : 'not assessed'}`,
    ...(d.spectrumGrid ? [`Upsampled          : ${d.spectrumGrid.how === 'interpolated' ? `looks interpolated onto a finer grid (beyond ${(2 * Math.max(...d.spectrumGrid.voxelSizeA)).toFixed(2)} Å the spectrum holds only the interpolation's images of the coarser one)` : `the spectrum is empty beyond ${(2 * Math.max(...d.spectrumGrid.voxelSizeA)).toFixed(2)} Å on every axis (resampled to a finer voxel size)`}: Guinier B and noise rise measured at its content's voxel size, ${d.spectrumGrid.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å (box ${d.spectrumGrid.box.join(' x ')})`] : []),
  ];
}

/** One line per finding, `severity [code] message`, or a line saying there is none. */
export function findingLines(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ['Findings           : none (the map looks like a raw reconstruction)'];
  return ['Findings           :', ...findings.map((f) => `  ${f.severity} [${f.code}] ${f.message}`)];
}
