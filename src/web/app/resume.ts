/**
 * After a reload, the page follows again the job this tab had started (remembered in the tab's
 * storage by `Job.remember`): when the server still knows it, its map is opened again and its
 * events are replayed from the start (progress, log, then its result or its end), so a reload
 * during a run neither loses the run nor shows an idle page while the server works.
 */
import { getJobStatus } from './api-client.js';
import { $, setCommandText } from './dom.js';
import { fillHalfMapsFields, halfMapsHandlers, type RememberedHalfMaps } from './halfmaps-panel.js';
import { Job } from './job.js';
import { updateButtons } from './kernel-panel.js';
import { log, setStatus, setStatusWarnings } from './log-panel.js';
import { setMap } from './map-panel.js';
import { estimateHandlers, setProgress, type RememberedEstimate } from './run-panel.js';
import { state } from './state.js';

/** Follow the tab's remembered job again, if the server still knows it (else forget it). */
export async function resumeJob(): Promise<void> {
  const remembered = Job.recall();
  if (!remembered) return;
  const jobId = remembered.jobId;
  let ended: boolean;
  try {
    const status = await getJobStatus(jobId);
    ended = status.state !== 'running' && status.state !== 'queued';
  } catch {
    Job.forget(jobId); // the server was restarted (or stopped): nothing to follow
    return;
  }
  const about = remembered.about as Partial<RememberedEstimate> | Partial<RememberedHalfMaps> | undefined;
  state.jobWarnings = [];
  setStatusWarnings([]);
  if (about?.kind === 'halfmaps' && about.req) {
    if (about.map && state.map?.mapId !== about.map.mapId) setMap(about.map);
    fillHalfMapsFields(about.req);
    setStatus('running', 'half maps…');
    state.job = Job.attachHalfMaps(jobId, halfMapsHandlers(() => jobId));
  } else if ((about?.kind === 'estimate' || about?.kind === 'modify') && about.map) {
    if (state.map?.mapId !== about.map.mapId) setMap(about.map);
    state.jobKind = about.kind;
    setCommandText($('last-command'), about.command ?? '–');
    setStatus('running', about.kind === 'modify' ? 'modifying…' : 'estimating…');
    state.job = Job.attach(jobId, estimateHandlers(about.kind, () => jobId));
  } else {
    Job.forget(jobId);
    return;
  }
  setProgress(0, 'following the job again…');
  log('info', ended ? 'the job this page started ended while the page reloaded: its outcome follows' : 'the page was reloaded while this job runs: following it again', jobId);
  updateButtons();
}
