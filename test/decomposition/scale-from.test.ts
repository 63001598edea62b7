/**
 * `--scale-from decompose`: amplification driven by the decomposed occupancy leaves a flexible,
 * fully occupied domain nearly alone while still bringing up a partially occupied one; through the
 * CLI the log says which scale the modifications used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { decompositionPhantom } from '../../src/decomposition/phantom.js';
import { decomposedScale } from '../../src/decomposition/scale-from.js';
import { estimateLocalScale } from '../../src/occupancy/estimate.js';
import { modifyMap } from '../../src/occupancy/modify.js';
import { main } from '../../src/cli/index.js';

await loadFft();
const p = decompositionPhantom({ box: 80, voxelSizeA: 1.4, seed: 17, domains: [{ occupancy: 1, resolutionA: 4 }, { occupancy: 0.4, resolutionA: 4 }, { occupancy: 1, resolutionA: 4, flexDeg: 12 }, { occupancy: 1, resolutionA: 4 }] });

/** Mean of out/in over a domain's voxels where the input density is clearly positive. */
function gain(out: Float32Array, label: number): number {
  let s = 0, c = 0;
  for (let i = 0; i < out.length; i++) if (p.labels[i] === label && p.map.data[i] > 0.02) {
    s += out[i] / p.map.data[i];
    c++;
  }
  return s / c;
}

test('amplify 3: the flexible domain is amplified less with --scale-from decompose, the partial one still more', (t) => {
  const est = estimateLocalScale(p.map, { mode: 'occ' });
  const request = { kind: 'amplify' as const, gamma: 3 };
  const fromScale = modifyMap(p.map, est, request, { seed: 1, excludeSolvent: true, omitConfidence: true }).volume.data;
  const fromOcc = modifyMap(p.map, decomposedScale(est), request, { seed: 1, excludeSolvent: true, omitConfidence: true }).volume.data;
  const g = (d: Float32Array) => [1, 2, 3, 4].map((l) => gain(d, l) / gain(d, 1));
  const a = g(fromScale), b = g(fromOcc);
  t.diagnostic(`gain relative to domain 1 (scale / decompose): ${a.map((v, i) => `${v.toFixed(2)}/${b[i].toFixed(2)}`).join('  ')}`);
  assert.ok(b[2] < a[2] - 0.05, `flexible domain gain ${b[2].toFixed(3)} (decompose) vs ${a[2].toFixed(3)} (scale)`);
  assert.ok(b[1] > 1.2, `partial domain still amplified: ${b[1].toFixed(3)}`);
  assert.ok(est.notes.some((n) => n.startsWith('--scale-from decompose')));
});

test('CLI: --scale-from decompose is logged; a bad value is one error line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-scale-from-'));
  try {
    const map = join(dir, 'm.mrc');
    writeFileSync(map, encodeMrc(p.map));
    const errs: string[] = [];
    const ew = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string | Uint8Array) => (errs.push(String(c)), true)) as typeof process.stderr.write;
    let ok: number, bad: number;
    try {
      ok = await main(['-i', map, '--amplify', '2', '--scale-from', 'decompose', '-q', '-o', join(dir, 'out', 'm.mrc')]);
      bad = await main(['-i', map, '--amplify', '2', '--scale-from', 'magic', '-q', '-o', join(dir, 'out2', 'm.mrc')]);
    } finally {
      process.stderr.write = ew;
      process.exitCode = undefined;
    }
    assert.equal(ok, 0, errs.join(''));
    const log = readFileSync(join(dir, 'out', 'log_m.txt'), 'utf8');
    assert.match(log, /--scale-from decompose: modifications use the decomposed relative occupancy/);
    assert.notEqual(bad, 0);
    assert.match(errs.join(''), /^occupy: error: .*--scale-from/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
