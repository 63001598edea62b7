/**
 * The estimate's option schema (src/occupancy/options.ts): defaults, ranges, the rules between
 * options, and that the CLI's options and help come from the same table.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OptionError } from '../../src/core/option-error.js';
import { ESTIMATE_OPTIONS, ESTIMATE_OPTION, resolveEstimateOptions, allowedText, checkOptionValue, checkEstimateOptionsRead } from '../../src/occupancy/options.js';
import { rewriteMultiLetterFlags } from '../../src/cli/argv.js';
import { runInProcess } from '../helpers/cli-run.js';

/** The OptionError thrown by `f` (fails the test when none is thrown). */
function optionError(f: () => unknown): OptionError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof OptionError, `expected an OptionError, got ${String(e)}`);
    return e;
  }
  assert.fail('no OptionError thrown');
}

describe('resolveEstimateOptions', () => {
  it('fills the defaults of the original OccuPy', () => {
    const r = resolveEstimateOptions({});
    assert.equal(r.mode, 'res');
    assert.equal(r.maxBox, 256);
    assert.equal(r.scaleLimit, 0.05);
    assert.equal(r.minVisScale, 0.2);
    assert.equal(r.lowpassMask, 'original');
    assert.equal(r.scaleFrom, 'estimate');
    assert.equal(r.chimerax, true);
    assert.equal(r.useS0, false);
    assert.deepEqual(r.modifications, []);
    assert.equal(r.lowpassA, undefined, 'the low-pass is derived from the map, not defaulted here');
  });

  it('a modification implies occupancy mode (unless rawScale); every modification is kept in order', () => {
    assert.equal(resolveEstimateOptions({ amplify: 2 }).mode, 'occ');
    assert.equal(resolveEstimateOptions({ attenuate: 3, mode: 'res' }).mode, 'occ');
    assert.equal(resolveEstimateOptions({ amplify: 2, rawScale: true }).mode, 'res');
    assert.equal(resolveEstimateOptions({ mode: 'occ' }).mode, 'occ');
    const r = resolveEstimateOptions({ sigmoid: 2, pivot: 0.3, amplify: 1.5, attenuate: 4 });
    assert.deepEqual(r.modifications, [{ kind: 'amplify', gamma: 1.5 }, { kind: 'attenuate', gamma: 4 }, { kind: 'sigmoid', gamma: 2, pivot: 0.3 }]);
  });

  it('sigmoid needs a pivot and a pivot needs sigmoid', () => {
    const e = optionError(() => resolveEstimateOptions({ sigmoid: 2 }));
    assert.equal(e.option, 'sigmoid');
    assert.match(e.message, /--sigmoid needs --pivot/);
    assert.equal(optionError(() => resolveEstimateOptions({ pivot: 0.5 })).option, 'pivot');
  });

  it('contradictions are refused: exclude/retain solvent, S0/SW', () => {
    assert.equal(optionError(() => resolveEstimateOptions({ excludeSolvent: true, retainSolvent: true })).option, 'excludeSolvent');
    assert.equal(optionError(() => resolveEstimateOptions({ useS0: true, useSW: true })).option, 'useS0');
  });

  it('an option the run would not read is refused (checkEstimateOptionsRead): modification settings without a modification, --tile-size with --S0, ChimeraX settings without the script', () => {
    const refused: [Parameters<typeof checkEstimateOptionsRead>[0], string][] = [
      [{ scaleLimit: 0.1 }, 'scaleLimit'], [{ scaleFrom: 'decompose' }, 'scaleFrom'], [{ rawScale: true }, 'rawScale'],
      [{ scaleLimit: 0.1, excludeSolvent: true }, 'scaleLimit'],
      [{ lowpassOutputA: 6 }, 'lowpassOutputA'], [{ histMatch: true }, 'histMatch'], [{ omitConfidence: true }, 'omitConfidence'],
      [{ tileSize: 8, useS0: true }, 'tileSize'], [{ rawScale: true, amplify: 2, mode: 'occ' }, 'rawScale'],
      [{ minVisScale: 0.2, chimerax: false }, 'minVisScale'], [{ chimeraxSilent: true, chimerax: false }, 'chimeraxSilent'],
    ];
    for (const [values, key] of refused) assert.equal(optionError(() => checkEstimateOptionsRead(values)).option, key, JSON.stringify(values));
    for (const values of [{}, { amplify: 2, scaleLimit: 0.1, scaleFrom: 'decompose' as const, rawScale: true, histMatch: true }, { excludeSolvent: true, lowpassOutputA: 6, omitConfidence: true }, { tileSize: 8 }, { minVisScale: 0.2 }, { histMatch: false, rawScale: false }]) {
      assert.doesNotThrow(() => checkEstimateOptionsRead(values), JSON.stringify(values));
    }
  });

  it('on the command line (and in occupy batch) the options as typed are checked; defaults filled by the CLI do not count', async () => {
    const r = await runInProcess(['-i', 'nothing.mrc', '--lowpass-output', '6']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^occupy: error: --lowpass-output is only used for modified maps \(--amplify, --attenuate, --sigmoid, or --exclude-solvent alone\): none is written\n$/);
    const b = await runInProcess(['batch', 'nothing.mrc', '-d', 'nowhere', '--hist-match']);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /^occupy: error: --hist-match is only used for modified maps/);
    // --scale-limit, --scale-from and --min-vis-scale have CLI defaults: not given, they pass (the missing map is the error)
    const d = await runInProcess(['-i', 'nothing.mrc']);
    assert.match(d.stderr, /cannot read map 'nothing\.mrc': no such file/);
  });

  it('out-of-range values name the key, the flag and the allowed range', () => {
    const e = optionError(() => resolveEstimateOptions({ tau: 1.5 }));
    assert.equal(e.option, 'tau');
    assert.equal(e.flag, '--tau');
    assert.equal(e.allowed, 'a number in (0, 1]');
    assert.equal(e.message, '--tau must be a number in (0, 1], got 1.5');
    assert.equal(e.value, 1.5);
    for (const [key, bad] of [['lowpassA', 0.05], ['amplify', 1], ['pivot', 0.995], ['scaleLimit', 1], ['maxBox', 11], ['kernelSize', 4], ['seed', -1], ['seed', 0.5], ['tileSize', 0], ['hedgeConfidence', 0.5], ['lowpassMask', 'middle'], ['mode', 'both'], ['nlrc', 'yes']] as const) {
      const err = optionError(() => resolveEstimateOptions({ [key]: bad }));
      assert.equal(err.option, key, `${key} = ${bad}`);
      assert.ok(err.allowed.length > 0);
    }
    // NaN and infinities are never numbers of an option
    assert.equal(optionError(() => resolveEstimateOptions({ lowpassA: Number.NaN })).option, 'lowpassA');
    assert.equal(optionError(() => resolveEstimateOptions({ kernelRadiusVoxels: Infinity })).option, 'kernelRadiusVoxels');
  });

  it('range edges: closed ends allowed, open ends refused', () => {
    assert.equal(resolveEstimateOptions({ tau: 1 }).tau, 1);
    assert.equal(optionError(() => resolveEstimateOptions({ tau: 0 })).option, 'tau');
    assert.equal(resolveEstimateOptions({ scaleLimit: 0 }).scaleLimit, 0);
    assert.equal(resolveEstimateOptions({ maxBox: 0 }).maxBox, 0);
    assert.equal(resolveEstimateOptions({ maxBox: 10 }).maxBox, 10);
    assert.equal(resolveEstimateOptions({ pivot: 0.01, sigmoid: 100 }).modifications[0].pivot, 0.01);
  });

  it('box-dependent checks with the input box: kernel and tiles fit the processing box, angpix in [0.01, 100] Å', () => {
    const k = optionError(() => resolveEstimateOptions({ kernelSize: 21 }, { shape: [20, 20, 20] }));
    assert.equal(k.option, 'kernelSize');
    assert.match(k.message, /--kernel-size must be an odd integer in 1\.\.19 for this map/);
    assert.equal(resolveEstimateOptions({ kernelSize: 19 }, { shape: [20, 20, 20] }).kernelSize, 19);
    // --max-box crops 512³ to 256³: a 300-voxel tile no longer fits
    assert.match(optionError(() => resolveEstimateOptions({ tileSize: 300 }, { shape: [512, 512, 512] })).message, /1\.\.256 for this map \(processing box 256x256x256\)/);
    assert.equal(resolveEstimateOptions({ tileSize: 300, maxBox: 0 }, { shape: [512, 512, 512] }).tileSize, 300);
    assert.equal(optionError(() => resolveEstimateOptions({ angpix: 101 }, { shape: [20, 20, 20] })).option, 'angpix');
  });

  it('unknown keys are refused (or skipped when asked); null counts as absent', () => {
    assert.match(optionError(() => resolveEstimateOptions({ lowpass: 8 } as never)).message, /unknown estimate option 'lowpass'/);
    assert.equal(resolveEstimateOptions({ lowpass: 8 } as never, { unknownKeys: 'ignore' }).lowpassA, undefined);
    assert.equal(resolveEstimateOptions({ tau: null } as never).tau, undefined);
  });

  it('does not change its input', () => {
    const given = { amplify: 2 };
    resolveEstimateOptions(given);
    assert.deepEqual(given, { amplify: 2 });
  });
});

describe('the CLI from the schema', () => {
  it('every option of the table is in `occupy --help` with its help text and default', async () => {
    const { code, stdout } = await runInProcess(['--help']);
    assert.equal(code, 0);
    const flat = stdout.replace(/\s+/g, ' ');
    for (const s of ESTIMATE_OPTIONS) {
      assert.ok(flat.includes(s.flags), `${s.flags} missing from --help`);
      assert.ok(flat.includes(s.doc.replace(/\s+/g, ' ').slice(0, 40)), `help text of ${s.flag} missing`);
      if (s.showDefault) assert.ok(flat.includes(`default: ${typeof s.default === 'string' ? `"${s.default}"` : s.default}`), `default of ${s.flag}`);
      if (s.negation) assert.ok(flat.includes(s.flags.replace('--', '--no-')), `--no- form of ${s.flag}`);
    }
  });

  it('a CLI value out of range gives the schema\'s allowed range and exit 2', async () => {
    for (const key of ['tau', 'pivot', 'maxBox', 'amplify'] as const) {
      const spec = ESTIMATE_OPTION[key];
      const { code, stderr } = await runInProcess(['-i', 'nothing.mrc', spec.flag, '-7']);
      assert.equal(code, 2, `${spec.flag}: ${stderr}`);
      assert.ok(stderr.includes(`${spec.flag} must be ${allowedText(spec)}, got '-7'`), stderr);
    }
  });

  it('the original OccuPy\'s short flags come from the table (-lp, -am, -at)', () => {
    assert.deepEqual(rewriteMultiLetterFlags(['-lp', '8', '-am=2', '-at', '3', '--', '-lp']), ['--lowpass', '8', '--amplify=2', '--attenuate', '3', '--', '-lp']);
    assert.deepEqual(ESTIMATE_OPTIONS.filter((s) => s.occupyShort).map((s) => s.occupyShort), ['-lp', '-am', '-at']);
  });

  it('the README\'s options table names every option of the table (and --no-chimerax)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('\n## ', readme.indexOf('## Options') + 1));
    for (const s of ESTIMATE_OPTIONS) {
      assert.ok(section.includes(s.flag), `README ## Options does not name ${s.flag}`);
      if (s.negation) assert.ok(section.includes(s.flags.replace('--', '--no-')), `README ## Options does not name the --no- form of ${s.flag}`);
    }
  });

  it('the README\'s options table is the list of `occupy --help` (every long option; -q as it behaves)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Options');
    const rows = readme.slice(start, readme.indexOf('\n## ', start + 1)).split('\n').filter((l) => l.startsWith('| `'));
    const table = rows.join('\n');
    const { stdout } = await runInProcess(['--help']);
    const options = stdout.slice(stdout.indexOf('Options:'), stdout.indexOf('Commands:'));
    const flags = new Set([...options.matchAll(/^ {2}(?:-\w+, )?(--[\w-]+)/gm)].map((m) => m[1]));
    assert.ok(flags.size > 40 && flags.has('--angpix'), [...flags].join(' '));
    const missing = [...flags].filter((f) => !new RegExp(`${f}(?![\\w-])`).test(table));
    assert.deepEqual(missing, [], `README ## Options table has no row for ${missing.join(', ')}`);
    // -q prints the warnings that make the result invalid ([masked], a failed solvent model), not only errors
    const quiet = rows.find((l) => l.includes('`-q, --quiet`')) ?? '';
    assert.match(quiet, /only errors and the warnings that make the result invalid/);
    assert.match(options.replace(/\s+/g, ' '), /-q, --quiet print only errors and the warnings that make the result invalid/);
  });

  it('checkOptionValue accepts what the CLI would accept', () => {
    checkOptionValue(ESTIMATE_OPTION.seed, 2 ** 31 - 1);
    assert.throws(() => checkOptionValue(ESTIMATE_OPTION.seed, 2 ** 31), OptionError);
  });
});
