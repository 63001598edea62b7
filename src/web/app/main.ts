/**
 * The occupy GUI page: one shared state (`state.ts`) and one module per panel — input and
 * diagnostics (`map-panel.ts`), kernel / solvent / modification settings (`kernel-panel.ts`),
 * run, progress and results (`run-panel.ts`), slices (`slices-panel.ts`), 3D (`view3d-panel.ts`),
 * half maps (`halfmaps-panel.ts`) and the log (`log-panel.ts`). This file wires them and starts
 * (following again a job this tab had running before a reload: `resume.ts`).
 */
import { getInfo } from './api-client.js';
import { $, errorText } from './dom.js';
import { initFileFields } from './file-fields.js';
import { initHalfMapsPanel } from './halfmaps-panel.js';
import { initKernelPanel, updateModification, updateSettings } from './kernel-panel.js';
import { initLogPanel, log, setStatus } from './log-panel.js';
import { browser, initMapPanel, setMap } from './map-panel.js';
import { initRunPanel, showResult } from './run-panel.js';
import { mapStem } from './settings.js';
import { initSlicesPanel } from './slices-panel.js';
import { state } from './state.js';
import { initView3dPanel } from './view3d-panel.js';
import { resumeJob } from './resume.js';

initLogPanel();
initMapPanel();
initKernelPanel();
initRunPanel();
initSlicesPanel();
initView3dPanel();
initHalfMapsPanel();
initFileFields();
$('help').addEventListener('click', () => $<HTMLDialogElement>('help-dialog').showModal());

async function start(): Promise<void> {
  updateSettings();
  updateModification();
  showResult(undefined);
  try {
    const info = await getInfo();
    $('version').textContent = `${info.tool} ${info.version}`;
    $('help-version').textContent = info.version;
    state.chimerax = info.chimerax === true;
    $('chimerax').hidden = !state.chimerax;
    document.title = `occupy — ${info.root}`;
    await browser.show('');
    if (info.initialMap) setMap(info.initialMap);
    // a reload during a run: follow the run again
    await resumeJob();
  } catch (e) {
    log('error', `could not reach the occupy server: ${errorText(e)}`);
    setStatus('error', 'offline');
  }
  document.body.dataset.ready = 'true';
}

void start();

/** Exposed for debugging in the browser console. */
(window as unknown as { occupyGui: unknown }).occupyGui = { state, mapStem };
