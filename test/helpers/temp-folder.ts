/**
 * Temporary folders for a test file: each call makes a new folder under the OS temporary folder
 * with the given prefix, and every folder made is removed when the file's tests are done (also
 * when one fails), so test runs leave nothing behind in /tmp.
 */
import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Returns a maker of temporary folders named `<prefix>XXXXXX`, removed after the file's tests. */
export function tempFolders(prefix: string): () => Promise<string> {
  const made: string[] = [];
  after(async () => {
    await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
