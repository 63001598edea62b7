/**
 * The page's Help / About names sections of the README: each must be a heading there (session 54:
 * it sent users to an "Input diagnostics" section the README does not have; the diagnostics are
 * under "Is my map suitable?").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

describe('GUI Help / About', () => {
  it('names only README sections that exist', () => {
    const html = readFileSync(resolve(PROJECT_ROOT, 'src/web/app/index.html'), 'utf8');
    const readme = readFileSync(resolve(PROJECT_ROOT, 'README.md'), 'utf8');
    const headings = [...readme.matchAll(/^#{2,3} (.*)$/gm)].map((m) => m[1]);
    const help = /<p>Documentation: the README[^<]*\(sections ([^)]*)\)/.exec(html);
    assert.ok(help, 'the help names README sections');
    const named = [...help[1].matchAll(/“([^”]+)”/g)].map((m) => m[1]);
    assert.ok(named.length >= 3, help[1]);
    for (const n of named) assert.ok(headings.some((h) => h.startsWith(n)), `README has no section "${n}" (headings: ${headings.join(' | ')})`);
  });
});
