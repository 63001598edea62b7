/**
 * The GUI server's map reader (`map-reader.ts`) runs each read in its own worker thread: the
 * thread has ended when the read settles and when `close()` (session dispose, server close)
 * resolves. Its `terminate()` had not been awaited, so the thread and its message port outlived
 * both (some 100 ms; a server closed right after a read still had a reader thread).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMrc } from '../../src/io/mrc/index.js';
import { occupancyPhantom } from '../../src/synthetic/phantom.js';
import { MapReader } from '../../src/web/server/map-reader.js';

/** Message ports alive in this process (each worker thread holds one until it has exited). */
const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
/** Threads of this process (Linux), or undefined. */
const threads = (): number | undefined => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);

describe('GUI map reader: no reader thread outlives a read or close()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-gui-reader-'));
  const mapPath = join(dir, 'm.mrc');
  const notMap = join(dir, 'notes.mrc');
  let baseline: { ports: number; threads: number | undefined };
  before(async () => {
    const { map } = occupancyPhantom({ shape: [24, 24, 24], voxelSizeA: 2, resolutionA: 6, seed: 1, domains: [{ centreVoxel: [12, 12, 12], radiusA: 8, occupancy: 1 }] });
    writeFileSync(mapPath, encodeMrc(map));
    writeFileSync(notMap, 'not a map\n');
    // a first read starts the threads every later one shares (libuv's pool); then they are counted
    const warm = new MapReader();
    await warm.read(mapPath, 'm.mrc');
    await warm.close();
    await new Promise((r) => setTimeout(r, 500));
    baseline = { ports: ports(), threads: threads() };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const gone = (when: string) => {
    assert.equal(ports(), baseline.ports, `${when}: a reader thread's message port is still open`);
    if (baseline.threads !== undefined) assert.equal(threads(), baseline.threads, `${when}: a reader thread still runs`);
  };

  it('a read, a refused read and close(): the thread has exited when each returns', async () => {
    const reader = new MapReader();
    const m = await reader.read(mapPath, 'm.mrc');
    assert.deepEqual(m.volume.shape, [24, 24, 24]);
    gone('after a read');
    await assert.rejects(reader.read(notMap, 'notes.mrc'), /cannot read 'notes\.mrc' as a map/);
    gone('after a refused read');
    // a read under way when the reader closes (the session is disposed): it fails with 503
    const during = reader.read(mapPath, 'm.mrc');
    const refused = during.then(
      () => undefined,
      (e: Error) => e,
    );
    await reader.close();
    gone('after close() during a read');
    const e = await refused;
    if (e !== undefined) assert.match(e.message, /shutting down/);
    gone('after the closed read settled');
  });
});
