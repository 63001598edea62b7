/**
 * fsc, localResolution and checkMap of the public API against the command line on the same
 * synthetic half maps, and their typed errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMap, decompose, fsc, localResolution, OptionError, readMrc, writeMrc, type RunOptions, type Volume } from '../../src/index.js';
import { fourDomainHalfMaps } from '../../src/resolution/half-map-phantom.js';
import { loadFft } from '../../src/math/fft.js';
import { fourierShellCorrelation } from '../../src/resolution/fsc.js';
import { runInProcess } from '../helpers/cli-run.js';
import { abortFromTimer } from '../helpers/abort-mid-way.js';

describe('fsc / localResolution / checkMap', () => {
  let dir: string;
  let h1: Volume;
  let h2: Volume;
  let mask: Volume;
  const paths = { h1: '', h2: '', mask: '' };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'occupy-api-res-'));
    await loadFft(); // the phantom generator needs it (the API functions load it themselves)
    const p = fourDomainHalfMaps(1.75, [4, 5, 6, 7], 3, 5);
    const geo = { shape: p.half1.shape, voxelSizeA: p.half1.voxelSizeA, originA: [0, 0, 0] as [number, number, number] };
    h1 = { ...geo, data: p.half1.data };
    h2 = { ...geo, data: p.half2.data };
    mask = { ...geo, data: p.mask };
    paths.h1 = join(dir, 'h1.mrc');
    paths.h2 = join(dir, 'h2.mrc');
    paths.mask = join(dir, 'mask.mrc');
    await writeMrc(paths.h1, h1);
    await writeMrc(paths.h2, h2);
    await writeMrc(paths.mask, mask);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fsc gives the resolutions of occupy fsc (unmasked, and corrected with a mask)', async () => {
    const cli = await runInProcess(['fsc', paths.h1, paths.h2, '--mask', paths.mask, '-o', join(dir, 'fsc'), '--quiet']);
    assert.equal(cli.code, 0, cli.stderr);
    const want = JSON.parse(await readFile(join(dir, 'fsc.json'), 'utf8')) as Record<string, number | null>;
    const r = await fsc(h1, h2, { mask });
    assert.ok(r.corrected && r.masked);
    assert.equal(r.corrected.resolutionAt0143A, want.resolutionAt0143CorrectedA);
    assert.equal(r.masked.resolutionAt0143A, want.resolutionAt0143A);
    assert.ok(r.corrected.resolutionAt0143A !== null && r.corrected.resolutionAt0143A > 3.5 && r.corrected.resolutionAt0143A < 8, String(r.corrected.resolutionAt0143A));
    const plain = await fsc(h1, h2);
    assert.equal(plain.corrected, undefined);
    assert.equal(plain.unmasked.fsc.length, r.frequencyPerA.length);
    // a map with itself correlates perfectly in every shell (the method; fsc refuses such halves, below)
    const self = fourierShellCorrelation(h1, h1);
    for (let k = 0; k < self.fsc.length; k++) if (Number.isFinite(self.fsc[k])) assert.ok(Math.abs(self.fsc[k] - 1) < 1e-6);
    await assert.rejects(fsc(h1, { ...h2, shape: [32, 32, 32], data: new Float32Array(32 ** 3) }), (e: unknown) => e instanceof OptionError && e.option === 'half2');
    await assert.rejects(fsc(h1, h2, { randomisations: 0 }), (e: unknown) => e instanceof OptionError && e.option === 'randomisations');
  });

  it('localResolution equals the map occupy locres writes (calibrated local FSC)', async () => {
    const out = join(dir, 'locres.mrc');
    const cli = await runInProcess(['locres', paths.h1, paths.h2, '--mask', paths.mask, '-o', out, '--quiet', '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const want = await readMrc(out);
    const summary = JSON.parse(cli.stdout) as { besideFinerPercent: number; windowVoxels: number; stepVoxels: number; threshold: number; record: { settings: Record<string, unknown> } };
    // the record's resolved settings give the window, step and threshold used (they read '(not set)')
    assert.deepEqual([summary.record.settings.window, summary.record.settings.step, summary.record.settings.threshold], [summary.windowVoxels, summary.stepVoxels, summary.threshold]);
    const phases: string[] = [];
    const r = await localResolution(h1, h2, { mask, onProgress: (p) => phases.push(p) });
    assert.deepEqual(r.resolution.data, want.data);
    assert.ok(r.interval && r.pinned);
    assert.ok(r.medianA > 3.5 && r.medianA < 8, String(r.medianA));
    // the median interval width is that of the returned interval maps inside the mask
    const widths: number[] = [];
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i] > 0.5) widths.push(r.interval.high.data[i] - r.interval.low.data[i]);
    widths.sort((x, y) => x - y);
    const w = widths[Math.round(0.5 * (widths.length - 1))];
    assert.ok(r.medianIntervalWidthA !== undefined && Math.abs(r.medianIntervalWidthA - w) <= 1e-3 * w, `${r.medianIntervalWidthA} vs ${w}`);
    // the voxels beside finer ones: a flag map inside the mask, the share the CLI reports
    assert.ok(r.besideFiner && r.besideFinerFraction !== undefined);
    let flagged = 0;
    let inMask = 0;
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i] > 0.5) inMask++;
      if (r.besideFiner[i]) {
        flagged++;
        assert.ok(mask.data[i] > 0.5, 'flag outside the mask');
      }
    }
    assert.ok(Math.abs(r.besideFinerFraction - flagged / inMask) < 1e-12);
    assert.ok(Math.abs(100 * r.besideFinerFraction - summary.besideFinerPercent) < 1e-9, `${r.besideFinerFraction} vs ${summary.besideFinerPercent} %`);
    assert.equal(phases.at(-1), 'done');
    await assert.rejects(localResolution(h1, undefined), (e: unknown) => e instanceof OptionError && e.option === 'half2');
    // checked by the method's option schema, reported under the API's keys
    await assert.rejects(localResolution(h1, h2, { windowVoxels: 15 }), (e: unknown) => e instanceof OptionError && e.option === 'windowVoxels');
    await assert.rejects(localResolution(h1, h2, { method: 'relion', windowVoxels: 20 }), (e: unknown) => e instanceof OptionError && e.option === 'windowVoxels' && /relion/.test(e.message));
    await assert.rejects(localResolution(h1, h2, { samplingA: 20 }), (e: unknown) => e instanceof OptionError && e.option === 'samplingA');
    await assert.rejects(localResolution(h1, h2, { lowestResolutionA: 1 }), (e: unknown) => e instanceof OptionError && e.option === 'lowestResolutionA' && /Nyquist/.test(e.allowed));
    await assert.rejects(localResolution(h1, undefined, { method: 'monores' }), (e: unknown) => e instanceof OptionError && e.option === 'mask');
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(localResolution(h1, h2, { signal: ac.signal }), { name: 'AbortError' });
  });

  it('localResolution computes in a worker thread: an abort from a timer stops it mid-way, and a listener that throws ends it with its error', async () => {
    // before session 50 the methods ran on the calling thread: the timer ran only after the
    // computation, at its last fraction (0.95)
    for (const method of ['localfsc', 'relion', 'monores'] as const) {
      const seen = await abortFromTimer((run) => localResolution(h1, h2, { method, mask, ...run }), /local FSC|monogenic/);
      assert.equal((seen.error as Error | undefined)?.name, 'AbortError', method);
      assert.ok(seen.fractionAtAbort >= 0 && seen.fractionAtAbort < 0.95, `${method}: aborted at ${seen.fractionAtAbort}`);
    }
    const stop = new Error('stop here');
    await assert.rejects(localResolution(h1, h2, { mask, onProgress: (p, f) => { if (/local FSC/.test(p) && f > 0.05) throw stop; } }), (e) => e === stop);
  });

  it('fsc with a mask: an abort from a timer during the corrected FSC ends the call at once (it had resolved, the abort never seen)', async () => {
    // on the calling thread the timer ran only after the whole computation, and the call resolved
    // as if never aborted (sweep, session 52: 20 draws on 64³ halves, abort at 50 ms, resolved at 1.6 s)
    const seen = await abortFromTimer((run) => fsc(h1, h2, { mask, randomisations: 20, ...run }), /^fsc$/);
    assert.equal((seen.error as Error | undefined)?.name, 'AbortError', 'the call resolved although aborted');
    assert.equal(seen.fractionAtAbort, 0.1, 'aborted during the FSC phase, not after it');
    // the thread's numbers are the calling thread's (the CLI's, which computed it in a thread already)
    const lib = await fsc(h1, h2, { mask, seed: 4, randomisations: 2 });
    const { correctedFsc } = await import('../../src/resolution/fsc-corrected.js');
    const main = correctedFsc(h1, h2, mask.data, { seed: 4, randomisations: 2 });
    assert.deepEqual([...lib.corrected!.fsc], [...main.corrected]);
  });

  it('checkMap: an abort from a timer during the diagnosis rejects the call (it had resolved, the abort never seen)', async () => {
    for (const call of [(run: RunOptions) => checkMap(h1, undefined, run), (run: RunOptions) => checkMap(h1, h2, run)]) {
      const seen = await abortFromTimer(call, /^check$/);
      assert.equal((seen.error as Error | undefined)?.name, 'AbortError', 'the call resolved although aborted');
    }
  });

  it('inputs that cannot give a resolution are refused before any work, naming the argument: a constant half map (all zero read as resolved to Nyquist), an empty mask, a box RELION or the window cannot use', async () => {
    const geo = { shape: h1.shape, voxelSizeA: h1.voxelSizeA };
    const zero = { ...geo, data: new Float32Array(h1.data.length) };
    const refused = async (call: (onProgress: () => void) => Promise<unknown>, option: string, message: RegExp) => {
      let started = false;
      await assert.rejects(call(() => (started = true)), (e: unknown) => e instanceof OptionError && e.option === option && message.test(e.message));
      assert.equal(started, false, `${option}: work started before the refusal`);
    };
    await refused((p) => fsc(zero, h2, { onProgress: p }), 'half1.data', /^half1 is constant \(every voxel is 0\)/);
    await refused((p) => fsc(h1, { ...geo, data: new Float32Array(h1.data.length).fill(0.3) }, { onProgress: p }), 'half2.data', /constant/);
    await refused((p) => fsc(h1, h2, { mask: zero, onProgress: p }), 'mask', /selects no voxel/);
    // a mask of one voxel: the masked FSC was -1 at every shell, the corrected one -1e15, reported as 64 Å
    // (exit 0) and its plot took the machine's memory; now refused as too small for an FSC
    const oneVoxel = { ...geo, data: new Float32Array(h1.data.length) };
    oneVoxel.data[(Math.floor(geo.shape[2] / 2) * geo.shape[1] + Math.floor(geo.shape[1] / 2)) * geo.shape[0] + Math.floor(geo.shape[0] / 2)] = 1;
    await refused((p) => fsc(h1, h2, { mask: oneVoxel, onProgress: p }), 'mask', /^mask covers 1 voxels .*less than a sphere 8 voxels across \(268\)/);
    for (const method of ['localfsc', 'relion', 'monores'] as const) {
      await refused((p) => localResolution(zero, h2, { method, mask, onProgress: p }), 'half1.data', /constant/);
      await refused((p) => localResolution(h1, h2, { method, mask: zero, onProgress: p }), 'mask', /selects no voxel/);
    }
    const box = (shape: [number, number, number], voxelSizeA: number) => ({ shape, voxelSizeA: [voxelSizeA, voxelSizeA, voxelSizeA] as [number, number, number], data: Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, i) => Math.sin(i * 0.37)) });
    await refused((p) => localResolution(box([32, 32, 40], 1), box([32, 32, 40], 1), { method: 'relion', onProgress: p }), 'half1.shape', /cubic/);
    await refused((p) => localResolution(box([16, 16, 16], 1.5), box([16, 16, 16], 1.5), { method: 'relion', onProgress: p }), 'half1.shape', /narrower than randomizeAtA 25 Å/);
    await refused((p) => localResolution(box([32, 32, 12], 1), box([32, 32, 12], 1), { onProgress: p }), 'half1.shape', /.*/);
    await refused((p) => localResolution(box([20, 20, 20], 30), box([20, 20, 20], 30), { onProgress: p }), 'half1.voxelSizeA', /.*/);
    // the CLI refuses the same maps in one line
    const zeroPath = join(dir, 'zero.mrc');
    await writeMrc(zeroPath, { ...zero, originA: [0, 0, 0] });
    for (const args of [['fsc', zeroPath, paths.h2], ['locres', zeroPath, paths.h2, '--mask', paths.mask], ['locres', paths.h1, paths.h2, '--mask', zeroPath], ['fsc', paths.h1, paths.h2, '--mask', zeroPath]]) {
      const r = await runInProcess([...args, '-o', join(dir, 'refused/')]);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, /occupy: error: (half map '.*zero\.mrc' is constant \(every voxel is 0\)|--mask map '.*zero\.mrc' selects no voxel)/, args.join(' '));
    }
    const oneVoxelPath = join(dir, 'one-voxel.mrc');
    await writeMrc(oneVoxelPath, { ...oneVoxel, originA: [0, 0, 0] });
    const small = await runInProcess(['fsc', paths.h1, paths.h2, '--mask', oneVoxelPath, '-o', join(dir, 'refused/small')]);
    assert.equal(small.code, 1);
    assert.match(small.stderr, /^occupy: error: --mask map '.*one-voxel\.mrc' covers 1 voxels .*less than a sphere 8 voxels across \(268\)/m);
  });

  it('half maps that are one map given twice, or one half inverted, are refused before any work naming the second (as the CLI refuses them): fsc had returned no 0.143 crossing, localResolution a resolution with no warning', async () => {
    const inverted = { ...h2, data: h2.data.map((v) => -v) };
    const refused = async (call: (onProgress: () => void) => Promise<unknown>, option: string, message: RegExp) => {
      let started = false;
      await assert.rejects(call(() => (started = true)), (e: unknown) => e instanceof OptionError && e.option === option && message.test(e.message) && !/--/.test(e.allowed));
      assert.equal(started, false, `${option}: work started before the refusal`);
    };
    const identical = /^half1 and half2: the two maps are identical \(FSC ≥ 1\.0000 at every frequency\)/;
    const anti = /^half1 and half2: the half maps are anti-correlated/;
    await refused((p) => fsc(h1, h1, { onProgress: p }), 'half2', identical);
    await refused((p) => fsc(h1, inverted, { mask, onProgress: p }), 'half2', anti);
    for (const method of ['localfsc', 'relion', 'monores'] as const) {
      await refused((p) => localResolution(h1, { ...h1, data: new Float32Array(h1.data) }, { method, mask, onProgress: p }), 'half2', identical);
      await refused((p) => localResolution(h1, inverted, { method, mask, onProgress: p }), 'half2', anti);
    }
    await refused((p) => decompose(h1, { halfMaps: [h1, h1], onProgress: p }), 'halfMaps[1]', /^halfMaps\[0\] and halfMaps\[1\]: the two maps are identical/);
    await refused((p) => decompose(h1, { halfMaps: [h1, inverted], onProgress: p }), 'halfMaps[1]', /anti-correlated/);
    // independent halves pass the check (their results are compared with the CLI's above)
    assert.ok((await fsc(h1, h2)).unmasked.resolutionAt0143A !== null);
  });

  it('checkMap finds a masked map and identical halves, and nothing wrong with the half maps', async () => {
    const fine = await checkMap(h1, h2);
    assert.equal(fine.maps.length, 2);
    assert.ok(!fine.findings.some((f) => f.code === 'identical-halves'), JSON.stringify(fine.findings.map((f) => f.code)));
    const same = await checkMap(h1, h1);
    assert.ok(same.findings.some((f) => f.code === 'identical-halves'));
    // the map multiplied by a hard mask: solvent exactly 0
    const masked = { ...h1, data: h1.data.map((v, i) => v * (mask.data[i] > 0.5 ? 1 : 0)) };
    const m = await checkMap(masked);
    assert.ok(m.findings.some((f) => f.code === 'masked' || f.code === 'flattened'), JSON.stringify(m.findings.map((f) => f.code)));
  });

  it("method 'localfsc': a step larger than the window and resolutions at Nyquist are OptionErrors with the library's key (library), exit 2 (CLI)", async () => {
    // before: plain RangeErrors in command-line terms from the worker thread ("--step 1000 is
    // larger than the window (20 voxels)…", "the lowest resolution must be coarser than Nyquist",
    // "--randomize-at must be coarser than Nyquist"): the boundary let Nyquist itself through
    const nyquist = 2 * h1.voxelSizeA[0];
    for (const [o, key, re] of [
      [{ stepVoxels: 1000 }, 'stepVoxels', /^stepVoxels must be at most the window edge \(the default window here is at most 20 voxels/],
      [{ lowestResolutionA: nyquist }, 'lowestResolutionA', /^lowestResolutionA must be a resolution in Å coarser than 3\.5 \(Nyquist limit of the maps\)/],
      [{ randomizeAtA: nyquist }, 'randomizeAtA', /^randomizeAtA must be a resolution in Å coarser than 3\.5/],
    ] as const) {
      let started = false;
      await assert.rejects(localResolution(h1, h2, { mask, ...o, onProgress: () => (started = true) }), (e: unknown) => e instanceof OptionError && e.option === key && re.test(e.message) && !/--/.test(e.message), key);
      assert.equal(started, false, `${key}: work started before the refusal`);
    }
    // a step within what the default window can be, but larger than the one chosen (16 voxels
    // from the global FSC, in the thread): an OptionError in library terms too
    await assert.rejects(localResolution(h1, h2, { mask, stepVoxels: 18 }), (e: unknown) => e instanceof OptionError && e.option === 'stepVoxels' && /^stepVoxels 18 is larger than the window \(16 voxels\)/.test(e.message));
    // RELION's mode takes Nyquist (it randomises from shell n/2 and reports down to it)
    assert.ok((await localResolution(h1, h2, { method: 'relion', mask, samplingA: 10, lowestResolutionA: nyquist })).medianA >= nyquist);
    const r = await runInProcess(['locres', paths.h1, paths.h2, '--mask', paths.mask, '--lowest-resolution', String(nyquist), '-o', join(dir, 'nyquist-refused/')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^occupy: error: --lowest-resolution must be coarser than the Nyquist limit of the maps \(3\.5 Å\) for the local FSC, got 3\.5\n$/);
  });

  it("method 'relion': samplingA from 4 voxels to a third of the box edge, refused before any work (library and CLI)", async () => {
    // before: samplingA 1000 on a 48³ box at 1 Å threw a plain RangeError (an array of 27 billion
    // elements), 200 took 15 s, 0.1 took 72 s; the schema allowed 0.1–1000 Å whatever the box
    const a = h1.voxelSizeA[0];
    const edgeA = h1.shape[0] * a;
    for (const samplingA of [1000, 200, edgeA / 3 + 0.5, 4 * a - 0.1, 0.1]) {
      let started = false;
      await assert.rejects(localResolution(h1, h2, { method: 'relion', mask, samplingA, onProgress: () => (started = true) }), (e: unknown) => e instanceof OptionError && e.option === 'samplingA' && e.value === samplingA
        && /^samplingA must be from 4 voxels \(7 Å\) to a third of the box edge \(37\.33 Å for 64x64x64 voxels of 1\.75 Å\)/.test(e.message) && !/--/.test(e.message + e.allowed), String(samplingA));
      assert.equal(started, false, `${samplingA}: work started before the refusal`);
    }
    // RELION's default (25 Å) on a box under 75 Å: refused too, saying it is the default
    const small = { shape: [48, 48, 48] as [number, number, number], voxelSizeA: [1, 1, 1] as [number, number, number], data: Float32Array.from({ length: 48 ** 3 }, (_, i) => Math.sin(i * 0.37)) };
    await assert.rejects(localResolution(small, { ...small, data: small.data.map((v, i) => v + Math.cos(i)) }, { method: 'relion' }), (e: unknown) => e instanceof OptionError && e.option === 'samplingA' && /got the default 25 Å \(give a smaller samplingA\)/.test(e.message));
    // the CLI refuses the same value in one line naming its flag, exit 2
    const r = await runInProcess(['locres', paths.h1, paths.h2, '--relion', '--locres-sampling', '1000', '-o', join(dir, 'relion-refused/')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^occupy: error: --locres-sampling must be from 4 voxels \(7 Å\) to a third of the box edge \(37\.33 Å for 64x64x64 voxels of 1\.75 Å\).*, got 1000\n$/);
  });
});

it('localResolution: rule errors name the library keys, not command-line flags', async () => {
  const h: Volume = { originA: [0, 0, 0], data: new Float32Array(32 ** 3).map((_, i) => Math.sin(i * 0.37)), shape: [32, 32, 32], voxelSizeA: [1, 1, 1] };
  for (const [o, key, re] of [
    [{ samplingA: 10 }, 'samplingA', /^samplingA needs method 'relion'$/],
    [{ windowVoxels: 17 }, 'windowVoxels', /^windowVoxels must be an even number of voxels/],
    [{ windowVoxels: 16, stepVoxels: 20 }, 'stepVoxels', /^stepVoxels 20 is larger than the window/],
    // the library has no --shells (session 50: "whiten needs method 'localfsc' or --shells")
    [{ method: 'monores', whiten: false }, 'whiten', /^whiten needs method 'localfsc': method 'monores' does not read it$/],
  ] as const) {
    await assert.rejects(localResolution(h, h, o), (e: Error) => e instanceof OptionError && e.option === key && re.test(e.message) && !/--(window|step|locres-sampling|relion|shells)\b/.test(e.message));
  }
});

it('fsc: option errors name the library keys, not command-line flags', async () => {
  // before: "--seed needs --mask …", "--randomisations must be …", "--seed must be …"
  const h: Volume = { originA: [0, 0, 0], data: new Float32Array(32 ** 3).map((_, i) => Math.sin(i * 0.37)), shape: [32, 32, 32], voxelSizeA: [1, 1, 1] };
  const h2: Volume = { ...h, data: h.data.map((v, i) => v + 0.5 * Math.cos(i * 1.3)) };
  const mask: Volume = { ...h, data: new Float32Array(32 ** 3).fill(1) };
  for (const [o, key, re] of [
    [{ seed: 3 }, 'seed', /^seed needs mask \(the phase randomisation/],
    [{ mask, randomisations: 0 }, 'randomisations', /^randomisations must be an integer in 1\.\.100, got 0$/],
    [{ mask, seed: -1 }, 'seed', /^seed must be an integer in 0\.\.\d+, got -1$/],
    [{ mask, seed: Number.NaN }, 'seed', /^seed must be an integer in 0\.\.\d+, got NaN$/],
  ] as const) {
    await assert.rejects(fsc(h, h2, o), (e: Error) => e instanceof OptionError && e.option === key && re.test(e.message) && !/--/.test(e.message + e.allowed), key);
  }
});
