/**
 * `occupy gui` stopped by a signal: SIGINT, SIGTERM and SIGHUP (a closed terminal) each stop the
 * server gracefully, remove its session folder (`occupy-gui-<pid>-…` under the temporary folder)
 * and exit with 128 + the signal's number, as every command stopped by a signal does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_ARGS } from '../helpers/cli.js';

for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
  test(`occupy gui on ${signal}: the session folder is removed and the exit code is ${128 + constants.signals[signal]}`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'occupy-gui-signal-root-'));
    // the server's session folder goes under TMPDIR: here a folder of the test's own
    const temp = await mkdtemp(join(tmpdir(), 'occupy-gui-signal-tmp-'));
    try {
      const child = spawn(process.execPath, [...NODE_ARGS, 'gui', '-q', '--root', root], { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      // serving: the URL is printed once the session folder exists
      await new Promise<void>((ready, fail) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (t: string) => {
          out += t;
          if (out.includes('occupy GUI: http')) ready();
        });
        void exited.then((code) => fail(new Error(`occupy gui exited with ${code} before serving: ${stderr}`)));
      });
      assert.equal((await readdir(temp)).filter((f) => f.startsWith('occupy-gui-')).length, 1, 'no session folder while serving');
      child.kill(signal);
      assert.equal(await exited, 128 + constants.signals[signal], stderr);
      // (tsx keeps its own cache there too)
      assert.deepEqual((await readdir(temp)).filter((f) => f.startsWith('occupy-gui-')), [], `the session folder is left after ${signal}`);
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(temp, { recursive: true, force: true });
    }
  });
}
