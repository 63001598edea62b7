/**
 * The viewer tabs and the slice view: axis buttons and slice slider, the slice of the current
 * tab's layer with its colour key, axis labels, an Å scale bar and the value under the cursor.
 */
import type { Axis } from './api-client.js';
import { $ } from './dom.js';
import { settings } from './kernel-panel.js';
import { DEFAULT_SCALE_LIMIT, mapStem } from './settings.js';
import { inPlaneAxes, sliceCount, SliceView } from './slice-view.js';
import { state, summaryNumbers, type Tab } from './state.js';
import { show3d } from './view3d-panel.js';
import { halfMapsBfactorRangeA2, halfMapsRangeA } from './halfmaps-panel.js';

/** The slice view of the centre panel. */
export const sliceView = new SliceView($<HTMLCanvasElement>('slice-canvas'), $('slice-message'), $<HTMLCanvasElement>('colorbar'), $('colorbar-label'));

/** Slice along `axis` (`reset`: go to the middle slice). */
export function setAxis(axis: Axis, reset = false): void {
  const map = state.map;
  const prev = state.axis;
  state.axis = axis;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.axis')) b.classList.toggle('active', b.dataset.axis === axis);
  const slider = $<HTMLInputElement>('slice');
  if (!map) return;
  const n = sliceCount(map, axis);
  slider.disabled = false;
  slider.max = String(n - 1);
  if (reset || prev !== axis || state.index > n - 1) state.index = Math.floor(n / 2);
  slider.value = String(state.index);
  $('slice-index').textContent = `${axis.toUpperCase()} ${state.index} / ${n - 1}`;
  renderSlice();
}

/** Offer the kept scale maps of earlier runs on the Scale tab (shown from two runs on). */
export function fillScaleRuns(): void {
  const sel = $<HTMLSelectElement>('scale-run');
  const prev = sel.value;
  const runs = state.result?.scaleRuns ?? [];
  sel.replaceChildren(Object.assign(document.createElement('option'), { value: '', textContent: 'latest scale' }));
  for (const r of runs) sel.append(Object.assign(document.createElement('option'), { value: String(r.run), textContent: `run ${r.run} (${r.mode === 'occ' ? 'occupancy' : 'resolution'})`, title: r.command }));
  sel.value = [...sel.options].some((o) => o.value === prev) ? prev : '';
  sel.hidden = runs.length < 2 || state.tab !== 'scale';
}

/** Show a tab. */
export function setTab(tab: Tab): void {
  state.tab = tab;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tab')) b.classList.toggle('active', b.dataset.tab === tab);
  $('slice-pane').hidden = tab === '3d' || tab === 'fsc';
  $('scale-run').hidden = tab !== 'scale' || (state.result?.scaleRuns?.length ?? 0) < 2;
  $('halfmap-layer').hidden = tab !== 'locres' || !state.layers.includes('occupancy');
  $('pane-3d').hidden = tab !== '3d';
  $('pane-fsc').hidden = tab !== 'fsc';
  if (tab === '3d') void show3d();
  else if (tab !== 'fsc') renderSlice();
}

/** "Nice" length for a scale bar of at most `maxA` Å. */
function niceLengthA(maxA: number): number {
  const mag = Math.pow(10, Math.floor(Math.log10(maxA)));
  return [5, 2, 1].map((m) => m * mag).find((l) => l <= maxA) ?? mag;
}

/** Axis labels and the Å scale bar of the drawn slice. */
function updateSliceDecorations(): void {
  const [a, b] = inPlaneAxes(state.axis);
  const names = ['X', 'Y', 'Z'];
  $('axis-h').textContent = `${names[a]} →`;
  $('axis-v').textContent = `${names[b]} →`;
  const k = sliceView.pixelsPerA;
  const bar = $('scale-bar');
  if (!(k > 0)) {
    bar.hidden = true;
    return;
  }
  const lengthA = niceLengthA(120 / k);
  bar.hidden = false;
  $('scale-bar-line').style.width = `${Math.round(lengthA * k)}px`;
  $('scale-bar-text').textContent = `${lengthA} Å`;
}

let renderQueued = false;
/** Redraw the slice (coalesced to one per animation frame). */
export function renderSlice(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const map = state.map;
    if (!map || state.tab === '3d' || state.tab === 'fsc') return;
    const m = settings.modification;
    const mod = settings.modificationValid ? { ...m, scaleLimit: settings.form.scaleLimit ?? DEFAULT_SCALE_LIMIT } : undefined;
    void sliceView
      .render({
        map,
        layers: state.layers,
        version: state.version,
        tab: state.tab,
        axis: state.axis,
        index: state.index,
        modification: mod,
        soldefThreshold: settings.form.soldefKind === 'threshold' ? settings.form.soldefThreshold : undefined,
        locresRangeA: halfMapsRangeA(),
        bfactorRangeA2: halfMapsBfactorRangeA2(),
        scaleMode: summaryNumbers(state.result).mode,
        halfLayer: $<HTMLSelectElement>('halfmap-layer').value as 'locres' | 'occupancy' | 'bfactor',
        scaleRun: $<HTMLSelectElement>('scale-run').value ? Number($<HTMLSelectElement>('scale-run').value) : undefined,
      })
      .then(() => {
        $('slice-caption').textContent = sliceView.lastDrawn;
        updateSliceDecorations();
      });
  });
}

/** Offer a data URL as a download named `name`. */
export function saveDataUrl(url: string, name: string): void {
  // as a blob: large data URLs are slow to hand to the browser's download
  void fetch(url)
    .then((r) => r.blob())
    .then((blob) => {
      const href = URL.createObjectURL(blob);
      const a = Object.assign(document.createElement('a'), { href, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(href), 10_000);
    });
}

/** Wire the tabs, the axis buttons, the slider, Save PNG and the cursor read-out. */
export function initSlicesPanel(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tab')) b.addEventListener('click', () => setTab(b.dataset.tab as Tab));
  for (const b of document.querySelectorAll<HTMLButtonElement>('.axis')) b.addEventListener('click', () => setAxis(b.dataset.axis as Axis));
  $('scale-run').addEventListener('change', renderSlice);
  $('halfmap-layer').addEventListener('change', renderSlice);
  $('slice').addEventListener('input', () => {
    const map = state.map;
    if (!map) return;
    state.index = Number($<HTMLInputElement>('slice').value);
    $('slice-index').textContent = `${state.axis.toUpperCase()} ${state.index} / ${sliceCount(map, state.axis) - 1}`;
    renderSlice();
  });
  const canvas = $<HTMLCanvasElement>('slice-canvas');
  $('save-slice').addEventListener('click', () => {
    if (canvas.classList.contains('empty') || !state.map) return;
    const name = `${mapStem(state.map.name)}_${state.tab}_${state.axis}${state.index}.png`;
    saveDataUrl(canvas.toDataURL('image/png'), name);
  });
  const readout = $('cursor-value');
  canvas.addEventListener('mousemove', (e) => {
    readout.textContent = sliceView.valueAt(e.clientX, e.clientY)?.text ?? '';
  });
  canvas.addEventListener('mouseleave', () => {
    readout.textContent = '';
  });
}
