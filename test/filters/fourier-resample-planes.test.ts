/**
 * The streamed Fourier crop/pad (`fourierResamplePlanes`) and the section reader that feeds it
 * (`openMrcSections`): same numbers as `fourierResample` on the whole map (bit for bit), every
 * supported file layout read section by section as `readMrc` reads it whole, and the same errors.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { fourierResample, fourierResampleLowpass, fourierResamplePlanes, THREADED_MIN_VOXELS, type PlaneSlab } from '../../src/filters/fourier-resample.js';
import { lowpassHard, lowpassHardFull } from '../../src/filters/lowpass.js';
import { encodeMrc, fileToCanonical, openMrcSections, parseMrcHeader, readMrc, writeMrc, type MrcHeader, type MrcMode } from '../../src/io/mrc/index.js';
import type { Shape3, Vec3 } from '../../src/core/volume.js';
import { randomMap } from '../math/reference.js';

/** The planes of `data` (shape `shape`) in slabs of `k` planes. */
async function* slabsOf(data: Float32Array, shape: Shape3, k: number): AsyncGenerator<PlaneSlab> {
  const plane = shape[0] * shape[1];
  for (let first = 0; first < shape[2]; first += k) {
    const count = Math.min(k, shape[2] - first);
    // a reused buffer, as the reader's
    yield { first, count, data: data.slice(first * plane, (first + count) * plane) };
  }
}

/** A header with the axis order `order`, to use as a write template. */
function templateWithOrder(order: [number, number, number]): MrcHeader {
  const bytes = encodeMrc({ data: new Float32Array(8), shape: [2, 2, 2], voxelSizeA: [1, 1, 1] });
  const h = parseMrcHeader(bytes.subarray(0, 1024), true);
  return { ...h, mapc: order[0], mapr: order[1], maps: order[2] };
}

/** Every section of a file, assembled (file order). */
async function readAllSections(path: string, slabBytes?: number): Promise<{ data: Float32Array; fileBox: Shape3; order: readonly number[]; range: { min: number; max: number } }> {
  const r = await openMrcSections(path, { slabBytes });
  const [nx, ny, nz] = r.fileBox;
  const data = new Float32Array(nx * ny * nz);
  for await (const s of r.sections()) data.set(s.data, s.first * nx * ny);
  return { data, fileBox: r.fileBox, order: r.order, range: r.range() };
}

describe('fourierResamplePlanes', () => {
  before(async () => {
    await loadFft();
  });

  const pairs: Array<[Shape3, Shape3]> = [
    [[32, 32, 32], [16, 16, 16]],
    [[33, 31, 29], [16, 17, 12]], // odd crops
    [[20, 24, 30], [10, 12, 16]], // non-cubic, even
    [[10, 6, 7], [8, 9, 7]], // crop X, pad Y, keep Z
    [[8, 8, 8], [10, 12, 14]], // pad
  ];
  for (const [from, to] of pairs) {
    for (const k of [1, 3, from[2]]) {
      test(`${from.join('x')} -> ${to.join('x')} in slabs of ${k}: bit for bit fourierResample`, async () => {
        const x = randomMap(from, 11 + from[0] + k, 0.3);
        const a: Vec3 = [1.1, 1.2, 1.3];
        const whole = fourierResample({ data: x, shape: from, voxelSizeA: a }, to);
        const { volume } = await fourierResamplePlanes(slabsOf(x, from, k), from, a, to);
        assert.deepEqual(volume.shape, to);
        assert.deepEqual(volume.voxelSizeA, whole.voxelSizeA);
        assert.deepEqual(volume.data, whole.data);
      });
    }
  }

  test('the same box is a copy; the output can be SharedArrayBuffer-backed', async () => {
    const shape: Shape3 = [6, 5, 4];
    const x = randomMap(shape, 3);
    const same = await fourierResamplePlanes(slabsOf(x, shape, 2), shape, [1, 1, 1], shape, { shared: true });
    assert.deepEqual(same.volume.data, x);
    assert.ok(same.volume.data.buffer instanceof SharedArrayBuffer);
    const crop = await fourierResamplePlanes(slabsOf(x, shape, 2), shape, [1, 1, 1], [4, 4, 4], { shared: true });
    assert.ok(crop.volume.data.buffer instanceof SharedArrayBuffer);
  });

  // the low-pass alongside (issue 20): the hard low-pass of the result from the crop's own
  // spectrum, against lowpassHard (pruned) and lowpassHardFull (full 3D transforms) of the result
  const lowpassCases: Array<[Shape3, Shape3, Vec3, number, 'original' | 'centred', boolean]> = [
    [[40, 36, 30], [20, 18, 15], [1, 1.2, 1.1], 5, 'original', false], // even/odd crop, anisotropic voxels
    [[41, 35, 33], [25, 21, 17], [1, 1, 1], 6, 'centred', false], // odd crops
    [[30, 30, 30], [44, 40, 36], [2, 2, 2], 9, 'original', false], // pad
    [[194, 193, 192], [64, 65, 63], [1, 1, 1], 8, 'original', true], // two threads
  ];
  for (const [from, to, a, lowpassA, maskStyle, threads] of lowpassCases) {
    test(`low-pass alongside, ${from.join('x')} -> ${to.join('x')} (${maskStyle}${threads ? ', two threads' : ''}): lowpassHard of the result within 2e-6 of its largest value; the crop itself unchanged; fourierResampleLowpass bit for bit`, async () => {
      if (threads) assert.ok(from[0] * from[1] * from[2] >= THREADED_MIN_VOXELS);
      const x = randomMap(from, 5 + from[1], 0.2);
      const r = await fourierResamplePlanes(slabsOf(x, from, 4), from, a, to, { lowpass: { lowpassA, maskStyle }, threads });
      const plain = await fourierResamplePlanes(slabsOf(x, from, 4), from, a, to, { threads });
      assert.deepEqual(r.volume.data, plain.volume.data);
      // the in-memory version (the estimate of a Volume): the same maps bit for bit
      const inMemory = fourierResampleLowpass({ data: x, shape: from, voxelSizeA: a }, to, { lowpassA, maskStyle });
      assert.deepEqual(inMemory.volume.data, r.volume.data);
      assert.deepEqual(inMemory.lowpassed?.data, r.lowpassed?.data);
      const low = r.lowpassed;
      assert.ok(low);
      assert.deepEqual(low.shape, to);
      assert.deepEqual(low.voxelSizeA, r.volume.voxelSizeA);
      for (const ref of [lowpassHard(r.volume, lowpassA, maskStyle), lowpassHardFull(r.volume, lowpassA, maskStyle)]) {
        let peak = 0;
        let diff = 0;
        for (let i = 0; i < ref.data.length; i++) {
          peak = Math.max(peak, Math.abs(ref.data[i]));
          diff = Math.max(diff, Math.abs(ref.data[i] - low.data[i]));
        }
        assert.ok(peak > 0.01, 'the low-pass keeps content');
        assert.ok(diff <= 2e-6 * peak, `max difference ${diff} (peak ${peak})`);
      }
    });
  }

  test('low-pass alongside: absent when the cut-off is at or finer than Nyquist, or the box is unchanged', async () => {
    const shape: Shape3 = [12, 10, 8];
    const x = randomMap(shape, 9);
    const fine = await fourierResamplePlanes(slabsOf(x, shape, 3), shape, [1, 1, 1], [6, 6, 6], { lowpass: { lowpassA: 2.5, maskStyle: 'original' } });
    assert.equal(fine.lowpassed, undefined); // voxels of 2, 1.67 and 1.33 Å: 2.5 Å is finer than Nyquist on Z (2.67 Å)
    const same = await fourierResamplePlanes(slabsOf(x, shape, 3), shape, [1, 1, 1], shape, { lowpass: { lowpassA: 8, maskStyle: 'original' } });
    assert.equal(same.lowpassed, undefined);
  });

  test('planes out of order, of the wrong length or missing are refused', async () => {
    const shape: Shape3 = [6, 5, 4];
    const x = randomMap(shape, 4);
    async function* skip(): AsyncGenerator<PlaneSlab> {
      yield { first: 1, count: 1, data: x.subarray(0, 30) };
    }
    await assert.rejects(fourierResamplePlanes(skip(), shape, [1, 1, 1], [4, 4, 4]), /expected Z planes from 0/);
    async function* short(): AsyncGenerator<PlaneSlab> {
      yield { first: 0, count: 2, data: x.subarray(0, 60) };
    }
    await assert.rejects(fourierResamplePlanes(short(), shape, [1, 1, 1], [4, 4, 4]), /ended after 2 of 4/);
    await assert.rejects(fourierResamplePlanes(slabsOf(x, shape, 1), shape, [1, 1, 1], [0, 4, 4]), RangeError);
  });
});

describe('openMrcSections', () => {
  let dir: string;
  before(async () => {
    await loadFft();
    dir = mkdtempSync(join(tmpdir(), 'occupy-sections-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const shape: Shape3 = [13, 11, 9];
  const layouts: Array<{ name: string; mode?: MrcMode; order?: [number, number, number]; gz?: boolean; littleEndian?: boolean }> = [
    { name: 'float32' },
    { name: 'float32 big-endian', littleEndian: false },
    { name: 'int16', mode: 1 },
    { name: 'float16', mode: 12 },
    { name: 'uint16 gzip', mode: 6, gz: true },
    { name: 'float32 gzip', gz: true },
    { name: 'permuted 3,1,2', order: [3, 1, 2] },
    { name: 'permuted 2,3,1 gzip', order: [2, 3, 1], gz: true },
  ];
  for (const l of layouts) {
    for (const slabBytes of [1, 4 * 13 * 11 * 4, undefined]) {
      test(`${l.name}, slabs of ${slabBytes ?? 'default'} bytes: the sections are readMrc's voxels`, async () => {
        const x = randomMap(shape, 21, l.mode === 6 ? 2 : 0);
        if (l.mode === 1 || l.mode === 6) for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i] * 100);
        const path = join(dir, `${l.name.replace(/[ ,]/g, '_')}.mrc${l.gz ? '.gz' : ''}`);
        await writeMrc(path, { data: x, shape, voxelSizeA: [1.5, 1.5, 1.5] }, { mode: l.mode, littleEndian: l.littleEndian, template: l.order ? templateWithOrder(l.order) : undefined });
        const whole = await readMrc(path);
        const got = await readAllSections(path, slabBytes);
        assert.deepEqual([...got.order], l.order ?? [1, 2, 3]);
        const canonical = fileToCanonical(got.data, got.fileBox, got.order as [number, number, number]);
        assert.deepEqual(canonical.shape, whole.volume.shape);
        assert.deepEqual(canonical.data, whole.volume.data);
        let min = Infinity;
        let max = -Infinity;
        for (const v of whole.volume.data) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        assert.deepEqual(got.range, { min, max });
        const r = await openMrcSections(path);
        assert.deepEqual(r.voxelSizeA, whole.volume.voxelSizeA);
        assert.deepEqual(r.shape, whole.volume.shape);
        await r.close();
      });
    }
  }

  test('sha256: the hash of the whole file (header, extended header, data, trailing bytes) from the bytes read, as sha256sum', async () => {
    const { createHash } = await import('node:crypto');
    const plain = join(dir, 'hash.mrc');
    await writeMrc(plain, { data: randomMap(shape, 8), shape, voxelSizeA: [1, 1, 1] });
    const bytes = readFileSync(plain);
    // an 80-byte extended header, and 6 trailing bytes (accepted by a permissive read)
    const ext = new Uint8Array(bytes.length + 80);
    ext.set(bytes.subarray(0, 1024), 0);
    for (let i = 0; i < 80; i++) ext[1024 + i] = (i * 37 + 11) & 0xff;
    ext.set(bytes.subarray(1024), 1104);
    new DataView(ext.buffer).setInt32(92, 80, true);
    writeFileSync(join(dir, 'hash-ext.mrc'), ext);
    writeFileSync(join(dir, 'hash-trailing.mrc'), Buffer.concat([bytes, Buffer.from([1, 2, 3, 4, 5, 6])]));
    const int16 = join(dir, 'hash-int16.mrc');
    await writeMrc(int16, { data: randomMap(shape, 9).map((v) => Math.round(v * 100)), shape, voxelSizeA: [1, 1, 1] }, { mode: 1 });
    for (const name of ['hash.mrc', 'hash-ext.mrc', 'hash-trailing.mrc', 'hash-int16.mrc']) {
      const path = join(dir, name);
      const file = readFileSync(path);
      for (const slabBytes of [1, 3 * 13 * 11 * 4]) {
        const r = await openMrcSections(path, { sha256: true, slabBytes, permissive: name === 'hash-trailing.mrc' });
        let k = 0;
        // the consumer settles some slabs itself (twice: the second call does nothing), the reader the others
        for await (const s of r.sections()) {
          if (k++ % 2 === 0) {
            s.settle();
            s.settle();
          }
        }
        assert.deepEqual(r.sha256(), { sha256: createHash('sha256').update(file).digest('hex'), bytes: file.length }, `${name}, slabs of ${slabBytes} bytes`);
      }
      const without = await openMrcSections(path, { permissive: true });
      for await (const s of without.sections()) void s;
      assert.equal(without.sha256(), undefined);
    }
    // gzip: not hashed by the reader
    const gz = join(dir, 'hash.mrc.gz');
    await writeMrc(gz, { data: randomMap(shape, 8), shape, voxelSizeA: [1, 1, 1] });
    const r = await openMrcSections(gz, { sha256: true });
    for await (const s of r.sections()) void s;
    assert.equal(r.sha256(), undefined);
  });

  test('NaN/Inf voxels are refused after the last section with readMrc\'s message', async () => {
    for (const gz of [false, true]) {
      const x = randomMap(shape, 5);
      x[7] = Number.NaN;
      x[x.length - 1] = Number.POSITIVE_INFINITY;
      const path = join(dir, `nan.mrc${gz ? '.gz' : ''}`);
      await writeMrc(path, { data: x, shape, voxelSizeA: [1, 1, 1] });
      let expected = '';
      await readMrc(path).catch((e: Error) => (expected = e.message));
      assert.match(expected, /map contains 2 NaN\/Inf voxels/);
      await assert.rejects(readAllSections(path, 1), (e: Error) => e.message === expected);
      // tally: false reads the same voxels and neither checks nor knows the range
      const r = await openMrcSections(path, { tally: false });
      const got = new Float32Array(x.length);
      for await (const slab of r.sections()) {
        slab.settle?.();
        got.set(slab.data, slab.first * shape[0] * shape[1]);
      }
      assert.deepEqual(got, x);
      assert.throws(() => r.range(), /tally: false/);
    }
  });

  test('broken files are refused with readMrc\'s messages', async () => {
    const path = join(dir, 'ok.mrc');
    await writeMrc(path, { data: randomMap(shape, 6), shape, voxelSizeA: [1, 1, 1] });
    const bytes = readFileSync(path);
    const cases: Array<[string, Uint8Array]> = [
      ['truncated.mrc', bytes.subarray(0, bytes.length - 4)],
      ['long.mrc', Buffer.concat([bytes, Buffer.alloc(4)])],
      ['short.mrc', bytes.subarray(0, 100)],
    ];
    for (const [name, b] of cases) {
      const p = join(dir, name);
      writeFileSync(p, b);
      let expected = '';
      await readMrc(p).catch((e: Error) => (expected = e.message));
      assert.ok(expected.length > 0, name);
      await assert.rejects(readAllSections(p), (e: Error) => e.message === expected, name);
    }
    // gzip: truncated and longer data blocks are found at the end of the stream
    const { gzipSync } = await import('node:zlib');
    for (const [name, b, re] of [
      ['truncated.mrc.gz', gzipSync(bytes.subarray(0, bytes.length - 4)), /data block truncated/],
      ['long.mrc.gz', gzipSync(Buffer.concat([bytes, Buffer.alloc(4)])), /file longer than its header says/],
      ['corrupt.mrc.gz', gzipSync(bytes).subarray(0, 200), /truncated|corrupt|unexpected end/i],
    ] as const) {
      const p = join(dir, name);
      writeFileSync(p, b);
      await assert.rejects(readMrc(p), re, `readMrc ${name}`);
      await assert.rejects(readAllSections(p), re, name);
    }
    await assert.rejects(openMrcSections(join(dir, 'missing.mrc')), /cannot read map '.*missing\.mrc': no such file/);
    await assert.rejects(openMrcSections(dir), /cannot read map '.*': it is a folder, not a file/);
  });
});
