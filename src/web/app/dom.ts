/**
 * Small helpers shared by the panels of the GUI page: element lookup, number formatting and
 * user-facing error texts.
 */
import { ApiError } from './api-client.js';

/**
 * The page element with this id.
 * @throws Error when the page has no such element (a bug of the page)
 */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e as T;
}

/** The message of an error for the log or the status (never a stack). */
export function errorText(e: unknown): string {
  return e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

/** A number with `digits` decimals (exponent form for very small or large values); '–' when missing. */
export function fmt(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(digits) : v.toFixed(digits);
}

/** An element with a class and a text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Put a command line (or several, one a line) into `e` so that it wraps between words only: each
 * word is an inline block that breaks only when wider than the box. As plain text the browser
 * broke after a hyphen ('-' over '-directional') or, with break-all, inside a name ('half2.m' over
 * 'rc.gz'). The element's text stays `text` (copy, tests).
 */
export function setCommandText(e: HTMLElement, text: string): void {
  e.replaceChildren(...text.split(/(\s+)/).filter((p) => p !== '').map((p) => (/^\s+$/.test(p) ? document.createTextNode(p) : el('span', 'word', p))));
}
