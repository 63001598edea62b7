/**
 * Every map a command reads besides its main one (the second half map, `--mask`, `--labels`,
 * `--solvent-def`, `--target-mask`) must lie on the main map's grid: box and voxel size (0.1 %)
 * are refused in one line naming the file and both values, an origin that differs is warned of
 * in one line naming the file and both origins (src/jobs/read-map.ts `checkSameGrid`); the
 * library applies the same rule (src/api/volume.ts `checkSameGrid`).
 *
 * Until session 51 only the box was compared: a mask at 1.1 Å on 1.0 Å half maps, or with its
 * origin moved by 20 Å, was used silently by fsc, locres, decompose --half-maps and the estimate
 * (e.g. `occupy fsc h1 h2 --mask mask_1.1A.mrc` read 3.26 Å, exit 0, no word).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import type { Volume } from '../../src/core/volume.js';
import { runInProcess } from '../helpers/cli-run.js';
import { linesBesidesProgress } from '../helpers/stderr-lines.js';
import { RAW_SPECS, sphereMask, syntheticHalves } from '../diagnostics/variants.js';
import { decompose, estimateLocalScale, fsc as apiFsc } from '../../src/index.js';

/** The MRC bytes of `v` with the header's origin (Å) set. */
function withOrigin(v: Volume, originA: [number, number, number]): Uint8Array {
  const bytes = encodeMrc(v);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  originA.forEach((o, i) => dv.setFloat32(196 + 4 * i, o, true));
  return bytes;
}

describe('second maps on the main map\'s grid: voxel size refused, origin warned (CLI and library)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-grid-'));
  const p = (name: string) => join(dir, name);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const h = syntheticHalves(RAW_SPECS[0]); // 64³ at 1 Å
  const mask = { ...h.half1, data: sphereMask(h.half1, 0.7, 4) };
  const mean = { ...h.half1, data: h.half1.data.map((v, i) => (v + h.half2.data[i]) / 2) };
  const labels = { ...h.half1, data: mask.data.map((v) => (v > 0.5 ? 1 : 0)) };
  before(async () => {
    await loadFft();
    writeFileSync(p('h1.mrc'), encodeMrc(h.half1));
    writeFileSync(p('h2.mrc'), encodeMrc(h.half2));
    writeFileSync(p('map.mrc'), encodeMrc(mean));
    writeFileSync(p('h2_1.05A.mrc'), encodeMrc({ ...h.half2, voxelSizeA: [1.05, 1.05, 1.05] }));
    writeFileSync(p('h2_origin.mrc'), withOrigin(h.half2, [5, 0, 0]));
    writeFileSync(p('mask.mrc'), encodeMrc(mask));
    writeFileSync(p('mask_1.1A.mrc'), encodeMrc({ ...mask, voxelSizeA: [1.1, 1.1, 1.1] }));
    writeFileSync(p('mask_origin.mrc'), withOrigin(mask, [20, 0, 0]));
    writeFileSync(p('labels_1.1A.mrc'), encodeMrc({ ...labels, voxelSizeA: [1.1, 1.1, 1.1] }));
  });

  it('a mask, labels or second half map of another voxel size: one line naming the file and both sizes, exit 1, nothing written', async () => {
    const cases: [string, string[], RegExp][] = [
      ['fsc --mask', ['fsc', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_1.1A.mrc'), '-o', p('o1/')], /^occupy: error: --mask map '.*mask_1\.1A\.mrc' has voxels of 1\.1, 1\.1, 1\.1 Å, half map 1 '.*h1\.mrc' 1, 1, 1 Å/],
      ['fsc half 2', ['fsc', p('h1.mrc'), p('h2_1.05A.mrc'), '-o', p('o2/')], /^occupy: error: half map 2 '.*h2_1\.05A\.mrc' has voxels of 1\.05, 1\.05, 1\.05 Å, half map 1 '.*h1\.mrc' 1, 1, 1 Å/],
      ['locres --mask', ['locres', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_1.1A.mrc'), '-o', p('o3/')], /^occupy: error: --mask map '.*mask_1\.1A\.mrc' has voxels of 1\.1, 1\.1, 1\.1 Å, half map 1 '.*h1\.mrc' 1, 1, 1 Å/],
      ['locres --labels', ['locres', p('h1.mrc'), p('h2.mrc'), '--labels', p('labels_1.1A.mrc'), '-o', p('o4/')], /^occupy: error: --labels map '.*labels_1\.1A\.mrc' has voxels of 1\.1, 1\.1, 1\.1 Å/],
      ['decompose --mask', ['decompose', p('map.mrc'), '--half-maps', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_1.1A.mrc'), '-o', p('o5/')], /^occupy: error: --mask map '.*mask_1\.1A\.mrc' has voxels of 1\.1, 1\.1, 1\.1 Å, the map '.*map\.mrc' 1, 1, 1 Å/],
      ['estimate --solvent-def', ['-i', p('map.mrc'), '--solvent-def', p('mask_1.1A.mrc'), '-o', p('o6/')], /^occupy: error: --solvent-def map '.*mask_1\.1A\.mrc' has voxels of 1\.1, 1\.1, 1\.1 Å, the input map '.*map\.mrc' 1, 1, 1 Å/],
      ['estimate --target-mask', ['-i', p('map.mrc'), '--target-mask', p('mask_1.1A.mrc'), '-o', p('o7/')], /^occupy: error: --target-mask map '.*mask_1\.1A\.mrc' has voxels of 1\.1/],
    ];
    for (const [name, args, re] of cases) {
      const r = await runInProcess(args);
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      const lines = linesBesidesProgress(r.stderr);
      assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
      assert.match(lines[0], re, name);
      const out = args[args.indexOf('-o') + 1];
      assert.equal(existsSync(out), false, `${name}: ${out} written`);
    }
  });

  it('a mask or second half map with its origin moved: runs, one warning line naming the file and both origins (Å)', async () => {
    const cases: [string, string[], RegExp][] = [
      ['fsc --mask', ['fsc', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_origin.mrc'), '-o', p('w1/')], /--mask map '.*mask_origin\.mrc' has its origin at \(20, 0, 0\) Å, half map 1 '.*h1\.mrc' at \(0, 0, 0\) Å/],
      ['fsc half 2', ['fsc', p('h1.mrc'), p('h2_origin.mrc'), '-o', p('w2/')], /half map 2 '.*h2_origin\.mrc' has its origin at \(5, 0, 0\) Å, half map 1 '.*h1\.mrc' at \(0, 0, 0\) Å/],
      ['locres --mask', ['locres', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_origin.mrc'), '-o', p('w3/')], /--mask map '.*mask_origin\.mrc' has its origin at \(20, 0, 0\) Å/],
      ['decompose --mask', ['decompose', p('map.mrc'), '--half-maps', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask_origin.mrc'), '-o', p('w4/')], /--mask map '.*mask_origin\.mrc' has its origin at \(20, 0, 0\) Å, the map '.*map\.mrc' at \(0, 0, 0\) Å/],
      ['estimate --target-mask', ['-i', p('map.mrc'), '--target-mask', p('mask_origin.mrc'), '-o', p('w5/')], /--target-mask map '.*mask_origin\.mrc' has its origin at \(20, 0, 0\) Å, the input map '.*map\.mrc' at \(0, 0, 0\) Å/],
    ];
    for (const [name, args, re] of cases) {
      const r = await runInProcess(args);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      const warned = r.stderr.split('\n').filter((l) => /has its origin at/.test(l));
      assert.equal(warned.length, 1, `${name}: ${r.stderr}`);
      assert.match(warned[0], /^WARNING: /, name);
      assert.match(warned[0], re, name);
    }
    // the same grid and origin: no such line
    const same = await runInProcess(['fsc', p('h1.mrc'), p('h2.mrc'), '--mask', p('mask.mrc'), '-o', p('w6/')]);
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /origin|has voxels of/);
  });

  it('the library: the same voxel-size rule (0.1 %), and an origin that differs among the warnings of decompose and the estimate', async () => {
    const m11 = { ...mask, voxelSizeA: [1.1, 1.1, 1.1] as [number, number, number] };
    await assert.rejects(apiFsc(h.half1, h.half2, { mask: m11 }), /mask voxel size 1\.1, 1\.1, 1\.1 Å does not match half1 1, 1, 1 Å/);
    await assert.rejects(apiFsc(h.half1, { ...h.half2, voxelSizeA: [1.0011, 1.0011, 1.0011] }), /half2 voxel size/);
    const moved = { ...mask, originA: [20, 0, 0] as [number, number, number] };
    const d = await decompose(mean, { halfMaps: [h.half1, h.half2], mask: moved });
    assert.equal(d.warnings.filter((w) => /mask\.originA \(20, 0, 0\) Å differs from volume's \(0, 0, 0\) Å/.test(w)).length, 1, d.warnings.join('\n'));
    const e = await estimateLocalScale(mean, { targetMask: moved });
    assert.equal(e.summary.warnings.filter((w) => /targetMask\.originA \(20, 0, 0\) Å differs from the input map's \(0, 0, 0\) Å/.test(w)).length, 1, e.summary.warnings.join('\n'));
  });
});
