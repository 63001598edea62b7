/**
 * The slice viewer: fetches slices of the map's layers from the server and draws them on a
 * canvas (grey for densities, the scale palette for scale and confidence); the Preview tab
 * applies the chosen modification to the input slice in the page, and the Solvent def. tab can
 * preview a threshold on the scale live.
 */
import type { MapInfo, SliceLayer } from '../api.js';
import { modificationFactor, type ModificationKind } from '../../occupancy/modification-curves.js';
import { getSlice, type Axis, type Slice } from './api-client.js';
import { greyColour, MIN_VIS_SCALE, scaleColour, scaleCss } from './colormap.js';

/** The viewer tabs that show slices. */
export type SliceTab = 'input' | 'scale' | 'confidence' | 'soldef' | 'preview' | 'output';

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

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly message: HTMLElement,
    private readonly colorbar: HTMLCanvasElement,
  ) {
    drawColorbar(colorbar);
  }

  /** Forget cached slices (a new map, or a job finished). */
  clear(): void {
    this.cache.clear();
  }

  private slice(state: SliceViewState, layer: SliceLayer): Promise<Slice> {
    const version = layer === 'input' ? 0 : state.version;
    const key = `${state.map.mapId}|${layer}|${state.axis}|${state.index}|${version}`;
    let p = this.cache.get(key);
    if (!p) {
      p = getSlice(state.map.mapId, layer, state.axis, state.index);
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
    this.colorbar.classList.toggle('dim', !(state.tab === 'scale' || state.tab === 'confidence'));
    try {
      switch (state.tab) {
        case 'input': {
          const s = await this.slice(state, 'input');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, s.min, s.max, out, o));
          this.done(`input slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)}`);
          return;
        }
        case 'scale':
        case 'confidence': {
          const layer = state.tab;
          if (!has(layer)) return this.show(`No ${layer} map yet: press Estimate.`);
          const s = await this.slice(state, layer);
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => scaleColour(v, MIN_VIS_SCALE, 1, out, o));
          this.done(`${layer} slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)}`);
          return;
        }
        case 'soldef': {
          if (state.soldefThreshold !== undefined && has('scale')) {
            const [inp, sc] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'scale')]);
            if (token !== this.token) return;
            const t = state.soldefThreshold;
            this.draw(state, inp, (v, o, out, i) => {
              greyColour(v, inp.min, inp.max, out, o);
              if (sc.data[i] > t) {
                // molecule side of the definition: tinted blue
                out[o] = out[o] * 0.45;
                out[o + 1] = out[o + 1] * 0.55 + 60;
                out[o + 2] = out[o + 2] * 0.45 + 140;
              }
            });
            return this.done(`solvent definition preview: scale > ${t.toFixed(2)} (blue) on the input`);
          }
          if (!has('soldef')) return this.show('Solvent definition: the default sphere. Choose a mask or a threshold on the scale (after an estimate).');
          const s = await this.slice(state, 'soldef');
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, Math.min(0, s.min), Math.max(1, s.max), out, o));
          return this.done(`solvent definition slice ${state.axis}=${state.index}`);
        }
        case 'preview': {
          if (!has('scale')) return this.show('Preview needs a scale map: press Estimate.');
          const mod = state.modification;
          if (!mod) return this.show('Choose a valid modification.');
          const f = modificationFactor(mod.kind, mod.gamma, mod.kind === 'sigmoid' ? mod.pivot : undefined, mod.scaleLimit);
          const [inp, sc] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'scale')]);
          if (token !== this.token) return;
          this.draw(state, inp, (v, o, out, i) => greyColour(v * f(sc.data[i]), inp.min, inp.max, out, o));
          return this.done(`preview: ${mod.kind} ${mod.gamma}${mod.kind === 'sigmoid' ? ` pivot ${mod.pivot}` : ''} on input slice ${state.axis}=${state.index} (input's grey range)`);
        }
        case 'output': {
          if (!has('output')) return this.show('No modified map yet: press Modify.');
          const [inp, s] = await Promise.all([this.slice(state, 'input'), this.slice(state, 'output')]);
          if (token !== this.token) return;
          this.draw(state, s, (v, o, out) => greyColour(v, inp.min, inp.max, out, o));
          return this.done(`output slice ${state.axis}=${state.index}, range ${fmt(s.min)} … ${fmt(s.max)} (input's grey range)`);
        }
      }
    } catch (e) {
      if (token !== this.token) return;
      this.show(`Could not load the slice: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private show(text: string): void {
    this.message.textContent = text;
    this.message.hidden = false;
    this.canvas.classList.add('empty');
    this.lastDrawn = '';
  }

  private done(text: string): void {
    this.message.hidden = true;
    this.canvas.classList.remove('empty');
    this.canvas.title = text;
    this.lastDrawn = text;
    this.canvas.dataset.drawn = text;
  }

  /**
   * Draw `s` pixel by pixel with `colour(value, rgbaOffset, out, valueIndex)`; rows are flipped
   * so the second in-plane axis points up, and the CSS size follows the voxel aspect.
   */
  private draw(state: SliceViewState, s: Slice, colour: (v: number, o: number, out: Uint8ClampedArray, i: number) => void): void {
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
  }
}

function fmt(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(3);
}

/** Draw the colour bar of the scale palette over [MIN_VIS_SCALE, 1] with ticks. */
export function drawColorbar(canvas: HTMLCanvasElement): void {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 320;
  const h = canvas.clientHeight || 40;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const x0 = 10;
  const x1 = w - 10;
  for (let x = x0; x < x1; x++) {
    ctx.fillStyle = scaleCss((x - x0) / (x1 - x0 - 1));
    ctx.fillRect(x, 2, 1, 16);
  }
  ctx.strokeStyle = '#555';
  ctx.strokeRect(x0 - 0.5, 1.5, x1 - x0 + 1, 17);
  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let t = MIN_VIS_SCALE; t <= 1.0001; t += 0.2) {
    const x = x0 + ((t - MIN_VIS_SCALE) / (1 - MIN_VIS_SCALE)) * (x1 - x0);
    ctx.fillRect(Math.round(x), 18, 1, 4);
    ctx.fillText(t.toFixed(1), Math.min(x1 - 8, Math.max(x0 + 8, x)), 23);
  }
}
