/**
 * The page's file-path fields (solvent mask, target mask, half maps, half-map mask and labels,
 * output folder): each spans its panel's width and, when not being edited, shows the end of its
 * path — the file (or folder) name in full, the leading folders scrolled out of view — with the
 * whole path in its tooltip. (In the form's 120 px column the half maps read 'halves/half1.m'.)
 */
import { $ } from './dom.js';

/** Ids of the text fields that hold a path under the served root. */
export const FILE_FIELD_IDS = ['soldef-path', 'target-mask', 'half1', 'half2', 'half-mask', 'half-labels', 'output-folder'] as const;

/** Each field's own tooltip (what it is for), kept after the path. */
const baseTitles = new Map<HTMLInputElement, string>();

/**
 * Show the end of `input`'s path (unless the user is editing it) and put the whole path in its
 * tooltip. Call after setting the field's value from code (an input event does it for typing).
 */
export function showPathEnd(input: HTMLInputElement): void {
  const base = baseTitles.get(input) ?? input.title;
  const value = input.value.trim();
  input.title = value ? (base ? `${value}\n${base}` : value) : base;
  if (document.activeElement !== input) input.scrollLeft = input.scrollWidth;
}

/** Show the end of every file field's path (after values were set from code). */
export function showPathEnds(): void {
  for (const id of FILE_FIELD_IDS) showPathEnd($<HTMLInputElement>(id));
}

/** Wire the file fields: path end on leaving, on a change and on a resize; tooltip while typing. */
export function initFileFields(): void {
  const resized = new ResizeObserver((entries) => {
    for (const e of entries) showPathEnd(e.target as HTMLInputElement);
  });
  for (const id of FILE_FIELD_IDS) {
    const input = $<HTMLInputElement>(id);
    baseTitles.set(input, input.title);
    // the browser scrolls a field back to its start when it loses the focus: after that
    input.addEventListener('blur', () => requestAnimationFrame(() => showPathEnd(input)));
    input.addEventListener('change', () => showPathEnd(input));
    input.addEventListener('input', () => showPathEnd(input));
    resized.observe(input);
  }
}
