/**
 * The worker thread behind the locres methods (src/jobs/compute-thread.ts): the same numbers as on
 * the calling thread, the same error classes, an abort that stops the computation itself, and a
 * Ctrl+C that ends `occupy locres` while it computes (before session 49 it waited for the method).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFft } from '../../src/math/fft.js';
import { localFsc } from '../../src/resolution/local-fsc.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { computeInThread, errorData, errorFromData } from '../../src/jobs/compute-thread.js';
import { OptionError } from '../../src/core/option-error.js';
import { UsageError } from '../../src/core/exit-codes.js';
import { SHARED_REFERENCE, skipWithoutShared } from '../helpers/shared-data.js';
import { occupy } from '../helpers/occupy-child.js';

before(async () => {
  await loadFft();
});

describe('computeInThread', () => {
  let p: ReturnType<typeof fourDomainHalfMaps>;
  before(async () => {
    await loadFft();
    p = fourDomainHalfMaps(1.4, [3, 5, 8, 3], 3, 4901);
  });

  it('gives the local FSC byte for byte as on the calling thread, with progress up to 1', async () => {
    const direct = localFsc(p.half1, p.half2, { mask: p.mask });
    const fractions: number[] = [];
    const inThread = await computeInThread('localFsc', [p.half1, p.half2, { mask: p.mask }], { onProgress: (f) => fractions.push(f) });
    assert.deepEqual(inThread.resolution.shape, direct.resolution.shape);
    assert.ok(Buffer.from(inThread.resolution.data.buffer).equals(Buffer.from(direct.resolution.data.buffer)), 'resolution maps differ');
    assert.ok(Buffer.from(inThread.low.data.buffer).equals(Buffer.from(direct.low.data.buffer)), 'interval ends differ');
    assert.deepEqual(Array.from(inThread.pinned), Array.from(direct.pinned));
    assert.equal(inThread.medianA, direct.medianA);
    assert.equal(inThread.threshold, direct.threshold);
    assert.ok(fractions.length > 0 && fractions[fractions.length - 1] === 1, `last fraction ${fractions[fractions.length - 1]}`);
    // the inputs were copied, not moved: the caller's arrays are whole
    assert.equal(p.half1.data.length, p.half1.shape[0] ** 3);
  });

  it('rejects with the error the method throws, of the same class and message', async () => {
    const other = fourDomainHalfMaps(1.2, [3, 5, 8, 3], 3, 4901); // another box
    let direct: unknown;
    try {
      localFsc(p.half1, other.half2, {});
    } catch (err) {
      direct = err;
    }
    assert.ok(direct instanceof Error);
    await assert.rejects(computeInThread('localFsc', [p.half1, other.half2, {}]), (err: Error) => {
      assert.equal(err.constructor, (direct as Error).constructor);
      assert.equal(err.message, (direct as Error).message);
      return true;
    });
  });

  it('keeps OptionError (with its fields) and UsageError apart from RangeError', () => {
    const o = errorFromData(errorData(new OptionError('--tau must be in (0, 1]: got 2', 'tau', 'a number in (0, 1]', { flag: '--tau', value: 2 })));
    assert.ok(o instanceof OptionError);
    assert.deepEqual([o.option, o.allowed, o.flag, o.value, o.message], ['tau', 'a number in (0, 1]', '--tau', 2, '--tau must be in (0, 1]: got 2']);
    assert.ok(errorFromData(errorData(new UsageError('x'))) instanceof UsageError);
    const r = errorFromData(errorData(new RangeError('y')));
    assert.ok(r instanceof RangeError && !(r instanceof UsageError));
  });

  it('stops the computation on abort: rejects with the reason and reports no progress after it', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    let afterAbort = 0;
    const run = computeInThread('monogenicLocalResolution', [{ half1: p.half1, half2: p.half2 }, p.mask, {}], {
      signal: ac.signal,
      onProgress: (f) => {
        if (ac.signal.aborted) afterAbort++;
        seen.push(f);
        if (seen.length === 1) ac.abort();
      },
    });
    await assert.rejects(run, (err: Error) => err.name === 'AbortError');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(afterAbort, 0);
    assert.ok(seen[0] < 1, `first fraction ${seen[0]}`);
  });
});

describe('occupy locres: Ctrl+C while the method computes', { skip: skipWithoutShared() }, () => {
  it('exits 130 without finishing the computation, and leaves nothing behind', async () => {
    const R = join(SHARED_REFERENCE, 'synth_halves128');
    const dir = mkdtempSync(join(tmpdir(), 'occupy-sigint-'));
    try {
      // --method monores takes 10-30 s at 128³ here. The signal is sent when the method's first
      // percentage line appears (5 s into the method; the reading and diagnostics lines, held until
      // then, come just before it), so it lands while the method computes. A fixed 5 s from the
      // spawn could land in the start-up, the reading or the diagnostics on a loaded machine, where
      // the test passed without checking the method's stop
      const run = occupy(['locres', join(R, 'half1.mrc.gz'), join(R, 'half2.mrc.gz'), '--mask', join(R, 'truth_mask.mrc.gz'), '--method', 'monores', '-o', join(dir, 'out.mrc')]);
      let seen = '';
      let sent = false;
      const hang = setTimeout(() => run.child.kill('SIGKILL'), 300_000);
      run.child.stderr?.on('data', (d: Buffer) => {
        seen += d.toString();
        if (!sent && /\] monogenic \d+ % /.test(seen)) {
          sent = true;
          run.child.kill('SIGINT');
        }
      });
      const r = await run;
      clearTimeout(hang);
      assert.ok(sent, `no percentage line of the method before the run ended (exit ${r.code}): ${r.stderr}`);
      // (a diagnostics percentage line may come between the two when they run 5 s, as under load)
      assert.match(r.stderr, /\] read \(.*\n(.*\] diagnostics \d+ % .*\n)*.*\] diagnostics \(/, 'the input was read and checked before the signal');
      assert.equal(r.code, 130, r.stderr);
      // on the calling thread the method ran to its end before the handler: its phase line was printed
      assert.doesNotMatch(r.stderr, /monogenic \(/, r.stderr);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('computeInThread with an argument that cannot be sent', () => {
  it('rejects with the DataCloneError and ends the thread (a process left waiting on it never exited)', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;
    const v = { data: new Float32Array(8), shape: [2, 2, 2] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] };
    // a symbol cannot be cloned (functions are left out of object arguments)
    await assert.rejects(computeInThread('localFsc', [v, v, { mask: Symbol('x') as unknown as Float32Array }]), (e: Error) => e.name === 'DataCloneError');
    // (no pause: the call settles once the thread has ended)
    const after = process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;
    assert.ok(after <= before, `${after} worker handles left (before: ${before})`);
  });
});
