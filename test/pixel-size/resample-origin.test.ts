/**
 * Where a resampled map sits in space: `occupy pixel-size resample` and the estimate's
 * processing-box outputs keep the position of voxel (0, 0, 0) in Å through one helper
 * (io/mrc/origin.ts `resampledStartHeader`), also when the file's axes are permuted
 * (mapc/mapr/maps = 3, 1, 2) and the box is not cubic. Before the fix, `pixel-size resample`
 * scaled nxstart/nystart/nzstart by the X/Y/Z box ratios, ignoring the axis order.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMrc, writeMrc, type MrcHeader } from '../../src/io/mrc/index.js';
import { headerOriginA, resampledStartHeader, shiftedStartHeader, startXYZ } from '../../src/io/mrc/origin.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { estimateFromFile } from '../../src/jobs/estimate-job.js';
import { loadFft } from '../../src/math/fft.js';
import type { Vec3, Volume } from '../../src/core/volume.js';
import { runCli } from '../helpers/cli.js';

const close3 = (a: readonly number[], b: readonly number[], tol: number, what: string) =>
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= tol), `${what}: ${a.join(', ')} vs ${b.join(', ')}`);

describe('resampled maps keep their origin in Å (permuted axes, non-cubic box)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-origin-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // physical box X, Y, Z = 48, 32, 24; start along X, Y, Z = -12, 8, -6 voxels
  const startPhysical: Vec3 = [-12, 8, -6];
  /** Write `v` with columns along Z, rows along X, sections along Y and the starts above. */
  const writePermuted = async (path: string, v: Volume): Promise<MrcHeader> => {
    await writeMrc(path, v);
    const plain = (await readMrc(path)).header;
    // file order: columns = Z, rows = X, sections = Y
    const template: MrcHeader = { ...plain, mapc: 3, mapr: 1, maps: 2, nxstart: startPhysical[2], nystart: startPhysical[0], nzstart: startPhysical[1] };
    await writeMrc(path, v, { template });
    const written = (await readMrc(path)).header;
    assert.deepEqual([written.mapc, written.mapr, written.maps], [3, 1, 2]);
    assert.deepEqual(startXYZ(written), startPhysical);
    return written;
  };
  const phantom = (): Volume =>
    occupancyPhantom({ shape: [48, 32, 24], voxelSizeA: 1, resolutionA: 5, snr: 6, seed: 5, domains: [{ centreVoxel: [24, 16, 12], radiusA: 8, occupancy: 1 }] }).map;

  it('helper: starts scaled along their own physical axis, not the file column/row/section', () => {
    const h = { mapc: 3, mapr: 1, maps: 2, nxstart: -6, nystart: -12, nzstart: 8, origin: [0, 0, 0] } as unknown as MrcHeader;
    const r = resampledStartHeader(h, [48, 32, 24], [16, 16, 16]); // factors X 1/3, Y 1/2, Z 2/3
    assert.deepEqual(startXYZ(r), [-4, 4, -4]);
    assert.deepEqual([r.nxstart, r.nystart, r.nzstart], [-4, -4, 4]); // file order: Z, X, Y
    // a crop by offset (2, -1, 3) voxels moves the starts by it; a non-zero origin (Å) moves by offset × voxel size
    const c = shiftedStartHeader({ ...h, origin: [10, 20, 30] }, [2, -1, 3], [1.5, 2, 2.5]);
    assert.deepEqual(startXYZ(c), [-10, 7, -3]);
    assert.deepEqual(c.origin, [13, 18, 37.5]);
  });

  it('occupy pixel-size resample: origin in Å kept with anisotropic voxels (1, 1.5, 2 Å -> 3 Å), and with --box', async () => {
    const input = join(dir, 'perm.mrc');
    const v = { ...phantom(), voxelSizeA: [1, 1.5, 2] as Vec3 };
    const h = await writePermuted(input, v);
    const originA = headerOriginA(h, v.voxelSizeA);
    close3(originA, [-12, 12, -12], 1e-9, 'input origin');
    await runCli(['pixel-size', 'resample', input, '--angpix', '3', '-o', join(dir, 'res.mrc'), '-q']);
    const out = await readMrc(join(dir, 'res.mrc'));
    assert.deepEqual(out.volume.shape, [16, 16, 16]);
    assert.deepEqual([out.header.mapc, out.header.mapr, out.header.maps], [3, 1, 2]);
    // before the fix: Z start -6 × (16/48) = -2 → -6 Å, X start -12 × (16/32) = -6 → -18 Å, Y 8 × (16/24) → 16 Å
    close3(headerOriginA(out.header, out.volume.voxelSizeA), originA, 1e-6, 'resampled origin (Å)');
    // --box 20 pads 2 voxels on each side: voxel 2 of the output is voxel 0 of the resampled map
    await runCli(['pixel-size', 'resample', input, '--angpix', '3', '--box', '20', '-o', join(dir, 'pad.mrc'), '-q']);
    const pad = await readMrc(join(dir, 'pad.mrc'));
    const padOrigin = headerOriginA(pad.header, pad.volume.voxelSizeA);
    close3(padOrigin.map((o) => o + 2 * 3), originA, 1e-6, 'padded origin + 2 voxels (Å)');
  });

  it('estimate with --max-box: the scale map on the processing box keeps the input origin in Å', async () => {
    await loadFft();
    const input = join(dir, 'perm-est.mrc');
    const h = await writePermuted(input, phantom());
    const r = await estimateFromFile({ inputPath: input, outputDir: join(dir, 'est'), maxBox: 24, seed: 1, chimerax: false, diagnostics: false, threads: false });
    assert.deepEqual(r.result.processingShape, [24, 16, 12]);
    const scale = await readMrc(join(dir, 'est', 'scale_res_perm-est.mrc'));
    assert.deepEqual([scale.header.mapc, scale.header.mapr, scale.header.maps], [3, 1, 2]);
    close3(headerOriginA(scale.header, scale.volume.voxelSizeA), headerOriginA(h, [1, 1, 1]), 1e-6, 'scale map origin (Å)');
  });
});
