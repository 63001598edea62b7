import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { constants as fsConstants, existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  defaultEmdbCacheDir,
  emdbMapUrl,
  fetchEmdbMap,
  normalizeEmdbId,
  verifyGzippedMap,
  DEFAULT_EMDB_BASE_URL,
} from '../../src/io/emdb/index.js';
import { MrcFormatError, readMrc } from '../../src/io/mrc/index.js';

const testDir = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(testDir, '../../../shared/data');
const sourcePath = path.join(dataDir, 'emd_1832.map.gz');
const MAP_PATH = '/EMD-1832/map/emd_1832.map.gz';

/** Skip option of the tests that need the real map: a message when absent, failure under CI=true. */
function skipWithoutMap(): false | string {
  if (existsSync(sourcePath)) return false;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${sourcePath} is missing: the EMDB download tests must run in CI`);
  return `${sourcePath} not found: EMDB download tests skipped`;
}

/** A request seen by the test server. */
interface SeenRequest {
  url: string;
  range: string | undefined;
}

/** Handler of one test server: `n` counts requests from 0. */
type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A local server on 127.0.0.1 with a request log. */
interface TestServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Start a server (http, or https with the given key and certificate) on a free port. */
async function startServer(handler: Handler, tls?: { key: string; cert: string }): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ url: req.url ?? '', range: req.headers.range });
    handler(req, res, requests.length - 1);
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/structures`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Serve `bytes` at the EMDB path of EMD-1832 with Range support; anything else is 404. */
function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, honourRange = true): void {
  if (!req.url?.endsWith(MAP_PATH)) {
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html>not found</html>');
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m && honourRange) {
    const start = Number(m[1]);
    if (start >= bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    res.writeHead(206, { 'content-length': bytes.length - start, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    res.end(bytes.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/gzip' });
  res.end(bytes);
}

/** Promise Content-Length of the whole file but send only the first half, then close. */
function serveTruncated(res: ServerResponse, bytes: Uint8Array): void {
  res.writeHead(200, { 'content-length': bytes.length });
  res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.end());
}

/** Files in a folder ([] when it does not exist). */
async function listDir(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

describe('EMDB id and URL', () => {
  test('accepts 4-5 digits with optional EMD-/emd_ prefix', () => {
    assert.equal(normalizeEmdbId('1832'), '1832');
    assert.equal(normalizeEmdbId('EMD-1832'), '1832');
    assert.equal(normalizeEmdbId('emd_11638'), '11638');
    assert.equal(
      emdbMapUrl('EMD-1832', 'https://example.org/emdb/structures/'),
      'https://example.org/emdb/structures/EMD-1832/map/emd_1832.map.gz',
    );
    assert.ok(DEFAULT_EMDB_BASE_URL.startsWith('https://'));
    assert.ok(defaultEmdbCacheDir().endsWith(path.join('occupy-ts', 'emdb')));
  });

  test('rejects invalid ids with a RangeError naming the value (no network)', async () => {
    for (const bad of ['abc', '12', '123456', 'EMD-12', '1832x', '', 'EMD_1832x']) {
      assert.throws(() => normalizeEmdbId(bad), { name: 'RangeError', message: new RegExp(`got ${JSON.stringify(bad)}`) });
    }
    await assert.rejects(fetchEmdbMap('abc', { baseUrl: 'http://127.0.0.1:9' }), { name: 'RangeError', message: /"abc"/ });
    await assert.rejects(fetchEmdbMap('12', { baseUrl: 'http://127.0.0.1:9' }), { name: 'RangeError', message: /"12"/ });
  });

  test('rejects a non-http base URL and bad retries', async () => {
    assert.throws(() => emdbMapUrl('1832', 'ftp://ftp.ebi.ac.uk/pub'), RangeError);
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: 'http://127.0.0.1:9', retries: -1 }), { name: 'RangeError', message: /retries/ });
  });
});

describe('fetchEmdbMap over a local server', { skip: skipWithoutMap() }, () => {
  let source: Buffer;
  let tmp: string;
  let savedCa: string | undefined;

  before(async () => {
    source = await readFile(sourcePath);
    tmp = await mkdtemp(path.join(tmpdir(), 'occupy-emdb-'));
    savedCa = process.env.OCCUPY_EMDB_CA;
    delete process.env.OCCUPY_EMDB_CA;
  });
  after(async () => {
    if (savedCa !== undefined) process.env.OCCUPY_EMDB_CA = savedCa;
    await rm(tmp, { recursive: true, force: true });
  });

  /** A fresh cache folder per test. */
  async function cacheFor(t: TestContext): Promise<string> {
    return mkdtemp(path.join(tmp, t.name.replace(/\W+/g, '-').slice(0, 40) + '-'));
  }

  test('downloads, reports progress to the total, and the result is the 64³ map', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const progress: [number, number | undefined][] = [];
    const file = await fetchEmdbMap('EMD-1832', { baseUrl: server.baseUrl, cacheDir, onProgress: (r, n) => progress.push([r, n]) });
    assert.equal(file, path.join(cacheDir, 'emd_1832.map.gz'));
    assert.deepEqual(await readFile(file), source);
    assert.deepEqual(progress.at(-1), [source.length, source.length]);
    assert.ok(progress.every(([r], i) => i === 0 || r >= progress[i - 1][0]), 'progress is monotonic');
    const map = await readMrc(file);
    assert.deepEqual(map.volume.shape, [64, 64, 64]);
    assert.deepEqual(await listDir(cacheDir), ['emd_1832.map.gz']);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].url, `/structures${MAP_PATH}`);

    // Second call: served from the cache, no request.
    const again = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir });
    assert.equal(again, file);
    assert.equal(server.requests.length, 1);
  });

  test('a corrupt cached file is deleted and downloaded again', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    await writeFile(path.join(cacheDir, 'emd_1832.map.gz'), source.subarray(0, 1000));
    const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir });
    assert.deepEqual(await readFile(file), source);
    assert.equal(server.requests.length, 1);
  });

  test('404 gives a clear error and leaves no files', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    await assert.rejects(fetchEmdbMap('9999', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), {
      message: `EMD-9999 not found at ${server.baseUrl}/EMD-9999/map/emd_9999.map.gz (HTTP 404)`,
    });
    assert.equal(server.requests.length, 1, '404 is not retried');
    assert.deepEqual(await listDir(cacheDir), []);
  });

  test('a truncated body is resumed with a Range request', async (t) => {
    const server = await startServer((req, res, n) => (n === 0 ? serveTruncated(res, source) : serveBytes(req, res, source)));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    let last: [number, number | undefined] = [0, undefined];
    const retried: [number, number, string][] = [];
    const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0, onProgress: (r, n) => (last = [r, n]), onRetry: (a, of, why) => retried.push([a, of, why]) });
    assert.deepEqual(await readFile(file), source);
    assert.deepEqual(last, [source.length, source.length]);
    // the failed first attempt is said (onRetry), with how many attempts there are in all
    assert.equal(retried.length, 1);
    assert.deepEqual(retried[0].slice(0, 2), [1, 4]);
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0].range, undefined);
    assert.match(server.requests[1].range ?? '', /^bytes=[1-9]\d*-$/, 'second request resumes');
    assert.deepEqual(await listDir(cacheDir), ['emd_1832.map.gz']);
  });

  test('a server that ignores Range (200) restarts from scratch', async (t) => {
    const server = await startServer((req, res, n) => (n === 0 ? serveTruncated(res, source) : serveBytes(req, res, source, false)));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 });
    assert.deepEqual(await readFile(file), source);
    assert.ok(server.requests[1].range, 'a Range request was made');
  });

  test('a server that always truncates fails after the retries, without a final file', async (t) => {
    const server = await startServer((_req, res) => serveTruncated(res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retries: 2, retryDelayMs: 0 }), {
      message: /^EMD-1832: download from .*emd_1832\.map\.gz failed after 3 attempts: connection closed after \d+ of \d+ bytes/,
    });
    assert.equal(server.requests.length, 3);
    const files = await listDir(cacheDir);
    assert.ok(!files.includes('emd_1832.map.gz'), `no final file, found ${files.join(', ')}`);
  });

  test('a gzip-compressed HTML page is rejected as not an MRC map, without leftovers', async (t) => {
    const html = gzipSync(Buffer.from('<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>'));
    const server = await startServer((req, res) => serveBytes(req, res, html));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir }), {
      message: /^EMD-1832: downloaded file is not an MRC map \(.*shorter than the MRC header/,
    });
    assert.deepEqual(await listDir(cacheDir), []);
  });

  test('a plain HTML page is rejected as not gzip data', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, Buffer.from('<!DOCTYPE html><html>error</html>')));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir }), {
      message: /^EMD-1832: downloaded file is not an MRC map \(not gzip data: expected magic bytes 1f 8b, found "<!DOCTYPE/,
    });
    assert.deepEqual(await listDir(cacheDir), []);
  });

  test('follows redirects', async (t) => {
    const server = await startServer((req, res) => {
      if (req.url?.startsWith('/old/')) res.writeHead(302, { location: req.url.replace('/old/', '/structures/') }).end();
      else serveBytes(req, res, source);
    });
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl.replace('/structures', '/old'), cacheDir });
    assert.deepEqual(await readFile(file), source);
    assert.equal(server.requests.length, 2);
  });

  test('an abort signal stops the download and keeps the part file', async (t) => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': source.length });
      res.write(source.subarray(0, 50_000)); // then stall
    });
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const controller = new AbortController();
    const onProgress = (r: number): void => {
      if (r > 0) controller.abort();
    };
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, signal: controller.signal, onProgress }), { name: 'AbortError' });
    assert.ok(!existsSync(path.join(cacheDir, 'emd_1832.map.gz')));
    assert.ok(existsSync(path.join(cacheDir, 'emd_1832.map.gz.part')), 'part file kept for a later resume');
  });

  test('two processes fetching the same map into one cache both get it whole (both had failed: one part file written by two)', async (t) => {
    // every response sends half the file, stalls 1.5 s, then the rest: the second process starts within that time
    const server = await startServer((req, res) => {
      if (!req.url?.endsWith(MAP_PATH)) return void res.writeHead(404).end();
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const start = m ? Number(m[1]) : 0;
      if (start >= source.length) return void res.writeHead(416, { 'content-range': `bytes */${source.length}` }).end();
      res.writeHead(m ? 206 : 200, { 'content-length': source.length - start, ...(m ? { 'content-range': `bytes ${start}-${source.length - 1}/${source.length}` } : {}) });
      const half = Math.max(start, source.length >> 1);
      res.write(source.subarray(start, half));
      const timer = setTimeout(() => res.end(source.subarray(half)), 1500);
      res.on('close', () => clearTimeout(timer));
    });
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const script = path.join(cacheDir, '..', `fetch-child-${process.pid}.mjs`);
    const fetchModule = path.resolve(testDir, '../../src/io/emdb/index.ts');
    await writeFile(script, `import { fetchEmdbMap } from ${JSON.stringify(fetchModule)};\nprocess.stdout.write(await fetchEmdbMap('1832', { baseUrl: process.argv[2], cacheDir: process.argv[3], retryDelayMs: 0, retries: 1 }));\n`);
    const child = () =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', script, server.baseUrl, cacheDir], { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    const runs = await Promise.all([child(), child()]);
    for (const r of runs) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, path.join(cacheDir, 'emd_1832.map.gz'));
    }
    assert.deepEqual(await readFile(path.join(cacheDir, 'emd_1832.map.gz')), source);
    assert.deepEqual(await listDir(cacheDir), ['emd_1832.map.gz'], 'no part file, no lock left');
    assert.equal(server.requests.length, 1, 'downloaded once: the second process waited and found it cached');
  });

  test('a cache that cannot be made or written is named as the download cache (it read \'cannot create output folder\' or raw errno text)', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const base = await cacheFor(t);
    await writeFile(path.join(base, 'file'), 'x');
    const under = path.join(base, 'file', 'emdb');
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir: under, retryDelayMs: 0 }), {
      message: `EMD-1832: cannot create the EMDB download cache '${under}': '${path.join(base, 'file')}' is a file`,
    });
    // a folder in the way of the part file: the write fails in the cache, said so
    const cacheDir = path.join(base, 'cache');
    await mkdir(path.join(cacheDir, 'emd_1832.map.gz.part'), { recursive: true });
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), (err: Error) => {
      assert.match(err.message, new RegExp(`^EMD-1832: cannot write to the EMDB download cache '${cacheDir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}': `));
      assert.doesNotMatch(err.message, /E[A-Z]{3,}:/, 'no errno text');
      return true;
    });
    assert.deepEqual(await listDir(cacheDir), ['emd_1832.map.gz.part'], 'no lock left');
  });

  test('OCCUPY_EMDB_CA naming a FIFO or a device is refused at once (a FIFO had blocked for ever, /dev/zero filled the memory)', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    const fifo = path.join(cacheDir, '..', `ca-${process.pid}.pem`);
    execFileSync('mkfifo', [fifo]);
    t.after(() => rm(fifo, { force: true }));
    process.env.OCCUPY_EMDB_CA = fifo;
    t.after(() => delete process.env.OCCUPY_EMDB_CA);
    // a writer after 5 s, only if a reader is waiting (non-blocking open): the old code read the FIFO
    // and went on (5 s, not 1: the refusal takes some 30 ms, and the bound is the writer's time, which a
    // loaded machine's pause of a second must not reach)
    const writer = setTimeout(() => {
      void open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK).then(async (h) => {
        await h.write('x');
        await h.close();
      }, () => undefined);
    }, 5000);
    t.after(() => clearTimeout(writer));
    const t0 = Date.now();
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), {
      message: `cannot read OCCUPY_EMDB_CA '${fifo}': it is a named pipe (FIFO), not a regular file`,
    });
    assert.ok(Date.now() - t0 < 5000, `refused after ${Date.now() - t0} ms`);
    process.env.OCCUPY_EMDB_CA = '/dev/zero';
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), { message: "cannot read OCCUPY_EMDB_CA '/dev/zero': it is a character device, not a regular file" });
    process.env.OCCUPY_EMDB_CA = path.join(cacheDir, 'no-such-ca.pem');
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), { message: `cannot read OCCUPY_EMDB_CA '${process.env.OCCUPY_EMDB_CA}': no such file` });
    assert.equal(server.requests.length, 0);
  });

  test('OCCUPY_EMDB_CA is the path of a PEM file, as the README says (PEM text in the variable is refused as a file that is not there)', async (t) => {
    const readme = await readFile(path.join(testDir, '..', '..', 'README.md'), 'utf8');
    assert.match(readme.replace(/\s+/g, ' '), /`OCCUPY_EMDB_CA` \(the path of a PEM file with an extra trusted CA, e\.g\. a site proxy's; not the PEM text itself\)/);
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    process.env.OCCUPY_EMDB_CA = '-----BEGIN CERTIFICATE-----';
    t.after(() => delete process.env.OCCUPY_EMDB_CA);
    await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), /cannot read OCCUPY_EMDB_CA '-----BEGIN CERTIFICATE-----': .*no such file/);
    assert.equal(server.requests.length, 0);
  });

  test('a kept part that is not the start of the map (damaged, or the entry updated since) is fetched again from scratch in the same call (it had failed the run)', async (t) => {
    const server = await startServer((req, res) => serveBytes(req, res, source));
    t.after(() => server.close());
    const cacheDir = await cacheFor(t);
    // 5000 bytes of another file: resumed with Range, the result is no gzip stream
    await writeFile(path.join(cacheDir, 'emd_1832.map.gz.part'), Buffer.alloc(5000, 0x36));
    const retried: string[] = [];
    const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0, onRetry: (_a, _n, reason) => retried.push(reason) });
    assert.deepEqual(await readFile(file), source);
    assert.deepEqual(server.requests.map((r) => r.range), ['bytes=5000-', undefined], 'resumed, then once more from the start');
    assert.equal(retried.length, 1);
    assert.match(retried[0], /partial download kept from an earlier run was not the start of this map/);
    assert.deepEqual(await listDir(cacheDir), ['emd_1832.map.gz']);
  });

  test('verifyGzippedMap checks header and size of large maps, and rejects a truncated stream', async () => {
    const full = await verifyGzippedMap(sourcePath);
    const headerOnly = await verifyGzippedMap(sourcePath, { fullParseMaxBytes: 0 });
    for (const v of [full, headerOnly]) {
      assert.deepEqual(v.box, [64, 64, 64]);
      assert.equal(v.mode, 2);
      assert.equal(v.decompressedBytes, 1024 + 4 * 64 ** 3);
      assert.equal(v.compressedBytes, source.length);
    }
    const cut = path.join(tmp, 'cut.map.gz');
    await writeFile(cut, source.subarray(0, source.length - 100));
    await assert.rejects(verifyGzippedMap(cut), (err: unknown) => err instanceof MrcFormatError && /gzip data is corrupt or incomplete/.test(err.message));
    // Complete gzip stream whose MRC data block is short: caught by both paths.
    const short = path.join(tmp, 'short.map.gz');
    const { gunzipSync } = await import('node:zlib');
    await writeFile(short, gzipSync(gunzipSync(source).subarray(0, 1024 + 1000)));
    await assert.rejects(verifyGzippedMap(short), /data block truncated/);
    await assert.rejects(verifyGzippedMap(short, { fullParseMaxBytes: 0 }), /data block truncated/);
  });

  describe('HTTPS with a self-signed certificate', () => {
    let tls: { key: string; cert: string } | undefined;
    let skip: string | false = false;
    before(async () => {
      const dir = await mkdtemp(path.join(tmp, 'tls-'));
      const keyPath = path.join(dir, 'key.pem');
      const certPath = path.join(dir, 'cert.pem');
      try {
        execFileSync(
          'openssl',
          ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
          { stdio: 'ignore' },
        );
        tls = { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8') };
      } catch (err) {
        skip = `openssl not available (${(err as Error).message}): HTTPS test skipped`;
      }
    });

    test('verification is on without ca, and an extra ca (option or OCCUPY_EMDB_CA) is trusted', async (t) => {
      if (skip || !tls) {
        t.skip(skip || 'no certificate');
        return;
      }
      const server = await startServer((req, res) => serveBytes(req, res, source), tls);
      t.after(() => server.close());
      const cacheDir = await cacheFor(t);
      await assert.rejects(fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, retryDelayMs: 0 }), {
        message: /^EMD-1832: TLS certificate verification failed for https:.*self.signed/i,
      });
      assert.equal(server.requests.length, 0, 'no request got through');
      assert.deepEqual(await listDir(cacheDir), []);

      const file = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir, ca: tls.cert });
      assert.deepEqual(await readFile(file), source);

      const cacheDir2 = await cacheFor(t);
      const caPath = path.join(cacheDir, 'ca.pem');
      await writeFile(caPath, tls.cert);
      process.env.OCCUPY_EMDB_CA = caPath;
      try {
        const file2 = await fetchEmdbMap('1832', { baseUrl: server.baseUrl, cacheDir: cacheDir2 });
        assert.equal((await stat(file2)).size, source.length);
      } finally {
        delete process.env.OCCUPY_EMDB_CA;
      }
    });
  });
});
