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
  /** Centre and radius (Å) of the tile with the lowest tau-quantile (the original's minimum tile). */
  minTile?: { centreA: Vec3; radiusA: number };
  /**
   * `--chimerax-silent`: a script for `chimerax --offscreen` that, as the original's, hides the
   * input when a modified map is shown, saves four views as `<imagePrefix>_rot1..4.png` and exits.
   */
  silent?: { imagePrefix: string };
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
    if (s.minTile) {
      // the original marks the tile of lowest scale too (red), next to the s_max tile (blue)
      const [a, b, c] = s.minTile.centreA;
      lines.push(`shape sphere center ${a},${b},${c} radius ${s.minTile.radiusA} color #cc392054 name minTile modelId #${id + 1}`);
      lines.push(`hide #${id + 1} models`);
    }
  }
  // One label per palette colour, spread over the colour range.
  const ticks = Array.from({ length: 9 }, (_, i) => `:${(s.minVisScale + ((1 - s.minVisScale) * i) / 8).toFixed(2)}`);
  lines.push(`key '${SCALE_PALETTE}' ${ticks.join(' ')} size 0.5,0.04 pos 0.25,0.08 ticks true tickThickness 2 fontSize 20`);
  lines.push('lighting soft');
  lines.push('set bgColor white');
  for (const w of s.warnings ?? []) lines.push(`log text ${`occupy warning: ${w}`.replace(/[\r\n]+/g, ' ')}`);
  // as the original: the log panel is hidden (the warnings stay in it, one click away)
  lines.push('tool hide log');
  if (s.silent) {
    if (modified.length > 0) lines.push('hide #1 models');
    lines.push('hide #2 models');
    const save = (k: number) => `save ${chimeraxQuote(`${s.silent?.imagePrefix}_rot${k}.png`)} supersample 3 width 600 height 600`;
    lines.push(save(1));
    for (let k = 2; k <= 4; k++) lines.push('turn x 75', 'turn y 35', 'view', save(k));
    lines.push('exit');
  } else {
    lines.push('camera ortho');
  }
  return lines.join('\n') + '\n';
}
