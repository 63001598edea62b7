/**
 * turnOfEventLoop: a signal that arrives while the calling thread computes is handled at the next
 * turn, whichever phase of the event loop the computation ran in. Run in a child process, as the
 * CLI runs: inside node:test's own scheduling the order of timers and poll is not the CLI's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TSX } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/shared-data.js';

const MODULE = JSON.stringify(join(PROJECT_ROOT, 'src/core/event-loop.ts'));

/** What a child saw: `signal` when its handler ran, `turn` when the turn resolved, in that order. */
function order(body: string): string {
  const script = `
    import { readFile } from 'node:fs';
    import { turnOfEventLoop } from ${MODULE};
    const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
    const seen = [];
    ${body}
    process.stdout.write(seen.join(','));`;
  return execFileSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { encoding: 'utf8' });
}

// resume in each phase of the loop: a file read's callback (poll, as a worker's message), an
// immediate (check), a timer (timers); the signal arrives during the step that follows
const RESUME = {
  poll: `await new Promise((resolve) => readFile(${MODULE}, () => resolve()));`,
  check: 'await new Promise((resolve) => setImmediate(resolve));',
  timers: 'await new Promise((resolve) => setTimeout(resolve, 0));',
};

for (const [phase, resume] of Object.entries(RESUME)) {
  test(`a signal that arrives during a step resumed from the ${phase} phase is handled at the next turn (a 0 ms timer let the next step run first from an immediate and, in the CLI, from I/O callbacks)`, () => {
    const seen = order(`
      process.on('SIGUSR2', () => seen.push('signal'));
      ${resume}
      process.kill(process.pid, 'SIGUSR2');
      busy(20);
      await turnOfEventLoop();
      seen.push('turn');`);
    assert.equal(seen, 'signal,turn');
  });
}

test('due timers run within the turn too (an abort from AbortSignal.timeout)', () => {
  const seen = order(`
    const signal = AbortSignal.timeout(1);
    signal.addEventListener('abort', () => seen.push('abort'));
    ${RESUME.poll}
    busy(20);
    await turnOfEventLoop();
    seen.push('turn');`);
  assert.equal(seen, 'abort,turn');
});
