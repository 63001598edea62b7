/**
 * estimateLocalScale and modifyMap of the public API against the command line's outputs on the
 * same synthetic map (the same method: equal to the last bit), the input's box with a maxBox crop,
 * cancellation, progress, typed errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimateLocalScale, modifyMap, OptionError, readMrc, SolventModelError, writeMrc, type Volume } from '../../src/index.js';
import { demoPhantom } from '../../src/synthetic/phantom.js';
import { fourierResample } from '../../src/filters/fourier-resample.js';
import { loadFft } from '../../src/math/fft.js';
import { estimateInLibraryTerms } from '../../src/api/estimate-options.js';
import { runInProcess } from '../helpers/cli-run.js';
import { abortFromTimer } from '../helpers/abort-mid-way.js';

/** Pearson correlation. */
function pearson(a: Float32Array, b: Float32Array): number {
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) { sa += a[i]; sb += b[i]; }
  const ma = sa / a.length, mb = sb / b.length;
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < a.length; i++) { const x = a[i] - ma, y = b[i] - mb; num += x * y; da += x * x; db += y * y; }
  return num / Math.sqrt(da * db);
}

/** The sub-box `shape` of `v` starting at voxel `offset` (x fastest). */
function slabOf(v: Volume, shape: [number, number, number], offset: [number, number, number]): Volume {
  const [nx, ny] = v.shape;
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let z = 0; z < shape[2]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[0]; x++) {
    data[(z * shape[1] + y) * shape[0] + x] = v.data[((z + offset[2]) * ny + y + offset[1]) * nx + x + offset[0]];
  }
  return { data, shape, voxelSizeA: [...v.voxelSizeA] as [number, number, number], originA: [0, 0, 0] };
}

describe('estimateLocalScale', () => {
  let dir: string;
  let map: Volume;
  let mapPath: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-api-est-'));
    map = { ...demoPhantom(7).phantom.map, originA: [12, -6, 3] };
    mapPath = join(dir, 'phantom.mrc');
    await writeMrc(mapPath, map);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('equals the CLI\'s scale_occ and conf maps, voxel for voxel', async () => {
    const cli = await runInProcess(['-i', mapPath, '--occupancy', '-o', join(dir, 'cli') + '/', '--no-chimerax', '--quiet']);
    assert.equal(cli.code, 0, cli.stderr);
    const r = await estimateLocalScale(map, { mode: 'occ' });
    const scale = await readMrc(join(dir, 'cli', 'scale_occ_phantom.mrc'));
    const conf = await readMrc(join(dir, 'cli', 'conf_phantom.mrc'));
    assert.deepEqual(r.scale.shape, [96, 96, 96]);
    assert.deepEqual(r.scale.data, scale.data);
    assert.deepEqual(r.confidence.data, conf.data);
    assert.deepEqual(r.scale.originA, [12, -6, 3]);
    assert.deepEqual(r.scale.voxelSizeA, map.voxelSizeA);
    assert.equal(r.summary.mode, 'occ');
    assert.equal(r.intermediates, undefined, 'no copies of the input by default');
  });

  it('with maxBox cropping returns maps on the input box, equal to the CLI\'s processing-box maps padded back', async () => {
    const cli = await runInProcess(['-i', mapPath, '--occupancy', '--max-box', '64', '-o', join(dir, 'crop') + '/', '--no-chimerax', '--quiet']);
    assert.equal(cli.code, 0, cli.stderr);
    const r = await estimateLocalScale(map, { mode: 'occ', maxBox: 64, keepIntermediates: true });
    assert.deepEqual(r.scale.shape, [96, 96, 96]);
    assert.deepEqual(r.confidence.shape, [96, 96, 96]);
    assert.deepEqual(r.summary.boxProcessing, [64, 64, 64]);
    const cliScale = await readMrc(join(dir, 'crop', 'scale_occ_phantom.mrc'));
    assert.deepEqual(cliScale.shape, [64, 64, 64]);
    assert.deepEqual(r.intermediates?.input.shape, [64, 64, 64]);
    await loadFft();
    const padded = fourierResample({ data: cliScale.data, shape: cliScale.shape, voxelSizeA: cliScale.voxelSizeA }, [96, 96, 96]).data.map((v) => Math.min(1, Math.max(0, v)));
    // the estimate on the processing box is the CLI's (streamed crop) bit for bit, so the padded maps are equal
    assert.deepEqual(r.scale.data, padded, `r = ${pearson(r.scale.data, padded)}`);
    let lo = Infinity, hi = -Infinity;
    for (const v of [...r.scale.data, ...r.confidence.data]) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    assert.ok(lo >= 0 && hi <= 1, `range ${lo}..${hi}`);
    // and it is the uncropped estimate, at lower resolution: close to it
    const full = await estimateLocalScale(map, { mode: 'occ' });
    assert.ok(pearson(r.scale.data, full.scale.data) > 0.95, `crop vs full r = ${pearson(r.scale.data, full.scale.data)}`);
  });

  it('rejects at once with an AbortError when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const phases: string[] = [];
    await assert.rejects(estimateLocalScale(map, { signal: ac.signal, onProgress: (p) => phases.push(p) }), { name: 'AbortError' });
    assert.deepEqual(phases, []);
  });

  it('rejects with an AbortError when aborted mid-run, without reaching the later phases', async () => {
    const ac = new AbortController();
    const phases: string[] = [];
    const run = estimateLocalScale(map, {
      mode: 'occ',
      signal: ac.signal,
      onProgress: (p) => {
        phases.push(p);
        if (p === 'low-pass') ac.abort();
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    assert.ok(phases.includes('low-pass'));
    assert.ok(!phases.includes('confidence') && !phases.includes('done'), phases.join(', '));
    // the next call works (no state left behind by the aborted one)
    const r = await estimateLocalScale(map, { mode: 'occ', maxBox: 64 });
    assert.deepEqual(r.scale.shape, [96, 96, 96]);
  });

  it('an abort from a timer during the computation is seen at the next boundary that yields (since session 58 the step after the low-pass; since session 60 within the low-pass)', async () => {
    const ac = new AbortController();
    const phases: string[] = [];
    const run = estimateLocalScale(map, {
      signal: ac.signal,
      onProgress: (p) => {
        phases.push(p);
        if (p === 'low-pass') setTimeout(() => ac.abort(), 0); // fires once the synchronous phases yield
      },
    });
    await assert.rejects(run, { name: 'AbortError' });
    // the estimate yields between its main-thread steps (a signal had waited for the max filter:
    // up to 13.8 s at 256³ on a loaded machine), so the timer's abort ends it before the confidence
    assert.ok(phases.includes('low-pass') && !phases.includes('confidence') && !phases.includes('done'), phases.join(', '));
  });

  it('reports the low-pass after each of its steps: a timer due when it begins runs before its last report, so an abort from it is acted on within the low-pass (before session 60 after it)', async () => {
    const seen: string[] = [];
    await estimateLocalScale(map, {
      onProgress: (p) => {
        if (p === 'low-pass' && !seen.includes('low-pass')) setTimeout(() => seen.push('timer'), 0);
        seen.push(p);
      },
    });
    assert.ok(seen.indexOf('timer') > seen.indexOf('low-pass') && seen.indexOf('timer') < seen.lastIndexOf('low-pass'), seen.join(', '));
    // the abort from such a timer: the call rejects before the solvent model
    const midway = await abortFromTimer((run) => estimateLocalScale(map, run), /^low-pass$/);
    assert.equal((midway.error as Error | undefined)?.name, 'AbortError');
  });

  it('reports at least 3 phases in order, fractions in [0, 1], ending with done at 1', async () => {
    const calls: [string, number][] = [];
    await estimateLocalScale(map, { mode: 'occ', maxBox: 64, onProgress: (p, f) => calls.push([p, f]) });
    const names = calls.map((c) => c[0]);
    assert.ok(new Set(names).size >= 3, names.join(', '));
    for (const want of ['load', 'low-pass', 'solvent model', 'confidence', 'pad to input box']) assert.ok(names.includes(want), want);
    assert.ok(names.indexOf('low-pass') < names.indexOf('solvent model') && names.indexOf('solvent model') < names.indexOf('pad to input box'));
    for (let i = 0; i < calls.length; i++) {
      assert.ok(calls[i][1] >= 0 && calls[i][1] <= 1);
      if (i > 0) assert.ok(calls[i][1] >= calls[i - 1][1], `fractions non-decreasing at ${names[i]}`);
    }
    assert.deepEqual(calls.at(-1), ['done', 1]);
  });

  it('throws OptionError naming the option and its allowed range', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ tau: 1.5 }, 'tau', /\(0, 1\]/],
      [{ kernelSize: 4 }, 'kernelSize', /odd integer/],
      [{ kernelSize: 97 }, 'kernelSize', /odd integer in 1\.\.95/],
      [{ maxBox: 7 }, 'maxBox', /even integer >= 10/],
      [{ lowpassA: 1 }, 'lowpassA', /2\.4 \(Nyquist/],
      [{ mode: 'occupancy' }, 'mode', /res.*occ/],
      [{ tileSize: 0 }, 'tileSize', /integer in 1\.\./],
      [{ tileSize: 97 }, 'tileSize', /1\.\.96/],
      [{ kernelSise: 5 }, 'kernelSise', /known options/],
    ];
    for (const [options, key, allowed] of cases) {
      await assert.rejects(estimateLocalScale(map, options as never), (e: unknown) => {
        assert.ok(e instanceof OptionError, `${key}: ${String(e)}`);
        assert.equal(e.option, key);
        assert.match(e.allowed, allowed);
        assert.ok(e instanceof RangeError);
        assert.doesNotMatch(e.message, /\n/, 'one line');
        return true;
      });
    }
    const calls: string[] = [];
    await assert.rejects(estimateLocalScale(map, { tau: 2, onProgress: (p) => calls.push(p) }), OptionError);
    await assert.rejects(modifyMap(map, { modification: { kind: 'amplify', gamma: 2 }, scaleLimit: 1, onProgress: (p) => calls.push(p) }), (e: unknown) => e instanceof OptionError && e.option === 'scaleLimit');
    // an option the run would not read: the tile size with S0, the scale limit of a solvent exclusion alone
    await assert.rejects(estimateLocalScale(map, { tileSize: 8, useS0: true, onProgress: (p) => calls.push(p) }), (e: unknown) => e instanceof OptionError && e.option === 'tileSize');
    await assert.rejects(modifyMap(map, { excludeSolvent: true, scaleLimit: 0.1, onProgress: (p) => calls.push(p) }), (e: unknown) => e instanceof OptionError && e.option === 'scaleLimit' && /only used when modifying/.test(e.message));
    assert.deepEqual(calls, [], 'refused before any work');
    // .allowed in the library's terms as the message (it had read '… of --attenuate or --sigmoid (not with --exclude-solvent) …')
    await assert.rejects(modifyMap(map, { modification: { kind: 'amplify', gamma: 2 }, seed: 1 }), (e: unknown) => {
      assert.ok(e instanceof OptionError && e.option === 'seed', String(e));
      assert.match(e.allowed, /attenuate or sigmoid \(not with excludeSolvent\)/);
      assert.doesNotMatch(`${e.message} ${e.allowed}`, /--/, 'no command-line flag in a library error');
      return true;
    });
    const small: Volume = { data: new Float32Array(8), shape: [2, 2, 2], voxelSizeA: [1, 1, 1], originA: [0, 0, 0] };
    await assert.rejects(estimateLocalScale(map, { solventDef: small }), (e: unknown) => e instanceof OptionError && e.option === 'solventDef');
    await assert.rejects(estimateLocalScale({ ...map, data: map.data.map((v, i) => (i === 5 ? NaN : v)) }), (e: unknown) => e instanceof OptionError && e.option === 'volume.data');
    await assert.rejects(estimateLocalScale({ ...map, data: new Float32Array(map.data.length).fill(2) }), (e: unknown) => e instanceof OptionError && e.option === 'volume.data');
  });

  it('estimates slabs 4 voxels thick along Y or Z (the low-pass had zeroed them: a false SolventModelError)', async () => {
    // before: SolventModelError "all … values equal 0; no contrast" for [96,96,4] and [96,4,96]
    // while [4,96,96] worked: the original-mask low-pass dropped every frequency, DC included
    for (const [shape, offset] of [[[96, 96, 4], [0, 0, 46]], [[96, 4, 96], [0, 32, 0]], [[96, 96, 3], [0, 0, 46]]] as [[number, number, number], [number, number, number]][]) {
      const r = await estimateLocalScale(slabOf(map, shape, offset), { mode: 'occ' });
      assert.ok(r.summary.sMax > 0 && r.scale.data.some((x) => x > 0.5), `${shape.join('x')}: s_max ${r.summary.sMax}`);
    }
  });

  it("summary warnings and notes name the library's keys, not command-line flags", async () => {
    // before: "Suggest --kernel-size 5 or more, and/or --lowpass 43", "larger than --max-box 16",
    // "Both --lowpass and --resolution were given…", "consider --solvent-def <solvent_mask.mrc>"
    const cropped = await estimateLocalScale(map, { maxBox: 16, solventFailure: 'warn' });
    const all = (s: { warnings: string[]; notes: string[]; diagnostics: { message: string }[] }) => [...s.warnings, ...s.notes, ...s.diagnostics.map((f) => f.message)];
    assert.ok(cropped.summary.notes.some((n) => /^Box 96x96x96 is larger than maxBox 16: processing at 16x16x16/.test(n)), cropped.summary.notes.join(' | '));
    assert.ok(cropped.summary.warnings.some((w) => /Suggest kernelSize 5 with kernelRadiusVoxels 2\.5 or more \(the radius follows the low-pass, not the size\), and\/or lowpassA \d+ or more\./.test(w)), cropped.summary.warnings.join(' | '));
    const both = await estimateLocalScale(map, { lowpassA: 10, resolutionA: 5 });
    assert.ok(both.summary.warnings.some((w) => /^Both lowpassA and resolutionA were given; using the coarser 10 Å and ignoring resolutionA 5\.$/.test(w)), both.summary.warnings.join(' | '));
    const modified = await modifyMap(map, { modification: { kind: 'amplify', gamma: 2 }, maxBox: 16, solventFailure: 'warn' });
    for (const s of [cropped.summary, both.summary, modified.summary]) for (const line of all(s)) assert.ok(!/--[a-zA-Z]/.test(line), line);
    // the solvent-model warnings (not easily provoked on a phantom), as the estimate words them
    assert.equal(estimateInLibraryTerms('Potentially bad solvent model: confidence reaches 0.5 only at 60 % of the density range (lowest confident scale 0.60). Check it with --plot and consider --solvent-def <solvent_mask.mrc>.'), 'Potentially bad solvent model: confidence reaches 0.5 only at 60 % of the density range (lowest confident scale 0.60). Check it and consider a solventDef mask.');
    assert.equal(estimateInLibraryTerms('The solvent model failed: no density reaches confidence 0.5, so the confidence map is 0 everywhere. Check it with --plot, give a --solvent-def mask, or use a coarser --lowpass.'), 'The solvent model failed: no density reaches confidence 0.5, so the confidence map is 0 everywhere. Check it, give a solventDef mask, or use a coarser lowpassA.');
    assert.equal(estimateInLibraryTerms('--nlrc skipped: the confidence limit 1.000 is not below 1.'), 'nlrc skipped: the confidence limit 1.000 is not below 1.');
  });

  it('estimates a slab 3 voxels thick (the ball of tiles had held none)', async () => {
    // before: a plain RangeError "no tile fits in the box 3x96x96"; 1, 2, 4 and 5 voxels worked
    for (const thick of [3, 4]) {
      const v = slabOf(map, [thick, 96, 96], [32, 0, 0]);
      const r = await estimateLocalScale(v, { mode: 'occ' });
      assert.deepEqual([...r.scale.shape], [thick, 96, 96]);
      assert.ok(r.summary.sMax > 0 && r.scale.data.some((x) => x > 0.5), `${thick}: s_max ${r.summary.sMax}`);
      assert.deepEqual([...(await modifyMap(v, { modification: { kind: 'amplify', gamma: 2 }, mode: 'occ' })).map.shape], [thick, 96, 96]);
    }
  });

  it('throws SolventModelError for a map with no solvent (a blob on a constant filling the box)', async () => {
    const n = 64;
    const data = new Float32Array(n ** 3);
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      const r2 = (x - 32) ** 2 + (y - 32) ** 2 + (z - 32) ** 2;
      data[(z * n + y) * n + x] = 1 + Math.exp(-r2 / 200) + 0.01 * Math.sin(7 * x + 3 * y + z);
    }
    await assert.rejects(estimateLocalScale({ data, shape: [n, n, n], voxelSizeA: [1, 1, 1] }, { mode: 'occ' }), (e: unknown) => {
      assert.ok(e instanceof SolventModelError, String(e));
      assert.ok(['fit-failed', 'no-confident-density', 'no-solvent-region'].includes(e.reason));
      return true;
    });
  });
});

describe('modifyMap', () => {
  it('equals the CLI\'s amplified map (--amplify 2, occupancy mode)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'occupy-api-mod-'));
    try {
      const map = demoPhantom(3).phantom.map;
      const mapPath = join(dir, 'm.mrc');
      await writeMrc(mapPath, map);
      const cli = await runInProcess(['-i', mapPath, '--amplify', '2', '-o', dir + '/', '--no-chimerax', '--quiet']);
      assert.equal(cli.code, 0, cli.stderr);
      const r = await modifyMap(map, { modification: { kind: 'amplify', gamma: 2 } });
      const want = await readMrc(join(dir, 'ampl_2.0_m.mrc'));
      assert.deepEqual(r.map.shape, map.shape);
      assert.deepEqual(r.map.data, want.data);
      assert.equal(r.summary.mode, 'occ');
      await assert.rejects(modifyMap(map, { modification: { kind: 'sigmoid', gamma: 2 } }), (e: unknown) => e instanceof OptionError && e.option === 'modification.pivot');
      await assert.rejects(modifyMap(map, { modification: { kind: 'amplify', gamma: 1 } }), (e: unknown) => e instanceof OptionError && e.option === 'modification.gamma');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the modification runs in a worker thread: an abort from a timer ends it at once, a throwing listener rejects the call', async () => {
    const map = demoPhantom(3).phantom.map;
    // on the calling thread the timer ran only after the whole call: it resolved, never aborted
    const midway = await abortFromTimer((run) => modifyMap(map, { modification: { kind: 'attenuate', gamma: 2 }, ...run }), /^modify$/);
    assert.equal((midway.error as Error | undefined)?.name, 'AbortError', `resolved (fraction at the abort ${midway.fractionAtAbort})`);
    assert.ok(midway.fractionAtAbort >= 0.75 && midway.fractionAtAbort < 0.9, `aborted at ${midway.fractionAtAbort}`);
    // progress from inside the modification, and a listener that throws there ends the call with it
    const seen: [string, number][] = [];
    const stop = new Error('stop here');
    await assert.rejects(modifyMap(map, {
      modification: { kind: 'attenuate', gamma: 2 },
      onProgress: (p, f) => {
        seen.push([p, f]);
        if (p === 'modify' && f > 0.75) throw stop;
      },
    }), (e: unknown) => e === stop);
    assert.ok(!seen.some(([p]) => p === 'pad to input box' || p === 'done'), seen.map(([p, f]) => `${p} ${f}`).join(', '));
    // and without interruption, progress within the modification rises to its end
    const full: [string, number][] = [];
    await modifyMap(map, { modification: { kind: 'attenuate', gamma: 2 }, onProgress: (p, f) => full.push([p, f]) });
    const inside = full.filter(([p]) => p === 'modify').map(([, f]) => f);
    assert.ok(inside.length >= 3 && inside[0] === 0.75 && Math.abs((inside.at(-1) as number) - 0.9) < 1e-12, inside.join(', '));
    assert.deepEqual(full.at(-1), ['done', 1]);
  });
});
