/**
 * Colour maps of the slice views and the 3D view: grey for densities, OccuPy's 9-colour palette
 * for the local scale (the palette of the ChimeraX script, `SCALE_PALETTE`), a separate
 * sequential palette for the confidence, the scale palette reversed for local resolution in Å
 * (fine = blue, coarse = red), and one under-range colour for values below a palette's range
 * (e.g. solvent at scale 0), so they are not drawn in the palette's lowest colour.
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

/** Confidence palette (sequential, dark blue to yellow: unlike the scale palette on purpose). */
export const CONFIDENCE_PALETTE = '0.00,#30123b:0.25,#3e6fd8:0.50,#1fc8a1:0.75,#a2f03c:1.00,#f9e64a';

const CONFIDENCE_LUT = paletteLut(parsePalette(CONFIDENCE_PALETTE));

/** Colour of values below a palette's range (solvent, masked-out voxels): a neutral grey. */
export const UNDER_RANGE_RGB: [number, number, number] = [118, 118, 118];

/** Lowest confidence of the colour range; lower values get the under-range colour. */
export const MIN_VIS_CONFIDENCE = 0.05;

/** The palettes of the page. */
export type PaletteName = 'scale' | 'confidence' | 'resolution';

function lutOf(p: PaletteName): Uint8ClampedArray {
  return p === 'confidence' ? CONFIDENCE_LUT : SCALE_LUT;
}

/**
 * Write the colour of `value` on a palette over `[lo, hi]` into `out` at `offset` (RGBA, alpha
 * 255). Values below `lo` (or not finite) get {@link UNDER_RANGE_RGB}, values above `hi` the top
 * colour. The resolution palette is the scale palette reversed (lo Å = fine = blue).
 */
export function paletteColour(palette: PaletteName, value: number, lo: number, hi: number, out: Uint8ClampedArray, offset: number): void {
  if (!Number.isFinite(value) || (palette !== 'resolution' && value < lo)) return underRangeColour(out, offset);
  out[offset + 3] = 255;
  let t = hi > lo ? Math.min(1, Math.max(0, (value - lo) / (hi - lo))) : 1;
  if (palette === 'resolution') t = 1 - t;
  const lut = lutOf(palette);
  const k = Math.round(t * 255) * 3;
  out[offset] = lut[k];
  out[offset + 1] = lut[k + 1];
  out[offset + 2] = lut[k + 2];
}

/**
 * Write the under-range colour ({@link UNDER_RANGE_RGB}) into `out` at `offset` (RGBA): a value
 * below a palette's range, or a voxel the map says nothing about (outside a local-resolution
 * run's mask, where it holds only the background value).
 */
export function underRangeColour(out: Uint8ClampedArray, offset: number): void {
  out[offset] = UNDER_RANGE_RGB[0];
  out[offset + 1] = UNDER_RANGE_RGB[1];
  out[offset + 2] = UNDER_RANGE_RGB[2];
  out[offset + 3] = 255;
}

/** {@link paletteColour} on the scale palette. */
export function scaleColour(value: number, lo: number, hi: number, out: Uint8ClampedArray, offset: number): void {
  paletteColour('scale', value, lo, hi, out, offset);
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

/** CSS colour of a palette position in [0, 1] (scale palette unless named). */
export function scaleCss(t: number, palette: PaletteName = 'scale'): string {
  const lut = lutOf(palette);
  const k = Math.round(Math.min(1, Math.max(0, palette === 'resolution' ? 1 - t : t)) * 255) * 3;
  return `rgb(${lut[k]}, ${lut[k + 1]}, ${lut[k + 2]})`;
}

/** CSS of the under-range colour. */
export const UNDER_RANGE_CSS = `rgb(${UNDER_RANGE_RGB.join(', ')})`;
