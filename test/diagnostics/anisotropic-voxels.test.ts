/**
 * `anisotropic-voxels` (session 51): a header whose sampling mx, my, mz differs from the box gives
 * voxels of very different sizes (mx, my, mz = 128, 96, 1 over a 128 × 96 × 112 Å cell: 1 × 1 ×
 * 112 Å). The estimate and `occupy check` had accepted such a map without a word, and
 * `occupy decompose` refused it with "--lowest-resolution 30 Å is finer than the Nyquist limit of
 * the map (2 × 112 Å voxel = 224 Å): give 224 Å or more", naming neither the voxels nor the header.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { diagnoseMap } from '../../src/diagnostics/index.js';
import { runInProcess } from '../helpers/cli-run.js';
import { RAW_SPECS, rawSynthetic } from './variants.js';

describe('anisotropic voxels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-aniso-'));
  const p = (name: string) => join(dir, name);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const raw = rawSynthetic(RAW_SPECS[3]); // 72³ at 1.2 Å
  before(async () => {
    await loadFft();
    const bytes = encodeMrc(raw);
    new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setInt32(36, 1, true); // mz = 1: voxels 1.2 × 1.2 × 86.4 Å
    writeFileSync(p('mz1.mrc'), bytes);
  });

  it('diagnoseMap: > 1 % between axes is a warning naming the sizes (and the header sampling when given); ≤ 1 % is not', () => {
    const code = (a: [number, number, number]) => diagnoseMap({ ...raw, voxelSizeA: a }).findings.find((f) => f.code === 'anisotropic-voxels');
    assert.equal(code([1.2, 1.2, 1.2]), undefined);
    assert.equal(code([1.2, 1.2, 1.2 * 1.009]), undefined);
    const f = code([1.2, 1.2, 1.3]);
    assert.ok(f);
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /^voxels of 1\.2 × 1\.2 × 1\.3 Å, not cubic:/);
    const h = diagnoseMap({ ...raw, voxelSizeA: [1.2, 1.2, 86.4] }, { header: { sampling: [72, 72, 1], cellA: [86.4, 86.4, 86.4], box: [72, 72, 72], voxelSizeA: [1.2, 1.2, 86.4] } });
    const g = h.findings.find((x) => x.code === 'anisotropic-voxels');
    assert.match(g?.message ?? '', /^voxels of 1\.2 × 1\.2 × 86\.4 Å, not cubic \(header: cell 86\.4 × 86\.4 × 86\.4 Å sampled by mx, my, mz = 72, 72, 1, not by the box 72 × 72 × 72\)/);
    assert.deepEqual([g?.evidence.mx, g?.evidence.my, g?.evidence.mz], [72, 72, 1]);
  });

  it('a header with mz = 1: check and the estimate warn, naming the sizes and mx, my, mz; decompose names the voxels as the cause', async () => {
    const named = /voxels of 1\.2 × 1\.2 × 86\.4 Å, not cubic \(header: cell 86\.4 × 86\.4 × 86\.4 Å sampled by mx, my, mz = 72, 72, 1, not by the box 72 × 72 × 72\)/;
    const chk = JSON.parse((await runInProcess(['check', p('mz1.mrc'), '--json'])).stdout);
    const f = chk.findings.find((x: { code: string }) => x.code === 'anisotropic-voxels');
    assert.ok(f, JSON.stringify(chk.findings));
    assert.match(f.message, named);
    const est = await runInProcess(['-i', p('mz1.mrc'), '-o', p('est/')]);
    assert.match(est.stderr, new RegExp(`WARNING: \\[anisotropic-voxels\\] ${named.source}`), est.stderr);
    const dec = await runInProcess(['decompose', p('mz1.mrc'), '-o', p('dec/')]);
    assert.notEqual(dec.code, 0, dec.stderr);
    assert.equal(dec.stderr.trim().split('\n').length, 1, dec.stderr);
    assert.match(dec.stderr, new RegExp(`^occupy: error: --lowest-resolution 30 Å is finer than the Nyquist limit of the map \\(2 × 86\\.4 Å voxel = 172\\.8 Å\\) because it has ${named.source}: its coarsest axis sets the limit; check the header`));
  });
});
