/**
 * OccuPy's multi-letter short flags (-lp, -am, -at) are rewritten to long options before
 * commander parses them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteMultiLetterFlags } from '../../src/cli/argv.js';

describe('rewriteMultiLetterFlags', () => {
  it('-lp 8 → --lowpass 8', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-i', 'm.mrc', '-lp', '8']), ['-i', 'm.mrc', '--lowpass', '8']);
  });
  it('-lp=8 → --lowpass=8', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-lp=8']), ['--lowpass=8']);
  });
  it('-am 2 → --amplify 2 and -at 3 → --attenuate 3 (also with =)', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-am', '2', '-at', '3', '-am=1.5', '-at=4']), ['--amplify', '2', '--attenuate', '3', '--amplify=1.5', '--attenuate=4']);
  });
  it('tokens after a literal -- are untouched (and -- itself is kept)', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-lp', '8', '--', '-lp', '-am', '-at=2']), ['--lowpass', '8', '--', '-lp', '-am', '-at=2']);
  });
  it('-l and -p alone, and look-alikes, are untouched', () => {
    const keep = ['-l', '-p', '-lpx', '--lp', 'lp', '-LP', '-a', '-m', '-amp', '-lp8', '--lowpass', '-i', 'file-lp.mrc'];
    assert.deepEqual(rewriteMultiLetterFlags(keep), keep);
  });
  it('a path that merely contains -lp (./-lp, map-lp.mrc) is untouched', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-i', 'map-lp.mrc']), ['-i', 'map-lp.mrc']);
    assert.deepEqual(rewriteMultiLetterFlags(['-i', './-lp']), ['-i', './-lp']);
  });
  it('does not modify its input array', () => {
    const argv = ['-lp', '8'];
    rewriteMultiLetterFlags(argv);
    assert.deepEqual(argv, ['-lp', '8']);
  });
});
