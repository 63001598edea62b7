/**
 * The input panel: the file browser, opening a map (click, path, or drop / file input for an
 * upload), the map facts in the header, the diagnostics banners (the `occupy check` findings,
 * one per finding, before any estimate), and clearing every piece of state a previous map left.
 */
import type { DiagnosticFinding, EstimateSummaryView, MapInfo } from '../api.js';
import { apiUrl, openEmdb, openMap, uploadMap } from './api-client.js';
import { $, el, errorText, fmt } from './dom.js';
import { clearFieldErrors } from './field-errors.js';
import { FileBrowser } from './file-browser.js';
import { resetModeAndSolvent, updateSettings } from './kernel-panel.js';
import { log, setStatus, setStatusWarnings } from './log-panel.js';
import { resetRunPanel, showResult } from './run-panel.js';
import { setAxis, setTab, sliceView } from './slices-panel.js';
import { state } from './state.js';
import { loadPreviousHalfMaps, resetHalfMapsView } from './halfmaps-panel.js';

/** Headline of each finding code (the message says what was seen and what it means). */
const FINDING_TITLES: Record<string, string> = {
  'not-density': 'This does not look like a density map',
  inverted: 'The map looks inverted',
  'anisotropic-voxels': 'The voxels are not cubic',
  masked: 'The map looks masked',
  flattened: 'The solvent looks flattened',
  offset: 'The solvent level is not at 0',
  sharpened: 'The map looks sharpened',
  'locally-filtered': 'The map looks locally filtered',
  'solvent-model': 'The solvent model does not fit',
  'box-mismatch': 'The half maps differ in box',
  'voxel-size-mismatch': 'The half maps differ in voxel size',
  'origin-mismatch': 'The half maps differ in origin',
  'identical-halves': 'The two half maps are identical',
  'anti-correlated-halves': 'One half map has inverted contrast',
  'not-independent': 'The half maps are not independent',
  'halves-look-masked': 'A half map looks masked',
  'halves-differ-in-scale': 'The half maps differ in scale or level',
};

/** The name of a map as the user knows it: its path under the root, or the uploaded file's name. */
export function shownName(map: MapInfo): string {
  return /^(upload|emdb):/.test(map.path) ? map.name : map.path;
}

/** Show the findings as banners in `box` (empty: no banner). */
export function showFindings(box: HTMLElement, findings: readonly DiagnosticFinding[], about?: string): void {
  box.replaceChildren(
    ...findings.map((f) => {
      const div = el('div', `banner ${f.severity}`);
      div.dataset.code = f.code;
      div.setAttribute('role', f.severity === 'error' ? 'alert' : 'status');
      const title = el('b', '', `${FINDING_TITLES[f.code] ?? f.code}${about ? ` (${about})` : ''}`);
      const close = el('button', 'banner-close', '×');
      close.type = 'button';
      close.title = 'hide this note (it stays in the log)';
      close.addEventListener('click', () => div.remove());
      div.append(title, el('span', 'banner-text', ` — ${f.message.charAt(0).toUpperCase()}${f.message.slice(1)}`), el('span', 'banner-code', ` [${f.code}]`), close);
      return div;
    }),
  );
  box.hidden = findings.length === 0;
}

async function openPath(path: string): Promise<void> {
  setStatus('running', 'opening…');
  try {
    setMap(await openMap(path));
    setStatus('idle');
  } catch (e) {
    setStatus('error', 'error');
    // the reason under the status, not only in the log (and not the previous run's warnings)
    setStatusWarnings([`could not open ${path}: ${errorText(e)}`]);
    log('error', `could not open ${path}: ${errorText(e)}`);
  }
}

/** Download EMD-<id> through the server (cached as for `occupy --emdb`) and open it. */
async function openEmdbId(): Promise<void> {
  const id = $<HTMLInputElement>('emdb-id').value.trim();
  if (!id) return;
  setStatus('running', `fetching EMD-${id.replace(/^(emd[-_])/i, '')}…`);
  try {
    setMap(await openEmdb(id));
    setStatus('idle');
  } catch (e) {
    setStatus('error', 'error');
    setStatusWarnings([errorText(e)]);
    log('error', errorText(e));
  }
}

/** Upload and open a map file chosen by drop or with the file input. */
export async function openFile(file: File): Promise<void> {
  setStatus('running', 'uploading…');
  try {
    setMap(await uploadMap(file));
    setStatus('idle');
  } catch (e) {
    setStatus('error', 'error');
    // the reason under the status, not only in the log (and not the previous run's warnings)
    setStatusWarnings([`could not open ${file.name}: ${errorText(e)}`]);
    log('error', `could not open ${file.name}: ${errorText(e)}`);
  }
}

/** Make `map` the open map: everything the previous map left (result, job line, masks, views) is cleared. */
export function setMap(map: MapInfo): void {
  const changed = state.map?.mapId !== map.mapId;
  state.map = map;
  state.result = undefined;
  state.layers = ['input'];
  state.version++;
  sliceView.clear();
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
  if (changed) {
    resetRunPanel();
    resetModeAndSolvent();
    resetHalfMapsView();
    setStatusWarnings([]);
    clearFieldErrors();
    if (state.tab !== 'input' && state.tab !== '3d') setTab('input');
  }
  $('map-info').classList.remove('none');
  const name = $('map-name');
  name.textContent = map.path.startsWith('upload:') ? `${map.name} (uploaded)` : map.path.startsWith('emdb:') ? `EMD-${map.path.slice(5)} (EMDB)` : map.path;
  name.title = name.textContent;
  $('box').textContent = map.box.join(' × ');
  $('voxel-size').textContent = `${map.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å`;
  $('value-range').textContent = `${fmt(map.min, 4)} … ${fmt(map.max, 4)} (mean ${fmt(map.mean, 4)})`;
  browser.markOpen(map.path);
  log('info', `Opened ${shownName(map)}: box ${map.box.join('x')}, voxel ${map.voxelSizeA.map((a) => a.toFixed(3)).join(', ')} Å`);
  const findings = map.findings ?? [];
  for (const f of findings) log(f.severity === 'error' ? 'error' : 'warning', `[${f.code}] ${f.message}`);
  showFindings($('diagnostics'), findings);
  $('diagnostics').dataset.map = shownName(map);
  setAxis(state.axis, true);
  showResult(undefined);
  updateSettings();
  void loadPreviousResult(map);
  void loadPreviousHalfMaps(map.mapId);
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

/** The file browser of the input panel. */
export const browser = new FileBrowser(
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

/** Wire the file input and drag and drop. */
export function initMapPanel(): void {
  $('emdb-fetch').addEventListener('click', () => void openEmdbId());
  $('emdb-id').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') void openEmdbId();
  });
  const input = $<HTMLInputElement>('file-input');
  $('browse').addEventListener('click', () => input.click());
  input.addEventListener('change', () => {
    const f = input.files?.[0];
    if (f) void openFile(f);
    input.value = '';
  });
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
    if (file) void openFile(file);
  });
}
