/**
 * The build of a git checkout (`gitBuild`), read from the `.git` files without a git process:
 * the short hash of HEAD (loose and packed refs), `+modified` once a tracked file changes, and
 * nothing for a folder that is not a checkout (an npm install).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitBuild } from '../../src/core/git-build.js';

const dir = mkdtempSync(join(tmpdir(), 'occupy-git-build-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' }).trim();

test('short hash of HEAD, +modified after a tracked file changes; undefined outside a checkout', () => {
  assert.equal(gitBuild(dir), undefined);
  git('init', '-q');
  writeFileSync(join(dir, 'a.txt'), 'one\n');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'first');
  const head = git('rev-parse', 'HEAD');
  assert.equal(gitBuild(dir), head.slice(0, 7));
  writeFileSync(join(dir, 'untracked.txt'), 'not in git\n');
  assert.equal(gitBuild(dir), head.slice(0, 7), 'an untracked file is not a change of the build');
  git('pack-refs', '--all');
  assert.equal(gitBuild(dir), head.slice(0, 7), 'packed refs');
  writeFileSync(join(dir, 'a.txt'), 'one, changed\n');
  assert.equal(gitBuild(dir), `${head.slice(0, 7)}+modified`);
});
