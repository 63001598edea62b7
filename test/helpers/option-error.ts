/**
 * Which option a schema's resolver names when it refuses its input (the tests of the option
 * schemas: src/core/option-schema.ts and its tables).
 */
import assert from 'node:assert/strict';
import { OptionError } from '../../src/core/option-error.js';

/**
 * The `option` of the OptionError that `f` throws.
 * @throws AssertionError when `f` returns, or throws anything but an OptionError
 */
export function optionOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof OptionError, String(e));
    return e.option;
  }
  assert.fail('no OptionError');
}
