/**
 * The tests' choice between the compiled build and the sources (test/helpers/cli.ts,
 * `distIsFresh`): the build is used only when every source file tsc compiles has its output,
 * written after the source last changed; the page's sources (src/web/app, vite's) do not count.
 * Worker threads and processes started from the sources choose the same way (`moduleEntry`).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { distIsFresh } from '../helpers/cli.js';
import { entryExecArgv, moduleEntry } from '../../src/core/module-worker.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

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

describe('workers started from the sources run dist/\'s build when it is fresh (moduleEntry)', () => {
  const at = (dir: 'src' | 'dist', path: string) => pathToFileURL(resolve(PROJECT_ROOT, dir, path)).href;
  const fromSource = process.env.OCCUPY_TEST_FROM_SOURCE;
  after(() => {
    if (fromSource === undefined) delete process.env.OCCUPY_TEST_FROM_SOURCE;
    else process.env.OCCUPY_TEST_FROM_SOURCE = fromSource;
  });

  it('a source caller: the compiled twin without tsx when dist/ is fresh, else the source through tsx', () => {
    delete process.env.OCCUPY_TEST_FROM_SOURCE;
    const e = moduleEntry(at('src', 'jobs/compute-thread.ts'), 'compute-worker');
    if (distIsFresh()) {
      assert.deepEqual([e.url.href, e.tsx], [at('dist', 'jobs/compute-worker.js'), false]);
      assert.deepEqual(entryExecArgv(e), []);
    } else {
      assert.deepEqual([e.url.href, e.tsx], [at('src', 'jobs/compute-worker.ts'), true]);
    }
    // the GUI's job process and the batch worker likewise
    const g = moduleEntry(at('src', 'web/server/jobs.ts'), 'estimate-worker');
    assert.equal(g.url.href, distIsFresh() ? at('dist', 'web/server/estimate-worker.js') : at('src', 'web/server/estimate-worker.ts'));
  });

  it('OCCUPY_TEST_FROM_SOURCE=1: always the source, with tsx\'s loader for a process', () => {
    process.env.OCCUPY_TEST_FROM_SOURCE = '1';
    const e = moduleEntry(at('src', 'batch/runner.ts'), 'worker');
    assert.deepEqual([e.url.href, e.tsx], [at('src', 'batch/worker.ts'), true]);
    const argv = entryExecArgv(e);
    assert.equal(argv[0], '--import');
    assert.match(argv[1], /^file:.*tsx/);
  });

  it('a compiled caller: its sibling .js, never tsx', () => {
    delete process.env.OCCUPY_TEST_FROM_SOURCE;
    const e = moduleEntry(at('dist', 'occupancy/scale-thread.js'), 'scale-worker');
    assert.deepEqual([e.url.href, e.tsx], [at('dist', 'occupancy/scale-worker.js'), false]);
  });
});
