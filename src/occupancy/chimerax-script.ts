/**
 * The ChimeraX command script written next to the outputs (`chimX_<stem>.cxc`).
 * @see shared/spec/occupy-algorithm.md §11
 */
import type { Vec3 } from '../core/volume.js';

/** The 9-colour turbo-like palette used to colour maps by local scale (ChimeraX palette syntax). */
export const SCALE_PALETTE =
  '0.00,#cc3920:0.12,#f0682e:0.25,#faab46:0.38,#dcdc4b:0.50,#a4fa4f:0.62,#56f582:0.75,#36d7c3:0.88,#46a4f6:1.00,#4d6edf';

/** What the script needs to know. */
export interface ChimeraxScriptInput {
  /** Path of the input map as ChimeraX should open it (relative to the script's folder or absolute). */
  inputPath: string;
  /** Path of the scale map. */
  scalePath: string;
  /** Paths of modified maps, each coloured by the scale. */
  modifiedPaths?: string[];
  /** Input surface level (density units): (s_max + solvent edge)/2. */
  surfaceLevel: number;
  /** Scale-map display level: the variability limit. */
  scaleLevel: number;
  /** Lowest scale of the colour range (`--min-vis-scale`). */
  minVisScale: number;
  /** Centre of the s_max tile in ChimeraX scene coordinates (Å), and its radius (Å). */
  maxTile?: { centreA: Vec3; radiusA: number };
  /** Warnings shown in the ChimeraX log. */
  warnings?: string[];
}

/** Quote a path for a ChimeraX command line (handles spaces and quotes). */
export function chimeraxQuote(p: string): string {
  return `"${p.replace(/\\/g, '/').replace(/"/g, '\\"')}"`;
}

/**
 * The ChimeraX script text: opens the input at the surface level, the scale map hidden at the
 * variability limit, defines `scale_color`, colours the input (and modified maps) by scale, marks the
 * s_max tile, shows a colour key and echoes the warnings.
 */
export function chimeraxScript(s: ChimeraxScriptInput): string {
  const modified = s.modifiedPaths ?? [];
  const lines: string[] = [];
  lines.push(`# ChimeraX script written by occupy-ts: open with  chimerax <this file>`);
  lines.push(`open ${chimeraxQuote(s.inputPath)}`);
  lines.push(`volume #1 style surface region all level ${s.surfaceLevel}`);
  lines.push(`open ${chimeraxQuote(s.scalePath)}`);
  lines.push(`volume #2 level ${s.scaleLevel}`);
  lines.push('hide #2 models');
  lines.push(`alias scale_color color sample $1 map $2 palette '${SCALE_PALETTE}' range ${s.minVisScale},1.0`);
  lines.push('volume #1 color #d3d7cf');
  lines.push('volume #2 color #A7A7A750 style mesh');
  lines.push('scale_color #1 #2');
  modified.forEach((p, i) => {
    const id = 3 + i;
    lines.push(`open ${chimeraxQuote(p)}`);
    lines.push(`volume #${id} style surface level ${s.surfaceLevel}`);
    lines.push(`scale_color #${id} #2`);
    lines.push(`hide #${id} models`);
  });
  lines.push(`alias occupy_level volume #${[1, ...modified.map((_, i) => 3 + i)].join(',')} level $1`);
  if (s.maxTile) {
    const id = 3 + modified.length;
    const [x, y, z] = s.maxTile.centreA;
    lines.push(`shape sphere center ${x},${y},${z} radius ${s.maxTile.radiusA} color #4d6edf54 name maxTile modelId #${id}`);
    lines.push(`hide #${id} models`);
  }
  // One label per palette colour, spread over the colour range.
  const ticks = Array.from({ length: 9 }, (_, i) => `:${(s.minVisScale + ((1 - s.minVisScale) * i) / 8).toFixed(2)}`);
  lines.push(`key '${SCALE_PALETTE}' ${ticks.join(' ')} size 0.5,0.04 pos 0.25,0.08 ticks true tickThickness 2 fontSize 20`);
  lines.push('lighting soft');
  lines.push('set bgColor white');
  lines.push('camera ortho');
  for (const w of s.warnings ?? []) lines.push(`log text ${`occupy warning: ${w}`.replace(/[\r\n]+/g, ' ')}`);
  return lines.join('\n') + '\n';
}
