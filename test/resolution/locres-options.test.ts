/**
 * The option schemas of `occupy locres` and `occupy fsc` (src/resolution/locres-options.ts, fsc-options.ts): defaults, ranges, the
 * rules of local FSC and MonoRes, and that the command's options and help come from the table.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allowedText } from '../../src/core/option-schema.js';
import { LOCRES_OPTION, LOCRES_OPTIONS, LOCRES_WAY_OPTIONS, locresWay, resolveLocresOptions, type LocresOptionValues, type LocresWay } from '../../src/resolution/locres-options.js';
import { SNR_AWARE_THRESHOLD } from '../../src/resolution/local-fsc.js';
import { runInProcess } from '../helpers/cli-run.js';
import { optionOf } from '../helpers/option-error.js';

describe('resolveLocresOptions', () => {
  it('defaults: local FSC, pre-whitened, 50 Å outside the mask', () => {
    const r = resolveLocresOptions({}, 2);
    assert.equal(r.method, 'localfsc');
    assert.equal(r.whiten, true);
    assert.equal(r.lowestResolution, 50);
  });

  it('rules: two maps for local FSC, a mask for MonoRes on one map, --locres-sampling only with --relion, --relion sets its own window/step/threshold', () => {
    assert.equal(optionOf(() => resolveLocresOptions({}, 1)), 'method');
    assert.equal(optionOf(() => resolveLocresOptions({ method: 'monores' }, 1)), 'mask');
    assert.equal(resolveLocresOptions({ method: 'monores', mask: 'm.mrc' }, 1).method, 'monores');
    assert.equal(optionOf(() => resolveLocresOptions({ locresSampling: 10 }, 2)), 'locresSampling');
    assert.equal(resolveLocresOptions({ locresSampling: 10, relion: true }, 2).locresSampling, 10);
    assert.equal(optionOf(() => resolveLocresOptions({ relion: true, method: 'monores' }, 2)), 'relion');
    for (const key of ['window', 'step', 'threshold'] as const) assert.equal(optionOf(() => resolveLocresOptions({ relion: true, [key]: key === 'threshold' ? 0.5 : 20 }, 2)), key);
  });

  it('an option the method (or --relion, --shells) does not read is refused, naming the option and what reads it; the ones it reads pass', () => {
    // a valid value of each option, and the options that select each way
    const value: Required<Omit<LocresOptionValues, 'method'>> = { mask: 'm.mrc', shells: true, shellWidth: 6, centre: '1,2,3', coneAngle: 20, window: 20, step: 5, threshold: 0.2, whiten: false, relion: true, locresSampling: 10, labels: 'l.mrc', randomizeAt: 25, lowestResolution: 30, filter: true, angpix: 1 };
    const select: Record<LocresWay, LocresOptionValues> = { localfsc: {}, relion: { relion: true }, shells: { shells: true }, monores: { method: 'monores' }, monodir: { method: 'monodir' }, monotomo: { method: 'monotomo' }, resmap: { method: 'resmap' } };
    let refused = 0;
    for (const [way, reads] of Object.entries(LOCRES_WAY_OPTIONS) as [LocresWay, readonly string[]][]) {
      assert.equal(locresWay(select[way]), way);
      for (const key of Object.keys(value) as (keyof typeof value)[]) {
        if (key === 'relion' || key === 'shells') continue; // these select a way (their own rules)
        const values = { ...select[way], [key]: value[key], ...(key === 'locresSampling' ? { relion: true } : {}) };
        if (key === 'locresSampling' && way !== 'relion') continue; // needs --relion (its own rule, above)
        if (reads.includes(key) || key === 'angpix') {
          assert.doesNotThrow(() => resolveLocresOptions(values, 2), `${way} reads ${key}`);
        } else {
          assert.equal(optionOf(() => resolveLocresOptions(values, 2)), key, `${way} does not read ${key}`);
          refused++;
        }
      }
    }
    assert.ok(refused >= 40, `${refused} pairs refused`);
    assert.throws(() => resolveLocresOptions({ method: 'monodir', labels: 'l.mrc' }, 2), /^OptionError: --labels needs --method localfsc, --relion, --method monores, --method monotomo or --method resmap: --method monodir does not read it$/);
    // a switch at its default counts as not given (the library passes whiten: true, relion: false)
    assert.equal(resolveLocresOptions({ method: 'resmap', whiten: true, relion: false, shells: false }, 2).method, 'resmap');
    assert.equal(optionOf(() => resolveLocresOptions({ method: 'resmap', relion: true }, 2)), 'relion');
    assert.equal(optionOf(() => resolveLocresOptions({ method: 'monodir', shells: true }, 2)), 'shells');
    assert.throws(() => resolveLocresOptions({ shells: true, relion: true }, 2), /^OptionError: --shells and --relion contradict each other/);
  });

  it('on the command line, an option the method does not read exits 2 in one line before any file is read; commander\'s defaults do not count as given', async () => {
    for (const [args, pattern] of [
      [['--method', 'monodir', '--labels', 'l.mrc'], /^occupy: error: --labels needs .*: --method monodir does not read it\n$/],
      [['--method', 'resmap', '--window', '20'], /^occupy: error: --window needs --method localfsc: --method resmap does not read it\n$/],
      [['--method', 'monores', '--lowest-resolution', '30'], /^occupy: error: --lowest-resolution needs --method localfsc or --relion: --method monores does not read it\n$/],
      [['--relion', '--no-whiten'], /^occupy: error: --no-whiten needs --method localfsc or --shells: --relion does not read it\n$/],
      [['--shells', '--filter'], /^occupy: error: --filter needs .*: --shells does not read it\n$/],
    ] as const) {
      const r = await runInProcess(['locres', 'missing1.mrc', 'missing2.mrc', ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, pattern);
    }
    // no option given but the method: --lowest-resolution's and --no-whiten's defaults are not refused (the missing file is the error)
    const r = await runInProcess(['locres', 'missing1.mrc', 'missing2.mrc', '--method', 'resmap']);
    assert.match(r.stderr, /cannot read .*missing1\.mrc/);
  });

  it('ranges: window >= 16, threshold in (0, 1), method one of five', () => {
    assert.equal(optionOf(() => resolveLocresOptions({ window: 12 }, 2)), 'window');
    assert.equal(resolveLocresOptions({ window: 16 }, 2).window, 16);
    assert.equal(optionOf(() => resolveLocresOptions({ threshold: 1 }, 2)), 'threshold');
    assert.equal(optionOf(() => resolveLocresOptions({ method: 'blocres' as never }, 2)), 'method');
  });

  it('an odd window and a step larger than the window are refused (17 had read every voxel at one value)', async () => {
    assert.equal(optionOf(() => resolveLocresOptions({ window: 17 }, 2)), 'window');
    assert.equal(optionOf(() => resolveLocresOptions({ window: 16, step: 17 }, 2)), 'step');
    assert.equal(resolveLocresOptions({ window: 16, step: 16 }, 2).step, 16);
    const odd = await runInProcess(['locres', 'a.mrc', 'b.mrc', '--window', '17']);
    assert.equal(odd.code, 2);
    assert.match(odd.stderr, /^occupy: error: --window must be an even number of voxels/);
    // the default window is known only from the data: the method itself refuses a larger step
    const { localFsc } = await import('../../src/resolution/local-fsc.js');
    const { loadFft } = await import('../../src/math/fft.js');
    await loadFft();
    const v = { data: new Float32Array(32 ** 3).map((_, i) => Math.sin(i)), shape: [32, 32, 32] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] };
    assert.throws(() => localFsc(v, v, { windowVoxels: 16, stepVoxels: 24 }), /--step 24 is larger than the window \(16 voxels\)/);
    assert.throws(() => localFsc(v, v, { windowVoxels: 17 }), /--window must be an even integer/);
  });

  it('`occupy locres --help` lists every option of the table; a bad value exits 2 with the table\'s allowed range', async () => {
    const help = await runInProcess(['locres', '--help']);
    const flat = help.stdout.replace(/\s+/g, ' ');
    for (const s of LOCRES_OPTIONS) assert.ok(flat.includes(s.flags), `${s.flags} missing from locres --help`);
    // the SNR-aware threshold's clamp as the code applies it (it had said 0.1–0.5)
    assert.ok(flat.includes(`SNR-aware, ${SNR_AWARE_THRESHOLD.min}–${SNR_AWARE_THRESHOLD.max} from`), `--threshold help: ${flat.match(/SNR-aware[^;]*/)?.[0]}`);
    const bad = await runInProcess(['locres', 'a.mrc', 'b.mrc', '--threshold', '1']);
    assert.equal(bad.code, 2);
    assert.ok(bad.stderr.includes(`--threshold must be ${allowedText(LOCRES_OPTION.threshold)}, got '1'`), bad.stderr);
    const rule = await runInProcess(['locres', 'a.mrc', 'b.mrc', '--locres-sampling', '10']);
    assert.equal(rule.code, 2, 'contradictory options are a usage error');
    assert.match(rule.stderr, /^occupy: error: --locres-sampling needs --relion\n$/);
  });
});

describe('resolveFscOptions (occupy fsc)', () => {
  it('--cone-angle only with --directional; ranges from the table; `occupy fsc --help` lists the table', async () => {
    const { FSC_OPTIONS, resolveFscOptions } = await import('../../src/resolution/fsc-options.js');
    assert.equal(optionOf(() => resolveFscOptions({ coneAngle: 20 })), 'coneAngle');
    assert.equal(resolveFscOptions({ coneAngle: 20, directional: true }).coneAngle, 20);
    assert.equal(optionOf(() => resolveFscOptions({ randomisations: 0 })), 'randomisations');
    assert.equal(optionOf(() => resolveFscOptions({ seed: -1 })), 'seed');
    const help = (await runInProcess(['fsc', '--help'])).stdout.replace(/\s+/g, ' ');
    for (const s of FSC_OPTIONS) assert.ok(help.includes(s.flags), `${s.flags} missing from fsc --help`);
    const r = await runInProcess(['fsc', 'a.mrc', 'b.mrc', '--cone-angle', '20']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cone-angle needs --directional/);
  });

  it('--seed and --randomisations only with --mask and not with --directional (they set the corrected FSC\'s phase randomisation)', async () => {
    const { resolveFscOptions } = await import('../../src/resolution/fsc-options.js');
    for (const key of ['seed', 'randomisations'] as const) {
      assert.equal(optionOf(() => resolveFscOptions({ [key]: 2 })), key);
      assert.equal(optionOf(() => resolveFscOptions({ [key]: 2, mask: 'm.mrc', directional: true })), key);
      assert.equal(resolveFscOptions({ [key]: 2, mask: 'm.mrc' })[key], 2);
    }
    const r = await runInProcess(['fsc', 'a.mrc', 'b.mrc', '--randomisations', '3']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^occupy: error: --randomisations needs --mask \(the phase randomisation of the corrected FSC runs only with a mask\)\n$/);
    // the library says the same, naming its own key
    const { fsc } = await import('../../src/api/fsc.js');
    const v = { data: new Float32Array(16 ** 3), shape: [16, 16, 16] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number] };
    await assert.rejects(fsc(v, v, { seed: 3 }), (e: unknown) => e instanceof Error && (e as { option?: string }).option === 'seed');
  });
});
