import { test, describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Shape3, Vec3, Volume } from '../../src/core/volume.js';
import { mulberry32 } from '../../src/math/random.js';
import {
  MrcFormatError,
  encodeMrc,
  floatToHalfBits,
  halfBitsToFloat,
  readMrc,
  openMrcSections,
  readMrcBuffer,
  writeMrc,
  type MrcHeader,
  type MrcMode,
} from '../../src/io/mrc/index.js';

const testDir = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(testDir, '../../../shared/data');

/** Volume whose voxel (x, y, z) is f(x, y, z). */
function makeVolume(shape: Shape3, voxelSizeA: Vec3, f: (x: number, y: number, z: number) => number): Volume {
  const [nx, ny, nz] = shape;
  const data = new Float32Array(nx * ny * nz);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) data[(z * ny + y) * nx + x] = f(x, y, z);
  return { data, shape, voxelSizeA };
}

/** A valid header to use as a template, with fields overridden. */
function makeTemplate(over: Partial<MrcHeader>): MrcHeader {
  const base = readMrcBuffer(encodeMrc({ data: new Float32Array(1), shape: [1, 1, 1], voxelSizeA: [1, 1, 1] })).header;
  return { ...base, ...over };
}

/** Little-endian float32 test file (5x6x7, values 0..209) to corrupt in error tests. */
function sampleFile(): { bytes: Uint8Array; view: DataView } {
  const v = makeVolume([5, 6, 7], [1.5, 1.5, 1.5], (x, y, z) => x + 5 * y + 30 * z);
  const bytes = encodeMrc(v);
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected} ± ${tol}, got ${actual}`);
}

describe('float16 conversion', () => {
  test('matches numpy float16 bit patterns, including rounding, subnormals and overflow', () => {
    // Expected bit patterns from numpy.float16(value).view(numpy.uint16).
    const cases: [number, number][] = [
      [0.1, 11878], [1 / 3, 13653], [-2.5e-6, 32810], [65519, 31743], [65520, 31744],
      [2049, 26624], [2051, 26626], [5.96e-8, 1], [1, 0x3c00], [-2, 0xc000], [0, 0], [-0, 0x8000],
    ];
    for (const [value, bits] of cases) assert.equal(floatToHalfBits(value), bits, `floatToHalfBits(${value})`);
    assert.equal(floatToHalfBits(Infinity), 0x7c00);
    assert.equal(floatToHalfBits(-Infinity), 0xfc00);
    assert.ok(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN))));
    assert.equal(halfBitsToFloat(0x7bff), 65504);
    assert.equal(halfBitsToFloat(0x0001), 2 ** -24);
    assert.equal(halfBitsToFloat(0x3555), 0.333251953125);
  });

  test('every non-NaN half value survives half -> float -> half', () => {
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      const f = halfBitsToFloat(h);
      if (Number.isNaN(f)) continue;
      assert.equal(floatToHalfBits(f), h, `half 0x${h.toString(16)}`);
      checked++;
    }
    assert.equal(checked, 65536 - 2 * 1023);
  });
});

describe('round trip encode -> read', () => {
  const shape: Shape3 = [5, 6, 7];
  const voxel: Vec3 = [1.25, 0.8, 2.5];
  const order = { mapc: 3, mapr: 1, maps: 2 };
  const ranges: Record<MrcMode, (r: () => number, i: number) => number> = {
    0: (r) => Math.floor(r() * 256) - 128,
    1: (r) => Math.floor(r() * 65536) - 32768,
    2: (r) => (r() - 0.5) * 1e3,
    6: (r) => Math.floor(r() * 65536),
    // even voxels exactly representable in half (k/4, |k| <= 400), odd voxels arbitrary
    12: (r, i) => (i % 2 === 0 ? Math.floor(r() * 801 - 400) / 4 : (r() - 0.5) * 2e4),
  };
  for (const mode of [0, 1, 2, 6, 12] as MrcMode[]) {
    for (const littleEndian of [true, false]) {
      test(`mode ${mode}, ${littleEndian ? 'little' : 'big'}-endian, axis order 3,1,2`, () => {
        const rand = mulberry32(1000 + mode * 2 + (littleEndian ? 1 : 0));
        let i = 0;
        const volume = makeVolume(shape, voxel, () => ranges[mode](rand, i++));
        const template = makeTemplate({ ...order, nxstart: -3, nystart: 4, nzstart: -5, origin: [10.5, -20.25, 30], ispg: 1 });
        const labels = ['occupy-ts round trip', 'x'.repeat(100)];
        const bytes = encodeMrc(volume, { template, mode, littleEndian, labels });
        assert.equal(bytes.length, 1024 + 210 * { 0: 1, 1: 2, 2: 4, 6: 2, 12: 2 }[mode]);
        const { volume: back, header } = readMrcBuffer(bytes);

        assert.deepEqual(back.shape, shape);
        for (let a = 0; a < 3; a++) assertClose(back.voxelSizeA[a], voxel[a], 1e-6, `voxel size ${a}`);
        if (mode === 12) {
          for (let k = 0; k < volume.data.length; k++) {
            const v = volume.data[k];
            if (k % 2 === 0) assert.equal(back.data[k], v, `exact half value at ${k}`);
            else assert.ok(Math.abs(back.data[k] - v) <= Math.abs(v) * 2 ** -11, `half precision at ${k}: ${v} -> ${back.data[k]}`);
          }
        } else {
          assert.deepEqual(back.data, volume.data);
        }

        assert.equal(header.mode, mode);
        assert.deepEqual([header.mapc, header.mapr, header.maps], [3, 1, 2]);
        assert.deepEqual([header.nx, header.ny, header.nz], [7, 5, 6]);
        assert.deepEqual([header.mx, header.my, header.mz], [5, 6, 7]);
        assert.deepEqual([header.nxstart, header.nystart, header.nzstart], [-3, 4, -5]);
        assert.deepEqual(header.origin, [10.5, -20.25, 30]);
        for (let a = 0; a < 3; a++) assertClose(header.cella[a], shape[a] * voxel[a], 1e-5, `cella ${a}`);
        assert.deepEqual(header.labels, ['occupy-ts round trip', 'x'.repeat(80)]);
        assert.equal(header.nlabl, 2);
        assert.equal(header.map, 'MAP ');
        assert.equal(header.nversion, 20140);
        assert.deepEqual([...header.machst], littleEndian ? [0x44, 0x44, 0, 0] : [0x11, 0x11, 0, 0]);
        let min = Infinity;
        let max = -Infinity;
        for (const v of back.data) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        assert.equal(header.dmin, min);
        assert.equal(header.dmax, max);
      });
    }
  }

  test('file layout follows mapc/mapr/maps = 3,1,2 (columns along Z, rows along X, sections along Y)', () => {
    const volume = makeVolume(shape, voxel, (x, y, z) => 100 * x + 10 * y + z);
    const bytes = encodeMrc(volume, { template: makeTemplate(order) });
    const view = new DataView(bytes.buffer, bytes.byteOffset + 1024);
    const at = (i: number): number => view.getFloat32(4 * i, true);
    // file index (s*ny + r)*nx + c with nx = nZ = 7, ny = nX = 5; (c, r, s) = (Z, X, Y)
    assert.equal(at(0), 0);
    assert.equal(at(1), 1); // (X,Y,Z) = (0,0,1)
    assert.equal(at(7), 100); // (1,0,0)
    assert.equal(at(35), 10); // (0,1,0)
    assert.equal(at(35 * 2 + 7 * 3 + 4), 100 * 3 + 10 * 2 + 4);
  });

  test('integer modes round and clamp, and the header statistics describe the stored values', () => {
    const volume = makeVolume([4, 1, 1], [1, 1, 1], (x) => [200, -300, 2.5, -1.4][x]);
    const { volume: back, header } = readMrcBuffer(encodeMrc(volume, { mode: 0 }));
    assert.deepEqual([...back.data], [127, -128, 3, -1]);
    assert.equal(header.dmax, 127);
    assert.equal(header.dmin, -128);
    assert.equal(header.dmean, 0.25);
  });
});

describe('gzip, extended header, byte order', () => {
  test('gzip-compressed bytes are detected by magic number', () => {
    const { bytes } = sampleFile();
    const plain = readMrcBuffer(bytes);
    const zipped = readMrcBuffer(gzipSync(bytes));
    assert.deepEqual(zipped.volume.data, plain.volume.data);
    assert.equal(zipped.volume.data[209], 209);
  });

  test('writeMrc to a .gz path writes gzip that readMrc reads back', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-mrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const volume = makeVolume([3, 4, 5], [2, 2, 2], (x, y, z) => x - y * z);
    const file = path.join(dir, 'out.mrc.gz');
    await writeMrc(file, volume);
    const raw = await readFile(file);
    assert.deepEqual([raw[0], raw[1]], [0x1f, 0x8b]);
    const back = await readMrc(file);
    assert.deepEqual(back.volume.data, volume.data);
  });

  test('nsymbt extended-header bytes are skipped', () => {
    const { bytes } = sampleFile();
    const withExt = new Uint8Array(bytes.length + 80);
    withExt.set(bytes.subarray(0, 1024), 0);
    for (let i = 0; i < 80; i++) withExt[1024 + i] = (i * 37 + 11) & 0xff; // junk
    withExt.set(bytes.subarray(1024), 1104);
    new DataView(withExt.buffer).setInt32(92, 80, true);
    const { volume, header } = readMrcBuffer(withExt);
    assert.equal(header.nsymbt, 80);
    assert.equal(volume.data[0], 0);
    assert.equal(volume.data[1], 1);
    assert.equal(volume.data[209], 209);
  });

  test('big-endian file built by hand is read', () => {
    // 2x3x1 float32 big-endian, stamp 11 11 00 00, written field by field (not with encodeMrc).
    const bytes = new Uint8Array(1024 + 24);
    const v = new DataView(bytes.buffer);
    [2, 3, 1, 2].forEach((n, k) => v.setInt32(4 * k, n, false)); // nx ny nz mode
    [2, 3, 1].forEach((n, k) => v.setInt32(28 + 4 * k, n, false)); // mx my mz
    [4, 9, 5].forEach((n, k) => v.setFloat32(40 + 4 * k, n, false)); // cella
    [1, 2, 3].forEach((n, k) => v.setInt32(64 + 4 * k, n, false)); // mapc mapr maps
    bytes.set([0x4d, 0x41, 0x50, 0x20, 0x11, 0x11, 0, 0], 208);
    [1.5, -2, 3.25, 4, 5, 6e-3].forEach((x, k) => v.setFloat32(1024 + 4 * k, x, false));
    const { volume, header } = readMrcBuffer(bytes);
    assert.deepEqual(volume.shape, [2, 3, 1]);
    assert.deepEqual(volume.voxelSizeA, [2, 3, 5]);
    assert.deepEqual([...volume.data], [1.5, -2, 3.25, 4, 5, Math.fround(6e-3)]);
    assert.equal(header.nx, 2);

    // Same file with a zeroed machine stamp: byte order found from mode and box.
    bytes.fill(0, 212, 216);
    assert.deepEqual([...readMrcBuffer(bytes).volume.data], [1.5, -2, 3.25, 4, 5, Math.fround(6e-3)]);
  });

  test("mode 0 with IMOD's stamp and the signed flag clear is unsigned bytes 0..255 (as IMOD and ChimeraX read it)", async (t) => {
    // bytes 0, 1, 127, 128, 200, 255 along X: unsigned, 128..255 are not -128..-1
    const raw = [0, 1, 127, 128, 200, 255];
    const base = encodeMrc({ data: new Float32Array(6), shape: [6, 1, 1], voxelSizeA: [1, 1, 1] }, { mode: 0 });
    const stamped = (flags: number, littleEndian = true): Uint8Array => {
      const b = base.slice();
      b.set(raw, 1024);
      const v = new DataView(b.buffer);
      v.setInt32(152, 1146047817, true); // imodStamp
      v.setInt32(156, flags, true); // imodFlags: bit 0 = signed bytes
      if (!littleEndian) {
        // the same file big-endian: every header word swapped, stamp 11 11
        for (let o = 0; o < 224; o += 4) if (o < 208 || o >= 216) v.setUint32(o, v.getUint32(o, true), false);
        b.set([0x11, 0x11, 0, 0], 212);
      }
      return b;
    };
    assert.deepEqual(Array.from(readMrcBuffer(stamped(0)).volume.data), raw);
    assert.deepEqual(Array.from(readMrcBuffer(stamped(0, false)).volume.data), raw, 'big-endian stamp and flags');
    assert.deepEqual(Array.from(readMrcBuffer(gzipSync(stamped(0))).volume.data), raw, 'gzip');
    // the signed flag set, or no stamp: int8 (MRC2014)
    assert.deepEqual(Array.from(readMrcBuffer(stamped(1)).volume.data), [0, 1, 127, -128, -56, -1]);
    const unstamped = stamped(0);
    new DataView(unstamped.buffer).setInt32(152, 0, true);
    assert.deepEqual(Array.from(readMrcBuffer(unstamped).volume.data), [0, 1, 127, -128, -56, -1]);
    // the file readers (whole and section by section) agree
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-mrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    for (const [name, bytes] of [['u8.mrc', stamped(0)], ['u8.mrc.gz', gzipSync(stamped(0))]] as const) {
      const file = path.join(dir, name);
      await writeFile(file, bytes);
      assert.deepEqual(Array.from((await readMrc(file)).volume.data), raw, name);
      const reader = await openMrcSections(file);
      const seen: number[] = [];
      for await (const slab of reader.sections()) seen.push(...slab.data);
      assert.deepEqual(seen, raw, `${name} section by section`);
    }
  });

  test('little-endian stamp 44 41 is accepted', () => {
    const { bytes } = sampleFile();
    bytes[213] = 0x41;
    assert.equal(readMrcBuffer(bytes).volume.data[7], 7);
  });
});

describe('errors', () => {
  test('file shorter than 1024 bytes', () => {
    assert.throws(() => readMrcBuffer(new Uint8Array(1000)), (e: unknown) => e instanceof MrcFormatError && /expected at least 1024 bytes, found 1000/.test(e.message));
  });

  test("missing 'MAP ' tag in an MRC2014 file (strict) but accepted when permissive or old CCP4", () => {
    const { bytes, view } = sampleFile();
    bytes.set([0, 0, 0, 0], 208);
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /expected 'MAP '.*nversion 20140/.test(e.message));
    assert.equal(readMrcBuffer(bytes, { permissive: true }).volume.data[3], 3);
    view.setInt32(108, 0, true); // old CCP4: nversion 0
    assert.equal(readMrcBuffer(bytes).volume.data[4], 4);
  });

  test('unsupported mode names the mode and lists the supported ones', () => {
    const { bytes, view } = sampleFile();
    view.setInt32(12, 4, true);
    assert.throws(
      () => readMrcBuffer(bytes),
      (e: unknown) => e instanceof MrcFormatError && /unsupported mode 4 \(complex float32\): supported modes are 0 \(int8\), 1 \(int16\), 2 \(float32\), 6 \(uint16\), 12 \(float16\)/.test(e.message),
    );
  });

  test('non-positive box dimensions', () => {
    const { bytes, view } = sampleFile();
    view.setInt32(4, 0, true);
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /box dimensions must be positive: found nx=5, ny=0, nz=7/.test(e.message));
    view.setInt32(4, -6, true);
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /ny=-6/.test(e.message));
  });

  test('mapc/mapr/maps not a permutation (strict), assumed 1,2,3 when permissive', () => {
    const { bytes, view } = sampleFile();
    view.setInt32(68, 1, true); // 1,1,3
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /permutation of 1,2,3: found 1,1,3/.test(e.message));
    const { volume } = readMrcBuffer(bytes, { permissive: true });
    assert.deepEqual(volume.shape, [5, 6, 7]);
    assert.equal(volume.data[5], 5);
  });

  test('truncated data block says expected vs found bytes', () => {
    const { bytes } = sampleFile();
    assert.throws(
      () => readMrcBuffer(bytes.subarray(0, bytes.length - 4)),
      (e: unknown) => e instanceof MrcFormatError && /data block truncated: expected 840 bytes .* found 836/.test(e.message),
    );
  });

  test("a header mode that disagrees with the data's length names the mode the length fits", () => {
    const { bytes, view } = sampleFile(); // float32, 5x6x7
    view.setInt32(12, 1, true); // stamped int16: the file is twice as long as the header says
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /^file longer than its header says: expected 1444 bytes \(5x6x7, mode 1\), found 1864; that is the box in mode 2 \(float32\): is the header's mode 1 \(int16\) wrong\?$/.test(e.message));
    const int16 = encodeMrc(makeVolume([5, 6, 7], [1, 1, 1], () => 3), { mode: 1 });
    new DataView(int16.buffer).setInt32(12, 2, true); // int16 data stamped float32: half as long
    assert.throws(() => readMrcBuffer(int16), (e: unknown) => e instanceof MrcFormatError && /^data block truncated: .* found 420; that is the box in mode 1 \(int16\) or 6 \(uint16\) or 12 \(float16\): is the header's mode 2 \(float32\) wrong\?$/.test(e.message));
    const short = bytes.subarray(0, bytes.length - 4);
    view.setInt32(12, 2, true);
    assert.throws(() => readMrcBuffer(short), (e: unknown) => e instanceof MrcFormatError && /found 836$/.test(e.message), 'a plain truncation names no mode');
  });

  test('trailing bytes after the data block (strict), accepted when permissive', () => {
    const { bytes } = sampleFile();
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    assert.throws(() => readMrcBuffer(longer), (e: unknown) => e instanceof MrcFormatError && /expected 1864 bytes .* found 1872/.test(e.message));
    assert.equal(readMrcBuffer(longer, { permissive: true }).volume.data[209], 209);
  });

  test('NaN/Inf voxels are counted, and accepted with allowNonFinite', () => {
    const volume = makeVolume([4, 3, 2], [1, 1, 1], (x, y) => x + y);
    volume.data[0] = NaN;
    volume.data[5] = Infinity;
    volume.data[23] = -Infinity;
    for (const mode of [2, 12] as MrcMode[]) {
      const bytes = encodeMrc(volume, { mode });
      assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /map contains 3 NaN\/Inf voxels/.test(e.message));
      const { volume: back, header } = readMrcBuffer(bytes, { allowNonFinite: true });
      assert.ok(Number.isNaN(back.data[0]));
      assert.equal(back.data[5], Infinity);
      assert.equal(header.dmax, 5); // statistics skip non-finite values: max is x+y = 3+2
    }
  });

  test('zero cell dimensions: error when strict, 1 Å voxels when permissive', () => {
    const { bytes, view } = sampleFile();
    view.setFloat32(44, 0, true); // cella.y = 0
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /cell dimensions are zero/.test(e.message));
    assert.deepEqual(readMrcBuffer(bytes, { permissive: true }).volume.voxelSizeA, [1.5, 1, 1.5]);
  });

  test('a volume stack (ispg 401, nz = k × mz) is refused as one map; one volume in ispg 401 (nz = mz) is read', () => {
    const { bytes, view } = sampleFile(); // 5x6x7, sampling 5, 6, 7
    view.setInt32(88, 401, true);
    assert.equal(readMrcBuffer(bytes).volume.shape[2], 7, 'nz = mz: one volume');
    view.setInt32(36, 1, true); // mz = 1: seven volumes of one section each
    assert.throws(() => readMrcBuffer(bytes, { name: 'stack.mrc' }), (e: unknown) => e instanceof MrcFormatError && /^stack\.mrc: a stack of 7 volumes \(ispg 401, 7 sections of 1 per volume\), not one map/.test(e.message));
    assert.equal(readMrcBuffer(bytes, { permissive: true }).volume.shape[2], 7, 'permissive: read as one box');
  });

  test('zero sampling mx/my/mz falls back to the box', () => {
    const { bytes, view } = sampleFile();
    view.setInt32(28, 0, true);
    view.setInt32(32, 0, true);
    view.setInt32(36, 0, true);
    assert.deepEqual(readMrcBuffer(bytes).volume.voxelSizeA, [1.5, 1.5, 1.5]);
  });

  test('byte order cannot be determined', () => {
    const { bytes, view } = sampleFile();
    bytes.fill(0xee, 212, 216);
    view.setInt32(12, 77, true); // mode 77 in LE; nonsense in BE too
    assert.throws(() => readMrcBuffer(bytes), (e: unknown) => e instanceof MrcFormatError && /^not an MRC\/CCP4 map: the header's mode and machine stamp are invalid/.test(e.message));
  });

  test('corrupt gzip stream', () => {
    const zipped = gzipSync(sampleFile().bytes);
    assert.throws(() => readMrcBuffer(zipped.subarray(0, 100)), (e: unknown) => e instanceof MrcFormatError && /gzip data is corrupt/.test(e.message));
  });

  test('missing file names the path; readMrc prefixes format errors with the path', async (t) => {
    await assert.rejects(readMrc('/nonexistent/dir/x.mrc'), (e: unknown) => e instanceof Error && e.message === "cannot read map '/nonexistent/dir/x.mrc': no such file");
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-mrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'short.mrc');
    await writeFile(file, new Uint8Array(10));
    await assert.rejects(readMrc(file), (e: unknown) => e instanceof MrcFormatError && e.message.startsWith(`${file}: file is shorter`));
  });

  test('encodeMrc validates its input', () => {
    assert.throws(() => encodeMrc({ data: new Float32Array(5), shape: [2, 3, 1], voxelSizeA: [1, 1, 1] }), (e: unknown) => e instanceof TypeError && /length nx\*ny\*nz = 6, got length 5/.test(e.message));
    assert.throws(() => encodeMrc({ data: new Float32Array(6), shape: [2, 3, 1], voxelSizeA: [1, 0, 1] }), RangeError);
    assert.throws(() => encodeMrc({ data: new Float32Array(6), shape: [2, 3, 1], voxelSizeA: [1, 1, 1] }, { mode: 4 as MrcMode }), /mode must be one of 0, 1, 2, 6, 12, got 4/);
    assert.throws(
      () => encodeMrc({ data: new Float32Array(6), shape: [2, 3, 1], voxelSizeA: [1, 1, 1] }, { template: makeTemplate({ mapc: 2, mapr: 2, maps: 3 }) }),
      /permutation of 1,2,3, got 2,2,3/,
    );
  });
});

describe('writing with a template', () => {
  test('keeps axis order, start, origin, ispg; takes voxel size from the volume; recomputes statistics', () => {
    const template = makeTemplate({
      mapc: 2, mapr: 3, maps: 1, nxstart: 7, nystart: -8, nzstart: 9, origin: [1, 2, 3], ispg: 401,
      dmin: -999, dmax: 999, dmean: 5, rms: 42, cella: [1, 1, 1], labels: ['template label'], nlabl: 1,
    });
    const rand = mulberry32(7);
    const volume = makeVolume([6, 4, 5], [0.5, 0.75, 1.1], () => rand() * 10 - 3);
    const { header, volume: back } = readMrcBuffer(encodeMrc(volume, { template }));
    assert.deepEqual([header.mapc, header.mapr, header.maps], [2, 3, 1]);
    assert.deepEqual([header.nx, header.ny, header.nz], [4, 5, 6]);
    assert.deepEqual([header.nxstart, header.nystart, header.nzstart], [7, -8, 9]);
    assert.deepEqual(header.origin, [1, 2, 3]);
    assert.equal(header.ispg, 401);
    assert.deepEqual(header.labels, ['template label']);
    assert.deepEqual(back.data, volume.data);
    for (let a = 0; a < 3; a++) assertClose(back.voxelSizeA[a], volume.voxelSizeA[a], 1e-6, `voxel ${a}`);
    // statistics in float64, rms = std about the mean (population)
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of volume.data) {
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const mean = sum / volume.data.length;
    let ss = 0;
    for (const v of volume.data) ss += (v - mean) ** 2;
    assert.equal(header.dmin, min);
    assert.equal(header.dmax, max);
    assertClose(header.dmean, mean, 1e-6, 'dmean');
    assertClose(header.rms, Math.sqrt(ss / volume.data.length), 1e-6, 'rms');
    assert.notEqual(header.rms, 42);
  });

  test('a changed box keeps the template start and origin, and explicit labels replace the template labels', () => {
    const template = makeTemplate({ nxstart: -50, nystart: -50, nzstart: -50, origin: [4, 5, 6], labels: ['old'], nlabl: 1 });
    const volume = makeVolume([3, 3, 3], [7, 7, 7], (x) => x);
    const { header } = readMrcBuffer(encodeMrc(volume, { template, labels: ['new 1', 'new 2'] }));
    assert.deepEqual([header.nxstart, header.nystart, header.nzstart], [-50, -50, -50]);
    assert.deepEqual(header.origin, [4, 5, 6]);
    assert.deepEqual(header.labels, ['new 1', 'new 2']);
    assert.deepEqual(header.cella, [21, 21, 21]);
  });

  test('writeMrc leaves no temporary file, overwrites atomically and refuses protected inputs', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-mrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const input = path.join(dir, 'in.mrc');
    const output = path.join(dir, 'out.mrc');
    const a = makeVolume([4, 5, 6], [1, 1, 1], (x, y, z) => x * y - z);
    const b = makeVolume([4, 5, 6], [1, 1, 1], (x, y, z) => x + y + z);
    await writeMrc(input, a);
    await writeMrc(output, a);
    await writeMrc(output, b);
    assert.deepEqual((await readdir(dir)).sort(), ['in.mrc', 'out.mrc']);
    assert.deepEqual((await readMrc(output)).volume.data, b.data);

    const before = await readFile(input);
    const relative = path.relative(process.cwd(), input);
    await assert.rejects(writeMrc(input, b, { protect: [relative] }), (e: unknown) => e instanceof Error && /refusing to overwrite input map/.test(e.message));
    await assert.rejects(writeMrc(path.join(dir, '.', 'in.mrc'), b, { protect: [input] }), /refusing to overwrite/);
    assert.deepEqual(await readFile(input), before);
    assert.deepEqual((await readdir(dir)).sort(), ['in.mrc', 'out.mrc']);
  });

  test('a failed write leaves no temporary file', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'occupy-mrc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // Renaming onto an existing directory fails after the temporary file was written.
    const target = path.join(dir, 'target.mrc');
    await writeFile(path.join(dir, 'keep'), '');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(target);
    await writeFile(path.join(target, 'x'), '');
    await assert.rejects(writeMrc(target, makeVolume([2, 2, 2], [1, 1, 1], () => 1)));
    assert.deepEqual((await readdir(dir)).sort(), ['keep', 'target.mrc']);
  });
});

/** Known values of real maps: expected numbers from mrcfile 1.4.3 (data[z, y, x]), numpy float64 sums. */
interface Known {
  file: string;
  box: Shape3;
  voxel: number;
  nstart: Vec3;
  origin: Vec3;
  machst: number[];
  label: string;
  min: number;
  max: number;
  mean: number;
  sum: number;
  /** [x, y, z, value] */
  voxels: [number, number, number, number][];
}

// All numbers below come from mrcfile 1.4.3 (Debian python3-mrcfile) + numpy, reading the maps in
// /work/shared/data: header fields, data.min(), data.max(), data.astype(float64).mean()/.sum(),
// data[z, y, x]. All maps are mode 2, mapc/mapr/maps 1,2,3.
const KNOWN: Known[] = [
  {
    file: 'emd_1832.map.gz', box: [64, 64, 64], voxel: 5.699999809265137, nstart: [-32, -32, -32], origin: [0, 0, 0],
    machst: [0x44, 0x41, 0, 0], label: '::::EMDATABANK.org::::EMD-1832::::',
    min: -0.15937988460063934, max: 2.052330493927002, mean: -0.0024537900722124417, sum: -643.2463446900583,
    voxels: [[32, 32, 32, -0.15937988460063934], [23, 41, 18, -0.14386600255966187], [56, 29, 27, -0.15000227093696594], [8, 33, 35, -0.13691629469394684], [30, 42, 34, 2.052330493927002], [0, 0, 0, 0]],
  },
  {
    file: 'emd_3197.map', box: [20, 20, 20], voxel: 11.399999618530273, nstart: [-2, 0, 0], origin: [0, 0, 0],
    machst: [0x44, 0x41, 0, 0], label: '::::EMDATABANK.org::::EMD-3197::::',
    min: -4.1337456703186035, max: 5.576736927032471, mean: 0.7836120336436434, sum: 6268.896269149147,
    voxels: [[0, 0, 0, -1.8013091087341309], [10, 10, 10, 0.12517012655735016], [19, 18, 17, 3.268847703933716], [3, 6, 7, 5.006401538848877], [5, 19, 4, 2.9726736545562744], [1, 6, 6, 5.576736927032471]],
  },
  {
    file: 'emd_5170.map', box: [100, 100, 100], voxel: 2.380000114440918, nstart: [-49, -49, -49], origin: [0, 0, 0],
    machst: [0x44, 0x44, 0x20, 0x20], label: '::::EMDATABANK.org::::EMD-5170::::',
    min: -0.6836730241775513, max: 2.180375099182129, mean: 0.07712513531518073, sum: 77125.13531518073,
    voxels: [[50, 50, 50, 0.8075587153434753], [3, 33, 7, -0.011395324021577835], [22, 89, 20, 0.017431793734431267], [48, 59, 60, 1.571169137954712], [59, 50, 43, 2.180375099182129]],
  },
  {
    file: 'emd_1439.map', box: [72, 72, 72], voxel: 5.179999828338623, nstart: [0, 0, 0], origin: [0, 0, 0],
    machst: [0x44, 0x41, 0x20, 0x20], label: '::::EMDATABANK.org::::EMD-1439::::',
    min: -4.226649761199951, max: 19.953489303588867, mean: -3.5545018780188307e-9, sum: -0.0013267107169667725,
    voxels: [[0, 0, 0, -0.014999841339886189], [36, 36, 36, -1.8020853996276855], [71, 70, 69, -0.03192988038063049], [3, 24, 7, -0.04977378249168396], [18, 71, 14, -0.0326351672410965], [36, 33, 28, 19.953489303588867]],
  },
  {
    file: 'nonemdb_betagal_ngl.mrc.gz', box: [100, 100, 100], voxel: 3.5399999618530273, nstart: [0, 0, 0], origin: [0, 0, 0],
    machst: [0x44, 0x41, 0, 0], label: '',
    min: -0.05296945199370384, max: 0.19695799052715302, mean: -6.782992400585911e-5, sum: -67.82992400585911,
    voxels: [[0, 0, 0, 5.419603985501453e-5], [50, 50, 50, -0.05043601617217064], [99, 98, 97, 5.129119745106436e-5], [3, 33, 7, 4.059975253767334e-5], [25, 99, 20, 3.911573003279045e-5], [44, 47, 28, 0.19695799052715302]],
  },
];

/** Skip (visibly) when the shared data folder is absent, except on CI where it must exist. */
function requireData(t: TestContext): boolean {
  if (existsSync(dataDir)) return true;
  if (process.env.CI === 'true') assert.fail(`test data folder ${dataDir} is missing (required when CI=true)`);
  t.skip(`test data folder ${dataDir} not found: real-map tests skipped`);
  return false;
}

describe('real maps (known values from mrcfile 1.4.3)', () => {
  for (const k of KNOWN) {
    test(k.file, async (t) => {
      if (!requireData(t)) return;
      const { volume, header } = await readMrc(path.join(dataDir, k.file));
      assert.deepEqual(volume.shape, k.box);
      for (let a = 0; a < 3; a++) assertClose(volume.voxelSizeA[a], k.voxel, 1e-6, `voxel size ${a}`);
      assert.deepEqual([header.nxstart, header.nystart, header.nzstart], k.nstart);
      assert.deepEqual(header.origin, k.origin);
      assert.equal(header.mode, 2);
      assert.deepEqual([...header.machst], k.machst);
      assert.equal(header.labels[0] ?? '', k.label);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const v of volume.data) {
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      }
      assert.equal(min, k.min);
      assert.equal(max, k.max);
      assertClose(sum, k.sum, 1e-6, 'sum');
      assertClose(sum / volume.data.length, k.mean, 1e-12, 'mean');
      const [nx, ny] = k.box;
      for (const [x, y, z, value] of k.voxels) assert.equal(volume.data[(z * ny + y) * nx + x], value, `voxel (${x},${y},${z})`);
    });
  }

  test('manifest statistics agree for every map in the folder', async (t) => {
    if (!requireData(t)) return;
    const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as { file: string; dims: number[]; voxel: number[]; min: number; max: number; mean: number; std: number }[];
    assert.ok(manifest.length >= 10);
    for (const m of manifest) {
      const { volume } = await readMrc(path.join(dataDir, m.file));
      assert.deepEqual(volume.shape, m.dims, m.file);
      assertClose(volume.voxelSizeA[0], m.voxel[0], 1e-5, `${m.file} voxel`);
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const v of volume.data) {
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const mean = sum / volume.data.length;
      let ss = 0;
      for (const v of volume.data) ss += (v - mean) ** 2;
      assert.equal(min, m.min, `${m.file} min`);
      assert.equal(max, m.max, `${m.file} max`);
      assertClose(mean, m.mean, 1e-9 * Math.max(1, Math.abs(m.std)), `${m.file} mean`);
      assertClose(Math.sqrt(ss / volume.data.length), m.std, 1e-7 * m.std, `${m.file} std`);
    }
  });

  test('emd_3197 written with itself as template keeps its geometry (nstart -2,0,0)', async (t) => {
    if (!requireData(t)) return;
    const src = await readMrc(path.join(dataDir, 'emd_3197.map'));
    const out = readMrcBuffer(encodeMrc(src.volume, { template: src.header }));
    assert.deepEqual(out.volume.data, src.volume.data);
    assert.deepEqual([out.header.nxstart, out.header.nystart, out.header.nzstart], [-2, 0, 0]);
    assert.deepEqual(out.header.cella, src.header.cella);
    assert.equal(out.header.labels[0], '::::EMDATABANK.org::::EMD-3197::::');
    assertClose(out.header.dmin, src.header.dmin, 0, 'dmin');
    assertClose(out.header.dmax, src.header.dmax, 0, 'dmax');
    assertClose(out.header.dmean, src.header.dmean, 1e-6, 'dmean');
    assertClose(out.header.rms, src.header.rms, 1e-5, 'rms');
  });
});
