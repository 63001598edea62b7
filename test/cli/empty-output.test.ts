/**
 * An output option given as an empty string (`-o "$OUT"` with OUT unset) is refused in one line
 * naming it, exit 2, before any work and with nothing written: `occupy fsc h1 h2 -o ''` had written
 * `<parent>/<current folder's name>.csv/.json/.png/.svg/_log.txt` beside the current folder, exit 0;
 * `locres … -o ''` computed, then failed ('… is a folder'); the estimate wrote into the current
 * folder (sweep, session 52).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { runChild } from '../helpers/cli-run.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-empty-output-');

test("-o '' (and -d '') is refused in one line, exit 2, nothing written in the current folder or beside it", async () => {
  await loadFft();
  const dir = await tempFolder();
  const p = fourDomainHalfMaps(3.5, [8, 9, 10, 12], 3, 2);
  await writeMrc(join(dir, 'h1.mrc'), p.half1);
  await writeMrc(join(dir, 'h2.mrc'), p.half2);
  const cwd = join(dir, 'work');
  await mkdir(cwd);
  const cases: [string[], string][] = [
    [['fsc', '../h1.mrc', '../h2.mrc', '-o', ''], '-o/--output'],
    [['locres', '../h1.mrc', '../h2.mrc', '-o', ''], '-o/--output'],
    [['../h1.mrc', '-o', ''], '-o/--output-map'],
    [['pixel-size', 'set', '../h1.mrc', '--angpix', '3.6', '-o', ''], '-o/--output'],
    [['demo', '-d', ''], '-d/--output-dir'],
  ];
  for (const [args, flags] of cases) {
    const r = await runChild(args, cwd);
    const what = `occupy ${args.join(' ')}''`;
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.deepEqual(r.stderr.trim().split('\n'), [`occupy: error: ${flags} is empty: give ${flags.startsWith('-d') ? 'a folder' : 'an output folder (ending in /) or a file name'}`], what);
    assert.deepEqual(await readdir(cwd), [], `${what}: wrote into the current folder`);
    assert.deepEqual((await readdir(dir)).sort(), ['h1.mrc', 'h2.mrc', 'work'], `${what}: wrote beside the current folder`);
  }
});
