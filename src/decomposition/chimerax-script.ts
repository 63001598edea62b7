/**
 * The ChimeraX script of `occupy decompose` (`chimX_decompose_<stem>.cxc`): the map coloured by
 * relative occupancy, with the local B-factor as a second colouring.
 */
import { SCALE_PALETTE, chimeraxQuote } from '../occupancy/chimerax-script.js';

/** What the decomposition script needs. */
export interface DecomposeChimeraxInput {
  /** Map path as ChimeraX should open it (relative to the script's folder or absolute). */
  mapPath: string;
  /** Occupancy map path. */
  occupancyPath: string;
  /** B-factor map path. */
  bfactorPath: string;
  /** Locally sharpened map path, when written. */
  sharpenedPath?: string;
  /** Surface level of the map (density units). */
  surfaceLevel: number;
  /** B-factor colour range, Å^2 (e.g. the 5th and 95th percentiles over the molecule). */
  bRangeA2: [number, number];
  /** Lowest occupancy of the colour range (default 0.2). */
  minOccupancy?: number;
  /** Warnings echoed to the ChimeraX log. */
  warnings?: string[];
}

/**
 * Script text: opens the map (#1) at the surface level, the occupancy (#2) and B-factor (#3) maps
 * hidden, colours #1 by occupancy (palette of the estimate's scale colouring, red = low) and
 * defines `color_by_bfactor` / `color_by_occupancy` aliases to switch; a colour key for occupancy.
 */
export function decomposeChimeraxScript(s: DecomposeChimeraxInput): string {
  const lo = s.minOccupancy ?? 0.2;
  const [b0, b1] = s.bRangeA2;
  const lines = [
    '# ChimeraX script written by occupy-ts decompose: open with  chimerax <this file>',
    `open ${chimeraxQuote(s.mapPath)}`,
    `volume #1 style surface level ${s.surfaceLevel} color #d3d7cf`,
    `open ${chimeraxQuote(s.occupancyPath)}`,
    'hide #2 models',
    `open ${chimeraxQuote(s.bfactorPath)}`,
    'hide #3 models',
    `alias color_by_occupancy color sample #1 map #2 palette '${SCALE_PALETTE}' range ${lo},1.0`,
    // high B (flexible) red, low B blue: the palette reversed over the B range
    `alias color_by_bfactor color sample #1 map #3 palette '${SCALE_PALETTE}' range ${b1.toFixed(1)},${b0.toFixed(1)}`,
    'color_by_occupancy',
    ...(s.sharpenedPath ? [`open ${chimeraxQuote(s.sharpenedPath)}`, `volume #4 style surface level ${s.surfaceLevel}`, `color sample #4 map #2 palette '${SCALE_PALETTE}' range ${lo},1.0`, 'hide #4 models'] : []),
    `key '${SCALE_PALETTE}' ${Array.from({ length: 9 }, (_, i) => `:${(lo + ((1 - lo) * i) / 8).toFixed(2)}`).join(' ')} size 0.5,0.04 pos 0.25,0.08 ticks true tickThickness 2 fontSize 20`,
    'log text occupancy colouring: red = low relative occupancy, blue = full. Type color_by_bfactor for the local B-factor (red = high B, flexible), color_by_occupancy to switch back.',
    'lighting soft',
    'set bgColor white',
    'camera ortho',
    ...(s.warnings ?? []).map((w) => `log text ${`occupy warning: ${w}`.replace(/[\r\n]+/g, ' ')}`),
  ];
  return lines.join('\n') + '\n';
}
