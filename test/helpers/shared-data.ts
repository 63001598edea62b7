/**
 * Locating `../shared` (real EMDB maps and the original OccuPy's reference outputs).
 * Tests that need it are skipped with a visible message when it is absent, except under CI=true,
 * where its absence is a failure.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (the folder holding package.json). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `../shared` relative to the project root. */
export const SHARED = resolve(PROJECT_ROOT, '../shared');
export const SHARED_DATA = resolve(SHARED, 'data');
export const SHARED_REFERENCE = resolve(SHARED, 'reference');

/** Whether the shared folder is there. */
export const HAVE_SHARED = existsSync(SHARED_DATA) && existsSync(SHARED_REFERENCE);

/**
 * The `skip` option for tests that need ../shared: false when present; a message when absent;
 * throws under CI=true so the run fails instead of silently skipping.
 */
export function skipWithoutShared(): false | string {
  if (HAVE_SHARED) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${SHARED} is missing: the reference tests must run in CI`);
  return `../shared not found at ${SHARED}: reference tests skipped`;
}
