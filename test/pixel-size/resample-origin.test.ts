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
    const r = resampledStartHeader(h, [48, 32, 24], [16, 16, 16], [1, 1, 1]); // factors X 1/3, Y 1/2, Z 2/3
    assert.deepEqual(startXYZ(r), [-4, 4, -4]);
    assert.deepEqual([r.nxstart, r.nystart, r.nzstart], [-4, -4, 4]); // file order: Z, X, Y
    // a start that does not scale to a whole one (X -6 × 1/3 = -2 is whole, Y 7 × 1/2 = 3.5 is not):
    // the exact position is written as the origin (Å) with the starts 0, instead of a start rounded
    // by up to half a new voxel
    const half = resampledStartHeader({ ...h, nxstart: 8, nystart: -6, nzstart: 7 } as MrcHeader, [48, 32, 24], [16, 16, 16], [1.5, 2, 2.5]);
    assert.deepEqual(startXYZ(half), [0, 0, 0]);
    assert.deepEqual(half.origin, [-6 * 1.5, 7 * 2, 8 * 2.5]);
    close3(headerOriginA(half, [4.5, 4, 3.75]), [-9, 14, 20], 1e-12, 'exact position (Å)');
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

  it('pixel-size resample and the estimate with --max-box: starts that do not scale to whole ones (64³, 1.37 Å, starts -32, 10, 5) keep voxel 0 in place to 1e-4 Å (it moved by up to 0.9 Å)', async () => {
    await loadFft();
    const input = join(dir, 'odd-start.mrc');
    const p = occupancyPhantom({ shape: [64, 64, 64], voxelSizeA: 1.37, resolutionA: 6, snr: 6, seed: 3, domains: [{ centreVoxel: [30, 34, 28], radiusA: 14, occupancy: 1 }] }).map;
    await writeMrc(input, p);
    const plain = (await readMrc(input)).header;
    await writeMrc(input, p, { template: { ...plain, mapc: 3, mapr: 2, maps: 1, nxstart: 5, nystart: 10, nzstart: -32 } });
    const inputPosition = headerOriginA((await readMrc(input)).header, [1.37, 1.37, 1.37]);
    close3(inputPosition, [-32 * 1.37, 10 * 1.37, 5 * 1.37], 1e-9, 'input position');
    await runCli(['pixel-size', 'resample', input, '--angpix', '1.6', '-o', join(dir, 'odd-res.mrc'), '-q']);
    const res = await readMrc(join(dir, 'odd-res.mrc'));
    close3(headerOriginA(res.header, res.volume.voxelSizeA), inputPosition, 1e-4, 'resampled position (Å)');
    await estimateFromFile({ inputPath: input, outputDir: join(dir, 'odd-est'), maxBox: 48, seed: 1, chimerax: false, diagnostics: false, threads: false });
    const scale = await readMrc(join(dir, 'odd-est', 'scale_res_odd-start.mrc'));
    assert.deepEqual(scale.volume.shape, [48, 48, 48]);
    close3(headerOriginA(scale.header, scale.volume.voxelSizeA), inputPosition, 1e-4, 'processing-box scale map position (Å)');
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
