/**
 * The README and docs/ point only at what a clone has: every relative Markdown link resolves to a
 * file of the repository, and no path names the machine the measurements were made on (session 55
 * found `/work/notes/s45/rule-interval.md`, `/work/notes/s44`, `/work/notes/s46` and
 * `/work/big/p256.mrc` in docs/, none of which a clone or another machine has).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];

describe('README and docs/: paths a clone has', () => {
  it('every relative Markdown link resolves to a file of the repository', () => {
    const dead: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(m[1])) continue; // https:, mailto:
        if (!existsSync(join(root, dirname(page), m[1]))) dead.push(`${page}: ${m[1]}`);
      }
    }
    assert.deepEqual(dead, []);
  });

  it('no path of the machine the work was done on (/work/..., /tmp/...) in backticks', () => {
    const local: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(root, page), 'utf8');
      for (const m of text.matchAll(/`[^`\n]*?(\/(?:work|tmp|root|home)\/[^`\s]*)[^`\n]*`/g)) local.push(`${page}: ${m[1]}`);
    }
    assert.deepEqual(local, []);
  });
});
