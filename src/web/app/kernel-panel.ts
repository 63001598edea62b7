/**
 * The kernel-settings, solvent-definition and modification panels: the form is read on every
 * change, the derived settings are recomputed live with the CLI's own `deriveSettings`, the
 * command line follows, and the buttons are enabled only for valid settings.
 */
import { $, setCommandText } from './dom.js';
import { showPathEnds } from './file-fields.js';
import { modificationSeries, modificationSpec } from '../../plots/modification-plot.js';
import { plotMessage, renderSpec } from './vega-plot.js';
import { log } from './log-panel.js';
import { renderSlice } from './slices-panel.js';
import { updateHalfButton } from './halfmaps-panel.js';
import { commandLine, DEFAULT_SCALE_LIMIT, liveSettings, MODIFICATION_KINDS, modificationError, readForm, readModification, type FormSettings, type ModificationSettings } from './settings.js';
import type { ModificationKind } from '../../occupancy/modification-curves.js';
import { ESTIMATE_OPTION, type EstimateOptionKey } from '../../occupancy/options.js';
import { checkNumberField, clearFieldMessage } from './field-errors.js';
import { NOT_A_NUMBER } from './number-field.js';
import { jobBusy, state } from './state.js';

/** The number fields of the kernel and solvent form, and of the modification controls (request fields). */
const FORM_NUMBER_FIELDS = ['lowpassA', 'resolutionA', 'kernelSize', 'kernelRadiusVoxels', 'tau', 'tileSize', 'maxBox', 'hedgeConfidence', 'scaleLimit'] as const;
const MODIFICATION_NUMBER_FIELDS = ['amplify', 'attenuate', 'sigmoid', 'pivot', 'lowpassOutputA'] as const;

/** The fields whose refusal as text that is not a number is shown now. */
const notNumbersShown = new Set<string>();

/**
 * Refuse under each of `fields` that holds text that is not a number (the option schema's
 * message, as the half-map sampling field), and take the message away from one that no longer
 * does (a server's refusal under another field stays).
 * @returns whether none of `fields` holds such text
 */
function showNotNumbers(fields: readonly EstimateOptionKey[], notNumbers: readonly string[]): boolean {
  for (const f of fields) {
    if (notNumbers.includes(f)) {
      checkNumberField(f, ESTIMATE_OPTION[f], NOT_A_NUMBER);
      notNumbersShown.add(f);
    } else if (notNumbersShown.delete(f)) clearFieldMessage(f);
  }
  return !fields.some((f) => notNumbers.includes(f));
}

/** The current form and modification, and whether they are valid. */
export const settings: { form: FormSettings; modification: ModificationSettings; valid: boolean; modificationValid: boolean } = {
  form: readForm(),
  modification: readModification(),
  valid: false,
  modificationValid: true,
};

function list(id: string, items: string[]): void {
  $(id).replaceChildren(...items.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
}

/** Re-read the kernel form: derived settings, messages, command line, buttons. */
export function updateSettings(): void {
  const form = (settings.form = readForm());
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
    ? `Using low-pass ${d.lowpassA.toFixed(2)} Å, kernel ${d.kernel.size}³ with radius ${d.kernel.radiusVoxels.toFixed(2)} voxels (n_v = ${d.kernel.nSamples}), tau ${d.tau.toFixed(4)}; processing voxel ${live.voxelSizeA?.toFixed(3)} Å, box ${live.processingBox?.join('x')}.`
    : state.map
      ? ''
      : 'Open a map to see the derived kernel.';
  list('settings-errors', live.errors);
  list('settings-warnings', [...live.warnings, ...live.notes]);
  // (shown, or taken away, whatever else is wrong with the form)
  const readable = showNotNumbers(FORM_NUMBER_FIELDS, form.notNumbers ?? []);
  settings.valid = live.errors.length === 0 && d !== undefined && readable;
  ($('soldef-path') as HTMLInputElement).disabled = form.soldefKind !== 'mask';
  ($('soldef-threshold') as HTMLInputElement).disabled = form.soldefKind !== 'threshold';
  $('soldef-threshold-value').textContent = form.soldefThreshold.toFixed(2);
  if (form.soldefKind === 'threshold' && !state.layers.includes('scale')) {
    list('settings-errors', [...live.errors, 'A threshold on the scale needs a scale map: run Estimate with the default solvent definition first.']);
    settings.valid = false;
  }
  updateCommand();
  updateButtons();
  if (state.tab === 'soldef') renderSlice();
}

let modPlotTimer: number | undefined;

/** Re-read the modification controls: curve plot, messages, preview. */
export function updateModification(): void {
  const m = (settings.modification = readModification());
  const sigmoidOn = m.items.some((it) => it.kind === 'sigmoid');
  ($('mod-pivot') as HTMLInputElement).disabled = !sigmoidOn;
  ($('mod-range-pivot') as HTMLInputElement).disabled = !sigmoidOn;
  for (const k of MODIFICATION_KINDS) {
    const on = m.items.some((it) => it.kind === k);
    ($(`mod-gamma-${k}`) as HTMLInputElement).disabled = !on;
    ($(`mod-range-${k}`) as HTMLInputElement).disabled = !on;
  }
  const err = modificationError(m);
  // a field holding text that is not a number is refused under it (the check above read it as 0)
  const readable = showNotNumbers(MODIFICATION_NUMBER_FIELDS, m.notNumbers ?? []);
  settings.modificationValid = err === undefined && readable;
  list('mod-errors', err ? [err] : []);
  const box = $('mod-plot');
  window.clearTimeout(modPlotTimer);
  if (err) plotMessage(box, 'invalid modification settings');
  else {
    // the spec of occupy --plot's modification figure (src/plots/modification-plot.ts)
    const scaleLimit = settings.form.scaleLimit ?? DEFAULT_SCALE_LIMIT;
    modPlotTimer = window.setTimeout(() => {
      const curves = m.items.map((it) => modificationSeries(it.kind, it.gamma, it.kind === 'sigmoid' ? it.pivot : undefined, scaleLimit));
      const spec = modificationSpec(curves, { title: 'Modification curves', scaleLimit });
      void renderSpec(box, spec as unknown as Record<string, unknown>).catch((e: unknown) => log('error', `modification plot: ${String(e)}`));
    }, 60);
  }
  updateCommand();
  updateButtons();
  if (state.tab === 'preview') renderSlice();
}

/** The equivalent command line of the form (and, in the tooltip, with the modification). */
export function updateCommand(): void {
  setCommandText($('command'), commandLine(state.map, settings.form, undefined));
  $('command').title = `With the modification: ${commandLine(state.map, settings.form, settings.modification)}`;
}

/** Enable the run buttons for what is possible now. */
export function updateButtons(): void {
  const running = jobBusy();
  const hasScale = state.layers.includes('scale');
  const m = settings.modification;
  ($('estimate') as HTMLButtonElement).disabled = running || !state.map || !settings.valid;
  ($('modify') as HTMLButtonElement).disabled = running || !state.map || !settings.valid || !settings.modificationValid;
  ($('subtraction-mask') as HTMLButtonElement).disabled = running || !hasScale || !settings.modificationValid || m.kind === 'amplify';
  ($('subtraction-mask') as HTMLButtonElement).title =
    m.kind === 'amplify' ? 'Subtraction masks use attenuate or sigmoid: choose one under Preview and mask' : `Make a subtraction mask from the scale map with ${m.kind} ${m.gamma}`;
  ($('cancel') as HTMLButtonElement).disabled = state.job?.running !== true;
  updateHalfButton();
}

/**
 * Back to the defaults that depend on the previous map: the mode (a Modify left occupancy), the
 * solvent definition (a mask or a threshold on the previous map's scale).
 */
export function resetModeAndSolvent(): void {
  $<HTMLSelectElement>('mode').value = 'res';
  $<HTMLSelectElement>('soldef-kind').value = 'sphere';
  $<HTMLInputElement>('soldef-path').value = '';
  $<HTMLInputElement>('target-mask').value = '';
  showPathEnds();
}

/** Wire the form's inputs. */
export function initKernelPanel(): void {
  for (const id of ['lowpass', 'resolution', 'kernel-size', 'kernel-radius', 'tau', 'tile-size', 'max-box', 'hedge', 'soldef-path', 'soldef-threshold']) {
    $(id).addEventListener('input', updateSettings);
  }
  for (const id of ['mode', 'nlrc', 'soldef-kind', 's0']) $(id).addEventListener('change', updateSettings);
  $('target-mask').addEventListener('input', updateSettings);
  $('lowpass-output').addEventListener('input', updateModification);
  $('hist-match').addEventListener('change', updateModification);
  $('scale-limit').addEventListener('input', () => {
    updateSettings();
    updateModification();
  });
  // each power and the pivot: a slider and a number kept in step
  for (const k of [...MODIFICATION_KINDS, 'pivot'] as const) {
    const range = $<HTMLInputElement>(`mod-range-${k}`);
    const num = $<HTMLInputElement>(k === 'pivot' ? 'mod-pivot' : `mod-gamma-${k}`);
    range.addEventListener('input', () => {
      num.value = range.value;
      updateModification();
    });
    num.addEventListener('input', () => {
      if (num.value.trim() !== '' && Number.isFinite(Number(num.value))) range.value = num.value;
      updateModification();
    });
  }
  // the shown kind is always ticked; unticking it shows the first one still ticked
  $('mod-kind').addEventListener('change', () => {
    $<HTMLInputElement>(`mod-on-${$<HTMLSelectElement>('mod-kind').value}`).checked = true;
    updateModification();
  });
  for (const k of MODIFICATION_KINDS) {
    $(`mod-on-${k}`).addEventListener('change', () => {
      const shown = $<HTMLSelectElement>('mod-kind');
      if (!$<HTMLInputElement>(`mod-on-${shown.value}`).checked) {
        const first = MODIFICATION_KINDS.find((x: ModificationKind) => $<HTMLInputElement>(`mod-on-${x}`).checked);
        if (first) shown.value = first;
      }
      updateModification();
    });
  }
  $('exclude-solvent').addEventListener('change', updateModification);
}
