/**
 * Output sets: nothing under a final name until the whole set is complete; failures and signals
 * remove what the run wrote; inputs are protected as files, not path strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { link, lstat, mkdir, readdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputSet, refuseInputs, withOutputSet } from '../../src/core/output-set.js';
import { writeFileAtomic } from '../../src/core/atomic-write.js';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';
import { tempFolders } from '../helpers/temp-folder.js';

const tempFolder = tempFolders('occupy-outset-');

test('staged files appear only on commit, all together', async () => {
  const dir = await tempFolder();
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'a.txt'), 'alpha');
  await set.write(join(dir, 'sub', 'b.bin'), async (out) => {
    await out.write(new Uint8Array([1, 2, 3]));
    await out.write(new Uint8Array([4]));
    assert.equal(out.bytesWritten, 4);
  });
  // before the commit: only hidden temporary files
  const before = [...(await readdir(dir)), ...(await readdir(join(dir, 'sub')))];
  assert.ok(before.filter((n) => n !== 'sub').every((n) => n.startsWith('.') && n.endsWith('.tmp')), before.join(','));
  const paths = await set.commit();
  assert.deepEqual(paths, [join(dir, 'a.txt'), join(dir, 'sub', 'b.bin')]);
  assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'alpha');
  assert.deepEqual([...(await readFile(join(dir, 'sub', 'b.bin')))], [1, 2, 3, 4]);
  assert.deepEqual((await readdir(dir)).sort(), ['a.txt', 'sub']);
});

test('a failure part-way leaves no file of the set, under any name', async () => {
  const dir = await tempFolder();
  await assert.rejects(
    withOutputSet({}, async (set) => {
      await set.writeBytes(join(dir, 'first.mrc'), 'complete');
      await set.write(join(dir, 'second.mrc'), async (out) => {
        await out.write(new Uint8Array(100));
        throw new Error('disk went away');
      });
    }),
    /cannot write '.*second\.mrc': disk went away/,
  );
  assert.deepEqual(await readdir(dir), []);
});

test('a rename that fails during commit removes the files already renamed', async () => {
  const dir = await tempFolder();
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'a.mrc'), 'a');
  await set.writeBytes(join(dir, 'b.mrc'), 'b');
  await mkdir(join(dir, 'b.mrc')); // appears after staging: the second rename fails
  await writeFile(join(dir, 'b.mrc', 'keep'), 'not ours');
  await assert.rejects(set.commit(), /cannot write '.*b\.mrc': is a folder/);
  assert.deepEqual((await readdir(dir)).sort(), ['b.mrc']);
  assert.deepEqual(await readdir(join(dir, 'b.mrc')), ['keep']);
});

test('an output that is an existing folder is refused before anything is written', async () => {
  const dir = await tempFolder();
  await mkdir(join(dir, 'out.mrc'));
  await assert.rejects(writeFileAtomic(join(dir, 'out.mrc'), 'x'), /cannot write '.*out\.mrc': is a folder/);
  assert.deepEqual(await readdir(dir), ['out.mrc']);
});

test('an output that is a device or a FIFO (or a link to one) is refused, and the node stays what it was', async () => {
  const dir = await tempFolder();
  const fifo = join(dir, 'pipe.mrc');
  execFileSync('mkfifo', [fifo]);
  await symlink('/dev/null', join(dir, 'null.mrc'));
  await assert.rejects(writeFileAtomic(fifo, 'x'), /cannot write '.*pipe\.mrc': not a regular file \(a named pipe \(FIFO\)\)/);
  // a link is refused as a link (the rename would replace it), whatever it leads to
  await assert.rejects(writeFileAtomic(join(dir, 'null.mrc'), 'x'), /cannot write '.*null\.mrc': is a symbolic link \(to '\/dev\/null'\)/);
  assert.ok((await lstat(fifo)).isFIFO());
  assert.ok((await lstat(join(dir, 'null.mrc'))).isSymbolicLink());
  assert.ok((await stat('/dev/null')).isCharacterDevice());
  assert.deepEqual((await readdir(dir)).sort(), ['null.mrc', 'pipe.mrc']);
});

test('inputs are compared as files: a symlinked folder or a hard link cannot reach them', async () => {
  const dir = await tempFolder();
  const input = join(dir, 'in.mrc');
  await writeFile(input, 'input bytes');
  await symlink('.', join(dir, 'lnk'));
  await link(input, join(dir, 'hard.mrc'));
  for (const out of [join(dir, 'lnk', 'in.mrc'), join(dir, 'lnk', 'lnk', 'hard.mrc'), join(dir, '.', 'in.mrc')]) {
    await assert.rejects(refuseInputs(out, [input], 'input map'), /refusing to overwrite input map/, out);
    await assert.rejects(withOutputSet({ protect: [input] }, (set) => set.writeBytes(out, 'clobber')), /refusing to overwrite input/, out);
  }
  assert.equal(await readFile(input, 'utf8'), 'input bytes');
  await refuseInputs(join(dir, 'other.mrc'), [input]); // a new name is fine
});

/** Start a child that stages a file and waits; resolves once the temporary file exists. */
function stagedChild(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const script = `
    import { OutputSet } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/output-set.ts'))};
    import { installSignalCleanup } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/signal-cleanup.ts'))};
    installSignalCleanup();
    const set = new OutputSet();
    await set.writeBytes(${JSON.stringify(join(dir, 'done.mrc'))}, new Uint8Array(1 << 20));
    await set.write(${JSON.stringify(join(dir, 'partial.mrc'))}, async (out) => {
      await out.write(new Uint8Array(1 << 20));
      process.stdout.write('staged\\n');
      await new Promise(() => setInterval(() => {}, 1000));
    });`;
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('staged')) child.kill(signal);
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stderr }));
  });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} while writing removes the temporary files and exits ${code}`, async () => {
    const dir = await tempFolder();
    const r = await stagedChild(dir, signal);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, new RegExp(`^occupy: interrupted by ${signal}; removed 2 unfinished output files\\n$`));
    assert.deepEqual(await readdir(dir), []);
  });
}

/** Three earlier outputs in a folder, and a set that replaces them ('new' contents), staged. */
async function earlierAndStaged(dir: string): Promise<OutputSet> {
  for (const n of ['a', 'b', 'c']) await writeFile(join(dir, `${n}.mrc`), `old ${n}`);
  const set = new OutputSet();
  for (const n of ['a', 'b', 'c']) await set.writeBytes(join(dir, `${n}.mrc`), `new ${n}`);
  return set;
}

test('a commit that fails part-way puts the earlier outputs back: the folder holds the earlier set, not a mix', async () => {
  const dir = await tempFolder();
  const set = await earlierAndStaged(dir);
  // b's staged file disappears: its rename fails after a.mrc was replaced
  const tempB = (await readdir(dir)).find((f) => f.startsWith('.b.mrc.') && f.endsWith('.tmp')) as string;
  await unlink(join(dir, tempB));
  await assert.rejects(set.commit(), /cannot write '.*b\.mrc'/);
  assert.deepEqual((await readdir(dir)).sort(), ['a.mrc', 'b.mrc', 'c.mrc']);
  for (const n of ['a', 'b', 'c']) assert.equal(await readFile(join(dir, `${n}.mrc`), 'utf8'), `old ${n}`);
});

test('a signal during a commit leaves the earlier set or the new one whole, never a mix, and no hidden file', async () => {
  // 200 outputs replace 200 earlier ones; the child signals itself as soon as the folder changes
  // after the commit has begun (fs.watch), i.e. part-way through the renames
  const dir = await tempFolder();
  const script = `
    import { OutputSet } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/output-set.ts'))};
    import { installSignalCleanup } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/signal-cleanup.ts'))};
    import { writeFile } from 'node:fs/promises';
    import { watch } from 'node:fs';
    installSignalCleanup();
    const dir = ${JSON.stringify(dir)};
    const names = Array.from({ length: 200 }, (_, i) => 'm' + String(i).padStart(3, '0'));
    for (const n of names) await writeFile(dir + '/' + n + '.mrc', 'old ' + n);
    const set = new OutputSet();
    for (const n of names) await set.writeBytes(dir + '/' + n + '.mrc', 'new ' + n);
    watch(dir, () => process.kill(process.pid, 'SIGTERM'));
    await set.commit();
    process.stderr.write('commit completed before the signal\\n');
    await new Promise(() => setInterval(() => {}, 1000));`;
  const r = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
  assert.equal(r.code, 143, r.stderr);
  assert.doesNotMatch(r.stderr, /commit completed/);
  const files = (await readdir(dir)).sort();
  assert.equal(files.length, 200, `hidden or missing files: ${files.filter((f) => !/^m\d{3}\.mrc$/.test(f)).join(', ')}`);
  const contents = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  const kinds = new Set(contents.map((c) => c.split(' ')[0]));
  assert.deepEqual([...kinds], ['old'], `the earlier set is not whole: ${contents.filter((c) => c.startsWith('new')).length} new files`);
});

test('concurrent writes to one name (a library caller): the last complete file, no hidden file left', async () => {
  const { writeMrc, readMrc } = await import('../../src/io/mrc/index.js');
  const dir = await tempFolder();
  {
    const vols = [1, 2, 3, 4, 5].map((k) => ({ data: new Float32Array(16 ** 3).fill(k), shape: [16, 16, 16] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] }));
    for (let round = 0; round < 5; round++) await Promise.all(vols.map((v) => writeMrc(join(dir, 'out.mrc'), v)));
    assert.deepEqual(await readdir(dir), ['out.mrc']);
    const back = await readMrc(join(dir, 'out.mrc'));
    assert.ok([1, 2, 3, 4, 5].includes(back.volume.data[0]) && back.volume.data.every((x) => x === back.volume.data[0]));
  }
});

test('folders a failed set made are removed again (when empty, innermost first); folders that existed or hold other files stay', async () => {
  const dir = await tempFolder();
  await mkdir(join(dir, 'kept'));
  await assert.rejects(
    withOutputSet({}, async (set) => {
      await set.writeBytes(join(dir, 'a', 'b', 'c', 'one.mrc'), 'complete');
      await set.writeBytes(join(dir, 'kept', 'new', 'two.mrc'), 'complete');
      await set.write(join(dir, 'a', 'b', 'three.mrc'), async () => {
        throw new Error('disk went away');
      });
    }),
    /disk went away/,
  );
  assert.deepEqual((await readdir(dir)).sort(), ['kept']);
  assert.deepEqual(await readdir(join(dir, 'kept')), []);
  // a folder the set made that another writer used meanwhile stays, with that file
  const set = new OutputSet();
  await set.writeBytes(join(dir, 'shared', 'mine.mrc'), 'x');
  await writeFile(join(dir, 'shared', 'theirs.mrc'), 'y');
  await set.abort();
  assert.deepEqual(await readdir(join(dir, 'shared')), ['theirs.mrc']);
  // a commit that fails removes them too; a committed set's folders stay
  const failing = new OutputSet();
  await failing.writeBytes(join(dir, 'f', 'g', 'x.mrc'), 'x');
  await mkdir(join(dir, 'f', 'g', 'y.mrc'));
  await failing.writeBytes(join(dir, 'f', 'h', 'y.mrc'), 'y');
  const tempY = (await readdir(join(dir, 'f', 'h'))).find((n) => n.endsWith('.tmp')) as string;
  await unlink(join(dir, 'f', 'h', tempY)); // its rename fails after x.mrc was renamed
  await assert.rejects(failing.commit());
  assert.deepEqual((await readdir(join(dir, 'f'))).sort(), ['g'], 'f/h removed, f/g kept (it holds a folder of another writer)');
  await writeFileAtomic(join(dir, 'made', 'deep', 'ok.mrc'), 'ok');
  assert.equal(await readFile(join(dir, 'made', 'deep', 'ok.mrc'), 'utf8'), 'ok');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while writing also removes the folders the run made (only those)`, async () => {
    const dir = await tempFolder();
    await mkdir(join(dir, 'existed'));
    const script = `
      import { OutputSet } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/output-set.ts'))};
      import { installSignalCleanup } from ${JSON.stringify(join(PROJECT_ROOT, 'src/core/signal-cleanup.ts'))};
      installSignalCleanup();
      const set = new OutputSet();
      await set.writeBytes(${JSON.stringify(join(dir, 'existed', 'a', 'b', 'done.mrc'))}, new Uint8Array(1 << 16));
      await set.write(${JSON.stringify(join(dir, 'new', 'partial.mrc'))}, async (out) => {
        await out.write(new Uint8Array(1 << 16));
        process.stdout.write('staged\\n');
        await new Promise(() => setInterval(() => {}, 1000));
      });`;
    const r = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('staged')) child.kill(signal);
      });
      child.on('error', fail);
      child.on('close', (code) => done({ code, stderr }));
    });
    assert.equal(r.code, signal === 'SIGINT' ? 130 : 143, r.stderr);
    assert.deepEqual(await readdir(dir), ['existed']);
    assert.deepEqual(await readdir(join(dir, 'existed')), []);
  });
}

test('an abort while another write is under way (two writes at once, one failed) waits for it: the folder the set made is gone when abort returns', async () => {
  const dir = await tempFolder();
  const set = new OutputSet();
  let chunks = 0;
  // a write that keeps writing chunks for a while (a large map), started first
  const slow = set.write(join(dir, 'new', 'sub', 'scale.mrc'), async (out) => {
    for (let i = 0; i < 50; i++) {
      await out.write(new Uint8Array(1024));
      chunks++;
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  // the other write of the pair fails at once (a full disk), and the caller aborts the set
  const failed = set.write(join(dir, 'new', 'sub', 'confidence.mrc'), async () => {
    throw new Error('no space left on device');
  });
  await assert.rejects(Promise.all([slow, failed]), /no space left on device/);
  await set.abort();
  assert.deepEqual(await readdir(dir), [], 'nothing left: new/ and new/sub/ removed');
  assert.ok(chunks < 50, `the write under way was stopped at its next chunk (wrote ${chunks} of 50)`);
  await assert.rejects(slow, /the run was stopped/);
});

test('retire: an earlier output the set does not write goes at the commit (not before), named in removed; an input is refused; a failed commit keeps it', async () => {
  const dir = await tempFolder();
  for (const n of ['map', 'map_low', 'map_high', 'input']) await writeFile(join(dir, `${n}.mrc`), `old ${n}`);
  const set = new OutputSet({ protect: [join(dir, 'input.mrc')] });
  await set.writeBytes(join(dir, 'map.mrc'), 'new map');
  await set.retire(join(dir, 'map_low.mrc'));
  await set.retire(join(dir, 'gone.mrc')); // nothing there: nothing to do
  await assert.rejects(set.retire(join(dir, 'input.mrc')), /refusing to overwrite input/);
  await assert.rejects(set.retire(join(dir, 'map.mrc')), /two outputs of one run are both named/);
  await assert.rejects(set.writeBytes(join(dir, 'map_low.mrc'), 'x'), /two outputs of one run are both named/);
  assert.equal(await readFile(join(dir, 'map_low.mrc'), 'utf8'), 'old map_low', 'removed before the commit');
  await set.commit();
  assert.deepEqual((await readdir(dir)).sort(), ['input.mrc', 'map.mrc', 'map_high.mrc'], 'no hidden file, the retired one gone, the rest kept');
  assert.deepEqual(set.removed, [join(dir, 'map_low.mrc')]);
  // a commit that fails keeps the file it would have removed
  const again = new OutputSet();
  await again.writeBytes(join(dir, 'map.mrc'), 'newer map');
  await again.retire(join(dir, 'map_high.mrc'));
  const temp = (await readdir(dir)).find((f) => f.startsWith('.map.mrc.') && f.endsWith('.tmp')) as string;
  await unlink(join(dir, temp));
  await assert.rejects(again.commit(), /cannot write '.*map\.mrc'/);
  assert.equal(await readFile(join(dir, 'map_high.mrc'), 'utf8'), 'old map_high');
  assert.equal(await readFile(join(dir, 'map.mrc'), 'utf8'), 'new map');
  assert.deepEqual(again.removed, []);
});
