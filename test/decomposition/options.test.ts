/**
 * The option schema of `occupy decompose` (src/decomposition/options.ts): defaults, ranges, the
 * rules between options, and that the command's options and help come from the table.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DECOMPOSE_OPTIONS, resolveDecomposeOptions } from '../../src/decomposition/options.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMrc } from '../../src/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { optionOf } from '../helpers/option-error.js';

describe('resolveDecomposeOptions', () => {
  it('defaults: 6 bands from 30 Å, max box 256, ChimeraX script on', () => {
    const r = resolveDecomposeOptions({});
    assert.deepEqual([r.bands, r.lowestResolution, r.maxBox, r.chimerax], [6, 30, 256, true]);
  });

  it('rules and ranges: exactly two half maps, highest finer than lowest, bands 2..32, max box even >= 32 or 0', () => {
    assert.equal(optionOf(() => resolveDecomposeOptions({ halfMaps: ['a.mrc'] })), 'halfMaps');
    assert.equal(resolveDecomposeOptions({ halfMaps: ['a.mrc', 'b.mrc'] }).halfMaps?.length, 2);
    assert.equal(optionOf(() => resolveDecomposeOptions({ highestResolution: 30 })), 'highestResolution');
    assert.equal(resolveDecomposeOptions({ highestResolution: 29 }).highestResolution, 29);
    assert.equal(optionOf(() => resolveDecomposeOptions({ bands: 1 })), 'bands');
    assert.equal(optionOf(() => resolveDecomposeOptions({ maxBox: 30 })), 'maxBox');
    assert.equal(resolveDecomposeOptions({ maxBox: 0 }).maxBox, 0);
  });

  it('options that would be ignored are refused: --noise-draw-seed without --noise-draws, --keep-output-path with -o', async () => {
    assert.equal(optionOf(() => resolveDecomposeOptions({ noiseDrawSeed: 3 })), 'noiseDrawSeed');
    assert.equal(optionOf(() => resolveDecomposeOptions({ halfMaps: ['a.mrc', 'b.mrc'], noiseDrawSeed: 3 })), 'noiseDrawSeed');
    assert.equal(resolveDecomposeOptions({ halfMaps: ['a.mrc', 'b.mrc'], noiseDraws: 2, noiseDrawSeed: 3 }).noiseDrawSeed, 3);
    assert.equal(resolveDecomposeOptions({ halfMaps: ['a.mrc', 'b.mrc'], noiseDraws: 2 }).noiseDrawSeed, 1);
    for (const [args, pattern] of [
      [['--noise-draw-seed', '3'], /^occupy: error: --noise-draw-seed needs --noise-draws N \(N in 2\.\.100\): without redraws it is not used, got 3\n$/],
      [['-o', 'out/', '--keep-output-path'], /^occupy: error: --keep-output-path and -o\/--output contradict each other; give one\n$/],
    ] as const) {
      const r = await runInProcess(['decompose', 'missing.mrc', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, pattern, 'refused before the (missing) map is read');
    }
  });

  it('a map of zeros is refused as constant, naming the file, before the diagnostics (it had been "no molecule found … (give --mask)")', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'occupy-decompose-zeros-'));
    try {
      const zeros = join(dir, 'zeros.mrc');
      await writeMrc(zeros, { data: new Float32Array(32 ** 3), shape: [32, 32, 32], voxelSizeA: [1.5, 1.5, 1.5] });
      const r = await runInProcess(['decompose', zeros, '-o', join(dir, 'out/')]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `occupy: error: ${zeros}: the map is constant (every voxel is 0); there is nothing to decompose\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('`occupy decompose --help` lists every option of the table; a rule error exits 2', async () => {
    const help = (await runInProcess(['decompose', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const s of DECOMPOSE_OPTIONS) assert.ok(help.includes(s.flags), `${s.flags} missing from decompose --help`);
    const r = await runInProcess(['decompose', 'm.mrc', '--highest-resolution', '40']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^occupy: error: --highest-resolution \(40 Å\) must be finer than --lowest-resolution \(30 Å\)\n$/);
  });
});
