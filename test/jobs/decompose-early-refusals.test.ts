/**
 * `decomposeFromFile` (the job behind `occupy decompose` and the GUI) refuses what the header and
 * the options alone decide before its input diagnostics: a given `--lowest-resolution` too close to
 * the map's Nyquist limit, and a bad `--noise-draws`. They had been refused after the diagnostics
 * (the lowest band in the decomposition's own thread): seconds of work at 256³, and on a loaded
 * machine (session 59, 56³ in-process at load 25: 9.6 s) the CLI's held input lines and a
 * percentage line of the diagnostics came out before the one error line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { loadFft } from '../../src/math/fft.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { decomposeFromFile } from '../../src/jobs/decompose-job.js';

await loadFft();
const dir = mkdtempSync(join(tmpdir(), 'occupy-decompose-early-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
// 48³ at 1.5 Å: Nyquist 3 Å, so the lowest band must be at least 1.5 × 1.1 × 3 = 4.95 Å
const ph = decompositionPhantom({ box: 48, voxelSizeA: 1.5, seed: 9, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.5, resolutionA: 4 }] });
const map = join(dir, 'ph.mrc');
writeFileSync(map, encodeMrc(ph.map));

test('a lowest band too close to Nyquist and a bad --noise-draws are refused before the diagnostics, nothing written', async () => {
  const cases: [Partial<Parameters<typeof decomposeFromFile>[0]>, RegExp][] = [
    [{ lowestResolutionA: 4 }, /^the lowest band \(4 Å, --lowest-resolution\) is too close to the Nyquist limit \(3\.00 Å\) for bands spanning a factor 1\.5 above 1\.1 × Nyquist: give --lowest-resolution 5 Å or coarser$/],
    // analysed on a 32³ crop (--max-box 32): 2.25 Å voxels, Nyquist 4.5 Å, so 6 Å is too fine
    // there though it fits the map's own grid (the check had read the map's own Nyquist only)
    [{ lowestResolutionA: 6, maxBox: 32 }, /^the lowest band \(6 Å, --lowest-resolution\) is too close to the Nyquist limit \(4\.50 Å\).*give --lowest-resolution 7\.5 Å or coarser$/],
    [{ noiseDraws: 1 }, /^--noise-draws must be 0 or an integer >= 2, got 1$/],
    [{ noiseDraws: 2 }, /^--noise-draws needs --half-maps/],
  ];
  for (const [options, message] of cases) {
    const out = join(dir, 'refused');
    const phases: string[] = [];
    await assert.rejects(
      decomposeFromFile({ mapPath: map, outputDir: out, chimerax: false, ...options, onProgress: (phase) => void (phases.at(-1) === phase || phases.push(phase)) }),
      (e: Error) => e instanceof RangeError && message.test(e.message),
      JSON.stringify(options),
    );
    assert.deepEqual(phases, ['read'], `${JSON.stringify(options)}: refused after ${phases.join(', ')}`);
    assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'outputs were written');
  }
  // at the limit: accepted (the check is the decomposition's own, not a stricter one)
  const phases: string[] = [];
  await decomposeFromFile({ mapPath: map, outputDir: join(dir, 'ok'), chimerax: false, lowestResolutionA: 5, onProgress: (phase) => void (phases.at(-1) === phase || phases.push(phase)) });
  assert.ok(phases.includes('diagnostics') && phases.includes('write'), phases.join(', '));
});
