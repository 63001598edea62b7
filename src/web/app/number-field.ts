/**
 * The value of a `type="number"` field, telling a blank field from one holding text the browser
 * cannot read as a number (no DOM access beyond the input given: the page's settings module reads
 * its form with it, and is imported by tests in Node).
 */

/** What a refusal calls text typed in a number field that the browser cannot read as a number. */
export const NOT_A_NUMBER = 'text that is not a number';

/**
 * A `type="number"` field's value: undefined when blank, else the number typed, or
 * {@link NOT_A_NUMBER} when it holds text the browser cannot read as a number ('1e', '--2', '-').
 * Such a field's `value` is '' as for a blank one, so it had read as blank and the run went on
 * with the default (session 55, the half-map sampling; session 56, the estimate's fields); the
 * browser says so in `validity.badInput`.
 */
export function numberFieldValue(input: HTMLInputElement): number | typeof NOT_A_NUMBER | undefined {
  if (input.validity.badInput) return NOT_A_NUMBER;
  const raw = input.value.trim();
  if (raw === '') return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : NOT_A_NUMBER;
}
