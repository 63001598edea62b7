/**
 * `occupy decompose --labels`: each label's medians are over its voxels in the molecule, as the
 * whole-molecule medians and the table's own note ("– where a label has no usable voxel in the
 * molecule") say. They had been over every voxel of the label with a usable band, solvent included:
 * a labels map covering the box (a segmentation by nearest domain) on a 64³ crop of
 * synth_halves128 read 65372 voxels, not about 11000, and B 88.8 Å², not 67.7 Å²; a label wholly
 * outside the mask read occupancy 0.306 and B 0.0 Å² over 1000 solvent voxels.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decompositionMedians } from '../../src/decomposition/medians.js';
import type { DecomposeResult } from '../../src/decomposition/decompose.js';

describe('decompositionMedians per label', () => {
  it('counts only the molecule: solvent voxels of a label, and a label wholly in the solvent, add nothing', () => {
    const n = 1000;
    // molecule: voxels 0..499; label 1 on 0..249 and the solvent 500..749, label 2 on 250..499, label 3 on 750..999 (solvent only)
    const molecule = Uint8Array.from({ length: n }, (_, i) => (i < 500 ? 1 : 0));
    const labels = Float32Array.from({ length: n }, (_, i) => (i < 250 ? 1 : i < 500 ? 2 : i < 750 ? 1 : 3));
    // occupancy 0.9 / 0.6 in the molecule, 0.1 in the solvent; B 60 / 120 Å² in the molecule, 0 in the solvent; every voxel has usable bands
    const occupancy = Float32Array.from({ length: n }, (_, i) => (i < 250 ? 0.9 : i < 500 ? 0.6 : 0.1));
    const bfactor = Float32Array.from({ length: n }, (_, i) => (i < 250 ? 60 : i < 500 ? 120 : 0));
    const used = Float32Array.from({ length: n }, () => 3);
    const vol = (data: Float32Array) => ({ data, shape: [10, 10, 10] as const, voxelSizeA: [1, 1, 1] as [number, number, number] });
    const r = { molecule, occupancy: vol(occupancy), bfactor: vol(bfactor), bandsUsed: vol(used) } as unknown as DecomposeResult;
    const m = decompositionMedians(r, labels);
    assert.deepEqual(m.labels.map((l) => l.label), [1, 2, 3]);
    const [l1, l2, l3] = m.labels;
    assert.equal(l1.voxels, 250); // was 500, half of them solvent
    assert.ok(Math.abs(l1.occupancy - 0.9) < 1e-6 && Math.abs(l1.bfactorA2 - 60) < 1e-6, JSON.stringify(l1));
    assert.equal(l2.voxels, 250);
    assert.ok(Math.abs(l2.occupancy - 0.6) < 1e-6 && Math.abs(l2.bfactorA2 - 120) < 1e-6, JSON.stringify(l2));
    // in the solvent only: listed with no voxel and no value ('–' in the table), not the solvent's 0.1 and 0 Å²
    assert.equal(l3.voxels, 0);
    assert.ok(!Number.isFinite(l3.occupancy) && !Number.isFinite(l3.bfactorA2), JSON.stringify(l3));
  });
});
