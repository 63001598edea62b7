/**
 * The 1024³ read-and-crop path of the default estimate (issue 20): a 4 GiB float32 map, as a
 * sparse file (header + ftruncate, a few non-zero probe voxels), is read section by section
 * (`openMrcSections`) and Fourier-cropped to the default processing box 256³ on the fly
 * (`fourierResamplePlanes`), exactly as `estimateFromFile` does, without holding the map.
 *
 * Expected values: the crop is linear and separable, so the crop of a probe of value v at
 * (px, py, pz) is v · kx(x) · ky(y) · kz(z) with k the 1D crop 1024 → 256 of a unit impulse at
 * that position (computed with `fourierResample` on a 1024×1×1 line). No timed assertion (about
 * 20–40 s on an idle 2-core machine); the process's peak RSS must stay far below the map's size.
 * Skipped with a message when the temporary folder's disk has less than 4.5 GiB free (a file
 * system without sparse files would need the whole 4 GiB).
 *
 * Also, on small maps: the streamed estimate (a map above `--max-box`, no modified map) gives the
 * whole-map estimate bit for bit (axis order 1, 2, 3; r >= 0.9999 for a permuted file, cropped in
 * its own order) and refuses NaN voxels with `readMrc`'s message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { fourierResample, fourierResamplePlanes } from '../../src/filters/fourier-resample.js';
import { encodeMrc, encodeMrcHeader, MRC_HEADER_BYTES, openMrcSections, parseMrcHeader } from '../../src/io/mrc/index.js';
import { DEFAULT_MAX_BOX, processingBox } from '../../src/occupancy/estimate-options.js';
import { estimateFromFile } from '../../src/jobs/estimate-job.js';
import { estimateLocalScale } from '../../src/occupancy/estimate.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { readMrc, writeMrc, type MrcHeader } from '../../src/io/mrc/index.js';
import { pearson } from '../../src/math/statistics.js';
import type { Shape3 } from '../../src/core/volume.js';

const N = 1024;
const VOXEL_A = 0.65;
const FILE_BYTES = MRC_HEADER_BYTES + 4 * N ** 3;
const probes: Array<{ at: [number, number, number]; value: number }> = [
  { at: [100, 200, 300], value: 1000 },
  { at: [1023, 0, 512], value: -500 },
  { at: [512, 511, 1023], value: 250 },
  { at: [7, 900, 0], value: 125 },
];

function freeBytes(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return 0;
  }
}

const dir = tmpdir();
const skip = freeBytes(dir) < 4.5 * 2 ** 30 ? `needs 4.5 GiB free in ${dir} for a 1024³ map, found ${(freeBytes(dir) / 2 ** 30).toFixed(1)} GiB` : false;

test('1024³ map: read section by section and Fourier-cropped to 256³ without holding it', { skip, timeout: 600_000 }, async () => {
  await loadFft();
  const work = mkdtempSync(join(dir, 'occupy-1024-'));
  try {
    // header of a 1024³ float32 map at 0.65 Å, data block a hole but for the probes
    const small = parseMrcHeader(encodeMrc({ data: new Float32Array(8), shape: [2, 2, 2], voxelSizeA: [1, 1, 1] }).subarray(0, MRC_HEADER_BYTES), true);
    const cell = N * VOXEL_A;
    const header = { ...small, nx: N, ny: N, nz: N, mx: N, my: N, mz: N, cella: [cell, cell, cell] as [number, number, number], dmin: -500, dmax: 1000, dmean: 0, rms: 0 };
    const path = join(work, 'sparse1024.mrc');
    const fh = await open(path, 'w');
    try {
      await fh.write(encodeMrcHeader(header, true), 0, MRC_HEADER_BYTES, 0);
      await fh.truncate(FILE_BYTES);
      for (const p of probes) {
        const [x, y, z] = p.at;
        await fh.write(new Uint8Array(Float32Array.of(p.value).buffer), 0, 4, MRC_HEADER_BYTES + 4 * ((z * N + y) * N + x));
      }
    } finally {
      await fh.close();
    }

    const rssBefore = process.resourceUsage().maxRSS * 1024;
    const reader = await openMrcSections(path);
    assert.deepEqual(reader.shape, [N, N, N]);
    const box = processingBox(reader.shape, DEFAULT_MAX_BOX);
    assert.deepEqual(box, [256, 256, 256]);
    const { volume } = await fourierResamplePlanes(reader.sections(), reader.fileBox, reader.voxelSizeA, box);
    const rssGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
    assert.deepEqual(reader.range(), { min: -500, max: 1000 }, 'value range seen on the stream');
    assert.deepEqual(volume.shape, box);
    for (const a of volume.voxelSizeA) assert.ok(Math.abs(a - (VOXEL_A * N) / 256) < 1e-6 * a, `voxel size ${a}`); // cella is float32
    // work block (270 MB) + output (64 MiB) + two 32 MiB slabs: far below the 4 GiB map
    assert.ok(rssGrowth < 1.0 * 2 ** 30, `peak RSS grew by ${(rssGrowth / 2 ** 20).toFixed(0)} MiB while cropping a 4 GiB map`);

    // expected: sum over probes of v · kx(x) · ky(y) · kz(z), with the 1D crops of unit impulses
    const m = 256;
    const kernel = (p: number): Float64Array => {
      const line = new Float32Array(N);
      line[p] = 1;
      const shape: Shape3 = [N, 1, 1];
      return Float64Array.from(fourierResample({ data: line, shape, voxelSizeA: [1, 1, 1] }, [m, 1, 1]).data);
    };
    const expected = new Float64Array(m ** 3);
    for (const p of probes) {
      const [kx, ky, kz] = p.at.map(kernel);
      for (let z = 0; z < m; z++) {
        for (let y = 0; y < m; y++) {
          const w = p.value * kz[z] * ky[y];
          const row = (z * m + y) * m;
          for (let x = 0; x < m; x++) expected[row + x] += w * kx[x];
        }
      }
    }
    let maxAbs = 0;
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - volume.data[i]));
    }
    // each probe is spread over the kept band: the peak of the 1000 probe is 1000 / 64
    assert.ok(maxAbs > 10 && maxAbs < 20, `largest expected value ${maxAbs}`);
    assert.ok(maxDiff <= 1e-5 * maxAbs, `crop differs from the separable expectation by ${maxDiff} (largest value ${maxAbs})`);
    // the probe at (100, 200, 300) lands at (25, 50, 75) of the 256³ box, with value 1000/64
    const peak = volume.data[(75 * m + 50) * m + 25];
    assert.ok(Math.abs(peak - 1000 / 64) < 0.05 * (1000 / 64), `value at the probe's position ${peak}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('streamed estimate of a map above --max-box: the whole-map result, NaN refused as readMrc does', async () => {
  await loadFft();
  const work = mkdtempSync(join(tmpdir(), 'occupy-stream-'));
  try {
    const shape: Shape3 = [72, 70, 66];
    const { map } = occupancyPhantom({
      shape, voxelSizeA: 1.3, resolutionA: 4.5, snr: 4, seed: 9,
      domains: [{ centreVoxel: [28, 35, 33], radiusA: 14, occupancy: 1 }, { centreVoxel: [46, 35, 33], radiusA: 13, occupancy: 0.5 }],
    });
    const maxBox = 40;
    const whole = estimateLocalScale(map, { maxBox });
    const plain = join(work, 'plain.mrc');
    await writeMrc(plain, map);
    const streamed = await estimateFromFile({ inputPath: plain, outputDir: join(work, 'out1'), maxBox, threads: false, chimerax: false });
    assert.equal(streamed.input.volume, undefined, 'the input is not held');
    // the run record's hash, computed from the streamed read's own bytes, is the file's
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    assert.equal(streamed.summary.record?.input?.sha256, createHash('sha256').update(readFileSync(plain)).digest('hex'));
    assert.deepEqual(streamed.result.processingShape, whole.processingShape);
    assert.deepEqual(streamed.result.scale.data, whole.scale.data);
    // both crops compute the low-pass from their own spectrum (issue 20), the same way
    assert.deepEqual(streamed.result.confidence.data, whole.confidence.data);
    // the written map is the result
    assert.deepEqual((await readMrc(join(work, 'out1', 'scale_res_plain.mrc'))).volume.data, whole.scale.data);

    // a file in axis order 3, 1, 2 (cropped in file order, then reordered)
    const tmpl = (await readMrc(plain)).header;
    const permuted = join(work, 'permuted.mrc.gz');
    await writeMrc(permuted, map, { template: { ...tmpl, mapc: 3, mapr: 1, maps: 2 } as MrcHeader });
    const p = await estimateFromFile({ inputPath: permuted, outputDir: join(work, 'out2'), maxBox, threads: false, chimerax: false });
    assert.deepEqual(p.result.processingShape, whole.processingShape);
    const r = pearson(p.result.scale.data, whole.scale.data);
    assert.ok(r >= 0.9999, `scale r = ${r}`);

    // NaN voxels: the same message as reading the map whole, nothing written
    const bad = map.data.slice();
    bad[1234] = Number.NaN;
    const nanPath = join(work, 'nan.mrc');
    await writeMrc(nanPath, { ...map, data: bad });
    let expected = '';
    await readMrc(nanPath).catch((e: Error) => (expected = e.message));
    assert.match(expected, /map contains 1 NaN\/Inf voxels/);
    await assert.rejects(estimateFromFile({ inputPath: nanPath, outputDir: join(work, 'out3'), maxBox, threads: false }), (e: Error) => e.message === expected);
    // an Infinity voxel too (the crop's output is then non-finite; the file is read again with the tally)
    const inf = map.data.slice();
    inf[4321] = Number.POSITIVE_INFINITY;
    const infPath = join(work, 'inf.mrc');
    await writeMrc(infPath, { ...map, data: inf });
    await assert.rejects(estimateFromFile({ inputPath: infPath, outputDir: join(work, 'out4'), maxBox, threads: false }), /map contains 1 NaN\/Inf voxels/);
    // a constant map above --max-box: the estimate's own error, with the map's value
    const constPath = join(work, 'const.mrc');
    await writeMrc(constPath, { ...map, data: new Float32Array(map.data.length).fill(0.125) });
    await assert.rejects(estimateFromFile({ inputPath: constPath, outputDir: join(work, 'out5'), maxBox, threads: false }), /the map is constant \(every voxel is 0\.125\)/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('threaded crop/pad (a second thread for half the planes, columns and output planes): the one-thread result bit for bit', { timeout: 300_000 }, async () => {
  await loadFft();
  // just above THREADED_MIN_VOXELS (192³), odd and even sizes; Y 196 -> 98 is an even crop (merged Nyquist rows)
  const shape: Shape3 = [200, 196, 190];
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  const plane = shape[0] * shape[1];
  /**
   * Slabs of 7 planes (the last one shorter), in ordinary or in shared memory; with `busy`, each
   * slab's settle() takes that many ms on the calling thread (the split of the planes between the
   * threads shifts, the result must not).
   */
  async function* slabs(shared: boolean, busy = 0) {
    for (let first = 0; first < shape[2]; first += 7) {
      const count = Math.min(7, shape[2] - first);
      const part = data.subarray(first * plane, (first + count) * plane);
      const copy = shared ? new Float32Array(new SharedArrayBuffer(4 * part.length)) : new Float32Array(part.length);
      copy.set(part);
      const settle = () => {
        const until = performance.now() + busy;
        while (performance.now() < until);
      };
      yield { first, count, data: copy, settle };
    }
  }
  for (const target of [[101, 98, 96], [210, 200, 191]] as Shape3[]) {
    const one = await fourierResamplePlanes(slabs(false), shape, [1, 1, 1], target);
    const two = await fourierResamplePlanes(slabs(false), shape, [1, 1, 1], target, { threads: true });
    const twoShared = await fourierResamplePlanes(slabs(true), shape, [1, 1, 1], target, { threads: true });
    assert.ok(two.volume.data.buffer instanceof SharedArrayBuffer, 'the threaded output is shared');
    assert.deepEqual(two.volume.data, one.volume.data, `${shape.join('x')} -> ${target.join('x')}: slabs copied for the worker`);
    assert.deepEqual(twoShared.volume.data, one.volume.data, `${shape.join('x')} -> ${target.join('x')}: shared slabs`);
    const busy = await fourierResamplePlanes(slabs(true, 20), shape, [1, 1, 1], target, { threads: true });
    assert.deepEqual(busy.volume.data, one.volume.data, `${shape.join('x')} -> ${target.join('x')}: slow settle() (fewer planes on the calling thread)`);
  }
  // and the one-thread stream is fourierResample of the whole map
  assert.deepEqual((await fourierResamplePlanes(slabs(false), shape, [1, 1, 1], [101, 98, 96])).volume.data, fourierResample({ data, shape, voxelSizeA: [1, 1, 1] }, [101, 98, 96]).data);
});
