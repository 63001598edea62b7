/**
 * An input that exists but cannot be reached or opened is `permission denied`, not `no such file`:
 * the commands' early checks had used `existsSync`, which is false for a file in a folder that
 * cannot be searched (`batch`: 'not found'), and `readStar` opened the file without naming it in the one wording of
 * src/core/regular-file.ts (`'x.star': permission denied`). Run as a user without the rights
 * (as root: uid 65534 through `setpriv`; skipped where neither works).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeMrc } from '../../src/io/mrc/index.js';
import { NODE_ARGS } from '../helpers/cli.js';

const execFileP = promisify(execFile);
const root = process.getuid?.() === 0;

/** How to run a command without root's rights: setpriv as uid 65534 when root, else directly. */
function unprivileged(): string[] | undefined {
  if (!root) return [];
  try {
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']);
    return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  } catch {
    return undefined;
  }
}
const prefix = unprivileged();

/** The one stderr line and the exit code of `occupy <args>` run in `cwd` without the rights. */
async function refusal(args: string[], cwd: string): Promise<{ code: number; line: string }> {
  const [cmd, ...pre] = prefix!.length > 0 ? prefix! : [process.execPath];
  const argv = prefix!.length > 0 ? [...pre, process.execPath, ...NODE_ARGS, ...args] : [...NODE_ARGS, ...args];
  try {
    await execFileP(cmd, argv, { cwd, env: { ...process.env, HOME: cwd } });
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, line: e.stderr.trim().split('\n').at(-1) ?? '' };
  }
  assert.fail(`occupy ${args.join(' ')} was not refused`);
}

test('an input in a folder that cannot be searched, or a file that cannot be opened: permission denied, exit 1', { skip: prefix === undefined ? 'cannot run as a user without the rights' : false, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'occupy-eacces-'));
  t.after(() => {
    chmodSync(join(dir, 'locked'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  });
  chmodSync(dir, 0o777);
  const box = 24;
  const data = Float32Array.from({ length: box ** 3 }, (_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
  await writeMrc(join(dir, 'map.mrc'), { data, shape: [box, box, box], voxelSizeA: [1, 1, 1] });
  mkdirSync(join(dir, 'locked'));
  copyFileSync(join(dir, 'map.mrc'), join(dir, 'locked', 'x.mrc'));
  chmodSync(join(dir, 'locked'), root ? 0o700 : 0o000); // root's folder: uid 65534 cannot search it
  writeFileSync(join(dir, 'a.star'), 'data_\nloop_\n_rlnImageName #1\na\n');
  writeFileSync(join(dir, 'b.star'), 'data_\nloop_\n_rlnImageName #1\nb\n');
  chmodSync(join(dir, 'b.star'), 0o000);
  const cases: [string[], string][] = [
    [['check', 'locked/x.mrc'], "cannot read map 'locked/x.mrc': permission denied"],
    [['locked/x.mrc', '-o', 'out/'], "cannot read map 'locked/x.mrc': permission denied"],
    [['map.mrc', '--solvent-def', 'locked/x.mrc', '-o', 'out/'], "cannot read --solvent-def map 'locked/x.mrc': permission denied"],
    [['fsc', 'locked/x.mrc', 'map.mrc'], "cannot read half map 'locked/x.mrc': permission denied"],
    [['pixel-size', 'set', 'locked/x.mrc', '--angpix', '2', '-o', 'out/s.mrc'], "cannot read map 'locked/x.mrc': permission denied"],
    [['pixel-size', 'resample', 'locked/x.mrc', '--angpix', '2', '-o', 'out/r.mrc'], "cannot read map 'locked/x.mrc': permission denied"],
    [['star', 'join', 'a.star', 'b.star', '-o', 'out/j.star'], "cannot read STAR file 'b.star': permission denied"],
    // batch: a map or manifest that cannot be looked at had been 'not found'
    [['batch', 'locked/x.mrc', '-d', 'out/b'], "cannot read batch input 'locked/x.mrc': permission denied"],
  ];
  for (const [args, message] of cases) {
    const r = await refusal(args, dir);
    assert.deepEqual(r, { code: 1, line: `occupy: error: ${message}` }, args.join(' '));
  }
  // a file that is not there is still `no such file`
  assert.deepEqual(await refusal(['check', 'none.mrc'], dir), { code: 1, line: "occupy: error: cannot read map 'none.mrc': no such file" });
});
