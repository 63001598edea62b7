/**
 * The 3D tab: Mol* (loaded on first use) showing the input or a modified map as a surface
 * coloured by the scale map (or by the local resolution of a half-map run), the iso-level slider
 * (the caption follows it), the s_max tile's sphere (a tick box) and a colour key.
 */
import type { EstimateSummaryView } from '../api.js';
import { fileUrl, getMask } from './api-client.js';
import { MIN_VIS_SCALE } from './colormap.js';
import { drawColourKey } from './colour-key.js';
import { $, errorText, fmt } from './dom.js';
import { halfMapsLocresFile, halfMapsRangeA } from './halfmaps-panel.js';
import { log } from './log-panel.js';
import { state, summaryNumbers } from './state.js';
import { mapStem } from './settings.js';
import { saveDataUrl } from './slices-panel.js';
import { localResolutionKeyLabel } from './slice-view.js';
import type { Viewer3D } from './viewer-3d.js';

function modifiedMaps(result: EstimateSummaryView | undefined): string[] {
  return (result?.files ?? []).filter((f) => /^(ampl|attn|sigm|solExcl)_.*\.mrc$/.test(f));
}

/** Fill the surface and colour choosers and put the iso slider at the map's default level. */
export function fill3dSelect(): void {
  const sel = $<HTMLSelectElement>('map-3d');
  const prev = sel.value;
  sel.replaceChildren();
  const add = (s: HTMLSelectElement, value: string, label: string) => s.append(Object.assign(document.createElement('option'), { value, textContent: label }));
  add(sel, 'input.mrc', 'input map');
  for (const f of modifiedMaps(state.result)) add(sel, f, f);
  if ([...sel.options].some((o) => o.value === prev)) sel.value = prev;
  const colour = $<HTMLSelectElement>('colour-3d');
  const prevColour = colour.value;
  colour.replaceChildren();
  if (state.result?.files.some((f) => /^scale_(res|occ)_.*\.mrc$/.test(f))) add(colour, 'scale', 'local scale');
  if (halfMapsLocresFile()) add(colour, 'locres', 'local resolution (Å)');
  add(colour, 'none', 'no colour');
  // keep the user's choice; 'none' only while nothing else was offered
  if (prevColour !== 'none' && [...colour.options].some((o) => o.value === prevColour)) colour.value = prevColour;
  else colour.selectedIndex = 0;
  const map = state.map;
  const iso = $<HTMLInputElement>('iso-level');
  if (map) {
    iso.min = String(map.min);
    iso.max = String(map.max);
    iso.step = String((map.max - map.min) / 1000);
    // the map's own default: the lowest level at which the surface is one piece (server/iso-level.ts)
    const level = map.isoLevel ?? map.mean + (map.max - map.mean) * 0.3;
    iso.value = String(level);
    // the slider snaps the level to its step: show the level it holds (the surface's and the caption's)
    $('iso-value').textContent = fmt(Number(iso.value), 4);
  }
}

async function ensureViewer(): Promise<Viewer3D> {
  if (state.viewer) return state.viewer;
  if (!state.viewerLoading) {
    $('status-3d').textContent = 'Loading Mol*…';
    state.viewerLoading = import('./viewer-3d.js').then(async (m) => {
      const v = await m.Viewer3D.create('viewer-3d');
      state.viewer = v;
      return v;
    });
  }
  return state.viewerLoading;
}

/** The caption under the 3D view for the current choices. */
function caption(): string {
  const map = state.map;
  if (!map) return 'Open a map first.';
  const s = summaryNumbers(state.result);
  const chosen = $<HTMLSelectElement>('map-3d').value || 'input.mrc';
  const colour = $<HTMLSelectElement>('colour-3d').value;
  const level = Number($<HTMLInputElement>('iso-level').value);
  const what = chosen === 'input.mrc' ? 'Input' : chosen;
  const tile = tileOf();
  if (colour === 'scale') {
    const scaleName = state.result?.files.find((f) => /^scale_(res|occ)_.*\.mrc$/.test(f)) ?? 'the scale map';
    const t = s.sMaxTile && tile ? `; blue sphere: the s_max tile at (${s.sMaxTile.centreA.map((v) => v.toFixed(1)).join(', ')}) Å, tile radius ${tile.tileRadiusA.toFixed(1)} Å${tile.radiusA > tile.tileRadiusA ? ` (drawn ${tile.radiusA.toFixed(1)} Å)` : ''}` : '';
    return `${what} at level ${fmt(level, 4)}, coloured by ${scaleName} (palette range ${MIN_VIS_SCALE}–1)${t}.`;
  }
  if (colour === 'locres') return `${what} at level ${fmt(level, 4)}, coloured by the local resolution ${halfMapsLocresFile() ?? ''} (Å${state.layers.includes('mask') ? '; grey: outside the mask' : ''}).`;
  return `${what} at level ${fmt(level, 4)} (uncoloured${state.result ? '' : ': run Estimate to colour it by the scale'}).`;
}

/** The s_max tile's sphere when ticked and known: centre, drawn radius and the tile's own radius (Å). */
function tileOf(): { centreA: [number, number, number]; radiusA: number; tileRadiusA: number } | undefined {
  const s = summaryNumbers(state.result);
  if (!$<HTMLInputElement>('show-tile').checked || !s.sMaxTile || $<HTMLSelectElement>('colour-3d').value !== 'scale') return undefined;
  // as in the ChimeraX script (radius = half the tile edge), drawn at least 4 voxels wide
  const tileRadiusA = s.processingVoxelSizeA ? s.sMaxTile.halfSizeVoxel[0] * s.processingVoxelSizeA[0] : 0;
  const radiusA = s.processingVoxelSizeA ? Math.max(tileRadiusA, 4 * s.processingVoxelSizeA[0]) : tileRadiusA;
  return { centreA: s.sMaxTile.centreA, radiusA, tileRadiusA };
}

/** Draw the 3D colour key for the chosen colouring. */
function drawKey(colour: string): void {
  const canvas = $<HTMLCanvasElement>('colorbar-3d');
  const wrap = $('colorbar-3d-wrap');
  if (colour === 'scale') {
    wrap.hidden = false;
    drawColourKey(canvas, { kind: 'palette', palette: 'scale', lo: MIN_VIS_SCALE, hi: 1, label: 'local scale' });
    $('colorbar-3d-label').textContent = `local scale (values below ${MIN_VIS_SCALE} take the lowest colour)`;
  } else if (colour === 'locres') {
    const [lo, hi] = halfMapsRangeA() ?? [0, 1];
    wrap.hidden = false;
    const masked = state.layers.includes('mask');
    drawColourKey(canvas, { kind: 'palette', palette: 'resolution', lo, hi, label: 'local resolution (Å)', ...(masked ? { under: 'outside' } : {}) });
    $('colorbar-3d-label').textContent = localResolutionKeyLabel(masked);
  } else {
    wrap.hidden = true;
  }
}

let outsideCache: { key: string; mask: Uint8Array } | undefined;
/**
 * The voxels outside the half-map run's mask (1 per voxel of the map's box, index
 * (z*ny + y)*nx + x), from the server's whole mask in one request (`GET …/mask`, the > 0.5 rule
 * the slice uses; it had been one slice request per z), for the result shown; undefined when the
 * run had no mask.
 */
async function outsideMask(mapId: string, box: [number, number, number]): Promise<{ mask: Uint8Array; box: [number, number, number]; key: string } | undefined> {
  if (!state.layers.includes('mask')) return undefined;
  const key = `${mapId}|${state.version}`;
  if (outsideCache?.key !== key) {
    const got = await getMask(mapId);
    if (got.box.some((n, i) => n !== box[i])) throw new Error(`the mask's box ${got.box.join('×')} is not the map's ${box.join('×')}`);
    const mask = got.inside;
    for (let i = 0; i < mask.length; i++) mask[i] ^= 1;
    outsideCache = { key, mask };
  }
  return { mask: outsideCache.mask, box, key };
}

let show3dToken = 0;
let showing: Promise<void> = Promise.resolve();
/**
 * Show (or update) the 3D view for the current choices. Calls run one after the other (Mol*'s
 * state must not be rebuilt by two at once); a call superseded while it waited does nothing.
 */
export function show3d(): Promise<void> {
  const token = ++show3dToken;
  showing = showing.then(() => (token === show3dToken ? show3dNow(token) : undefined));
  return showing;
}

async function show3dNow(token: number): Promise<void> {
  const map = state.map;
  const status = $('status-3d');
  try {
    const viewer = await ensureViewer();
    viewer.resize();
    if (token !== show3dToken) return;
    if (!map) {
      status.textContent = 'Open a map first.';
      return;
    }
    const chosen = $<HTMLSelectElement>('map-3d').value || 'input.mrc';
    const colour = $<HTMLSelectElement>('colour-3d').value;
    const level = Number($<HTMLInputElement>('iso-level').value);
    const scaleName = state.result?.files.find((f) => /^scale_(res|occ)_.*\.mrc$/.test(f));
    const locres = halfMapsLocresFile();
    const range = halfMapsRangeA();
    const colouring =
      colour === 'scale' && scaleName
        ? { url: fileUrl(map.mapId, scaleName), palette: 'scale' as const, lo: MIN_VIS_SCALE, hi: 1 }
        : colour === 'locres' && locres && range
          ? { url: fileUrl(map.mapId, locres), palette: 'resolution' as const, lo: range[0], hi: range[1] }
          : undefined;
    // the s_max tile belongs to the scale colouring: its tick box is off-limits under any other
    const tileBox = $<HTMLInputElement>('show-tile');
    tileBox.disabled = colour !== 'scale';
    tileBox.title = tileBox.disabled ? 'the s_max tile is drawn with the scale colouring only' : 'mark the s_max tile (the full-scale reference region)';
    const tile = tileOf();
    status.textContent = 'Loading the maps…';
    // outside the run's mask the local-resolution map holds only its background value: drawn grey
    const outside = colouring?.palette === 'resolution' ? await outsideMask(map.mapId, map.box) : undefined;
    if (token !== show3dToken) return;
    document.body.dataset.view3d = 'loading';
    await viewer.show({
      mapUrl: fileUrl(map.mapId, chosen),
      scaleUrl: colouring?.url,
      colouring: colouring ? { palette: colouring.palette, lo: colouring.lo, hi: colouring.hi } : undefined,
      outside,
      level,
      maxTile: tile ? { centreA: tile.centreA, radiusA: tile.radiusA } : undefined,
    });
    if (token !== show3dToken) return;
    drawKey(colouring ? colour : 'none');
    document.body.dataset.view3d = 'ready';
    document.body.dataset.tile3d = viewer.tileShown ? 'shown' : 'hidden';
    status.textContent = caption();
  } catch (e) {
    document.body.dataset.view3d = 'error';
    status.textContent = `3D view failed: ${errorText(e)}`;
    log('error', `3D view: ${errorText(e)}`);
  }
}

let isoTimer: number | undefined;
function onIsoInput(): void {
  const level = Number($<HTMLInputElement>('iso-level').value);
  $('iso-value').textContent = fmt(level, 4);
  if (state.viewer && document.body.dataset.view3d === 'ready') $('status-3d').textContent = caption();
  window.clearTimeout(isoTimer);
  isoTimer = window.setTimeout(() => {
    void state.viewer?.setLevel(level);
  }, 60);
}

/** Wire the 3D controls. */
export function initView3dPanel(): void {
  $('iso-level').addEventListener('input', onIsoInput);
  $('map-3d').addEventListener('change', () => void show3d());
  $('colour-3d').addEventListener('change', () => void show3d());
  $('show-tile').addEventListener('change', () => void show3d());
  $('save-3d').addEventListener('click', () => {
    const v = state.viewer;
    if (!v || !state.map) return;
    void v.snapshot().then(
      (url) => saveDataUrl(url, `${mapStem(state.map?.name ?? 'map')}_3d.png`),
      (e: unknown) => log('error', `3D snapshot: ${errorText(e)}`),
    );
  });
}
