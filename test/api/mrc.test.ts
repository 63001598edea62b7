/**
 * readMrc / writeMrc of the public API: round trips with the origin, bytes in memory, the
 * template's header, and typed errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MrcFormatError, OptionError, readMrc, writeMrc, type Volume } from '../../src/index.js';
import { encodeMrc, parseMrcHeader } from '../../src/io/mrc/index.js';
import { mulberry32 } from '../../src/math/random.js';

function randomVolume(shape: [number, number, number], seed: number): Volume {
  const rand = mulberry32(seed);
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { data, shape, voxelSizeA: [1.1, 1.2, 1.3], originA: [10.5, -3.25, 7] };
}

describe('readMrc / writeMrc', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-api-mrc-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips data, box, voxel size and originA through a file and through bytes', async () => {
    const v = randomVolume([7, 5, 3], 1);
    const path = join(dir, 'a.mrc');
    await writeMrc(path, v);
    const fromFile = await readMrc(path);
    const fromBytes = await readMrc(new Uint8Array(await readFile(path)));
    for (const r of [fromFile, fromBytes]) {
      assert.deepEqual(r.shape, v.shape);
      assert.deepEqual(r.data, v.data);
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(r.voxelSizeA[i] - v.voxelSizeA[i]) < 1e-5, `voxel ${i}`);
        assert.equal(r.originA[i], v.originA[i]);
      }
    }
    // stored in the header's origin field (Å), start indices 0
    assert.deepEqual([...fromFile.header.origin], [10.5, -3.25, 7]);
    assert.deepEqual([fromFile.header.nxstart, fromFile.header.nystart, fromFile.header.nzstart], [0, 0, 0]);
  });

  it('gives originA from the start indices when the origin field is 0, per physical axis', async () => {
    // a file in axis order Z, X, Y (mapc 3, mapr 1, maps 2) with starts in that file order
    const v = randomVolume([4, 6, 8], 2);
    const template = parseMrcHeader(encodeMrc({ ...v }, {}), true);
    const bytes = encodeMrc(v, { template: { ...template, mapc: 3, mapr: 1, maps: 2, nxstart: -4, nystart: 5, nzstart: 2, origin: [0, 0, 0] } });
    const r = await readMrc(bytes);
    assert.deepEqual(r.shape, [4, 6, 8]);
    assert.deepEqual(r.data, v.data);
    // columns (nxstart) run along Z, rows (nystart) along X, sections (nzstart) along Y
    const expected = [5 * 1.1, 2 * 1.2, -4 * 1.3];
    r.originA.forEach((o, i) => assert.ok(Math.abs(o - expected[i]) < 1e-4, `origin ${i}: ${o} vs ${expected[i]}`));
    // written back like the input: axis order and start indices kept, origin field still 0
    const out = join(dir, 'like.mrc');
    await writeMrc(out, r, { like: r });
    const back = await readMrc(out);
    assert.deepEqual([back.header.mapc, back.header.mapr, back.header.maps], [3, 1, 2]);
    assert.deepEqual([back.header.nxstart, back.header.nystart, back.header.nzstart], [-4, 5, 2]);
    assert.deepEqual(back.data, v.data);
    back.originA.forEach((o, i) => assert.ok(Math.abs(o - expected[i]) < 1e-4));
    // a volume moved elsewhere: like's axis order, the new origin in the origin field
    await writeMrc(out, { ...r, originA: [1, 2, 3] }, { like: r });
    const moved = await readMrc(out);
    assert.deepEqual(moved.originA, [1, 2, 3]);
    assert.deepEqual([moved.header.mapc, moved.header.mapr, moved.header.maps], [3, 1, 2]);
  });

  it('defaults originA to 0 when the input has none', async () => {
    const v = randomVolume([3, 3, 3], 3);
    const path = join(dir, 'no-origin.mrc');
    await writeMrc(path, { data: v.data, shape: v.shape, voxelSizeA: v.voxelSizeA });
    assert.deepEqual((await readMrc(path)).originA, [0, 0, 0]);
  });

  it('throws MrcFormatError for a broken file, prefixed with its path', async () => {
    const path = join(dir, 'truncated.mrc');
    const bytes = encodeMrc(randomVolume([8, 8, 8], 4));
    await writeFile(path, bytes.subarray(0, bytes.length - 4));
    await assert.rejects(readMrc(path), (e: unknown) => e instanceof MrcFormatError && e.message.startsWith(path) && /truncated/.test(e.message));
    await assert.rejects(readMrc(new Uint8Array(100)), MrcFormatError);
  });

  it('a header without a voxel size (zero cell): the message gives the library\'s way, not --angpix', async () => {
    // before: "give it with --angpix, or fix the header with occupy pixel-size set MAP --angpix A"
    const bytes = encodeMrc(randomVolume([8, 8, 8], 4));
    bytes.fill(0, 40, 52); // cella
    const path = join(dir, 'zero-cell.mrc');
    await writeFile(path, bytes);
    for (const source of [path, bytes]) {
      await assert.rejects(readMrc(source), (e: unknown) => e instanceof MrcFormatError && /the voxel size is unknown: read the map with permissive: true \(voxels of 1 Å\) and set its voxelSizeA\)$/.test(e.message) && !/--/.test(e.message));
    }
    const v = await readMrc(path, { permissive: true });
    assert.deepEqual(v.voxelSizeA, [1, 1, 1]);
  });

  it('writeMrc refuses data the file would lose: NaN/±Infinity voxels, values outside an integer mode; nothing written', async () => {
    // before: NaN written as float32 (readMrc then refused the file) or as 0 in mode 1; modes 0, 1
    // and 6 rounded and saturated silently (−50000…54000 → −128…127 in mode 0; a map in
    // −0.106…0.221 read back all 0 from mode 6), while mode 12 refused its overflow
    const sub = join(dir, 'lossy');
    const base = randomVolume([6, 5, 4], 9); // values in (−1, 1)
    const withNaN = { ...base, data: base.data.map((x, i) => (i === 3 ? Number.NaN : i === 8 ? Number.POSITIVE_INFINITY : x)) };
    for (const mode of [undefined, 0, 1, 2, 6, 12] as const) {
      await assert.rejects(writeMrc(join(sub, 'nan.mrc'), withNaN, mode === undefined ? {} : { mode }), (e: unknown) => e instanceof OptionError && e.option === 'volume.data' && /^volume\.data has 2 NaN\/±Infinity voxels/.test(e.message), String(mode));
    }
    const scaled = (k: number, shift = 0) => ({ ...base, data: base.data.map((x) => k * x + shift) });
    for (const [v, mode, range] of [[scaled(54000), 0, /int8 holds integers -128…127/], [scaled(40000), 1, /int16 holds integers -32768…32767/], [base, 6, /uint16 holds integers 0…65535/], [scaled(1, 65535), 6, /uint16/], [scaled(70000), 12, /float16 holds ±65504/]] as const) {
      await assert.rejects(writeMrc(join(sub, 'range.mrc'), v, { mode }), (e: unknown) => e instanceof OptionError && e.option === 'mode' && e.value === mode && range.test(e.message) && /use mode 2 \(float32\) or scale the map$/.test(e.message), `mode ${mode}`);
    }
    await assert.rejects(readFile(join(sub, 'nan.mrc')), { code: 'ENOENT' });
    await assert.rejects(readFile(join(sub, 'range.mrc')), { code: 'ENOENT' });
    // within range: written, rounded to integers
    const p = join(dir, 'int.mrc');
    await writeMrc(p, scaled(100, 0.2), { mode: 0 });
    const back = await readMrc(p);
    for (let i = 0; i < back.data.length; i++) assert.equal(back.data[i], Math.round(100 * base.data[i] + 0.2) || 0);
    // NaN on purpose: allowNonFinite in the float modes, read back with readMrc's own
    const q = join(dir, 'nan-allowed.mrc');
    await writeMrc(q, withNaN, { allowNonFinite: true });
    assert.ok(Number.isNaN((await readMrc(q, { allowNonFinite: true })).data[3]));
    await assert.rejects(writeMrc(q, withNaN, { allowNonFinite: true, mode: 1 }), (e: unknown) => e instanceof OptionError && e.option === 'volume.data' && /mode 1 \(int16\) cannot store them/.test(e.message));
  });

  it('writeMrc: a path ending in / is refused (OptionError path); an unwritable folder is reported with the user\'s path, not the temporary file\'s', async (t) => {
    // before: '/x/slashdir/' created a regular file 'slashdir'; /proc/x.mrc reported
    // "ENOENT: no such file or directory, open '/proc/.x.mrc.29851….tmp'"
    const v = randomVolume([4, 4, 4], 2);
    const folder = join(dir, 'slashdir');
    await assert.rejects(writeMrc(`${folder}/`, v), (e: unknown) => e instanceof OptionError && e.option === 'path' && e.value === `${folder}/` && /names a folder/.test(e.message));
    await assert.rejects(readFile(folder), { code: 'ENOENT' });
    if (process.platform !== 'linux') return t.skip('needs /proc');
    for (const p of ['/proc/occupy-test.mrc', '/proc/occupy-test.mrc.gz']) {
      await assert.rejects(writeMrc(p, v), (e: unknown) => e instanceof Error && e.message === `cannot write '${p}': no file can be created in '/proc' (no such file or directory)`);
    }
  });

  it('throws TypeError / OptionError naming the field of an invalid volume, and writes nothing', async () => {
    const path = join(dir, 'bad.mrc');
    await assert.rejects(writeMrc(path, { data: new Float32Array(5), shape: [2, 2, 2], voxelSizeA: [1, 1, 1] }), (e: unknown) => e instanceof TypeError && /^volume\.data must be a Float32Array of length nx\*ny\*nz = 8, got length 5$/.test(e.message));
    await assert.rejects(writeMrc(path, { data: new Float64Array(8) as unknown as Float32Array, shape: [2, 2, 2], voxelSizeA: [1, 1, 1] }), (e: unknown) => e instanceof TypeError && /got Float64Array/.test(e.message));
    await assert.rejects(writeMrc(path, { data: new Float32Array(8), shape: [2, 0, 2], voxelSizeA: [1, 1, 1] }), (e: unknown) => e instanceof OptionError && e.option === 'volume.shape');
    await assert.rejects(writeMrc(path, { data: new Float32Array(8), shape: [2, 2, 2], voxelSizeA: [1, 0, 1] }), (e: unknown) => e instanceof OptionError && e.option === 'volume.voxelSizeA');
    await assert.rejects(readFile(path), { code: 'ENOENT' });
  });
});

it('readMrc of a wrong source type: one short line naming the type (a 128³ Float32Array had put 8 million characters in the message)', async () => {
  await assert.rejects(readMrc(new Float32Array(128 ** 3) as unknown as Uint8Array), (e: Error) => e instanceof TypeError && e.message === 'source must be a file path or a Uint8Array of the file, got Float32Array of length 2097152');
  await assert.rejects(readMrc({ path: 'x.mrc' } as unknown as string), (e: Error) => e instanceof TypeError && /got an object$/.test(e.message));
});
