/**
 * Another subcommand's output option names this one's: `occupy batch … -o out/` had said only
 * "unknown option '-o'" (batch writes into -d/--output-dir; every single-map command into
 * -o/--output), found by a first-time user (session 59). A misspelling keeps commander's own
 * suggestion, and an unknown option that is no output option gets no hint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInProcess } from '../helpers/cli-run.js';

test('an output option of another subcommand: one line naming this command\'s output option, exit 2', async () => {
  for (const [args, hint] of [
    [['batch', 'maps/', '-o', 'out/'], /^occupy: error: unknown option '-o' \(the output of this command is -d\/--output-dir\)$/],
    [['batch', 'maps/', '--output', 'out/'], /^occupy: error: unknown option '--output' \(the output of this command is -d\/--output-dir\)$/],
    [['locres', 'h1.mrc', 'h2.mrc', '--output-dir', 'out/'], /^occupy: error: unknown option '--output-dir' \(the output of this command is -o\/--output\)$/],
    [['decompose', 'map.mrc', '--output-dir', 'out/'], /^occupy: error: unknown option '--output-dir' \(the output of this command is -o\/--output\)$/],
    [['locres', 'h1.mrc', 'h2.mrc', '--outptu', 'out/'], /^occupy: error: unknown option '--outptu' \(did you mean --output\?\)$/],
    [['batch', 'maps/', '--no-such-option'], /^occupy: error: unknown option '--no-such-option'$/],
  ] as const) {
    const r = await runInProcess([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}; ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], hint, args.join(' '));
  }
});
