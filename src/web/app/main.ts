/**
 * The occupy GUI page: wires the file browser, the kernel-settings panel (recomputed live with
 * the CLI's own `deriveSettings`), the slice viewer, the plots, the job runner and the lazily
 * loaded Mol* 3D view to the server API (`src/web/api.ts`).
 */
import type { EstimateSummaryView, MapInfo, SliceLayer } from '../api.js';
import { ApiError, apiUrl, fileUrl, getFileBytes, getInfo, openMap, uploadMap, type Axis } from './api-client.js';
import { MIN_VIS_SCALE } from './colormap.js';
import { FileBrowser } from './file-browser.js';
import { Job } from './job.js';
import { drawModificationPlot, drawPlaceholder, drawSolventPlot } from './plots.js';
import {
  commandLine,
  DEFAULT_SCALE_LIMIT,
  liveSettings,
  mapStem,
  modificationError,
  readForm,
  readModification,
  requestSettings,
  type FormSettings,
  type ModificationSettings,
} from './settings.js';
import { sliceCount, SliceView, type SliceTab } from './slice-view.js';
import { subtractionMaskMrc, subtractionMaskName } from './subtraction-mask.js';
import type { Viewer3D } from './viewer-3d.js';

type Tab = SliceTab | '3d';

/** The numbers of the summary the page uses (the server sends the CLI's `--json` object). */
interface SummaryNumbers {
  sMax?: number;
  solventEdge?: number;
  sMaxTile?: { centreA: [number, number, number]; halfSizeVoxel: [number, number, number] };
  processingVoxelSizeA?: [number, number, number];
  mode?: 'res' | 'occ';
  warnings?: string[];
}

const state: {
  map?: MapInfo;
  result?: EstimateSummaryView;
  layers: SliceLayer[];
  version: number;
  tab: Tab;
  axis: Axis;
  index: number;
  job?: Job;
  jobKind?: 'estimate' | 'modify';
  viewer?: Viewer3D;
  viewerLoading?: Promise<Viewer3D>;
  /** Object URLs of masks made in the page, revoked when a new map is opened. */
  blobUrls: string[];
} = { layers: [], version: 0, tab: 'input', axis: 'z', index: 0, blobUrls: [] };

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e as T;
}

const sliceView = new SliceView($<HTMLCanvasElement>('slice-canvas'), $('slice-message'), $<HTMLCanvasElement>('colorbar'));

// ---------------------------------------------------------------- log and status

/** Append a line to the log panel; warnings and errors are highlighted. */
function log(level: 'info' | 'warning' | 'error', text: string): void {
  const div = document.createElement('div');
  div.className = `line ${level}`;
  div.textContent = level === 'info' ? text : `${level === 'warning' ? 'Warning' : 'Error'}: ${text}`;
  const box = $('log');
  box.append(div);
  box.scrollTop = box.scrollHeight;
}

function setStatus(s: 'idle' | 'running' | 'done' | 'error' | 'cancelled', text: string = s): void {
  document.body.dataset.job = s;
  $('status').textContent = text;
}

function errorText(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits) : v.toFixed(digits);
}

// ---------------------------------------------------------------- map

async function openPath(path: string): Promise<void> {
  setStatus('running', 'opening…');
  try {
    setMap(await openMap(path));
    setStatus('idle');
  } catch (e) {
    setStatus('error', 'error');
    log('error', `could not open ${path}: ${errorText(e)}`);
  }
}

async function openDropped(file: File): Promise<void> {
  setStatus('running', 'uploading…');
  try {
    setMap(await uploadMap(file));
    setStatus('idle');
  } catch (e) {
    setStatus('error', 'error');
    log('error', `could not open ${file.name}: ${errorText(e)}`);
  }
}

function setMap(map: MapInfo): void {
  state.map = map;
  state.result = undefined;
  state.layers = ['input'];
  state.version++;
  sliceView.clear();
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
  $('map-info').classList.remove('none');
  $('map-name').textContent = map.path.startsWith('upload:') ? `${map.name} (uploaded)` : map.path;
  $('box').textContent = map.box.join(' × ');
  $('voxel-size').textContent = `${map.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å`;
  $('value-range').textContent = `${fmt(map.min, 4)} … ${fmt(map.max, 4)} (mean ${fmt(map.mean, 4)})`;
  browser.markOpen(map.path);
  log('info', `Opened ${map.path}: box ${map.box.join('x')}, voxel ${map.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å`);
  // input diagnostics (occupy check): each finding once, highlighted
  const findings = (map as MapInfo & { findings?: { code: string; severity: string; message: string }[] }).findings ?? [];
  for (const f of findings) log(f.severity === 'error' ? 'error' : 'warning', `[${f.code}] ${f.message}`);
  $('value-range').title = findings.length ? findings.map((f) => `[${f.code}] ${f.message}`).join('\n') : 'input diagnostics: no findings';
  setAxis(state.axis, true);
  showResult(undefined);
  updateSettings();
  void loadPreviousResult(map);
}

/** A map opened before in this server session may already have a result. */
async function loadPreviousResult(map: MapInfo): Promise<void> {
  try {
    const res = await fetch(apiUrl(`maps/${encodeURIComponent(map.mapId)}/result`));
    if (!res.ok || state.map?.mapId !== map.mapId || state.result) return;
    showResult((await res.json()) as EstimateSummaryView);
  } catch {
    // no result yet
  }
}

// ---------------------------------------------------------------- settings

let form: FormSettings = readForm();
let modification: ModificationSettings = readModification();
let settingsValid = false;
let modificationValid = true;

function updateSettings(): void {
  form = readForm();
  const live = liveSettings(form, state.map);
  const d = live.derived;
  $('nv').textContent = d ? String(d.kernel.nSamples) : '–';
  $('tau-recommended').textContent = d ? d.tauRecommended.toFixed(4) : '–';
  const setAuto = (id: string, text: string) => {
    ($(id) as HTMLInputElement).placeholder = text;
  };
  setAuto('lowpass', d && form.lowpassA === undefined ? `${d.lowpassA.toFixed(2)} (auto)` : 'auto');
  setAuto('kernel-size', d && form.kernelSize === undefined ? `${d.kernel.size} (auto)` : 'auto');
  setAuto('kernel-radius', d && form.kernelRadiusVoxels === undefined ? `${d.kernel.radiusVoxels.toFixed(2)} (auto)` : 'auto');
  setAuto('tau', d && form.tau === undefined ? `${d.tauRecommended.toFixed(4)} (rec.)` : 'recommended');
  setAuto('tile-size', live.processingBox ? `${Math.max(1, Math.floor(Math.max(...live.processingBox) / 20))} (box / 20)` : 'box / 20');
  $('derived').textContent = d
    ? `Using low-pass ${d.lowpassA.toFixed(2)} Å, kernel ${d.kernel.size}³ with radius ${d.kernel.radiusVoxels.toFixed(2)} voxels (n_v = ${d.kernel.nSamples}), tau ${d.tau.toFixed(4)}; processing voxel ${fmt(live.voxelSizeA)} Å, box ${live.processingBox?.join('x')}.`
    : state.map
      ? ''
      : 'Open a map to see the derived kernel.';
  const list = (id: string, items: string[]) => {
    const ul = $(id);
    ul.replaceChildren(
      ...items.map((t) => {
        const li = document.createElement('li');
        li.textContent = t;
        return li;
      }),
    );
  };
  list('settings-errors', live.errors);
  list('settings-warnings', [...live.warnings, ...live.notes]);
  settingsValid = live.errors.length === 0 && d !== undefined;
  // solvent definition controls
  ($('soldef-path') as HTMLInputElement).disabled = form.soldefKind !== 'mask';
  ($('soldef-threshold') as HTMLInputElement).disabled = form.soldefKind !== 'threshold';
  $('soldef-threshold-value').textContent = form.soldefThreshold.toFixed(2);
  if (form.soldefKind === 'threshold' && !state.layers.includes('scale')) {
    list('settings-errors', [...live.errors, 'A threshold on the scale needs a scale map: run Estimate with the default solvent definition first.']);
    settingsValid = false;
  }
  updateCommand();
  updateButtons();
  if (state.tab === 'soldef') renderSlice();
}

function updateModification(): void {
  modification = readModification();
  ($('mod-pivot') as HTMLInputElement).disabled = modification.kind !== 'sigmoid';
  const err = modificationError(modification);
  modificationValid = err === undefined;
  $('mod-errors').replaceChildren(
    ...(err
      ? [
          Object.assign(document.createElement('li'), {
            textContent: err,
          }),
        ]
      : []),
  );
  const canvas = $<HTMLCanvasElement>('mod-plot');
  if (err) drawPlaceholder(canvas, 'invalid modification settings');
  else drawModificationPlot(canvas, modification.kind, modification.gamma, modification.pivot, form.scaleLimit ?? DEFAULT_SCALE_LIMIT, MIN_VIS_SCALE);
  updateCommand();
  updateButtons();
  if (state.tab === 'preview') renderSlice();
}

function updateCommand(): void {
  $('command').textContent = commandLine(state.map, form, undefined);
  $('command').title = `With the modification: ${commandLine(state.map, form, modification)}`;
}

function updateButtons(): void {
  const running = state.job?.running === true;
  const hasScale = state.layers.includes('scale');
  ($('estimate') as HTMLButtonElement).disabled = running || !state.map || !settingsValid;
  ($('modify') as HTMLButtonElement).disabled = running || !state.map || !settingsValid || !modificationValid;
  ($('subtraction-mask') as HTMLButtonElement).disabled = running || !hasScale || !modificationValid || modification.kind === 'amplify';
  ($('subtraction-mask') as HTMLButtonElement).title =
    modification.kind === 'amplify' ? 'Subtraction masks use attenuate or sigmoid: choose one in Modification' : 'Make a subtraction mask from the scale map with the modification settings';
  ($('cancel') as HTMLButtonElement).disabled = !running;
}

// ---------------------------------------------------------------- jobs

async function runJob(kind: 'estimate' | 'modify'): Promise<void> {
  const map = state.map;
  if (!map || state.job?.running) return;
  const settings = requestSettings(form, kind === 'modify' ? modification : undefined);
  $('last-command').textContent = commandLine(map, form, kind === 'modify' ? modification : undefined);
  ($('progress') as HTMLProgressElement).value = 0;
  $('progress-text').textContent = '';
  setStatus('running', kind === 'modify' ? 'modifying…' : 'estimating…');
  log('info', `${kind === 'modify' ? 'Modify' : 'Estimate'}: ${commandLine(map, form, kind === 'modify' ? modification : undefined)}`);
  state.jobKind = kind;
  try {
    state.job = await Job.start(
      { mapId: map.mapId, settings },
      {
        progress: (phase, fraction) => {
          ($('progress') as HTMLProgressElement).value = fraction;
          $('progress-text').textContent = `${phase} — ${Math.round(fraction * 100)} %`;
        },
        log,
        done: (result) => {
          ($('progress') as HTMLProgressElement).value = 1;
          $('progress-text').textContent = 'done';
          if (state.map?.mapId !== result.mapId) return;
          showResult(result);
          setStatus('done');
          log('info', `${kind === 'modify' ? 'Modification' : 'Estimate'} done: ${result.files.length} files`);
          if (kind === 'modify' && result.layers.includes('output')) setTab('output');
          else if (kind === 'estimate' && state.tab === 'input') setTab('scale');
          updateButtons();
        },
        failed: (why, message) => {
          setStatus(why === 'cancelled' ? 'cancelled' : 'error', why === 'cancelled' ? 'cancelled' : 'error');
          $('progress-text').textContent = message;
          if (why === 'error') log('error', message);
          else log('warning', 'job cancelled');
          updateButtons();
        },
      },
    );
  } catch (e) {
    setStatus('error', 'error');
    log('error', `could not start the job: ${errorText(e)}`);
  }
  updateButtons();
}

function summaryNumbers(result: EstimateSummaryView | undefined): SummaryNumbers {
  return (result?.summary ?? {}) as SummaryNumbers;
}

function showResult(result: EstimateSummaryView | undefined): void {
  state.result = result;
  state.layers = result ? [...new Set<SliceLayer>(['input', ...result.layers])] : state.map ? ['input'] : [];
  state.version++;
  sliceView.clear();
  const s = summaryNumbers(result);
  // summary
  const dl = $('summary');
  dl.replaceChildren();
  const row = (k: string, v: string) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  };
  if (result) {
    const r = result.summary as Record<string, unknown>;
    const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
    row('mode', String(r.mode ?? '–'));
    row('low-pass', `${fmt(num('lowpassA'), 2)} Å`);
    row('kernel', `${String(r.kernelSize ?? '–')}³, radius ${fmt(num('kernelRadiusVoxels'), 2)}, n_v ${String(r.nV ?? '–')}`);
    row('tau', fmt(num('tau'), 4));
    const sm = r.solventModel as { mu?: number; sigma?: number } | undefined;
    row('solvent peak', `μ ${fmt(sm?.mu, 4)}, σ ${fmt(sm?.sigma, 4)}`);
    row('solvent edge', fmt(num('solventEdge')));
    row('s_max', fmt(num('sMax'), 4));
    row('variability limit', fmt(num('variabilityLimit')));
    row('confidence limit', fmt(num('confidenceLimit')));
    if (typeof r.seconds === 'number') row('time', `${r.seconds.toFixed(2)} s`);
    $('last-command').textContent = result.command;
  } else {
    row('status', state.map ? 'no estimate yet' : 'no map');
  }
  // plot
  const plotCanvas = $<HTMLCanvasElement>('solvent-plot');
  if (result?.solventPlot) drawSolventPlot(plotCanvas, result.solventPlot, { solventEdge: s.solventEdge, sMax: s.sMax });
  else drawPlaceholder(plotCanvas, 'The solvent model appears after an estimate.');
  // downloads
  renderDownloads();
  // 3D
  fill3dSelect();
  updateButtons();
  updateSettings();
  renderSlice();
  if (state.tab === '3d') void show3d();
}

function renderDownloads(): void {
  const ul = $('downloads');
  ul.replaceChildren();
  const result = state.result;
  if (!result || result.files.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'no outputs yet';
    ul.append(li);
    return;
  }
  for (const name of result.files) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = fileUrl(result.mapId, name, true);
    a.download = name;
    a.textContent = name;
    if (/\.cxc$/.test(name)) a.title = 'ChimeraX script: open it with chimerax next to the maps';
    li.append(a);
    ul.append(li);
  }
}

async function makeSubtractionMask(): Promise<void> {
  const result = state.result;
  const mod = modification;
  if (!result || mod.kind === 'amplify') return;
  const scaleName = result.files.find((f) => /^scale_(res|occ)_.*\.mrc$/.test(f));
  if (!scaleName) {
    log('error', 'no scale map among the outputs');
    return;
  }
  try {
    setStatus('running', 'mask…');
    const bytes = await getFileBytes(result.mapId, scaleName);
    const mask = subtractionMaskMrc(bytes, mod.kind, mod.gamma, mod.kind === 'sigmoid' ? mod.pivot : undefined);
    const name = subtractionMaskName(mod.kind, mod.gamma, mod.kind === 'sigmoid' ? mod.pivot : undefined);
    const url = URL.createObjectURL(new Blob([mask], { type: 'application/octet-stream' }));
    state.blobUrls.push(url);
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.textContent = `${name} (made in the page)`;
    li.append(a);
    $('downloads').append(li);
    const cli = `occupy subtraction-mask ${scaleName} --${mod.kind} ${mod.gamma}${mod.kind === 'sigmoid' ? ` --pivot ${mod.pivot}` : ''}`;
    log('info', `Subtraction mask ${name} from ${scaleName} (same as: ${cli})`);
    setStatus('done');
  } catch (e) {
    setStatus('error', 'error');
    log('error', `subtraction mask: ${errorText(e)}`);
  }
}

// ---------------------------------------------------------------- slices and tabs

function setAxis(axis: Axis, reset = false): void {
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

function setTab(tab: Tab): void {
  state.tab = tab;
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tab')) b.classList.toggle('active', b.dataset.tab === tab);
  $('slice-pane').hidden = tab === '3d';
  $('pane-3d').hidden = tab !== '3d';
  if (tab === '3d') void show3d();
  else renderSlice();
}

let renderQueued = false;
/** Redraw the slice (coalesced to one per animation frame). */
function renderSlice(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    const map = state.map;
    if (!map || state.tab === '3d') return;
    const mod = modificationValid ? { ...modification, scaleLimit: form.scaleLimit ?? DEFAULT_SCALE_LIMIT } : undefined;
    void sliceView
      .render({
        map,
        layers: state.layers,
        version: state.version,
        tab: state.tab,
        axis: state.axis,
        index: state.index,
        modification: mod,
        soldefThreshold: form.soldefKind === 'threshold' ? form.soldefThreshold : undefined,
      })
      .then(() => {
        $('slice-caption').textContent = sliceView.lastDrawn;
      });
  });
}

// ---------------------------------------------------------------- 3D

function modifiedMaps(result: EstimateSummaryView | undefined): string[] {
  return (result?.files ?? []).filter((f) => /^(ampl|attn|sigm|solExcl)_.*\.mrc$/.test(f));
}

function fill3dSelect(): void {
  const sel = $<HTMLSelectElement>('map-3d');
  const prev = sel.value;
  sel.replaceChildren();
  const add = (value: string, label: string) => sel.append(Object.assign(document.createElement('option'), { value, textContent: label }));
  add('input.mrc', 'input map');
  for (const f of modifiedMaps(state.result)) add(f, f);
  if ([...sel.options].some((o) => o.value === prev)) sel.value = prev;
  // iso slider over the map's value range, default (s_max + solvent edge) / 2 as in the ChimeraX script
  const map = state.map;
  const iso = $<HTMLInputElement>('iso-level');
  if (map) {
    iso.min = String(map.min);
    iso.max = String(map.max);
    iso.step = String((map.max - map.min) / 500);
    const s = summaryNumbers(state.result);
    const level = s.sMax !== undefined && s.solventEdge !== undefined ? (s.sMax + s.solventEdge) / 2 : map.mean + (map.max - map.mean) * 0.3;
    iso.value = String(level);
    $('iso-value').textContent = fmt(level, 4);
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

let show3dToken = 0;
async function show3d(): Promise<void> {
  const token = ++show3dToken;
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
    const result = state.result;
    const s = summaryNumbers(result);
    const scaleName = result?.files.find((f) => /^scale_(res|occ)_.*\.mrc$/.test(f));
    const chosen = $<HTMLSelectElement>('map-3d').value || 'input.mrc';
    const level = Number($<HTMLInputElement>('iso-level').value);
    // the tile's sphere as in the ChimeraX script (radius = half the tile edge), drawn at least
    // 4 voxels wide: a 3-voxel tile would sit hidden inside the surface
    const tileRadiusA = s.sMaxTile && s.processingVoxelSizeA ? s.sMaxTile.halfSizeVoxel[0] * s.processingVoxelSizeA[0] : 0;
    const shownRadiusA = s.processingVoxelSizeA ? Math.max(tileRadiusA, 4 * s.processingVoxelSizeA[0]) : tileRadiusA;
    const tile = $<HTMLInputElement>('show-tile').checked && s.sMaxTile ? { centreA: s.sMaxTile.centreA, radiusA: shownRadiusA } : undefined;
    status.textContent = 'Loading the maps…';
    document.body.dataset.view3d = 'loading';
    await viewer.show({
      mapUrl: fileUrl(map.mapId, chosen),
      scaleUrl: scaleName ? fileUrl(map.mapId, scaleName) : undefined,
      level,
      maxTile: tile,
    });
    if (token !== show3dToken) return;
    document.body.dataset.view3d = 'ready';
    status.textContent = scaleName
      ? `${chosen === 'input.mrc' ? 'Input' : chosen} at level ${fmt(level, 4)}, coloured by ${scaleName} (palette range ${MIN_VIS_SCALE}–1)${tile ? `; blue sphere: the s_max tile at (${tile.centreA.map((v) => v.toFixed(1)).join(', ')}) Å, tile radius ${tileRadiusA.toFixed(1)} Å${shownRadiusA > tileRadiusA ? ` (drawn ${shownRadiusA.toFixed(1)} Å)` : ''}` : ''}.`
      : 'Input map (uncoloured): run Estimate to colour it by the scale.';
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
  window.clearTimeout(isoTimer);
  isoTimer = window.setTimeout(() => {
    void state.viewer?.setLevel(level);
  }, 60);
}

// ---------------------------------------------------------------- wiring

const browser = new FileBrowser(
  $<HTMLUListElement>('file-list'),
  $('file-crumbs'),
  (entry) => void openPath(entry.path),
  (message) => log('error', message),
  () => {
    const dl = $('map-paths');
    dl.replaceChildren(...[...browser.seenMaps].map((p) => Object.assign(document.createElement('option'), { value: p })));
    browser.markOpen(state.map?.path);
  },
);

for (const id of ['lowpass', 'resolution', 'kernel-size', 'kernel-radius', 'tau', 'tile-size', 'max-box', 'hedge', 'soldef-path', 'soldef-threshold']) {
  $(id).addEventListener('input', updateSettings);
}
for (const id of ['mode', 'nlrc', 'soldef-kind']) $(id).addEventListener('change', updateSettings);
$('scale-limit').addEventListener('input', () => {
  updateSettings();
  updateModification();
});
for (const id of ['mod-gamma', 'mod-pivot']) $(id).addEventListener('input', updateModification);
for (const id of ['mod-kind', 'exclude-solvent']) $(id).addEventListener('change', updateModification);

$('estimate').addEventListener('click', () => void runJob('estimate'));
$('modify').addEventListener('click', () => void runJob('modify'));
$('subtraction-mask').addEventListener('click', () => void makeSubtractionMask());
$('cancel').addEventListener('click', () => {
  void state.job?.cancel().catch((e: unknown) => log('error', `cancel: ${errorText(e)}`));
});
$('copy-command').addEventListener('click', () => {
  void navigator.clipboard?.writeText($('command').textContent ?? '').then(
    () => log('info', 'command copied'),
    () => log('warning', 'could not copy: select the command and copy it yourself'),
  );
});

for (const b of document.querySelectorAll<HTMLButtonElement>('.tab')) b.addEventListener('click', () => setTab(b.dataset.tab as Tab));
for (const b of document.querySelectorAll<HTMLButtonElement>('.axis')) b.addEventListener('click', () => setAxis(b.dataset.axis as Axis));
$('slice').addEventListener('input', () => {
  const map = state.map;
  if (!map) return;
  state.index = Number($<HTMLInputElement>('slice').value);
  $('slice-index').textContent = `${state.axis.toUpperCase()} ${state.index} / ${sliceCount(map, state.axis) - 1}`;
  renderSlice();
});
$('iso-level').addEventListener('input', onIsoInput);
$('map-3d').addEventListener('change', () => void show3d());
$('show-tile').addEventListener('change', () => void show3d());

// drag and drop of a map file anywhere on the page
let dragDepth = 0;
window.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer?.types.includes('Files')) return;
  dragDepth++;
  $('drop-overlay').hidden = false;
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) $('drop-overlay').hidden = true;
});
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('drop-overlay').hidden = true;
  const file = e.dataTransfer?.files[0];
  if (file) void openDropped(file);
});
window.addEventListener('resize', () => {
  if (state.result?.solventPlot) showResultPlotsOnly();
});

function showResultPlotsOnly(): void {
  const s = summaryNumbers(state.result);
  if (state.result) drawSolventPlot($<HTMLCanvasElement>('solvent-plot'), state.result.solventPlot, { solventEdge: s.solventEdge, sMax: s.sMax });
  updateModification();
}

async function start(): Promise<void> {
  updateSettings();
  updateModification();
  showResult(undefined);
  try {
    const info = await getInfo();
    $('version').textContent = `${info.tool} ${info.version}`;
    document.title = `occupy — ${info.root}`;
    await browser.show('');
    if (info.initialMap) setMap(info.initialMap);
  } catch (e) {
    log('error', `could not reach the occupy server: ${errorText(e)}`);
    setStatus('error', 'offline');
  }
  document.body.dataset.ready = 'true';
}

void start();

/** Exposed for debugging in the browser console. */
(window as unknown as { occupyGui: unknown }).occupyGui = { state, mapStem };
