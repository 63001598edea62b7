/**
 * `-o` naming a device, a named pipe or a socket (or a link to one) is refused before any work, in
 * one line (exit 2), on every command that names its outputs from `-o`: `occupy -i in.mrc -o
 * /dev/null` had written `/dev/scale_res_null.mrc` and its siblings (the `-o dir/name` rule), `fsc`
 * `/dev/nullname.csv` and so on; `locres` refused only when writing, after the computation. The
 * cases use a link to /dev/null and a FIFO in a temporary folder, so that the old behaviour writes
 * there, never in /dev.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { runInProcess } from '../helpers/cli-run.js';

let dir = '';
const p = (f: string) => join(dir, f);
const INPUTS = ['fifo', 'h2.mrc', 'm.mrc', 'null'];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'occupy-odev-'));
  const m = (seed: number) => occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, snr: 5, seed, domains: [{ centreVoxel: [12, 12, 12], radiusA: 10, occupancy: 1 }] }).map;
  await writeMrc(p('m.mrc'), m(1));
  await writeMrc(p('h2.mrc'), m(2));
  symlinkSync('/dev/null', p('null'));
  execFileSync('mkfifo', [p('fifo')]);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('-o naming a device or a pipe', { concurrency: 1 }, () => {
  for (const [target, kind] of [['null', 'a character device'], ['fifo', 'a named pipe \\(FIFO\\)']] as const) {
    for (const args of [['m.mrc'], ['decompose', 'm.mrc'], ['fsc', 'm.mrc', 'h2.mrc'], ['locres', 'm.mrc', 'h2.mrc', '--window', '16'], ['locres', 'm.mrc', 'h2.mrc', '--shells'], ['pixel-size', 'set', 'm.mrc', '--angpix', '2.1']]) {
      it(`occupy ${args.join(' ')} -o ${target}: exit 2, one line, nothing written`, async () => {
        const r = await runInProcess([...args.map((a) => (a.endsWith('.mrc') ? p(a) : a)), '-o', p(target), '-q']);
        assert.match(r.stderr, new RegExp(`^occupy: error: -o '.*${target}' is ${kind}, not a folder or a file name: give a folder \\(ending in /\\) or a name for the outputs \\(e\\.g\\. out/map\\.mrc\\)\\n$`));
        assert.equal(r.code, 2, r.stderr);
        assert.deepEqual(readdirSync(dir).sort(), INPUTS);
      });
    }
  }
});
