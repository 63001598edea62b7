/**
 * The one input-file check (src/core/regular-file.ts): a regular file passes; anything else is
 * refused in one wording that names the file and what is there (session 55: the map reader, the
 * STAR reader, star join, OCCUPY_EMDB_CA and batch had each said it their own way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notRegularFileReason, statRegularFile, statRegularFileSync } from '../../src/core/regular-file.js';

test('statRegularFile: a file (also through a link) passes; a folder, device, FIFO, socket or missing path is named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-regular-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a.mrc');
  writeFileSync(file, 'x');
  symlinkSync(file, join(dir, 'link.mrc'));
  symlinkSync(join(dir, 'gone'), join(dir, 'dangling.mrc'));
  assert.equal((await statRegularFile(file, 'map')).size, 1);
  assert.equal(statRegularFileSync(join(dir, 'link.mrc'), 'map').size, 1);
  const cases: [string, string][] = [
    [dir, 'it is a folder, not a file'],
    ['/dev/zero', 'it is a character device, not a regular file'],
    [join(dir, 'none.mrc'), 'no such file'],
    [join(dir, 'dangling.mrc'), 'no such file'],
  ];
  try {
    execFileSync('mkfifo', [join(dir, 'p.mrc')]);
    cases.push([join(dir, 'p.mrc'), 'it is a named pipe (FIFO), not a regular file']);
  } catch {
    t.diagnostic('mkfifo not available: FIFO case skipped');
  }
  const server = createServer();
  await new Promise<void>((done) => server.listen(join(dir, 's.mrc'), done));
  t.after(() => server.close());
  cases.push([join(dir, 's.mrc'), 'it is a socket, not a regular file']);
  for (const [path, reason] of cases) {
    const message = `cannot read map '${path}': ${reason}`;
    await assert.rejects(statRegularFile(path, 'map'), { message }, path);
    assert.throws(() => statRegularFileSync(path, 'map'), { message }, path);
  }
  // the path as the user typed it is the one shown
  await assert.rejects(statRegularFile(dir, 'batch input', 'in/'), { message: "cannot read batch input 'in/': it is a folder, not a file" });
  assert.equal(notRegularFileReason({ isFile: () => false, isDirectory: () => false, isCharacterDevice: () => false, isBlockDevice: () => false, isFIFO: () => false, isSocket: () => false }), 'it is not a regular file');
});
