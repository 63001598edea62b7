/**
 * The Half maps panel: two half maps (and a mask, a labels map) under the root → global FSC
 * (plotted from the Vega-Lite spec `occupy fsc` renders), local resolution by local FSC (a slice
 * tab and the 3D surface coloured in Å, with a colour key), the numbers and the per-label table.
 * Runs in the server's job queue with the same progress, status and Cancel as the estimate.
 */
import type { HalfMapsRequest, HalfMapsView, MapInfo } from '../api.js';
import { fileUrl, getHalfMaps, openMap } from './api-client.js';
import { $, el, errorText } from './dom.js';
import { clearFieldErrors } from './field-errors.js';
import { Job, type JobHandlers } from './job.js';
import { updateButtons } from './kernel-panel.js';
import { log, setStatus, setStatusWarnings } from './log-panel.js';
import { setMap, showFindings } from './map-panel.js';
import { doneText, jobCallbacks, setProgress, startRefused } from './run-panel.js';
import { renderSlice, setTab } from './slices-panel.js';
import { jobBusy, state } from './state.js';
import { fill3dSelect } from './view3d-panel.js';
import { plotTools, renderSpec } from './vega-plot.js';

let current: HalfMapsView | undefined;

/** The local-resolution map's file name of the shown half-map result (on the open map), if any. */
export function halfMapsLocresFile(): string | undefined {
  return current && state.map?.mapId === current.mapId ? current.locres.file : undefined;
}

/** Colour range of the local-resolution views, Å (finest, coarsest), if a result is shown. */
export function halfMapsRangeA(): [number, number] | undefined {
  return current && state.map?.mapId === current.mapId ? current.locres.rangeA : undefined;
}

/** Colour range of the local B-factor layer, Å² (low, high), if a result with decompose is shown. */
export function halfMapsBfactorRangeA2(): [number, number] | undefined {
  return current && state.map?.mapId === current.mapId ? current.decompose?.bfactorRangeA2 : undefined;
}

/** Forget the shown half-map result (another map was opened). */
export function resetHalfMapsView(): void {
  current = undefined;
  state.layers = state.layers.filter((l) => l !== 'locres' && l !== 'occupancy' && l !== 'bfactor');
  $<HTMLSelectElement>('halfmap-layer').value = 'locres';
  $('fsc-results').hidden = true;
  $('fsc-empty').hidden = false;
  $('fsc-plot').replaceChildren();
  $('halfmaps-diagnostics').replaceChildren();
}

function tableOf(head: string[], rows: string[][]): HTMLTableElement {
  const t = el('table', 'numbers');
  const tr = el('tr', '');
  for (const h of head) tr.append(el('th', '', h));
  t.append(tr);
  for (const r of rows) {
    const row = el('tr', '');
    for (const c of r) row.append(el('td', '', c));
    t.append(row);
  }
  return t;
}

const A = (v: number | null | undefined) => (v === null || v === undefined ? 'not reached' : `${v.toFixed(2)} Å`);

/** Show a half-map result on the FSC tab, the Local res. tab and the 3D tab. */
export function showHalfMaps(view: HalfMapsView): void {
  current = view;
  state.layers = [...state.layers.filter((l) => l !== 'locres' && l !== 'occupancy' && l !== 'bfactor'), 'locres', ...(view.decompose ? (['occupancy', 'bfactor'] as const) : [])];
  state.version++;
  $('fsc-empty').hidden = true;
  $('fsc-results').hidden = false;
  const f = view.fsc;
  const rows: string[][] = f.fscCorrected
    ? [
        ['FSC 0.143 (corrected)', A(f.resolutionAt0143CorrectedA)],
        ['FSC 0.5 (corrected)', A(f.resolutionAt05CorrectedA)],
        ['FSC 0.143 (masked)', A(f.resolutionAt0143A)],
        ['FSC 0.143 (unmasked)', A(f.resolutionAt0143UnmaskedA)],
        ['phases randomised beyond', A(f.randomiseFromA)],
      ]
    : [
        ['FSC 0.143', A(f.resolutionAt0143A)],
        ['FSC 0.5', A(f.resolutionAt05A)],
      ];
  rows.push(['Nyquist', A(f.nyquistA)]);
  const l = view.locres;
  const locRows = [
    ['median', A(l.medianA)],
    ['5–95 %', `${l.p5A.toFixed(2)}–${l.p95A.toFixed(2)} Å`],
    // a voxel is pinned when half or more of its value comes from windows at the bound
    ['pinned at the finest reported value (a bound)', `${A(l.finestA)}: ${l.pinnedPercent.toFixed(1)} % of the mask takes half or more of its value from such windows`],
    ['window, step', `${l.windowVoxels} / ${l.stepVoxels} voxels, threshold ${Number(l.threshold.toPrecision(3))}`],
    ...(l.besideFinerPercent !== null ? [['beside finer (≥ 1.4 × a value within half a window: tends to read fine)', `${l.besideFinerPercent.toFixed(1)} % of the mask`]] : []),
  ];
  $('fsc-numbers').replaceChildren(tableOf(['global FSC', ''], rows));
  $('fsc-numbers').dataset.r0143 = String(f.fscCorrected ? f.resolutionAt0143CorrectedA : f.resolutionAt0143A);
  $('locres-numbers').replaceChildren(tableOf(['local resolution', ''], locRows));
  $('locres-numbers').dataset.median = String(l.medianA);
  const labels = $('locres-labels');
  labels.replaceChildren(
    ...(view.labelRows
      ? [
          el('h3', '', `Per label (${view.labels}${view.mask ? ', inside the mask' : ''})`),
          tableOf(
            ['label', 'voxels', 'median', '10–90 %', 'pinned', ...(view.labelRows.some((r) => r.intervalLowA !== undefined) ? ['90 % interval (median ends)'] : []), ...(view.labelRows.some((r) => r.coreVoxels !== undefined) ? [l.windowReachA !== null ? `> ${l.windowReachA.toFixed(1)} Å from other labels` : `beyond half a window (${l.windowVoxels / 2} voxels) of other labels`] : []), ...(view.labelRows.some((r) => r.besideFinerVoxels !== undefined) ? ['beside finer (tends to read fine)'] : [])],
            view.labelRows.map((r) => [String(r.label), String(r.voxels), `${r.medianA.toFixed(2)} Å`, `${r.p10A.toFixed(2)}–${r.p90A.toFixed(2)} Å`, String(r.pinnedVoxels), ...(r.intervalLowA !== undefined && r.intervalHighA !== undefined ? [`${r.intervalLowA.toFixed(2)}–${r.intervalHighA.toFixed(2)} Å`] : []), ...(r.coreVoxels !== undefined ? [`${((100 * r.coreVoxels) / Math.max(1, r.voxels)).toFixed(0)} %`] : []), ...(r.besideFinerVoxels !== undefined ? [`${((100 * r.besideFinerVoxels) / Math.max(1, r.voxels)).toFixed(0)} %`] : [])]),
          ),
        ]
      : []),
  );
  const dc = view.decompose;
  $('decompose-results').hidden = !dc;
  if (dc) {
    $('decompose-numbers').replaceChildren(
      tableOf(
        ['decompose', ''],
        [
          ['relative occupancy, median', dc.occupancyMedian.toFixed(3)],
          ['local B-factor, median', `${dc.bfactorMedianA2.toFixed(1)} Å²`],
          ['global B-factor', `${dc.globalBA2.toFixed(1)} Å²`],
        ],
      ),
      ...(dc.labels ? [tableOf(['label', 'voxels', 'occupancy', 'relative', 'B (Å²)'], dc.labels.map((r) => [String(r.label), String(r.voxels), r.occupancy.toFixed(3), r.relativeOccupancy.toFixed(3), r.bfactorA2.toFixed(1)]))] : []),
    );
  }
  const d = view.directional;
  $('directional-results').hidden = !d;
  if (d) {
    const dir = (v: [number, number, number]) => `(${v.map((x) => x.toFixed(2)).join(', ')})`;
    $('directional-numbers').replaceChildren(
      tableOf(
        ['directional FSC', ''],
        [
          ['sphericity', d.sphericity.toFixed(3)],
          ['best', `${A(d.bestResolutionA)} along ${dir(d.bestDirection)}`],
          ['worst', `${A(d.worstResolutionA)} along ${dir(d.worstDirection)}`],
          ['cones', `${d.coneAngleDeg}° half-angle, ${d.conesNotCrossing} not crossing 0.143`],
        ],
      ),
    );
    $('directional-numbers').dataset.sphericity = String(d.sphericity);
    const img = $<HTMLImageElement>('directional-plot');
    if (d.plot) img.src = fileUrl(view.mapId, d.plot);
    img.hidden = !d.plot;
  }
  $('halfmaps-commands').textContent = view.commands.join('\n');
  const dl = $('halfmaps-downloads');
  dl.replaceChildren(
    ...view.files.map((name) => {
      const li = document.createElement('li');
      const a = Object.assign(document.createElement('a'), { href: fileUrl(view.mapId, name, true), download: name, textContent: name, title: name });
      li.append(a);
      return li;
    }),
  );
  showFindings($('halfmaps-diagnostics'), view.findings, 'half maps');
  const plot = $('fsc-plot');
  delete plot.dataset.rendered;
  void renderSpec(plot, view.fscPlotSpec).catch((e: unknown) => log('error', `FSC plot: ${errorText(e)}`));
  fill3dSelect();
  renderSlice();
}

/** A previous half-map result of the open map (this server session). */
export async function loadPreviousHalfMaps(mapId: string): Promise<void> {
  const view = await getHalfMaps(mapId).catch(() => undefined);
  if (view && state.map?.mapId === mapId && !current) showHalfMaps(view);
}

/** What a tab remembers of a running half-map run, to follow it after a reload (see `resume.ts`). */
export interface RememberedHalfMaps {
  kind: 'halfmaps';
  /** The map open when it started (the result opens the first half). */
  map?: MapInfo;
  req: HalfMapsRequest;
}

/** The callbacks of a half-map run: progress, its warnings, and its result shown (the first half opened). */
export function halfMapsHandlers(runId: () => string): JobHandlers<HalfMapsView> {
  return {
    ...jobCallbacks(runId, updateHalfButton),
    done: (view) => {
      void (async () => {
        // opening the first half resets the run panel (and its warnings): keep this run's warnings
        const warnings = [...state.jobWarnings];
        if (state.map?.mapId !== view.mapId) setMap(await openMap(view.half1));
        state.jobWarnings = warnings;
        showHalfMaps(view);
        setProgress(1, doneText());
        const n = state.jobWarnings.length;
        setStatusWarnings(state.jobWarnings);
        if (n) setStatus('warning', `done, ${n} warning${n > 1 ? 's' : ''}`);
        else setStatus('done');
        log('info', `Half maps done: FSC 0.143 at ${A(view.fsc.fscCorrected ? view.fsc.resolutionAt0143CorrectedA : view.fsc.resolutionAt0143A)}, local resolution median ${A(view.locres.medianA)}`, runId());
        setTab('fsc');
        updateButtons();
      })().catch((e: unknown) => {
        setStatus('error', 'error');
        log('error', errorText(e), runId());
      });
    },
  };
}

/** The half-map fields as a request. */
function halfMapsRequest(): HalfMapsRequest {
  const value = (id: string) => $<HTMLInputElement>(id).value.trim() || undefined;
  return { half1: value('half1') ?? '', half2: value('half2') ?? '', mask: value('half-mask'), labels: value('half-labels'), outputFolder: value('output-folder'), directional: $<HTMLInputElement>('half-directional').checked || undefined, decompose: $<HTMLInputElement>('half-decompose').checked || undefined };
}

/** Put a request back into the half-map fields (a run followed again after a reload). */
export function fillHalfMapsFields(req: HalfMapsRequest): void {
  $<HTMLInputElement>('half1').value = req.half1;
  $<HTMLInputElement>('half2').value = req.half2;
  $<HTMLInputElement>('half-mask').value = req.mask ?? '';
  $<HTMLInputElement>('half-labels').value = req.labels ?? '';
  $<HTMLInputElement>('half-directional').checked = req.directional === true;
  $<HTMLInputElement>('half-decompose').checked = req.decompose === true;
  updateHalfButton();
}

async function runHalfMaps(): Promise<void> {
  if (jobBusy()) return;
  const req = halfMapsRequest();
  if (!req.half1 || !req.half2) {
    setStatusWarnings(['choose the two half maps']);
    return;
  }
  setStatus('running', 'half maps…');
  setStatusWarnings([]);
  clearFieldErrors();
  setProgress(0, 'starting…');
  state.jobWarnings = [];
  // no second run while this one's request is on the way
  state.starting = true;
  updateButtons();
  let runId = '';
  try {
    const job = await Job.startHalfMaps(req, halfMapsHandlers(() => runId));
    state.job = job;
    runId = job.jobId;
    job.remember({ kind: 'halfmaps', map: state.map, req } satisfies RememberedHalfMaps);
    log('info', `Half maps: ${req.half1} ${req.half2}${req.mask ? ` --mask ${req.mask}` : ''}${req.labels ? ` --labels ${req.labels}` : ''}`, runId);
  } catch (e) {
    startRefused(e, 'the half-map run');
  } finally {
    state.starting = false;
  }
  updateButtons();
  updateHalfButton();
}

/** Enable Run for two chosen halves while no job runs. */
export function updateHalfButton(): void {
  ($('run-halfmaps') as HTMLButtonElement).disabled = jobBusy() || !$<HTMLInputElement>('half1').value.trim() || !$<HTMLInputElement>('half2').value.trim();
}

/** Wire the panel. */
export function initHalfMapsPanel(): void {
  for (const id of ['half1', 'half2']) $(id).addEventListener('input', updateHalfButton);
  $('run-halfmaps').addEventListener('click', () => void runHalfMaps());
  plotTools($('fsc-plot-tools'), $('fsc-plot'), $('fsc-plot-panel'), () => `fsc_${(current?.half1.split('/').pop() ?? 'half1').replace(/\.gz$/i, '').replace(/\.(mrc|map|ccp4|rec)$/i, '')}`);
  updateHalfButton();
}
