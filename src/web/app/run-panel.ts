/**
 * The run panel and what a finished estimate shows: Estimate / Modify / Subtraction mask /
 * Cancel, the live progress (each worker phase as it happens), warnings in the status line, the
 * summary, the solvent-model plot, the downloads.
 */
import type { EstimateSummaryView, MapInfo } from '../api.js';
import { apiUrl, fileUrl, getFileBytes } from './api-client.js';
import { $, errorText, fmt, setCommandText } from './dom.js';
import { clearFieldErrors, showFieldError } from './field-errors.js';
import { Job, type JobHandlers } from './job.js';
import { settings, updateButtons, updateSettings } from './kernel-panel.js';
import { log, setStatus, setStatusWarnings } from './log-panel.js';
import { plotMessage, plotTools, renderSpec } from './vega-plot.js';
import { mapStem } from './settings.js';
import { commandLine, requestSettings } from './settings.js';
import { fillScaleRuns, renderSlice, setTab } from './slices-panel.js';
import { HALF_MAP_LAYERS, jobBusy, state, summaryNumbers } from './state.js';
import { subtractionMaskMrc, subtractionMaskName } from './subtraction-mask.js';
import { fill3dSelect, show3d } from './view3d-panel.js';

/** Progress bar and its text. */
export function setProgress(fraction: number, text: string): void {
  ($('progress') as HTMLProgressElement).value = fraction;
  $('progress-text').textContent = text;
}

/** The run panel as before any job (a new map was opened). */
export function resetRunPanel(): void {
  setProgress(0, '');
  setCommandText($('last-command'), '–');
  state.jobWarnings = [];
  setStatus('idle');
}

/** What the progress line says of a job whose cancel came too late (it ended `done`). */
export const TOO_LATE_TEXT = 'done — the job finished before the cancel could act: its outputs are saved (see Downloads)';

/** The progress line of a finished job: `done`, or {@link TOO_LATE_TEXT} after a refused cancel. */
export function doneText(): string {
  return state.job?.cancelRefused !== undefined ? TOO_LATE_TEXT : 'done';
}

/** What a tab remembers of a running estimate, to follow it after a reload (see `resume.ts`). */
export interface RememberedEstimate {
  kind: 'estimate' | 'modify';
  map: MapInfo;
  command: string;
}

/** The callbacks of an estimate (or Modify) run: progress, its warnings, and its result shown. */
export function estimateHandlers(kind: 'estimate' | 'modify', runId: () => string): JobHandlers<EstimateSummaryView> {
  return {
    // a cancelled or failed run leaves the result shown: "Last run" names that result's command again
    ...jobCallbacks(runId, () => {
      setCommandText($('last-command'), state.result?.command ?? '–');
    }),
    done: (result) => {
      if (state.map?.mapId !== result.mapId) return;
      setProgress(1, doneText());
      showResult(result);
      const warnings = [...new Set([...state.jobWarnings, ...(summaryNumbers(result).warnings ?? [])])];
      state.jobWarnings = warnings;
      setStatusWarnings(warnings);
      if (warnings.length) setStatus('warning', `done, ${warnings.length} warning${warnings.length > 1 ? 's' : ''}`);
      else setStatus('done');
      log('info', `${kind === 'modify' ? 'Modification' : 'Estimate'} done: ${result.files.length} files`, runId());
      if (kind === 'modify' && result.layers.includes('output')) setTab('output');
      else if (kind === 'estimate' && state.tab === 'input') setTab('scale');
      updateButtons();
    },
  };
}

/**
 * A run could not start: the server's reason under the status and, when it names a setting or
 * path, right under that field too.
 */
export function startRefused(e: unknown, what: string): void {
  setProgress(0, '');
  setStatus('error', 'error');
  setStatusWarnings([`could not start: ${errorText(e)}`]);
  log('error', `could not start ${what}: ${errorText(e)}`);
  showFieldError(e);
}

/** Start an estimate (or an estimate with the modification) of the open map. */
export async function runJob(kind: 'estimate' | 'modify'): Promise<void> {
  const map = state.map;
  if (!map || jobBusy()) return;
  const mod = kind === 'modify' ? settings.modification : undefined;
  const req = requestSettings(settings.form, mod);
  const command = commandLine(map, settings.form, mod);
  setCommandText($('last-command'), command);
  setProgress(0, 'starting…');
  setStatus('running', kind === 'modify' ? 'modifying…' : 'estimating…');
  setStatusWarnings([]);
  clearFieldErrors();
  state.jobKind = kind;
  state.jobWarnings = [];
  // no second run while this one's request is on the way (a double click started two)
  state.starting = true;
  updateButtons();
  let runId = '';
  try {
    const job = await Job.start({ mapId: map.mapId, settings: req, outputFolder: $<HTMLInputElement>('output-folder').value.trim() || undefined }, estimateHandlers(kind, () => runId));
    state.job = job;
    runId = job.jobId;
    job.remember({ kind, map, command } satisfies RememberedEstimate);
    log('info', `${kind === 'modify' ? 'Modify' : 'Estimate'}: ${command}`, runId);
  } catch (e) {
    setCommandText($('last-command'), state.result?.command ?? '–');
    startRefused(e, 'the job');
  } finally {
    state.starting = false;
  }
  updateButtons();
}

/**
 * The callbacks every GUI job shares: progress with a log line per new phase, the queue place,
 * log lines (warnings also collected into the status), an error or cancellation shown (a cancel
 * by the server, or the server gone, with the server's reason), and a cancel that came too late
 * (the job ended done: its outputs are shown as for any done job).
 * @param runId the job's id for the log (known once the job has started)
 * @param afterFailure runs last on a failure (e.g. re-enabling a panel's button)
 */
export function jobCallbacks(runId: () => string, afterFailure?: () => void): Omit<JobHandlers<unknown>, 'done'> {
  let lastPhase = '';
  return {
    progress: (phase, fraction) => {
      setProgress(fraction, `${phase} — ${Math.round(fraction * 100)} %`);
      if (phase !== lastPhase) log('detail', `phase: ${phase}`, runId());
      lastPhase = phase;
    },
    queued: (position) => setProgress(0, `waiting in the queue (place ${position})`),
    log: (level, text) => {
      if (level === 'warning') {
        state.jobWarnings.push(text);
        setStatusWarnings(state.jobWarnings);
      }
      log(level, text, runId());
    },
    failed: (why, message) => {
      // the user's own cancel says just "cancelled"; the server's reasons are said in full
      const byUser = why === 'cancelled' && message === 'cancelled';
      setStatus(why === 'cancelled' ? 'cancelled' : 'error', why === 'server-gone' ? 'server stopped' : why);
      setProgress(0, message);
      if (byUser) log('warning', 'job cancelled', runId());
      else {
        setStatusWarnings([message]);
        log(why === 'cancelled' ? 'warning' : 'error', message, runId());
      }
      updateButtons();
      afterFailure?.();
    },
    tooLate: (reason) => {
      setProgress(1, TOO_LATE_TEXT);
      log('info', `cancel: ${reason} — the job ended done and its outputs are kept`, runId());
    },
  };
}

/** Show a result (or none): summary, solvent plot, downloads, slice layers, 3D. */
export function showResult(result: EstimateSummaryView | undefined): void {
  state.result = result;
  const keep = state.map ? state.layers.filter((l) => HALF_MAP_LAYERS.includes(l)) : [];
  state.layers = result ? [...new Set([...result.layers, 'input' as const, ...keep])] : state.map ? ['input', ...keep] : [];
  state.version++;
  const dl = $('summary');
  dl.replaceChildren();
  const row = (k: string, v: string) => dl.append(Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v }));
  if (result) {
    const r = result.summary;
    const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : undefined);
    // the Mode control's words (the summary said 'res'), the kernel in voxels with the CLI's digits
    // ('Kernel radius[vox] : 1.500'; the summary said 'radius 1.50', no unit)
    row('mode', r.mode === 'res' ? 'resolution' : r.mode === 'occ' ? 'occupancy' : String(r.mode ?? '–'));
    row('low-pass', `${fmt(num('lowpassA'), 2)} Å`);
    row('kernel', `${String(r.kernelSize ?? '–')}³ vox, radius ${fmt(num('kernelRadiusVoxels'), 3)} vox, n_v ${String(r.nV ?? '–')}`);
    row('tau', fmt(num('tau'), 4));
    const sm = r.solventModel as { mu?: number; sigma?: number } | undefined;
    row('solvent peak', `μ ${fmt(sm?.mu, 4)}, σ ${fmt(sm?.sigma, 4)}`);
    row('solvent edge', fmt(num('solventEdge')));
    row('s_max', fmt(num('sMax'), 4));
    row('variability limit', fmt(num('variabilityLimit')));
    row('confidence limit', fmt(num('confidenceLimit')));
    // --target-mask: the occupancy inside it, as the CLI's `Target occupancy` line
    if (num('targetOccupancy') !== undefined) row('target occupancy', fmt(num('targetOccupancy'), 3));
    if (typeof r.seconds === 'number') row('time', `${r.seconds.toFixed(2)} s`);
    setCommandText($('last-command'), result.command);
    // the Mode control shows what the scale map is (a Modify runs in occupancy mode)
    if (r.mode === 'occ' || r.mode === 'res') $<HTMLSelectElement>('mode').value = r.mode;
  } else {
    row('status', state.map ? 'no estimate yet' : 'no map');
  }
  drawSolvent();
  renderDownloads();
  fillScaleRuns();
  fill3dSelect();
  updateButtons();
  updateSettings();
  renderSlice();
  if (state.tab === '3d') void show3d();
}

/** Draw the solvent-model plot of the result (or its placeholder). */
export function drawSolvent(): void {
  const box = $('solvent-plot');
  const spec = state.result?.solventPlotSpec;
  if (spec) void renderSpec(box, spec).catch((e: unknown) => log('error', `solvent-model plot: ${errorText(e)}`));
  else plotMessage(box, 'The solvent model appears after an estimate.');
}

function renderDownloads(): void {
  ($('chimerax') as HTMLButtonElement).disabled = !state.result?.files.some((f) => /^chimX_.*\.cxc$/.test(f));
  const ul = $('downloads');
  ul.replaceChildren();
  const result = state.result;
  if (!result || result.files.length === 0) {
    ul.append(Object.assign(document.createElement('li'), { className: 'empty', textContent: 'no outputs yet' }));
    return;
  }
  for (const name of result.files) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = fileUrl(result.mapId, name, true);
    a.download = name;
    a.textContent = name;
    a.title = /\.cxc$/.test(name) ? 'ChimeraX script: open it with chimerax next to the maps' : name;
    li.append(a);
    ul.append(li);
  }
}

async function makeSubtractionMask(): Promise<void> {
  const result = state.result;
  const mod = settings.modification;
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

/** Wire the run buttons. */
export function initRunPanel(): void {
  plotTools($('solvent-plot-tools'), $('solvent-plot'), $('plot-panel'), () => `solModel_${state.map ? mapStem(state.map.name) : 'map'}`);
  $('estimate').addEventListener('click', () => void runJob('estimate'));
  $('modify').addEventListener('click', () => void runJob('modify'));
  $('subtraction-mask').addEventListener('click', () => void makeSubtractionMask());
  $('cancel').addEventListener('click', () => {
    const job = state.job;
    if (!job?.running) return;
    setStatus('running', 'cancelling…');
    void job.cancel().catch((e: unknown) => log('error', `cancel: ${errorText(e)}`));
  });
  $('chimerax').addEventListener('click', () => {
    const map = state.map;
    if (!map) return;
    void fetch(apiUrl(`maps/${encodeURIComponent(map.mapId)}/chimerax`), { method: 'POST' })
      .then(async (res) => {
        const body = (await res.json()) as { message?: string; error?: string };
        if (res.ok) log('info', body.message ?? 'ChimeraX opened');
        else log('error', body.error ?? `ChimeraX: ${res.status}`);
      })
      .catch((e: unknown) => log('error', `ChimeraX: ${errorText(e)}`));
  });
  $('copy-command').addEventListener('click', () => {
    void navigator.clipboard?.writeText($('command').textContent ?? '').then(
      () => log('info', 'command copied'),
      () => log('warning', 'could not copy: select the command and copy it yourself'),
    );
  });
}
