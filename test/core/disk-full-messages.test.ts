/**
 * Disk-full messages of the batch's record files say "no space left on device" and name the file,
 * as every other ENOSPC message does: a sweep (session 51) had found Node's raw errno text in two,
 * `…/record.json': ENOSPC: no space left on device, write` (`writeNewFileSynced`) and
 * `cannot append to '…/results.jsonl': ENOSPC: no space left on device, write` (`appendRecord`),
 * which the CLI's safety net (`withoutErrnoText`) passed through because the tail names no path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNewFileSynced } from '../../src/core/atomic-write.js';
import { appendRecord } from '../../src/batch/results-file.js';
import type { BatchRecord } from '../../src/batch/record.js';
import { withoutErrnoText } from '../../src/cli/index.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { withTmpfs } from '../helpers/tmpfs.js';

const tempFolder = tempFolders('occupy-disk-full-');

/** Fill the file system of `dir` (one file, written until ENOSPC). */
async function fillUp(dir: string): Promise<void> {
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; ; i++) {
    try {
      await writeFile(join(dir, `fill${i}`), chunk);
    } catch {
      return;
    }
  }
}

test('record.json and results.jsonl on a full disk: "no space left on device", naming the file, no errno text', async (t) => {
  const dir = await tempFolder();
  const disk = join(dir, 'disk');
  await withTmpfs(t, disk, 'size=64k', async () => {
    await fillUp(disk);
    const record = join(disk, 'record.json');
    await assert.rejects(writeNewFileSynced(record, 'x'.repeat(20000)), (err: NodeJS.ErrnoException) => {
      assert.equal(err.message, `cannot write '${record}': no space left on device`);
      assert.equal(err.code, 'ENOSPC', 'the code is kept for callers that branch on it');
      return true;
    });
    // the file it made goes with the failure (session 58: an empty one was left, e.g. a batch lock's side file)
    assert.ok(!(await readdir(disk)).includes('record.json'), 'an empty record.json left');
    const results = join(disk, 'results.jsonl');
    const rec = { id: 'a', status: 'ok', message: 'x'.repeat(20000) } as unknown as BatchRecord;
    await assert.rejects(appendRecord(results, rec), { message: `cannot append to '${results}': no space left on device` });
    assert.ok((await readdir(disk)).every((f) => f.startsWith('fill') || f === 'record.json' || f === 'results.jsonl'));
  });
});

test('withoutErrnoText words an errno tail without a path when the message names the file', async () => {
  assert.equal(await withoutErrnoText("cannot append to '/b/results.jsonl': ENOSPC: no space left on device, write"), "cannot append to '/b/results.jsonl': no space left on device");
  assert.equal(await withoutErrnoText("cannot write '/b/x': EIO: i/o error, write"), "cannot write '/b/x': i/o error");
  // no file named anywhere: left as it is (the errno text is then all there is)
  assert.equal(await withoutErrnoText('EIO: i/o error, write'), 'EIO: i/o error, write');
});
