/**
 * The tests' choice between the compiled build and the sources (test/helpers/cli.ts,
 * `distIsFresh`): the build is used only when every source file tsc compiles has its output,
 * written after the source last changed; the page's sources (src/web/app, vite's) do not count.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distIsFresh } from '../helpers/cli.js';

describe('the tests run the dist/ build only when it is the build of the sources', () => {
  const root = mkdtempSync(join(tmpdir(), 'occupy-dist-fresh-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const src = join(root, 'src');
  const dist = join(root, 'dist');
  const at = (path: string, seconds: number, text = '') => {
    writeFileSync(path, text);
    utimesSync(path, seconds, seconds);
  };

  it('fresh when each .ts has a later .js; stale when a source is newer, or has no output', () => {
    for (const d of [join(src, 'cli'), join(src, 'web', 'app'), join(dist, 'cli')]) mkdirSync(d, { recursive: true });
    at(join(src, 'cli', 'index.ts'), 1000);
    at(join(src, 'types.d.ts'), 3000); // declarations compile to nothing
    at(join(src, 'web', 'app', 'main.ts'), 3000); // the page: vite's, not tsc's
    at(join(dist, 'cli', 'index.js'), 2000);
    assert.equal(distIsFresh(src, dist), true);
    // an edited source
    at(join(src, 'cli', 'index.ts'), 2500);
    assert.equal(distIsFresh(src, dist), false, 'a source changed after the build');
    at(join(dist, 'cli', 'index.js'), 2600);
    assert.equal(distIsFresh(src, dist), true);
    // a new source, not built yet
    at(join(src, 'cli', 'added.ts'), 1000);
    assert.equal(distIsFresh(src, dist), false, 'a source without its output');
    at(join(dist, 'cli', 'added.js'), 2000);
    assert.equal(distIsFresh(src, dist), true);
  });

  it('stale without dist/cli/index.js (never built)', () => {
    rmSync(dist, { recursive: true, force: true });
    assert.equal(distIsFresh(src, dist), false);
  });
});
