/**
 * The slice viewer: fetches slices of the map's layers from the server and draws them on a
 * canvas (grey for densities, the scale palette for scale and confidence); the Preview tab
 * applies the chosen modification to the input slice in the page, and the Solvent def. tab can
 * preview a threshold on the scale live.
 */
import type { MapInfo, SliceLayer } from '../api.js';
import { modificationFactor, type ModificationKind } from '../../occupancy/modification-curves.js';
import { getSlice, type Axis, type Slice } from './api-client.js';
import { greyColour, MIN_VIS_CONFIDENCE, MIN_VIS_SCALE, paletteColour, underRangeColour } from './colormap.js';
import { drawColourKey, type ColourKey } from './colour-key.js';

/** The viewer tabs that show slices. */
export type SliceTab = 'input' | 'scale' | 'confidence' | 'soldef' | 'preview' | 'output' | 'locres';

/** Everything a slice drawing depends on. */
export interface SliceViewState {
  map: MapInfo;
  /** Layers the server has for the map now. */
  layers: SliceLayer[];
  /** Bumped after each finished job, so cached scale/output slices are refetched. */
  version: number;
  tab: SliceTab;
  axis: Axis;
  index: number;
  /** The modification to preview (Preview tab). */
  modification?: { kind: ModificationKind; gamma: number; pivot: number; scaleLimit: number };
  /** Threshold on the scale for a live solvent-definition preview (Solvent def. tab), if chosen. */
  soldefThreshold?: number;
  /** Colour range of the local-resolution tab, Å (finest, coarsest). */
  locresRangeA?: [number, number];
  /** Colour range of the local B-factor layer, Å² (low, high): decompose's 5–95 % over the molecule. */
  bfactorRangeA2?: [number, number];
  /** Mode of the current scale map: the Preview is off for a resolution-mode scale. */
  scaleMode?: 'res' | 'occ';
  /** Local res. tab: the local resolution, or the decompose maps (relative occupancy, local B). */
  halfLayer?: 'locres' | 'occupancy' | 'bfactor';
  /** Scale tab: show the kept scale map of this earlier run instead of the latest. */
  scaleRun?: number;
}

/** What the pixel under the cursor shows: the slice values and how to name them. */
interface DrawnSlice {
  slice: Slice;
  /** Name and unit of the values, e.g. `scale`, `density`, `Å`. */
  what: string;
  /** Per value, 1 inside the mask of the run (local resolution with a mask), else none. */
  inside?: Uint8Array;
  axis: Axis;
  index: number;
  voxelSizeA: [number, number];
}

/** Box axis index (0 = X) of the slice's width and height for each slicing axis. */
export function inPlaneAxes(axis: Axis): [number, number] {
  return axis === 'z' ? [0, 1] : axis === 'y' ? [0, 2] : [1, 2];
}

/** Number of slices along an axis. */
export function sliceCount(map: MapInfo, axis: Axis): number {
  return map.box[axis === 'x' ? 0 : axis === 'y' ? 1 : 2];
}

const MAX_DISPLAY_PX = 520;

/** Draws slices; keeps a small cache of fetched slices. */
export class SliceView {
  private readonly cache = new Map<string, Promise<Slice>>();
  private token = 0;
  /** What the canvas shows now (for tests and the status line). */
  lastDrawn = '';
  private drawn?: DrawnSlice;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly message: HTMLElement,
    private readonly colorbar: HTMLCanvasElement,
    private readonly keyLabel: HTMLElement,
  ) {
    this.setKey({ kind: 'grey', lo: 0, hi: 1, label: 'density' });
  }

  /** Show or hide the colour key and its caption (keeping their room: the page does not jump). */
  private keyVisible(on: boolean): void {
    for (const e of [this.colorbar, this.keyLabel]) e.style.visibility = on ? '' : 'hidden';
  }

  /** Draw the colour key and its caption. */
  private setKey(key: ColourKey, caption = key.label): void {
    drawColourKey(this.colorbar, key);
    this.keyLabel.textContent = caption;
  }

  /**
   * The voxel and value under a point of the canvas (client coordinates), or undefined outside
   * the drawn slice. `text` is e.g. `x 12, y 40, z 32: scale 0.734`.
   */
  valueAt(clientX: number, clientY: number): { text: string } | undefined {
    const d = this.drawn;
    if (!d || this.canvas.classList.contains('empty')) return undefined;
    const r = this.canvas.getBoundingClientRect();
    const c = Math.floor(((clientX - r.left) / r.width) * d.slice.width);
    const rowFromTop = Math.floor(((clientY - r.top) / r.height) * d.slice.height);
    if (c < 0 || c >= d.slice.width || rowFromTop < 0 || rowFromTop >= d.slice.height) return undefined;
    const row = d.slice.height - 1 - rowFromTop;
    const v = d.slice.data[row * d.slice.width + c];
    const [a, b] = inPlaneAxes(d.axis);
    const names = ['x', 'y', 'z'];
    const voxel = [0, 0, 0];
    voxel[a] = c;
    voxel[b] = row;
    voxel[names.indexOf(d.axis)] = d.index;
    const outside = d.inside && !d.inside[row * d.slice.width + c] ? (d.what === 'Å' ? ' (outside the mask: the background value)' : ' (outside the mask: not reported)') : '';
    return { text: `${names.map((n, i) => `${n} ${voxel[i]}`).join(', ')}: ${d.what === 'Å' ? `${fmt(v)} Å` : `${d.what} ${fmt(v)}`}${outside}` };
  }

  /** Forget cached slices (a new map, or a job finished). */
  clear(): void {
    this.cache.clear();
  }

  private slice(state: SliceViewState, layer: SliceLayer): Promise<Slice> {
    const version = layer === 'input' ? 0 : state.version;
    const run = layer === 'scale' && state.tab === 'scale' ? state.scaleRun : undefined;
    const key = `${state.map.mapId}|${layer}|${state.axis}|${state.index}|${version}|${run ?? ''}`;
    let p = this.cache.get(key);
    if (!p) {
      p = getSlice(state.map.mapId, layer, state.axis, state.index, undefined, run);
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
      if (this.cache.size > 96) this.cache.delete(this.cache.keys().next().value as string);
    }
    return p;
  }

  /** Draw the slice for `state`; later calls supersede earlier ones still loading. */
  async render(state: SliceViewState): Promise<void> {
    const token = ++this.token;
    const has = (l: SliceLayer) => state.layers.includes(l);
    const grey = (lo: number, hi: number, label = 'density (grey window)') => this.setKey({ kind: 'grey', lo, hi, label });
    try {
      switch (state.tab) {
        case 'input': {
          const s = await this.slice(state, 'input');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, s.min, s.max, out, o), 'density');
          grey(s.min, s.max);
          this.done(`input slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)}`);
          return;
        }
        case 'scale': {
          if (!has('scale')) return this.show('No scale map yet: press Estimate.');
          const s = await this.slice(state, 'scale');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => paletteColour('scale', v, MIN_VIS_SCALE, 1, out, o), 'scale');
          this.setKey({ kind: 'palette', palette: 'scale', lo: MIN_VIS_SCALE, hi: 1, label: 'local scale', under: `< ${MIN_VIS_SCALE}` }, `local scale (palette ${MIN_VIS_SCALE}–1 as in the ChimeraX script; grey: below ${MIN_VIS_SCALE})`);
          this.done(`scale slice ${state.axis}=${state.index}${state.scaleRun !== undefined ? ` of run ${state.scaleRun}` : ''}, range ${fmt(s.min)} … ${fmt(s.max)}`);
          return;
        }
        case 'confidence': {
          if (!has('confidence')) return this.show('No confidence map yet: press Estimate.');
          const s = await this.slice(state, 'confidence');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => paletteColour('confidence', v, MIN_VIS_CONFIDENCE, 1, out, o), 'confidence');
          this.setKey({ kind: 'palette', palette: 'confidence', lo: MIN_VIS_CONFIDENCE, hi: 1, label: 'confidence', under: `< ${MIN_VIS_CONFIDENCE}` }, `confidence (that a voxel is not solvent; grey: below ${MIN_VIS_CONFIDENCE})`);
          this.done(`confidence slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)}`);
          return;
        }
        case 'locres': {
          const hl = state.halfLayer ?? 'locres';
          if (hl !== 'locres' && has(hl)) {
            // decompose ran with the same mask (its molecule): outside it its maps hold no measurement
            // (B 0 where no band was fitted, which the palette had drawn as the lowest B), drawn grey
            const [s, m] = await Promise.all([this.slice(state, hl), has('mask') ? this.slice(state, 'mask') : undefined]);
            if (token !== this.token) return;
            const inside = m ? insideMask(m.data) : undefined;
            const r = rangeInside(s, inside);
            const masked = (c: (v: number, o: number, out: Uint8ClampedArray) => void) => (v: number, o: number, out: Uint8ClampedArray, i: number) => (inside && !inside[i] ? underRangeColour(out, o) : c(v, o, out));
            const grey = inside ? '; grey: outside the mask' : '';
            // the ranges of decompose's ChimeraX script: occupancy 0.2–1, B its 5–95 % over the molecule
            if (hl === 'occupancy') {
              this.draw(state, s, masked((v, o, out) => paletteColour('scale', v, MIN_VIS_SCALE, 1, out, o)), 'relative occupancy', inside);
              this.setKey({ kind: 'palette', palette: 'scale', lo: MIN_VIS_SCALE, hi: 1, label: 'relative occupancy', under: `< ${MIN_VIS_SCALE}${inside ? ', outside' : ''}` }, `relative occupancy (decompose; palette ${MIN_VIS_SCALE}–1 as in its ChimeraX script; grey: below ${MIN_VIS_SCALE}${inside ? ' or outside the mask' : ''})`);
            } else {
              const [lo, hi] = state.bfactorRangeA2 ?? r ?? [s.min, s.max];
              this.draw(state, s, masked((v, o, out) => paletteColour('resolution', v, lo, hi, out, o)), 'B (Å²)', inside);
              this.setKey({ kind: 'palette', palette: 'resolution', lo, hi, label: 'local B-factor (Å²)', ...(inside ? { under: 'outside' } : {}) }, `local B-factor, Å² (decompose; 5–95 % over the molecule as in its ChimeraX script; blue: lower${grey})`);
            }
            // with the digits the CLI prints (B 72.3 Å², occupancy 0.909; the caption gave B as 72.318)
            const d = hl === 'bfactor' ? 1 : 3;
            const where = `${hl === 'occupancy' ? 'relative occupancy' : 'local B-factor'} slice ${state.axis}=${state.index}${inside ? ', inside the mask (grey: outside)' : ''}`;
            return this.done(r ? `${where}, range ${fmt(r[0], d)} … ${fmt(r[1], d)}${hl === 'bfactor' ? ' Å²' : ''}` : `${where}: no voxel of the mask in this slice`);
          }
          if (!has('locres')) return this.show('No local-resolution map yet: run the Half maps panel.');
          // with the run's mask: outside it the map holds only the background value (--lowest-resolution,
          // MonoRes' coarsest), which the palette had drawn as the coarsest red around the molecule
          const [s, m] = await Promise.all([this.slice(state, 'locres'), has('mask') ? this.slice(state, 'mask') : undefined]);
          if (token !== this.token) return;
          const inside = m ? insideMask(m.data) : undefined;
          // the range of the values the run reports (inside the mask), in this slice
          const r = rangeInside(s, inside);
          const [lo, hi] = state.locresRangeA ?? r ?? [s.min, s.max];
          this.draw(state, s, (v, o, out, i) => (inside && !inside[i] ? underRangeColour(out, o) : paletteColour('resolution', v, lo, hi, out, o)), 'Å', inside);
          this.setKey({ kind: 'palette', palette: 'resolution', lo, hi, label: 'local resolution (Å)', ...(inside ? { under: 'outside' } : {}) }, localResolutionKeyLabel(inside !== undefined));
          // Å with two decimals, as occupy locres prints them (the caption gave 3.068 … 50.000 Å)
          const where = `local resolution slice ${state.axis}=${state.index}${inside ? ', inside the mask (grey: outside)' : ''}`;
          this.done(r ? `${where}, range ${fmt(r[0], 2)} … ${fmt(r[1], 2)} Å` : `${where}: no voxel of the mask in this slice`);
          return;
        }
        case 'soldef': {
          if (state.soldefThreshold !== undefined && has('scale')) {
            const [inp, sc] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'scale')]);
            if (token !== this.token) return;
            const t = state.soldefThreshold;
            grey(inp.min, inp.max, 'density (blue tint: molecule side of the definition)');
            this.draw(state, inp, (v, o, out, i) => {
              greyColour(v, inp.min, inp.max, out, o);
              if (sc.data[i] > t) {
                // molecule side of the definition: tinted blue
                out[o] = out[o] * 0.45;
                out[o + 1] = out[o + 1] * 0.55 + 60;
                out[o + 2] = out[o + 2] * 0.45 + 140;
              }
            }, 'density');
            return this.done(`solvent definition preview: scale > ${t.toFixed(2)} (blue) on the input`);
          }
          if (!has('soldef')) return this.show('Solvent definition: the default sphere. Choose a mask or a threshold on the scale (after an estimate).');
          const s = await this.slice(state, 'soldef');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, Math.min(0, s.min), Math.max(1, s.max), out, o), 'solvent definition');
          grey(Math.min(0, s.min), Math.max(1, s.max), 'solvent definition (white: molecule, black: solvent)');
          return this.done(`solvent definition slice ${state.axis}=${state.index}`);
        }
        case 'preview': {
          if (!has('scale')) return this.show('Preview needs a scale map: press Estimate.');
          const mod = state.modification;
          if (!mod) return this.show('Choose a valid modification.');
          // as in OccuPy's GUI: Modify works on an occupancy-mode scale, so a resolution-mode one is not previewed
          if (state.scaleMode === 'res') return this.show('Preview is off: this scale map is in resolution mode, and Modify runs in occupancy mode. Press Modify map (it estimates in occupancy mode first), or set Mode to occupancy and Estimate.');
          const f = modificationFactor(mod.kind, mod.gamma, mod.kind === 'sigmoid' ? mod.pivot : undefined, mod.scaleLimit);
          const [inp, sc] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'scale')]);
          if (token !== this.token) return;
          this.draw(state, inp, (v, o, out, i) => greyColour(v * f(sc.data[i]), inp.min, inp.max, out, o), 'input density');
          grey(inp.min, inp.max, 'density (input grey window)');
          return this.done(`preview: ${mod.kind} ${mod.gamma}${mod.kind === 'sigmoid' ? ` pivot ${mod.pivot}` : ''} on input slice ${state.axis}=${state.index} (input's grey range)`);
        }
        case 'output': {
          if (!has('output')) return this.show('No modified map yet: press Modify.');
          const [inp, s] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'output')]);
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, inp.min, inp.max, out, o), 'density');
          grey(inp.min, inp.max, 'density (input grey window)');
          return this.done(`output slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)} (input's grey range)`);
        }
      }
    } catch (e) {
      if (token !== this.token) return;
      this.show(`Could not load the slice: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private show(text: string): void {
    this.drawn = undefined;
    this.message.textContent = text;
    this.message.hidden = false;
    this.canvas.classList.add('empty');
    // no slice, no key: the Preview's 'Preview is off' sat above the confidence key of the tab before
    this.keyVisible(false);
    this.lastDrawn = '';
  }

  private done(text: string): void {
    this.message.hidden = true;
    this.canvas.classList.remove('empty');
    this.keyVisible(true);
    this.canvas.title = text;
    this.lastDrawn = text;
    this.canvas.dataset.drawn = text;
  }

  /**
   * Draw `s` pixel by pixel with `colour(value, rgbaOffset, out, valueIndex)`; rows are flipped
   * so the second in-plane axis points up, and the CSS size follows the voxel aspect.
   */
  private draw(state: SliceViewState, s: Slice, colour: (v: number, o: number, out: Uint8ClampedArray, i: number) => void, what: string, inside?: Uint8Array): void {
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('2D canvas not available');
    this.canvas.width = s.width;
    this.canvas.height = s.height;
    const img = ctx.createImageData(s.width, s.height);
    const out = img.data;
    for (let r = 0; r < s.height; r++) {
      const row = (s.height - 1 - r) * s.width;
      for (let c = 0; c < s.width; c++) {
        const i = r * s.width + c;
        colour(s.data[i], (row + c) * 4, out, i);
      }
    }
    ctx.putImageData(img, 0, 0);
    const [a, b] = inPlaneAxes(state.axis);
    const wA = s.width * state.map.voxelSizeA[a];
    const hA = s.height * state.map.voxelSizeA[b];
    const k = MAX_DISPLAY_PX / Math.max(wA, hA);
    this.canvas.style.width = `${Math.round(wA * k)}px`;
    this.canvas.style.height = `${Math.round(hA * k)}px`;
    this.drawn = { slice: s, what, inside, axis: state.axis, index: state.index, voxelSizeA: [state.map.voxelSizeA[a], state.map.voxelSizeA[b]] };
    this.pixelsPerA = k;
  }

  /** Display pixels per Å of the drawn slice (for the scale bar), 0 before a drawing. */
  pixelsPerA = 0;
}

/** The range (min, max) of `s` inside the mask (all of it without one); undefined when none is inside. */
function rangeInside(s: Slice, inside?: Uint8Array): [number, number] | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < s.data.length; i++) {
    if (inside && !inside[i]) continue;
    if (s.data[i] < min) min = s.data[i];
    if (s.data[i] > max) max = s.data[i];
  }
  return min <= max ? [min, max] : undefined;
}

/** The label under a local-resolution colour key (slice or 3D), with or without the run's mask. */
export function localResolutionKeyLabel(masked: boolean): string {
  return `local resolution, Å (blue: finer, red: coarser${masked ? '; grey: outside the mask, where the map holds only its background value' : ''})`;
}

/**
 * Per value of a half-map run's mask (a slice's or any run of values), 1 where the mask is > 0.5
 * (where `occupy locres` reports), else 0. The slice draws the rest grey (the server sends the 3D
 * view the whole mask by the same rule: `maskBits`).
 */
export function insideMask(values: Float32Array): Uint8Array {
  const inside = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) inside[i] = values[i] > 0.5 ? 1 : 0;
  return inside;
}

/** `v` with `digits` decimals (exponent form for very small or large values). */
function fmt(v: number, digits = 3): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits) : v.toFixed(digits);
}
