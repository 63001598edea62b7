/**
 * `makeOutputFolder` / `checkOutputFolder`: an output folder is made like `mkdir -p`, and when it
 * cannot be, one line says why in the user's terms (a file in the way, a read-only file system),
 * never Node's `ENOENT: … mkdir` (what a recursive mkdir reports on a read-only file system) or
 * `EEXIST: … mkdir`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputFolder, makeOutputFolder } from '../../src/core/output-folder.js';
import { tempFolders } from '../helpers/temp-folder.js';
import { withTmpfs } from '../helpers/tmpfs.js';

const tempFolder = tempFolders('occupy-output-folder-');

test('makes missing folders and returns the first one made; an existing folder is left as it is', async () => {
  const dir = await tempFolder();
  const deep = join(dir, 'a', 'b', 'c');
  assert.equal(await makeOutputFolder(deep), join(dir, 'a'));
  assert.ok((await stat(deep)).isDirectory());
  assert.equal(await makeOutputFolder(deep), undefined);
  assert.equal(await makeOutputFolder(`${deep}/`), undefined, 'a trailing slash');
  await symlink(deep, join(dir, 'lnk'));
  assert.equal(await makeOutputFolder(join(dir, 'lnk')), undefined, 'a link to a folder is a folder');
});

test('a file in the way is named, as the user spelt the path', async () => {
  const dir = await tempFolder();
  await writeFile(join(dir, 'file'), 'x');
  for (const p of [join(dir, 'file'), `${join(dir, 'file')}/`, join(dir, 'file', 'sub', 'deeper')]) {
    await assert.rejects(makeOutputFolder(p), (err: Error) => {
      assert.equal(err.message, `cannot create output folder '${p}': '${join(dir, 'file')}' is a file`);
      return true;
    });
    await assert.rejects(checkOutputFolder(p), /is a file$/);
  }
  // relative to the working folder: the component as typed
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await assert.rejects(makeOutputFolder('file/'), { message: "cannot create output folder 'file/': 'file' is a file" });
  } finally {
    process.chdir(cwd);
  }
  await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
  await assert.rejects(makeOutputFolder(join(dir, 'dangling')), /'.*dangling' is a broken symbolic link$/);
});

test('checkOutputFolder creates nothing (its write probe is removed)', async () => {
  const dir = await tempFolder();
  await checkOutputFolder(join(dir, 'new', 'deeper'));
  await checkOutputFolder(dir);
  assert.deepEqual(await readdir(dir), []);
});

test('checkOutputFolder: a full file system (no inode left) is refused for an existing folder', async (t) => {
  const dir = await tempFolder();
  const full = join(dir, 'full');
  await withTmpfs(t, full, 'size=1M,nr_inodes=3', async () => {
    // the root folder takes one inode; fill the rest
    for (let i = 0; ; i++) {
      try {
        await writeFile(join(full, `f${i}`), '');
      } catch {
        break;
      }
    }
    await assert.rejects(checkOutputFolder(full), { message: `cannot write to output folder '${full}': no space left on device` });
  });
});

test('a read-only file system is said as such (not ENOENT)', async (t) => {
  const dir = await tempFolder();
  const ro = join(dir, 'ro');
  await withTmpfs(t, ro, 'size=1M,ro', async () => {
    const p = join(ro, 'newdir', 'sub');
    await assert.rejects(makeOutputFolder(p), { message: `cannot create output folder '${p}': read-only file system` });
    await assert.rejects(checkOutputFolder(p), { message: `cannot create output folder '${p}': read-only file system` });
    // an existing folder on it: no file can be made there (it had passed: only missing folders were checked)
    await assert.rejects(checkOutputFolder(ro), { message: `cannot write to output folder '${ro}': read-only file system` });
    await assert.rejects(checkOutputFolder(`${ro}/`), { message: `cannot write to output folder '${ro}/': read-only file system` });
  });
});

test('a folder without write permission (not root): permission denied', async (t) => {
  if (process.getuid?.() === 0) {
    t.skip('root may write anywhere');
    return;
  }
  const dir = await tempFolder();
  const locked = join(dir, 'locked');
  await mkdir(locked, { mode: 0o500 });
  await assert.rejects(makeOutputFolder(join(locked, 'x')), /: permission denied$/);
  await assert.rejects(checkOutputFolder(join(locked, 'x')), /: permission denied$/);
});
