/**
 * A small tmpfs for tests of full disks and read-only file systems (root only; elsewhere the
 * tests skip with the reason).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { TestContext } from 'node:test';

/**
 * Mount a tmpfs with `options` (e.g. `size=100k`, `size=1M,ro`) on `dir`, made when missing.
 * @returns undefined when mounted, else the reason it cannot be (for `t.skip`)
 */
export function mountTmpfs(dir: string, options: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]})`;
  }
}

/** Unmount `dir` (nothing when it is not mounted). */
export function unmountTmpfs(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // not mounted
  }
}

/**
 * Run `body` with a tmpfs mounted on `dir` (made when missing), then unmount it (a failed unmount
 * fails the test). When no tmpfs can be mounted, the test is skipped with the reason instead.
 * @param options mount options, e.g. `size=100k`, `size=1M,ro`
 * @returns whether `body` ran (false: skipped)
 */
export async function withTmpfs(t: TestContext, dir: string, options: string, body: () => Promise<void>): Promise<boolean> {
  const why = mountTmpfs(dir, options);
  if (why) {
    t.skip(why);
    return false;
  }
  try {
    await body();
  } finally {
    execFileSync('umount', [dir]);
  }
  return true;
}

