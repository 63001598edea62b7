/**
 * The command line's progress lines when stderr is not a terminal (`--progress lines` / `json`):
 * one line per finished phase, and a line with the percentage while a long phase runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reporter } from '../../src/cli/reporter.js';
import { fakeClock } from '../helpers/fake-clock.js';

/** A stand-in for stderr that keeps what is written. */
function sink(): { stream: NodeJS.WriteStream; text: () => string } {
  const parts: string[] = [];
  const stream = { write: (s: string) => (parts.push(s), true), isTTY: false } as unknown as NodeJS.WriteStream;
  return { stream, text: () => parts.join('') };
}

describe('Reporter, lines and json', () => {
  it('a phase still running after the interval gets a line with its percentage; the held input lines come first', () => {
    const out = sink();
    const r = new Reporter('normal', out.stream, 'lines', 0);
    r.progress('read', 0);
    r.progress('read', 0.5); // the input's own phases never get one
    r.progress('local FSC', 0);
    r.progress('local FSC', 0.37);
    r.finish();
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines.length, 3, out.text());
    assert.match(lines[0], /^\[\s*[\d.]+ s\] read \([\d.]+ s\)$/);
    assert.match(lines[1], /^\[\s*[\d.]+ s\] local FSC 37 % \([\d.]+ s so far\)$/);
    assert.match(lines[2], /^\[\s*[\d.]+ s\] local FSC \([\d.]+ s\)$/);
  });

  it('within the interval (default 5 s) nothing but the finished phases; json carries the fraction', () => {
    const quiet = sink();
    const r = new Reporter('normal', quiet.stream, 'lines');
    for (let k = 0; k <= 10; k++) r.progress('local FSC', k / 10);
    r.finish();
    assert.equal(quiet.text().trimEnd().split('\n').length, 1, quiet.text());
    const js = sink();
    const j = new Reporter('normal', js.stream, 'json', 0);
    j.progress('decompose', 0);
    j.progress('decompose', 0.25);
    j.finish();
    const objs = js.text().trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual([objs[0].phase, objs[0].fraction, objs[0].running, objs[1].phase, objs[1].running], ['decompose', 0.25, true, 'decompose', undefined]);
  });

  it('a phase that reports nothing new still gets its percentage line once the interval has passed (a timer)', (t) => {
    // on a clock the test moves (test/helpers/fake-clock.ts): times exact, no real sleeps
    const clock = fakeClock(t);
    const out = sink();
    const r = new Reporter('normal', out.stream, 'lines', 1);
    r.progress('read', 0);
    r.progress('ResMap-style test', 0);
    r.progress('ResMap-style test', 0.42); // then silent, as a method computing in a worker thread between messages
    clock.advance(2300);
    r.finish();
    const lines = out.text().trimEnd().split('\n');
    assert.match(lines[0], /^\[\s*[\d.]+ s\] read \([\d.]+ s\)$/, out.text());
    assert.deepEqual(lines.slice(1, -1), ['[   1.0 s] ResMap-style test 42 % (1.0 s so far)', '[   2.0 s] ResMap-style test 42 % (2.0 s so far)'], out.text());
    assert.equal(lines.at(-1), '[   2.3 s] ResMap-style test (2.30 s)');
    // finished: no timer left running
    const before = out.text();
    clock.advance(7000);
    assert.equal(out.text(), before);
  });
});
