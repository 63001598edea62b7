/**
 * CLI end to end: `occupy --emdb ID --plot --amplify g` against a local HTTP server serving a map
 * from ../shared/data at the EMDB layout (no internet).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, SHARED_DATA, skipWithoutShared } from '../helpers/shared-data.js';
import { NODE_ARGS } from '../helpers/cli.js';

const run = promisify(execFile);
const skip = skipWithoutShared();

describe('occupy --emdb --plot', { skip }, () => {
  it('downloads into the cache, estimates, modifies and plots; a missing entry fails in one line', async () => {
    const body = readFileSync(join(SHARED_DATA, 'emd_1832.map.gz'));
    const server = createServer((req, res) => {
      if (req.url === '/EMD-1832/map/emd_1832.map.gz') {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'occupy-emdb-cli-'));
    const env = { ...process.env, OCCUPY_EMDB_URL: url, XDG_CACHE_HOME: join(dir, 'cache') };
    try {
      const { stdout } = await run(process.execPath, [...NODE_ARGS, '--emdb', 'EMD-1832', '-o', join(dir, 'out', 'emd_1832.mrc'), '--amplify', '2', '--plot', '--json', '-q'], { cwd: PROJECT_ROOT, env });
      const s = JSON.parse(stdout);
      assert.equal(s.mode, 'occ');
      assert.ok(existsSync(join(dir, 'cache', 'occupy-ts', 'emdb', 'emd_1832.map.gz')));
      const out = readdirSync(join(dir, 'out')).sort();
      for (const f of ['ampl_2.0_emd_1832.mrc', 'solModel_emd_1832.png', 'solModel_emd_1832.svg', 'gamma_modification_emd_1832.png', 'gamma_modification_emd_1832.svg']) assert.ok(out.includes(f), `${f} missing from ${out}`);
      const png = readFileSync(join(dir, 'out', 'solModel_emd_1832.png'));
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.readUInt32BE(16) >= 400 && png.readUInt32BE(20) >= 300, 'PNG too small');
      const err = await run(process.execPath, [...NODE_ARGS, '--emdb', '9999', '-o', join(dir, 'out2', 'x.mrc')], { cwd: PROJECT_ROOT, env }).then(
        () => assert.fail('a missing EMDB entry must fail'),
        (e: { code: number; stderr: string }) => e,
      );
      assert.notEqual(err.code, 0);
      assert.deepEqual(err.stderr.trim().split('\n').length, 1, err.stderr);
      assert.match(err.stderr, /EMD-9999 not found .*HTTP 404/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
