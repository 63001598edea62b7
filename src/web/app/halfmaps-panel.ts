/**
 * The Half maps panel: two half maps (and a mask, a labels map) under the root → global FSC
 * (plotted from the Vega-Lite spec `occupy fsc` renders), local resolution by the method chosen
 * (local FSC, RELION 3.1's `--relion [--locres-sampling A]`, `--method monores`: the flags, unit,
 * help and value checks from the CLI's option schema, `src/resolution/locres-options.ts`) (a slice
 * tab and the 3D surface coloured in Å, with a colour key), the numbers and the per-label table.
 * Runs in the server's job queue with the same progress, status and Cancel as the estimate.
 */
import { HALF_MAPS_LOCRES_METHODS, type HalfMapsLocresMethod, type HalfMapsRequest, type HalfMapsView, type MapInfo } from '../api.js';
import { LOCRES_OPTION } from '../../resolution/locres-options.js';
import { RELION_SAMPLING_A } from '../../resolution/locres-defaults.js';
import { fileUrl, getHalfMaps, openMap } from './api-client.js';
import { $, el, errorText, setCommandText } from './dom.js';
import { showPathEnds } from './file-fields.js';
import { checkNumberField, clearFieldErrors, clearFieldMessage } from './field-errors.js';
import { numberFieldValue } from './number-field.js';
import { Job, type JobHandlers } from './job.js';
import { updateButtons } from './kernel-panel.js';
import { log, setStatus, setStatusWarnings } from './log-panel.js';
import { setMap, showFindings } from './map-panel.js';
import { doneText, jobCallbacks, setProgress, startRefused } from './run-panel.js';
import { renderSlice, setTab } from './slices-panel.js';
import { HALF_MAP_LAYERS, jobBusy, state } from './state.js';
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
  state.layers = state.layers.filter((l) => !HALF_MAP_LAYERS.includes(l));
  $<HTMLSelectElement>('halfmap-layer').value = 'locres';
  $('fsc-results').hidden = true;
  $('fsc-empty').hidden = false;
  $('fsc-plot').replaceChildren();
  $('halfmaps-diagnostics').replaceChildren();
}

/**
 * A figure (a number, a range of two, with its unit: '3.15–3.43 Å', '44 %', '10–90 %'): kept on one
 * line (at 1280×800 the per-label 10–90 % column read '3.15–' over '3.43 Å').
 */
const FIGURE = /^[-+−\d.,:–×/()%Å² ]+$/;

function tableOf(head: string[], rows: string[][]): HTMLTableElement {
  const t = el('table', 'numbers');
  const tr = el('tr', '');
  // a key–value table's title over both columns (in the key column 'local resolution' wrapped)
  if (head.length > 1 && head.slice(1).every((h) => h === '')) tr.append(Object.assign(el('th', '', head[0]), { colSpan: head.length }));
  else for (const h of head) tr.append(el('th', FIGURE.test(h) ? 'figure' : '', h));
  t.append(tr);
  for (const r of rows) {
    const row = el('tr', '');
    for (const c of r) row.append(el('td', FIGURE.test(c) ? 'figure' : '', c));
    t.append(row);
  }
  return t;
}

const A = (v: number | null | undefined) => (v === null || v === undefined ? 'not reached' : `${v.toFixed(2)} Å`);

/** Show a half-map result on the FSC tab, the Local res. tab and the 3D tab. */
export function showHalfMaps(view: HalfMapsView): void {
  current = view;
  // with a mask, its layer: the local-resolution slice draws the voxels outside it apart
  state.layers = [...state.layers.filter((l) => !HALF_MAP_LAYERS.includes(l)), 'locres', ...(view.decompose ? (['occupancy', 'bfactor'] as const) : []), ...(view.mask ? (['mask'] as const) : [])];
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
  const locRows: string[][] = [
    ['method', `${METHOD_NAMES[l.method]}: ${l.settings}`],
    ['median', A(l.medianA)],
    ['5–95 %', `${l.p5A.toFixed(2)}–${l.p95A.toFixed(2)} Å`],
  ];
  // the bound each method reports, as occupy locres words it
  if (l.pinnedWindows) locRows.push([`≤ Nyquist (${A(f.nyquistA)}): pinned windows`, `${l.pinnedWindows.pinned} of ${l.pinnedWindows.of} never fell below 0.143 (RELION then reports Nyquist)`]);
  else if (l.method === 'monores' && l.finestA !== null && l.pinnedVoxels !== null && l.pinnedPercent !== null) locRows.push([`≤ ${l.finestA.toFixed(2)} Å (pinned)`, `${l.pinnedVoxels} voxels (${l.pinnedPercent.toFixed(1)} %): the estimate reached the finest reported value, a bound`]);
  // a local-FSC voxel is pinned when half or more of its value comes from windows at the bound
  else if (l.finestA !== null && l.pinnedVoxels !== null && l.pinnedPercent !== null) locRows.push(['pinned at the finest reported value (a bound)', `${A(l.finestA)}: ${l.pinnedVoxels} voxels (${l.pinnedPercent.toFixed(1)} % of the mask) take half or more of their value from such windows`]);
  if (l.samplingA !== null) locRows.push(['sampling', `${l.samplingA} Å, FSC threshold 0.143`]);
  else if (l.windowVoxels !== null && l.stepVoxels !== null && l.threshold !== null) locRows.push(['window, step', `${l.windowVoxels} / ${l.stepVoxels} voxels, threshold ${Number(l.threshold.toPrecision(3))}`]);
  if (l.besideFinerPercent !== null) locRows.push(['beside finer (≥ 1.4 × a value within half a window: tends to read fine)', `${l.besideFinerPercent.toFixed(1)} % of the mask`]);
  $('fsc-numbers').replaceChildren(tableOf(['global FSC', ''], rows));
  $('fsc-numbers').dataset.r0143 = String(f.fscCorrected ? f.resolutionAt0143CorrectedA : f.resolutionAt0143A);
  $('locres-numbers').replaceChildren(tableOf(['local resolution', ''], locRows));
  $('locres-numbers').dataset.median = String(l.medianA);
  $('locres-numbers').dataset.method = l.method;
  // the maps only some methods write: offered when this run wrote them
  const extra = ([['pinned', 'pinned voxels (1 = a bound)'], ['low', 'finer end of the 90 % interval'], ['high', 'coarser end of the 90 % interval']] as const).filter(([k]) => l.maps[k] !== null);
  if (extra.length > 0) {
    const cell = el('td', '');
    extra.forEach(([k, what], i) => {
      const name = l.maps[k] as string;
      const a = Object.assign(document.createElement('a'), { href: fileUrl(view.mapId, name, true), download: name, textContent: name, title: what });
      a.dataset.map = k;
      if (i > 0) cell.append(', ');
      cell.append(a);
    });
    const row = el('tr', '');
    row.append(el('td', '', 'also written'), cell);
    $('locres-numbers').querySelector('table')?.append(row);
  }
  $('locres-report').textContent = l.report.join('\n');
  const labels = $('locres-labels');
  labels.replaceChildren(
    ...(view.labelRows
      ? [
          el('h3', '', `Per label (${view.labels}${view.mask ? ', inside the mask' : ''})`),
          tableOf(
            ['label', 'voxels', 'median', '10–90 %', 'pinned', ...(view.labelRows.some((r) => r.intervalLowA !== undefined) ? ['90 % interval (median ends)'] : []), ...(view.labelRows.some((r) => r.coreVoxels !== undefined) ? [l.windowReachA !== null ? `> ${l.windowReachA.toFixed(1)} Å from other labels` : `beyond the window's reach of other labels`] : []), ...(view.labelRows.some((r) => r.besideFinerVoxels !== undefined) ? ['beside finer (tends to read fine)'] : [])],
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
  setCommandText($('halfmaps-commands'), view.commands.join('\n'));
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
        log('info', `Half maps done: FSC 0.143 at ${A(view.fsc.fscCorrected ? view.fsc.resolutionAt0143CorrectedA : view.fsc.resolutionAt0143A)}, local resolution (${METHOD_NAMES[view.locres.method]}) median ${A(view.locres.medianA)}`, runId());
        // what reruns the local resolution on the command line (the server's equivalent command)
        const rerun = view.commands.find((c) => /^occupy locres /.test(c));
        if (rerun) log('info', `Local resolution rerun: ${rerun}`, runId());
        setTab('fsc');
        updateButtons();
      })().catch((e: unknown) => {
        setStatus('error', 'error');
        log('error', errorText(e), runId());
      });
    },
  };
}

/** How the page names each local-resolution method (the option it is on the command line). */
const METHOD_NAMES: Readonly<Record<HalfMapsLocresMethod, string>> = {
  localfsc: 'local FSC (calibrated defaults)',
  relion: `RELION 3.1 (${LOCRES_OPTION.relion.flag})`,
  monores: `MonoRes (${LOCRES_OPTION.method.flag} monores)`,
};

/** The chosen local-resolution method. */
function chosenMethod(): HalfMapsLocresMethod {
  return $<HTMLSelectElement>('half-locres-method').value as HalfMapsLocresMethod;
}

/**
 * The window sampling typed (RELION's method only): undefined when blank (RELION's default), the
 * number typed, or `NOT_A_NUMBER` (number-field.ts) for text the field cannot read ('2e', '-', '1e+'), which the
 * schema then refuses (it had gone ahead with RELION's default 25 Å, session 55).
 */
function samplingValue(): number | string | undefined {
  if (chosenMethod() !== 'relion') return undefined;
  return numberFieldValue($<HTMLInputElement>('half-locres-sampling'));
}

/** The sampling field's value checked by the CLI's schema (`--locres-sampling`), the message under it. */
function checkSamplingField(): boolean {
  return checkNumberField('locresSampling', LOCRES_OPTION.locresSampling, samplingValue());
}

/** Show the sampling field only with RELION's method. */
function showMethodFields(): void {
  const relion = chosenMethod() === 'relion';
  $('half-locres-sampling-label').hidden = !relion;
  $('half-locres-sampling-row').hidden = !relion;
  if (!relion) clearFieldMessage('locresSampling');
}

/** The half-map fields as a request. */
function halfMapsRequest(): HalfMapsRequest {
  const value = (id: string) => $<HTMLInputElement>(id).value.trim() || undefined;
  const method = chosenMethod();
  const sampling = samplingValue();
  return { half1: value('half1') ?? '', half2: value('half2') ?? '', mask: value('half-mask'), labels: value('half-labels'), outputFolder: value('output-folder'), ...(method !== 'localfsc' ? { locresMethod: method } : {}), ...(sampling !== undefined ? { locresSampling: sampling as number } : {}), directional: $<HTMLInputElement>('half-directional').checked || undefined, decompose: $<HTMLInputElement>('half-decompose').checked || undefined };
}

/** Put a request back into the half-map fields (a run followed again after a reload). */
export function fillHalfMapsFields(req: HalfMapsRequest): void {
  $<HTMLInputElement>('half1').value = req.half1;
  $<HTMLInputElement>('half2').value = req.half2;
  $<HTMLInputElement>('half-mask').value = req.mask ?? '';
  $<HTMLInputElement>('half-labels').value = req.labels ?? '';
  showPathEnds();
  $<HTMLSelectElement>('half-locres-method').value = req.locresMethod ?? 'localfsc';
  $<HTMLInputElement>('half-locres-sampling').value = req.locresSampling === undefined ? '' : String(req.locresSampling);
  showMethodFields();
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
  clearFieldErrors();
  // a value the CLI's schema refuses is said under its field, and nothing is sent
  if (!checkSamplingField()) {
    setStatusWarnings([`could not start: ${$('half-locres-sampling').closest('.form')?.querySelector('.field-error')?.textContent ?? ''}`]);
    return;
  }
  setStatus('running', 'half maps…');
  setStatusWarnings([]);
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
    log('info', `Half maps: ${req.half1} ${req.half2}${req.mask ? ` --mask ${req.mask}` : ''}${req.labels ? ` --labels ${req.labels}` : ''}; local resolution: ${METHOD_NAMES[req.locresMethod ?? 'localfsc']}${req.locresSampling !== undefined ? `, ${LOCRES_OPTION.locresSampling.flag} ${req.locresSampling}` : ''}`, runId);
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
  // the method choice and its setting: names, help, unit and checks from the CLI's option schema
  const select = $<HTMLSelectElement>('half-locres-method');
  const helpOf: Record<HalfMapsLocresMethod, string> = { localfsc: `${LOCRES_OPTION.method.flag} localfsc: ${LOCRES_OPTION.method.doc}`, relion: `${LOCRES_OPTION.relion.flag}: ${LOCRES_OPTION.relion.doc}`, monores: `${LOCRES_OPTION.method.flag} monores: ${LOCRES_OPTION.method.doc}` };
  select.replaceChildren(...HALF_MAPS_LOCRES_METHODS.map((m) => Object.assign(document.createElement('option'), { value: m, textContent: METHOD_NAMES[m], title: helpOf[m] })));
  select.title = LOCRES_OPTION.method.doc;
  const sampling = $<HTMLInputElement>('half-locres-sampling');
  sampling.placeholder = `${RELION_SAMPLING_A}`;
  sampling.title = `${LOCRES_OPTION.locresSampling.flag}: ${LOCRES_OPTION.locresSampling.doc} (default ${RELION_SAMPLING_A} ${LOCRES_OPTION.locresSampling.unit ?? ''})`;
  $('half-locres-sampling-unit').textContent = `${LOCRES_OPTION.locresSampling.unit ?? ''} (${LOCRES_OPTION.locresSampling.flag})`;
  select.addEventListener('change', showMethodFields);
  sampling.addEventListener('input', () => void checkSamplingField());
  showMethodFields();
  plotTools($('fsc-plot-tools'), $('fsc-plot'), $('fsc-plot-panel'), () => `fsc_${(current?.half1.split('/').pop() ?? 'half1').replace(/\.gz$/i, '').replace(/\.(mrc|map|ccp4|rec)$/i, '')}`);
  updateHalfButton();
}
