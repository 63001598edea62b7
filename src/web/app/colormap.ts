/**
 * Colour maps of the slice views: grey for densities, OccuPy's 9-colour perceptual palette for
 * scale and confidence (the palette of the ChimeraX script, `SCALE_PALETTE`).
 */
import { SCALE_PALETTE } from '../../occupancy/chimerax-script.js';

/** Lowest scale of the colour range (`--min-vis-scale` default); the range is [MIN_VIS_SCALE, 1]. */
export const MIN_VIS_SCALE = 0.2;

/** One palette stop: position in [0, 1] and colour as [r, g, b] in 0..255. */
export interface PaletteStop {
  position: number;
  rgb: [number, number, number];
}

/**
 * Parse a ChimeraX palette string `pos,#rrggbb:pos,#rrggbb:...` into stops.
 * @throws TypeError on a malformed entry
 */
export function parsePalette(palette: string): PaletteStop[] {
  return palette.split(':').map((entry) => {
    const m = /^([0-9.]+),#([0-9a-fA-F]{6})$/.exec(entry.trim());
    if (!m) throw new TypeError(`palette entry must be "pos,#rrggbb", got "${entry}"`);
    const hex = parseInt(m[2], 16);
    return { position: Number(m[1]), rgb: [(hex >> 16) & 255, (hex >> 8) & 255, hex & 255] };
  });
}

/** The scale palette's stops. */
export const SCALE_STOPS: PaletteStop[] = parsePalette(SCALE_PALETTE);

/** The scale palette's colours as `#rrggbb` strings (for Mol*'s colour list), low to high. */
export const SCALE_COLOURS_HEX: string[] = SCALE_PALETTE.split(':').map((e) => e.split(',')[1]);

/**
 * A 256-entry lookup table of a palette, RGB triplets: entry k is the colour at position k/255,
 * linearly interpolated between stops.
 */
export function paletteLut(stops: PaletteStop[]): Uint8ClampedArray {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let k = 0; k < 256; k++) {
    const t = k / 255;
    let j = 0;
    while (j < stops.length - 2 && t > stops[j + 1].position) j++;
    const a = stops[j];
    const b = stops[j + 1];
    const f = b.position > a.position ? Math.min(1, Math.max(0, (t - a.position) / (b.position - a.position))) : 0;
    for (let c = 0; c < 3; c++) lut[k * 3 + c] = Math.round(a.rgb[c] + f * (b.rgb[c] - a.rgb[c]));
  }
  return lut;
}

const SCALE_LUT = paletteLut(SCALE_STOPS);

/**
 * Write the colour of `value` on the scale palette over `[lo, hi]` (values outside are clamped)
 * into `out` at `offset` (RGBA, alpha 255).
 */
export function scaleColour(value: number, lo: number, hi: number, out: Uint8ClampedArray, offset: number): void {
  const t = Number.isFinite(value) ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0;
  const k = Math.round(t * 255) * 3;
  out[offset] = SCALE_LUT[k];
  out[offset + 1] = SCALE_LUT[k + 1];
  out[offset + 2] = SCALE_LUT[k + 2];
  out[offset + 3] = 255;
}

/** Write the grey level of `value` over the window `[lo, hi]` into `out` at `offset` (RGBA). */
export function greyColour(value: number, lo: number, hi: number, out: Uint8ClampedArray, offset: number): void {
  const t = hi > lo && Number.isFinite(value) ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 0;
  const g = Math.round(t * 255);
  out[offset] = g;
  out[offset + 1] = g;
  out[offset + 2] = g;
  out[offset + 3] = 255;
}

/** CSS colour of a palette position in [0, 1]. */
export function scaleCss(t: number): string {
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return `rgb(${SCALE_LUT[k]}, ${SCALE_LUT[k + 1]}, ${SCALE_LUT[k + 2]})`;
}
