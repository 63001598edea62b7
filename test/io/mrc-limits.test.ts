/**
 * The map reader and writer at their limits: non-regular files, gzip bombs, headers promising
 * more than a file can hold, and maps over 2 GiB (sparse files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { open, readdir, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { encodeMrc, encodeMrcHeader, readMrc, readMrcBuffer, writeMrc, MrcFormatError, type MrcHeader } from '../../src/io/mrc/index.js';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';

const execFileP = promisify(execFile);
const tempFolder = tempFolders('occupy-limits-');

/** A float32 header for an n³ box (1 Å voxels) as the writer makes it. */
function headerFor(n: [number, number, number]): MrcHeader {
  const bytes = encodeMrc({ data: new Float32Array(1), shape: [1, 1, 1], voxelSizeA: [1, 1, 1] });
  const h = readMrcBuffer(bytes).header;
  return { ...h, nx: n[0], ny: n[1], nz: n[2], mx: n[0], my: n[1], mz: n[2], cella: [n[0], n[1], n[2]] };
}

test('devices, pipes and folders are refused at once with one line', async (t) => {
  const dir = await tempFolder();
  await assert.rejects(readMrc('/dev/zero'), (e: Error) => e.message === "cannot read map '/dev/zero': it is a character device, not a regular file");
  await assert.rejects(readMrc(dir), (e: Error) => e.message === `cannot read map '${dir}': it is a folder, not a file`);
  const fifo = join(dir, 'pipe.mrc');
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    t.diagnostic('mkfifo not available: FIFO case skipped');
    return;
  }
  // a FIFO with no writer would block an open() forever
  await assert.rejects(readMrc(fifo), (e: Error) => e.message === `cannot read map '${fifo}': it is a named pipe (FIFO), not a regular file`);
});

/** 32³ map whose gzip stream goes on with `extraMiB` MiB of zeros (multi-member, ~1 KiB per MiB). */
function gzipBomb(extraMiB: number): Uint8Array {
  const map = encodeMrc({ data: new Float32Array(32 ** 3), shape: [32, 32, 32], voxelSizeA: [1, 1, 1] });
  const zeros = gzipSync(new Uint8Array(64 << 20), { level: 9 });
  const parts = [gzipSync(map)];
  for (let i = 0; i < extraMiB / 64; i++) parts.push(zeros);
  return Buffer.concat(parts);
}

test('a gzip bomb is refused without inflating it: from a file (streamed) and from memory', async () => {
  const dir = await tempFolder();
  const bomb = gzipBomb(2048); // 2 GiB of zeros after a 32³ map, in ~2 MB
  assert.ok(bomb.length < 4 << 20);
  const path = join(dir, 'bomb.mrc.gz');
  await writeFile(path, bomb);
  // in a child, so its peak memory can be read
  const script = `
    import { readMrc } from ${JSON.stringify(join(PROJECT_ROOT, 'src/io/mrc/index.ts'))};
    const t0 = Date.now();
    let message = '';
    try { await readMrc(${JSON.stringify(path)}); } catch (e) { message = e.message; }
    console.log(JSON.stringify({ message, maxRssMiB: process.resourceUsage().maxRSS / 1024, ms: Date.now() - t0 }));`;
  const { stdout } = await execFileP(process.execPath, ['--import', TSX, '--input-type=module', '-e', script]);
  const r = JSON.parse(stdout) as { message: string; maxRssMiB: number; ms: number };
  assert.match(r.message, /bomb\.mrc\.gz: file longer than its header says: expected 132096 bytes once inflated/);
  assert.ok(r.maxRssMiB < 400, `peak RSS ${r.maxRssMiB.toFixed(0)} MiB while refusing a 2 GiB bomb`);
  assert.throws(() => readMrcBuffer(bomb), (e: unknown) => e instanceof MrcFormatError && /file longer than its header says/.test(e.message));
  // permissive reading accepts a few trailing bytes, not gigabytes
  await assert.rejects(readMrc(path, { permissive: true }), /file longer than its header says/);
});

test('a header promising more than its gzip file can hold is refused before allocating', async () => {
  const huge = gzipSync(encodeMrcHeader(headerFor([4096, 4096, 4096]), true)); // 256 GiB promised
  assert.throws(() => readMrcBuffer(huge), /data block truncated: the header promises 274877907968 bytes \(4096x4096x4096, mode 2\), more than a \d+-byte gzip file can hold/);
  const dir = await tempFolder();
  await writeFile(join(dir, 'huge.mrc.gz'), huge);
  await assert.rejects(readMrc(join(dir, 'huge.mrc.gz')), /huge\.mrc\.gz: data block truncated: the header promises/);
  // truncated gzip stream, from a file
  const good = gzipSync(encodeMrc({ data: new Float32Array(16 ** 3).fill(1), shape: [16, 16, 16], voxelSizeA: [1, 1, 1] }));
  await writeFile(join(dir, 'cut.mrc.gz'), good.subarray(0, good.length - 20));
  await assert.rejects(readMrc(join(dir, 'cut.mrc.gz')), /cut\.mrc\.gz: (gzip data is corrupt|data block truncated)/);
});

test('streamed gzip reading decodes every mode and byte order like the in-memory reader', async () => {
  const dir = await tempFolder();
  const n = 37; // odd sizes: voxels straddle the inflater's chunks
  const data = new Float32Array(n * 41 * 29).map((_, i) => ((i * 7919) % 2001) - 1000);
  for (const mode of [0, 1, 2, 6, 12] as const) {
    for (const littleEndian of [true, false]) {
      const values = mode === 0 ? data.map((v) => Math.round(v / 10)) : mode === 6 ? data.map(Math.abs) : data;
      const file = encodeMrc({ data: values, shape: [n, 41, 29], voxelSizeA: [1, 1, 1] }, { mode, littleEndian });
      const path = join(dir, `m${mode}${littleEndian ? 'le' : 'be'}.mrc.gz`);
      await writeFile(path, gzipSync(file));
      const streamed = await readMrc(path);
      assert.deepEqual(streamed.volume.data, readMrcBuffer(file).volume.data, `mode ${mode} ${littleEndian ? 'LE' : 'BE'}`);
    }
  }
});

test('maps over 2 GiB are read and written (sparse file)', async (t) => {
  const dir = await tempFolder();
  const n = 816; // 816³ float32 = 2.17 GB > 2³¹ − 1 bytes
  const dataBytes = n ** 3 * 4;
  const { bavail, bsize } = await statfs(dir);
  if (bavail * bsize < 2 * dataBytes + (1 << 30)) {
    t.skip(`needs ${((2 * dataBytes) / 2 ** 30 + 1).toFixed(1)} GiB free in ${tmpdir()}, found ${((bavail * bsize) / 2 ** 30).toFixed(1)} GiB`);
    return;
  }
  const path = join(dir, 'big.mrc');
  const fh = await open(path, 'w');
  const probes: [number, number][] = [
    [0, 1.5],
    [2 ** 29 + 17, -2.25], // byte offset > 2³¹
    [n ** 3 - 1, 7],
  ];
  try {
    await fh.write(encodeMrcHeader(headerFor([n, n, n]), true), 0, 1024, 0);
    for (const [i, v] of probes) await fh.write(new Uint8Array(new Float32Array([v]).buffer), 0, 4, 1024 + 4 * i);
    await fh.truncate(1024 + dataBytes);
  } finally {
    await fh.close();
  }
  try {
    const m = await readMrc(path);
    assert.deepEqual(m.volume.shape, [n, n, n]);
    for (const [i, v] of probes) assert.equal(m.volume.data[i], v);
    m.volume.data[2 ** 29 + 101] = 3.5;
    const out = join(dir, 'copy.mrc');
    await writeMrc(out, m.volume, { template: m.header });
    m.volume.data = new Float32Array(0); // let it go before the second read
    const back = await readMrc(out);
    for (const [i, v] of probes) assert.equal(back.volume.data[i], v);
    assert.equal(back.volume.data[2 ** 29 + 101], 3.5);
    assert.equal(back.header.dmax, 7);
    assert.equal(back.header.dmin, -2.25);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.deepEqual(await readdir(tmpdir()).then((l) => l.includes(dir.split('/').pop()!)), false);
});
