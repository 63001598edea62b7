/**
 * A setting or path the server refused when a run was started: its one-line reason is shown
 * right under the field it names (the error answer's `field`, see `ErrorAnswer` in `../api.ts`),
 * the field is outlined, and both go when the field is edited or another run starts.
 */
import { checkOptionValue, type OptionSpec } from '../../core/option-schema.js';
import { ApiError } from './api-client.js';
import { el, errorText } from './dom.js';
import { NOT_A_NUMBER } from './number-field.js';

/** The page's input for each request field the server can name. */
const FIELD_INPUTS: Readonly<Record<string, string>> = {
  lowpassA: 'lowpass',
  resolutionA: 'resolution',
  kernelSize: 'kernel-size',
  kernelRadiusVoxels: 'kernel-radius',
  tau: 'tau',
  tileSize: 'tile-size',
  maxBox: 'max-box',
  mode: 'mode',
  nlrc: 'nlrc',
  hedgeConfidence: 'hedge',
  useS0: 's0',
  scaleLimit: 'scale-limit',
  solventDefPath: 'soldef-path',
  solventDefThreshold: 'soldef-threshold',
  targetMaskPath: 'target-mask',
  amplify: 'mod-gamma-amplify',
  attenuate: 'mod-gamma-attenuate',
  sigmoid: 'mod-gamma-sigmoid',
  pivot: 'mod-pivot',
  excludeSolvent: 'exclude-solvent',
  lowpassOutputA: 'lowpass-output',
  histMatch: 'hist-match',
  outputFolder: 'output-folder',
  half1: 'half1',
  half2: 'half2',
  mask: 'half-mask',
  labels: 'half-labels',
  locresMethod: 'half-locres-method',
  locresSampling: 'half-locres-sampling',
  directional: 'half-directional',
  decompose: 'half-decompose',
};

/** The element after which a field's message goes: its row of a form grid, or its save row. */
function anchorOf(input: HTMLElement): HTMLElement {
  const row = input.closest<HTMLElement>('.save-row');
  if (row) return row;
  let a: HTMLElement = input;
  while (a.parentElement && !a.parentElement.matches('.form, .mod-rows')) a = a.parentElement;
  return a.parentElement ? a : input;
}

/** Remove every refusal shown under a field. */
export function clearFieldErrors(): void {
  for (const p of document.querySelectorAll('.field-error')) p.remove();
  for (const i of document.querySelectorAll('.refused')) {
    i.classList.remove('refused');
    i.removeAttribute('aria-invalid');
  }
}

/**
 * Show a refusal of the server under the field it names.
 * @returns whether it was shown (false: the error names no field of this page)
 */
export function showFieldError(err: unknown): boolean {
  if (!(err instanceof ApiError) || err.field === undefined) return false;
  return showFieldMessage(err.field, err.message);
}

/**
 * Show a message under a request field's input (a refusal of the server, or the page's own check
 * of a value with the CLI's option schema), outlined until the field is edited.
 * @returns whether it was shown (false: no such field on this page)
 */
export function showFieldMessage(field: string, message: string): boolean {
  if (!Object.hasOwn(FIELD_INPUTS, field)) return false;
  const input = document.getElementById(FIELD_INPUTS[field]);
  if (!input) return false;
  const anchor = anchorOf(input);
  const p = el('p', 'field-error', message);
  p.dataset.field = field;
  p.setAttribute('role', 'alert');
  anchor.after(p);
  input.classList.add('refused');
  input.setAttribute('aria-invalid', 'true');
  const clear = () => {
    // a message already replaced by the field's own check (which runs first on the same edit) keeps
    // the outline of the one that replaced it
    if (!p.isConnected) return;
    p.remove();
    input.classList.remove('refused');
    input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', clear, { once: true });
  input.addEventListener('change', clear, { once: true });
  return true;
}

/** Remove the message shown under one request field (and its outline). */
export function clearFieldMessage(field: string): void {
  for (const p of document.querySelectorAll(`.field-error[data-field="${field}"]`)) p.remove();
  const input = Object.hasOwn(FIELD_INPUTS, field) ? document.getElementById(FIELD_INPUTS[field]) : null;
  input?.classList.remove('refused');
  input?.removeAttribute('aria-invalid');
}

/**
 * Check a number field's value with the CLI's option schema, and show the refusal under the field
 * (the message of its previous check removed first): `--lowpass must be a number > 0 Å, got text
 * that is not a number`.
 * @param field the request field (e.g. `lowpassA`; its input from the page's table)
 * @param spec the field's option
 * @param value as `numberFieldValue` (number-field.ts) read it (undefined: blank, nothing to check)
 * @returns whether the value is accepted
 */
export function checkNumberField(field: string, spec: OptionSpec, value: number | string | undefined): boolean {
  clearFieldMessage(field);
  if (value === undefined) return true;
  try {
    checkOptionValue(spec, value, value === NOT_A_NUMBER ? NOT_A_NUMBER : undefined);
    return true;
  } catch (e) {
    showFieldMessage(field, errorText(e));
    return false;
  }
}
